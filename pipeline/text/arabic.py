"""Arabic letters, letter classes and the two folds the project uses.

* :func:`fold` -- the model folds (camel-tools' ``normalize_alef_ar``, ``normalize_alef_maksura_ar``,
  ``normalize_teh_marbuta_ar``, done with ``str.replace``), chosen by the normalise stage's options.
  They act on model text only; display text keeps the author's letters.
* :func:`light_fold` -- an orthographic fold for *matching* (actor aliases, seed terms marked in the
  report): hamza carriers and alef variants to bare letters, alef maksura, Persian yeh and keheh to
  their Arabic letters, teh marbuta to heh, and tatweel, the kashida glyph and harakat removed, then
  lower case (for Latin names).  Apply it to both sides of a comparison.
"""

from __future__ import annotations

import re

ALEF = "\u0627"
ALEF_VARIANTS = ("\u0625", "\u0623", "\u0671", "\u0622")  # إ أ ٱ آ
ALEF_MAKSURA = "\u0649"
YEH = "\u064a"
TEH_MARBUTA = "\u0629"
HEH = "\u0647"
TATWEEL = "\u0640"
KASHIDA_GLYPH = "\u0467"  # the glyph one PDF font's kashida is extracted as («ѧ»)
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0660)) + "\u0670"  # tanween, short vowels, shadda, sukun, ...
# Ordinal words that number headings («أولا - …», «ثانيا: …»).  Authors write them with tanween
# («أولاً») and stretch them with tatweel («ثانيـا»): ORDINALS, a regex alternation, allows both
# between and after the letters, so a match keeps the author's spelling for display.
ORDINAL_WORDS = ("أولا", "ثانيا", "ثالثا", "رابعا", "خامسا", "سادسا", "سابعا", "ثامنا", "تاسعا", "عاشرا")
# Month names: Gregorian (Egyptian and Gulf spellings) and Levantine/Iraqi («كانون الثاني», «تشرين الأول»,
# whence «الأول», «الثاني»), and the weekdays, with and without the article: the words of a date line
# («الأحد 12 مايو 2024») and of a date after «بتاريخ».
MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "إبريل", "مايو", "يونيو", "يونيه", "يوليو", "يوليه", "أغسطس", "سبتمبر",
    "أكتوبر", "نوفمبر", "ديسمبر", "كانون", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
    "تشرين", "الأول", "الثاني",
)  # fmt: skip
WEEKDAYS = ("الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
_ORDINAL_MARKS = "[\u0640\u064b-\u0652]*"
ORDINALS = "|".join(_ORDINAL_MARKS.join(word) + _ORDINAL_MARKS for word in ORDINAL_WORDS)
# The marks display text keeps as written (tanween, short vowels, shadda, sukun, superscript alef) and
# arclean deletes: models read the display text without them, as it was before display kept them.
DISPLAY_MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"
# What display text keeps and the models never read: the marks, and the ellipsis and ZWNJ, which the
# models read as camel-tools' cleaning leaves them («...», a space).
_NO_DISPLAY_MARKS = str.maketrans({**dict.fromkeys(DISPLAY_MARKS), "\u2026": "...", "\u200c": " "})


def without_marks(text: str) -> str:
    """Display text as a model reads it: without :data:`DISPLAY_MARKS`, «…» as «...», ZWNJ as a space, whitespace collapsed
    (a stray mark between two spaces leaves one space, as display text has)."""
    return " ".join(text.translate(_NO_DISPLAY_MARKS).split())


_LIGHT_FOLD = str.maketrans(
    {
        **dict.fromkeys(ALEF_VARIANTS, ALEF),
        ALEF_MAKSURA: YEH,
        "\u06cc": YEH,  # Persian yeh
        "\u0626": YEH,  # yeh with hamza above
        "\u0624": "\u0648",  # waw with hamza above
        TEH_MARBUTA: HEH,
        "\u06a9": "\u0643",  # keheh
        **dict.fromkeys(TATWEEL + KASHIDA_GLYPH + HARAKAT),
    }
)


def fold(text: str, alef: bool = False, alef_maksura: bool = False, teh_marbuta: bool = False) -> str:
    """``text`` with the chosen model folds applied (see the module docstring)."""
    if alef:
        for variant in ALEF_VARIANTS:
            text = text.replace(variant, ALEF)
    if alef_maksura:
        text = text.replace(ALEF_MAKSURA, YEH)
    if teh_marbuta:
        text = text.replace(TEH_MARBUTA, HEH)
    return text


def fold_variants(word: str) -> set[str]:
    """``word`` under every combination of model folds, so word lists match whatever the config folds."""
    return {
        fold(word, alef, maksura, teh) for alef in (False, True) for maksura in (False, True) for teh in (False, True)
    }


def light_fold(text: str) -> str:
    """The matching fold (see the module docstring); lengths may shrink (removed marks)."""
    return text.translate(_LIGHT_FOLD).lower()


def char_class(chars: set[str]) -> str:
    """A regex character class body for ``chars``, written as ranges (compact and fast to compile)."""
    points = sorted(ord(char) for char in chars)
    parts: list[str] = []
    start = prev = points[0]
    for point in [*points[1:], None]:
        if point is not None and point == prev + 1:
            prev = point
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        if point is not None:
            start = prev = point
    return "".join(parts)
