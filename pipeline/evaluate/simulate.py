"""Simulated damage of other producers, for the repair measures (a run never imports this module).

``ligature_pairs``: a word processor's PDF export whose font has two-letter ligatures with a
ToUnicode entry in visual order (:func:`simulate_ligature_damage`, a font's set from
:func:`font_ligature_set`); ``line_reversal``: whole lines reversed (:func:`simulate_line_reversal`);
``visual_lines``: lines in a right-to-left display's order by python-bidi (:func:`visual_order`), in
text given numbers, Latin and brackets by :func:`mixed_lines`.  Used by :mod:`pipeline.evaluate.repair`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

from pipeline.stages.repair.glyphs import MARKS, NON_JOINERS

# Two-letter ligatures of lam and feh that common Arabic fonts carry (logical order): lam-alef
# (mandatory), lam with meem / hah / jeem / khah (Traditional Arabic, Simplified Arabic, Arial),
# lam and feh before a final yeh or alef maksura.
LAM_FEH_PAIRS = ("لا", "لأ", "لإ", "لآ", "لم", "لح", "لج", "لخ", "لى", "لي", "في", "فى")
_ARABIC_LETTER_RE = re.compile("[\u0621-\u064a]")


def random_pairs(seed: int, pool: Sequence[str] = LAM_FEH_PAIRS) -> frozenset[str]:
    """A random non-empty subset of ``pool`` (each pair kept with probability 1/2)."""
    rng = random.Random(seed)
    chosen = frozenset(pair for pair in pool if rng.random() < 0.5)
    return chosen or frozenset({rng.choice(list(pool))})


# Two-letter ligatures that the Arabic fonts of word processors carry (Times New Roman, Arial,
# Simplified / Traditional Arabic, Sakkal Majalla), in logical order, with where the ligature glyph
# forms: ``any`` wherever the two letters join, ``final`` only when the second letter ends the word
# (the tooth/feh + yeh ligatures are final forms: «المدني», «في»), ``initial`` only when the first
# letter starts a joined run (Traditional Arabic's «تح», «نج»).  Lam-alef is the one ligature every
# Arabic font has (OpenType ``rlig``, required): a producer that writes ligature components in visual
# order does so for it too («اإلصالح»).  The others are optional (``liga`` / ``dlig``); a font's set
# is the lam-alef forms and a subset of :data:`OPTIONAL_LIGATURES`.
LAM_ALEF_LIGATURES: tuple[tuple[str, str], ...] = tuple((pair, "any") for pair in ("لا", "لأ", "لإ", "لآ"))
OPTIONAL_LIGATURES: tuple[tuple[str, str], ...] = (
    *((pair, "any") for pair in ("لم", "لج", "لح", "لخ")),  # lam + meem / jeem / hah / khah
    *((pair, "final") for pair in ("لي", "لى", "في", "فى", "قي", "قى")),  # lam, feh, qaf + final yeh
    *((first + second, "final") for first in "بتثني" for second in "يى"),  # tooth letter + final yeh
    *((first + "م", "any") for first in "بتثني"),  # tooth letter + meem
    *((pair, "any") for pair in ("مح", "مج", "مخ")),  # meem + hah / jeem / khah
    *((first + second, "initial") for first in "بتني" for second in "حجخ"),  # tooth + hah group
)
FONT_LIGATURES = LAM_ALEF_LIGATURES + OPTIONAL_LIGATURES
FONT_SET_SIZES = (0, 2, 4, 8, 16, len(OPTIONAL_LIGATURES))  # optional ligatures per font, per-size table


def font_ligature_set(seed: int, size: int, lam_alef: bool = True) -> frozenset[tuple[str, str]]:
    """A font's ligature set: the lam-alef forms (unless ``lam_alef`` is false) and ``size`` entries
    of :data:`OPTIONAL_LIGATURES` drawn at random (seeded)."""
    rng = random.Random(seed)
    optional = rng.sample(OPTIONAL_LIGATURES, min(size, len(OPTIONAL_LIGATURES)))
    return frozenset((*LAM_ALEF_LIGATURES, *optional) if lam_alef else optional)


def simulate_ligature_damage(text: str, pairs: Iterable[str] | Iterable[tuple[str, str]]) -> str:
    """Every occurrence of a ligature of ``pairs`` inside a word, its two letters swapped.

    ``pairs`` holds pairs in logical order («في»), which form anywhere two letters join, or
    (pair, position) entries as in :data:`FONT_LIGATURES`.  Pairs are found left to right without
    overlap, as a shaper forms ligatures; marks between the two letters would stop a ligature, so
    only adjacent letters count, but a mark elsewhere does not end the word («منزليَّة»: no final «لي»).
    """
    where: dict[str, str] = {}
    for item in pairs:
        pair, position = (item, "any") if isinstance(item, str) else item
        # A pair listed twice forms wherever either entry lets it.
        where[pair] = "any" if where.get(pair, position) != position else position

    def word(match: re.Match) -> str:
        chars = list(match.group())
        letters = [index for index, ch in enumerate(chars) if ch not in MARKS]  # marks do not end a word
        index = 0
        while index < len(letters) - 1:
            first, second = letters[index], letters[index + 1]
            position = where.get(chars[first] + chars[second]) if second == first + 1 else None
            if position is not None and (
                position == "any"
                or (position == "final" and index + 2 == len(letters))
                or (position == "initial" and (index == 0 or chars[letters[index - 1]] in NON_JOINERS))
            ):
                chars[first], chars[second] = chars[second], chars[first]
                index += 2
            else:
                index += 1
        return "".join(chars)

    return re.sub("[\u0621-\u064a][\u0621-\u065f\u0670]*", word, text)


# Left-to-right runs a display keeps in their order: a Latin phrase, or a number.
_SIMPLE_LTR_RE = re.compile(
    r"[A-Za-z][A-Za-z0-9]*(?:[ ,.:/'&-]+[A-Za-z0-9]+)*|[0-9\u0660-\u0669]+(?:[/.,:][0-9\u0660-\u0669]+)*"
)
_MARK_AFTER_BASE_RE = re.compile("([^\u064b-\u065f\u0670])([\u064b-\u065f\u0670]+)")


def simulate_line_reversal(text: str, rate: float = 1.0, seed: int = 0) -> str:
    """Lines of ``text`` (each with probability ``rate``) in reversed character order, digit and
    Latin runs kept in theirs and each mark after its base letter (as a content stream drawn in
    display order writes them).  Repair's own :func:`calibrate.reverse_line` is not used."""
    rng = random.Random(seed)

    def reverse(line: str) -> str:
        line = _MARK_AFTER_BASE_RE.sub(lambda match: match.group(2)[::-1] + match.group(1), line)
        return _SIMPLE_LTR_RE.sub(lambda match: match.group()[::-1], line[::-1])

    return "\n".join(
        reverse(line) if _ARABIC_LETTER_RE.search(line) and rng.random() < rate else line for line in text.split("\n")
    )


