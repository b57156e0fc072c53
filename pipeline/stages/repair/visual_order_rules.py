"""The rules reading of the visual-order step (``fix_visual_order``, ``visual_order_method="rules"``).

The language-model reading (:mod:`pipeline.stages.repair.reading_order`) competes with this one
in :func:`pipeline.stages.repair.line_order.fix_visual_order_line`; the word tests here
(:func:`_joins`, :func:`_fragment_zipf`) serve both.
"""

from __future__ import annotations

import itertools
import re

from pipeline.stages.repair.glyphs import (
    _ARABIC_LETTER,
    _KASHIDA_RE,
    _LAM_ALEF_LIGATURES,
    _LETTER_CLASS,
    ALEF_MADDA,
    FARSI_YEH,
    KAF,
    KASHIDA_GLYPH,
    _key,
    _key_zipf,
)
from pipeline.stages.repair.words import _DIGIT_RE, _separate_glued_digits

# -- visual order ---------------------------------------------------------------------------
#
# The seed's extractor wrote some lines, or stretches of a line, in visual (left-to-right)
# order instead of logical order.  Three shapes, each undone only on evidence:
#
# * ѧ-led lines: the kashida glyph ѧ is a left-to-right letter, so a line whose first strong
#   character is ѧ was laid out as an LTR paragraph: its ѧ-separated Arabic runs come in
#   reverse order, «ѧѧي صѧѧل فѧѧلة المتمثѧѧال ذي الصѧѧي المجѧѧ...» (seed line 469).
#   get_display(base_dir="L") restores the visual order; reversing it gives the logical one.
# * segments: a line cut by wide gaps into segments printed left to right,
#   «، طلبت الجمعية أیضا إلى الأمين العام أن یقدم       63/202وفي قرارها       - 5» is
#   «5 - وفي قرارها 63/202، طلبت الجمعية أيضا إلى الأمين العام أن يقدم» (line 79).  Inside a
#   segment that holds a number, the number and the Arabic runs are in visual order too
#   («63/202وفي قرارها» is «وفي قرارها 63/202»).
# * rotations: a line wrapped mid-word whose head was printed at its end,
#   «ية العامة ... في وردت إلى الجمع» holds «الجمعية» (line 69); the head is moved back.
#
# A leading full stop, «. یتفق مع الإجراءات القانونية» (line 61), is the stop of that stretch's
# end, printed at its left: it is moved to the end.

_ARABIC_LETTER_RE = re.compile(_ARABIC_LETTER)
_GAP_SPLIT_RE = re.compile(r"( {2,})")
_LATIN_RE = re.compile("[A-Za-z]")
_STRONG_RE = re.compile(f"[A-Za-z{KASHIDA_GLYPH}{_LETTER_CLASS}{FARSI_YEH}]")
# A line that opens with a number glued to a word of two letters or more: «2010/2لمجلس …», a number
# printed at the left.  Not a list number («1-\tالتقييم …2-\t…») nor a year's era letter («2018م: …»).
_OPENING_GLUED_NUMBER_RE = re.compile(
    rf"^\d+(?:[/.,]\d+)*{KASHIDA_GLYPH}*{_ARABIC_LETTER}{KASHIDA_GLYPH}*{_ARABIC_LETTER}"
)
_DIGIT_GLUE_RE = re.compile(rf"\d{KASHIDA_GLYPH}*{_ARABIC_LETTER}|{_ARABIC_LETTER}{KASHIDA_GLYPH}*\d")
# Runs of a segment in visual order: numbers (with their separators and note brackets), slashes, stops.
_RUN_SPLIT_RE = re.compile(r"\s*([()]?\d{1,3}(?: \d{3})+[()]?|[()]?\d+(?:\s?[/.,]\s?\d+)*[()]?|/|\.)\s*")
_PARAGRAPH_NUMBER_RE = re.compile(r"^-\s*(\d{1,3})$")
VISUAL_END_PRIOR = 2  # evidence of visual order from a paragraph number printed at a line's right edge
# A stop (spaced or not) or a comma / semicolon glued to the next word, at a segment's start.
_LEADING_STOP_RE = re.compile(f'^(?:\\.[\\s“”"]*|[،؛/])(?={_ARABIC_LETTER}|{KASHIDA_GLYPH})')
_CLAUSE_START_RE = re.compile(r"^[.،؛/]|^\d")
_SPACED_SLASH_NUMBER_RE = re.compile(r"^(\d+) / (\d+)$")
_JOIN_MIN_ZIPF = 3.0  # a word re-joined across a cut must be at least this common ...
_FRAGMENT_MAX_ZIPF = 3.0  # ... and one of its parts at most this common (a fragment, not a word)
_PIECES_MIN_ZIPF = 1.5  # the same, when neither part is a word
_ROTATION_MAX_ZIPF = 4.5  # a line's head and tail are re-joined only when neither is commoner than this


