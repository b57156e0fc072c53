"""Normalisation stage: camel-tools cleaning plus optional letter folding, compiled into a fast path.

Two forms of every text leave this stage:

* ``display(text)`` -- for people: Unicode normalisation (camel-tools ``normalize_unicode``,
  i.e. NFKC), the ``arclean`` character map, ``dediac_ar``, whitespace collapsed.  Letters are
  not folded, so «إدارة» stays «إدارة».
* ``normalise(text)`` -- for the models: the same cleaning, then the configured folds
  (alef variants to bare alef, alef maksura to yeh, teh marbuta to heh).

The order is ``normalize_unicode`` -> ``arclean`` -> ``dediac_ar`` -> folds.  Unicode
normalisation goes first because it turns what ``arclean`` would otherwise delete into text it
keeps: decomposed hamza (ا + U+0654 -> أ), presentation-form ligatures (ﷺ, ﳎ) and fullwidth or
superscript digits.  After ``arclean`` the text is limited to Arabic letters, ASCII, Latin-1
letters and three whitespace characters, which is what makes the fast tokeniser simple.

camel-tools applies ``arclean`` with a Python loop over characters, which dominates its cost.
Every step after NFKC is a per-character map, so their composition is one per-character map
too.  It is compiled once (on first use) into ``str.replace`` for the few frequent characters it
changes or drops (Arabic comma, harakat, tatweel), one regex scan for the runs of all other
characters it does not keep as they are (mapped with ``str.translate``), and ``str.replace`` for
the folds.  :func:`camel_reference` runs the original camel-tools functions; the tests prove
both paths give identical output.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from pipeline.records import DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.text.arabic import DISPLAY_MARKS, char_class, fold

# camel-tools' normalize_unicode replaces these two ligatures before NFKC (NFKC keeps ﷼ as is
# and maps ﷽ to spaced words differently).
_UNICODE_FIX = (("\ufdfc", "ريال"), ("\ufdfd", "بسم الله الرحمن الرحيم"))

# Common characters that fail NFKC's quick check, each with its full compatibility decomposition.
# NFKC(text) depends only on the decomposition of text, so replacing them first changes nothing
# but lets unicodedata take its quick "already normalised" exit: news text is full of NBSPs.
_NFKC_PRESPLIT = (("\xa0", " "), ("\u2026", "..."))


@functools.cache
def _arclean_mapper():
    """camel-tools' ``arclean`` character map, built once (building it costs a chain about 20%)."""
    from camel_tools.utils.charmap import CharMapper

    return CharMapper.builtin_mapper("arclean")


@functools.cache
def _arclean_map() -> dict[str, str | None]:
    """arclean expanded to one entry per character (value None = keep the character)."""
    mapper = _arclean_mapper()
    # _charmap/_default are the only way to read the compiled map; CharMapper has no public
    # accessor.  A test pins the behaviour, so a camel-tools change would fail loudly.
    assert mapper._default == "", "arclean is expected to delete unmapped characters"
    return dict(mapper._charmap)


class _Images(dict):
    """What the chain makes of each character it does not keep as is; any other character is dropped."""

    def __missing__(self, key: int) -> None:
        return None  # str.translate deletes characters mapped to None


@dataclass(frozen=True)
class _Compiled:
    odd: re.Pattern[str]  # runs of characters the chain does not keep as they are (rare in real text)
    images: _Images  # ``str.translate`` table for those runs: code point -> image, anything else dropped
    common: tuple[tuple[str, str], ...]  # frequent odd characters and their images, for ``str.replace``
    folds: tuple[bool, bool, bool]