# Tokens a policy text mixes into its Arabic lines: numbers, Latin names and acronyms (alone or as
# phrases), brackets around either, references, percentages.
MIXED_TOKENS = (
    "2024",
    "(2008)",
    "63/202",
    "3.5%",
    "[1]",
    "(WHO)",
    "COVID-19",
    "United Nations",
    "(UNDP)",
    "«الحكومات»",
    "(أ)",
    "18",
    "SDG 4",
)


def mixed_lines(text: str, seed: int = 0, rate: float = 0.5, short: float = 0.1) -> str:
    """``text`` with :data:`MIXED_TOKENS` put between words of its lines (each line with
    probability ``rate``, one to three tokens), and some lines cut to one or two words (``short``):
    the lines a reversed-line check must get right."""
    rng = random.Random(seed)
    out = []
    for line in text.split("\n"):
        words = line.split()
        if words and rng.random() < short:
            words = words[: rng.randint(1, 2)]
        elif words and rng.random() < rate:
            for _ in range(rng.randint(1, 3)):
                words.insert(rng.randint(0, len(words)), rng.choice(MIXED_TOKENS))
        out.append(" ".join(words))
    return "\n".join(out)


def visual_order(text: str, rate: float = 0.5, seed: int = 0, presentation: bool = False) -> str:
    """Lines of ``text`` (each with probability ``rate``) as a right-to-left display shows them from
    left to right (``python-bidi``'s ``get_display``, the Unicode bidirectional algorithm with
    mirrored brackets), optionally in presentation forms: how a PDF drawn in visual order extracts.
    An independent simulator: repair's own :func:`calibrate.reverse_line` is not used."""
    from bidi.algorithm import get_display

    rng = random.Random(seed)
    out = []
    for line in text.split("\n"):
        if _ARABIC_LETTER_RE.search(line) and rng.random() < rate:
            line = get_display(_shape(line) if presentation else line, base_dir="R")
        out.append(line)
    return "\n".join(out)


def _shape(line: str) -> str:
    """``line`` in Arabic presentation forms (isolated/initial/medial/final, lam-alef ligatures)."""
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False}).reshape(line)
