"""Each document's time and memory budget, enforced in the process that works on it.

A hostile or broken file (a PDF whose content stream inflates to gigabytes, a page of a million
operators) must fail alone, with a reason, while the run goes on.  Starting a process per document
would enforce that with ``setrlimit`` and a kill, but costs a process start and the stages' set-up
per file; instead one *watchdog* thread per process looks at the documents in progress every
``POLL`` seconds: when a document has run longer than its ``seconds`` or the process's resident
memory has grown by more than its ``memory_mb`` since the document started, the watchdog raises
:class:`BudgetExceeded` in the thread working on it (CPython's ``PyThreadState_SetAsyncExc``, the
mechanism behind ``KeyboardInterrupt``).  The stage's frames unwind and free what they held, the
document is reported as failed, and the thread takes the next document.  This works the same in the
local executor, a process pool and Dask workers (each worker process has its watchdog).

Limits: the exception is raised between two Python bytecodes, so a single long C call (one huge
``zlib.decompress``, a regex backtracking) finishes before it lands: such calls are bounded where
they happen (the PDF reader checks a stream's inflated size before decoding it,
:mod:`pipeline.stages.pdf_text`).  Memory is the process's resident set (psutil), so with several
threads in one process a document is charged for what its neighbours allocate meanwhile.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

POLL = 0.1  # seconds between the watchdog's looks: how far a document can overrun its budget


@dataclass(frozen=True)
class Budget:
    """A document's limits: wall-clock ``seconds`` and ``memory_mb`` of resident memory growth (0: no limit)."""

    seconds: float = 120.0
    memory_mb: int = 2048


class BudgetExceeded(BaseException):
    """Raised in a document's thread when it exceeds its budget.

    A BaseException, like KeyboardInterrupt, so that the ``except Exception`` of a library reading a
    damaged file does not take it for a parse error and go on.
    """


class _Guarded:
    def __init__(self, budget: Budget, rss: int) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self.rss = rss
        self.reason: str | None = None  # set when the watchdog fired


class Watchdog:
    """One per process: the documents in progress (thread id -> limits) and a daemon thread checking them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._guarded: dict[int, _Guarded] = {}
        self._thread: threading.Thread | None = None
        self._process = None

    def _rss(self) -> int:
        if self._process is None:
            import psutil

            self._process = psutil.Process()
        return self._process.memory_info().rss

    @contextlib.contextmanager
    def guard(self, budget: Budget | None) -> Iterator[None]:
        """Run the block under ``budget``; raises :class:`BudgetExceeded` (with the reason) when it is exceeded."""
        if budget is None or (budget.seconds <= 0 and budget.memory_mb <= 0):
            yield
            return
        ident = threading.get_ident()
        entry = _Guarded(budget, self._rss() if budget.memory_mb > 0 else 0)
        with self._lock:
            self._guarded[ident] = entry
            self._start()
        try:
            yield
        except BudgetExceeded:
            raise BudgetExceeded(entry.reason or "over budget") from None
        finally:
            with self._lock:
                self._guarded.pop(ident, None)
                if entry.reason is not None:  # fired, maybe not yet delivered: never let it land later
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._watch, name="document-budget", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        while True:
            time.sleep(POLL)
            with self._lock:
                if not self._guarded:
                    self._thread = None
                    return
                now = time.monotonic()
                rss = self._rss() if any(e.budget.memory_mb > 0 for e in self._guarded.values()) else 0
                for ident, entry in self._guarded.items():
                    if entry.reason is None:
                        entry.reason = _over(entry, now, rss)
                        if entry.reason is not None:
                            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                                ctypes.c_ulong(ident), ctypes.py_object(BudgetExceeded)
                            )


def _over(entry: _Guarded, now: float, rss: int) -> str | None:
    budget = entry.budget
    if budget.seconds > 0 and now - entry.started > budget.seconds:
        return f"exceeded the time budget of {budget.seconds:g} s per document"
    grown = (rss - entry.rss) / 2**20
    if budget.memory_mb > 0 and grown > budget.memory_mb:
        return f"exceeded the memory budget of {budget.memory_mb} MB per document ({grown:.0f} MB more)"
    return None


WATCHDOG = Watchdog()


def guard(budget: Budget | None) -> contextlib.AbstractContextManager[None]:
    """``with guard(budget): ...`` -- the block under the process's watchdog (see :class:`Watchdog`)."""
    return WATCHDOG.guard(budget)