# Display text keeps Arabic punctuation, guillemets and Arabic-Indic digits as printed; arclean
# would turn them into their ASCII look-alikes, which suits models but not readers.
# The Arabic decimal and thousands separators («٣٫٥», «١٬٢٠٠») are kept too: arclean's «,» and «'»
# change what the number says.  Tatweel is kept where it is orthography (see ``keep_orthography``).
# The harakat -- tanween «أولاً», shadda, short vowels, sukun -- and the superscript alef are what
# the author wrote: display text keeps them (arclean deletes them; the model text loses them).
# Typographic quotation marks and dashes likewise («“الحكومة”» is what was printed; arclean's «"»
# and «-» are look-alikes).  (The ellipsis «…» is NFKC's «...» before arclean sees it.)
# Letters Arabic text borrows for other sounds and languages -- «ڤ» (veh: «ڤيتنام»), «گ», «پ», «چ», «ژ»,
# the Maghrebi «ڨ» and «ڭ», Kurdish «ە ڕ ڵ ۆ ێ ۋ» -- are the author's letters too: arclean maps them to
# the nearest Arabic letter («ڤ» -> «ف») or deletes them («ە»), which the model text may do, the
# display text not.
BORROWED_LETTERS = "ڤگپچژڨڭەڕڵۆێۋ"
# NFKC writes the ellipsis «…» as three stops; display keeps the author's character. It stands in for
# «…» through the cleaning as a noncharacter (U+FDD0) that NFKC keeps and real text does not hold (a text
# holding it keeps the NFKC form: nothing is invented).
ELLIPSIS, ELLIPSIS_STAND_IN = "\u2026", "\ufdd0"
# ZWNJ (U+200C) is orthography in Persian and Urdu words quoted in Arabic text («می‌شود»): display keeps it.
DISPLAY_KEEP = frozenset(
    "،؛؟«»٪٠١٢٣٤٥٦٧٨٩\u066b\u066c\u0640\u200c" + "“”‘’„–—" + DISPLAY_MARKS + BORROWED_LETTERS + ELLIPSIS_STAND_IN
)
# A Persian keyboard types these for the Arabic letters the author meant («ی» for «ي»/«ى», «ک» for «ك»,
# «ھ» for «ه»): display reads them as those letters, and the stage counts them.
PERSIAN_KEYBOARD_LETTERS = "یکھۀےۃ"

FARSI_YEH = "\u06cc"
TATWEEL = "\u0640"
# Tatweel that is orthography: after a prefix written alone before a number or a Latin word
# («الـ 193», «لـ COVID», «والـ SDGs»).  Any other tatweel is justification and goes.
_TATWEEL_RUN_RE = re.compile(f"{TATWEEL}{TATWEEL}*")  # not "+": a literal first is found in C (~40x)
# Matched from each tatweel run (found by a fast scan for the literal): the prefix before it, the
# number or Latin word after it.
_PREFIX_BEFORE_RE = re.compile("(?:^|[^\u0621-\u064a])(?:وال|بال|فال|كال|لل|ال|و|ب|ل|ف|ك)$")
_NUMBER_OR_LATIN_AFTER_RE = re.compile("\\s*[0-9A-Za-z\u0660-\u0669\"“«']")  # or a quotation: «بـ"ذا فويس"»
# «1436هـ», «٢٠ هـ»: the Hijri year's abbreviation after a number keeps its tatweel (not before a letter)
_HIJRI_BEFORE_RE = re.compile("[0-9\u0660-\u0669] ?\u0647$")
_LETTER_AFTER_RE = re.compile("[\u0621-\u064a]")
_FARSI_YEH_INSIDE_RE = re.compile(f"{FARSI_YEH}(?=[\u0621-\u064a\u064b-\u065f{FARSI_YEH}])")
_FARSI_YEH_FINAL_RE = re.compile(f"([\u0621-\u064a]+){FARSI_YEH}(?![\u0621-\u064a])")


def keep_orthography(text: str) -> str:
    """``text`` with justification tatweel removed and orthographic tatweel kept as one U+0640."""
    if TATWEEL not in text:
        return text
    return _TATWEEL_RUN_RE.sub(lambda match: TATWEEL if orthographic(text, match) else "", text)


