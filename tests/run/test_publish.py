"""Publication of a run (issue 17): one atomic switch of ``current``, a kill at every point of it, a
reader polling while runs are killed, the user's files in the output folder, a bad history, the
lock, and output folders that cannot be used."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import pipeline
from pipeline import config
from pipeline.api import RESULTS
from pipeline.errors import PipelineError
from pipeline.registry import register
from pipeline.run import commit, history, runner
from pipeline.stages.base import CorpusStage
from tests.conftest import ROOT, SEED

STAGES = {
    "ingest": {"impl": "files"},
    "structure": {"impl": "un_document"},
    "themes": {"impl": "keywords", "options": {"taxonomy": str(ROOT / "configs" / "themes.yaml")}},
}


def write_config(path: Path, corpus: Path | str, output: Path, stages: dict | None = None) -> Path:
    data = {"name": "pub", "corpus": str(corpus), "output": str(output), "seed": 0, "stages": stages or STAGES}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_corpus(folder: Path, names: list[str], start: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
    for i, name in enumerate(names):
        first = start + i * 3
        (folder / f"{name}.txt").write_text("\n\n".join(paragraphs[first : first + 3]), encoding="utf-8")
    return folder


def cli(config_path: Path, crash_at: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != commit.CRASH_ENV} | env
    if crash_at:
        environment[commit.CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "-q", "--config", str(config_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def signature(run: pipeline.Run) -> dict[str, str]:
    """A digest of each DataFrame of a loaded run, and the documents its run.json lists."""
    sig = {name: hashlib.sha256(getattr(run, name).to_csv().encode()).hexdigest() for name in RESULTS}
    sig["documents"] = ",".join(sorted(d["doc_id"] for d in run.info["documents"]))
    return sig


def which(run: pipeline.Run, references: dict[str, dict[str, str]]) -> str:
    """The reference run a loaded run is, all files at once; fails on a mix of two runs."""
    assert set(run.units["doc_id"]) == {d["doc_id"] for d in run.info["documents"]}  # units and run.json agree
    sig = signature(run)
    found = [label for label, ref in references.items() if ref == sig]
    assert len(found) == 1, {k: [label for label, ref in references.items() if ref[k] == v] for k, v in sig.items()}
    return found[0]


@dataclass
class Setup:
    tmp: Path
    output: Path
    configs: dict[str, Path]  # "X", "Y": two corpora whose results differ in every file that has content
    references: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Setup:
    tmp = tmp_path_factory.mktemp("publish")
    output = tmp / "out"
    corpora = {"X": make_corpus(tmp / "x", ["a", "b"], 0), "Y": make_corpus(tmp / "y", ["c", "d", "e"], 6)}
    configs, references = {}, {}
    for label, corpus in corpora.items():
        configs[label] = write_config(tmp / f"{label}.yaml", corpus, output)
        reference = write_config(tmp / f"ref-{label}.yaml", corpus, tmp / f"ref-{label}")
        runner.run(config.load(reference), quiet=True)
        references[label] = signature(pipeline.load_run(tmp / f"ref-{label}"))
    differ = [k for k in references["X"] if references["X"][k] != references["Y"][k]]
    assert {"units", "themes", "documents"} <= set(differ)  # a mix of X and Y would show
    return Setup(tmp, output, configs, references)


def fresh(setup: Setup, name: str) -> tuple[Path, dict[str, Path]]:
    """An empty output folder of its own and the X / Y configs writing to it."""
    output = setup.tmp / name
    shutil.rmtree(output, ignore_errors=True)
    return output, {k: write_config(setup.tmp / f"{name}-{k}.yaml", yaml.safe_load(p.read_text())["corpus"], output)
                    for k, p in setup.configs.items()}  # fmt: skip


def run_folders(output: Path) -> list[str]:
    return sorted(p.name for p in (output / commit.RUNS_DIR).iterdir())


# --------------------------------------------------------------------------- atomic publication


@pytest.mark.slow
def test_a_kill_at_each_point_of_publication_leaves_one_whole_run(setup: Setup) -> None:
    output, configs = fresh(setup, "points")
    runner.run(config.load(configs["X"]), quiet=True)
    published = "X"
    for point in ("staged", *commit.PUBLISH_POINTS):
        other = "Y" if published == "X" else "X"
        killed = cli(configs[other], point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        seen = which(pipeline.load_run(output), setup.references)
        # before the switch of `current` the previous run is published, from the switch on the new one
        switched = point in ("commit:2", "commit:3", "before-journal-removed")
        assert seen == (other if switched else published), point
        for name in ("units.jsonl", "themes.csv", "run.json"):  # the top-level paths read the same run
            assert (output / name).read_bytes() == (commit.results_folder(output) / name).read_bytes()
        published = seen
    summary = runner.run(config.load(configs["X"]), quiet=True)
    assert which(pipeline.load_run(output), setup.references) == "X"
    assert summary.report is None  # no report stage: none claimed
    assert len(run_folders(output)) == 2  # the published run and the one before
    assert not list((output / commit.RUNS_DIR).glob(".*")), "a half-written run folder outlived the next run"
    statuses = list(history.runs(output)["status"])
    # first run, the killed ones that switched (recorded by the next run), the last one
    assert statuses == ["ok"] * 5, statuses
    assert not (output / commit.JOURNAL).exists() and not (output / commit.STAGING_DIR).exists()


@pytest.mark.slow
def test_a_reader_polling_load_run_while_runs_are_killed_sees_one_whole_run_each_time(setup: Setup) -> None:
    output, configs = fresh(setup, "polling")
    runner.run(config.load(configs["X"]), quiet=True)
    stop = threading.Event()
    seen: list[str] = []
    problems: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                seen.append(which(pipeline.load_run(output), setup.references))
            except BaseException as exc:  # reported by the main thread
                problems.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        plan = [*commit.PUBLISH_POINTS, None, "commit:2", None, "commit:1", None]
        for index, point in enumerate(plan):
            label = "Y" if index % 2 == 0 else "X"
            done = cli(configs[label], point)
            assert done.returncode == (-signal.SIGKILL if point else 0), done.stderr
    finally:
        stop.set()
        thread.join(60)
    assert not problems, problems[0]
    print(f"reader: {len(seen)} loads, {seen.count('X')} of X, {seen.count('Y')} of Y, each one whole run")
    assert len(seen) >= 20 and set(seen) == {"X", "Y"}, (len(seen), set(seen))


# --------------------------------------------------------------------------- what is not ours


@register("report", "test_plots")
@dataclass
class PlotStage(CorpusStage):
    """Writes report.html and plots/ as the report stage does (quickly)."""

    def apply(self, corpus) -> dict[str, int]:
        (corpus.output / "plots").mkdir()
        (corpus.output / "plots" / "shares.svg").write_text("<svg/>", encoding="utf-8")
        (corpus.output / "report.html").write_text("<html>ours</html>", encoding="utf-8")
        return {"plots": 1}


def test_files_of_the_user_in_the_output_folder_are_never_replaced_or_deleted(tmp_path, caplog) -> None:
    """Output folder = the corpus folder, which holds plots/my-figure.txt and a report.html of the user's."""
    folder = make_corpus(tmp_path / "corpus", ["a", "b"], 0)
    mine = {
        "plots/my-figure.txt": "شكل من عملي",
        "report.html": "<html>my own page</html>",
        "runs/notes.txt": "my notes",
        "runs/20200101T000000Z-notmine0/keep.txt": "near our pattern, but not a run id",
    }
    for name, text in mine.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    stages = {**STAGES, "report": {"impl": "test_plots"}}
    cfg = config.load(write_config(tmp_path / "c.yaml", f"{folder}/*.txt", folder, stages))
    for _ in range(4):  # enough runs to prune run folders
        summary = runner.run(cfg, quiet=True)
    for name, text in mine.items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    assert sorted(p.name for p in (folder / "plots").iterdir()) == ["my-figure.txt"]
    assert (folder / "current" / "plots" / "shares.svg").is_file()
    assert summary.report == folder / "runs" / summary.run_id / "report.html"  # the user's report.html is not claimed
    assert (folder / "units.jsonl").is_symlink() and (folder / "units.jsonl").is_file()
    assert "plots: exists and was not written by this pipeline" in caplog.text
    runs = sorted(p.name for p in (folder / "runs").iterdir())
    assert len([n for n in runs if commit.RUN_ID.fullmatch(n)]) == 2
    assert {"notes.txt", "20200101T000000Z-notmine0"} <= set(runs)


