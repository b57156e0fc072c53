"""Visual-to-logical order of one extracted PDF line: opposite-direction runs and mirrored brackets.

Helpers of :func:`pipeline.stages.pdf_text.extract_pdf_text`: a line's glyph texts come in visual
order (right to left for an Arabic line); the runs of the other direction (digits, Latin) are turned
back, following the Unicode bidirectional algorithm (UAX #9) rules named below.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

_MIRRORED = str.maketrans("()[]{}<>«»", ")(][}{><»«")


def _cell_class(cell: str) -> str:
    """``R`` RTL letter, ``L`` LTR letter, ``D`` digit, ``S`` space, ``ES`` plus/minus, ``ON`` bracket or
    other symbol, ``N`` other neutral (number separators ``. , : /``)."""
    if cell.isspace():
        return "S"
    first = cell[0]
    kind = unicodedata.bidirectional(first)
    if kind in ("AL", "R"):
        return "R"
    if kind == "L":
        return "L"
    if kind in ("EN", "AN"):
        return "D"
    if kind == "ES":
        return "ES"
    if kind == "ON":
        return "ON"  # brackets, quotes, symbols: never part of a number
    return "N"


def _visual_to_logical(
    cells: list[str], rtl: bool, fonts: list[str | None] | None = None, memory: dict[str, Counter] | None = None
) -> str:
    """Turn cells in visual reading order into logical order by re-reversing embedded opposite-direction runs.

    ``fonts`` (parallel to ``cells``) names each cell's font, and ``memory`` (font -> Counter of
    ``True``: stored brackets were logical, ``False``: they were mirrored) carries what earlier
    lines of the document showed about each font (see below); both optional.
    """
    classes = [_cell_class(cell) for cell in cells]
    order = list(range(len(cells)))
    for start, end in _opposite_runs(classes, rtl):
        for run_start, run_end in _split_run(classes, start, end, rtl):
            order[run_start:run_end] = order[run_start:run_end][::-1]
    out = [cells[index] for index in order]
    if rtl:
        # A glyph at right-to-left level is drawn mirrored.  Producers that lay text out themselves
        # (ReportLab) store the character the glyph shows, «)» for an opening bracket; HarfBuzz-based
        # ones (fpdf2, WeasyPrint, browsers) store the logical character.  Which one a font's
        # brackets follow shows in the result: mirrored only when that, not the stored text, pairs
        # each opening bracket with a later closing one.  A line that cannot show it (one bracket
        # of a pair that spans lines) follows what the earlier lines showed for the same font, and
        # is mirrored when there is nothing to follow.
        inside = _run_membership(classes, rtl)
        mirrored = [cell if inside[i] else cell.translate(_MIRRORED) for i, cell in enumerate(out)]
        stored_balanced, mirrored_balanced = _brackets_balanced("".join(out)), _brackets_balanced("".join(mirrored))
        bracket_fonts = (
            {fonts[order[i]] for i, cell in enumerate(out) if not inside[i] and cell in _BRACKETS}
            if fonts is not None
            else set()
        )
        if stored_balanced != mirrored_balanced:
            keep = stored_balanced
            if memory is not None:
                for font in bracket_fonts:
                    memory.setdefault(font, Counter())[keep] += 1
        else:
            votes = sum((memory.get(font, Counter()) for font in bracket_fonts), Counter()) if memory else Counter()
            keep = votes[True] > votes[False]
        if not keep:
            out = mirrored
    return "".join(out)


_BRACKETS = frozenset("()[]{}<>«»")


_OPENING = {")": "(", "]": "[", "}": "{", "»": "«"}


def _brackets_balanced(text: str) -> bool:
    """Whether every bracket of ``text`` closes one opened before it (nested properly)."""
    stack: list[str] = []
    for char in text:
        if char in "([{«":
            stack.append(char)
        elif char in _OPENING and (not stack or stack.pop() != _OPENING[char]):
            return False
    return not stack


def _opposite_runs(classes: list[str], rtl: bool) -> list[tuple[int, int]]:
    """Maximal [start, end) runs that start and end with opposite-direction cells and hold no same-direction cell."""
    opposite = {"L", "D"} if rtl else {"R"}
    same = "R" if rtl else "L"
    runs: list[tuple[int, int]] = []
    start = last = None
    for index, kind in enumerate(classes):
        if kind == same:
            if start is not None:
                runs.append((start, last + 1))
            start = last = None
        elif kind in opposite:
            start = index if start is None else start
            last = index
    if start is not None:
        runs.append((start, last + 1))
    return runs


def _split_run(classes: list[str], start: int, end: int, rtl: bool) -> list[tuple[int, int]]:
    """Split a digits-only run into separate numbers; runs with Latin letters stay whole.

    In Arabic context digits are Arabic numbers (UBA W2) and only ``. , : /`` join them, so spaces and
    ``+ -`` separate numbers laid out right to left ("10-20" is drawn as "20-10").
    """
    if not rtl or "L" in classes[start:end]:
        return [(start, end)]
    pieces, piece_start = [], None
    for index in range(start, end):
        # Brackets and other neutrals between two numbers resolve to the Arabic direction (UBA N1:
        # numbers count as R): they separate the numbers.  Only «. , : /» (class CS) join them.
        if classes[index] in ("S", "ES", "ON"):
            if piece_start is not None:
                pieces.append((piece_start, index))
            piece_start = None
        elif piece_start is None:
            piece_start = index
    if piece_start is not None:
        pieces.append((piece_start, end))
    return pieces


def _run_membership(classes: list[str], rtl: bool) -> list[bool]:
    """For each cell, whether it lies inside an opposite-direction (left-to-right) run."""
    inside = [False] * len(classes)
    for start, end in _opposite_runs(classes, rtl):
        for piece_start, piece_end in _split_run(classes, start, end, rtl):  # a bracket between numbers is outside
            for index in range(piece_start, piece_end):
                inside[index] = True
    return inside
