"""Ligature pairs in a file only part of which was written by the damaging font.

A file of concatenated documents, or a PDF whose text boxes come in two fonts, holds both «في» and
«يف»: on the whole file the pairs' logical order is not missing, so
:func:`~pipeline.stages.repair.ligatures.learn_ligature_pairs` learns nothing, or only the pairs the
intact part happens to lack.  :func:`learn_ligature_parts` learns them on the lines that show the
damage, :func:`has_intact_part` says whether the file has such a part, and the stage puts the pairs
back only in lines whose own evidence (:func:`line_evidence`) says they are damaged.
"""

from __future__ import annotations

from collections import Counter

from pipeline.stages.repair import glyphs
from pipeline.stages.repair.calibrate import _KNOWN_ZIPF, _LIGATURE_SIGNS_RE, LIGATURE_SAMPLE_CHARS
from pipeline.stages.repair.ligatures import (
    _REPAIR_MARGIN,
    LigatureCalibration,
    _best_reading,
    _logical_count,
    _reversed_pairs,
    learn_ligature_pairs,
    words,
)

PART_ROUNDS = 2  # learn on the sign lines, then again on the lines the pairs found damaged


def learn_ligature_parts(text: str) -> LigatureCalibration:
    """The ligature pairs of a file only part of which was written by the damaging font.

    A file of concatenated documents, or a PDF whose text boxes come in two fonts, holds both «في»
    and «يف»: on the whole file the pairs' logical order is not missing, so
    :func:`learn_ligature_pairs` learns nothing.  Here the pairs are learnt on the lines that show
    signs of the damage (:data:`calibrate._LIGATURE_SIGNS_RE`), then again on the lines those pairs
    judge damaged (:func:`line_evidence`), under the same gates.  The stage then puts the pairs back
    only in lines whose own evidence says they are damaged (a line without evidence follows the
    line before it).  Run only where the whole file showed signs and learnt nothing.
    """
    lines = text[:LIGATURE_SAMPLE_CHARS].split("\n")
    chosen = [line for line in lines if _LIGATURE_SIGNS_RE.search(f" {line} ")]
    found = LigatureCalibration()
    for _ in range(PART_ROUNDS):
        if not chosen or len(chosen) == len(lines):
            break
        trial = learn_ligature_pairs("\n".join(chosen))
        if not trial.pairs:
            break
        found = trial
        chosen = [line for line in lines if line_evidence(line, found.pairs) > 0]
    if found.pairs:
        found.parts, found.damaged_lines, found.lines = True, len(chosen), len(lines)
    return found


PART_MIN_INTACT = 0.05  # intact evidence against the learnt pairs, per damaged evidence, of a file of two parts


def has_intact_part(text: str, pairs: frozenset[str]) -> bool:
    """Whether ``text`` may hold lines the damaging font did not write: no pairs were learnt on
    the whole of it (``pairs`` empty), or some lines spell the learnt pairs in logical order, at least
    ``PART_MIN_INTACT`` of the evidence of the damaged lines (:func:`line_evidence`; on 200 news
    documents wholly damaged the share is at most 0.02, on files half damaged 0.17 at the median)."""
    if not pairs:
        return True
    evidence = [line_evidence(line, pairs) for line in text[:LIGATURE_SAMPLE_CHARS].split("\n")]
    intact = -sum(value for value in evidence if value < 0)
    return intact > 0 and intact >= PART_MIN_INTACT * sum(value for value in evidence if value > 0)


def line_evidence(line: str, pairs: frozenset[str]) -> int:
    """Evidence that ``line`` was written by the font whose ``pairs`` come out swapped: the tokens
    that a swap turns into a far commoner word (``_REPAIR_MARGIN``, as in learning) minus the
    occurrences of the pairs in logical order that no swap explains (a line of the other font spells
    «في», «المجلس»).  > 0: damaged, < 0: intact, 0: no evidence."""
    types = Counter(words(line))
    if not types:
        return 0
    repaired = 0
    for word, count in types.items():
        reading = _best_reading(word, pairs)
        if reading != word and glyphs._key_zipf(reading) >= max(_KNOWN_ZIPF, glyphs._key_zipf(word) + _REPAIR_MARGIN):
            repaired += count
    suspects = _reversed_pairs(pairs)
    return repaired - sum(_logical_count(types, unit, suspects) for unit in pairs)
