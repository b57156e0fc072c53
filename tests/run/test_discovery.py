"""Issue 17, corpus discovery and per-document limits: what a file, a folder or a link in the corpus can do.

Every case runs the CLI in a subprocess on a small corpus (a good document beside the bad one) and
checks: the exit code, one-line messages without a traceback, the good document analysed, the bad
one reported in the run summary and in run.json, and a second run that succeeds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from pipeline.names import os_path, path_text, quoted
from pipeline.run.budget import Budget, BudgetExceeded, guard
from pipeline.stages.ingest import discover, doc_id_for

ROOT = Path(__file__).resolve().parents[2]
GOOD = "تعمل الحكومة على تطوير الخدمات الرقمية لجميع المواطنين في المملكة العربية السعودية.\n"
NAMES = sys.platform != "win32"  # POSIX file names are bytes: any byte but / and NUL


def write_config(tmp_path: Path, corpus: str | Path, output: str | Path, executor: str = "") -> Path:
    """A config of the two required stages (ingest, structure): fast, and all discovery needs."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f"name: t\ncorpus: {corpus}\noutput: {output}\n{executor}"
        "stages: {ingest: {impl: files}, structure: {impl: document}}\n",
        encoding="utf-8",
    )
    return config


def run(config: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", str(config), "--quiet", *extra],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        timeout=600,
    )


def run_json(output: Path) -> dict:
    return json.loads((output / "run.json").read_text(encoding="utf-8"))


def ok(result: subprocess.CompletedProcess) -> str:
    """The summary of a run that published: exit 0, or 3 exactly when some documents failed."""
    failed = any(line.startswith("failed: ") for line in result.stdout.splitlines())
    assert result.returncode == (3 if failed else 0), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def one_line_failures(stdout: str) -> list[str]:
    """The ``failed:`` lines of a run summary; each must be a whole message (no line of a name spills over)."""
    lines = stdout.splitlines()
    known = (
        "documents:",
        "units:",
        "repairs:",
        "layout:",
        "warning:",
        "renamed:",
        "skipped:",
        "failed:",
        "results:",
        "report:",
    )
    assert all(line.startswith(known) for line in lines), stdout
    return [line for line in lines if line.startswith("failed:")]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- names


