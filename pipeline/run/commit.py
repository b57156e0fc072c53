"""Crash-safe saving of a run's results: the output lock, the staging folder and the commit journal.

* ``<output>/.cache/lock`` (``fcntl.flock``) keeps two runs on one output folder from
  interleaving; the second waits up to the lock timeout, then stops with a one-line error.
  ``flock`` locks are released by the kernel when the holder dies, so a killed run never
  leaves a stale lock behind; the lock file lives in the cache folder, not among the results.
* Outputs go to ``<output>/.staging/`` first.  When every file is written, a journal
  (``<output>/.commit.json``) names them, then they are renamed into place and the journal
  removed.  A run killed before the journal leaves the previous results untouched; one killed
  while renaming (a window of a few renames) is rolled forward by the next run before it does
  anything else (:func:`recover`).  Every file is always whole, since each is written atomically.

The same design as DVC's lock and run-cache commit (``dvc/lock.py``, ``dvc/stage/cache.py``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.errors import PipelineError
from pipeline.outputs import CATALOGUE

CACHE_DIR = ".cache"
STAGING_DIR = ".staging"
JOURNAL = ".commit.json"
LOCK = "lock"  # inside CACHE_DIR
SPOOL_PREFIX = ".units-spool-"  # units.jsonl being written while documents are processed (see spool.py)
CRASH_ENV = "PIPELINE_CRASH_AT"  # test hook: SIGKILL this process at a named point (see crash_point)
LOCK_TIMEOUT_ENV = "PIPELINE_LOCK_TIMEOUT"  # seconds a run waits for another run's lock (default 0)
# What a run may write into its output folder (the catalogue's files, the report and its plots):
# a file of these that a run does not write is removed at its commit, so no result outlives its stage.
RESULT_NAMES = (*(f.filename for f in CATALOGUE.values()), "report.html", "plots")


def crash_point(name: str) -> None:
    """Test hook: ``PIPELINE_CRASH_AT=name`` kills this process here with SIGKILL (no cleanup runs)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def now(at: float | None = None) -> str:
    """UTC time stamp ``YYYY-MM-DDTHH:MM:SSZ`` of ``at`` (epoch seconds; default: now)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


@contextlib.contextmanager
def output_lock(output: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the output folder's lock exclusively; wait up to ``timeout`` seconds, then PipelineError."""
    if timeout is None:
        try:
            timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, "0"))
        except ValueError:
            raise PipelineError(f"{LOCK_TIMEOUT_ENV}: expected a number of seconds") from None
    (output / CACHE_DIR).mkdir(parents=True, exist_ok=True)
    path = output / CACHE_DIR / LOCK
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
            atomic.write_text(holder, f"pid {os.getpid()} since {now()}")
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


def move_into_place(source: Path, target: Path) -> None:
    """Rename a finished file (or folder) over its old version."""
    if source.is_dir() and target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(source, target)


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
                    move_into_place(source, output / name)
            _remove(output, journal.get("stale", []))
            history.record(output, journal["record"])
            rolled = True
        journal_path.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    for leftover in output.glob(".*.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output.glob(f"{SPOOL_PREFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    with contextlib.suppress(OSError):
        (output / ".lock").unlink()  # where older versions kept the lock, among the results
    return rolled


def _remove(output: Path, names: list[str]) -> None:
    for name in names:
        target = output / name
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                target.unlink()


def commit(output: Path, staging: Path, record: dict[str, Any]) -> None:
    """Rename every staged file into ``output``, journalled so a crash mid-way is rolled forward;
    ``record`` goes to the run history as part of the commit."""
    from pipeline.run import history

    names = sorted(p.name for p in staging.iterdir())
    # results of an earlier run that this one does not write (its stage was removed from the config)
    stale = sorted(name for name in RESULT_NAMES if name not in names and (output / name).exists())
    crash_point("before-commit")
    atomic.write_json(output / JOURNAL, {"names": names, "stale": stale, "record": record})
    for index, name in enumerate(names):
        move_into_place(staging / name, output / name)
        crash_point(f"commit:{index + 1}")
    _remove(output, stale)
    history.record(output, record)
    crash_point("before-journal-removed")
    (output / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staging_folder(output: Path) -> Iterator[Path]:
    """A fresh ``<output>/.staging/`` for one run's result files; removed afterwards, whatever happens."""
    staging = output / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
