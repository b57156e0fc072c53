"""Run a config: per-document stages, then corpus-level stages, then outputs.

Per-document stages (ingest -> structure -> repair -> normalise -> tokenise)
run on one file at a time, so a corpus is streamed and a bad file only loses
itself.  Corpus-level stages (phrases, themes, stakeholders, report) see the
whole corpus through a :class:`Corpus`, whose units are a re-iterable stream.  The runner is the only module that
knows the stage order; stages never import each other -- the config wires them.

Re-runs are incremental: the state of every document after every per-document
stage is cached under ``<output>/.cache/`` (see :mod:`pipeline.run.cache`), so an
unchanged document is loaded, not recomputed, and a changed option of one
stage resumes from the stage before it.  Per-document work runs in chunks on
the configured executor (:mod:`pipeline.run.executor`); results are put back in
document order, so outputs do not depend on the executor.

Memory: workers leave each document's units in the cache and hand back a
small summary; ``units.jsonl`` is then written one document at a time (by the
workers, when there are any).  When a document's output lines are final once it
is processed (no phrase learning, no corpus stages), workers return them with the
summary and the client writes them in output order as they arrive (an ordered
merge into a spool file), so nothing is read back and only the tail is left when
the workers finish.  Corpus-level stages get a
:class:`~pipeline.run.corpora.UnitStream`: each pass over it reads one document's
units back from the cache at a time, so no stage holds every unit at once.

Safety:

* ``<output>/.lock`` (``fcntl.flock``) keeps two runs on one output folder from
  interleaving; the second waits up to the lock timeout, then stops with a
  one-line error.
* Outputs go to ``<output>/.staging/`` first.  When every file is written, a
  journal (``<output>/.commit.json``) names them, then they are renamed into
  place and the journal removed.  A run killed before the journal leaves the
  previous results untouched; one killed while renaming (a window of a few
  renames) is rolled forward by the next run before it does anything else.
  Every file is always whole, because each is written atomically.
* Each run -- finished, unchanged or failed -- is recorded in the run history
  database (:mod:`pipeline.run.history`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import platform
import shutil
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.config import Config, StageSpec
from pipeline.errors import InputError, PipelineError
from pipeline.records import Document, Table, Unit
from pipeline.run.cache import DocumentCache, chain_keys, document_key, file_sha256, stage_key
from pipeline.run.corpora import Memo, UnitStream
from pipeline.run.executor import Session, session
from pipeline.run.incremental import Changes, compare
from pipeline.stages.ingest import find_corpus_files

DOCUMENT_SLOTS = ("ingest", "structure", "repair", "normalise", "tokenise")
CORPUS_SLOTS = ("themes", "stakeholders", "report")
VERSION_PACKAGES = ("arabic-policy-pipeline", "camel-tools", "spacy", "gensim", "scikit-learn", "numpy", "wordfreq")

CACHE_DIR = ".cache"
STAGING_DIR = ".staging"
JOURNAL = ".commit.json"
LOCK = ".lock"
SPOOL_PREFIX = ".units-spool-"  # units.jsonl being written while documents are processed (see _SpoolWriter)
CRASH_ENV = "PIPELINE_CRASH_AT"  # test hook: SIGKILL this process at a named point (see _crash_point)
LOCK_TIMEOUT_ENV = "PIPELINE_LOCK_TIMEOUT"  # seconds a run waits for another run's lock (default 0)


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


def _split(doc: Document | None, result: DocumentResult) -> tuple[DocumentResult, tuple]:
    """(head, body) of a cache entry: the small summary, and the bulky text, units and tables."""
    head = replace(result, units=[], tables=[], n_units=len(result.units))
    return head, (doc, result.units, result.tables)


def _join(head: DocumentResult, body: tuple) -> tuple[Document | None, DocumentResult]:
    doc, units, tables = body
    return doc, replace(head, units=units, tables=tables)


def _lighten(result: DocumentResult) -> DocumentResult:
    """The result without its units and tables when they are in the cache (they are read back when written)."""
    return replace(result, units=[], tables=[]) if result.stored else result


@dataclass
class Corpus:
    """Everything corpus-level stages see; ``results`` collects what they produce.

    ``units``: a :class:`~pipeline.run.corpora.UnitStream` in a run (re-iterable, one document in
    memory at a time; annotations stages set on its units are kept) or a plain list.  Stages
    iterate it and take its ``len()``; they never index it.
    """

    units: UnitStream | list[Unit]
    tables: list[Table]
    documents: list[DocumentResult]
    featurize: Callable[[str], list[str]]  # natural Arabic -> model features, through the same stages as the text
    normalize: Callable[[str], str]  # natural Arabic -> repaired + normalised (folded) text, as in ``Unit.norm``
    seed: int
    output: Path  # the staging folder: write result files here
    config: Config
    results: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- per-document stages


class DocumentProcessor:
    """The per-document stages of one config, built once and applied to many files.

    With a ``cache``, each file resumes from the deepest cached stage state
    whose key matches and stores the state after every stage it computes.
    """

    def __init__(
        self,
        stages: dict[str, StageSpec],
        cache: DocumentCache | None = None,
        keys: dict[str, str] | None = None,
    ):
        self.specs = {slot: stages[slot] for slot in DOCUMENT_SLOTS if slot in stages}
        self.built = {slot: spec.build() for slot, spec in self.specs.items()}
        self.cache = cache
        self.keys = keys or {}
        self.slots = list(self.specs)
        steps = {
            "ingest": self._ingest,
            "structure": self._structure,
            "repair": self._repair,
            "normalise": self._normalise,
            "tokenise": self._tokenise,
        }
        self.steps = [(slot, steps[slot]) for slot in self.slots]
        # The raw document text is needed until repair has been fitted on it; later
        # snapshots drop it (it is the bulk of an entry).
        self.keep_text_until = "repair" if "repair" in self.specs else "structure"

    def __call__(self, path: Path, sha256: str | None = None) -> DocumentResult:
        """The per-document result for ``path`` (with units); ``sha256`` of its bytes enables the cache."""
        path = Path(path)
        doc: Document | None = None
        result = DocumentResult(source=str(path))
        start = 0
        if self.cache is not None and sha256 is not None:
            for index in range(len(self.slots) - 1, -1, -1):
                slot = self.slots[index]
                key = document_key(path, sha256, self.keys[slot])
                entry = self.cache.load(slot, key)
                if entry is not None:
                    doc, result = _join(*entry)
                    result.cached, result.seconds, result.computed = slot, {}, []
                    result.stored = key if index == len(self.slots) - 1 else None
                    start = index + 1
                    break
        for slot, step in self.steps[start if result.error is None else len(self.steps) :]:
            t = time.perf_counter()
            try:
                doc = step(path, doc, result)
            except InputError as exc:
                result.error = str(exc)
            except Exception as exc:  # a bug or odd input in one document must not stop the corpus
                message = (str(exc).splitlines() or [""])[0]
                result.error = f"{path}: {slot} failed: {type(exc).__name__}: {message}"
                result.units, result.tables = [], []
                return result  # not cached: it may be transient (memory) or fixed by the next release
            result.seconds[slot] = result.seconds.get(slot, 0.0) + time.perf_counter() - t
            result.computed.append(slot)
            if result.error is not None:
                result.units, result.tables = [], []
                doc = None
            if slot == self.keep_text_until:
                doc = None
            # Stored under the hash the caller planned with; if the file changed since, ingest saw
            # other bytes and nothing is stored (the next run sees the new hash and recomputes).
            if self.cache is not None and sha256 is not None and result.sha256 in (None, sha256):
                key = document_key(path, sha256, self.keys[slot])
                self.cache.store(slot, key, *_split(doc, result))
                if slot == self.slots[-1]:
                    result.stored = key
            if result.error is not None:
                break
        if "normalise" not in self.specs:
            for unit in result.units:
                unit.norm = unit.text
        result.n_units = len(result.units)
        return result

    def _ingest(self, path: Path, doc: Document | None, result: DocumentResult) -> Document:
        doc = self.built["ingest"].read(path)
        result.doc_id, result.sha256, result.encoding, result.meta = doc.doc_id, doc.sha256, doc.encoding, doc.meta
        result.counts["ingest"] = {"documents": 1, "characters": len(doc.text)}
        return doc

    def _structure(self, path: Path, doc: Document | None, result: DocumentResult) -> Document | None:
        structure = self.built["structure"].split(doc)
        result.units, result.tables = structure.units, structure.tables
        result.counts["structure"] = dict(sorted(Counter(u.kind for u in structure.units).items()))
        for unit in result.units:
            unit.text = unit.text or unit.raw
        return doc

    def _repair(self, path: Path, doc: Document | None, result: DocumentResult) -> Document | None:
        repair = self.built["repair"]
        if hasattr(repair, "counts"):
            repair.counts = Counter()
        if hasattr(repair, "fit"):
            repair.fit(doc.text)
        for unit in result.units:
            unit.text = " ".join(repair.repair(unit.raw).split())
        for table in result.tables:
            table.title = " ".join(repair.repair(table.title).split())
        result.counts["repair"] = dict(sorted(getattr(repair, "counts", {}).items()))
        return doc

    def _normalise(self, path: Path, doc: Document | None, result: DocumentResult) -> Document | None:
        normaliser = self.built["normalise"]
        for unit in result.units:
            unit.norm = normaliser.normalise(unit.text)
            unit.text = normaliser.display(unit.text)
        result.counts["normalise"] = {"units": len(result.units)}
        return doc

    def _tokenise(self, path: Path, doc: Document | None, result: DocumentResult) -> Document | None:
        tokeniser = self.built["tokenise"]
        n_tokens = 0
        for unit in result.units:
            unit.tokens = tokeniser.features(unit.norm if "normalise" in self.specs else unit.text)
            n_tokens += len(unit.tokens)
        result.counts["tokenise"] = {"features": n_tokens}
        return doc

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


# Worker processes keep their built stages between chunks (building loads lexicons).
_WORKER_PROCESSORS: dict[tuple, DocumentProcessor] = {}


def _worker_processor(stages: dict[str, StageSpec], cache_root: str | None, keys: dict[str, str]) -> DocumentProcessor:
    ident = (cache_root, tuple(sorted(keys.items())), tuple(stages))
    processor = _WORKER_PROCESSORS.get(ident)
    if processor is None:
        _WORKER_PROCESSORS.clear()
        cache = DocumentCache(Path(cache_root)) if cache_root else None
        processor = _WORKER_PROCESSORS[ident] = DocumentProcessor(stages, cache, keys)
    return processor


def process_chunk(
    stages: dict[str, StageSpec], cache_root: str | None, keys: dict[str, str], items: list[tuple[str, str | None]]
) -> list[DocumentResult]:
    """Executor task: run the per-document stages on ``items`` ((path, sha256) pairs)."""
    processor = _worker_processor(stages, cache_root, keys)
    # Units stay in the cache the worker wrote them to: the client reads them back in document order
    # when it writes the results, so they cross no process boundary and never all sit in memory.
    return [_lighten(processor(Path(path), sha)) for path, sha in items]


def process_render_chunk(
    stages: dict[str, StageSpec], cache_root: str | None, keys: dict[str, str], items: list[tuple[str, str | None]]
) -> list[tuple[DocumentResult, tuple[str, str, int] | None]]:
    """Executor task: as :func:`process_chunk`, each result with its encoded output lines (see :func:`_render`).

    For runs whose output lines are final once a document is processed (no phrase learning, no
    corpus stages): the client writes them as they arrive, so nothing is read back from the cache.
    """
    processor = _worker_processor(stages, cache_root, keys)
    tokeniser = _phrase_tokeniser(processor)
    out = []
    for path, sha in items:
        result = processor(Path(path), sha)
        rendered = _render(result.units, result.tables, tokeniser) if result.error is None else None
        out.append((_lighten(result), rendered))
    return out


def _phrase_tokeniser(processor: DocumentProcessor) -> Any:
    """The tokenise stage when it joins phrases (its ``transform`` is applied when units are written)."""
    tokeniser = processor.built.get("tokenise")
    return tokeniser if tokeniser is not None and hasattr(tokeniser, "fit_phrases") else None


def _spoolable(config: Config, processor: DocumentProcessor) -> bool:
    """True when a document's output lines are final as soon as it is processed (see :class:`_SpoolWriter`)."""
    if any(slot in config.stages for slot in CORPUS_SLOTS):
        return False  # units.jsonl is written after the corpus stages, from units they may change
    tokeniser = _phrase_tokeniser(processor)
    return tokeniser is None or getattr(tokeniser, "phrases", True) is False


