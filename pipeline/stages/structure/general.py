"""General document layout: paragraphs, headings, lists and tables of any report, strategy or article.

Works on the extracted text (before repair).  The cues:

* paragraphs are separated by blank lines; lines inside a paragraph are wrapped
  lines and are joined (PDF text gets its blank lines from the line geometry,
  see :func:`pipeline.stages.pdf_text.extract_pdf_text`); a block of long lines
  that each end a sentence (one paragraph a line, as in news feeds) is one
  paragraph a line;
* a paragraph may run over a page break unless its last line ends a sentence;
* headings: markdown ``#`` lines of at most ``MARKED_HEADING_MAX_CHARS``; numbered headings («1.2 العنوان», «٣ - العنوان»,
  «أولاً: العنوان», tanween and tatweel allowed); short title lines standing alone
  (at most ``HEADING_MAX_CHARS`` characters and ``HEADING_MAX_WORDS`` words, not
  ending a sentence or a clause, holding no web address);
* lists: a block of bullet or numbered items is a paragraph; it joins the
  paragraph before it when that one ends in «:» (its lead-in), and so do the
  items after it when each is a block of its own (.docx, HTML);
* tables: markdown pipe rows (``| a | b |``) and lines of aligned columns
  (cells separated by runs of spaces) become ``table`` units with a
  :class:`~pipeline.records.Table`; without a marked header the first row is
  the header when it names the columns (:func:`.tables.make_table`);
* page furniture (running headers/footers, page numbers, rules) is removed and
  counted (:mod:`.furniture`); in text without pages, short blocks repeated many
  times (menus, running footers) too.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pipeline.records import Table, Unit
from pipeline.stages.structure.furniture import (
    RULE,
    page_lines,
    remove_converter_lines,
    remove_furniture,
    remove_repeated_blocks,
)
from pipeline.stages.structure.tables import LETTER, PIPE_SEPARATOR, clean, layout_rows, make_table, pipe_table
from pipeline.text.arabic import MONTHS, ORDINALS, WEEKDAYS

HEADING_MAX_CHARS = 70
HEADING_MAX_WORDS = 10
HEADINGS_AS_TEXT_WORDS = 5  # a document of title-like lines only, this many words in all: they are its text
# A heading the markup marks («# title», a setext underline) is still a short line: marked headings of the
# policy documents are at most 109 characters long (the question headings of dff_ai_case_studies); longer
# «#» lines are prose a converter marked (saudi_vision2030.md: 155-166 characters, cut mid-sentence) and a
# scraped page's paragraph above a «=====» rule (arado_website.md: up to 2,179 characters).
MARKED_HEADING_MAX_CHARS = 120
# A caption line: «جدول 3: ...», «الجدول (2) - ...», «Table 3. ...» (short: a caption, not prose about a table).
TABLE_CAPTION = re.compile(r"^(?:ال)?جدول\s*(?:رقم\s*)?\(?[0-9\u0660-\u0669]|^table\s+[0-9]", re.IGNORECASE)
# A table caption in pandoc's markdown (extension ``table_captions``): a paragraph of its own that opens with
# «Table:» or «:», right before or after the table.  The HTML and .docx readers write <caption> and a
# «Caption» paragraph beside a table this way, so a caption is the table's title, not a section heading.
PANDOC_CAPTION = re.compile(r"^\s*(?:[Tt]able:|:)\s+(?P<caption>\S.*?)\s*$")
# A date line («الأحد 12 مايو 2024», «12 أيار/مايو 2024م», «2024-05-12»): weekdays, numbers, month names and
# separators only, with a number.  A news page's dateline under its title is no title of a section.
_DATE_WORD = "|".join(sorted({*MONTHS, *WEEKDAYS}, key=len, reverse=True))
DATE_LINE = re.compile(
    r"^(?:(?:ال)?تاريخ(?:\s+(?:النشر|الإصدار|التحديث))?\s*:?|بتاريخ|نشر في|صدر في)?"  # «التاريخ: 15/3/2025»
    rf"(?=.*[0-9\u0660-\u0669])(?:\s|[0-9\u0660-\u0669]+(?:هـ|م)?|[/\-–.,،:]|(?:{_DATE_WORD})\b)+$"
)
URL = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)  # a line holding a web address is not a title
ALIGNED_CELL_CHARS = 30  # a cell of an aligned-columns table is short
LINE_MODE_LINES = 10  # blocks this long on average: the text has no blank lines between paragraphs
LONG_LINE = 120  # lines this long (median) are not wrapped lines: each is a paragraph when it ends a sentence
LINE_PARAGRAPH_ENDS = 0.6  # ... nor are lines of which this share end a sentence
SHORT_LAST_LINE = 0.8  # in wrapped text, a line ending a sentence this far short of the measure ends a paragraph
WRAP_SPREAD = 0.25  # wrapped lines that end no sentence are within this share of their median length ...
WRAP_TIGHT = 0.75  # ... this many of them (the rest: titles)
MD_HEADING = re.compile(r"^\s*(?:[0-9\u0660-\u0669]{1,3}\s+)?#{1,6}\s+(?P<title>.*?)\s*#*\s*$")
NUMBERED_HEADING = re.compile(
    rf"^\s*(?:(?:[0-9\u0660-\u0669]{{1,2}}(?:[.\-][0-9\u0660-\u0669]{{1,2}})*|{ORDINALS}|[IVX]{{1,5}})\s*[-–.:)]\s*|"
    rf"(?:{ORDINALS})\s+)(?P<title>\S.*)$"
)
# The label a series of items starts with: a word and a number («الهدف 3:», «المادة 12 -») or a
# dotted/dashed number («1.2», «1-2-title», «16-b»).  Its shape (the word, the count of number parts) is
# what sibling items share.
ITEM_LABEL = re.compile(
    r"^\s*(?:(?P<word>[^\s\d\u0660-\u0669]{2,20})\s+)?(?P<number>[0-9\u0660-\u0669]{1,3}(?:[.\-](?:[0-9\u0660-\u0669]{1,3}|[a-z]\b))*)"
    r"(?:\s*[:.\-–)]|\s|-[A-Za-z]+\s)"
)
ITEM_RUN = 3  # this many single-line blocks in a row with the same label shape are a list, not headings
LIST_ITEM = re.compile(
    r"^\s*(?:[-*•▪●◦■□✓➢►–—·]|[0-9\u0660-\u0669]{1,3}\s*[.)\-]|\([0-9\u0660-\u0669a-zأ-ي]{1,3}\)|[a-zأ-ي][.)])\s+\S"
)
PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
ALIGNED_GAP = re.compile(r"\S(?: {3,}|\t+)\S")
# Invisible direction marks (LRM, RLM, ALM, embeddings and isolates) that Word and web pages leave after a
# stop: «… جدا.\u200f» still ends its sentence.
_MARKS = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
SENTENCE_END = re.compile(rf"[.!?؟…»\"”)][{_MARKS}]*\s*$")
# a stop before closing quotes or brackets ends the clause too: «قال الوزير: "سنخفض العجز هذا العام."»
CLAUSE_END = re.compile(rf"[.!?؟…،,:;؛][\"”»’')\]{_MARKS}]*\s*$")
# A sentence end at the line's start, before an Arabic letter: a line stored in reversed character
# order («.نيموي قرغتستو ...»), which repair turns back later; it ends a sentence, so it is no title.
REVERSED_SENTENCE_END = re.compile(r"^[.!؟]+\s*[\u0621-\u064a]")
BOILERPLATE_NEVER_ENDS = re.compile(r"[.!?؟…:]\s*$")  # a block ending a sentence or a lead-in is the author's text
# A block of fewer words is a section's label («التوصيات», «مشاركة» over each chapter's part), not boilerplate;
# the running titles, footers and menus seen have 3 words or more.
BOILERPLATE_MIN_WORDS = 3
LETTER_WORD = re.compile(r"\S*[\u0621-\u064aA-Za-z]\S*")  # a word with a letter (a page number is none)
NUMBERED = re.compile(r"^\s*(?P<n>[0-9\u0660-\u0669]{1,3})\s*-\s")  # «1 - text»: a numbered paragraph


def _item_runs(blocks: list[list[str]]) -> set[int]:
    """Indexes of single-line blocks that are items of a labelled series (``ITEM_RUN`` or more in a
    row whose labels share a shape: «الهدف 1: …», «الهدف 2: …»): each is a paragraph however short,
    never a heading (a heading stands over text, not beside its siblings)."""
    shapes: list[tuple[str, int] | None] = []
    for block in blocks:
        found = ITEM_LABEL.match(clean(block[0])) if len(block) == 1 else None
        shapes.append(
            (found.group("word") or "", found.group("number").count(".") + found.group("number").count("-"))
            if found
            else None
        )
    items: set[int] = set()
    start = 0
    for i in range(1, len(shapes) + 1):
        if i == len(shapes) or shapes[i] is None or shapes[i] != shapes[start]:
            if shapes[start] is not None and i - start >= ITEM_RUN:
                items.update(range(start, i))
            start = i
    return items


def _is_heading_line(line: str) -> bool:
    """A short title line: few words, no sentence or clause end (a numbered title may be longer)."""
    text = clean(line)
    if not text or (LIST_ITEM.match(text) and not NUMBERED_HEADING.match(text)):
        return False
    numbered = NUMBERED_HEADING.match(text)
    limit = HEADING_MAX_CHARS + (40 if numbered else 0)
    return (
        len(text) <= limit
        and len(text.split()) <= HEADING_MAX_WORDS + (6 if numbered else 0)
        and not CLAUSE_END.search(text.rstrip(".").rstrip() if text.endswith("..") else text)
        and not REVERSED_SENTENCE_END.match(text)
        and re.search("[\u0621-\u064aA-Za-z]", text) is not None
        and not URL.search(text)
        and not DATE_LINE.match(text)
    )


def _title(lines: list[str]) -> bool:
    """A single short title line (see :func:`_is_heading_line`)."""
    return len(lines) == 1 and _is_heading_line(lines[0])


def _aligned_cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r" {3,}|\t+", line.strip()) if cell.strip()]


def _aligned_row(line: str) -> bool:
    """A row of aligned columns: three or more short cells separated by runs of spaces or tabs
    (a tab after a list number «1-\tنص» is not a column gap)."""
    if not ALIGNED_GAP.search(line.strip()) or LIST_ITEM.match(line.replace("\t", " ")):
        return False
    cells = _aligned_cells(line)
    return len(cells) >= 3 and all(len(cell) <= ALIGNED_CELL_CHARS for cell in cells)


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
        """Add a table unit; a table without a title of its own takes the line right above it when
        that line is a heading or a caption («جدول 3: ...», «Table 3»): HTML's ``<caption>``, a
        .docx caption and a Markdown heading over a table all arrive as such a line, which stays a
        unit of its own (the table's unit holds only a title the table itself carried)."""
        unit = self.add("table", [table.title] if table.title else [])
        table.doc_id, table.unit_id = self.doc_id, unit.unit_id
        above = self.units[-2] if len(self.units) >= 2 else None
        caption = above is not None and (
            above.kind == "heading" or (above.kind == "paragraph" and TABLE_CAPTION.match(above.text) is not None)
        )
        if not table.title and caption:
            table.title = above.text
        self.tables.append(table)


def _never_boilerplate(block: list[str]) -> bool:
    """Whether a block is text or structure however often it repeats: a markdown heading, a table row, a
    list item (a heading over every chapter, a table's header, «- نعم»), a label of fewer than
    ``BOILERPLATE_MIN_WORDS`` words, or a block whose last line ends a sentence or a lead-in
    («المصدر: إعداد فريق الرؤية في الإسكوا.» under each figure, «CHART DATA:» over each chart's
    list).  Menus and running titles end in neither."""
    words = len(LETTER_WORD.findall(" ".join(block)))
    return (
        words < BOILERPLATE_MIN_WORDS
        or BOILERPLATE_NEVER_ENDS.search(clean(block[-1])) is not None
        or any(MD_HEADING.match(line) or PIPE_ROW.match(line) or LIST_ITEM.match(clean(line)) for line in block)
    )


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


def _table_captions(blocks: list[list[str]]) -> tuple[dict[tuple[int, int], str], set[int]]:
    """Pandoc-style captions (:data:`PANDOC_CAPTION`): ``{(block, segment): caption}`` for the pipe
    tables they name, and the caption blocks, which are no units of their own.  A caption names the
    table right after it (the first segment of the next block), else the one right before it (the last
    segment of the previous block); a «Table:» line beside no table stays text."""
    captions: dict[tuple[int, int], str] = {}
    for index, block in enumerate(blocks):
        caption = PANDOC_CAPTION.match(block[0]) if len(block) == 1 else None
        if caption is None:
            continue
        after = _segments(blocks[index + 1]) if index + 1 < len(blocks) else []
        before = _segments(blocks[index - 1]) if index > 0 else []
        if after and after[0][0] == "pipe" and (index + 1, 0) not in captions:
            captions[(index + 1, 0)] = caption.group("caption")
        elif before and before[-1][0] == "pipe" and (index - 1, len(before) - 1) not in captions:
            captions[(index - 1, len(before) - 1)] = caption.group("caption")
        else:
            continue
        captions[(index, -1)] = ""  # the caption block itself
    return {k: v for k, v in captions.items() if k[1] >= 0}, {k[0] for k in captions if k[1] < 0}


def _wrapped(lines: list[str]) -> bool:
    """Whether the lines of a block are wrapped at a measure (a PDF page, hard-wrapped text) rather
    than one paragraph a line (news feeds, converted web pages).

    Wrapped lines are short (PDF and plain-text measures are well under
    ``LONG_LINE`` characters), few of them end a sentence, and those that do not
    end one were cut at the measure, so their lengths are close to each other:
    at least ``WRAP_TIGHT`` of them within ``WRAP_SPREAD`` of their median (a
    title line among them is allowed).  Unwrapped lines end where the author's
    paragraph ends, at any length.
    """
    lengths = sorted(len(line.strip()) for line in lines)
    ends = sum(1 for line in lines if SENTENCE_END.search(line))
    if lengths[len(lengths) // 2] >= LONG_LINE or ends >= LINE_PARAGRAPH_ENDS * len(lines):
        return False
    cut = sorted(len(line.strip()) for line in lines[:-1] if not SENTENCE_END.search(line))
    if not cut:
        return True
    middle = cut[len(cut) // 2]
    return sum(1 for n in cut if abs(n - middle) <= WRAP_SPREAD * middle) >= WRAP_TIGHT * len(cut)


def _lines_are_paragraphs(lines: list[str]) -> bool:
    """Whether a blank-line block of plain text (not markdown, not a PDF page) that has blank lines
    is still one paragraph a line: most of its lines (``LINE_PARAGRAPH_ENDS``) end a sentence -- a
    news article whose feed puts a (no-break space) blank line between some paragraphs only.
    Wrapped lines seldom end a sentence."""
    ends = sum(1 for line in lines if SENTENCE_END.search(line))
    return len(lines) >= 2 and ends >= LINE_PARAGRAPH_ENDS * len(lines)


def _split_long_lines(lines: list[str]) -> list[list[str]]:
    """Paragraphs of one block of a document without blank-line paragraphs.

    Wrapped text (:func:`_wrapped`): as on a PDF page, a line that ends a
    sentence well short of the measure (``SHORT_LAST_LINE``) ends a paragraph.
    Otherwise each line is a paragraph (one paragraph a line: news feeds,
    converted web pages), whether it ends a sentence or not (titles, verse,
    paragraphs without a final stop); a list item stays with the paragraph
    before it when that one is its lead-in (ends in «:») or is itself a list
    carried by a lead-in.
    """
    if len(lines) < 2:
        return [lines]
    if _wrapped(lines):
        lengths = sorted(len(line.strip()) for line in lines)
        measure = lengths[int(0.9 * (len(lengths) - 1))]
        out = [[]]
        for line in lines:
            out[-1].append(line)
            if SENTENCE_END.search(line) and len(line.strip()) < SHORT_LAST_LINE * measure:
                out.append([])
        return [part for part in out if part]
    out: list[list[str]] = []
    for line in lines:
        lead_in = out and out[-1][0].rstrip().endswith(":") and (len(out[-1]) == 1 or LIST_ITEM.match(out[-1][1]))
        if lead_in and LIST_ITEM.match(line):
            out[-1].append(line)
        else:
            out.append([line])
    return out


RUN_ON_LINE = 0.7  # PDF: a paragraph whose last line fills this share of its measure was cut, not ended
RUN_ON_END = re.compile(r"(?:[^\W_]|[\u064b-\u0652]|[،,)])$")  # ... and it ends in a word, a number or a comma


def _runs_on(before: list[str], after: list[str]) -> bool:
    """PDF text: whether paragraph ``before`` was cut by a column, page or text-box break and runs on in
    ``after`` (the next paragraph, with nothing but blank lines, furniture or a page break between).

    A paragraph's last line stops short of the measure and ends a sentence; a
    cut one ends in a word, a number or a comma (no sentence end, lead-in or
    note mark) and its last line fills at least ``RUN_ON_LINE`` of the longest
    line of the two parts (the measure); the next part starts as a continuation
    (with a letter, not as a list item or a numbered paragraph) and ends a
    sentence, so the two make one whole paragraph.  Two single lines are never
    joined: lists of targets print one unpunctuated line each.
    """
    last, first = clean(before[-1]), clean(after[0])
    if not last or not first or not RUN_ON_END.search(last) or not SENTENCE_END.search(clean(after[-1])):
        return False
    if len(before) == len(after) == 1:
        return False
    if LIST_ITEM.match(first) or NUMBERED.match(first) or not LETTER.match(first):
        return False
    measure = max(len(clean(line)) for line in [*before, *after[:3]])
    return len(last) >= RUN_ON_LINE * measure


def _stray_word(block: list[str], before: list[str] | bool, after: list[list[str]]) -> bool:
    """PDF text: whether ``block`` is one word standing alone between the two parts of a paragraph cut
    by it (``before``: the last paragraph's lines; ``after``: the next block), which run on
    (:func:`_runs_on`): a label of a graphic or a text box that the extraction put inside the paragraph's
    flow.  Vision 2030 p. 7: «بالفرص التي تتاح» | «أي» | «للجميع، والخدمات المتطورة ...»."""
    if not before or not after or len(block) != 1 or len(clean(block[0]).split()) != 1:
        return False
    if not LETTER.search(block[0]):
        return False  # a bare number: no prose, counted as such (``furniture_no_letters``)
    return _runs_on(before, [clean(line) for line in after[0]])


def split_general(
    doc_id: str, text: str, min_pages: int = 3, markdown: bool = False
) -> tuple[list[Unit], list[Table], dict[str, int]]:
    """Units, tables and counts of a document in the general layout.

    ``markdown``: the text is markdown, where a line break inside a blank-line block
    is a soft break (CommonMark): the block is one paragraph however its lines look.
    In plain text a block of lines that end sentences is one paragraph a line
    (:func:`_lines_are_paragraphs`).

    Returns ``(units, tables, counts)``; counts hold the furniture removed
    (:func:`~.furniture.remove_furniture`) and ``list_lead_ins`` (lists joined to
    the paragraph that introduces them).
    """
    pages, counts = remove_furniture(page_lines(text), min_pages=min_pages)
    pages, converter = remove_converter_lines(pages)
    counts = {**counts, **converter}
    paged = len(pages) > 1  # a PDF: blank lines come from line geometry, and may cut a paragraph
    build = _Builder(doc_id)
    last_paragraph: Unit | None = None
    last_lines: list[str] = []
    counts = dict(counts)

    numbering = [1]  # the next paragraph number expected
    carried = [False]  # the last paragraph is a lead-in with its list: more items join it

    def paragraph(lines: list[str]) -> None:
        nonlocal last_paragraph, last_lines
        cleaned = [clean(line) for line in lines]
        if not LETTER.search(" ".join(cleaned)):  # a bare number or symbol (a figure's label): no prose
            counts["furniture_no_letters"] = counts.get("furniture_no_letters", 0) + 1
            return
        is_list = LIST_ITEM.match(cleaned[0]) is not None
        lead_in = last_paragraph is not None and last_lines and last_lines[-1].rstrip().endswith(":")
        # A .docx or HTML list is one block an item: the items after the first stay with the lead-in too.
        if is_list and last_paragraph is not None and (lead_in or carried[0]):
            carried[0] = True
            last_lines.extend(cleaned)  # a list stays with its lead-in
            last_paragraph.raw = "\n".join(last_lines)
            last_paragraph.text = " ".join(last_paragraph.raw.split())
            counts["list_lead_ins"] = counts.get("list_lead_ins", 0) + 1
            return
        if paged and last_paragraph is not None and last_lines and _runs_on(last_lines, cleaned):
            last_lines.extend(cleaned)  # one paragraph cut by a column, page or text-box break
            last_paragraph.raw = "\n".join(last_lines)
            last_paragraph.text = " ".join(last_paragraph.raw.split())
            counts["joined_across_breaks"] = counts.get("joined_across_breaks", 0) + 1
            return
        carried[0] = False
        number = NUMBERED.match(cleaned[0])
        if number and int(number.group("n")) == numbering[0]:  # the document numbers its paragraphs
            numbering[0] += 1
            cleaned = [cleaned[0][number.end() :], *cleaned[1:]]
            last_paragraph = build.add("paragraph", cleaned, int(number.group("n")))
        else:
            last_paragraph = build.add("paragraph", cleaned)
        last_lines = cleaned

    blocks = _blocks(pages)
    if not paged:  # without page edges: short blocks repeated many times are boilerplate (menus, footers)
        blocks, repeated = remove_repeated_blocks(blocks, _never_boilerplate)
        counts.update(repeated)
    rules = sum(1 for page in pages for line in page if RULE.match(line))
    if rules:  # horizontal rules («---», «____») separate blocks and are not text
        counts["furniture_rules"] = rules
    # Blank lines separate paragraphs.  A document that has (almost) none -- a news feed, one paragraph
    # a line, or wrapped text without paragraph spacing (blocks of ``LINE_MODE_LINES`` lines on average;
    # blank-line paragraphs average 1.5 to 4 lines in the documents seen) -- is cut by its lines.
    line_mode = len(blocks) < 3 or sum(map(len, blocks)) >= LINE_MODE_LINES * len(blocks)
    items = _item_runs(blocks)
    captions, caption_blocks = _table_captions(blocks)
    for index, block in enumerate(blocks):
        if index in caption_blocks:
            continue  # a table's caption: its title
        if paged and _stray_word(block, last_paragraph is not None and last_lines, blocks[index + 1 : index + 2]):
            counts["furniture_stray_words"] = counts.get("furniture_stray_words", 0) + 1
            continue  # «... بالفرص التي تتاح | أي | للجميع، ...»: a word of a graphic between a paragraph's parts
        segments = _segments(block)
        for position, (kind, lines) in enumerate(segments):
            if kind == "heading":
                title = clean(MD_HEADING.match(lines[0]).group("title"))
                if len(title) > MARKED_HEADING_MAX_CHARS:  # a long line is never a heading: prose marked «#»
                    counts["headings_too_long"] = counts.get("headings_too_long", 0) + 1
                    paragraph([title])
                    continue
                if title:
                    build.add("heading", [title])
                    last_paragraph = None
                continue
            layout = layout_rows(lines) if kind == "pipe" else None
            if layout is not None:  # a page laid out in boxes: its titles and prose are the text
                for title, paragraphs in layout:
                    if title:
                        build.add("heading", [title])
                    for text in paragraphs:
                        paragraph([text])
                counts["tables_layout_as_text"] = counts.get("tables_layout_as_text", 0) + 1
                last_paragraph = None
                continue
            if kind in ("pipe", "aligned") and (kind == "pipe" or len(lines) >= 2):
                table = pipe_table(lines) if kind == "pipe" else make_table([_aligned_cells(x) for x in lines], "")
                if table is not None:
                    table.title = captions.get((index, position), table.title)
                    build.add_table(table)
                    counts[f"tables_{kind}"] = counts.get(f"tables_{kind}", 0) + 1
                    if table.flags:
                        counts["tables_flagged"] = counts.get("tables_flagged", 0) + 1
                last_paragraph = None
                continue
            whole = len(segments) == 1
            if len(lines) <= 2 and whole and index not in items and all(_is_heading_line(line) for line in lines):
                build.add("heading", [" ".join(clean(line) for line in lines)])
                last_paragraph = None
                continue
            numbered = len(lines) >= 2 and NUMBERED_HEADING.match(clean(lines[0])) is not None
            if numbered and _is_heading_line(lines[0]) and not LIST_ITEM.match(clean(lines[1])):
                build.add("heading", [clean(lines[0])])  # «1.2 Title» over its paragraph
                last_paragraph = None
                lines = lines[1:]
            per_line = line_mode or (not markdown and not paged and _lines_are_paragraphs(lines))
            for part in _split_long_lines(lines) if per_line else [lines]:
                if per_line and len(lines) > 1 and _title(part):  # a feed's title line («عنوان الخبر»)
                    build.add("heading", [clean(part[0])])
                    last_paragraph = None
                    continue
                paragraph(part)
    only_headings = bool(build.units) and all(unit.kind == "heading" for unit in build.units)
    if only_headings and sum(len(LETTER_WORD.findall(u.text)) for u in build.units) >= HEADINGS_AS_TEXT_WORDS:
        # Short lines alone (a one-line statement, slogans, a damaged line in visual order): nothing
        # they could be the titles of, so they are the text; as headings no theme or position would
        # be drawn from the document at all.  (A bare title page, «الرؤية العربية», stays a heading.)
        counts["headings_as_paragraphs"] = len(build.units)
        text_of = _Builder(doc_id)
        for unit in build.units:
            text_of.add("paragraph", unit.raw.split("\n"))
        return text_of.units, text_of.tables, counts
    return build.units, build.tables, counts
