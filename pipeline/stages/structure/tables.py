"""Tables of the general layout: cells of markdown pipe rows, numbers in cells, and the header a
table's markup does not mark (:func:`make_table`, :func:`pipe_table`).

Used by :mod:`.general`; the sums of a table with a total row or column are checked by the UN
layout's :func:`~pipeline.stages.structure.un.validate_table`.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from pipeline.records import Table, TableRow
from pipeline.stages.structure.un import TOTAL_LABELS, validate_table

EMPHASIS = re.compile(r"\*\*|__")
LETTER = re.compile("[\u0621-\u064a\ufb50-\ufdff\ufe70-\ufefcA-Za-z]")  # presentation forms are letters too
PIPE_BORDER = re.compile(r"(?<!\\)\|")  # a cell border; «\|» is a pipe in a cell
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)  # converters write a line break inside a cell so
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b[^<>]*>")
PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
DIGIT_CELL = re.compile(r"^[\s%٪+\-−.,٫٬0-9\u0660-\u0669]+$")


def clean(line: str) -> str:
    """A line without markdown emphasis markers (``**``), which are not text."""
    return EMPHASIS.sub("", line).strip()


def _cell(text: str) -> str:
    """A table cell's text: emphasis markers dropped, ``<br>`` a line break, spaces collapsed."""
    parts = (" ".join(clean(part).split()) for part in BREAK_TAG.split(text.replace("\\|", "|")))
    return "\n".join(part for part in parts if part)


