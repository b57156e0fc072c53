"""General document layout: paragraphs, headings, lists and tables of any report, strategy or article.

Works on the extracted text (before repair).  The cues:

* paragraphs are separated by blank lines; lines inside a paragraph are wrapped
  lines and are joined (PDF text gets its blank lines from the line geometry,
  see :func:`pipeline.stages.pdf_text.extract_pdf_text`); a block of long lines
  that each end a sentence (one paragraph a line, as in news feeds) is one
  paragraph a line;
* a paragraph may run over a page break unless its last line ends a sentence;
* headings: markdown ``#`` lines; numbered headings («1.2 العنوان», «٣ - العنوان»,
  «أولاً: العنوان», tanween and tatweel allowed); short title lines standing alone
  (at most ``HEADING_MAX_CHARS`` characters and ``HEADING_MAX_WORDS`` words, not
  ending a sentence or a clause);
* lists: a block of bullet or numbered items is a paragraph; it joins the
  paragraph before it when that one ends in «:» (its lead-in);
* tables: markdown pipe rows (``| a | b |``) and lines of aligned columns
  (cells separated by runs of spaces) become ``table`` units with a
  :class:`~pipeline.records.Table`;
* page furniture (running headers/footers, page numbers, rules) is removed and
  counted (:mod:`.furniture`).
"""

from __future__ import annotations

import re
from typing import ClassVar

from pipeline.records import Table, TableRow, Unit
from pipeline.stages.structure.furniture import RULE, page_lines, remove_furniture

HEADING_MAX_CHARS = 70
HEADING_MAX_WORDS = 10
ALIGNED_CELL_CHARS = 30  # a cell of an aligned-columns table is short
LINE_MODE_LINES = 10  # blocks this long on average: the text has no blank lines between paragraphs
LONG_LINE = 120  # lines this long (median) are not wrapped lines: each is a paragraph when it ends a sentence
LINE_PARAGRAPH_ENDS = 0.6  # ... nor are lines of which this share end a sentence
SHORT_LAST_LINE = 0.8  # in wrapped text, a line ending a sentence this far short of the measure ends a paragraph
MD_HEADING = re.compile(r"^\s*(?:[0-9\u0660-\u0669]{1,3}\s+)?#{1,6}\s+(?P<title>.*?)\s*#*\s*$")
_MARKS = "[\u0640\u064b-\u0652]*"
_ORDINAL_WORDS = ("أولا", "ثانيا", "ثالثا", "رابعا", "خامسا", "سادسا", "سابعا", "ثامنا", "تاسعا", "عاشرا")
_ORDINAL = "|".join(_MARKS.join(w) + _MARKS for w in _ORDINAL_WORDS)
NUMBERED_HEADING = re.compile(
    rf"^\s*(?:(?:[0-9\u0660-\u0669]{{1,2}}(?:[.\-][0-9\u0660-\u0669]{{1,2}})*|{_ORDINAL}|[IVX]{{1,5}})\s*[-–.:)]\s*|"
    rf"(?:{_ORDINAL})\s+)(?P<title>\S.*)$"
)
LIST_ITEM = re.compile(
    r"^\s*(?:[-*•▪●◦■□✓➢►–—·]|[0-9\u0660-\u0669]{1,3}\s*[.)\-]|\([0-9\u0660-\u0669a-zأ-ي]{1,3}\)|[a-zأ-ي][.)])\s+\S"
)
PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
ALIGNED_GAP = re.compile(r"\S(?: {3,}|\t+)\S")
SENTENCE_END = re.compile(r"[.!?؟…»\"”)]\s*$")
CLAUSE_END = re.compile(r"[.!?؟…،,:;؛]\s*$")
EMPHASIS = re.compile(r"\*\*|__")
LETTER = re.compile("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefcA-Za-z]")  # presentation forms are letters too
NUMBERED = re.compile(r"^\s*(?P<n>[0-9\u0660-\u0669]{1,3})\s*-\s")  # «1 - text»: a numbered paragraph
DIGIT_CELL = re.compile(r"^[\s%٪+\-−.,٫٬0-9\u0660-\u0669]+$")


