"""Executor tasks: the per-document work of a run on the workers (:func:`process_chunk` and friends).

Executor tasks are top-level functions so they pickle; each worker process keeps its built stages
between chunks (building loads lexicons).  :mod:`pipeline.run.documents` does the work itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.config import StageSpec
from pipeline.run.budget import Budget
from pipeline.run.cache import DocumentCache
from pipeline.run.corpora import memo_key
from pipeline.run.documents import DocumentProcessor, DocumentResult, lighten, render, stored_body

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


def _with_problems(processor: DocumentProcessor, result: DocumentResult) -> DocumentResult:
    """``result`` carrying what this worker's cache could not read or write meanwhile (the client counts it)."""
    if processor.cache is not None and processor.cache.problems:
        result.cache_problems = dict(processor.cache.problems)
        processor.cache.problems.clear()
    return result


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
    return [_with_problems(processor, lighten(processor(Path(path), sha))) for path, sha in items]


def process_tag_chunk(
    stages: dict[str, StageSpec],
    cache_root: str,
    keys: dict[str, str],
    budget: Budget | None,
    memos: dict[str, str],
    items: list[tuple[str, str | None]],
) -> list[tuple[DocumentResult, list[str]]]:
    """Executor task: as :func:`process_chunk`, then each per-document corpus stage's part (its
    ``tag_document``, ``memos``: slot -> key, see :func:`memo_stages`) on the document's units while
    they are in memory, stored in the cache where the stage will look for it; each result comes with
    the slots tagged.  One pass over the documents on the workers: no second map that reads every
    document back from the cache and waits for the slowest chunk once per stage."""
    processor = worker_processor(stages, cache_root, keys, budget)
    out = []
    for path, sha in items:
        result = processor(Path(path), sha)
        tagged = []
        if result.error is None and result.stored:
            for slot, stage in memos.items():
                key = memo_key(result.stored, stage)
                value = _worker_stage(stages[slot]).tag_document(result.units, processor.normalize)
                if processor.store_memo(result.stored, slot, key, value):
                    tagged.append(slot)
        out.append((_with_problems(processor, lighten(result)), tagged))
    return out


def _worker_stage(spec: StageSpec) -> Any:
    """The built corpus stage of ``spec`` in this worker (built once: its lexicons, its encoder)."""
    ident = spec.fingerprint()
    stage = _WORKER_STAGES.get(ident)
    if stage is None:
        if len(_WORKER_STAGES) > 8:  # another config: drop the old ones
            _WORKER_STAGES.clear()
        stage = _WORKER_STAGES[ident] = spec.build()
    return stage


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
        out.append((_with_problems(processor, lighten(result)), rendered))
    return out


def tag_chunk(
    stages: dict[str, StageSpec], cache_root: str, keys: dict[str, str], slot: str, items: list[tuple[str, str]]
) -> list[bool]:
    """Executor task: a corpus stage's per-document part (its ``tag_document``) for cached documents
    ((``DocumentResult.stored``, memo key) pairs), stored in the cache where the stage will look for it."""
    processor = worker_processor(stages, cache_root, keys)
    stage = _worker_stage(stages[slot])
    done = []
    for stored, key in items:
        found = processor.stored(stored)
        if found is not None:  # else the stage computes it itself
            processor.store_memo(stored, slot, key, stage.tag_document(found[0], processor.normalize))
        done.append(found is not None)
    return done


def render_chunk(cache_root: str, slot: str, tokeniser: Any, keys: list[str | None]) -> list[tuple | None]:
    """Executor task: encode the cached units of ``keys`` (``DocumentResult.stored``; None where this
    process must do it).  ``slot``: the last per-document stage (the reference alone finds the state)."""
    cache = DocumentCache(Path(cache_root))
    out: list[tuple | None] = []
    for key in keys:
        found = stored_body(cache, key) if key else None
        out.append(None if found is None else render(*found, tokeniser))
    return out
