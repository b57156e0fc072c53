"""Per-document processing: the per-document stages of one config, applied file by file, with the cache.

Each per-document stage answers one call, ``process(state) -> counts``
(:class:`pipeline.stages.base.DocumentStage`).  The state after every stage is cached under
``<output>/.cache/`` (:mod:`pipeline.run.cache`), so an unchanged document is loaded, not
recomputed, and a changed option of one stage resumes from the stage before it.

The worker-side tasks live here too (:func:`process_chunk` and friends): executor tasks are
top-level functions so they pickle; each worker process keeps its built stages between chunks
(building loads lexicons).
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.config import StageSpec
from pipeline.errors import InputError
from pipeline.names import os_path, path_text, quoted
from pipeline.records import Document, DocumentState, Table, Unit
from pipeline.run.budget import Budget, BudgetExceeded, guard
from pipeline.run.cache import DocumentCache, document_key
from pipeline.stages.base import CorpusStage, DocumentStage


@dataclass
class DocumentResult:
    """What the per-document stages produce for one file (or why they could not)."""

    source: str
    doc_id: str | None = None
    sha256: str | None = None
    encoding: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    units: list[Unit] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # slot -> counter
    seconds: dict[str, float] = field(default_factory=dict)  # slot -> time spent in this run
    error: str | None = None
    cached: str | None = None  # the last stage whose result came from the cache (None: all computed)
    computed: list[str] = field(default_factory=list)  # stages computed in this run
    n_units: int = 0  # len(units), also when the units were left in the cache (see ``stored``)
    stored: str | None = None  # cache key of the final per-document state, holding units and tables
    profile: dict[str, Any] = field(default_factory=dict)  # slot -> what it found about the document


def _split(doc: Document | None, result: DocumentResult) -> tuple[DocumentResult, tuple]:
    """(head, body) of a cache entry: the small summary, and the bulky text, units and tables."""
    head = replace(result, units=[], tables=[], n_units=len(result.units))
    return head, (doc, result.units, result.tables)


def _join(head: DocumentResult, body: tuple) -> tuple[Document | None, DocumentResult]:
    doc, units, tables = body
    return doc, replace(head, units=units, tables=tables)


def lighten(result: DocumentResult) -> DocumentResult:
    """The result without its units and tables when they are in the cache (they are read back when written)."""
    return replace(result, units=[], tables=[]) if result.stored else result


def document_slots(stages: dict[str, StageSpec]) -> list[str]:
    """The configured per-document stages, in pipeline order."""
    return [slot for slot, spec in stages.items() if issubclass(spec.cls, DocumentStage)]


def corpus_slots(stages: dict[str, StageSpec]) -> list[str]:
    """The configured corpus-level stages, in pipeline order."""
    return [slot for slot, spec in stages.items() if issubclass(spec.cls, CorpusStage)]


class DocumentProcessor:
    """The per-document stages of one config, built once and applied to many files.

    With a ``cache``, each file resumes from the deepest cached stage state whose key matches
    and stores the state after every stage it computes.
    """

    def __init__(
        self,
        stages: dict[str, StageSpec],
        cache: DocumentCache | None = None,
        keys: dict[str, str] | None = None,
        budget: Budget | None = None,
    ):
        self.slots = document_slots(stages)
        self.budget = budget  # each document's time and memory (pipeline.run.budget)
        self.specs = {slot: stages[slot] for slot in self.slots}
        self.built: dict[str, Any] = {slot: spec.build() for slot, spec in self.specs.items()}
        self.cache = cache
        self.keys = keys or {}
        # The raw document text is needed until repair has been fitted on it; later
        # snapshots drop it (it is the bulk of an entry).
        self.keep_text_until = "repair" if "repair" in self.specs else "structure"

    def __call__(self, path: Path, sha256: str | None = None) -> DocumentResult:
        """The per-document result for ``path`` (with units); ``sha256`` of its bytes enables the cache.

        A document over its budget fails with the reason (not cached: a later run with a larger
        budget computes it)."""
        path = Path(path)
        result = DocumentResult(source=path_text(path))
        at = [""]  # the stage at work, for the message
        try:
            with guard(self.budget):
                return self._compute(path, result, sha256, at)
        except BudgetExceeded as exc:
            reason = str(exc) or "over budget"
            return DocumentResult(source=result.source, error=f"{quoted(path)}: {at[0]}: {reason}")

    def _compute(self, path: Path, result: DocumentResult, sha256: str | None, at: list[str]) -> DocumentResult:
        state = DocumentState(path)
        start = self._resume(state, result, sha256)
        for slot in self.slots[start if result.error is None else len(self.slots) :]:
            at[0] = slot
            t = time.perf_counter()
            try:
                result.counts[slot] = self.built[slot].process(state)
                result.profile = state.profile
                self._describe(state, result)
            except InputError as exc:
                result.error = str(exc)
            except Exception as exc:  # a bug or odd input in one document must not stop the corpus
                message = (str(exc).splitlines() or [""])[0]
                result.error = f"{quoted(path)}: {slot} failed: {type(exc).__name__}: {message}"
                return result  # not cached: it may be transient (memory) or fixed by the next release
            result.seconds[slot] = result.seconds.get(slot, 0.0) + time.perf_counter() - t
            result.computed.append(slot)
            result.units, result.tables = ([], []) if result.error else (state.units, state.tables)
            if result.error is not None or slot == self.keep_text_until:
                state.document = None
            self._store(slot, state, result, sha256)
            if result.error is not None:
                break
        if "normalise" not in self.specs:
            for unit in result.units:
                unit.norm = unit.text
        result.n_units = len(result.units)
        return result

    def _resume(self, state: DocumentState, result: DocumentResult, sha256: str | None) -> int:
        """Load the deepest cached state of this file into ``state``/``result``; the index to go on from."""
        if self.cache is None or sha256 is None:
            return 0
        for index in range(len(self.slots) - 1, -1, -1):
            key = document_key(state.path, sha256, self.keys[self.slots[index]])
            entry = self.cache.load(self.slots[index], key)
            if entry is not None:
                doc, loaded = _join(*entry)
                vars(result).update(vars(loaded))
                result.cached, result.seconds, result.computed = self.slots[index], {}, []
                result.stored = key if index == len(self.slots) - 1 else None
                state.document, state.units, state.tables = doc, result.units, result.tables
                state.profile = result.profile
                return index + 1
        return 0

    @staticmethod
    def _describe(state: DocumentState, result: DocumentResult) -> None:
        doc = state.document
        if doc is not None and result.doc_id is None:
            result.doc_id, result.sha256, result.encoding, result.meta = doc.doc_id, doc.sha256, doc.encoding, doc.meta

    def _store(self, slot: str, state: DocumentState, result: DocumentResult, sha256: str | None) -> None:
        # Stored under the hash the caller planned with; if the file changed since, ingest saw
        # other bytes and nothing is stored (the next run sees the new hash and recomputes).
        if self.cache is None or sha256 is None or result.sha256 not in (None, sha256):
            return
        key = document_key(state.path, sha256, self.keys[slot])
        self.cache.store(slot, key, *_split(state.document, result))
        if slot == self.slots[-1]:
            result.stored = key

    def normalize(self, text: str) -> str:
        """Natural Arabic (e.g. an actor alias) -> repaired, normalised text, as in ``Unit.norm``."""
        repair = self.built.get("repair")
        if repair is not None:
            text = " ".join(repair.repair(text).split())
        normaliser = self.built.get("normalise")
        return normaliser.normalise(text) if normaliser is not None else text

    def featurize(self, text: str) -> list[str]:
        """Natural Arabic (e.g. a seed term) -> features, through repair, normalise, tokenise."""
        text = self.normalize(text)
        tokeniser = self.built.get("tokenise")
        if tokeniser is None:
            return text.split()
        return tokeniser.transform(tokeniser.features(text))

    def corpus_fitter(self) -> Any:
        """The per-document stage with a corpus-level fit (the phrase-learning tokeniser), or None."""
        return next((stage for stage in self.built.values() if stage.fits_corpus), None)

    def body(self, result: DocumentResult) -> tuple[list[Unit], list[Table]]:
        """The units and tables of a result: in memory, or read back from the cache (recomputed if gone)."""
        if result.units or result.tables or not result.stored or self.cache is None:
            return result.units, result.tables
        entry = self.cache.load(self.slots[-1], result.stored)
        if entry is None:  # removed behind our back: compute it again rather than lose the document
            full = self(os_path(result.source), result.sha256)
            return full.units, full.tables
        _, units, tables = entry[1]
        if "normalise" not in self.specs:
            for unit in units:
                unit.norm = unit.text
        return units, tables

    def unit_loader(self, result: DocumentResult) -> Callable[[], list[Unit]]:
        """Reads a document's units back each time it is called: fresh from the cache, or copies of those
        held in memory (a stream pass must not change them)."""

        def load() -> list[Unit]:
            units = self.body(result)[0]
            return [replace(unit) for unit in units] if units is result.units else units

        return load


# --------------------------------------------------------------------------- encoding results


def render(units: list[Unit], tables: list[Table], tokeniser: Any, joined: bool | None = None) -> tuple[str, str, int]:
    """A document's lines of units.jsonl and tables.jsonl (phrases joined first, by ``tokeniser``), and
    its phrase-token count, taken when phrases are in play (``joined``; default: a tokeniser is given)."""
    count = tokeniser is not None if joined is None else joined
    phrase_tokens = 0
    lines = []
    for unit in units:
        if tokeniser is not None:
            unit.tokens = tokeniser.transform(unit.tokens)
        if count:
            phrase_tokens += sum(1 for tok in unit.tokens if "_" in tok)
        lines.append(atomic.dumps(unit.to_json()) + "\n")
    return "".join(lines), "".join(atomic.dumps(t.to_json()) + "\n" for t in tables), phrase_tokens


def picklable(obj: Any) -> bool:
    try:
        pickle.dumps(obj)
    except Exception:  # e.g. a stage holding a closure or a native handle: encode here instead
        return False
    return True


# --------------------------------------------------------------------------- executor tasks

# Worker processes keep their built stages between chunks (building loads lexicons).
_WORKER_PROCESSORS: dict[tuple, DocumentProcessor] = {}
_WORKER_STAGES: dict[str, Any] = {}


def worker_processor(
    stages: dict[str, StageSpec], cache_root: str | None, keys: dict[str, str], budget: Budget | None = None
) -> DocumentProcessor:
    ident = (cache_root, tuple(sorted(keys.items())), tuple(stages))
    processor = _WORKER_PROCESSORS.get(ident)
    if processor is None:
        _WORKER_PROCESSORS.clear()
        cache = DocumentCache(Path(cache_root)) if cache_root else None
        processor = _WORKER_PROCESSORS[ident] = DocumentProcessor(stages, cache, keys)
    processor.budget = budget
    return processor


def process_chunk(
    stages: dict[str, StageSpec],
    cache_root: str | None,
    keys: dict[str, str],
    budget: Budget | None,
    items: list[tuple[str, str | None]],
) -> list[DocumentResult]:
    """Executor task: run the per-document stages on ``items`` ((path, sha256) pairs), each under ``budget``."""
    processor = worker_processor(stages, cache_root, keys, budget)
    # Units stay in the cache the worker wrote them to: the client reads them back in document order
    # when it writes the results, so they cross no process boundary and never all sit in memory.
    return [lighten(processor(Path(path), sha)) for path, sha in items]


def process_render_chunk(
    stages: dict[str, StageSpec],
    cache_root: str | None,
    keys: dict[str, str],
    budget: Budget | None,
    items: list[tuple[str, str | None]],
) -> list[tuple[DocumentResult, tuple[str, str, int] | None]]:
    """Executor task: as :func:`process_chunk`, each result with its encoded output lines (see :func:`render`).

    For runs whose output lines are final once a document is processed (no phrase learning, no
    corpus stages): the client writes them as they arrive, so nothing is read back from the cache.
    """
    processor = worker_processor(stages, cache_root, keys, budget)
    tokeniser = processor.corpus_fitter()
    out = []
    for path, sha in items:
        result = processor(Path(path), sha)
        rendered = render(result.units, result.tables, tokeniser) if result.error is None else None
        out.append((lighten(result), rendered))
    return out


def tag_chunk(
    stages: dict[str, StageSpec], cache_root: str, keys: dict[str, str], slot: str, items: list[tuple[str, str]]
) -> list[bool]:
    """Executor task: a corpus stage's per-document part (its ``tag_document``) for cached documents
    ((document key, memo key) pairs), stored in the cache where the stage will look for it."""
    processor = worker_processor(stages, cache_root, keys)
    ident = stages[slot].fingerprint()
    if ident not in _WORKER_STAGES:
        _WORKER_STAGES.clear()
        _WORKER_STAGES[ident] = stages[slot].build()
    stage = _WORKER_STAGES[ident]
    done = []
    for stored, key in items:
        entry = processor.cache.load(processor.slots[-1], stored)
        if entry is not None:  # else the stage computes it itself
            processor.cache.store(slot, key, None, stage.tag_document(entry[1][1], processor.normalize))
        done.append(entry is not None)
    return done


def render_chunk(cache_root: str, slot: str, tokeniser: Any, keys: list[str | None]) -> list[tuple | None]:
    """Executor task: encode the cached units of ``keys`` (None where this process must do it)."""
    cache = DocumentCache(Path(cache_root))
    out: list[tuple | None] = []
    for key in keys:
        entry = cache.load(slot, key) if key else None
        out.append(None if entry is None else render(entry[1][1], entry[1][2], tokeniser))
    return out
