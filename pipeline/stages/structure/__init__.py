"""Document structure: split a document into units (headings, paragraphs, footnotes, tables ...).

The layout is chosen per document (:class:`DocumentStructure`, registered as
``document``): the UN report layout (:mod:`.un`) where its markers are present
-- numbered paragraphs «1 -», ordinal headings «أولا -», ``__________``
footnote separators -- and the general layout (:mod:`.general`) otherwise:
blank-line paragraphs, headings, lists with their lead-in, tables, page
furniture removed (:mod:`.furniture`).

Counts returned with each document (they land in ``run.json``): unit kinds,
``layout_un`` / ``layout_general``, the furniture removed, and
``warn_no_paragraph`` / ``warn_mostly_front`` when a document yields no body
paragraph or when most of its text went to front matter or furniture.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from pipeline.records import DocStructure, Document, DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.stages.ingest import DOCX_SUFFIXES, HTML_SUFFIXES
from pipeline.stages.structure.general import split_general
from pipeline.stages.structure.un import (
    FOOTNOTE_SEPARATOR,
    HEADING_LOGICAL,
    HEADING_VISUAL,
    KNOWN_ROW_LABELS,
    NUMBER_AT_END,
    NUMBER_AT_START,
    UnDocumentStructure,
    row_group,
    split_table_row,
    unrotate_label,
    validate_table,
)

__all__ = [
    "KNOWN_ROW_LABELS",
    "STRUCTURE_NOTES",
    "DocumentStructure",
    "UnDocumentStructure",
    "document_notes",
    "row_group",
    "split_table_row",
    "unrotate_label",
    "validate_table",
]

BODY_KINDS = ("paragraph", "summary")
# Readers that write «- » before a list item so that structure sees the list (HTML's <li>, a .docx
# list paragraph): the mark is taken off the units again, as the file holds no such characters.
READER_MARKED_ITEMS = (*HTML_SUFFIXES, *DOCX_SUFFIXES)
READER_ITEM_MARK = re.compile(r"(?m)^- ")
# Structure counts that are not unit kinds (layout chosen, furniture removed, warnings, lists, tables,
# paragraphs joined across a PDF's column or page breaks, marked headings read as paragraphs).
STRUCTURE_NOTES = ("layout_", "furniture_", "warn_", "list_", "tables_", "joined_", "headings_")
WARNINGS = {
    "warn_no_paragraph": "no paragraph found (only headings or front matter): no theme or position is drawn from it",
    "warn_mostly_front": "most of the text went to front matter or page furniture",
}


def un_markers(text: str) -> dict[str, int]:
    """Counts of the UN layout's markers: ordinal headings, numbered paragraphs in sequence, footnote separators."""
    headings = numbered = separators = 0
    expected = 1
    for line in text.replace("\ufeff", "").replace("\f", "\n").split("\n"):
        number = NUMBER_AT_END.search(line) or NUMBER_AT_START.match(line)
        if number and int(number.group("n")) == expected:
            numbered += 1
            expected += 1
        elif HEADING_VISUAL.match(line) or HEADING_LOGICAL.match(line):
            headings += 1
        elif FOOTNOTE_SEPARATOR.match(line):
            separators += 1
    return {"headings": headings, "numbered": numbered, "separators": separators}


def _chars(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def document_notes(counts: dict[str, int]) -> tuple[str | None, list[str]]:
    """(layout name, warning texts) of one document from its structure counts."""
    layout = next((key[len("layout_") :] for key in counts if key.startswith("layout_") and counts[key]), None)
    return layout, [text for key, text in WARNINGS.items() if counts.get(key)]


@register("structure", "document")
@dataclass
class DocumentStructure(DocumentStage):
    """Per-document layout choice: UN report layout where its markers are, the general layout otherwise.

    ``layout``: ``auto`` (choose per document), ``un`` or ``general`` (force one).
    The UN layout is kept only when its body units hold at least ``un_min_body_share``
    of the text; otherwise the document is split again in the general layout.
    """

    layout: Literal["auto", "un", "general"] = "auto"
    summary_min_lines: Annotated[int, Field(ge=1)] = 3  # UN layout: a cover-page block with this many lines ...
    summary_min_chars: Annotated[int, Field(ge=0)] = (
        55  # ... whose median line is this long is prose: the summary starts there
    )
    un_min_body_share: Annotated[float, Field(ge=0, le=1)] = (
        0.5  # share of the text the UN layout must put in body units to be kept
    )
    furniture_min_pages: Annotated[int, Field(ge=2)] = (
        3  # a line repeated on this many pages (and 4% of them) is a running header/footer
    )
    mostly_front_share: Annotated[float, Field(ge=0, le=1)] = (
        0.5  # warn when front matter and furniture hold more than this share of the text
    )

    def process(self, state: DocumentState) -> dict[str, int]:
        """Split ``state.document`` into units and tables; counts: units per kind, layout, furniture, warnings."""
        structure = self.split(state.document)
        state.units, state.tables = structure.units, structure.tables
        for unit in state.units:
            unit.text = unit.text or unit.raw
        return dict(sorted({**Counter(unit.kind for unit in state.units), **structure.counts}.items()))

    def split(self, doc: Document) -> DocStructure:
        """Units and tables of ``doc`` in the layout chosen for it; ``counts`` say which and what was removed."""
        total = max(_chars(doc.text), 1)
        structure: DocStructure | None = None
        counts: dict[str, int] = {}
        if self.layout in ("auto", "un"):
            markers = un_markers(doc.text)
            has_markers = markers["numbered"] >= 1 and (markers["headings"] >= 1 or markers["separators"] >= 1)
            if self.layout == "un" or has_markers:
                un = UnDocumentStructure(self.summary_min_lines, self.summary_min_chars).split(doc)
                body = sum(_chars(u.raw) for u in un.units if u.kind in ("paragraph", "summary", "footnote"))
                if self.layout == "un" or body >= self.un_min_body_share * total:
                    structure, counts = un, {"layout_un": 1}
        if structure is None:
            markdown = doc.source.lower().endswith((".md", ".markdown"))
            units, tables, extra = split_general(doc.doc_id, doc.text, self.furniture_min_pages, markdown)
            if doc.source.lower().endswith(READER_MARKED_ITEMS):
                for unit in units:  # the reader's «- » marked the items for structure; the file had none
                    unit.raw = READER_ITEM_MARK.sub("", unit.raw)
                    unit.text = " ".join(unit.raw.split())
            structure, counts = DocStructure(units=units, tables=tables), {"layout_general": 1, **extra}
        body = sum(_chars(u.raw) for u in structure.units if u.kind != "front")
        body += sum(_chars(" ".join(c for row in t.rows for c in [row.label, *row.printed])) for t in structure.tables)
        if not any(u.kind in BODY_KINDS for u in structure.units):
            counts["warn_no_paragraph"] = 1
        elif body < (1 - self.mostly_front_share) * total:
            counts["warn_mostly_front"] = 1
        structure.counts = dict(sorted(counts.items()))
        return structure
