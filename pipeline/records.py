"""The records that flow between stages: document -> units -> tokens -> themes/statements.

Stages take and return these typed records; nothing else is passed between
them.  ``Unit.to_json`` fixes the field order of ``units.jsonl`` so outputs are
byte-identical across runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Document:
    """One input file after decoding: logical-order text plus provenance."""

    doc_id: str
    source: str  # path of the file, as given by the corpus spec
    text: str
    encoding: str  # e.g. "utf-8", "cp1256", "pdf"
    sha256: str  # hash of the raw bytes: the cache key of per-document work
    meta: dict[str, Any] = field(default_factory=dict)
    fixes: dict[str, int] = field(default_factory=dict)  # what ingest repaired (e.g. mojibake pairs), for the counts


@dataclass
class TableRow:
    label: str
    printed: list[str]  # cells as printed, in reading order (right to left)
    values: list[int | None]  # parsed values (None when unparseable)
    flags: list[str] = field(default_factory=list)
    implied: list[int | None] = field(default_factory=list)  # value the sums imply, where flagged
    label_en: str | None = None  # English label of a known row («الحكومات» -> "Governments")
    group: str | None = None  # stakeholder group id of a known row («الحكومات» -> "governments")


@dataclass
class Table:
    doc_id: str
    unit_id: str
    title: str
    columns: list[str]
    rows: list[TableRow]
    flags: list[str] = field(default_factory=list)  # what the sums or the table's markup left in doubt
    label_column: str = ""  # header of the row-label column («المؤشر»), when the table has one

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "unit_id": self.unit_id,
            "title": self.title,
            "columns": self.columns,
            "rows": [asdict(row) for row in self.rows],
            "flags": self.flags,
            "label_column": self.label_column,
        }


@dataclass
class Unit:
    """A structural unit of a document (paragraph, heading, footnote, ...)."""

    doc_id: str
    unit_id: str
    kind: str
    number: int | None
    section: str | None
    text: str  # display text: repaired, letters unfolded
    raw: str = ""  # text as extracted, before repair
    # lines of ``raw`` (0-based) whose paragraph number structure took off the right edge (repair's prior)
    visual_lines: tuple[int, ...] = ()
    norm: str = ""  # normalised (folded) text that feeds the models
    tokens: list[str] = field(default_factory=list)  # model features
    themes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)
    speakers: list[str] = field(default_factory=list)
    # values a stage of your own sets (declare ``writes = ("extra",)``); in units.jsonl when not empty
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        found = {
            "doc_id": self.doc_id,
            "unit_id": self.unit_id,
            "kind": self.kind,
            "number": self.number,
            "section": self.section,
            "text": self.text,
            "tokens": self.tokens,
            "themes": self.themes,
            "theme_scores": self.theme_scores,
            "speakers": self.speakers,
        }
        if self.extra:
            found["extra"] = self.extra
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Unit:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass
class DocStructure:
    """What the structure stage returns for one document."""

    units: list[Unit]
    tables: list[Table]
    counts: dict[str, int] = field(default_factory=dict)  # layout chosen, furniture removed, warnings (run.json)


@dataclass
class Statement:
    doc_id: str
    unit_id: str
    speaker: str
    text: str
    cue: str
    themes: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)  # None: an axis without a score

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DocumentState:
    """One document on its way through the per-document stages (see :mod:`pipeline.stages.base`).

    ``document`` is set by ingest and kept while a later stage needs the whole text (repair
    calibrates on it); ``units`` and ``tables`` are set by structure and refined by the rest.
    """

    path: Path
    document: Document | None = None
    units: list[Unit] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)  # slot -> what it found about the document (run.json)


@dataclass
class Corpus:
    """Everything corpus-level stages see; ``results`` collects what they produce.

    ``units``: a re-iterable stream in a run (:class:`pipeline.run.corpora.UnitStream`: one
    document in memory at a time; the fields stages declare in ``writes`` are kept between
    passes) or a plain list (tests, notebooks).  Stages iterate it and take its ``len()``; they
    never index it.  ``documents``: the per-document results (``doc_id``, ``source``, counts).
    """

    units: Iterable[Unit]
    tables: list[Table]
    documents: list[Any]
    featurize: Callable[[str], list[str]]  # natural Arabic -> model features, through the same stages as the text
    normalize: Callable[[str], str]  # natural Arabic -> repaired + normalised (folded) text, as in ``Unit.norm``
    seed: int
    output: Path  # the staging folder: write result files here
    config: Any  # the run's pipeline.config.Config (None in tests)
    results: dict[str, Any] = field(default_factory=dict)
    # what a corpus stage warns about (e.g. an axis without evidence): run.json's warnings and the run summary
    warnings: list[str] = field(default_factory=list)
    models: Any = None  # the run's corpus-level models, reused or refitted (pipeline.run.incremental.Models)
