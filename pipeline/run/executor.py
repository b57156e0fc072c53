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
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pipeline.config import Executor
from pipeline.errors import PipelineError, shown
from pipeline.run.threads import pin_worker

# Settings for the workers of a LocalCluster started for a run.  It has no dashboard, so nobody
# reads the workers' statistical profiles or monitor series.  Collecting them (by default the
# profiler samples the task thread's stack every 10 ms) made the pure-Python stages 15-50% slower
# on 2 cores -- measured with these four settings together, not one by one.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.tick.interval": "1s",
}


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    """``items`` cut into consecutive lists of at most ``size``."""
    size = max(1, size)
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _run_chunk(function: Callable[..., list[Any]], args: tuple, chunk: list[Any]) -> list[Any]:
    return function(*args, chunk)


class Session:
    """One executor for the length of a run: the pool or cluster starts on first use and is kept.

    Several passes over the documents (analyse, then write) then share one set of workers, which
    have already imported and built the stages.
    """

    def __init__(self, executor: Executor):
        self.executor = executor
        self._stack = contextlib.ExitStack()
        self._pool: Any = None
        self._client: Any = None

    @property
    def started(self) -> bool:
        """True once worker processes are running (always False for ``local``)."""
        return self._pool is not None or self._client is not None

    def close(self) -> None:
        self._stack.close()
        self._pool = self._client = None

    def map(self, function: Callable[..., list[Any]], args: tuple, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Yield ``(index into items, result)`` for every item, chunk by chunk as chunks finish.

        ``function(*args, chunk)`` must return one result per item of ``chunk``, in order.
        """
        if not items:
            return
        size = max(1, self.executor.chunk_size)
        pieces = chunks(items, size)
        starts = [i * size for i in range(len(pieces))]
        kind = self.executor.kind
        if kind == "local":
            for start, piece in zip(starts, pieces, strict=True):
                for offset, result in enumerate(function(*args, piece)):
                    yield start + offset, result
        elif kind == "processes":
            yield from self._map_processes(function, args, pieces, starts)
        elif kind == "dask":
            yield from self._map_dask(function, args, pieces, starts)
        else:  # the config loader only lets the three kinds through
            raise PipelineError(f"executor.kind: unknown executor {kind!r}")

    def _map_processes(
        self, function: Callable, args: tuple, pieces: list[list], starts: list[int]
    ) -> Iterator[tuple[int, Any]]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if self._pool is None:
            # forkserver: workers start from a clean interpreter, not a fork of a parent that may
            # hold threads (progress bars, a Dask client) -- forking those can deadlock.
            context = multiprocessing.get_context("forkserver")
            pool = ProcessPoolExecutor(
                max_workers=self.executor.workers,
                mp_context=context,
                initializer=pin_worker,  # BLAS/OpenMP threads per worker (pipeline/run/threads.py)
                initargs=(self.executor.threads,),
            )
            self._pool = self._stack.enter_context(pool)
        workers = self.executor.workers
        # At most 2 chunks per worker in flight: results arrive as they finish, and the parent
        # never holds every pending result at once.
        pending: dict = {}
        queue = list(zip(starts, pieces, strict=True))[::-1]
        while queue or pending:
            while queue and len(pending) < 2 * workers:
                start, piece = queue.pop()
                pending[self._pool.submit(_run_chunk, function, args, piece)] = start
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                start = pending.pop(future)
                for offset, result in enumerate(future.result()):
                    yield start + offset, result

    def _map_dask(
        self, function: Callable, args: tuple, pieces: list[list], starts: list[int]
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        if self._client is None:
            self._client = self._stack.enter_context(dask_client(self.executor))
        client = self._client
        # Arguments shared by every chunk (stage specs, cache folder) are sent once.
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


@contextlib.contextmanager
def session(executor: Executor) -> Iterator[Session]:
    """A :class:`Session` for ``executor``, closed (pool shut down, cluster stopped) on exit."""
    current = Session(executor)
    try:
        yield current
    finally:
        current.close()


def map_chunked(
    function: Callable[..., list[Any]], args: tuple, items: Sequence[Any], executor: Executor
) -> Iterator[tuple[int, Any]]:
    """One pass of :meth:`Session.map` on a session of its own."""
    with session(executor) as current:
        yield from current.map(function, args, items)


@contextlib.contextmanager
def dask_client(executor: Executor) -> Iterator[Any]:
    """A ``distributed.Client`` for the configured cluster (a LocalCluster when no address)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is in requirements.lock
        raise PipelineError("executor.kind: dask needs the 'distributed' package (pip install distributed)") from None
    if executor.address:
        try:
            client = Client(executor.address, timeout=f"{executor.connect_timeout}s")
        except (OSError, TimeoutError, ValueError) as exc:  # unreachable, refused, or a malformed address
            where = f"cannot reach Dask scheduler {shown(executor.address, quote=False)}"
            raise PipelineError(f"executor.address: {where}: {_first_line(exc)}") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    try:
        with dask.config.set(QUIET_WORKERS), warnings.catch_warnings():
            # the scheduler's HTTP server moves off a busy port 8787 with a 3-line warning; nobody reads it
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(
                n_workers=executor.workers,
                threads_per_worker=1,  # the stages are pure Python: threads would share one GIL
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                death_timeout=executor.connect_timeout,  # a worker that cannot start fails the run, not hangs it
            )
    # distributed raises RuntimeError("Cluster failed to start: ..."), or an AssertionError on a nanny
    # whose worker timed out (death_timeout) -- the latter without a useful message
    except (AssertionError, OSError, RuntimeError, TimeoutError, ValueError) as exc:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # its exit-time "reaping stray process" lines
        reason = "a worker did not start" if isinstance(exc, AssertionError) else _first_line(exc)
        what = f"cannot start a local Dask cluster of {executor.workers} workers within {executor.connect_timeout:g} s"
        raise PipelineError(f"executor: {what} (executor.connect_timeout): {reason}") from None
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _first_line(exc: BaseException) -> str:
    """An exception as one short line (distributed's messages can span lines)."""
    return shown((str(exc).strip().splitlines() or [type(exc).__name__])[0], 200, quote=False)