def _fragment_zipf(key: str) -> float:
    """Zipf of ``key`` as a free-standing word: lone letters and an article with at most one letter are fragments."""
    return 0.0 if len(key) < 2 or (key.startswith("ال") and len(key) <= 3) else _key_zipf(key)


def _joins(left: str, right: str) -> bool:
    """Whether raw tokens ``left`` + ``right`` are one word cut in two (``ا`` + ``لحكومات``)."""
    left, right = _key(left), _key(right)
    if not left or not right or left == "و":  # a detached wa- says nothing about order
        return False
    if left in _LAM_ALEF_LIGATURES or right in _LAM_ALEF_LIGATURES:
        return False  # a detached lam-alef is rejoin_lam_alef's job
    whole = _key_zipf(left + right)
    if whole < _JOIN_MIN_ZIPF and right.startswith(ALEF_MADDA):
        whole = _key_zipf(left + right.replace(ALEF_MADDA, KAF))  # a damaged initial kaf: «مشار» + «آة»
    if whole < _JOIN_MIN_ZIPF:
        return False
    weakest = min(_fragment_zipf(left), _fragment_zipf(right))
    return weakest < _FRAGMENT_MAX_ZIPF and whole > weakest + 0.5


def _known_share(text: str) -> float:
    """Share of the Arabic tokens of ``text`` (ѧ removed) that are lexicon words (آ may be a kaf)."""
    keys = [_key(token) for token in _KASHIDA_RE.sub("", text).split()]
    keys = [key for key in keys if key]
    if not keys:
        return 0.0
    known = sum(
        1 for key in keys if _key_zipf(key) > 0 or (ALEF_MADDA in key and _key_zipf(key.replace(ALEF_MADDA, KAF)) > 0)
    )
    return known / len(keys)


def _undo_ltr_line(line: str) -> str:
    """An ѧ-led line laid out left to right, back in logical order (digits and Latin keep theirs)."""
    from bidi.algorithm import get_display  # deferred: only damaged ѧ-led lines need it

    reversed_line = get_display(line, base_dir="L")[::-1]
    # Reversing the whole line also reversed the left-to-right runs: turn those back.
    return re.sub(r"[0-9A-Za-z]+(?:[/.,:][0-9A-Za-z]+)*", lambda match: match.group()[::-1], reversed_line)


def _move_leading_stop(segment: str) -> str:
    """«. یتفق مع الإجراءات القانونية» -> «یتفق مع الإجراءات القانونية.»."""
    match = _LEADING_STOP_RE.match(segment)
    if not match:
        return segment
    return segment[match.end() :].rstrip() + match.group().replace(" ", "")


def _reverse_runs(segment: str) -> str:
    """A segment whose numbers and Arabic runs are in visual order: «63/202وفي قرارها» -> «وفي قرارها 63/202»."""
    runs = [run.strip() for run in _RUN_SPLIT_RE.split(segment) if run and run.strip()]
    # «2 / 2010», drawn as separate pieces, is resolution «2010/2».
    runs = [_SPACED_SLASH_NUMBER_RE.sub(r"\2/\1", run) for run in runs]
    return " ".join(reversed(runs))


def _visual_evidence(segments: list[str], digits: bool = True) -> int:
    """Evidence that ``segments`` (raw order) are in visual order: > 0 visual, < 0 logical, 0 unknown.

    ``digits=False`` leaves numbers out: one glued to a word («63/202وفي»), which authors type too
    («10مارس»), and a segment that starts with one (a table row, «السكان   2020   2021»), so that they
    are evidence only on a line that is otherwise suspect."""
    score = 0
    if _PARAGRAPH_NUMBER_RE.match(segments[-1]):
        score += VISUAL_END_PRIOR  # «- 5» printed at the right edge: the paragraph number of an RTL line
    if segments[0].startswith("،"):
        score += 1  # no logical line starts with a comma
    for later in segments[1:]:
        if _CLAUSE_START_RE.match(later) and (digits or not later[0].isdigit()):
            score += 1  # «. التي ینبغي ...»: a clause end that was printed at the segment's left
    if digits:
        score += sum(1 for segment in segments if _DIGIT_GLUE_RE.search(segment))
    for first, second in itertools.pairwise(segments):
        first_tokens, second_tokens = first.split(), second.split()
        if not first_tokens or not second_tokens:
            continue
        if _joins(second_tokens[-1], first_tokens[0]):
            score += 2  # «... قيام ا» + «لحكومات ...»: a word cut at the gap, visual order
        if _joins(first_tokens[-1], second_tokens[0]):
            score -= 2
    return score


