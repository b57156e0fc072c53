"""Run a config: per-document stages, then corpus-level stages, then outputs.

Per-document stages (ingest -> structure -> repair -> normalise -> tokenise)
run on one file at a time, so a corpus is streamed and a bad file only loses
itself.  Corpus-level stages (phrases, themes, stakeholders, report) see all
units at once through a :class:`Corpus`.  The runner is the only module that
knows the stage order; stages never import each other -- the config wires them.

Outputs go to a staging folder first and are renamed into place at the end, so
a crash leaves the previous results whole.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.config import Config, StageSpec
from pipeline.errors import InputError, PipelineError
from pipeline.ingest import find_corpus_files
from pipeline.records import Table, Unit

DOCUMENT_SLOTS = ("ingest", "structure", "repair", "normalise", "tokenise")
CORPUS_SLOTS = ("themes", "stakeholders", "report")
VERSION_PACKAGES = ("arabic-policy-pipeline", "camel-tools", "spacy", "gensim", "scikit-learn", "numpy", "wordfreq")


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
    seconds: dict[str, float] = field(default_factory=dict)  # slot -> time
    error: str | None = None


@dataclass
class Corpus:
    """Everything corpus-level stages see; ``results`` collects what they produce."""

    units: list[Unit]
    tables: list[Table]
    documents: list[DocumentResult]
    featurize: Callable[[str], list[str]]  # natural Arabic -> model features, through the same stages as the text
    normalize: Callable[[str], str]  # natural Arabic -> repaired + normalised (folded) text, as in ``Unit.norm``
    seed: int
    output: Path  # the staging folder: write result files here
    config: Config
    results: dict[str, Any] = field(default_factory=dict)


class DocumentProcessor:
    """The per-document stages of one config, built once and applied to many files."""

    def __init__(self, stages: dict[str, StageSpec]):
        self.specs = {slot: stages[slot] for slot in DOCUMENT_SLOTS if slot in stages}
        self.built = {slot: spec.build() for slot, spec in self.specs.items()}

    def __call__(self, path: Path) -> DocumentResult:
        result = DocumentResult(source=str(path))
        try:
            self._process(path, result)
        except InputError as exc:
            result.error = str(exc)
            result.units, result.tables = [], []
        return result

    def _timed(self, result: DocumentResult, slot: str, started: float) -> None:
        result.seconds[slot] = result.seconds.get(slot, 0.0) + time.perf_counter() - started

    def _process(self, path: Path, result: DocumentResult) -> None:
        t = time.perf_counter()
        doc = self.built["ingest"].read(path)
        self._timed(result, "ingest", t)
        result.doc_id, result.sha256, result.encoding, result.meta = doc.doc_id, doc.sha256, doc.encoding, doc.meta
        result.counts["ingest"] = {"documents": 1, "characters": len(doc.text)}

        t = time.perf_counter()
        structure = self.built["structure"].split(doc)
        self._timed(result, "structure", t)
        result.units, result.tables = structure.units, structure.tables
        result.counts["structure"] = dict(sorted(Counter(u.kind for u in structure.units).items()))

        repair = self.built.get("repair")
        for unit in result.units:
            unit.text = unit.text or unit.raw
        if repair is not None:
            t = time.perf_counter()
            if hasattr(repair, "counts"):
                repair.counts = Counter()
            if hasattr(repair, "fit"):
                repair.fit(doc.text)
            for unit in result.units:
                unit.text = " ".join(repair.repair(unit.raw).split())
            for table in result.tables:
                table.title = " ".join(repair.repair(table.title).split())
            result.counts["repair"] = dict(sorted(getattr(repair, "counts", {}).items()))
            self._timed(result, "repair", t)

        normaliser = self.built.get("normalise")
        if normaliser is not None:
            t = time.perf_counter()
            for unit in result.units:
                unit.norm = normaliser.normalise(unit.text)
                unit.text = normaliser.display(unit.text)
            result.counts["normalise"] = {"units": len(result.units)}
            self._timed(result, "normalise", t)
        else:
            for unit in result.units:
                unit.norm = unit.text

        tokeniser = self.built.get("tokenise")
        if tokeniser is not None:
            t = time.perf_counter()
            n_tokens = 0
            for unit in result.units:
                unit.tokens = tokeniser.features(unit.norm)
                n_tokens += len(unit.tokens)
            result.counts["tokenise"] = {"features": n_tokens}
            self._timed(result, "tokenise", t)

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


def _write_results(folder: Path, units: list[Unit], tables: list[Table], info: dict[str, Any]) -> None:
    atomic.write_jsonl(folder / "units.jsonl", (u.to_json() for u in units))
    atomic.write_jsonl(folder / "tables.jsonl", (t.to_json() for t in tables))
    atomic.write_json(folder / "run.json", info)


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


def _progress(items: list, desc: str, quiet: bool) -> Iterator:
    if quiet or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, unit="doc", file=sys.stderr)


def log(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(message, file=sys.stderr)


@dataclass
class RunSummary:
    output: Path
    documents: int
    failed: list[str]
    units: int
    counts: dict[str, dict[str, int]]
    report: Path | None

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


def process_documents(config: Config, files: list[Path], quiet: bool) -> tuple[list[DocumentResult], DocumentProcessor]:
    processor = DocumentProcessor(config.stages)
    results = [processor(path) for path in _progress(files, "documents", quiet)]
    return results, processor


def run(config: Config, quiet: bool = False) -> RunSummary:
    """Run every stage of ``config`` and write its outputs; returns a summary."""
    started = time.time()
    files = find_corpus_files(config.corpus)
    results, processor = process_documents(config, files, quiet)
    return finish(config, results, processor, started, quiet)


def finish(
    config: Config, results: list[DocumentResult], processor: DocumentProcessor, started: float, quiet: bool
) -> RunSummary:
    """Corpus-level stages and outputs, from per-document results."""
    good = [r for r in results if r.error is None]
    failed = [r.error for r in results if r.error is not None]
    for failure in failed:
        log(f"skipped: {failure}", quiet)
    if not good:
        raise PipelineError(f"{config.corpus}: no document could be read ({len(failed)} failed)")
    good.sort(key=lambda r: (r.doc_id or "", r.source))
    seen: dict[str, str] = {}
    for r in good:
        if r.doc_id in seen:
            raise PipelineError(f"{r.source}: document id {r.doc_id!r} also used by {seen[r.doc_id]}; rename one file")
        seen[r.doc_id] = r.source
    units = [u for r in good for u in r.units]
    tables = [t for r in good for t in r.tables]

    counts: dict[str, Counter] = {}
    seconds: dict[str, float] = {}
    for r in good:
        for slot, c in r.counts.items():
            counts.setdefault(slot, Counter()).update(c)
        for slot, s in r.seconds.items():
            seconds[slot] = seconds.get(slot, 0.0) + s

    tokeniser = processor.built.get("tokenise")
    if tokeniser is not None and hasattr(tokeniser, "fit_phrases"):
        t = time.perf_counter()
        tokeniser.fit_phrases([u.tokens for u in units])
        for unit in units:
            unit.tokens = tokeniser.transform(unit.tokens)
        seconds["tokenise"] = seconds.get("tokenise", 0.0) + time.perf_counter() - t
        counts.setdefault("tokenise", Counter())["phrase_tokens"] = sum(
            1 for u in units for tok in u.tokens if "_" in tok
        )

    staging = config.output.parent / f".{config.output.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        corpus = Corpus(units, tables, good, processor.featurize, processor.normalize, config.seed, staging, config)

        def run_info() -> dict[str, Any]:
            return {
                "name": config.name,
                "config": str(config.path),
                "config_hash": config.content_hash,
                "versions": package_versions(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                "seconds_total": round(time.time() - started, 3),
                "documents": [
                    {
                        "doc_id": r.doc_id,
                        "source": r.source,
                        "sha256": r.sha256,
                        "encoding": r.encoding,
                        "units": len(r.units),
                    }
                    for r in good
                ],
                "failed": failed,
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

        for slot in CORPUS_SLOTS:
            spec = config.stages.get(slot)
            if spec is None:
                continue
            if slot == "report":  # the report reads the finished result files of this run
                _write_results(staging, units, tables, run_info())
            t = time.perf_counter()
            log(f"stage {slot} ({spec.impl})", quiet)
            stage_counts = spec.build().apply(corpus) or {}
            counts[slot] = Counter(stage_counts)
            seconds[slot] = time.perf_counter() - t
        _write_results(staging, units, tables, run_info())
        config.output.mkdir(parents=True, exist_ok=True)
        for path in sorted(staging.iterdir()):
            _move_into_place(path, config.output / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = config.output / "report.html"
    return RunSummary(
        output=config.output,
        documents=len(good),
        failed=failed,
        units=len(units),
        counts={k: dict(v) for k, v in counts.items()},
        report=report if report.exists() else None,
    )