def _predicted_order(path: Path) -> tuple[str, str]:
    """Where a file's units are expected in units.jsonl: ``finish`` sorts by (doc_id, source), doc_id is the stem."""
    return path.stem, str(path)


@dataclass
class _Spool:
    """units.jsonl written while documents were processed; ``finish`` uses it if ``sources`` is its document order."""

    path: Path
    sources: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # tables.jsonl lines, per document
    phrase_tokens: int = 0


class _SpoolWriter:
    """Writes documents' output lines in the predicted final order as their results arrive (an ordered merge).

    Results that arrive early wait (encoded) until every earlier document is in; with chunks
    handed out in that order, that is about one chunk per worker.  Documents taken from the
    cache are encoded here when their turn comes.
    """

    def __init__(self, path: Path, order: list[int], results: list, processor: DocumentProcessor):
        self.spool = _Spool(path)
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
        self.order, self.results, self.processor = order, results, processor
        self.tokeniser = _phrase_tokeniser(processor)
        self.waiting: dict[int, tuple[str, str, int]] = {}
        self.position = 0

    def add(self, index: int, rendered: tuple[str, str, int] | None) -> None:
        if rendered is not None:
            self.waiting[index] = rendered
        self._drain()

    def _drain(self) -> None:
        while self.position < len(self.order):
            index = self.order[self.position]
            result = self.results[index]
            if result is None:
                return
            if result.error is None:
                rendered = self.waiting.pop(index, None)
                if rendered is None:
                    rendered = _render(*_body(result, self.processor), self.tokeniser)
                unit_lines, table_lines, phrase_tokens = rendered
                self.handle.write(unit_lines)
                self.spool.tables.append(table_lines)
                self.spool.phrase_tokens += phrase_tokens
                self.spool.sources.append(result.source)
            self.position += 1

    def close(self) -> _Spool:
        try:
            self._drain()
            self.handle.flush()
            os.fsync(self.handle.fileno())
        finally:
            self.handle.close()
        return self.spool