def test_a_file_written_through_the_plots_link_is_never_pruned(tmp_path, caplog) -> None:
    """plots/ is a link into current/plots: a file saved there lands in a run folder.  That folder is
    kept (with a warning naming the file) when later runs prune, instead of deleted with the user's file."""
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    stages = {**STAGES, "report": {"impl": "test_plots"}}
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, tmp_path / "out", stages))
    first = runner.run(cfg, quiet=True).run_id
    (tmp_path / "out" / "plots" / "mine.txt").write_text("شكل من عملي", encoding="utf-8")
    for _ in range(3):  # enough runs for the first run folder to be pruned
        last = runner.run(cfg, quiet=True).run_id
    kept = tmp_path / "out" / "runs" / first
    assert (kept / "plots" / "mine.txt").read_text(encoding="utf-8") == "شكل من عملي"
    assert f"{kept}: kept, it holds files this pipeline did not write (plots/mine.txt)" in caplog.text
    assert os.readlink(tmp_path / "out" / "current") == f"runs/{last}"
    assert len(run_folders(tmp_path / "out")) == 3  # the default two, plus the one holding the user's file


def test_the_corpus_folder_as_output_never_reads_the_run_folders_or_links(tmp_path) -> None:
    """runs/, current and the top-level links (report.html is a readable format) are not documents."""
    folder = make_corpus(tmp_path / "corpus", ["a", "b"], 0)
    stages = {**STAGES, "report": {"impl": "test_plots"}}
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, folder, stages))
    first = runner.run(cfg, quiet=True)
    second = runner.run(cfg, quiet=True)
    assert first.documents == second.documents == 2 and second.failed == []
    skipped = pipeline.load_run(folder).info["skipped"]
    for name in ("runs/", "current/", "report.html", "units.jsonl"):
        assert f"{folder}/{name}: not read (the run's output folder)" in skipped, (name, skipped)