def _clean(line: str) -> str:
    """A line without markdown emphasis markers (``**``), which are not text."""
    return EMPHASIS.sub("", line).strip()


def _is_heading_line(line: str) -> bool:
    """A short title line: few words, no sentence or clause end (a numbered title may be longer)."""
    text = _clean(line)
    if not text or (LIST_ITEM.match(text) and not NUMBERED_HEADING.match(text)):
        return False
    numbered = NUMBERED_HEADING.match(text)
    limit = HEADING_MAX_CHARS + (40 if numbered else 0)
    return (
        len(text) <= limit
        and len(text.split()) <= HEADING_MAX_WORDS + (6 if numbered else 0)
        and not CLAUSE_END.search(text.rstrip(".").rstrip() if text.endswith("..") else text)
        and re.search("[\u0621-\u064aA-Za-z]", text) is not None
    )


def _title(lines: list[str]) -> bool:
    """A single short title line (see :func:`_is_heading_line`)."""
    return len(lines) == 1 and _is_heading_line(lines[0])


def _pipe_cells(line: str) -> list[str]:
    return [_clean(cell) for cell in line.strip().strip("|").split("|")]


def _aligned_cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r" {3,}|\t+", line.strip()) if cell.strip()]


def _aligned_row(line: str) -> bool:
    """A row of aligned columns: three or more short cells separated by runs of spaces or tabs
    (a tab after a list number «1-\tنص» is not a column gap)."""
    if not ALIGNED_GAP.search(line.strip()) or LIST_ITEM.match(line.replace("\t", " ")):
        return False
    cells = _aligned_cells(line)
    return len(cells) >= 3 and all(len(cell) <= ALIGNED_CELL_CHARS for cell in cells)


def _parse_number(cell: str) -> int | None:
    digits = re.sub(r"[\s,٬]", "", cell)
    return int(digits) if digits.isdigit() else None


def _make_table(rows_cells: list[list[str]], title: str, has_header: bool = False) -> Table:
    """A :class:`Table` from rows of cells (first row the header when marked so or when it has no numbers)."""
    header: list[str] = []
    if len(rows_cells) > 1 and (has_header or not any(DIGIT_CELL.match(c) for c in rows_cells[0] if c)):
        header = rows_cells[0]
        rows_cells = rows_cells[1:]
    rows = [
        TableRow(cells[0] if cells else "", cells[1:], [_parse_number(c) for c in cells[1:]]) for cells in rows_cells
    ]
    width = max((len(r.printed) for r in rows), default=0)
    columns = header[1:] if header else [f"column {i + 1}" for i in range(width)]
    return Table("", "", title, columns, rows)


class _Builder:
    """Collects units with ids ``<doc_id>/<tag><n>`` in document order."""

    TAGS: ClassVar[dict[str, str]] = {"heading": "h", "paragraph": "p", "table": "t", "front": "f"}

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        self.units: list[Unit] = []
        self.tables: list[Table] = []
        self.counters: dict[str, int] = {}
        self.section: str | None = None

    def add(self, kind: str, lines: list[str], number: int | None = None) -> Unit:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        uid = f"{self.doc_id}/{self.TAGS[kind]}{self.counters[kind]}"
        raw = "\n".join(lines).strip("\n")
        section = None if kind == "heading" else self.section
        unit = Unit(self.doc_id, uid, kind, number, section, " ".join(raw.split()), raw=raw)
        self.units.append(unit)
        if kind == "heading":
            self.section = uid
        return unit

    def add_table(self, table: Table) -> None:
        unit = self.add("table", [table.title] if table.title else [])
        table.doc_id, table.unit_id = self.doc_id, unit.unit_id
        self.tables.append(table)


