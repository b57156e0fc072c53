"""Per-document processing: the per-document stages of one config, applied file by file, with the cache.

Each per-document stage answers one call, ``process(state) -> counts``
(:class:`pipeline.stages.base.DocumentStage`).  The state after every stage is cached under
``<output>/.cache/`` (:mod:`pipeline.run.cache`), so an unchanged document is loaded, not
recomputed, and a changed option of one stage resumes from the stage before it.

The worker-side tasks that run it on an executor are in :mod:`pipeline.run.tasks`.
"""

from __future__ import annotations

import inspect
import pickle
import time
import typing
import zlib
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
from pipeline.run.cache import DocumentCache, Snapshot, file_key, stage_key
from pipeline.run.plain import ShapeError, from_plain, to_plain
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
    stored: str | None = None  # where the final per-document state is in the cache (see :func:`state_ref`)
    profile: dict[str, Any] = field(default_factory=dict)  # slot -> what it found about the document
    cache_problems: dict[str, int] = field(default_factory=dict)  # what a worker's cache could not read or write


def _decode(cache: DocumentCache, kind: Any, plain: Any, key: str) -> Any:
    """``plain`` read as ``kind``; None (a miss, counted in ``cache.problems``) when it does not fit."""
    try:
        return from_plain(kind, plain)
    except ShapeError as exc:
        cache._problem("wrong_shape", f"{cache.path(key)}: {exc}", key)
        return None


def stored_body(cache: DocumentCache, ref: str) -> tuple[list[Unit], list[Table]] | None:
    """The units and tables of the final per-document state ``ref`` (``DocumentResult.stored``), or None."""
    key, chain = _split_ref(ref)
    snap = cache.snapshot(key, chain)
    if snap is None:
        return None
    units, tables = _decode(cache, list[Unit], snap.units, key), _decode(cache, list[Table], snap.tables, key)
    return None if units is None or tables is None else (units, tables)


def state_ref(key: str, chain: str) -> str:
    """``DocumentResult.stored``: a document's cache file and the chain key of its final snapshot."""
    return f"{key}/{chain}"


def _split_ref(ref: str) -> tuple[str, str]:
    key, _, chain = ref.partition("/")
    return key, chain


def lighten(result: DocumentResult) -> DocumentResult:
    """The result without its units and tables when they are in the cache (they are read back when written)."""
    return replace(result, units=[], tables=[]) if result.stored else result


def document_slots(stages: dict[str, StageSpec]) -> list[str]:
    """The configured per-document stages, in pipeline order."""
    return [slot for slot, spec in stages.items() if issubclass(spec.cls, DocumentStage)]


def corpus_slots(stages: dict[str, StageSpec]) -> list[str]:
    """The configured corpus-level stages, in pipeline order."""
    return [slot for slot, spec in stages.items() if issubclass(spec.cls, CorpusStage)]