def test_current_that_is_not_our_link_stops_the_run_and_is_left_alone(tmp_path) -> None:
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    (tmp_path / "out" / "current").mkdir(parents=True)
    (tmp_path / "out" / "current" / "x.txt").write_text("mine", encoding="utf-8")
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, tmp_path / "out"))
    with pytest.raises(PipelineError, match=r"current: is not the link this pipeline writes"):
        runner.run(cfg, quiet=True)
    assert (tmp_path / "out" / "current" / "x.txt").read_text(encoding="utf-8") == "mine"


def test_old_run_folders_are_pruned_to_the_number_kept(tmp_path, monkeypatch) -> None:
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, tmp_path / "out"))
    monkeypatch.setenv(commit.KEEP_RUNS_ENV, "3")
    ids = [runner.run(cfg, quiet=True).run_id for _ in range(4)]  # quick runs: some start in the same second
    assert run_folders(tmp_path / "out") == sorted(ids[1:])
    monkeypatch.delenv(commit.KEEP_RUNS_ENV)
    ids.append(runner.run(cfg, quiet=True).run_id)
    assert run_folders(tmp_path / "out") == sorted(ids[-2:])  # the default: the published run and the one before
    assert os.readlink(tmp_path / "out" / "current") == f"runs/{ids[-1]}"


def test_results_of_the_layout_before_run_folders_are_moved_into_one(tmp_path) -> None:
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    out = tmp_path / "out"
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, out))
    first = runner.run(cfg, quiet=True).run_id
    old = commit.results_folder(out)
    (out / "current").unlink()
    for p in old.iterdir():  # the old layout: result files straight in the output folder
        if (out / p.name).is_symlink():
            (out / p.name).unlink()
        os.replace(p, out / p.name)
    shutil.rmtree(out / "runs")
    legacy = (out / "units.jsonl").read_bytes()
    second = runner.run(cfg, quiet=True).run_id
    assert run_folders(out) == sorted([first, second])
    assert (out / "runs" / first / "units.jsonl").read_bytes() == legacy
    assert (out / "units.jsonl").is_symlink() and (out / "units.jsonl").read_bytes() == legacy  # same corpus


# --------------------------------------------------------------------------- the history


def one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["foreign runs table", "folder"])
def test_a_bad_history_stops_the_run_before_publishing_and_the_fixed_one_runs(setup: Setup, damage: str) -> None:
    output, configs = fresh(setup, f"history-{damage.split()[0]}")
    runner.run(config.load(configs["X"]), quiet=True)
    db = history.db_path(output)
    db.unlink()
    if damage == "folder":
        db.mkdir()
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE runs (name TEXT, owner TEXT)")
            conn.execute("INSERT INTO runs VALUES ('theirs', 'someone')")
        conn.close()
    before = db.read_bytes() if db.is_file() else None
    current = os.readlink(output / "current")
    for _ in range(2):  # the second run meets what the first left: the same one line, nothing sticky
        done = cli(configs["Y"])
        assert done.returncode == 1
        line = one_error_line(done)
        assert line.startswith(f"error: {db}: not usable as the run history"), line
        assert os.readlink(output / "current") == current
        assert which(pipeline.load_run(output), setup.references) == "X"  # previous results untouched
        assert not list((output / commit.RUNS_DIR).glob(".*")) and not (output / commit.JOURNAL).exists()
        if before is not None:
            assert db.read_bytes() == before  # someone else's database is not written to
    if damage == "folder":
        db.rmdir()
    else:
        db.unlink()
    done = cli(configs["Y"])
    assert done.returncode == 0, done.stderr
    assert which(pipeline.load_run(output), setup.references) == "Y"
    # the fresh history: the published run X (replayed from its run folder), then Y
    assert list(history.runs(output)["status"]) == ["ok", "ok"]