def _pipe_cells(line: str) -> list[str]:
    """Cells of a markdown pipe row (``| a | b |``; an escaped ``\\|`` is text, not a cell border)."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [_cell(cell) for cell in PIPE_BORDER.split(inner)]


# A whole number, its thousands grouped by a comma, an Arabic thousands sign or one space («1 250 000»);
# two numbers on two lines or apart by a space («10<br>20», «10 20») are not one number.
GROUPED_NUMBER = re.compile(r"^[0-9\u0660-\u0669]{1,3}(?:[,٬ ][0-9\u0660-\u0669]{3})+$|^[0-9\u0660-\u0669]+$")


# A number that is no whole count: a decimal («120.5», «١٢٠٫٥»), a share («60%», «٦٠٪») or signed; its value is
# null (values are integer counts, checked against totals) and the table says so.
NOT_A_COUNT = re.compile(r"^[-+−]?[0-9\u0660-\u0669][0-9\u0660-\u0669,٬]*(?:[.٫][0-9\u0660-\u0669]+)?\s*[%٪]?$")
SEVERAL_NUMBERS = re.compile(
    r"^\s*[0-9\u0660-\u0669][0-9\u0660-\u0669.,٫٬]*(?:\n\s*[0-9\u0660-\u0669][0-9\u0660-\u0669.,٫٬]*)+\s*$"
)


def parse_number(cell: str) -> int | None:
    text = cell.strip()
    if not GROUPED_NUMBER.match(text):
        return None
    digits = re.sub(r"[ ,٬]", "", text)
    return int(digits) if digits.isdigit() else None


# A year heading a column: 1900-2100 (an «م» after it: Gregorian), a Hijri year 1300-1500 marked «هـ», or a
# fiscal/period span of two («2023/2024», «2020-2025»).
YEAR_CELL = re.compile(
    r"^(?P<a>[0-9\u0660-\u0669]{4})\s*(?:(?P<hijri>هـ|ه)|م)?"
    r"(?:\s*[-–/]\s*(?P<b>[0-9\u0660-\u0669]{4})\s*(?:هـ|ه|م)?)?$"
)
HEADER_LIKE_BELOW = 0.5  # a first row of years is a header only when fewer than this share of the rows below look so


def _year(cell: str) -> int | None:
    """The (first) year a header cell names, or None (see ``YEAR_CELL``)."""
    found = YEAR_CELL.match(cell.strip())
    if not found:
        return None
    years = [int(found.group("a"))] + ([int(found.group("b"))] if found.group("b") else [])
    low, high = (1300, 1500) if found.group("hijri") else (1900, 2100)
    if not all(low <= y <= high for y in years) or (len(years) == 2 and not 0 < years[1] - years[0] <= 10):
        return None
    return years[0]


def _numbers_head_columns(cells: list[str]) -> str | None:
    """What makes a row whose cells (after the first) are all numbers read as column labels
    («years» or «a sequence»), or None.

    Column labels that are numbers: two or more distinct plausible years (``_year``), or a
    sequence of whole numbers that step by one (1, 2, 3: steps, phases, ranks), under a first cell
    that is a label (it has letters) or empty.  Counts of things are neither as a rule.
    """
    label, rest = (cells[0], cells[1:]) if cells else ("", [])
    if (label and not LETTER.search(label)) or len(rest) < 2 or not all(rest):
        return None
    years = [_year(c) for c in rest]
    if None not in years and len(set(years)) == len(years):
        return "years"
    values = [parse_number(c) for c in rest]
    if None not in values and {b - a for a, b in itertools.pairwise(values)} in ({1}, {-1}):
        return "a sequence"
    return None


def _header_guess(rows_cells: list[list[str]]) -> tuple[bool, str]:
    """(whether the first row is the header, why) for a table whose markup marks no header.

    The first row is the header when it has no number cell (column names), or when its numbers
    label the columns (:func:`_numbers_head_columns`: years or a sequence, word tables and policy
    tables head their columns «المؤشر | 2024 | 2025») and fewer than ``HEADER_LIKE_BELOW`` of the
    rows below are the same kind (years under years: the years are data; counts that happen to step
    by one under years are still counts); otherwise it is read as data.
    """
    first = rows_cells[0]
    if not any(DIGIT_CELL.match(c) for c in first if c):
        return True, "first row taken as the header"
    kind = _numbers_head_columns(first)
    below = rows_cells[1:]
    if kind and sum(1 for cells in below if _numbers_head_columns(cells) == kind) < HEADER_LIKE_BELOW * len(below):
        return True, f"first row taken as the header (its numbers are {kind}: {', '.join(first[1:])})"
    return False, "first row has numbers, read as data"


def make_table(rows_cells: list[list[str]], title: str, has_header: bool | None = None) -> Table:
    """A :class:`Table` from rows of cells; the first cell of each row is its label.

    ``has_header``: True when the markup marks the first row as the header (a
    markdown ``|---|`` line under it), False when it marks none, None when the
    markup cannot say (aligned columns, pipe rows without a separator line, a .docx or
    HTML table without header cells): then the first row is the header when it has no
    number cell or its numbers label the columns (:func:`_header_guess`), and the
    table is flagged as guessed, with the reason.  Flags (kept in ``Table.flags``, so nothing is silently
    taken for what it may not be): a guessed or empty header, rows with another
    number of cells than the header, markup left in cells.
    """
    flags: list[str] = []
    header: list[str] = []
    if has_header is None and len(rows_cells) > 1:
        has_header, why = _header_guess(rows_cells)
        flags.append("header: none marked; " + why)
    if has_header and len(rows_cells) > 1:
        header, rows_cells = rows_cells[0], rows_cells[1:]
        if not any(header):
            flags.append("header: empty")
    elif has_header:
        flags.append("header: a header row and no data row; read as one data row")
    rows = [
        TableRow(cells[0] if cells else "", cells[1:], [parse_number(c) for c in cells[1:]]) for cells in rows_cells
    ]
    width = max((len(r.printed) for r in rows), default=0)
    columns = header[1:] if header else [f"column {i + 1}" for i in range(width)]
    expected = len(header) if header else Counter(len(cells) for cells in rows_cells).most_common(1)[0][0]
    ragged = [i + 1 for i, cells in enumerate(rows_cells) if len(cells) != expected]
    if ragged:
        flags.append(f"rows {ragged[:10]} do not have the {expected} cells of the header: cells may be misplaced")
    # two numbers in one cell (a line break inside: «10<br>20») are not one value: said, not guessed
    several = [
        f"{r.label or i + 1}: {' / '.join(c.split())}"
        for i, r in enumerate(rows)
        for c in r.printed
        if SEVERAL_NUMBERS.match(c)
    ]
    if several:
        flags.append(f"cells holding several numbers, not read as a value: {'; '.join(several[:5])}")
    fractions = [
        f"{r.label or i + 1}: {c}"
        for i, r in enumerate(rows)
        for c, v in zip(r.printed, r.values, strict=False)
        if v is None and NOT_A_COUNT.match(c.strip())
    ]
    if fractions:  # «120.5», «60%»: shown as printed, no value; sums over such a column are not checked
        flags.append(
            f"numbers that are no whole count (decimals, shares, signs), value null: {'; '.join(fractions[:5])}"
        )
    markup = sorted({tag for cells in [header, *rows_cells] for c in cells for tag in HTML_TAG.findall(c)})
    if markup:
        flags.append(f"markup left as text in cells: {' '.join(markup[:5])}")
    total_column = bool(columns) and columns[-1] in TOTAL_LABELS
    if total_column or any(r.label in TOTAL_LABELS for r in rows):  # sums checked, as in UN tables
        flags += validate_table(rows, row_totals=total_column)
    return Table("", "", title, columns, rows, flags, header[0] if header else "")


def pipe_table(lines: list[str]) -> Table | None:
    """The table of a run of markdown pipe rows (None when every cell is empty).

    The row above the ``|---|`` separator line is the header; a separator elsewhere
    than under the first row, or a second one, is flagged (rows may have been
    lost or two tables run together).
    """
    separators = [i for i, line in enumerate(lines) if PIPE_SEPARATOR.match(line)]
    kept = [(i, _pipe_cells(line)) for i, line in enumerate(lines) if i not in separators]
    rows = [cells for i, cells in kept if any(cells) or i == 0]
    if not any(any(cells) for cells in rows):
        return None
    if separators == [1]:
        return make_table(rows, "", True)
    table = make_table(rows, "", None if not separators else False)
    if separators:
        table.flags.insert(0, f"header: separator line at row {separators[0] + 1}, not under the first row")
    return table


# A layout table: a converter's rendering of a page laid out in boxes (a title cell beside a body cell)
# as a pipe table with an empty header row.  Seen in policy-ar markdown: «| | |» over rows whose second
# cell is a paragraph of 600-840 characters.  Its prose is the document's text, not data.
PROSE_CELL_WORDS = 25  # a cell of this many words that ends a sentence is a paragraph
# a prose cell ends in a stop (narrower than general.SENTENCE_END, which also takes a closing quote or bracket)
PROSE_CELL_END = re.compile(r"[.!؟?…]\s*$")


def layout_rows(lines: list[str]) -> list[tuple[str, list[str]]] | None:
    """The rows of a pipe table that is page layout, not data, or None when it is data.

    A layout table has an empty header row and at least one prose cell (``PROSE_CELL_WORDS`` words or
    more, ending a sentence).  Each row gives ``(title, paragraphs)``: its cells of fewer words joined
    (a box's title, «01 المواءمة (Align)»; empty when none) and its cells of ``PROSE_CELL_WORDS`` words
    or more, as :func:`pipe_table` reads cells (emphasis markers removed)."""
    separators = [i for i, line in enumerate(lines) if PIPE_SEPARATOR.match(line)]
    if separators != [1] or any(_pipe_cells(lines[0])):
        return None
    rows = [_pipe_cells(line) for line in lines[2:]]
    words = [[len(cell.split()) for cell in cells] for cells in rows]

    def prose(cell: str, n: int) -> bool:
        return n >= PROSE_CELL_WORDS and PROSE_CELL_END.search(cell) is not None

    if not any(prose(c, n) for cells, ns in zip(rows, words, strict=True) for c, n in zip(cells, ns, strict=True)):
        return None
    out = []
    for cells, ns in zip(rows, words, strict=True):
        kept = [(c, n) for c, n in zip(cells, ns, strict=True) if c]
        title = " ".join(c for c, n in kept if n < PROSE_CELL_WORDS)
        paragraphs = [c for c, n in kept if n >= PROSE_CELL_WORDS]
        if title or paragraphs:
            out.append((title, paragraphs))
    return out