@pytest.mark.skipif(not NAMES, reason="byte file names are POSIX")
def test_a_file_name_that_is_not_utf8_is_read_and_recorded_with_escapes(tmp_path: Path, corpus: Path) -> None:
    bad = os.fsdecode(bytes(corpus) + b"/caf\xe9.txt")  # a cp1256 zip's name, unpacked on Linux
    Path(bad).write_text(GOOD, encoding="utf-8")
    output = tmp_path / "out"
    config = write_config(tmp_path, corpus, output)
    stdout = ok(run(config))
    assert "documents: 2 analysed, 0 failed" in stdout
    info = run_json(output)
    assert sorted(d["doc_id"] for d in info["documents"]) == ["caf\\xe9", "good"]
    assert f"{corpus}/caf\\xe9.txt" in info["inputs"]
    units = [json.loads(line) for line in (output / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {u["doc_id"] for u in units} == {"caf\\xe9", "good"}
    assert "documents: 2 analysed, 0 failed" in ok(run(config))  # the cached run too
    assert os_path(f"{corpus}/caf\\xe9.txt") == Path(bad)


@pytest.mark.skipif(not NAMES, reason="newlines in file names are POSIX")
def test_a_file_name_with_a_newline_gives_one_line_failure_quoted(tmp_path: Path, corpus: Path) -> None:
    (corpus / "two\nlines.txt").write_bytes(b"")  # empty: fails
    (corpus / "rlo\u202etxt.md").write_text("no Arabic here", encoding="utf-8")  # a bidi override in the name
    config = write_config(tmp_path, corpus, tmp_path / "out")
    failures = one_line_failures(ok(run(config)))
    assert f"failed: '{corpus}/two\\nlines.txt': file is empty" in failures
    assert f"failed: '{corpus}/rlo\\u202etxt.md': no Arabic text found" in failures
    assert quoted("plain name.txt") == "plain name.txt"  # printable names stay as they are
    assert quoted(os.fsdecode(b"caf\xe9.txt")) == "'caf\\xe9.txt'"
    assert path_text(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"


# --------------------------------------------------------------------------- ids


def test_files_with_the_same_stem_get_distinct_ids(tmp_path: Path, corpus: Path) -> None:
    (corpus / "report.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "report.md").write_text(GOOD, encoding="utf-8")
    for year in ("2023", "2024"):
        (corpus / year).mkdir()
        (corpus / year / "report.txt").write_text(GOOD, encoding="utf-8")
    output = tmp_path / "out"
    config = write_config(tmp_path, corpus, output)
    assert "documents: 5 analysed, 0 failed" in ok(run(config))
    ids = [d["doc_id"] for d in run_json(output)["documents"]]
    assert ids == ["2023/report", "2024/report", "good", "report.md", "report.txt"]
    # a twin appearing later changes the id of the file already analysed: the cache must not keep the old one
    (corpus / "good.md").write_text(GOOD, encoding="utf-8")
    summary = ok(run(config))
    assert "documents: 6 analysed, 0 failed" in summary
    assert "good.txt" in [d["doc_id"] for d in run_json(output)["documents"]]
    # and the summary and run.json say so: results joined on doc_id across runs must hear of it
    assert "renamed: 1 document (good -> good.txt): a file of the same name appeared or went" in summary
    record = json.loads((output / "current" / ".history-record.json").read_text(encoding="utf-8"))
    assert record["changes"]["renamed"] == ["good -> good.txt"]  # the run history keeps it


def test_ids_do_not_resolve_links_and_stay_stems_at_the_root(tmp_path: Path, corpus: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "annex.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "linked").symlink_to(elsewhere)
    files = discover(str(corpus)).files
    assert [doc_id_for(p, corpus) for p in files] == ["good", "linked/annex"]


def test_a_glob_through_a_link_to_the_parent_finds_each_file_once(tmp_path: Path, corpus: Path) -> None:
    (corpus / "sub").mkdir()
    (corpus / "sub" / "b.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "sub" / "up").symlink_to("..")  # sub/up -> corpus: a loop
    (corpus / "again").symlink_to("sub")  # the same folder twice
    (corpus / "same.txt").symlink_to("good.txt")  # the same file twice
    output = tmp_path / "out"
    config = write_config(tmp_path, f"{corpus}/**/*.txt", output)
    stdout = ok(run(config))
    assert "documents: 2 analysed, 0 failed" in stdout
    assert (
        "skipped: 3 not read (a link to a folder holding the corpus 1, a link to a folder of the corpus 1, link to a file or folder read already 1)"
        in stdout
    )
    info = run_json(output)
    assert [d["doc_id"] for d in info["documents"]] == ["good", "sub/b"]
    assert f"{corpus}/same.txt: not read (the same file as {corpus}/good.txt)" in info["skipped"]


# --------------------------------------------------------------------------- what is never read


def test_the_output_folder_inside_the_corpus_is_never_read(tmp_path: Path, corpus: Path) -> None:
    output = corpus / "results"
    config = write_config(tmp_path, corpus, output)
    assert "documents: 1 analysed, 0 failed" in ok(run(config))
    (output / "notes.txt").write_text(GOOD, encoding="utf-8")  # even a readable file in it
    stdout = ok(run(config))
    assert "documents: 1 analysed, 0 failed" in stdout
    assert f"{output}/: not read (the run's output folder)" in run_json(output)["skipped"]
    glob_config = write_config(tmp_path, f"{corpus}/**/*.txt", output)
    assert "documents: 1 analysed, 0 failed" in ok(run(glob_config))


def test_the_corpus_folder_as_output_skips_the_results(tmp_path: Path, corpus: Path) -> None:
    config = write_config(tmp_path, corpus, corpus)
    ok(run(config))
    (corpus / "report.html").write_text(f"<p>{GOOD}</p>", encoding="utf-8")  # as a report stage writes it
    stdout = ok(run(config))
    assert "documents: 1 analysed, 0 failed" in stdout
    skipped = run_json(corpus)["skipped"]
    assert f"{corpus}/report.html: not read (the run's output folder)" in skipped
    assert f"{corpus}/.cache/: not read (hidden folder)" in skipped


def test_an_earlier_output_folder_in_the_corpus_is_not_read(tmp_path: Path, corpus: Path) -> None:
    """The corpus once was its own output (or an old output folder was left in it): its run folders and
    the result links into them are results, not documents, when the output moves elsewhere."""
    ok(run(write_config(tmp_path, corpus, corpus)))
    (corpus / "runs").mkdir(exist_ok=True)
    (corpus / "runs" / "old").mkdir()
    (corpus / "runs" / "old" / "run.json").write_text("{}", encoding="utf-8")
    (corpus / "runs" / "old" / "report.html").write_text(f"<p>{GOOD}</p>", encoding="utf-8")
    (corpus / "report.html").unlink(missing_ok=True)
    (corpus / "report.html").symlink_to("runs/old/report.html")  # as the published link
    output = tmp_path / "elsewhere"
    stdout = ok(run(write_config(tmp_path, corpus, output)))
    assert "documents: 1 analysed, 0 failed" in stdout
    skipped = run_json(output)["skipped"]
    assert f"{corpus}/runs/old/: not read (results of a pipeline run (it holds run.json))" in skipped
    assert f"{corpus}/report.html: not read (results of a pipeline run (it holds run.json))" in skipped


def test_hidden_files_and_folders_are_skipped_and_said(tmp_path: Path, corpus: Path) -> None:
    (corpus / ".git").mkdir()
    (corpus / ".git" / "notes.txt").write_text(GOOD, encoding="utf-8")
    (corpus / ".draft.txt").write_text(GOOD, encoding="utf-8")
    output = tmp_path / "out"
    stdout = ok(run(write_config(tmp_path, corpus, output)))
    assert "documents: 1 analysed, 0 failed" in stdout
    assert "skipped: 2 not read (hidden file 1, hidden folder 1)" in stdout
    assert run_json(output)["skipped"] == [
        f"{corpus}/.draft.txt: not read (hidden file)",
        f"{corpus}/.git/: not read (hidden folder)",
    ]


def test_a_file_of_only_tatweel_or_punctuation_is_reported_not_analysed(tmp_path: Path, corpus: Path) -> None:
    (corpus / "tatweel.txt").write_text("ـــــــ ـــ\nـــ\n", encoding="utf-8")
    (corpus / "marks.txt").write_text("، ؛ ؟ … «» ٪ ﴾﴿ ﹰ ﹲ\n", encoding="utf-8")
    output = tmp_path / "out"
    failures = one_line_failures(ok(run(write_config(tmp_path, corpus, output))))
    assert failures == [
        f"failed: {corpus}/marks.txt: no Arabic text found",
        f"failed: {corpus}/tatweel.txt: no Arabic text found",
    ]
    info = run_json(output)
    assert [d["doc_id"] for d in info["documents"]] == ["good"]
    assert sorted(f["source"] for f in info["failed_documents"]) == [f"{corpus}/marks.txt", f"{corpus}/tatweel.txt"]


# --------------------------------------------------------------------------- the budget


def bomb_pdf(inflated_mb: float, chunk: bytes = b"q Q ") -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of ``chunk`` repeated (zlib
    compresses it about 1000:1)."""
    compressor = zlib.compressobj(9)
    block = chunk * (2**20 // len(chunk))
    stream = b"".join(compressor.compress(block) for _ in range(int(inflated_mb))) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_decompression_bomb_pdf_fails_in_seconds_and_the_run_goes_on(tmp_path: Path, corpus: Path) -> None:
    (corpus / "bomb.pdf").write_bytes(bomb_pdf(256))  # ~260 KB on disk, 256 MB inflated
    assert (corpus / "bomb.pdf").stat().st_size < 400_000
    output = tmp_path / "out"
    config = write_config(tmp_path, corpus, output)
    started = time.monotonic()
    stdout = ok(run(config))
    assert time.monotonic() - started < 60  # the probe took 511 s of CPU before the limit
    assert "documents: 1 analysed, 1 failed" in stdout
    [failure] = one_line_failures(stdout)
    assert failure.startswith(f"failed: {corpus}/bomb.pdf: PDF stream 4 inflates to more than 64 MB")
    assert "documents: 1 analysed, 1 failed" in ok(run(config))  # and the next run


def test_a_docx_zip_bomb_fails_before_python_docx_reads_it(tmp_path: Path, corpus: Path) -> None:
    import zipfile

    with zipfile.ZipFile(corpus / "bomb.docx", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(100):
                part.write(b" " * 2**20)  # 100 MB of spaces, ~100 KB compressed
    assert (corpus / "bomb.docx").stat().st_size < 400_000
    output = tmp_path / "out"
    stdout = ok(run(write_config(tmp_path, corpus, output)))
    assert "documents: 1 analysed, 1 failed" in stdout
    assert one_line_failures(stdout) == [
        f"failed: {corpus}/bomb.docx: .docx part 'word/document.xml' inflates to 100 MB "
        "(a decompression bomb?); not read (ingest option max_inflated_mb)"
    ]


@pytest.mark.parametrize("kind", ["local", "processes", "dask"])
def test_a_document_over_its_time_budget_fails_alone(tmp_path: Path, corpus: Path, kind: str) -> None:
    (corpus / "slow.pdf").write_bytes(bomb_pdf(4))  # under the stream limit, but ~30 s of pdfminer
    output = tmp_path / "out"
    executor = f"executor: {{kind: {kind}, workers: 1, document_seconds: 1}}\n"
    started = time.monotonic()
    stdout = ok(run(write_config(tmp_path, corpus, output, executor)))
    assert time.monotonic() - started < (90 if kind == "dask" else 25)  # a LocalCluster takes a while to start
    assert "documents: 1 analysed, 1 failed" in stdout
    assert one_line_failures(stdout) == [
        f"failed: {corpus}/slow.pdf: ingest: exceeded the time budget of 1 s per document"
    ]
    assert run_json(output)["failed_documents"][0]["source"] == f"{corpus}/slow.pdf"


def test_the_watchdog_stops_time_and_memory_and_leaves_the_rest_alone() -> None:
    with pytest.raises(BudgetExceeded, match=r"time budget of 0\.3 s"), guard(Budget(seconds=0.3, memory_mb=0)):
        while True:
            pass
    held = []
    with pytest.raises(BudgetExceeded, match="memory budget of 50 MB"), guard(Budget(seconds=0, memory_mb=50)):
        while True:
            held.append(bytearray(2**20))
            time.sleep(0.001)
    assert len(held) < 400  # stopped within a few polls of 50 MB
    held.clear()
    with guard(Budget(seconds=0.2, memory_mb=0)):  # finished in time: nothing lands later
        pass
    time.sleep(0.5)
    other: list[BaseException] = []

    def work() -> None:  # a second thread's document is guarded on its own
        try:
            with guard(Budget(seconds=0.2, memory_mb=0)):
                while True:
                    pass
        except BudgetExceeded as exc:
            other.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert len(other) == 1