# --------------------------------------------------------------------------- helpers


def _move_into_place(source: Path, target: Path) -> None:
    """Rename a finished file (or folder) over its old version."""
    if source.is_dir() and target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _progress(total: int, desc: str, quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr)


def log(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(message, file=sys.stderr)


def _crash_point(name: str) -> None:
    """Test hook: ``PIPELINE_CRASH_AT=name`` kills this process here with SIGKILL (no cleanup runs)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _now(at: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


@contextlib.contextmanager
def output_lock(output: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold ``<output>/.lock`` exclusively; wait up to ``timeout`` seconds, then PipelineError.

    ``flock`` locks are released by the kernel when the holder dies, so a
    killed run never leaves a stale lock behind.
    """
    if timeout is None:
        try:
            timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, "0"))
        except ValueError:
            raise PipelineError(f"{LOCK_TIMEOUT_ENV}: expected a number of seconds") from None
    output.mkdir(parents=True, exist_ok=True)
    path = output / LOCK
    handle = open(path, "a")  # noqa: SIM115 - held open for the whole run
    try:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PipelineError(
                        f"{output}: another run is using this output folder (lock {path} held"
                        f"{_holder(output)}); waited {timeout:g}s -- try later or set {LOCK_TIMEOUT_ENV}=SECONDS"
                    ) from None
                time.sleep(0.2)
        holder = output / CACHE_DIR / "lock-holder"
        with contextlib.suppress(OSError):
            atomic.write_text(holder, f"pid {os.getpid()} since {_now()}")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                holder.unlink()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def _holder(output: Path) -> str:
    try:
        return " by " + (output / CACHE_DIR / "lock-holder").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def recover(output: Path) -> bool:
    """Finish a commit that a killed run left half done; drop its staging files.  Call under the lock.

    Returns True when a commit was rolled forward.
    """
    from pipeline.run import history

    journal_path = output / JOURNAL
    staging = output / STAGING_DIR
    rolled = False
    if journal_path.is_file():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except ValueError:
            journal = None  # the journal is written atomically, so this is not ours; ignore it
        if journal is not None:
            for name in journal["names"]:
                source = staging / name
                if source.exists():
                    _move_into_place(source, output / name)
            history.record(output, journal["record"])
            rolled = True
        journal_path.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    for leftover in output.glob(".*.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output.glob(f"{SPOOL_PREFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    return rolled


def _commit(output: Path, staging: Path, record: dict[str, Any]) -> None:
    """Rename every staged file into ``output``, journalled so a crash mid-way is rolled forward."""
    from pipeline.run import history

    names = sorted(p.name for p in staging.iterdir())
    _crash_point("before-commit")
    atomic.write_json(output / JOURNAL, {"names": names, "record": record})
    for index, name in enumerate(names):
        _move_into_place(staging / name, output / name)
        _crash_point(f"commit:{index + 1}")
    history.record(output, record)
    _crash_point("before-journal-removed")
    (output / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- summary


@dataclass
class RunSummary:
    output: Path
    documents: int
    failed: list[str]
    units: int
    counts: dict[str, dict[str, int]]
    report: Path | None
    run_id: str = ""
    changes: Changes | None = None
    unchanged: bool = False  # nothing changed since the last run: results kept as they were
    seconds: float = 0.0

    def lines(self) -> list[str]:
        kinds = self.counts.get("structure", {})
        repairs = sum(self.counts.get("repair", {}).values())
        out = [
            f"documents: {self.documents} analysed, {len(self.failed)} failed",
            f"units: {self.units} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})",
            f"repairs: {repairs}",
        ]
        themes = self.counts.get("themes", {})
        if themes:
            out.append("themes: " + ", ".join(f"{k} {v}" for k, v in themes.items()))
        for failure in self.failed:
            out.append(f"failed: {failure}")
        out.append(f"results: {self.output}")
        if self.report is not None:
            out.append(f"report: {self.report}")
        return out


# --------------------------------------------------------------------------- the run


@dataclass
class _Plan:
    files: list[Path]
    hashes: dict[str, str | None]  # source -> sha256 of the bytes (None: unreadable)
    versions: dict[str, str]
    doc_keys: dict[str, str]  # per-document slot -> chain key
    stage_keys: dict[str, str]  # every configured slot -> chain key (corpus stages too)


def _plan(config: Config) -> _Plan:
    files = find_corpus_files(config.corpus)
    hashes: dict[str, str | None] = {}
    for path in files:
        try:
            hashes[str(path)] = file_sha256(path)
        except OSError:
            hashes[str(path)] = None  # ingest reports why
    versions = package_versions()
    stage_keys = chain_keys(config.stages, versions)
    doc_keys = {slot: stage_keys[slot] for slot in DOCUMENT_SLOTS if slot in config.stages}
    return _Plan(files, hashes, versions, doc_keys, stage_keys)


def process_documents(
    config: Config, files: list[Path], quiet: bool, plan: _Plan | None = None
) -> tuple[list[DocumentResult], DocumentProcessor]:
    """Per-document results for ``files`` (in ``files`` order, with their units): cached ones loaded, the rest computed."""
    with session(config.executor) as current:
        results, processor, _ = _process_light(config, files, quiet, plan or _plan(config), current)
    full = []
    for result in results:
        units, tables = _body(result, processor)
        full.append(replace(result, units=units, tables=tables))
    return full, processor


def _process_light(
    config: Config, files: list[Path], quiet: bool, plan: _Plan, current: Session, spool: Path | None = None
) -> tuple[list[DocumentResult], DocumentProcessor, _Spool | None]:
    """Per-document results without their units (those are in the cache; :func:`_body` reads them back).

    With ``spool`` (a file name), when worker processes compute documents and the output lines
    of a document are final once it is processed, units.jsonl is written there meanwhile, in the
    expected order (see :class:`_SpoolWriter`): then only the tail of it is left after the workers
    finish, not the whole file.
    """
    cache = DocumentCache(config.output / CACHE_DIR)
    processor = DocumentProcessor(config.stages, cache, plan.doc_keys)
    last = processor.slots[-1]
    results: list[DocumentResult | None] = [None] * len(files)
    todo: list[tuple[int, tuple[str, str | None]]] = []
    done = 0
    with _progress(len(files), "documents", quiet) as bar:
        for index, path in enumerate(files):
            sha = plan.hashes.get(str(path))
            key = document_key(path, sha, plan.doc_keys[last]) if sha else None
            entry = cache.load(last, key, body=False) if key else None
            if entry is None:
                todo.append((index, (str(path), sha)))
                continue
            result = entry[0]
            result.cached, result.seconds, result.computed, result.stored = last, {}, [], key
            results[index] = result
            if bar is not None:
                bar.update()
        writer: _SpoolWriter | None = None
        args = (config.stages, str(cache.root), plan.doc_keys)
        if spool is not None and todo and config.executor.kind != "local" and _spoolable(config, processor):
            todo.sort(key=lambda item: _predicted_order(files[item[0]]))  # hand out chunks in output order
            order = sorted(range(len(files)), key=lambda i: _predicted_order(files[i]))
            writer = _SpoolWriter(spool, order, results, processor)
        items = [item for _, item in todo]
        if config.executor.kind == "local":
            stream = ((i, _lighten(processor(Path(p), sha))) for i, (p, sha) in enumerate(items))
        elif writer is not None:
            stream = current.map(process_render_chunk, args, items)
        else:
            stream = current.map(process_chunk, args, items)
        for position, out in stream:
            index = todo[position][0]
            if writer is not None:
                results[index], rendered = out
                writer.add(index, rendered)
            else:
                results[index] = out
            done += 1
            _crash_point(f"documents:{done}")
            if bar is not None:
                bar.update()
    written = writer.close() if writer is not None else None
    return [r for r in results if r is not None], processor, written


def _body(result: DocumentResult, processor: DocumentProcessor) -> tuple[list[Unit], list[Table]]:
    """The units and tables of a result: in memory, or read back from the cache (recomputed if it is gone)."""
    if result.units or result.tables or not result.stored or processor.cache is None:
        return result.units, result.tables
    entry = processor.cache.load(processor.slots[-1], result.stored)
    if entry is None:  # removed behind our back: compute it again rather than lose the document
        full = processor(Path(result.source), result.sha256)
        return full.units, full.tables
    _, units, tables = entry[1]
    if "normalise" not in processor.specs:
        for unit in units:
            unit.norm = unit.text
    return units, tables


_WORKER_STAGES: dict[str, Any] = {}


def tag_chunk(
    stages: dict[str, StageSpec], cache_root: str, keys: dict[str, str], slot: str, items: list[tuple[str, str]]
) -> list[bool]:
    """Executor task: a corpus stage's per-document part (its ``tag_document``) for cached documents
    ((document key, memo key) pairs), stored in the cache where the stage will look for it."""
    processor = _worker_processor(stages, cache_root, keys)
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


def _tag_on_workers(
    config: Config, plan: _Plan, good: list[DocumentResult], memo: Memo, current: Session, quiet: bool
) -> None:
    """Run the per-document part of corpus stages that have one (actor tagging) on the workers, for
    the documents whose result is not cached yet; the stage then finds every one in the cache."""
    for slot in CORPUS_SLOTS:
        spec = config.stages.get(slot)
        if spec is None or not hasattr(spec.cls, "tag_document"):
            continue
        items = [
            (r.stored, key)
            for d, r in enumerate(good)
            if (key := memo.key(d, slot)) is not None and not memo.cache.has(slot, key)
        ]
        if not items:
            continue
        log(f"stage {slot}: per-document part of {len(items)} documents on the workers", quiet)
        for _ in current.map(tag_chunk, (config.stages, str(memo.cache.root), plan.doc_keys, slot), items):
            pass


def _unit_loader(result: DocumentResult, processor: DocumentProcessor) -> Callable[[], list[Unit]]:
    """Reads a document's units back each time it is called: fresh from the cache, or copies of those
    held in memory (a stream pass must not change them)."""

    def load() -> list[Unit]:
        units = _body(result, processor)[0]
        return [replace(unit) for unit in units] if units is result.units else units

    return load


def _render(units: list[Unit], tables: list[Table], tokeniser: Any, joined: bool | None = None) -> tuple[str, str, int]:
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


def render_chunk(cache_root: str, slot: str, tokeniser: Any, keys: list[str | None]) -> list[tuple | None]:
    """Executor task: encode the cached units of ``keys`` (None where this process must do it)."""
    cache = DocumentCache(Path(cache_root))
    out: list[tuple | None] = []
    for key in keys:
        entry = cache.load(slot, key) if key else None
        out.append(None if entry is None else _render(entry[1][1], entry[1][2], tokeniser))
    return out


def _picklable(obj: Any) -> bool:
    try:
        pickle.dumps(obj)
    except Exception:  # e.g. a stage holding a closure or a native handle: encode here instead
        return False
    return True


def run(
    config: Config,
    quiet: bool = False,
    *,
    kind: str = "run",
    skip_if_unchanged: bool = False,
    lock_timeout: float | None = None,
) -> RunSummary:
    """Run every stage of ``config`` and write its outputs; returns a summary.

    ``skip_if_unchanged`` (scheduled re-analysis): when the corpus files, the
    config and the versions are exactly those of the last finished run, keep
    its results (they would come out byte-identical) and only record the run.
    """
    started = time.time()
    run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}-{uuid.uuid4().hex[:8]}"
    if lock_timeout is None and LOCK_TIMEOUT_ENV not in os.environ:
        lock_timeout = getattr(config, "lock_timeout", None)  # a config option, once config.py has one
    with output_lock(config.output, lock_timeout):
        if recover(config.output):
            log(f"completed the results of a run that was interrupted while saving: {config.output}", quiet)
        plan = _plan(config)
        previous = _previous_run(config.output)
        changes = compare(previous.get("inputs", {}) if previous else {}, plan.hashes)
        spool = config.output / f"{SPOOL_PREFIX}{os.getpid()}.tmp"
        try:
            if skip_if_unchanged and previous and _unchanged(previous, config, plan):
                return _record_unchanged(config, previous, changes, run_id, kind, started)
            with session(config.executor) as current:
                results, processor, spooled = _process_light(config, plan.files, quiet, plan, current, spool)
                return finish(
                    config,
                    results,
                    processor,
                    started,
                    quiet,
                    plan=plan,
                    changes=changes,
                    run_id=run_id,
                    kind=kind,
                    current=current,
                    spool=spooled,
                )
        except PipelineError as exc:
            _record_failure(config, plan, changes, run_id, kind, started, str(exc))
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                spool.unlink()


def _previous_run(output: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((output / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if "inputs" not in info:  # a run.json from before incremental runs: rebuild what it can
        info["inputs"] = {d["source"]: d.get("sha256") for d in info.get("documents", [])}
    return info


def _unchanged(previous: dict[str, Any], config: Config, plan: _Plan) -> bool:
    return (
        previous.get("config_hash") == config.content_hash
        and previous.get("versions") == plan.versions
        and previous.get("stage_keys") == plan.stage_keys
        and previous.get("inputs") == plan.hashes
        and (config.output / "units.jsonl").is_file()
    )


def _base_record(config: Config, run_id: str, kind: str, started: float, changes: Changes) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "kind": kind,
        "started": _now(started),
        "config": str(config.path),
        "config_hash": config.content_hash,
        "changes": changes.to_json(),
    }


def _record_unchanged(
    config: Config, previous: dict[str, Any], changes: Changes, run_id: str, kind: str, started: float
) -> RunSummary:
    from pipeline.run import history

    documents = previous.get("documents", [])
    failures = previous.get("failed_documents", [])
    record = _base_record(config, run_id, kind, started, changes) | {
        "status": "unchanged",
        "versions": previous.get("versions", {}),
        "documents": documents,
        "failed": failures,
        "units": sum(d.get("units", 0) for d in documents),
        "counts": {slot: s.get("counts", {}) for slot, s in previous.get("stages", {}).items()},
        "seconds": {},
        "seconds_total": round(time.time() - started, 3),
        "finished": _now(),
    }
    history.record(config.output, record)
    report = config.output / "report.html"
    return RunSummary(
        output=config.output,
        documents=len(documents),
        failed=[f["error"] for f in failures],
        units=record["units"],
        counts=record["counts"],
        report=report if report.exists() else None,
        run_id=run_id,
        changes=changes,
        unchanged=True,
        seconds=record["seconds_total"],
    )


def _record_failure(
    config: Config, plan: _Plan, changes: Changes, run_id: str, kind: str, started: float, error: str
) -> None:
    from pipeline.run import history

    record = _base_record(config, run_id, kind, started, changes) | {
        "status": "failed",
        "error": error,
        "versions": plan.versions,
        "seconds_total": round(time.time() - started, 3),
        "finished": _now(),
    }
    with contextlib.suppress(Exception):  # the history must never hide the error that stopped the run
        history.record(config.output, record)


def finish(
    config: Config,
    results: list[DocumentResult],
    processor: DocumentProcessor,
    started: float,
    quiet: bool,
    *,
    plan: _Plan | None = None,
    changes: Changes | None = None,
    run_id: str | None = None,
    kind: str = "run",
    current: Session | None = None,
    spool: _Spool | None = None,
) -> RunSummary:
    """Corpus-level stages and outputs, from per-document results.  Call under :func:`output_lock`.

    ``spool``: units.jsonl already written by :func:`_process_light`, used if its order is right.
    """
    plan = plan or _plan(config)
    changes = changes or compare({}, plan.hashes)
    run_id = run_id or f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}-{uuid.uuid4().hex[:8]}"
    good = [r for r in results if r.error is None]
    bad = [r for r in results if r.error is not None]
    failed = [r.error for r in bad]
    for failure in failed:
        log(f"skipped: {failure}", quiet)
    if not good:
        first = f"; first: {failed[0]}" if failed else ""
        raise PipelineError(f"{config.corpus}: no document could be read ({len(failed)} failed{first})")
    good.sort(key=lambda r: (r.doc_id or "", r.source))
    seen: dict[str, str] = {}
    for r in good:
        if r.doc_id in seen:
            raise PipelineError(f"{r.source}: document id {r.doc_id!r} also used by {seen[r.doc_id]}; rename one file")
        seen[r.doc_id] = r.source
    counts: dict[str, Counter] = {}
    seconds: dict[str, float] = {}
    for r in good:
        for slot, c in r.counts.items():
            counts.setdefault(slot, Counter()).update(c)
        for slot, s in r.seconds.items():
            seconds[slot] = seconds.get(slot, 0.0) + s
    changes.count_work(results)

    tokeniser = processor.built.get("tokenise")
    phrases = tokeniser is not None and hasattr(tokeniser, "fit_phrases")
    n_units = sum(r.n_units or len(r.units) for r in good)

    def bodies() -> Iterator[tuple[DocumentResult, list[Unit], list[Table]]]:
        for r in good:
            yield (r, *_body(r, processor))

    # Nothing holds the whole corpus in memory: units are read back from the cache one document
    # at a time -- for phrase learning, for every pass the corpus-level stages make over
    # ``corpus.units`` (a UnitStream), and again while units.jsonl is written.
    streaming = any(slot in config.stages for slot in CORPUS_SLOTS)
    memo = None
    if streaming and processor.cache is not None:  # per-document work inside corpus stages is cached too
        corpus_keys = {slot: stage_key(config.stages[slot]) for slot in CORPUS_SLOTS if slot in config.stages}
        memo = Memo(processor.cache, [r.stored for r in good], corpus_keys)
    stream = UnitStream([_unit_loader(r, processor) for r in good], n_units, memo=memo)
    doc_tables: dict[int, list[Table]] = {}
    if streaming and current is not None:
        if memo is not None and config.executor.kind != "local":
            _tag_on_workers(config, plan, good, memo, current, quiet)
        current.close()  # corpus stages run here, in this process: free the workers' memory
    phrase_tokens = 0
    if phrases:
        t = time.perf_counter()

        def source() -> Iterator[list[str]]:  # a generator: gensim's Phrases reads the corpus once
            for d, (_, doc_units, tables) in enumerate(bodies()):
                if streaming:  # the corpus stages need the tables; without them they are rendered later
                    doc_tables[d] = tables
                for unit in doc_units:
                    yield unit.tokens

        tokeniser.fit_phrases(source())
        stream.transform = tokeniser.transform
        seconds["tokenise"] = seconds.get("tokenise", 0.0) + time.perf_counter() - t
    if streaming and len(doc_tables) < len(good):
        doc_tables = {d: _body(r, processor)[1] for d, r in enumerate(good)}
    tables = [t for d in sorted(doc_tables) for t in doc_tables[d]]

    def streamed() -> Iterator[tuple[str, str, int]]:
        """(units.jsonl lines, tables.jsonl lines, phrase tokens) per document, with what the corpus stages added."""
        for d in range(len(good)):
            yield _render(stream.document(d), doc_tables[d], None, joined=phrases)

    def rendered() -> Iterator[tuple[str, str, int]]:
        """(units.jsonl lines, tables.jsonl lines, phrase tokens) per document, in document order.

        When worker processes are up, they read the units back from the cache and encode them;
        otherwise (or for units held in memory) this process does.  Either way the bytes are those
        of ``atomic.write_jsonl``.
        """
        shipped = tokeniser if phrases else None
        remote = current is not None and current.started and processor.cache is not None and _picklable(shipped)
        if remote:
            keys = [r.stored if r.stored and not r.units and not r.tables else None for r in good]
            stream = current.map(render_chunk, (str(processor.cache.root), processor.slots[-1], shipped), keys)
        else:
            stream = ((i, None) for i in range(len(good)))
        waiting: dict[int, Any] = {}
        position = 0
        for index, out in stream:
            waiting[index] = out
            while position in waiting:
                out = waiting.pop(position)
                yield out if out is not None else _render(*_body(good[position], processor), shipped)
                position += 1

    staging = config.output / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        corpus = Corpus(stream, tables, good, processor.featurize, processor.normalize, config.seed, staging, config)
        failed_documents = [{"source": r.source, "sha256": r.sha256, "error": r.error} for r in bad]

        def run_info() -> dict[str, Any]:
            return {
                "name": config.name,
                "run_id": run_id,
                "config": str(config.path),
                "config_hash": config.content_hash,
                "versions": plan.versions,
                "started": _now(started),
                "seconds_total": round(time.time() - started, 3),
                "documents": [
                    {
                        "doc_id": r.doc_id,
                        "source": r.source,
                        "sha256": r.sha256,
                        "encoding": r.encoding,
                        "units": r.n_units or len(r.units),
                    }
                    for r in good
                ],
                "failed": failed,
                "failed_documents": failed_documents,
                "inputs": plan.hashes,
                "stage_keys": plan.stage_keys,
                "executor": {"kind": config.executor.kind, "workers": config.executor.workers},
                "stages": {
                    slot: {
                        "impl": spec.impl,
                        "fingerprint": spec.fingerprint(),
                        "seconds": round(seconds.get(slot, 0.0), 4),
                        "counts": dict(sorted(counts.get(slot, Counter()).items())),
                    }
                    for slot, spec in config.stages.items()
                },
            }

        def count_phrases() -> None:
            if phrases:
                counts.setdefault("tokenise", Counter())["phrase_tokens"] = phrase_tokens

        def write_units(lines: Iterator[tuple[str, str, int]]) -> None:
            """units.jsonl and tables.jsonl from per-document lines; the phrase-token count goes to the counts."""
            nonlocal phrase_tokens
            table_lines = []
            with atomic.atomic_open(staging / "units.jsonl") as handle:
                for unit_lines, doc_table_lines, doc_phrase_tokens in lines:
                    handle.write(unit_lines)
                    table_lines.append(doc_table_lines)
                    phrase_tokens += doc_phrase_tokens
            atomic.write_text(staging / "tables.jsonl", "".join(table_lines))
            count_phrases()

        if streaming:
            written = False
            for slot in CORPUS_SLOTS:
                spec = config.stages.get(slot)
                if spec is None:
                    continue
                if slot == "report":  # the report reads the finished result files of this run
                    write_units(streamed())
                    written = True
                    atomic.write_json(staging / "run.json", run_info())
                t = time.perf_counter()
                log(f"stage {slot} ({spec.impl})", quiet)
                stage_counts = spec.build().apply(corpus) or {}
                counts[slot] = Counter(stage_counts)
                seconds[slot] = time.perf_counter() - t
            if not written:
                write_units(streamed())
        elif spool is not None and spool.sources == [r.source for r in good]:
            os.replace(spool.path, staging / "units.jsonl")  # written, in order, while the workers ran
            atomic.write_text(staging / "tables.jsonl", "".join(spool.tables))
            phrase_tokens = spool.phrase_tokens
            count_phrases()
        else:
            write_units(rendered())
        info = run_info()
        atomic.write_json(staging / "run.json", info)
        _crash_point("staged")
        record = _base_record(config, run_id, kind, started, changes) | {
            "status": "ok",
            "versions": plan.versions,
            "documents": info["documents"],
            "failed": failed_documents,
            "units": n_units,
            "counts": {slot: s["counts"] for slot, s in info["stages"].items()},
            "seconds": {slot: s["seconds"] for slot, s in info["stages"].items()},
            "seconds_total": round(time.time() - started, 3),
            "finished": _now(),
        }
        _commit(config.output, staging, record)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if processor.cache is not None:
        processor.cache.prune(
            [
                *(
                    (slot, document_key(Path(r.source), r.sha256, processor.keys[slot]))
                    for r in results
                    if r.sha256
                    for slot in processor.slots
                ),
                *(memo.used if memo is not None else ()),
            ]
        )
    report = config.output / "report.html"
    return RunSummary(
        output=config.output,
        documents=len(good),
        failed=failed,
        units=n_units,
        counts={k: dict(v) for k, v in counts.items()},
        report=report if report.exists() else None,
        run_id=run_id,
        changes=changes,
        seconds=round(time.time() - started, 3),
    )
