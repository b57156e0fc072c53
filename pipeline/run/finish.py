"""The corpus-level half of a run: the unit stream, the corpus-level fit, the corpus stages, the result
files and their commit.  :func:`finish` is the sequence of named steps; :class:`CorpusOutputs` does
them.  Nothing holds the whole corpus: units are read back from the cache one document at a time --
for the corpus fit, for every pass of a corpus stage, and while units.jsonl is written.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.logs import LOGGER
from pipeline.names import os_path, quoted
from pipeline.outputs import path as result_path
from pipeline.records import Corpus, Table
from pipeline.run.cache import file_key
from pipeline.run.commit import commit, crash_point, staging_folder, user_path
from pipeline.run.corpora import Memo, UnitStream
from pipeline.run.documents import (
    DocumentProcessor,
    DocumentResult,
    corpus_slots,
    memo_stages,
    picklable,
    render,
)
from pipeline.run.executor import Session
from pipeline.run.incremental import REFIT_DRIFT, Changes, Models, compare, models_key, plan_models
from pipeline.run.lean import give_back_memory, release_encoder
from pipeline.run.plan import Plan, make_plan
from pipeline.run.records import RunSummary, history_record, new_run_id, run_info
from pipeline.run.spool import Spool
from pipeline.run.tasks import render_chunk, tag_chunk


def finish(
    config: Config,
    results: list[DocumentResult],
    processor: DocumentProcessor,
    started: float,
    *,
    plan: Plan | None = None,
    changes: Changes | None = None,
    run_id: str | None = None,
    kind: str = "run",
    current: Session | None = None,
    spool: Spool | None = None,
    refit: bool = False,
    tagged: set[tuple[str, str]] | None = None,
    cpu: tuple[float, float, float] | None = None,
) -> RunSummary:
    """Corpus-level stages and outputs, from per-document results.  Call under :func:`output_lock`.

    ``spool``: units.jsonl written while documents were processed (used if in order); ``refit``: fit the
    corpus-level models even when the saved ones could be reused (:class:`Models`); ``tagged``:
    (``DocumentResult.stored``, slot) pairs whose corpus-stage part is cached; ``cpu``: this process's
    ``time.process_time`` at the run's start and the per-document pass's start and end (``client_cpu``)."""
    plan = plan or make_plan(config)
    changes = changes or compare({}, plan.hashes)
    run_id = run_id or new_run_id(started)
    good, bad = _partition(config, results)
    counts, seconds = _tally(good)
    if processor.cache is not None:  # what did not read back or could not be written (run.json, summary)
        counts["cache"] = processor.cache.problems
    changes.count_work(results)
    outputs = CorpusOutputs(config, processor, good)
    outputs.open_stream(plan, current, tagged or set())
    outputs.plan_models(plan, refit)
    outputs.fit_corpus(seconds)
    with staging_folder(config.output, run_id) as staging:

        def info() -> dict:  # run.json as far as known (the report reads it), changes and models included
            data = run_info(config, run_id, started, plan, good, bad, counts, seconds, outputs.warnings)
            data["changes"] = changes.to_json()
            if outputs.models is not None:
                data["models"] = outputs.models.to_json()
            if cpu is not None:
                data["client_cpu"] = client_cpu(*cpu)
            return data

        if outputs.corpus_slots:
            outputs.run_corpus_stages(staging, counts, seconds, info)
        elif spool is not None and spool.sources == [r.source for r in good]:
            outputs.take_spool(spool, staging, counts)  # written, in order, while the workers ran
        else:
            outputs.write_units(outputs.rendered(current), staging, counts)
        data = info()
        if outputs.models is not None:  # saved with the run; run.json and the history say reused or refitted
            outputs.models.save(staging, [[r.stored or "", r.n_units or len(r.units)] for r in good])
            data["models"] = outputs.models.to_json()
        atomic.write_json(result_path(staging, "run"), data)
        crash_point("staged")
        record = history_record(
            config, run_id, kind, started, changes, "ok",
            versions=plan.versions, documents=data["documents"], failed=data["failed_documents"],
            units=outputs.n_units, counts={slot: s["counts"] for slot, s in data["stages"].items()},
            seconds={slot: s["seconds"] for slot, s in data["stages"].items()}, models=data.get("models"),
        )  # fmt: skip
        commit(config.output, staging, record)
    outputs.prune_cache(results)
    report = user_path(config.output, "report.html")
    return RunSummary(
        output=config.output,
        documents=len(good),
        failed=[r.error for r in bad],
        units=outputs.n_units,
        counts={k: dict(v) for k, v in counts.items()},
        report=report if report.exists() else None,
        run_id=run_id,
        changes=changes,
        seconds=round(time.time() - started, 3),
        warnings=tuple(data["warnings"]),
        skipped=tuple(data["skipped"]),
        models=data.get("models"),
    )


def client_cpu(start: float, pass_start: float, pass_end: float) -> dict[str, float]:
    """This process's CPU seconds in the per-document pass (``documents``: with workers, handing out
    tasks and the warm-up of :mod:`pipeline.run.warm`) and outside it until now (``outside_documents``:
    planning, the corpus-level stages, writing the results).  With workers, the second is the serial
    part of the run: what no number of workers shortens (``bench/bench_scale.py`` prints it)."""
    now = time.process_time()
    return {
        "documents": round(pass_end - pass_start, 3),
        "outside_documents": round(pass_start - start + now - pass_end, 3),
    }


def _partition(config: Config, results: list[DocumentResult]) -> tuple[list[DocumentResult], list[DocumentResult]]:
    """(documents analysed, in output order; documents that failed).  A document whose id another file
    already has (``report.md`` beside ``report.txt``) fails alone, with the reason.  PipelineError
    when no document could be read."""
    good = sorted((r for r in results if r.error is None), key=lambda r: (r.doc_id or "", r.source))
    bad = [r for r in results if r.error is not None]
    seen: dict[str, str] = {}
    unique = []
    for r in good:
        if r.doc_id in seen:
            r.error = f"{quoted(os_path(r.source))}: document id {r.doc_id!r} also used by {quoted(os_path(seen[r.doc_id]))}; rename one file"
            bad.append(r)
        else:
            seen[r.doc_id] = r.source
            unique.append(r)
    for r in bad:
        LOGGER.warning(f"failed: {r.error}")
    if not unique:
        first = f"; first: {bad[0].error}" if bad else ""
        raise PipelineError(f"{config.corpus}: no document could be read ({len(bad)} failed{first})")
    return unique, bad


def _tally(good: list[DocumentResult]) -> tuple[dict[str, Counter], dict[str, float]]:
    """Per-stage counts and seconds summed over the documents."""
    counts: dict[str, Counter] = {}
    seconds: dict[str, float] = {}
    for r in good:
        for slot, c in r.counts.items():
            counts.setdefault(slot, Counter()).update(c)
        for slot, s in r.seconds.items():
            seconds[slot] = seconds.get(slot, 0.0) + s
    return counts, seconds


class CorpusOutputs:
    """The corpus-level half of a run: the unit stream, the corpus fit, the corpus stages and the
    result files.  Nothing holds the whole corpus: units are read back from the cache one document
    at a time -- for the corpus fit, for every pass of a corpus stage, and while units.jsonl is written."""

    def __init__(self, config: Config, processor: DocumentProcessor, good: list[DocumentResult]):
        self.config, self.processor, self.good = config, processor, good
        self.corpus_slots = corpus_slots(config.stages)
        self.fitter = processor.corpus_fitter()
        self.n_units = sum(r.n_units or len(r.units) for r in good)
        self.doc_tables: dict[int, list[Table]] = {}
        self.phrase_tokens = 0
        self.memo: Memo | None = None
        self.stream: UnitStream | None = None
        self.warnings: list[str] = []  # the corpus stages' (Corpus.warnings), for run.json and the summary
        self.models: Models | None = None  # the corpus-level models: reused or refitted (plan_models)

    def open_stream(self, plan: Plan, current: Session | None, tagged: set[tuple[str, str]]) -> None:
        """The corpus stages' unit stream (keeping the unit fields they declare); their per-document
        parts not done yet (``tagged``: done with the documents' own stages) run on the workers
        first, then the workers are released."""
        specs = [self.config.stages[slot] for slot in self.corpus_slots]
        if specs and self.processor.cache is not None:  # per-document work inside corpus stages is cached too
            self.memo = Memo(self.processor, [r.stored for r in self.good], memo_stages(self.config.stages))
        fields = tuple(sorted({name for spec in specs for name in spec.cls.writes}))
        loaders = [self.processor.unit_loader(r) for r in self.good]
        self.stream = UnitStream(loaders, self.n_units, memo=self.memo, fields=fields)
        if specs and current is not None:
            if self.memo is not None and self.config.executor.kind != "local":
                self._tag_on_workers(plan, current, tagged)
            current.close()  # corpus stages run here, in this process: free the workers' memory

    def _tag_on_workers(self, plan: Plan, current: Session, tagged: set[tuple[str, str]]) -> None:
        for slot in self.corpus_slots:
            if not self.config.stages[slot].cls.per_document:
                continue
            memo = self.memo
            items = [
                (r.stored, key)
                for d, r in enumerate(self.good)
                if (r.stored, slot) not in tagged
                and (key := memo.key(d, slot)) is not None
                and not self.processor.has_memo(r.stored, slot, key)
            ]
            if items:
                LOGGER.info(f"stage {slot}: per-document part of {len(items)} documents on the workers")
                args = (self.config.stages, str(self.processor.cache.root), plan.doc_keys, slot)
                for _ in current.map(tag_chunk, args, items):
                    pass

    def plan_models(self, plan: Plan, refit: bool) -> None:
        """Whether the corpus-level models saved with the last run are reused (:func:`plan_models`)."""
        if self.fitter is None and not self.corpus_slots:
            return
        themes = self.config.stages.get("themes")
        self.models = plan_models(
            self.config.output,
            models_key(plan.stage_keys, self.config.seed),
            [[r.stored or "", r.n_units or len(r.units)] for r in self.good],
            refit=refit,
            method=themes.impl if themes is not None else None,
            threshold=float((themes.options if themes is not None else {}).get("refit_drift", REFIT_DRIFT)),
        )
        LOGGER.info(f"corpus-level models: {self.models.reason}")

    def fit_corpus(self, seconds: dict[str, float]) -> None:
        """The corpus-level fit of a per-document stage (gensim Phrases), read from the cache once; or
        the saved phrases, when the models are reused."""
        if self.fitter is None:
            return
        t = time.perf_counter()
        models = self.models
        if models is not None and models.reuse and "phrases" in models.saved:
            self.fitter.use_phrases(models.saved["phrases"])
            models.out["phrases"] = models.saved["phrases"]
            self.processor.transform = self.fitter.transform  # the stream's loaders join phrases, once per document
            return

        def source() -> Iterator[list[str]]:  # a generator: gensim's Phrases reads the corpus once
            for d, r in enumerate(self.good):
                # kept for the corpus stages' first pass (without corpus stages, units.jsonl reads the cache)
                units, tables = self.processor.body(r, keep=bool(self.corpus_slots))
                if self.corpus_slots:  # the corpus stages need the tables; without them they are rendered later
                    self.doc_tables[d] = tables
                for unit in units:
                    yield unit.tokens

        self.fitter.fit_phrases(source())
        if models is not None:
            models.out["phrases"] = self.fitter.phrase_model()
        self.processor.transform = self.fitter.transform  # the stream's loaders join phrases, once per document
        slot = self.fitter.registered_slot
        seconds[slot] = seconds.get(slot, 0.0) + time.perf_counter() - t

    def tables(self) -> list[Table]:
        if len(self.doc_tables) < len(self.good):
            self.doc_tables = {d: self.processor.body(r, keep=True)[1] for d, r in enumerate(self.good)}
        return [t for d in sorted(self.doc_tables) for t in self.doc_tables[d]]

    def run_corpus_stages(self, staging: Path, counts: dict, seconds: dict, info: Any) -> None:
        """Each corpus stage in order; before a stage that reads this run's result files, they are written."""
        p = self.processor
        corpus = Corpus(
            self.stream,
            self.tables(),
            self.good,
            p.featurize,
            p.normalize,
            self.config.seed,
            staging,
            self.config,
            warnings=self.warnings,
            models=self.models,
        )
        written = False
        for slot in self.corpus_slots:
            spec = self.config.stages[slot]
            if spec.cls.reads_results and not written:
                self.write_units(self.streamed(), staging, counts)
                written = True
                atomic.write_json(result_path(staging, "run"), info())
            if spec.cls.reads_results:  # the report encodes nothing: the sentence encoder's memory goes back
                release_encoder()
            t = time.perf_counter()
            LOGGER.info(f"stage {slot} ({spec.impl})")
            counts[slot] = Counter(spec.build().apply(corpus) or {})
            seconds[slot] = time.perf_counter() - t
            give_back_memory()
        if not written:
            self.write_units(self.streamed(), staging, counts)
        self.processor.read_ahead.clear()  # what no pass asked for (a stage that stopped early)

    def streamed(self) -> Iterator[tuple[str, str, int]]:
        """(units.jsonl lines, tables.jsonl lines, phrase tokens) per document, with what the corpus stages added."""
        for d in range(len(self.good)):
            yield render(self.stream.document(d), self.doc_tables[d], None, joined=self.fitter is not None)

    def rendered(self, current: Session | None) -> Iterator[tuple[str, str, int]]:
        """(units.jsonl lines, tables.jsonl lines, phrase tokens) per document, in document order.

        When worker processes are up, they read the units back from the cache and encode them;
        otherwise (or for units held in memory) this process does.  Either way the bytes are those
        of ``atomic.write_jsonl``.
        """
        p, shipped = self.processor, self.fitter
        if current is not None and current.started and p.cache is not None and picklable(shipped):
            keys = [r.stored if r.stored and not r.units and not r.tables else None for r in self.good]
            stream = current.map(render_chunk, (str(p.cache.root), p.slots[-1], shipped), keys)
        else:
            stream = ((i, None) for i in range(len(self.good)))
        waiting: dict[int, Any] = {}
        position = 0
        for index, out in stream:
            waiting[index] = out
            while position in waiting:
                out = waiting.pop(position)
                yield out if out is not None else render(*p.body(self.good[position]), shipped)
                position += 1

    def write_units(self, lines: Iterator[tuple[str, str, int]], staging: Path, counts: dict) -> None:
        """units.jsonl and tables.jsonl from per-document lines; the phrase-token count goes to the counts."""
        table_lines = []
        with atomic.atomic_open(result_path(staging, "units")) as handle:
            for unit_lines, doc_table_lines, doc_phrase_tokens in lines:
                handle.write(unit_lines)
                table_lines.append(doc_table_lines)
                self.phrase_tokens += doc_phrase_tokens
        atomic.write_text(result_path(staging, "tables"), "".join(table_lines))
        self._count_phrases(counts)

    def take_spool(self, spool: Spool, staging: Path, counts: dict) -> None:
        os.replace(spool.path, result_path(staging, "units"))
        atomic.write_text(result_path(staging, "tables"), "".join(spool.tables))
        self.phrase_tokens = spool.phrase_tokens
        self._count_phrases(counts)

    def _count_phrases(self, counts: dict) -> None:
        if self.fitter is not None:
            counts.setdefault(self.fitter.registered_slot, Counter())["phrase_tokens"] = self.phrase_tokens

    def prune_cache(self, results: list[DocumentResult]) -> None:
        """Drop cache entries this run neither used nor made (after a grace period, see DocumentCache.prune)."""
        p = self.processor
        if p.cache is None:
            return
        p.cache.prune(file_key(os_path(r.source), r.sha256) for r in results if r.sha256)  # memos are in these files