def memo_stages(stages: dict[str, StageSpec]) -> dict[str, str]:
    """Corpus stage slot -> the key its per-document values are cached under (with the document's
    state: :func:`pipeline.run.corpora.memo_key`), for every corpus stage.  A stage may key its
    per-document part on less than all it depends on (``memo_key``: the themes' sentence vectors do
    not depend on the taxonomy)."""
    return {slot: getattr(stages[slot].cls, "memo_key", stage_key)(stages[slot]) for slot in corpus_slots(stages)}


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
        self.stages = stages
        self.slots = document_slots(stages)
        self.budget = budget  # each document's time and memory (pipeline.run.budget)
        self.specs = {slot: stages[slot] for slot in self.slots}
        self.built: dict[str, Any] = {slot: spec.build() for slot, spec in self.specs.items()}
        self.cache = cache
        self.keys = keys or {}
        self.transform: Callable[[list[str]], list[str]] | None = None  # tokens -> model features (phrases joined)
        # Units read from the cache before the stream's first pass (the phrase fit, the tables), packed
        # (see unit_loader): that pass unpacks them instead of reading the cache again.  By ``stored``.
        self.read_ahead: dict[str, bytes] = {}
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
        snapshots: list[Snapshot] | None = self._resume(state, result, sha256)
        start = len(snapshots) if snapshots is not None else 0
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
                self._store(state, result, sha256, snapshots)  # the stages before it; not this failure:
                return result  # it may be transient (memory) or fixed by the next release
            result.seconds[slot] = result.seconds.get(slot, 0.0) + time.perf_counter() - t
            result.computed.append(slot)
            result.units, result.tables = ([], []) if result.error else (state.units, state.tables)
            if result.error is not None or slot == self.keep_text_until:
                state.document = None
            if snapshots is not None:  # copied now: the next stages change the units in place
                snapshots.append(self._snapshot(slot, state, result))
            if result.error is not None:
                break
        if result.computed:
            self._store(state, result, sha256, snapshots)
        if "normalise" not in self.specs:
            for unit in result.units:
                unit.norm = unit.text
        result.n_units = len(result.units)
        return result

    def cached(self, path: Path, sha256: str | None) -> DocumentResult | None:
        """The summary of ``path``'s final per-document state if the cache has it (its units are left
        there: :meth:`body` reads them), else None.  Reads only the small head of the cache file."""
        if self.cache is None or not sha256:
            return None
        key, chain = file_key(path, sha256), self.keys[self.slots[-1]]
        head = self.cache.head(key, chain)
        result = self._decode(DocumentResult, head, key) if head is not None else None
        if result is None:
            return None
        result.cached, result.seconds, result.computed, result.stored = self.slots[-1], {}, [], state_ref(key, chain)
        return result

    def _resume(self, state: DocumentState, result: DocumentResult, sha256: str | None) -> list[Snapshot] | None:
        """Load the deepest cached state of this file into ``state``/``result``; the snapshots it rests on
        (stored again with those computed next), or None when this document is not cached."""
        if self.cache is None or sha256 is None:
            return None
        key = file_key(state.path, sha256)
        kept: list[Snapshot] = []
        for slot, snap in zip(self.slots, self.cache.snapshots(key), strict=False):
            if snap.slot != slot or snap.chain != self.keys[slot]:
                break  # chain keys are cumulative: nothing after a changed stage can match
            kept.append(snap)
        while kept:  # the deepest snapshot that reads back as records
            last = kept[-1]
            loaded = self._decode(DocumentResult, last.head, key)
            document = self._decode(Document | None, last.document, key)
            units = self._decode(list[Unit], last.units, key)
            tables = self._decode(list[Table], last.tables, key)
            if None not in (loaded, units, tables) and (document is not None or last.document is None):
                break
            kept.pop()
        if not kept:
            return []
        vars(result).update(vars(loaded))
        result.units, result.tables = units, tables
        result.cached, result.seconds, result.computed = last.slot, {}, []
        result.stored = state_ref(key, last.chain) if len(kept) == len(self.slots) else None
        state.document, state.units, state.tables = document, result.units, result.tables
        state.profile = result.profile
        return kept

    def _decode(self, kind: Any, plain: Any, key: str) -> Any:
        return _decode(self.cache, kind, plain, key)

    @staticmethod
    def _describe(state: DocumentState, result: DocumentResult) -> None:
        doc = state.document
        if doc is not None and result.doc_id is None:
            result.doc_id, result.sha256, result.encoding, result.meta = doc.doc_id, doc.sha256, doc.encoding, doc.meta

    def _snapshot(self, slot: str, state: DocumentState, result: DocumentResult) -> Snapshot:
        """The state after ``slot`` as plain data (a summary without units, and the bulky part)."""
        head = replace(result, units=[], tables=[], n_units=len(result.units), stored=None, cache_problems={})
        try:
            plain = to_plain(head), to_plain(state.document), to_plain(result.units), to_plain(result.tables)
        except TypeError as exc:  # e.g. a stage's profile holding a set: this document is not cached
            self.cache._problem("not_encodable", f"{state.path}: {slot}: {exc}")
            return Snapshot(slot, "", None, None, [], [])
        return Snapshot(slot, self.keys[slot], *plain)

    def _store(self, state: DocumentState, result: DocumentResult, sha256: str | None, snapshots: list | None) -> None:
        # Stored under the hash the caller planned with; if the file changed since, ingest saw
        # other bytes and nothing is stored (the next run sees the new hash and recomputes).
        if not snapshots or sha256 is None or result.sha256 not in (None, sha256):
            return
        if any(not snap.chain for snap in snapshots):  # one had no plain form
            return
        key = file_key(state.path, sha256)
        if self.cache.store(key, snapshots) and snapshots[-1].slot == self.slots[-1]:
            result.stored = state_ref(key, snapshots[-1].chain)

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

    def body(self, result: DocumentResult, keep: bool = False) -> tuple[list[Unit], list[Table]]:
        """The units and tables of a result: in memory, or read back from the cache (recomputed if gone).

        ``keep``: the units read from the cache are also kept packed for the stream's first pass
        (:attr:`read_ahead`), so a run reads each document's body from the cache once."""
        if result.units or result.tables or not result.stored or self.cache is None:
            return result.units, result.tables
        found = self.stored(result.stored)
        if found is None:  # removed or spoilt behind our back: compute it again rather than lose the document
            full = self(os_path(result.source), result.sha256)
            return full.units, full.tables
        if keep:
            self.read_ahead[result.stored] = _pack_units(found[0])
        return found

    def stored(self, ref: str) -> tuple[list[Unit], list[Table]] | None:
        """The units and tables of the final state ``ref`` (``DocumentResult.stored``) from the cache, or None."""
        found = stored_body(self.cache, ref) if self.cache is not None else None
        if found is None:
            return None
        units, tables = found
        if "normalise" not in self.specs:
            for unit in units:
                unit.norm = unit.text
        return units, tables

    def memo_kind(self, slot: str) -> Any:
        """What corpus stage ``slot``'s ``tag_document`` returns (its annotation), to read it back typed."""
        method = inspect.unwrap(self.stages[slot].cls.tag_document)  # a wrapper (functools.wraps) keeps it
        return typing.get_type_hints(method).get("return", Any)

    def load_memo(self, ref: str, slot: str, memo_key: str) -> tuple[bool, Any]:
        """``(found, value)``: corpus stage ``slot``'s per-document value for the document at ``ref``."""
        key, _ = _split_ref(ref)
        kind = self.memo_kind(slot)
        found, plain = self.cache.memo(key, slot, memo_key, consume=True) if kind is not Any else (False, None)
        if not found:  # (without a declared type it could not be read back checked)
            return False, None
        value = self._decode(kind, plain, key)
        return value is not None, value

    def store_memo(self, ref: str, slot: str, memo_key: str, value: Any) -> bool:
        """Keep corpus stage ``slot``'s per-document ``value`` beside the document's snapshots."""
        kind = self.memo_kind(slot)
        if kind is Any:  # no declared type: it could not be read back checked
            return False
        try:
            plain = to_plain(value)
        except TypeError as exc:
            self.cache._problem("not_encodable", f"{slot}: {exc}")
            return False
        return self.cache.store_memo(_split_ref(ref)[0], slot, memo_key, plain)

    def has_memo(self, ref: str, slot: str, memo_key: str) -> bool:
        return self.cache is not None and self.cache.memo(_split_ref(ref)[0], slot, memo_key)[0]

    def unit_loader(self, result: DocumentResult) -> Callable[[], list[Unit]]:
        """Reads a document's units back each time it is called, as fresh objects (a stream pass must
        not change them), with the model features of :attr:`transform` (phrases joined).

        The first call once the features are final (phrases learnt, or none to learn) reads the cache
        -- or unpacks what the phrase fit or the tables read from it (:attr:`read_ahead`) -- joins the
        phrases and keeps the units packed in memory (zlib of a pickle, about a third of their size);
        later calls -- the corpus stages' other passes -- unpack that.  So a run reads a document's
        body from the cache once and joins its phrases once.
        The pickle never leaves this process: it is made and read here, never stored on disk.
        """
        packed: bytes | None = None

        def load() -> list[Unit]:
            nonlocal packed
            if packed is not None:
                return _unpack_units(packed)
            final = self.transform is not None or self.corpus_fitter() is None
            ahead = self.read_ahead.pop(result.stored, None) if final and result.stored else None
            if ahead is not None:  # read from the cache earlier in this run (the phrase fit, the tables)
                units = _unpack_units(ahead)
            else:
                units = self.body(result)[0]
                units = [replace(unit) for unit in units] if units is result.units else units
            if self.transform is not None:
                for unit in units:
                    unit.tokens = self.transform(unit.tokens)
            if final:
                packed = _pack_units(units)
            return units

        return load


def _pack_units(units: list[Unit]) -> bytes:
    """Units packed in memory (zlib of a pickle, about a third of their size): never stored on disk."""
    return zlib.compress(pickle.dumps(units, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack_units(packed: bytes) -> list[Unit]:
    return pickle.loads(zlib.decompress(packed))  # made by _pack_units in this process


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
