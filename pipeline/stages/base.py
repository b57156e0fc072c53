"""The two kinds of stage and the one call each kind answers (spaCy's component, Kedro's node).

* A :class:`DocumentStage` (ingest, structure, repair, normalise, tokenise) is called once per
  document: ``process(state)`` reads and updates the :class:`~pipeline.records.DocumentState`
  (the ingested document, its units and tables) and returns its counts for run.json.  The
  runner caches the state after each such stage, so a re-run resumes where the config changed.
* A :class:`CorpusStage` (themes, stakeholders, report) sees the whole corpus once:
  ``apply(corpus)`` returns its counts.  It declares the unit fields it sets (``writes``), which
  the streamed corpus keeps between passes, and whether it has a per-document part
  (``tag_document``) that the runner may run on its workers and cache per document.

A stage is a dataclass registered with :func:`pipeline.registry.register`; its fields are its
options, validated when the config is loaded (:mod:`pipeline.config`).  ``validate_options`` may
check more at load time (the files an option names); it raises ConfigError, one line a mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pipeline.records import Corpus, DocumentState, Unit


class Stage:
    """What every stage class shares."""

    registered_slot: ClassVar[str]
    registered_name: ClassVar[str]

    def __post_init__(self) -> None:
        """Options are checked when a stage is built in code too (notebooks, tests), as scikit-learn
        estimators check their parameters: the same declared types and ranges as the config loader."""
        from pipeline.config import check_built_stage

        check_built_stage(self)

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> None:
        """Check at config load what the option types cannot say (files' contents); ConfigError if wrong."""


class DocumentStage(Stage):
    """A stage applied to one document at a time.

    ``fits_corpus``: the stage also learns from the whole corpus after every document is processed
    (``fit_phrases(feature lists)``, then ``transform(features)`` applied as units are read back);
    ``learns_phrases`` says whether that fit changes anything with the configured options.
    """

    fits_corpus: ClassVar[bool] = False
    learns_phrases: bool = False

    def process(self, state: DocumentState) -> dict[str, int]:  # pragma: no cover - abstract
        """Update ``state`` in place; return counts (name -> int) for run.json."""
        raise NotImplementedError


class CorpusStage(Stage):
    """A stage applied once to the whole corpus, after every per-document stage."""

    writes: ClassVar[tuple[str, ...]] = ()  # Unit fields this stage sets (kept across stream passes)
    per_document: ClassVar[bool] = False  # has ``tag_document(units, normalize)``: per-document, cacheable
    reads_results: ClassVar[bool] = False  # reads this run's result files (units.jsonl, run.json): written first

    def apply(self, corpus: Corpus) -> dict[str, int]:  # pragma: no cover - abstract
        """Read ``corpus.units`` (a stream: iterate it, never index it), write result files into
        ``corpus.output``; return counts for run.json."""
        raise NotImplementedError

    def tag_document(self, units: list[Unit], normalize: Callable[[str], str]) -> Any:  # pragma: no cover
        """The per-document part (when ``per_document``): picklable, cached per document."""
        raise NotImplementedError
