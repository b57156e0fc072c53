"""Run a config: plan, per-document stages, corpus-level stages, then a crash-safe commit of the outputs.

Kedro's split, at our scale: the config is the pipeline, :mod:`pipeline.outputs` is the data
catalogue, and this module is the runner -- the only code that knows the order of things.

* **Plan** (:func:`make_plan`): the corpus files, their hashes, the package versions and each
  stage's cache key.
* **Per-document stages** (:mod:`pipeline.run.documents`) run file by file on the configured
  executor (:mod:`pipeline.run.executor`), each resuming from the cache; results are put back in
  document order, so outputs do not depend on the executor.  When a document's output lines are
  final once it is processed, they are spooled as they arrive (:mod:`pipeline.run.spool`).
* **Corpus-level stages** see a :class:`~pipeline.records.Corpus` whose units are a
  re-iterable stream (:mod:`pipeline.run.corpora`): one document in memory at a time.
* **Publication** (:mod:`pipeline.run.commit`): results are written into a new run folder and
  published by one atomic switch of the ``current`` link, under the output folder's lock; every
  run -- finished, unchanged or failed -- is recorded in the run history (:mod:`pipeline.run.history`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline import outputs
from pipeline.config import Config
from pipeline.errors import PipelineError, Terminated
from pipeline.logs import LOGGER, progress, quieted
from pipeline.names import path_text
from pipeline.records import Corpus
from pipeline.run.budget import Budget
from pipeline.run.cache import DocumentCache
from pipeline.run.commit import (
    CACHE_DIR,
    CRASH_ENV,
    JOURNAL,
    LOCK_TIMEOUT_ENV,
    SPOOL_PREFIX,
    STAGING_DIR,
    crash_point,
    output_lock,
    recover,
    results_folder,
    user_path,
)
from pipeline.run.documents import (
    DocumentProcessor,
    DocumentResult,
    corpus_slots,
    lighten,
    memo_stages,
)
from pipeline.run.executor import Session, session
from pipeline.run.finish import finish
from pipeline.run.incremental import Changes, compare, describe_changes
from pipeline.run.lean import skip_pandas_in_sklearn
from pipeline.run.plan import Plan, make_plan
from pipeline.run.records import RunSummary, history_record, new_run_id
from pipeline.run.spool import Spool, SpoolWriter, predicted_order, spoolable
from pipeline.run.tasks import process_chunk, process_render_chunk, process_tag_chunk
from pipeline.run.threads import pinned
from pipeline.run.warm import WarmUp
from pipeline.stages.ingest import find_corpus_files

__all__ = [
    "CACHE_DIR",
    "CRASH_ENV",
    "JOURNAL",
    "LOCK_TIMEOUT_ENV",
    "SPOOL_PREFIX",
    "STAGING_DIR",
    "Corpus",
    "DocumentProcessor",
    "DocumentResult",
    "RunSummary",
    "find_corpus_files",
    "finish",
    "make_plan",
    "output_lock",
    "process_documents",
    "reanalyse",
    "results_folder",
    "run",
]


# --------------------------------------------------------------------------- per-document stages


def process_documents(
    config: Config, files: list[Path], quiet: bool = True, plan: Plan | None = None
) -> tuple[list[DocumentResult], DocumentProcessor]:
    """Per-document results for ``files`` (in ``files`` order, with their units): cached ones loaded, the rest computed."""
    with quieted(quiet), pinned(config.executor.threads), session(config.executor) as current:
        results, processor, _, _ = _process(config, files, plan or make_plan(config), current)
    full = []
    for result in results:
        units, tables = processor.body(result)
        full.append(replace(result, units=units, tables=tables))
    return full, processor


def _process(
    config: Config, files: list[Path], plan: Plan, current: Session, spool: Path | None = None
) -> tuple[list[DocumentResult], DocumentProcessor, Spool | None, set[tuple[str, str]]]:
    """Per-document results without their units (those are in the cache; ``processor.body`` reads them back),
    and the (``DocumentResult.stored``, slot) pairs whose corpus-stage part the workers did meanwhile.

    With ``spool`` (a file name), when worker processes compute documents and the output lines
    of a document are final once it is processed, units.jsonl is written there meanwhile, in the
    expected order (see :class:`SpoolWriter`).  With worker processes and a cache, the per-document
    part of the corpus stages (``tag_document``: actor tags, sentence vectors) runs right after a
    document's own stages, in the same task (:func:`process_tag_chunk`).
    """
    cache = DocumentCache(config.output / CACHE_DIR)
    budget = Budget(config.executor.document_seconds, config.executor.document_memory_mb)
    processor = DocumentProcessor(config.stages, cache, plan.doc_keys, budget)
    results: list[DocumentResult | None] = [None] * len(files)
    todo: list[tuple[int, tuple[str, str | None]]] = []
    with progress(len(files), "documents") as bar:
        for index, path in enumerate(files):
            sha = plan.hashes.get(path_text(path))
            result = processor.cached(path, sha)  # reads the summary only: the units stay in the cache
            if result is None:
                todo.append((index, (str(path), sha)))
                continue
            results[index] = result
            if bar is not None:
                bar.update()
        writer: SpoolWriter | None = None
        args = (config.stages, str(cache.root) if cache.usable else None, plan.doc_keys, budget)
        if spool is not None and todo and config.executor.kind != "local" and spoolable(config, processor):
            todo.sort(key=lambda item: predicted_order(files[item[0]]))  # hand out chunks in output order
            order = sorted(range(len(files)), key=lambda i: predicted_order(files[i]))
            writer = SpoolWriter(spool, order, results, processor)
        items = [item for _, item in todo]
        later = [config.stages[slot] for slot in corpus_slots(config.stages)]
        warm = None
        if items and later and config.executor.kind != "local":  # the client waits meanwhile: load what it will need
            warm = WarmUp(processor, later).start()
        memos = {s: k for s, k in memo_stages(config.stages).items() if config.stages[s].cls.per_document}
        tagging = bool(memos) and writer is None and cache.usable and config.executor.kind != "local"
        tagged: set[tuple[str, str]] = set()
        if config.executor.kind == "local":
            stream = ((i, lighten(processor(Path(p), sha))) for i, (p, sha) in enumerate(items))
        elif writer is not None:
            stream = current.map(process_render_chunk, args, items)
        elif tagging:
            stream = current.map(process_tag_chunk, (*args, memos), items)
        else:
            stream = current.map(process_chunk, args, items)
        for done, (position, out) in enumerate(stream, start=1):
            index = todo[position][0]
            if writer is not None:
                results[index], rendered = out
                writer.add(index, rendered)
            elif tagging:
                results[index], done_slots = out
                tagged.update((results[index].stored, slot) for slot in done_slots)
            else:
                results[index] = out
            cache.problems.update(results[index].cache_problems)  # a worker's, counted here
            crash_point(f"documents:{done}")
            if bar is not None:
                bar.update()
    if warm is not None:
        warm.join()
    written = writer.close() if writer is not None else None
    return [r for r in results if r is not None], processor, written, tagged


# --------------------------------------------------------------------------- the run


def run(
    config: Config,
    quiet: bool = False,
    *,
    kind: str = "run",
    skip_if_unchanged: bool = False,
    lock_timeout: float | None = None,
    refit: bool = False,
) -> RunSummary:
    """Run every stage of ``config`` and write its outputs; returns a summary.

    ``skip_if_unchanged`` (scheduled re-analysis): when the corpus files, the config and the
    versions are exactly those of the last finished run, keep its results (they would come out
    byte-identical) and only record the run.  ``quiet``: no log lines or progress bar.  ``refit``: fit
    the corpus-level models on the whole corpus even when the saved ones could be reused
    (:class:`pipeline.run.incremental.Models`: the result is then that of a cold run).
    """
    started, cpu_start = time.time(), time.process_time()
    run_id = new_run_id(started)
    skip_pandas_in_sklearn()  # 63 MB of RSS (pipeline/run/lean.py)
    if lock_timeout is None and LOCK_TIMEOUT_ENV not in os.environ:
        lock_timeout = config.lock_timeout
    with quieted(quiet), output_lock(config.output, lock_timeout):
        if recover(config.output):
            LOGGER.info(f"recorded in the history a run that was interrupted after publishing: {config.output}")
        _history().check(config.output)  # a history that cannot take this run's record stops it now
        plan = make_plan(config)
        previous = _previous_run(config.output)
        changes = compare(previous.get("inputs", {}) if previous else {}, plan.hashes)
        changes.previous_ids = {
            d["source"]: d["doc_id"] for d in (previous or {}).get("documents", []) if "doc_id" in d
        }
        spool = config.output / f"{SPOOL_PREFIX}{os.getpid()}.tmp"
        try:
            if skip_if_unchanged and previous and _unchanged(previous, config, plan):
                return _record_unchanged(config, previous, changes, run_id, kind, started)
            with pinned(config.executor.threads), session(config.executor) as current:
                cpu_pass = time.process_time()
                results, processor, spooled, tagged = _process(config, plan.files, plan, current, spool)
                cpu = (cpu_start, cpu_pass, time.process_time())
                return finish(
                    config,
                    results,
                    processor,
                    started,
                    plan=plan,
                    changes=changes,
                    run_id=run_id,
                    kind=kind,
                    current=current,
                    spool=spooled,
                    refit=refit,
                    tagged=tagged,
                    cpu=cpu,
                )
        except (PipelineError, KeyboardInterrupt) as exc:  # a scheduled run stopped midway is in the history too
            status = "failed" if isinstance(exc, PipelineError) else "interrupted"
            error = str(exc) or ("terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted (SIGINT)")
            record = history_record(config, run_id, kind, started, changes, status, error=error)
            with contextlib.suppress(Exception):  # the history must never hide the error that stopped the run
                _history().record(config.output, record | {"versions": plan.versions})
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                spool.unlink()


def reanalyse(config: Config, quiet: bool = False, refit: bool = False) -> Iterator[str]:
    """Incremental re-run of ``config`` for schedules; yields the lines to print (what changed, the summary).
    ``refit``: refit the corpus-level models (see :func:`run`)."""
    yield from reanalyse_lines(reanalyse_summary(config, quiet, refit), config)


def reanalyse_summary(config: Config, quiet: bool = False, refit: bool = False) -> RunSummary:
    """The incremental re-run itself (see :func:`reanalyse`): its summary, for a caller that needs
    more than the lines (the command line's exit code)."""
    return run(config, quiet=quiet, kind="reanalyse", skip_if_unchanged=not refit, refit=refit)


def reanalyse_lines(summary: RunSummary, config: Config) -> Iterator[str]:
    """The lines ``reanalyse`` prints for ``summary``: what changed, the models, the summary, the run."""
    yield from describe_changes(summary.changes or Changes(), config.corpus, summary.unchanged, len(summary.failed))
    if summary.models:
        yield f"corpus-level models: {summary.models['reason']}"
    if summary.unchanged:  # nothing was published: say whose results and figures these are
        yield f"kept: the results of run {summary.kept_run_id or '(unknown)'}; its figures:"
    yield from summary.lines()
    if summary.unchanged:
        yield f"run: {summary.run_id} recorded in the history, nothing published ({summary.seconds:.1f} s)"
    else:
        yield f"run: {summary.run_id} ({summary.seconds:.1f} s)"


def _history() -> Any:
    from pipeline.run import history

    return history


def _previous_run(output: Path) -> dict[str, Any] | None:
    info = outputs.read_json(results_folder(output))
    if info is None:
        return None
    if "inputs" not in info:  # a run.json from before incremental runs: rebuild what it can
        info["inputs"] = {d["source"]: d.get("sha256") for d in info.get("documents", [])}
    return info


def _unchanged(previous: dict[str, Any], config: Config, plan: Plan) -> bool:
    return (
        previous.get("config_hash") == config.content_hash
        and previous.get("versions") == plan.versions
        and previous.get("stage_keys") == plan.stage_keys
        and previous.get("inputs") == plan.hashes
        and previous.get("metadata_hash", "") == plan.metadata
        and outputs.exists(results_folder(config.output), "units")
    )


def _record_unchanged(
    config: Config, previous: dict[str, Any], changes: Changes, run_id: str, kind: str, started: float
) -> RunSummary:
    documents = previous.get("documents", [])
    failures = previous.get("failed_documents", [])
    counts = {slot: s.get("counts", {}) for slot, s in previous.get("stages", {}).items()}
    units = sum(d.get("units", 0) for d in documents)
    record = history_record(
        config, run_id, kind, started, changes, "unchanged",
        versions=previous.get("versions", {}), documents=documents, failed=failures, units=units,
        counts=counts, seconds={},
    )  # fmt: skip
    _history().record(config.output, record)
    report = user_path(config.output, "report.html")
    return RunSummary(
        output=config.output,
        documents=len(documents),
        failed=[f["error"] for f in failures],
        units=units,
        counts=counts,
        report=report if report.exists() else None,
        run_id=run_id,
        changes=changes,
        unchanged=True,
        kept_run_id=str(previous.get("run_id") or ""),
        seconds=record["seconds_total"],
        warnings=tuple(previous.get("warnings", [])),
        skipped=tuple(previous.get("skipped", [])),
    )
