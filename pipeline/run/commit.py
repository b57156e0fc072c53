"""Crash-safe publication of a run's results: the output lock, the run folders and the ``current`` link.

Layout of an output folder (every name here is written by the pipeline; nothing else is touched)::

    runs/<run-id>/          one finished run's result files (units.jsonl, run.json, report.html, plots/, ...)
    runs/.<run-id>.partial/ a run being written; left by a killed run, removed by the next one
    current -> runs/<run-id>    the published run: a symlink, switched by one atomic rename
    units.jsonl -> current/units.jsonl, report.html -> current/report.html, ...   (created once each)
    history/history.sqlite  the run history (:mod:`pipeline.run.history`)
    .cache/                 the per-document cache
    .lock                   who holds the lock (a note; the lock itself is on the folder)

* **Lock.** :func:`output_lock` takes ``flock`` on the output folder itself (a directory file
  descriptor), so no file can be deleted to break it; the kernel releases it when the holder dies.
  Where a file system refuses ``flock`` on a folder (some NFS mounts), it locks ``.lock`` instead,
  re-checking after each acquisition that the path still names the locked file.
* **Publication.** A run writes its result files into ``runs/.<run-id>.partial/``; when every file
  is written and synced, the folder is renamed to ``runs/<run-id>`` and ``current`` is replaced
  (``os.replace`` of a new symlink: atomic on POSIX).  A reader that resolves ``current`` once
  (:func:`results_folder`, :func:`pipeline.load_run`) sees one whole run, before or after the
  switch, never a mix; a kill at any point leaves the previous run published.  The top-level names
  (``units.jsonl`` ...) are relative symlinks into ``current/``, so paths users know keep working;
  a name that already exists and is not such a link is never replaced (the result stays in
  ``current/``).
* **Pruning.** After a switch, run folders beyond the :data:`KEEP_RUNS` last published ones are
  deleted -- only folders in ``runs/`` whose names have the run-id form.
* **Recovery.** :func:`recover` removes ``.partial`` folders and, when the published run's history
  record is missing (a kill between the switch and the record), records it.  Nothing is rolled
  forward: an unpublished folder is garbage.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.errors import PipelineError
from pipeline.logs import LOGGER
from pipeline.outputs import CATALOGUE

CACHE_DIR = ".cache"
RUNS_DIR = "runs"
CURRENT = "current"
LOCK_NOTE = ".lock"  # who holds the lock; the lock file itself where folders cannot be locked
RECORD = ".history-record.json"  # in a run folder: its history record, replayed by recover() when missing
MANIFEST = ".files.json"  # in a run folder: the files the run wrote, so prune() never deletes one of the user's
PARTIAL = ".partial"
KEEP_RUNS = 2  # published run folders kept: the current one and the one before (a slow reader's)
KEEP_RUNS_ENV = "PIPELINE_KEEP_RUNS"
STAGING_DIR = ".staging"  # where versions before run folders staged results (removed by recover)
JOURNAL = ".commit.json"  # their commit journal (removed by recover)
SPOOL_PREFIX = ".units-spool-"  # units.jsonl being written while documents are processed (see spool.py)
CRASH_ENV = "PIPELINE_CRASH_AT"  # test hook: SIGKILL this process at a named point (see crash_point)
LOCK_TIMEOUT_ENV = "PIPELINE_LOCK_TIMEOUT"  # seconds a run waits for another run's lock (default 0)
# What a run may write at the top of its output folder, as links into current/.
RESULT_NAMES = (*(f.filename for f in CATALOGUE.values()), "report.html", "plots")
# Every name a run writes at the top of its output folder, hidden ones aside: what a corpus reader must
# not take for documents when the output folder is the corpus folder ("history" is history.DB_DIR).
OUTPUT_NAMES = (RUNS_DIR, CURRENT, "history", *RESULT_NAMES)
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")  # records.new_run_id
# Crash points inside publication, in order (tests kill a run at each).
PUBLISH_POINTS = ("before-commit", "commit:1", "commit:2", "commit:3", "before-journal-removed")


def crash_point(name: str) -> None:
    """Test hook: ``PIPELINE_CRASH_AT=name`` kills this process here with SIGKILL (no cleanup runs)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def now(at: float | None = None) -> str:
    """UTC time stamp ``YYYY-MM-DDTHH:MM:SSZ`` of ``at`` (epoch seconds; default: now)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if at is None else at))


# --------------------------------------------------------------------------- the lock


def _unusable(output: Path, exc: OSError) -> PipelineError:
    return PipelineError(f"{output}: cannot use this output folder: {exc.strerror or exc}")


def file_in_the_way(output: Path) -> Path | None:
    """The output folder, or the part of its path, that exists as a file (not a folder); None if none does."""
    return next((p for p in (output, *output.parents) if p.exists() and not p.is_dir()), None)


def not_a_folder(output: Path, blocker: Path) -> PipelineError:
    return PipelineError(f"{output}: cannot use this output folder: {blocker} is a file, not a folder")


def prepare_output(output: Path) -> None:
    """Create the output folder and check that files can be written in it; PipelineError (one line,
    naming the folder and the reason) when a file is in the way, or it cannot be created or written."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise not_a_folder(output, file_in_the_way(output) or output) from None
    except OSError as exc:
        raise PipelineError(f"{output}: cannot create the output folder: {exc.strerror or exc}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=output)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise PipelineError(f"{output}: cannot write in the output folder: {exc.strerror or exc}") from None
    link = f"{probe}.link"
    try:
        os.symlink(RUNS_DIR, link)
        os.unlink(link)
    except OSError as exc:  # FAT, some SMB mounts: runs are published by switching a symbolic link
        raise PipelineError(
            f"{output}: the output folder's file system cannot hold symbolic links ({exc.strerror or exc}), "
            "which publishing a run needs; choose an output folder on another file system"
        ) from None


def _flock(fd: int, deadline: float, output: Path, timeout: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise PipelineError(
                    f"{output}: another run is using this output folder (locked{_holder(output)}); "
                    f"waited {timeout:g}s -- try later or set {LOCK_TIMEOUT_ENV}=SECONDS"
                ) from None
            time.sleep(0.2)


def _lock_fd(output: Path, deadline: float, timeout: float) -> int:
    """A descriptor holding the exclusive lock: the folder's own, or ``.lock``'s where folders cannot be locked."""
    fd = os.open(output, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _flock(fd, deadline, output, timeout)
        return fd
    except OSError as exc:
        os.close(fd)
        if isinstance(exc, BlockingIOError) or exc.errno not in (
            errno.EBADF,
            errno.ENOLCK,
            errno.EINVAL,
            errno.ENOTSUP,
        ):
            raise
    path = output / LOCK_NOTE
    while True:  # a lock file: lock it, then check the path still names it (it may have been replaced)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _flock(fd, deadline, output, timeout)
            held, named = os.fstat(fd), os.stat(path)
        except BaseException:
            os.close(fd)
            raise
        if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):
            return fd
        os.close(fd)


@contextlib.contextmanager
def output_lock(output: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the output folder's lock exclusively; wait up to ``timeout`` seconds, then PipelineError.

    The folder is created first; a folder that cannot be created or written is a PipelineError too.
    """
    if timeout is None:
        try:
            timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, "0"))
        except ValueError:
            raise PipelineError(f"{LOCK_TIMEOUT_ENV}: expected a number of seconds") from None
    output = Path(output)
    prepare_output(output)
    try:
        fd = _lock_fd(output, time.monotonic() + max(0.0, timeout), timeout)
    except OSError as exc:
        raise _unusable(output, exc) from None
    note = output / LOCK_NOTE
    holder = f"pid {os.getpid()} since {now()}"
    try:
        with contextlib.suppress(OSError):
            if _is_lock_file(fd, note):  # the lock is the file itself: the note goes in it
                os.ftruncate(fd, 0)
                os.pwrite(fd, holder.encode(), 0)
            else:
                atomic.write_text(note, holder)
        yield
    finally:
        if not _is_lock_file(fd, note):
            with contextlib.suppress(OSError):
                note.unlink()
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_lock_file(fd: int, path: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _holder(output: Path) -> str:
    try:
        text = (output / LOCK_NOTE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" by {text}" if text else ""


# --------------------------------------------------------------------------- reading the published run


def results_folder(output: str | Path) -> Path:
    """The folder holding the published run's result files: ``<output>/runs/<run-id>`` named by the
    ``current`` link, resolved once.  An output folder without ``current`` (written by an older
    version, or by hand) holds its result files itself: then it is returned."""
    output = Path(output)
    try:
        target = os.readlink(output / CURRENT)
    except OSError:
        return output
    return output / target


def user_path(output: Path, name: str) -> Path:
    """Where a user finds result ``name`` (a file name such as ``report.html``): the top-level link
    when it is ours, else the file in the published run's folder."""
    top = output / name
    return top if _is_our_link(top, name) else results_folder(output) / name


def _is_our_link(path: Path, name: str) -> bool:
    try:
        return os.readlink(path) == f"{CURRENT}/{name}"
    except OSError:
        return False


# --------------------------------------------------------------------------- writing a run


@contextlib.contextmanager
def staging_folder(output: Path, run_id: str) -> Iterator[Path]:
    """A fresh ``<output>/runs/.<run-id>.partial/`` for one run's result files; removed unless published."""
    runs = output / RUNS_DIR
    try:
        runs.mkdir(exist_ok=True)
        if not runs.is_dir() or runs.is_symlink():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
    except OSError as exc:
        raise PipelineError(f"{runs}: cannot hold the run folders: {exc.strerror or exc}") from None
    _check_current(output)
    staging = runs / f".{run_id}{PARTIAL}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already when published (renamed)


def _check_current(output: Path) -> None:
    current = output / CURRENT
    if (current.exists() or current.is_symlink()) and not current.is_symlink():
        raise PipelineError(
            f"{current}: is not the link this pipeline writes (a file or folder of yours?); "
            "move it away or choose another output folder -- nothing was changed"
        )


def commit(output: Path, staging: Path, record: dict[str, Any], keep: int | None = None) -> Path:
    """Publish the run in ``staging``: rename it to ``runs/<run-id>``, switch ``current`` to it in one
    atomic step, add the top-level links it needs, record it in the history, prune old run folders.
    Returns the run folder.  ``record`` goes to the run history."""
    from pipeline.run import history

    run_id = record["run_id"]
    history.check(output)  # a history that cannot take the record stops the run before anything is published
    atomic.write_json(staging / RECORD, record)
    atomic.write_json(staging / MANIFEST, _files(staging))
    _sync_tree(staging)
    crash_point("before-commit")
    folder = output / RUNS_DIR / run_id
    os.rename(staging, folder)
    _sync(folder.parent)
    crash_point("commit:1")
    link = output / f".{CURRENT}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(f"{RUNS_DIR}/{run_id}", link)
    os.replace(link, output / CURRENT)  # the switch: readers see the old run or this one
    _sync(output)
    crash_point("commit:2")
    _link_results(output, sorted(p.name for p in folder.iterdir() if p.name in RESULT_NAMES))
    crash_point("commit:3")
    _record(history, output, folder, record)
    crash_point("before-journal-removed")
    prune(output, keep)
    return folder


def _record(history: Any, output: Path, folder: Path, record: dict[str, Any]) -> None:
    """Record a published run in the history; a failure is a warning (the results are published,
    and the next run records it then -- see :func:`recover`)."""
    try:
        history.record(output, record, results=folder)
    except Exception as exc:  # the results are out: a history problem must not call the run failed
        LOGGER.warning(f"warning: {history.db_path(output)}: run not recorded in the history ({exc})")


def _sync(folder: Path) -> None:
    """fsync a folder, so a rename in it survives a power cut (best effort: some file systems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sync_tree(folder: Path) -> None:
    for sub, _, _ in os.walk(folder):
        _sync(Path(sub))


def _link_results(output: Path, names: list[str]) -> None:
    """``<output>/<name> -> current/<name>`` for each result name, created once; an existing entry
    that is not such a link is left alone (with a warning), since it is not ours."""
    for name in names:
        top = output / name
        if _is_our_link(top, name):
            continue
        if top.exists() or top.is_symlink():
            LOGGER.warning(
                f"warning: {top}: exists and was not written by this pipeline; left as it is "
                f"(this run's {name} is in {output / CURRENT / name})"
            )
            continue
        os.symlink(f"{CURRENT}/{name}", top)


def _run_folders(output: Path) -> list[str]:
    runs = output / RUNS_DIR
    if not runs.is_dir():
        return []
    return sorted(p.name for p in runs.iterdir() if RUN_ID.fullmatch(p.name) and p.is_dir() and not p.is_symlink())


def _keep_runs(keep: int | None) -> int:
    if keep is None:
        try:
            keep = int(os.environ.get(KEEP_RUNS_ENV, KEEP_RUNS))
        except ValueError:
            raise PipelineError(f"{KEEP_RUNS_ENV}: expected a whole number of run folders to keep") from None
    return max(1, keep)


def _published_at(folder: Path) -> int:
    """When a run folder was completed (ns): its history record is the last file written before the
    rename.  Run ids are not enough to order runs: two runs started in one second sort by a random part."""
    try:
        return (folder / RECORD).stat().st_mtime_ns
    except OSError:
        return 0  # a folder adopted from the layout before run folders: older than any other


def prune(output: Path, keep: int | None = None) -> list[str]:
    """Delete run folders but the published one and the ``keep - 1`` completed before it.  Folders
    completed after the published one were never published (a run killed between its rename and the
    switch).  Only ``runs/<run-id>`` folders are touched.  Returns the deleted names."""
    current = results_folder(output)
    if current == output or not current.is_dir():  # no run folder published, or it was deleted by hand
        return []
    runs = output / RUNS_DIR
    stamps = {name: _published_at(runs / name) for name in _run_folders(output)}
    published = stamps.get(current.name)
    if published is None:  # `current` names something else than a run folder of ours: delete nothing
        return []
    older = sorted((stamps[name], name) for name in stamps if name != current.name and stamps[name] <= published)
    kept = {current.name, *(name for _, name in older[len(older) - min(len(older), _keep_runs(keep) - 1) :])}
    deleted = [name for name in stamps if name not in kept and not _holds_user_files(runs / name)]
    for name in deleted:
        # renamed first (one atomic step), so a reader still in it sees the folder gone, not half of it
        trash = runs / f".{name}{PARTIAL}"
        with contextlib.suppress(OSError):
            os.rename(runs / name, trash)
        shutil.rmtree(trash, ignore_errors=True)
    return deleted


def _files(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted POSIX paths relative to it (the run folder's manifest)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def _holds_user_files(folder: Path) -> bool:
    """True (with a warning naming them) when ``folder`` holds files its run did not write -- a user
    writing through the top-level links (``plots/`` is a link into ``current/plots``) writes into a
    run folder.  Such a folder is kept.  A folder without a manifest (adopted from the layout before
    run folders) holds only what that layout wrote."""
    try:
        written = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))) | {MANIFEST}
    except (OSError, ValueError, TypeError):
        return False
    foreign = [name for name in _files(folder) if name not in written]
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        LOGGER.warning(f"warning: {folder}: kept, it holds files this pipeline did not write ({shown}); move them out")
    return bool(foreign)


def recover(output: Path) -> bool:
    """Clean up after a killed run; call under the lock.  Never fails on a damaged history.

    Removes ``.partial`` run folders, spool files and what older versions left (``.staging``,
    ``.commit.json``); moves the results of an older version's layout into a run folder; records
    the published run in the history when a kill came between the switch and the record.
    Returns True when that record was replayed.
    """
    from pipeline.run import history

    runs = output / RUNS_DIR
    if runs.is_dir():
        for leftover in runs.glob(f".*{PARTIAL}"):
            if RUN_ID.fullmatch(leftover.name[1 : -len(PARTIAL)]):
                shutil.rmtree(leftover, ignore_errors=True)
    shutil.rmtree(output / STAGING_DIR, ignore_errors=True)
    with contextlib.suppress(OSError):
        (output / JOURNAL).unlink()
    for leftover in output.glob(".*.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output.glob(f"{SPOOL_PREFIX}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    for leftover in (
        *output.glob(f".{CURRENT}.*.tmp"),
        output / CACHE_DIR / "lock",
        output / CACHE_DIR / "lock-holder",
    ):
        with contextlib.suppress(OSError):
            leftover.unlink()  # the last two: where the version before kept its lock
    _adopt_legacy(output)
    folder = results_folder(output)
    if folder == output:
        return False
    prune(output)
    try:
        saved = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        return bool(history.record(output, saved, results=folder))
    except Exception as exc:  # the history is checked (and reported) before the next publication
        LOGGER.debug(f"history record of {folder.name} not replayed: {exc}")
        return False


def _adopt_legacy(output: Path) -> None:
    """Results written straight into the output folder by a version before run folders: when its
    ``run.json`` is a run's (a run id of ours), move the result files into ``runs/<run-id>``, make
    that the published run and link them back, so nothing is lost and the layout is the new one."""
    legacy = output / CATALOGUE["run"].filename
    if legacy.is_symlink() or not legacy.is_file() or (output / CURRENT).is_symlink():
        return
    try:
        run_id = json.loads(legacy.read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError, AttributeError):
        return
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id):
        return
    folder = output / RUNS_DIR / run_id
    folder.mkdir(parents=True, exist_ok=True)  # exists when an earlier adoption was killed: go on with it
    moved = []
    for name in sorted(RESULT_NAMES, key=lambda name: name == legacy.name):  # run.json last: it marks the layout
        source = output / name
        if source.exists() and not source.is_symlink():
            os.replace(source, folder / name)
            moved.append(name)
    os.symlink(f"{RUNS_DIR}/{run_id}", output / CURRENT)
    _link_results(output, moved)
    LOGGER.info(f"moved the results of run {run_id} into {folder} (the layout with run folders)")