def shows_visual_order(line: str) -> bool:
    """Whether ``line`` by itself shows that its extractor wrote it in visual order: its first strong
    character is ѧ (a paragraph laid out left to right), it opens with a stop or comma before a word
    («. یتفق مع …»: the stop of its end, printed at its left), or its wide-gap segments have visual
    evidence (:func:`_visual_evidence`) without counting numbers.

    The repair stage reads lines in visual order only in a document where some line shows this
    (:meth:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair.fit`): a number glued to a word
    («10مارس») or a numbered list is no sign of it by itself, and text typed so is right as it is."""
    if not _ARABIC_LETTER_RE.search(line) or _LATIN_RE.search(line):
        return False  # no words, no evidence («2022:  0.6102»); the rules leave lines with Latin text alone
    strong = _STRONG_RE.search(line)
    if strong is not None and strong.group() == KASHIDA_GLYPH:
        return True
    body = line.strip()
    if _LEADING_STOP_RE.match(body):
        return True
    if "  " not in body:
        return False
    segments = _GAP_SPLIT_RE.split(body)[0::2]
    return len(segments) >= 2 and _visual_evidence(segments, digits=False) > 0


def _join_cut_words(segments: list[str]) -> str:
    """Join segments (logical order) with one space, re-joining a word cut at a segment boundary."""
    # «ا» + «لكترونية» with a detached «لإت» elsewhere is «الإلكترونية»: left to rejoin_lam_alef.
    ligature = any(token.startswith(_LAM_ALEF_LIGATURES) for segment in segments for token in segment.split())
    out = segments[0]
    for segment in segments[1:]:
        tail, head = out.split()[-1:], segment.split()[:1]
        glue = " "
        if tail and head and _joins(tail[0], head[0]) and not (ligature and tail[0].endswith("ا")):
            glue = ""
        out = out + glue + segment
    return out


def _rotate(text: str) -> str:
    """Move a line's head fragment back behind its tail fragment: «ية ... الجمع» -> «... الجمعية»."""
    tokens = text.split()
    if len(tokens) < 3 or not _joins(tokens[-1], tokens[0]):
        return text
    if max(_fragment_zipf(_key(tokens[0])), _fragment_zipf(_key(tokens[-1]))) >= _ROTATION_MAX_ZIPF:
        return text  # a common word at either end («من», «في») is no wrapped head or tail
    body = text.strip()
    return body[len(tokens[0]) :].strip() + tokens[0]


def _fix_segment(segment: str) -> str:
    """A segment kept in place: its leading stop moved to its end, a wrapped head put back."""
    moved = _move_leading_stop(segment)
    if moved == segment:
        return _rotate(segment)
    stop = moved[len(moved.rstrip('.،؛/“”"')) :]
    return _rotate(moved[: len(moved) - len(stop)]) + stop


def fix_visual_order_rules(line: str, prior: int = 0) -> str:
    """One line back in logical order where the evidence says it was extracted in visual order.

    ``prior`` is evidence from outside the line, added to :func:`_visual_evidence`: the structure
    stage found a paragraph number printed at the line's right edge and took it off
    (:data:`VISUAL_END_PRIOR`, the weight the number has when it is still on the line).
    Lines without that evidence, and lines with Latin text (references like «E/2009/92»,
    whose layout this does not model), come back unchanged.  Applied to its own output
    it changes nothing: every change removes the evidence that triggered it.
    """
    if not line.strip() or _LATIN_RE.search(line):
        return line
    original = line
    strong = _STRONG_RE.search(line)
    if strong is not None and strong.group() == KASHIDA_GLYPH:
        candidate = _undo_ltr_line(line)
        if _known_share(candidate) > _known_share(line):
            line = candidate  # its wide gaps are still segment boundaries, handled below
    indent, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
    parts = _GAP_SPLIT_RE.split(line.strip())
    segments, gaps = parts[0::2], parts[1::2]
    if (len(segments) >= 2 or prior > 0) and _visual_evidence(segments) + prior > 0:
        ordered = []
        for segment in reversed(segments):
            number = _PARAGRAPH_NUMBER_RE.match(segment)
            if number:
                ordered.append(f"{number.group(1)} -")
            elif _DIGIT_RE.search(segment):
                ordered.append(_reverse_runs(segment))
            else:
                ordered.append(_fix_segment(segment))
        rebuilt = _join_cut_words(ordered)  # single spaces: no gap is left to re-trigger this
    else:
        if len(segments) == 1 and _OPENING_GLUED_NUMBER_RE.match(segments[0]):
            segments[0] = _reverse_runs(segments[0])  # «2010/2لمجلس ...»: a number printed at the left
        segments = [_fix_segment(segment) for segment in segments]
        rebuilt = segments[0]
        for gap, segment in zip(gaps, segments[1:], strict=True):
            rebuilt += gap + segment
    rebuilt = _separate_glued_digits(rebuilt)
    if rebuilt.split() == original.split():
        return original
    return indent + rebuilt + trail