def orthographic(text: str, run: re.Match) -> bool:
    """Whether the tatweel ``run`` of ``text`` is orthography («الـ 193», «لـ "فيسبوك"», «1436هـ»), not
    justification."""
    start, end = run.span()
    if _HIJRI_BEFORE_RE.search(text[max(0, start - 3) : start]) and not _LETTER_AFTER_RE.match(text, end):
        return True
    return (
        _NUMBER_OR_LATIN_AFTER_RE.match(text, end) is not None
        and _PREFIX_BEFORE_RE.search(text[max(0, start - 4) : start]) is not None
    )


def shield_orthography(text: str, shield: str, read: str | None = None) -> str:
    """``text`` with each orthographic tatweel run written as one ``shield`` character; ``read`` (as long
    as ``text``): the text the prefix test reads instead (repair reads a damaged initial kaf «آ» as «ك»)."""
    if TATWEEL not in text:
        return text
    read = text if read is None else read
    return _TATWEEL_RUN_RE.sub(lambda match: shield if orthographic(read, match) else match.group(), text)


def farsi_yeh_as_arabic(text: str) -> str:
    """Persian-keyboard yeh «ی» (U+06CC) as the Arabic letter the author meant.

    Before a letter it is «ي» (the only joining reading: «تعزیز» is «تعزيز»).  At a word's end
    a Persian keyboard writes «ی» for both «ي» and «ى» («فی», «علی»): the reading that makes the
    more frequent word (wordfreq) wins, «ي» when neither is known.  arclean maps it to «ى»,
    which is right for neither position in Arabic text.
    """
    if FARSI_YEH not in text:
        return text
    text = _FARSI_YEH_INSIDE_RE.sub("\u064a", text)

    def final(match: re.Match) -> str:
        from pipeline.stages.repair.glyphs import zipf  # deferred: loads the lexicon

        stem = match.group(1)
        return stem + ("\u0649" if zipf(stem + "\u0649") > zipf(stem + "\u064a") else "\u064a")

    return _FARSI_YEH_FINAL_RE.sub(final, text).replace(FARSI_YEH, "\u064a")


# Characters the chain changes or drops that are frequent in Arabic text: the Arabic comma,
# question mark and semicolon, the harakat and tatweel.  Looking each up with ``in`` (a memchr)
# and replacing it where present is much cheaper than a regex callback per occurrence.
_COMMON_ODD = "،؟؛\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"


@functools.cache
def _compiled(alef: bool, alef_maksura: bool, teh_marbuta: bool, keep: frozenset[str] = frozenset()) -> _Compiled:
    """Compile arclean + dediac_ar into one scan for the characters it does not keep as they are.

    ``str.translate`` over the whole text would do it in one call but costs a dict lookup per
    character (~19 MB/s here).  Almost every character is kept as is, so one regex finds the
    runs of the others (deleted or replaced, e.g. harakat or Persian letters) and ``translate``
    maps just those runs; the most frequent of them are replaced beforehand with ``str.replace``.
    """
    from camel_tools.utils.dediac import dediac_ar

    identity: set[str] = set()
    images = _Images()
    charmap = _arclean_map()
    # a kept character arclean does not know (and so would delete) is kept too
    for char, value in [*charmap.items(), *((char, None) for char in sorted(keep) if char not in charmap)]:
        image = char if char in keep else dediac_ar(char if value is None else value)
        if image == char:
            identity.add(char)
        elif image:
            images[ord(char)] = image
    common = tuple((char, images.get(ord(char), "")) for char in _COMMON_ODD if char not in identity)
    # Replaced before the scan, so their images must be left alone by it (they are ASCII).
    assert all(set(image) <= identity for _, image in common)
    identity_class = char_class(identity)
    return _Compiled(
        # "[^…][^…]*" rather than "[^…]+": a pattern that starts with a plain class lets ``re``
        # skip to its first match with a tight C loop instead of trying a match at every position.
        odd=re.compile(f"[^{identity_class}][^{identity_class}]*"),
        images=images,
        common=common,
        folds=(alef, alef_maksura, teh_marbuta),
    )


