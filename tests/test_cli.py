"""The command line: help for every subcommand, one-line errors, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import COMMANDS
from tests.conftest import ROOT


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=300
    )


def test_help_lists_every_subcommand() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_has_help(name: str) -> None:
    result = cli(name, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_missing_config_is_one_line_exit_2(tmp_path: Path) -> None:
    result = cli("run", "--config", str(tmp_path / "missing.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: ") and "config file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_config_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ncorpus: .\noutput: out\nstages:\n  ingest: {impl: files}\n  structure: {impl: nope}\n")
    result = cli("run", "--config", str(path))
    assert result.returncode == 2
    assert f"{path}: stages.structure.impl: unknown implementation 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
    debug = cli("run", "--config", str(path), "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_empty_corpus_is_an_error_not_an_empty_result(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: t\ncorpus: {corpus}\noutput: {tmp_path / 'out'}\nstages: {{ingest: {{impl: files}}, structure: {{impl: un_document}}}}\n"
    )
    result = cli("run", "--config", str(path))
    assert result.returncode == 1
    assert "no document could be read" in result.stderr
    out = tmp_path / "out"
    results = [p.name for p in out.glob("*") if p.suffix in {".jsonl", ".csv", ".html"} or p.name == "run.json"]
    assert results == []  # the run history may record the failure, but no result file is written


def test_check_config_prints_stages() -> None:
    result = cli("check-config", "--config", "configs/default.yaml")
    assert result.returncode == 0
    assert "structure: document" in result.stdout


@pytest.mark.parametrize("below", ["", "sub"])
def test_check_config_finds_an_output_that_cannot_be_a_folder(tmp_path: Path, below: str) -> None:
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    output = tmp_path / "afile" / below if below else tmp_path / "afile"
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: t\ncorpus: {tmp_path}\noutput: {output}\nstages: {{ingest: {{impl: files}}, structure: {{impl: document}}}}\n"
    )
    result = cli("check-config", "--config", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"error: {output}: cannot use this output folder: {tmp_path / 'afile'} is a file, not a folder"
    )
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


def test_repair_reads_stdin_and_keeps_lines() -> None:
    damaged = "وأآدت الجمعية أهمية تعزیز التعاون\n\nآانت الآليات القائمة آافية\n"
    result = cli("repair", stdin=damaged)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[:3] == ["وأكدت الجمعية أهمية تعزيز التعاون", "", "كانت الآليات القائمة كافية"]


def test_repair_from_stdin_calibrates_on_the_whole_input_as_on_a_file(tmp_path: Path) -> None:
    """A font's ligature set is learnt per document: stdin read line by line learnt none, and «يف»,
    «عىل», «إىل» came back as they went in (new-user trial)."""
    damaged = (
        "قال الوزير يف المؤتمر إن الحكومة تعمل عىل تطوير الخدمات وتسعى إىل حماية البيانات يف كل المناطق.\n"
        "وأكد أن المشروع يف مراحله الأخيرة عىل أن يكتمل يف العام المقبل.\n"
    )
    path = tmp_path / "lig.txt"
    path.write_text(damaged, encoding="utf-8")
    piped, read = cli("repair", stdin=damaged), cli("repair", str(path))
    assert piped.returncode == 0 and piped.stdout == read.stdout
    dash = cli("repair", "-", stdin=damaged)  # «-» is stdin, as in other Unix tools
    assert dash.returncode == 0 and dash.stdout == read.stdout
    assert "يف" not in piped.stdout.split() and "قال الوزير في المؤتمر" in piped.stdout


def test_repair_says_which_file_it_could_not_read_and_repairs_the_others(tmp_path: Path) -> None:
    """As cat does: one missing file among several printed nothing at all (new-user trial)."""
    good = tmp_path / "good.txt"
    good.write_text("وأآدت الجمعية أهمية التعاون\n", encoding="utf-8")
    result = cli("repair", str(good), str(tmp_path / "missing.txt"), str(good))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout == cli("repair", str(good)).stdout * 2 and result.stdout.strip()
    assert result.stderr.count("error: ") == 1 and "missing.txt" in result.stderr


def test_repair_keeps_a_line_whole_at_a_next_line_control(tmp_path: Path) -> None:
    """UTF-8 read as Latin-1 holds U+0085 («م» is D9 85), which str.splitlines cuts at: the first word
    was lost.  Lines end at «\n» only, and the mojibake is decoded."""
    path = tmp_path / "m.txt"
    path.write_text("حماية البيانات الشخصية".encode().decode("latin-1") + "\n", encoding="utf-8")
    result = cli("repair", str(path))
    assert result.returncode == 0 and result.stdout == "حماية البيانات الشخصية\n"


def test_repair_reads_files_in_any_encoding_and_takes_config_options(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    # The ی (initial yeh glyph) shows the font damage; without such evidence text counts as clean.
    path.write_bytes("آانت الآليات القائمة آافية لتعزیز التعاون\n".encode("utf-16"))
    assert cli("repair", str(path)).stdout == "كانت الآليات القائمة كافية لتعزيز التعاون\n"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"name: t\ncorpus: {tmp_path}\noutput: {tmp_path / 'out'}\n"
        "stages: {ingest: {impl: files}, structure: {impl: un_document},"
        " repair: {impl: pdf_artefacts, options: {repair_kaf: false}}}\n",
        encoding="utf-8",
    )
    kept = cli("repair", str(path), "--config", str(config))
    assert kept.returncode == 0 and "آانت" in kept.stdout


def test_repair_reads_docx_html_and_markdown_as_ingest_does(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("آانت الآليات القائمة آافية لتعزیز التعاون")
    document.save(str(tmp_path / "d.docx"))
    (tmp_path / "p.html").write_text("<div>آانت الآليات القائمة آافية لتعزیز التعاون</div>", encoding="utf-8")
    (tmp_path / "m.md").write_text("# [آانت](x) الآليات القائمة آافية لتعزیز التعاون\n", encoding="utf-8")
    for name, start in (("d.docx", ""), ("p.html", ""), ("m.md", "# ")):
        result = cli("repair", str(tmp_path / name))
        assert result.returncode == 0 and result.stdout == f"{start}كانت الآليات القائمة كافية لتعزيز التعاون\n", name


def test_repair_shows_the_letters_a_runs_units_hold(tmp_path: Path) -> None:
    # a Persian-keyboard yeh is read as Arabic by the normalise stage, a BOM inside a file is no text:
    # the command showed «تعزیز» and the BOM where units.jsonl has neither (new-user trial)
    path = tmp_path / "y.txt"
    path.write_bytes("تعزیز التعاون   بين الدول\n\ufeffثانيا\n".encode())
    result = cli("repair", str(path))
    assert result.returncode == 0 and result.stdout == "تعزيز التعاون   بين الدول\nثانيا\n"  # spacing kept


def test_repair_of_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = cli("repair", str(tmp_path / "nope.txt"))
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "cannot read file" in result.stderr
    assert "Traceback" not in result.stderr


def run_with_terminal_stderr(*args: str) -> str:
    """Run the CLI with stderr on a pseudo-terminal (as in an interactive shell); return what it showed."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    # A real terminal has a size; tqdm draws nothing on a zero-width one.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=follower, text=True
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=300)
    os.close(leader)
    assert proc.returncode == 0
    return shown.decode("utf-8", errors="replace")


