"""Where per-document work runs: in this process, in a process pool, or on a Dask cluster.

The runner hands over a function and a list of work items; this module cuts
the items into chunks of ``executor.chunk_size`` (one task per chunk, so task
overhead is paid once per chunk, not once per document), runs them with the
configured executor, and yields ``(index, result)`` pairs as chunks finish.
The runner puts results back in input order, so the outputs do not depend on
which executor ran or which chunk finished first.

* ``local``: a plain loop in this process (no pickling, simplest to debug).
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor` with
  ``workers`` processes.
* ``dask``: with ``address: null`` a :class:`distributed.LocalCluster` of
  ``workers`` single-threaded processes is started for the run and closed
  after it; with ``address: "tcp://host:8786"`` the run uses that existing
  cluster.  Workers read the corpus files and write the result cache
  themselves, so on a real cluster the corpus and output folders must be on a
  file system every worker sees at the same paths.

The function and its arguments must be picklable (top-level functions,
registered stage classes); Python's own tracebacks are re-raised here.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pipeline.config import Executor
from pipeline.errors import PipelineError


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` cut into consecutive lists of at most ``size``."""
    size = max(1, size)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _run_chunk(function: Callable[..., list[Any]], args: tuple, chunk: list[Any]) -> list[Any]:
    return function(*args, chunk)


def map_chunked(
    function: Callable[..., list[Any]], args: tuple, items: Sequence[Any], executor: Executor
) -> Iterator[tuple[int, Any]]:
    """Yield ``(index into items, result)`` for every item, chunk by chunk as chunks finish.

    ``function(*args, chunk)`` must return one result per item of ``chunk``, in order.
    """
    if not items:
        return
    pieces = chunks(items, executor.chunk_size)
    starts = [i * max(1, executor.chunk_size) for i in range(len(pieces))]
    if executor.kind == "local":
        for start, piece in zip(starts, pieces, strict=True):
            for offset, result in enumerate(function(*args, piece)):
                yield start + offset, result
    elif executor.kind == "processes":
        yield from _map_processes(function, args, pieces, starts, executor)
    elif executor.kind == "dask":
        yield from _map_dask(function, args, pieces, starts, executor)
    else:  # the config loader only lets the three kinds through
        raise PipelineError(f"executor.kind: unknown executor {executor.kind!r}")


def _map_processes(
    function: Callable, args: tuple, pieces: list[list], starts: list[int], executor: Executor
) -> Iterator[tuple[int, Any]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # forkserver: workers start from a clean interpreter, not a fork of a parent that may hold
    # threads (progress bars, a Dask client) -- forking those can deadlock.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=executor.workers, mp_context=context) as pool:
        # At most 2 chunks per worker in flight: results arrive as they finish, and the
        # parent never holds every pending result at once.
        pending = {}
        queue = list(zip(starts, pieces, strict=True))[::-1]
        while queue or pending:
            while queue and len(pending) < 2 * executor.workers:
                start, piece = queue.pop()
                pending[pool.submit(_run_chunk, function, args, piece)] = start
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                start = pending.pop(future)
                for offset, result in enumerate(future.result()):
                    yield start + offset, result


@contextlib.contextmanager
def dask_client(executor: Executor) -> Iterator[Any]:
    """A ``distributed.Client`` for the configured cluster (a LocalCluster when no address)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is in requirements.lock
        raise PipelineError("executor.kind: dask needs the 'distributed' package (pip install distributed)") from None
    if executor.address:
        try:
            client = Client(executor.address, timeout="30s")
        except OSError as exc:
            raise PipelineError(f"executor.address: cannot reach Dask scheduler {executor.address}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=executor.workers,
        threads_per_worker=1,  # the stages are pure Python: threads would share one GIL
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _map_dask(
    function: Callable, args: tuple, pieces: list[list], starts: list[int], executor: Executor
) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    with dask_client(executor) as client:
        # Arguments shared by every chunk (stage specs, cache folder) are scattered once.
        [shared] = client.scatter([args], broadcast=True)
        run = uuid.uuid4().hex[:12]  # task keys must not collide with another run on a shared cluster
        futures = {
            client.submit(_run_chunk, function, shared, piece, pure=False, key=f"documents-{run}-{i}"): start
            for i, (start, piece) in enumerate(zip(starts, pieces, strict=True))
        }
        for future in as_completed(futures):
            start = futures[future]
            results = future.result()
            future.release()  # drop the worker's copy as soon as we hold the results
            for offset, result in enumerate(results):
                yield start + offset, result
