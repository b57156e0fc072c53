"""Page furniture: running headers and footers, page numbers, rules.

A line is furniture when it repeats at the top or bottom of many pages, short and
with its digits ignored (running headers «اقتصادٌ مزدهرٌ..», footers «التقرير | 6»),
or when it is a bare number at the top or bottom of a page (page numbers).  Text without page
breaks (markdown, converted reports) is treated as one page per rule line
(``---``), because converters mark page breaks that way; with fewer than
``min_pages`` pages nothing is removed as repeated.

Text without page breaks (markdown, HTML, .docx, plain text) has no page edges to look at:
there a short block repeated many times in the document -- a scraped site's navigation menu
before every page, a converter's running footer with its page number -- is boilerplate
(:func:`remove_repeated_blocks`).

Nothing is dropped silently: :func:`remove_furniture` returns the counts of
what it removed (they land in ``run.json`` as structure counts).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

DIGITS = re.compile(r"[0-9\u0660-\u0669\u06f0-\u06f9]+")
PAGE_NUMBER = re.compile(r"^\s*[-–—]?\s*[0-9\u0660-\u0669\u06f0-\u06f9]{1,4}\s*[-–—]?\s*$")
RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,}|={3,})\s*$")
MAX_FURNITURE_CHARS = 100  # a running header or footer is one short line
MIN_HELD_CHARS = 20  # a repeated line this long, inside a longer edge line, makes that line furniture too
EDGE_LINES = 3  # a running header/footer is among a page's first or last lines (seen: 0 to 2 lines in)
# The counts of single lines removed as furniture (the run summary's «furniture lines removed»).
FURNITURE_LINE_COUNTS = (
    "furniture_repeated",
    "furniture_page_numbers",
    "furniture_page_markers",
    "furniture_converter_lines",
)


# Repeated blocks (text without page breaks).  Seen: a site menu of 92-296 characters repeated 3-7 times
# and a footer «الريادة في عصر الذكاء الاصطناعي» + page number 14 times (policy-ar markdown); 5,000 ANT news
# articles repeat no block even twice.  A paragraph quoted twice (a summary and the body) is text.
REPEATED_BLOCK_MIN = 3  # a block this many times in one document is boilerplate ...
REPEATED_BLOCK_MAX_CHARS = 400  # ... when it is at most this long (a menu, a footer; not prose)
EDGE_TOKEN = re.compile(
    r"[0-9\u0660-\u0669\u06f0-\u06f9|/\\\-–—()\[\]#*]+"
)  # a page number and its marks («| 16», «- 3 -»)

# What a PDF-to-Markdown converter writes around the text (seen in every converted policy-ar file):
# page markers («# الصفحة 59», «## Page 4», «# الصفحة (الغلاف الخلفي)», «(This page is blank.)») and, at
# the top, provenance lines («# Source: report.pdf», «**Type:** pdf», «**Total Pages:** 54»).  Not text.
PAGE_MARKER = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(?:الصفحة|صفحة|page)(?:\*\*)?\s*"
    r"(?:[0-9\u0660-\u0669]{1,4}(?:\s*(?:من|of|/)\s*[0-9\u0660-\u0669]{1,4})?|\([^()\n]{1,30}\))\s*$"
    r"|^\s*(?:#+\s*)?\(?(?:this page (?:is )?(?:intentionally )?(?:left )?blank|صفحة فارغة)\.?\)?\s*$",
    re.IGNORECASE,
)
CONVERTER_META = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*)?(?:source|type|total pages|scraped)\s*:\s*(?:\*\*)?\s*\S", re.IGNORECASE
)
CONVERTER_META_LINES = 6  # provenance lines stand among a file's first non-blank lines


def remove_converter_lines(pages: list[list[str]]) -> tuple[list[list[str]], dict[str, int]]:
    """Pages with a converter's page markers and its provenance lines at the top blanked out
    (``PAGE_MARKER`` anywhere, ``CONVERTER_META`` among the first ``CONVERTER_META_LINES`` non-blank
    lines), and their counts: ``furniture_page_markers``, ``furniture_converter_lines``."""
    counts: Counter = Counter()
    out: list[list[str]] = []
    seen = 0
    for page in pages:
        kept = []
        for line in page:
            if line.strip():
                seen += 1
                if PAGE_MARKER.match(line):
                    counts["furniture_page_markers"] += 1
                    line = ""
                elif seen <= CONVERTER_META_LINES and CONVERTER_META.match(line):
                    counts["furniture_converter_lines"] += 1
                    line = ""
            kept.append(line)
        out.append(kept)
    return out, dict(sorted(counts.items()))


def _key(line: str) -> str:
    """A line with its numbers and spacing ignored (page numbers differ between pages)."""
    return " ".join(DIGITS.sub("#", line).split())


def _edge_lines(span: list[tuple[int, str]], paged: bool) -> list[tuple[int, str]]:
    """Candidate header/footer lines (index, line) of a span: its first and last ``EDGE_LINES`` lines
    (on a PDF page reading order may put a header a line or two in; a converter writes a footer as
    title, section and page number on three lines), in text without page breaks never a markdown
    heading or table row (a heading repeated in every chapter, a table header repeated over every
    table, are structure, not furniture).  Repeated lines elsewhere (a table's «المجموع») are text."""
    lines = [(i, line) for i, line in span if line.strip()]
    edge = EDGE_LINES
    if len(lines) > 2 * edge:
        lines = lines[:edge] + lines[-edge:]
    if not paged:
        lines = [item for item in lines if not item[1].lstrip().startswith(("#", "|"))]
    return [(i, line) for i, line in lines if len(line.strip()) <= MAX_FURNITURE_CHARS]


def page_lines(text: str) -> list[list[str]]:
    """Pages of lines: form feeds (PDF) split pages; without them the whole text is one page."""
    text = text.replace("\ufeff", "")
    if "\f" in text:
        return [page.split("\n") for page in text.split("\f")]
    return [text.split("\n")]


def remove_furniture(
    pages: list[list[str]], min_pages: int = 3, min_share: float = 0.04
) -> tuple[list[list[str]], dict[str, int]]:
    """Pages with running headers/footers and page numbers blanked out, and the counts removed.

    A line is a running header or footer when its key (:func:`_key`) occurs on at
    least ``max(min_pages, min_share * pages)`` pages and it is at most
    ``MAX_FURNITURE_CHARS`` long; for text without page breaks, the "pages" are
    the stretches between rule lines (``---``, as converters mark page breaks); only
    the first and last ``EDGE_LINES`` lines of a page count.  An edge line that holds a repeated
    line of ``MIN_HELD_CHARS`` or more (a running title with the section's name and
    the page number added) is furniture too.  Removed lines become blank lines.

    Returns ``(pages, counts)`` with counts ``furniture_repeated`` (lines),
    ``furniture_repeated_kinds`` (distinct repeated lines), ``furniture_page_numbers``.
    """
    counts: Counter = Counter()
    paged = len(pages) > 1
    if paged:
        spans = [[(i, line) for i, line in enumerate(page)] for page in pages]
    else:  # no form feeds: rule lines mark the converter's page breaks
        spans, current = [], []
        for i, line in enumerate(pages[0]):
            if RULE.match(line):
                spans.append(current)
                current = []
            else:
                current.append((i, line))
        spans.append(current)
    candidates = [_edge_lines(span, paged) for span in spans]
    seen: Counter = Counter()
    for lines in candidates:
        seen.update({_key(line) for _, line in lines})
    floor = max(min_pages, int(min_share * len(spans) + 0.999))
    repeated = {key for key, n in seen.items() if n >= floor and len(spans) >= min_pages and key != "#"}
    counts["furniture_repeated_kinds"] = len(repeated)
    # A footer that adds the section's name to the running title («<title> | 10 / الموارد البشرية | 46»)
    # holds a repeated line: it is furniture too when it is at the page's edge.
    holders = [key for key in repeated if len(key) >= MIN_HELD_CHARS]
    removable = [
        {i for i, line in lines if _key(line) in repeated or any(key in _key(line) for key in holders)}
        for lines in candidates
    ]
    out: list[list[str]] = [list(page) for page in pages]
    if paged:
        for p, page in enumerate(out):
            filled = [i for i, line in enumerate(page) if line.strip()]
            edges = set(filled[:2] + filled[-2:])
            for i in filled:
                if i in edges and PAGE_NUMBER.match(page[i]):
                    counts["furniture_page_numbers"] += 1
                    page[i] = ""
                elif i in removable[p]:
                    counts["furniture_repeated"] += 1
                    page[i] = ""
    else:
        for i in set().union(*removable):
            counts["furniture_repeated"] += 1
            out[0][i] = ""
    return out, {k: v for k, v in sorted(counts.items()) if v}


def _block_key(lines: list[str]) -> str:
    """A block's words without the numbers and marks at its two ends (a footer's page number,
    «| 16», a running title's year «2024»), emphasis markers dropped; numbers inside the block are
    kept: two charts' data «147 مليار دولار في 2028» and «103.8 مليار ...» are not one block, nor
    are two pages' addresses «Details?s3=2160» and «Details?s3=10511».  Empty when no word is left."""
    tokens = " ".join(lines).replace("**", "").split()
    while tokens and EDGE_TOKEN.fullmatch(tokens[0]):
        tokens.pop(0)
    while tokens and EDGE_TOKEN.fullmatch(tokens[-1]):
        tokens.pop()
    return " ".join(tokens)


def remove_repeated_blocks(
    blocks: list[list[str]], kept: Callable[[list[str]], bool]
) -> tuple[list[list[str]], dict[str, int]]:
    """Blocks (blank-line separated lines) without the boilerplate repeated in one document.

    A block is boilerplate when its key (:func:`_block_key`: page numbers ignored) occurs in at least
    ``REPEATED_BLOCK_MIN`` blocks and it is at most ``REPEATED_BLOCK_MAX_CHARS`` long; a block
    that starts with the lines of a boilerplate block of two or more lines (a menu written without
    a blank line before the page's text) loses those lines.  Blocks for which ``kept`` is true
    (headings, table rows, list items, sentences: repeated structure or text, not furniture) are kept
    and do not count.

    Returns ``(blocks, counts)``: ``furniture_repeated_blocks`` (blocks or block starts removed),
    ``furniture_repeated_block_kinds`` (distinct boilerplate blocks); empty counts when none.
    """
    keys = [None if kept(block) else _block_key(block) or None for block in blocks]
    seen = Counter(key for key in keys if key)
    repeated = {key for key, n in seen.items() if n >= REPEATED_BLOCK_MIN and len(key) <= REPEATED_BLOCK_MAX_CHARS}
    if not repeated:
        return blocks, {}
    heads = {
        (len(block), key) for block, key in zip(blocks, keys, strict=True) if key in repeated and len(block) >= 2
    }  # multi-line boilerplate that may start a longer block
    out: list[list[str]] = []
    removed = 0
    for block, key in zip(blocks, keys, strict=True):
        if key in repeated:
            removed += 1
            continue
        cut = next(
            (n for n, head in sorted(heads, reverse=True) if n < len(block) and _block_key(block[:n]) == head), 0
        )
        if cut:  # a menu glued to the page's text (also when that text is kept: a sentence)
            removed += 1
            block = block[cut:]
        out.append(block)
    return out, {"furniture_repeated_block_kinds": len(repeated), "furniture_repeated_blocks": removed}