def test_progress_bar_on_a_terminal_and_quiet_silences_it(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: t\ncorpus: {ROOT / 'corpora' / 'un-igov-ar'}\noutput: {tmp_path / 'out'}\n"
        "stages: {ingest: {impl: files}, structure: {impl: un_document}}\n",
        encoding="utf-8",
    )
    shown = run_with_terminal_stderr("run", "--config", str(path))
    assert "documents" in shown and "1/1" in shown  # tqdm's bar: «documents: 100%|...| 1/1»
    assert run_with_terminal_stderr("run", "--config", str(path), "--quiet") == ""


def test_sigterm_is_one_line_and_exit_143(monkeypatch, capsys) -> None:
    """systemd's stop and a scheduler's timeout send SIGTERM: it unwinds like Ctrl-C (no traceback)."""
    import os
    import signal

    from pipeline import cli as cli_module

    def stopped(args) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    monkeypatch.setitem(cli_module.COMMANDS, "history", stopped)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert cli_module.main(["history", "--config", "configs/default.yaml"]) == 143
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert capsys.readouterr().err == "terminated (SIGTERM)\n"


def test_a_run_with_failed_documents_publishes_and_exits_3(tmp_path: Path) -> None:
    """A scheduler must notice a document that could not be read: exit 3 (results published, some
    documents failed), for run and reanalyse; 1 stays for nothing published."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("قالت الوزارة إن الخدمة متاحة للمواطنين في جميع المناطق.\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: t\ncorpus: {corpus}\noutput: {tmp_path / 'out'}\n"
        "stages: {ingest: {impl: files}, structure: {impl: document}}\n",
        encoding="utf-8",
    )
    first = cli("run", "--config", str(path), "--quiet")
    assert first.returncode == 3, first.stderr
    assert "empty.txt: file is empty" in first.stdout and (tmp_path / "out" / "units.jsonl").is_file()
    assert first.stderr.count("empty.txt: file is empty") == 1  # problems go to stderr too
    again = cli("reanalyse", "--config", str(path), "--quiet")
    assert again.returncode == 3 and "empty.txt" in again.stdout
    assert "empty.txt: file is empty (as before)" in again.stderr  # nothing read again: said all the same
    assert "reused: 2 files (1 of them failed to read, as before) -- nothing changed" in again.stdout
    # on a terminal (stdout and stderr one screen) each failure shows once, and the summary counts it
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--config", str(path), "--quiet"],
        cwd=ROOT,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        screen += chunk
    assert process.wait(timeout=300) == 3
    text = screen.decode()
    assert text.count("empty.txt: file is empty") == 1 and "failed: 1 document (listed above)" in text
    (corpus / "empty.txt").unlink()
    assert cli("reanalyse", "--config", str(path), "--quiet").returncode == 0


def test_history_of_an_output_folder_without_its_config(tmp_path: Path) -> None:
    from pipeline.run import history

    out = tmp_path / "out"
    history.record(out, {"run_id": "r1", "kind": "run", "status": "failed", "error": "no document", "started": "x"})
    shown = cli("history", "--output", str(out))
    assert shown.returncode == 0 and "runs recorded in" in shown.stdout and "failed: no document" in shown.stdout
    missing = cli("history", "--output", str(tmp_path / "nope"))
    assert missing.returncode == 1 and missing.stderr == f"error: {tmp_path / 'nope'}: no such output folder\n"
    assert cli("history").returncode == 2  # one of --config / --output
