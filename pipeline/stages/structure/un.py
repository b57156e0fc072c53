"""Document structure: split a UN-style document into units, in document order.

Unit kinds: ``front`` (header items), ``summary`` (unnumbered text before the
first section), ``heading`` («أولا - معلومات أساسية»), ``paragraph`` (numbered),
``footnote`` and ``table``.  Works on the extracted text *before* repair, because
the layout cues it needs (paragraph numbers, footnote separators, table rows)
are what repair would otherwise blur; unit ``raw`` text keeps its lines so the
repair stage can still see wide column gaps.

Layout facts this relies on (all seen in A/66/77):

* a numbered paragraph's first line carries ``- N`` at its end (visual order)
  or ``N -`` at its start; numbers run 1, 2, 3 ... so only the next number is
  accepted, which keeps dates and references from starting paragraphs;
* headings are ``TITLE -ORDINAL`` (visual) or ``ORDINAL - TITLE`` and may run
  on to a second line before the next paragraph;
* footnote bodies follow a ``__________`` separator, start with ``(N)`` (often
  mirrored as ``)N(``) and end at a line that begins or ends with a full stop;
  the interrupted paragraph continues after them (a page break);
* blank lines occur inside paragraphs (page furniture), so they end nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.records import DocStructure, Document, DocumentState, Table, TableRow, Unit
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.text.arabic import KASHIDA_GLYPH, ORDINALS, TATWEEL

HEADING_VISUAL = re.compile(rf"^\s*(?P<title>\S.*?)\s*-\s*(?P<ord>{ORDINALS})\s*$")
HEADING_LOGICAL = re.compile(rf"^\s*(?P<ord>{ORDINALS})\s*-\s*(?P<title>\S.*?)\s*$")
# Paragraph numbers in Latin or Arabic-Indic digits («١ -»); ``int()`` reads both.
NUMBER_AT_END = re.compile(r"\s-\s*(?P<n>[0-9\u0660-\u0669]{1,3})\s*$")
NUMBER_AT_START = re.compile(r"^\s*(?P<n>[0-9\u0660-\u0669]{1,3})\s*-\s")
FOOTNOTE_SEPARATOR = re.compile(r"^\s*_{5,}\s*$")
FOOTNOTE_MARK = re.compile(r"[()](?P<n>\d{1,2})[()]")
ZERO_WORDS = {"صفر": 0, "-": 0, "—": 0}
CELL = re.compile(r"^(?:\d[\d\s,.]*|صفر|-|—)$")
DIGITS_GLUED_TO_LETTERS = re.compile(r"(\d+)(?=[\u0621-\u064a])|(?<=[\u0621-\u064a])(\d+)")

# Row labels of the UN contribution tables, mapped to English and to stakeholder groups.
KNOWN_ROW_LABELS = {
    "الحكومات": ("Governments", "governments"),
    "المنظمات الدولية": ("International organizations", "intergovernmental"),
    "المنظمات الحكومية الدولية": ("Intergovernmental organizations", "intergovernmental"),
    "المجتمع المدني": ("Civil society", "civil_society"),
    "القطاع الخاص": ("Private sector", "private_sector"),
    "الأوساط التقنية": ("Technical community", "technical_community"),
    "المجموع": ("Total", None),
}
TOTAL_LABELS = {"المجموع", "المجموع الكلي", "الإجمالي"}
KASHIDA = str.maketrans("", "", KASHIDA_GLYPH + TATWEEL)


def _strip_kashida(text: str) -> str:
    return text.translate(KASHIDA)


def unrotate_label(printed: str, known: dict[str, object]) -> str:
    """Undo a visual-order wrap inside a short label.

    «وليةالمنظمات الد» is «المنظمات الدولية» cut at a glyph-run boundary and
    printed tail-first; trying each rotation against the known labels restores it.
    """
    text = " ".join(_strip_kashida(printed).split())
    if text in known:
        return text
    squeezed = text.replace(" ", "")
    for label in known:
        target = label.replace(" ", "")
        if len(target) == len(squeezed) and squeezed in target + target:
            return label
    return text


def _parse_cell(token: str) -> int | None:
    token = token.strip()
    if token in ZERO_WORDS:
        return ZERO_WORDS[token]
    digits = token.replace(",", "").replace(" ", "")
    return int(digits) if digits.isdigit() else None


def split_table_row(line: str) -> tuple[str, list[str]] | None:
    """(label, printed cells in reading order) for a table row line, else None.

    Rows are printed left to right in visual order, so the reading-order cells
    are the numeric tokens reversed; the label is the remaining Arabic text.
    """
    text = DIGITS_GLUED_TO_LETTERS.sub(lambda m: f" {m.group(0)} ", _strip_kashida(line))
    tokens = text.split()
    cells = [t for t in tokens if CELL.match(t)]
    label_tokens = [t for t in tokens if not CELL.match(t)]
    if len(cells) < 2 or not label_tokens or any(not re.search("[\u0621-\u064a]", t) for t in label_tokens):
        return None
    if len(" ".join(label_tokens)) > 40:
        return None
    return " ".join(label_tokens), list(reversed(cells))


def _is_header_line(line: str) -> bool:
    tokens = line.split()
    return bool(tokens) and all(t.isdigit() for t in tokens)


def validate_table(rows: list[TableRow], row_totals: bool = True) -> list[str]:
    """Check row sums against the total column (``row_totals``: the last column is a total) and
    column sums against the total row.

    Printed values stay as printed; a mismatch adds a flag to the row and the
    value the sums imply goes into ``row.implied`` at the same position.
    Returns table-level flags.
    """
    flags: list[str] = []
    data_rows = [r for r in rows if r.label not in TOTAL_LABELS]
    total_rows = [r for r in rows if r.label in TOTAL_LABELS]
    width = max((len(r.values) for r in rows), default=0)
    if width < 2 or any(len(r.values) != width for r in rows):
        return ["ragged rows: not validated"] if rows else []
    for row in rows:
        row.implied = list(row.values)
    for row in data_rows if row_totals else ():  # row sums
        parts = row.values[:-1]
        if None in parts:
            continue
        implied = sum(parts)
        if row.values[-1] != implied:
            row.implied[-1] = implied
            row.flags.append(f"total printed {row.printed[-1]!r} but the row sums to {implied}")
    for total in total_rows:  # column sums, including the total column (from implied row totals)
        for col in range(width):
            column = [r.implied[col] for r in data_rows]
            if None in column:
                continue
            implied = sum(column)
            if total.values[col] != implied:
                total.implied[col] = implied
                total.flags.append(f"cell {col + 1} printed {total.printed[col]!r} but the column sums to {implied}")
    for row in rows:
        if row.flags:
            flags.append(f"{row.label}: {'; '.join(row.flags)}")
        else:
            row.implied = []
    return flags


@dataclass
class _Open:
    unit: Unit
    lines: list[str]


@register("structure", "un_document")
@dataclass
class UnDocumentStructure(DocumentStage):
    """Rule-based splitter for UN reports (front / summary / headings / paragraphs / footnotes / tables)."""

    summary_min_lines: int = 3  # a cover-page block with this many lines ...
    summary_min_chars: int = 55  # ... whose median line is this long is prose: the summary starts there

    def process(self, state: DocumentState) -> dict[str, int]:
        """Split ``state.document`` into units and tables; counts: units per kind."""
        structure = self.split(state.document)
        state.units, state.tables = structure.units, structure.tables
        for unit in state.units:
            unit.text = unit.text or unit.raw
        return dict(sorted(Counter(unit.kind for unit in state.units).items()))

    def split(self, doc: Document) -> DocStructure:
        # A byte-order mark inside the text (files concatenated) would hide the heading it precedes.
        lines = doc.text.replace("\ufeff", "").replace("\f", "\n").split("\n")
        table_spans = self._find_tables(lines)
        units: list[Unit] = []
        tables: list[Table] = []
        counters: dict[str, int] = {}
        section: str | None = None
        current: _Open | None = None
        expected = 1
        footnote: _Open | None = None  # open footnote body
        in_footnotes = False
        pre_heading = True
        block: list[str] = []

        def new_id(kind: str, number: int | None = None) -> str:
            counters[kind] = counters.get(kind, 0) + 1
            tag = {"front": "f", "summary": "s", "heading": "h", "paragraph": "p", "footnote": "fn", "table": "t"}
            return f"{doc.doc_id}/{tag[kind]}{number if number is not None else counters[kind]}"

        def close(item: _Open | None) -> None:
            if item is not None:
                item.unit.raw = "\n".join(item.lines).strip("\n")
                item.unit.text = " ".join(_strip_kashida(item.unit.raw).split())
                units.append(item.unit)

        def flush_block() -> None:
            for kind, item_lines in self._front_and_summary(block):
                close(_Open(Unit(doc.doc_id, new_id(kind), kind, None, None, ""), item_lines))
            block.clear()

        index = 0
        while index < len(lines):
            line = lines[index]
            if index in table_spans:
                end, table = table_spans[index]
                if pre_heading:
                    flush_block()
                close(current)
                current = None
                uid = new_id("table")
                table.doc_id, table.unit_id = doc.doc_id, uid
                unit = Unit(doc.doc_id, uid, "table", None, section, table.title, raw=table.title)
                units.append(unit)
                tables.append(table)
                index = end
                continue
            if FOOTNOTE_SEPARATOR.match(line):
                in_footnotes = True
                index += 1
                continue
            if in_footnotes:
                mark = FOOTNOTE_MARK.search(line)
                starts_note = mark is not None and (footnote is None or int(mark.group("n")) != footnote.unit.number)
                if starts_note:
                    close(footnote)
                    n = int(mark.group("n"))
                    body = line[: mark.start()] + line[mark.end() :]
                    footnote = _Open(Unit(doc.doc_id, new_id("footnote", n), "footnote", n, section, ""), [body])
                elif footnote is not None and line.strip():
                    footnote.lines.append(line)
                elif footnote is None and line.strip():
                    in_footnotes = False  # separator with no note: back to the body
                    continue
                stripped = line.strip()
                if footnote is not None and stripped and (stripped.startswith(".") or stripped.endswith(".")):
                    close(footnote)
                    footnote = None
                    in_footnotes = False
                index += 1
                continue

            heading = HEADING_VISUAL.match(line) or HEADING_LOGICAL.match(line)
            number_match = NUMBER_AT_END.search(line) or NUMBER_AT_START.match(line)
            if heading and not number_match:
                if pre_heading:
                    flush_block()
                    pre_heading = False
                close(current)
                uid = new_id("heading")
                section = uid
                title = f"{heading.group('ord')} - {heading.group('title').strip()}"
                current = _Open(Unit(doc.doc_id, uid, "heading", None, None, ""), [title])
                index += 1
                continue
            if number_match and int(number_match.group("n")) == expected:
                if pre_heading:
                    flush_block()
                    pre_heading = False
                close(current)
                expected += 1
                n = int(number_match.group("n"))
                body = line[: number_match.start()] + line[number_match.end() :]
                # A number printed last (at the right edge) is evidence the line runs left to right:
                # passed on to repair, which no longer sees it on the line.
                visual = (0,) if number_match.re is NUMBER_AT_END and body.strip() else ()
                unit = Unit(doc.doc_id, new_id("paragraph", n), "paragraph", n, section, "", visual_lines=visual)
                current = _Open(unit, [body])
                index += 1
                continue
            if pre_heading:
                block.append(line)
            elif current is not None and line.strip():
                current.lines.append(line)
            index += 1
        if pre_heading:
            flush_block()
        close(current)
        close(footnote)
        self._remove_markers(units)
        return DocStructure(units=units, tables=tables)

    def _front_and_summary(self, lines: list[str]) -> list[tuple[str, list[str]]]:
        """Split the text before the first heading into front items and summary paragraphs.

        Runs of two or more blank lines separate the big blocks of a cover page
        (single blank lines also occur inside paragraphs).  A big block of prose
        -- enough long lines, ending with a full stop -- is summary, cut into
        paragraphs at lines that begin or end with a full stop (the stop of an
        RTL line is often extracted at its left end); other blocks are front
        matter, one item per single-blank-separated group.
        """
        big_blocks: list[list[str]] = [[]]
        blanks = 0
        for line in lines:
            if line.strip():
                if blanks >= 2 and big_blocks[-1]:
                    big_blocks.append([])
                big_blocks[-1].append(line)
                blanks = 0
            else:
                blanks += 1
                big_blocks[-1].append("")
        items: list[tuple[str, list[str]]] = []
        summary_started = False
        for big in big_blocks:
            content = [line for line in big if line.strip()]
            if not content:
                continue
            lengths = sorted(len(line.strip()) for line in content)
            prose = len(content) >= self.summary_min_lines and lengths[len(lengths) // 2] >= self.summary_min_chars
            if prose or summary_started:
                summary_started = True
                paragraph: list[str] = []
                for line in content:
                    paragraph.append(line)
                    stripped = line.strip()
                    if stripped.startswith(".") or stripped.endswith("."):
                        items.append(("summary", paragraph))
                        paragraph = []
                if paragraph:
                    items.append(("summary", paragraph))
                continue
            group: list[str] = []
            for line in [*big, ""]:
                if line.strip():
                    group.append(line)
                elif group:
                    items.append(("front", group))
                    group = []
        return items

    @staticmethod
    def _remove_markers(units: list[Unit]) -> None:
        """Drop footnote markers such as ``(1)`` / ``)1(`` for notes this document has."""
        notes = {u.number for u in units if u.kind == "footnote"}

        def drop(match: re.Match) -> str:
            return " " if int(match.group("n")) in notes else match.group(0)

        for unit in units:
            if unit.kind in ("paragraph", "summary", "heading"):
                unit.raw = FOOTNOTE_MARK.sub(drop, unit.raw)
                unit.text = " ".join(_strip_kashida(unit.raw).split())

    @staticmethod
    def _find_tables(lines: list[str]) -> dict[int, tuple[int, Table]]:
        """Start line -> (end line, Table) for each run of table rows, title and header included."""
        spans: dict[int, tuple[int, Table]] = {}
        index = 0
        while index < len(lines):
            if split_table_row(lines[index]) is None:
                index += 1
                continue
            first = index
            rows: list[TableRow] = []
            while index < len(lines):
                parsed = split_table_row(lines[index])
                if parsed is not None:
                    label, cells = parsed
                    rows.append(TableRow(label, cells, [_parse_cell(c) for c in cells]))
                elif lines[index].strip():
                    break
                index += 1
            if len(rows) < 2:
                continue
            start = first
            header: list[str] = []
            title = ""
            probe = first - 1
            while probe >= 0 and (not lines[probe].strip() or _is_header_line(lines[probe])):
                if lines[probe].strip():
                    header = lines[probe].split()[::-1]
                probe -= 1
            if probe >= 0 and len(lines[probe].strip()) < 80 and not NUMBER_AT_END.search(lines[probe]):
                title = " ".join(_strip_kashida(lines[probe]).split())
                start = probe
            known = {**KNOWN_ROW_LABELS}
            for row in rows:
                row.label = unrotate_label(row.label, known)
                row.label_en, row.group = row_group(row.label)
            width = len(rows[0].printed)
            columns = [header[i] if i < len(header) else f"column {i + 1}" for i in range(width - 1)] + ["total"]
            table = Table("", "", title, columns, rows)
            table.flags = validate_table(rows)
            spans[start] = (index, table)
        return spans


def row_group(label: str) -> tuple[str | None, str | None]:
    """(English label, stakeholder group id) of a known table row label."""
    return KNOWN_ROW_LABELS.get(label, (None, None))