# --------------------------------------------------------------------------- the lock

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.run.commit import output_lock
with output_lock(Path(sys.argv[1]), 0):
    print("held", flush=True)
    time.sleep(120)
"""


def test_deleting_the_lock_note_does_not_let_a_second_run_in(tmp_path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert f"pid {holder.pid}" in (out / commit.LOCK_NOTE).read_text(encoding="utf-8")
        (out / commit.LOCK_NOTE).unlink()
        shutil.rmtree(out / commit.CACHE_DIR, ignore_errors=True)
        with pytest.raises(PipelineError, match="another run is using this output folder"), commit.output_lock(out, 0):
            pass
        folder = make_corpus(tmp_path / "corpus", ["a"], 0)
        done = cli(write_config(tmp_path / "c.yaml", folder, out))
        assert done.returncode == 1 and "another run is using this output folder" in one_error_line(done)
        assert not (out / "current").exists()
    finally:
        holder.kill()
        holder.wait()
    with commit.output_lock(out, 0):  # released when its holder died
        pass


def test_where_folders_cannot_be_locked_a_lock_file_is_used(tmp_path, monkeypatch) -> None:
    real = commit.fcntl.flock

    def no_folder_locks(fd: int, operation: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{fd}") and operation != commit.fcntl.LOCK_UN:
            raise OSError(errno.EBADF, "Bad file descriptor")
        real(fd, operation)

    monkeypatch.setattr(commit.fcntl, "flock", no_folder_locks)
    out = tmp_path / "out"
    with commit.output_lock(out, 0):
        assert f"pid {os.getpid()}" in (out / commit.LOCK_NOTE).read_text(encoding="utf-8")
        busy = pytest.raises(PipelineError, match=r"another run is using this output folder \(locked by pid")
        with busy, commit.output_lock(out, 0):
            pass
    with commit.output_lock(out, 0):
        pass


# --------------------------------------------------------------------------- output folders that cannot be used


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("a file", "is a file, not a folder"),
        ("under a file", "is a file, not a folder"),
        ("/dev/null/x", "/dev/null is a file, not a folder"),
        ("/proc/x", "cannot create the output folder: No such file or directory"),
    ],
)
def test_an_output_that_cannot_be_a_folder_is_one_line(tmp_path, where: str, reason: str) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    output = {"a file": tmp_path / "a-file", "under a file": tmp_path / "a-file" / "out"}.get(where, Path(where))
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    done = cli(write_config(tmp_path / "c.yaml", folder, output))
    assert done.returncode == 1
    line = one_error_line(done)
    assert line.startswith(f"error: {output}: ") and reason in line, line


def test_a_folder_without_write_permission_is_one_line() -> None:
    """chmod 555: as root chmod is not enforced, so the run goes as user nobody (65534), through setpriv."""
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root (chmod is not enforced) and setpriv is absent to run as another user")
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    base = Path(tempfile.mkdtemp(prefix="publish17-"))
    try:
        base.chmod(0o755)
        folder = make_corpus(base / "corpus", ["a"], 0)
        folder.chmod(0o755)
        output = base / "read-only"
        output.mkdir()
        output.chmod(0o555)
        path = write_config(base / "c.yaml", folder, output)
        path.chmod(0o644)
        done = subprocess.run(
            [*as_user, sys.executable, "-m", "pipeline", "run", "-q", "--config", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 1
        assert one_error_line(done) == f"error: {output}: cannot write in the output folder: Permission denied"
        assert list(output.iterdir()) == []
    finally:
        shutil.rmtree(base)


def test_a_run_json_of_the_published_run_is_what_load_run_reads(tmp_path) -> None:
    """load_run reads every file from the folder `current` names, resolved once."""
    folder = make_corpus(tmp_path / "corpus", ["a"], 0)
    cfg = config.load(write_config(tmp_path / "c.yaml", folder, tmp_path / "out"))
    summary = runner.run(cfg, quiet=True)
    run = pipeline.load_run(tmp_path / "out")
    assert run.folder == tmp_path / "out" / "runs" / summary.run_id
    assert run.info["run_id"] == summary.run_id
    assert json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["run_id"] == summary.run_id