def _blocks(pages: list[list[str]]) -> list[list[str]]:
    """Blank-line separated blocks of lines; a block runs on over a page break unless a sentence ended there."""
    blocks: list[list[str]] = [[]]
    for p, page in enumerate(pages):
        if p and blocks[-1] and SENTENCE_END.search(blocks[-1][-1]):
            blocks.append([])
        for line in page:
            if not line.strip() or RULE.match(line):
                if blocks[-1]:
                    blocks.append([])
            else:
                blocks[-1].append(line.rstrip())
    return [b for b in blocks if b]


def _segments(block: list[str]) -> list[tuple[str, list[str]]]:
    """Cut a block into (kind, lines) runs: ``heading``, ``pipe``, ``aligned``, ``text``."""
    out: list[tuple[str, list[str]]] = []
    for line in block:
        if MD_HEADING.match(line):
            kind = "heading"
        elif PIPE_ROW.match(line) or (PIPE_SEPARATOR.match(line) and "|" in line):
            kind = "pipe"
        elif _aligned_row(line):
            kind = "aligned"
        else:
            kind = "text"
        if out and out[-1][0] == kind and kind != "heading":
            out[-1][1].append(line)
        else:
            out.append((kind, [line]))
    return out


def _split_long_lines(lines: list[str]) -> list[list[str]]:
    """Paragraphs of one block of a document without blank-line paragraphs: the block, or one a
    line when its lines are unwrapped.

    Lines of wrapped text are short (PDF and plain-text measures are well under
    ``LONG_LINE`` characters) and few of them end a sentence: there a line that
    ends a sentence well short of the measure (``SHORT_LAST_LINE``) ends a
    paragraph, as on a PDF page.  In a block whose
    median line is longer, or where most lines (``LINE_PARAGRAPH_ENDS``) end a
    sentence, a line that ends a sentence, or a title line, ends a paragraph
    (converted web pages and reports, news feeds), and a line that does not
    runs on into the next.  A list item stays
    with the paragraph before it when that one is its lead-in (ends in «:») or
    is itself a list carried by a lead-in.
    """
    lengths = sorted(len(line.strip()) for line in lines)
    if len(lines) < 2:
        return [lines]
    ends = sum(1 for line in lines if SENTENCE_END.search(line))
    if lengths[len(lengths) // 2] < LONG_LINE and ends < LINE_PARAGRAPH_ENDS * len(lines):
        # Wrapped text: as on a PDF page, a paragraph's last line ends a sentence short of the measure.
        measure = lengths[int(0.9 * (len(lengths) - 1))]
        out = [[]]
        for line in lines:
            out[-1].append(line)
            if SENTENCE_END.search(line) and len(line.strip()) < SHORT_LAST_LINE * measure:
                out.append([])
        return [part for part in out if part]
    out: list[list[str]] = []
    for line in lines:
        if not out:
            out.append([line])
        elif LIST_ITEM.match(line):
            lead_in = out[-1][0].rstrip().endswith(":") and (len(out[-1]) == 1 or LIST_ITEM.match(out[-1][1]))
            if lead_in:
                out[-1].append(line)
            else:
                out.append([line])
        elif SENTENCE_END.search(out[-1][-1]) or out[-1][-1].rstrip().endswith(":") or _title(out[-1]):
            out.append([line])
        else:
            out[-1].append(line)
    return out


def split_general(doc_id: str, text: str, min_pages: int = 3) -> tuple[list[Unit], list[Table], dict[str, int]]:
    """Units, tables and counts of a document in the general layout.

    Returns ``(units, tables, counts)``; counts hold the furniture removed
    (:func:`~.furniture.remove_furniture`) and ``list_lead_ins`` (lists joined to
    the paragraph that introduces them).
    """
    pages, counts = remove_furniture(page_lines(text), min_pages=min_pages)
    build = _Builder(doc_id)
    last_paragraph: Unit | None = None
    last_lines: list[str] = []
    counts = dict(counts)

    numbering = [1]  # the next paragraph number expected

    def paragraph(lines: list[str]) -> None:
        nonlocal last_paragraph, last_lines
        cleaned = [_clean(line) for line in lines]
        if not LETTER.search(" ".join(cleaned)):  # a bare number or symbol (a figure's label): no prose
            counts["furniture_no_letters"] = counts.get("furniture_no_letters", 0) + 1
            return
        is_list = LIST_ITEM.match(cleaned[0]) is not None
        if is_list and last_paragraph is not None and last_lines and last_lines[-1].rstrip().endswith(":"):
            last_lines.extend(cleaned)  # a list stays with its lead-in
            last_paragraph.raw = "\n".join(last_lines)
            last_paragraph.text = " ".join(last_paragraph.raw.split())
            counts["list_lead_ins"] = counts.get("list_lead_ins", 0) + 1
            return
        number = NUMBERED.match(cleaned[0])
        if number and int(number.group("n")) == numbering[0]:  # the document numbers its paragraphs
            numbering[0] += 1
            cleaned = [cleaned[0][number.end() :], *cleaned[1:]]
            last_paragraph = build.add("paragraph", cleaned, int(number.group("n")))
        else:
            last_paragraph = build.add("paragraph", cleaned)
        last_lines = cleaned

    blocks = _blocks(pages)
    rules = sum(1 for page in pages for line in page if RULE.match(line))
    if rules:  # horizontal rules («---», «____») separate blocks and are not text
        counts["furniture_rules"] = rules
    # Blank lines separate paragraphs.  A document that has (almost) none -- a news feed, one paragraph
    # a line, or wrapped text without paragraph spacing (blocks of ``LINE_MODE_LINES`` lines on average;
    # blank-line paragraphs average 1.5 to 4 lines in the documents seen) -- is cut by its lines.
    line_mode = len(blocks) < 3 or sum(map(len, blocks)) >= LINE_MODE_LINES * len(blocks)
    for block in blocks:
        segments = _segments(block)
        for kind, lines in segments:
            if kind == "heading":
                title = _clean(MD_HEADING.match(lines[0]).group("title"))
                if title:
                    build.add("heading", [title])
                    last_paragraph = None
                continue
            if kind == "pipe":
                has_header = len(lines) > 1 and PIPE_SEPARATOR.match(lines[1]) is not None
                rows = [_pipe_cells(line) for line in lines if not PIPE_SEPARATOR.match(line)]
                rows = [r for r in rows if any(r)]
                if rows:
                    build.add_table(_make_table(rows, "", has_header))
                    counts["tables_pipe"] = counts.get("tables_pipe", 0) + 1
                last_paragraph = None
                continue
            if kind == "aligned" and len(lines) >= 2:
                build.add_table(_make_table([_aligned_cells(line) for line in lines], ""))
                counts["tables_aligned"] = counts.get("tables_aligned", 0) + 1
                last_paragraph = None
                continue
            whole = len(segments) == 1
            if len(lines) <= 2 and whole and all(_is_heading_line(line) for line in lines):
                build.add("heading", [" ".join(_clean(line) for line in lines)])
                last_paragraph = None
                continue
            numbered = len(lines) >= 2 and NUMBERED_HEADING.match(_clean(lines[0])) is not None
            if numbered and _is_heading_line(lines[0]) and not LIST_ITEM.match(_clean(lines[1])):
                build.add("heading", [_clean(lines[0])])  # «1.2 Title» over its paragraph
                last_paragraph = None
                lines = lines[1:]
            for part in _split_long_lines(lines) if line_mode else [lines]:
                if line_mode and len(lines) > 1 and _title(part):  # a feed's title line («عنوان الخبر»)
                    build.add("heading", [_clean(part[0])])
                    last_paragraph = None
                    continue
                paragraph(part)
    return build.units, build.tables, counts