def fast_clean(
    text: str,
    alef: bool = False,
    alef_maksura: bool = False,
    teh_marbuta: bool = False,
    keep: frozenset[str] = frozenset(),
) -> str:
    """normalize_unicode + arclean + dediac_ar (+ folds), equal to :func:`camel_reference`.

    Characters in ``keep`` stay as they are instead of taking arclean's image (display text).
    """
    compiled = _compiled(alef, alef_maksura, teh_marbuta, keep)
    for ligature, words in _UNICODE_FIX:
        if ligature in text:
            text = text.replace(ligature, words)
    for char, decomposition in _NFKC_PRESPLIT:
        if char in text:
            text = text.replace(char, decomposition)
    if not unicodedata.is_normalized("NFKC", text):  # the check is ~7x faster than normalising
        text = unicodedata.normalize("NFKC", text)
    # Each step after NFKC maps characters one by one, so the frequent ones can go first.
    for char, image in compiled.common:
        if char in text:
            text = text.replace(char, image)
    images = compiled.images
    text = compiled.odd.sub(lambda match: match.group().translate(images), text)
    # The folds act on arclean's output (arclean maps ی to ى, which the maksura fold then maps to ي).
    return fold(text, *compiled.folds)


def camel_reference(text: str, alef: bool = False, alef_maksura: bool = False, teh_marbuta: bool = False) -> str:
    """The same chain written with the camel-tools functions themselves (slow; for tests and benchmarks)."""
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (
        normalize_alef_ar,
        normalize_alef_maksura_ar,
        normalize_teh_marbuta_ar,
        normalize_unicode,
    )

    text = dediac_ar(_arclean_mapper()(normalize_unicode(text)))
    if alef:
        text = normalize_alef_ar(text)
    if alef_maksura:
        text = normalize_alef_maksura_ar(text)
    if teh_marbuta:
        text = normalize_teh_marbuta_ar(text)
    return text


@register("normalise", "camel")
@dataclass
class CamelNormaliser(DocumentStage):
    """camel-tools cleaning; ``normalise`` adds the folds chosen here, ``display`` never folds.

    The model text (``norm``) never has diacritics: ``arclean`` itself deletes the harakat, so
    ``dediac_ar`` has nothing left to do.  The display text keeps them (tanween, shadda, short
    vowels) as the input had them.
    """

    fold_alef: bool = True  # إ أ ٱ آ -> ا
    fold_alef_maksura: bool = True  # ى -> ي  (also repairs yeh written as Farsi yeh, which arclean maps to ى)
    fold_teh_marbuta: bool = False  # ة -> ه  (off: the stemmers strip ة themselves, and it merges little else)

    def process(self, state: DocumentState) -> dict[str, int]:
        """Set each unit's model text (``norm``, folded) and display text; counts: units, and
        ``persian_keyboard_letters`` read as the Arabic letters meant (``PERSIAN_KEYBOARD_LETTERS``)."""
        persian = 0
        for unit in state.units:
            persian += sum(unit.text.count(letter) for letter in PERSIAN_KEYBOARD_LETTERS)
            unit.norm = self.normalise(unit.text)
            unit.text = self.display(unit.text)
        return {"units": len(state.units)} | ({"persian_keyboard_letters": persian} if persian else {})

    def display(self, text: str) -> str:
        """Cleaned text for display: the author's letters and diacritics (Persian-keyboard yeh read as
        Arabic yeh), Arabic punctuation, separators, orthographic tatweel, the ellipsis «…» and ZWNJ kept,
        whitespace collapsed."""
        protect = ELLIPSIS in text and ELLIPSIS_STAND_IN not in text
        if protect:
            text = text.replace(ELLIPSIS, ELLIPSIS_STAND_IN)
        text = " ".join(fast_clean(keep_orthography(farsi_yeh_as_arabic(text)), keep=DISPLAY_KEEP).split())
        return text.replace(ELLIPSIS_STAND_IN, ELLIPSIS) if protect else text

    def normalise(self, text: str) -> str:
        """Cleaned and folded text for the models (whitespace kept as is: tokenisation ignores it)."""
        return fast_clean(text, self.fold_alef, self.fold_alef_maksura, self.fold_teh_marbuta)
