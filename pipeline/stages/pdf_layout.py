"""Page geometry for PDF text extraction: text boxes in reading order, and paragraph breaks.

Helpers of :func:`pipeline.stages.pdf_text.extract_pdf_text`, on pdfminer's layout objects (pages
mirrored for right-to-left text, so a line starts at ``x0`` either way).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pdfminer.layout import LTFigure, LTTextBox, LTTextLine


def _text_lines(container):
    """Yield the page's text lines: text boxes in reading order, lines top to bottom inside each."""
    for box in _reading_order(list(_text_boxes(container))):
        yield from (line for line in box if isinstance(line, LTTextLine))


@dataclass(frozen=True)
class LineBox:
    """The geometry of one printed line (points; pages mirrored for right-to-left text)."""

    x0: float
    x1: float
    y0: float
    y1: float
    height: float


def join_baseline_pieces(lines: list, texts: list[str]) -> list[tuple[LineBox, str]]:
    """One entry per printed line: pieces of a line that pdfminer split at wide word gaps
    (justified text) sit on the same baseline one after the other, and are joined with a space.

    ``lines``: pdfminer text lines of one box, top to bottom; ``texts``: their texts.
    Without this a piece after a wide gap looked indented and started a paragraph
    («... مساءلتها عن» / «تقصير. سنكون» in the Vision 2030 PDF).  Pieces are on the same
    baseline when their ``y0`` differ by less than a quarter of the line height and
    the second starts after the first ends.
    """
    out: list[tuple[LineBox, str]] = []
    for line, text in zip(lines, texts, strict=True):
        box = LineBox(line.x0, line.x1, line.y0, line.y1, line.height)
        if out:
            above, above_text = out[-1]
            same = abs(above.y0 - box.y0) < 0.25 * max(box.height, 1.0) and box.x0 >= above.x1 - 1.0
            if same:
                joined = LineBox(
                    above.x0, box.x1, min(above.y0, box.y0), max(above.y1, box.y1), max(above.height, box.height)
                )
                out[-1] = (joined, f"{above_text} {text}")
                continue
        out.append((box, text))
    return out


_CONTINUE_GAP = 2.0  # line heights: a wider gap between two text boxes ends the paragraph
_SENTENCE_END = re.compile(r"[.!?؟:…]\s*$")


def _paragraph_breaks(lines: list, texts: list[str]) -> set[int]:
    """Indices of the lines of one text box that start a new paragraph, from their geometry.

    A line starts a paragraph when the gap above it is more than 1.4 times the
    box's median line pitch, when it is indented by more than one em at the
    start of the line, or when the line before it ends a sentence well short of
    the line end (more than 3 em of the measure left).  Pages are mirrored for
    right-to-left text, so the line start is at ``x0`` either way.
    """
    if len(lines) < 2:
        return set()
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    pitches = sorted(a.y0 - b.y0 for a, b in itertools.pairwise(lines) if a.y0 - b.y0 > 0)
    pitch = pitches[len(pitches) // 2] if pitches else 0.0
    breaks = set()
    for index in range(1, len(lines)):
        above, line = lines[index - 1], lines[index]
        em = max(line.height, 1.0)
        gap = above.y0 - line.y0
        short_end = right - above.x1 > 3 * em and _SENTENCE_END.search(texts[index - 1])
        indented = line.x0 - left > em and lines[index - 1].x0 - left <= em / 2
        if (pitch and gap > 1.4 * pitch) or short_end or indented:
            breaks.add(index)
    return breaks


def _continues(above, above_text: str, line) -> bool:
    """Whether ``line`` (first of a text box) continues the paragraph whose last line is ``above``.

    pdfminer starts a new box where line spacing varies a little (or is wide: its
    boxes break at gaps over half a line height); the paragraph goes on when the
    font size is the same, the gap is at most ``_CONTINUE_GAP`` line heights (a
    blank line at any leading from single to 1.8 spacing makes a gap of 2.4
    heights or more), the lines overlap horizontally and the line above ends no
    sentence.
    """
    if above is None or not above_text or _SENTENCE_END.search(above_text):
        return False
    same_size = abs(above.height - line.height) <= 0.1 * max(above.height, 1.0)
    gap = above.y0 - line.y0
    overlap = min(above.x1, line.x1) - max(above.x0, line.x0) > 0
    return same_size and 0 < gap <= _CONTINUE_GAP * max(line.height, 1.0) and overlap


def _text_boxes(container):
    """Yield pdfminer's text boxes, descending into figures."""
    for obj in container:
        if isinstance(obj, LTTextBox):
            yield obj
        elif isinstance(obj, LTFigure):
            yield from _text_boxes(obj)


def _reading_order(boxes: list) -> list:
    """Order text boxes for reading: a box comes after every box above it in its column and every
    box beside it that starts earlier on the line (further left; right-to-left pages are mirrored).

    pdfminer's own order weighs height above columns, so a short left column can come before a long
    right one; this is a topological sort instead, the top-most ready box first, with cycles (odd
    layouts) broken by taking the top-most remaining box.
    """
    tolerance = 2.0  # points; ascenders make stacked boxes overlap slightly
    successors: list[list[int]] = [[] for _ in boxes]
    waiting = [0] * len(boxes)
    for i, first in enumerate(boxes):
        for j, second in enumerate(boxes):
            if i != j and _precedes(first, second, tolerance):
                successors[i].append(j)
                waiting[j] += 1
    order: list = []
    done = [False] * len(boxes)
    while len(order) < len(boxes):
        ready = [i for i in range(len(boxes)) if not done[i] and waiting[i] == 0]
        pool = ready or [i for i in range(len(boxes)) if not done[i]]
        pick = min(pool, key=lambda i: (-boxes[i].y1, boxes[i].x0))
        done[pick] = True
        order.append(boxes[pick])
        for j in successors[pick]:
            waiting[j] -= 1
    return order


def _precedes(first, second, tolerance: float) -> bool:
    """Whether ``first`` is read before ``second``: above it in the same column, or before it on the same rows."""
    h_overlap = min(first.x1, second.x1) - max(first.x0, second.x0) > 0
    v_overlap = min(first.y1, second.y1) - max(first.y0, second.y0) > 0
    if h_overlap and first.y0 >= second.y1 - tolerance:
        return True
    return v_overlap and not h_overlap and first.x1 <= second.x0 + tolerance
