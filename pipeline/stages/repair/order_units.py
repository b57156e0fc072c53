"""The units a reading-order search moves (words, word pieces, numbers, marks) and the seams that show
a line is not in reading order (:mod:`pipeline.stages.repair.reading_order` runs the search)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

_ARABIC = "\u0621-\u063a\u0641-\u064a\u06cc"
_WORD_PART = f"[{_ARABIC}\u0640-\u065f\u0670\u0467]"
_UNIT_RE = re.compile(rf"[A-Za-z][\w/.\-:]*\w|\d+(?: ?[/.,] ?\d+)*|{_WORD_PART}+|\S")
_PUNCT_TOKENS = {".": ".", "،": "،", "؛": "،", ",": "،", ":": "،", "/": "/"}
_MARK_KEYS = frozenset({"", "0", ".", "،", "/"})
_HEAD_LETTERS = frozenset("وف")  # one-letter words that never end a word they are glued to
_SPACED_SLASH_RE = re.compile(r"^(\d+) ?/ ?(\d+)$")
_NO_SPACE_BEFORE = frozenset(".،؛:)”")
_NO_SPACE_AFTER = frozenset("(“")


@dataclass
class Costs:
    """Cost (log10 units) of a cut, by the kind of boundary, and the margin a reordering must win by."""

    gap: float = 0.0  # two or more spaces: a chunk boundary more often than not
    # Three spaces or more (two, in a line with a wider gap) between two units the model reads
    # (words, numbers, stops, a bracket drawn mirrored; not a bullet or a quote): a cut there *earns*
    # 1.5, so that a reading the model scores within 0.5 of the raw order (an exact tie: every pair
    # that differs unseen) is taken across the gap.  Clean text has such gaps after bullets («*   …»)
    # and two-space typos alone in their line («الجيّد  والميسور», UN SDG), which keep the plain cost.
    gap_words: float = -1.5
    mark: float = 0.3  # beside a punctuation mark or a number
    glue: float = 0.0  # inside a raw token (split at an unknown word's best split: itself evidence)
    space: float = 3.0  # between two words one space apart
    edge: float = 3.0  # the same, cutting a one-word chunk off a gap-delimited stretch of a line with gaps
    margin: float = 1.0  # the best reading must beat the raw order by this much
    # ... and the rules' reading by this much when that reading leaves more words glued than it does
    unread_margin: float = 0.25
    # Weight of the pair «a line's last unit, the next line's first» (the next line as a first pass read
    # it: a guess, so half weight; 0.3 to 0.7 measure the same but for one tie, 1.0 loses p39).
    after_weight: float = 0.5


@dataclass
class _Unit:
    text: str
    key: str  # model token ("" for a mark the model does not see)
    before: str  # raw separator before the unit: "" (glued), " " or a gap


def _units(
    line: str,
    split_word: Callable[[str], list[str]],
    key_of: Callable[[str], str],
    split_head: Callable[[str], list[str]] | None = None,
) -> list[_Unit]:
    units: list[_Unit] = []
    position = 0
    for match in _UNIT_RE.finditer(line):
        separator = line[position : match.start()]
        text = match.group()
        position = match.end()
        if text[0].isdigit() or (text[0].isascii() and text[0].isalpha()):
            units.append(_Unit(text, "0", separator))  # a number or a reference («A/64/64»): the model's 0
        elif text in _PUNCT_TOKENS:
            units.append(_Unit(text, _PUNCT_TOKENS[text], separator))
        elif len(text) == 1 and not ("\u0621" <= text <= "\u064a" or text == "\u06cc"):
            units.append(_Unit(text, "", separator))
        else:
            pieces = split_word(text)
            if split_head is not None and len(pieces) == 1 and line[position : position + 1] in (".", "،"):
                pieces = split_head(text)
            for index, piece in enumerate(pieces):
                units.append(_Unit(piece, key_of(piece), separator if index == 0 else ""))
    return units


def _damage_shown(units: list[_Unit]) -> bool:
    """Whether a line shows a chunk boundary: a wide gap inside it, a stop or comma opening it or glued
    to the next word.  Other lines are taken to be in reading order and are not searched (glued words
    alone are no evidence: clean text has unknown words that split)."""
    if units[0].key in (".", "،", "/") or any(_mirrored(units, index) for index in range(len(units))):
        return True
    for left, right in itertools.pairwise(units):
        if len(right.before) >= 2:
            return True
        if not right.before and len(left.text) == 1 and left.key and right.key and right.key not in _MARK_KEYS:
            return True  # «إأن»: a lone letter glued to a word, cut from another word
        if right.key == "." and right.before == " " and right is not units[-1]:
            return True  # «إلى . المعلومات»: a stop set apart from the word it ends, inside the line
        if not right.before and left.key in (".", "،") and right.key not in ("", ".", "،", "/", "0"):
            return True  # «.لهذا», «،لن»: a stop glued to the next word
    return False


def _arabic(unit: _Unit) -> bool:
    return bool(unit.key) and unit.key not in _MARK_KEYS


def _mirrored(units: list[_Unit], index: int) -> bool:
    """Whether ``units[index]`` is a bracket drawn mirrored, apart from what it holds: an opening
    bracket followed by a space or ending the line («E/2009/10( ») or glued between two words, a
    closing one after a space or opening it (« )اليونسكو»).  Clean text glues brackets to what they
    hold and sets them apart from the words outside («من (1%) إلى»)."""
    text = units[index].text
    if text == "(":
        if index + 1 == len(units) or units[index + 1].before:
            return True
        # Glued between two Arabic words («اليونسكو(المخصصة»): the closing bracket of the first.
        return (
            index > 0
            and not units[index].before
            and (_arabic(units[index - 1]) or units[index - 1].key == "0")
            and _arabic(units[index + 1])
        )
    return text == ")" and (index == 0 or bool(units[index].before))


def render(units: list[_Unit], chunks: list[tuple[int, int]], junctions: dict) -> str:
    """The line a reading makes: ``chunks`` (start, end) of ``units`` in reading order, pieces that
    re-join at a junction (``junctions[(left, right)][1]``) glued, the spaces otherwise normalised."""
    out: list[str] = []
    previous_end = None
    for a, b in chunks:
        for index in range(a, b):
            unit = units[index]
            text = unit.text
            match = _SPACED_SLASH_RE.match(text)
            if match and " " in text:
                text = f"{match.group(2)}/{match.group(1)}"  # «2 / 2010», drawn in visual order
            if index == a and previous_end is not None:
                joined = junctions.get((previous_end, a), (0.0, False))[1]
                # A conjunction that was a chunk of its own opens the word read after it («و|أُحيط»).
                opens = units[previous_end].text in _HEAD_LETTERS and _arabic(unit)
                glue = "" if joined or opens else " "
            else:
                glue = unit.before if index > a else ""
                glue = " " if len(glue) > 1 else glue
            if out and (text[0] in _NO_SPACE_BEFORE or out[-1][-1:] in _NO_SPACE_AFTER or text == "/"):
                glue = ""
            if out and out[-1] == "/":
                glue = ""
            out.append(glue + text if out else text)
        previous_end = b - 1
    return "".join(out)
