"""Page furniture: running headers and footers, page numbers, rules.

A line is furniture when it repeats, short and with its digits ignored, on many
pages (running headers «اقتصادٌ مزدهرٌ..», footers «التقرير | 6»), or when it is
a bare number at the top or bottom of a page (page numbers).  Text without page
breaks (markdown, converted reports) is treated as one page per rule line
(``---``), because converters mark page breaks that way; with fewer than
``min_pages`` pages nothing is removed as repeated.

Nothing is dropped silently: :func:`remove_furniture` returns the counts of
what it removed (they land in ``run.json`` as structure counts).
"""

from __future__ import annotations

import re
from collections import Counter

DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+")
PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*[0-9\u0660-\u0669\u06f0-\u06f9]{1,4}\s*[-–—]?\s*$")
RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
MAX_FURNITURE_CHARS = 100  # a running header or footer is one short line


def _key(line: str) -> str:
    """A line with its numbers and spacing ignored (page numbers differ between pages)."""
    return " ".join(DIGITS.sub("#", line).split())


def page_lines(text: str) -> list[list[str]]:
    """Pages of lines: form feeds (PDF) split pages; without them, rule lines (``---``) do."""
    text = text.replace("\ufeff", "")
    if "\f" in text:
        return [page.split("\n") for page in text.split("\f")]
    return [text.split("\n")]


def remove_furniture(pages: list[list[str]], min_pages: int = 3, min_share: float = 0.04) -> tuple[list[list[str]], dict[str, int]]:
    """Pages with running headers/footers and page numbers blanked out, and the counts removed.

    A line is a running header or footer when its key (:func:`_key`) occurs on at
    least ``max(min_pages, min_share * pages)`` pages and it is at most
    ``MAX_FURNITURE_CHARS`` long; for text without page breaks, the "pages" are
    the stretches between rule lines.  Removed lines become blank lines, so they
    also end the paragraph they interrupted only where a blank line would.

    Returns ``(pages, counts)`` with counts ``furniture_repeated`` (lines),
    ``furniture_repeated_kinds`` (distinct repeated lines), ``furniture_page_numbers``.
    """
    counts: Counter = Counter()
    spans = pages
    if len(pages) == 1:  # no form feeds: rule lines mark the converter's page breaks
        spans, current = [], []
        for line in pages[0]:
            if RULE.match(line):
                spans.append(current)
                current = []
            else:
                current.append(line)
        spans.append(current)
    seen: Counter = Counter()
    for span in spans:
        seen.update({_key(line) for line in span if line.strip() and len(line.strip()) <= MAX_FURNITURE_CHARS})
    floor = max(min_pages, int(min_share * len(spans) + 0.999))
    repeated = {key for key, n in seen.items() if n >= floor and len(spans) >= min_pages and key != "#"}
    counts["furniture_repeated_kinds"] = len(repeated)
    out: list[list[str]] = []
    for page in pages:
        kept = list(page)
        filled = [i for i, line in enumerate(kept) if line.strip()]
        edges = set(filled[:2] + filled[-2:]) if len(pages) > 1 else set()
        for i in filled:
            line = kept[i]
            if i in edges and PAGE_NUMBER.match(line):
                counts["furniture_page_numbers"] += 1
                kept[i] = ""
            elif _key(line) in repeated and len(line.strip()) <= MAX_FURNITURE_CHARS:
                counts["furniture_repeated"] += 1
                kept[i] = ""
        out.append(kept)
    return out, {k: v for k, v in sorted(counts.items()) if v}
