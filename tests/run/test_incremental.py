"""Incremental re-runs: cache reuse per stage, removed documents, the output lock, and SIGKILL at any point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.errors import PipelineError
from pipeline.run import history, runner
from pipeline.run.cache import DocumentCache
from tests.conftest import ROOT, SEED

PER_DOCUMENT = {
    "ingest": {"impl": "files"},
    "structure": {"impl": "un_document"},
    "repair": {"impl": "pdf_artefacts"},
    "normalise": {"impl": "camel"},
    "tokenise": {"impl": "camel_words", "options": {"phrase_min_count": 2}},
}


def write_config(folder: Path, corpus: Path, output: Path, **changes) -> Path:
    stages = json.loads(json.dumps(PER_DOCUMENT))
    for slot, options in changes.items():
        stages[slot].setdefault("options", {}).update(options)
    data = {"name": "inc", "corpus": str(corpus), "output": str(output), "seed": 0, "stages": stages}
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def with_stakeholders(path: Path) -> dict:
    """Add the stakeholders stage (default actors and axes) to the config at ``path``; its data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["stages"]["stakeholders"] = {
        "impl": "reported_speech",
        "options": {
            "actors": str(ROOT / "configs" / "stakeholders.yaml"),
            "positions": str(ROOT / "configs" / "positions.yaml"),
        },
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return data


def make_corpus(folder: Path) -> Path:
    """Five short documents cut from the seed report, and one unreadable file."""
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    (folder / "seed.txt").write_text("\n\n".join(paragraphs[-4:]), encoding="utf-8")
    for i in range(4):
        (folder / f"part{i}.txt").write_text("\n\n".join(paragraphs[i * 3 : i * 3 + 3]), encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"")
    return folder


def results(folder: Path) -> dict[str, bytes]:
    """The result files as a user sees them (the top-level names; hidden files are not results)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "run.json" and not p.name.startswith(".")
    }


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus = make_corpus(tmp_path / "corpus")
    output = tmp_path / "out"
    return tmp_path, corpus, output


def test_rerun_reuses_every_document_and_gives_identical_files(setup) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    first = runner.run(cfg, quiet=True)
    assert first.changes.stages == {"ingest": 6, "structure": 5, "repair": 5, "normalise": 5, "tokenise": 5}
    before = results(output)
    again = runner.run(cfg, quiet=True)  # `run` refits corpus stages but recomputes no document
    assert again.changes.stages == {}
    assert again.changes.reused == 6
    assert results(output) == before
    lines = list(runner.reanalyse(cfg, quiet=True))
    assert "new: 0 documents" in lines and "removed: 0 documents" in lines
    assert any(
        line.startswith("reused: 6 files (1 of them failed to read, as before) -- nothing changed") for line in lines
    )
    assert results(output) == before


def test_changed_option_recomputes_only_later_stages(setup) -> None:
    tmp, corpus, output = setup
    runner.run(config.load(write_config(tmp, corpus, output)), quiet=True)
    cfg = config.load(write_config(tmp, corpus, output, tokenise={"stemmer": "none"}))
    summary = runner.run(cfg, quiet=True)
    assert summary.changes.stages == {"tokenise": 5}  # normalise state came from the cache
    assert summary.changes.resumed == 5
    fresh = tmp / "fresh"
    runner.run(config.load(write_config(tmp, corpus, fresh, tokenise={"stemmer": "none"})), quiet=True)
    assert results(output) == results(fresh)  # resuming gives exactly what a cold run gives

    cfg = config.load(write_config(tmp, corpus, output, tokenise={"stemmer": "none"}, normalise={"fold_alef": False}))
    assert runner.run(cfg, quiet=True).changes.stages == {"normalise": 5, "tokenise": 5}


def test_new_changed_and_removed_documents(setup) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    runner.run(cfg, quiet=True)
    (corpus / "part0.txt").unlink()
    with open(corpus / "part1.txt", "a", encoding="utf-8") as handle:
        handle.write("\n\nفقرة جديدة عن التعاون المعزز في السياسات العامة.\n")
    shutil.copy(corpus / "part2.txt", corpus / "part9.txt")
    lines = list(runner.reanalyse(cfg, quiet=True))
    assert "new: 1 document (part9.txt)" in lines
    assert "changed: 1 document (part1.txt)" in lines
    assert "removed: 1 document (part0.txt)" in lines
    assert "reused: 4 documents (every per-document stage from the cache)" in lines  # seed, 2, 3, broken
    units = [json.loads(line) for line in (output / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    doc_ids = {u["doc_id"] for u in units}
    assert "part0" not in doc_ids and {"part1", "part9", "seed"} <= doc_ids
    assert any("فقرة جديدة" in u["text"] for u in units if u["doc_id"] == "part1")


def test_failed_document_is_skipped_and_recorded(setup) -> None:
    tmp, corpus, output = setup
    summary = runner.run(config.load(write_config(tmp, corpus, output)), quiet=True)
    assert summary.documents == 5 and len(summary.failed) == 1 and "broken.txt: file is empty" in summary.failed[0]
    table = history.runs(output)
    assert list(table["failed"]) == [1]
    import sqlite3

    with sqlite3.connect(history.db_path(output)) as conn:
        rows = conn.execute("SELECT source, error FROM failures").fetchall()
    assert rows == [(str(corpus / "broken.txt"), summary.failed[0])]


def test_second_run_waits_for_the_lock_or_stops_with_a_clear_message(setup) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    with runner.output_lock(output, 0), pytest.raises(PipelineError, match="another run is using this output folder"):
        runner.run(cfg, quiet=True, lock_timeout=0.3)
    assert not (output / "units.jsonl").exists()

    release = threading.Event()

    def hold() -> None:
        with runner.output_lock(output, 0):
            release.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    release.wait(5)
    started = time.monotonic()
    runner.run(cfg, quiet=True, lock_timeout=60)  # waits for the holder, then runs
    holder.join()
    assert time.monotonic() - started >= 0.5
    assert (output / "units.jsonl").is_file()


def cli_run(config_path: Path, crash_at: str | None = None, command: str = "run") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop(runner.CRASH_ENV, None)
    if crash_at:
        env[runner.CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "pipeline", command, "-q", "--config", str(config_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def tokenise_states(output: Path) -> list[int]:
    """How many documents' cache files hold a tokenise state, per configuration (chain key), ascending."""
    cache = DocumentCache(output / runner.CACHE_DIR)
    found = Counter(
        chain for path in cache.root.glob("*/*.dc") for slot, chain in cache.chains(path.stem) if slot == "tokenise"
    )
    return sorted(found.values())


@pytest.mark.slow
def test_sigkill_at_any_point_keeps_previous_results_and_next_run_completes(setup) -> None:
    tmp, corpus, output = setup
    runner.run(config.load(write_config(tmp, corpus, output)), quiet=True)
    before = results(output)
    assert tokenise_states(output) == [5]
    # What a clean run of the changed config writes (another stemmer changes the tokens).
    reference = tmp / "reference"
    runner.run(config.load(write_config(tmp, corpus, reference, tokenise={"stemmer": "none"})), quiet=True)
    expected = results(reference)
    assert expected != before
    changed = write_config(tmp, corpus, output, tokenise={"stemmer": "none"})

    # Killed while analysing documents: previous results untouched, finished documents kept in the cache.
    killed = cli_run(changed, "documents:3")  # broken.txt, part0, part1
    assert killed.returncode == -9, killed.stderr
    assert results(output) == before
    assert tokenise_states(output) == [2, 3]  # two documents done with the new config, three not yet

    # Killed with every result written, before it is published.
    killed = cli_run(changed, "before-commit")
    assert killed.returncode == -9, killed.stderr
    assert results(output) == before
    assert list(history.runs(output)["status"]) == ["ok"]
    assert tokenise_states(output) == [5]  # every document's state is the new config's

    # Killed after the run folder is complete, before the switch: still the previous run.
    killed = cli_run(changed, "commit:1")
    assert killed.returncode == -9
    assert results(output) == before

    # Killed after the switch, before the history record: the new run is whole; the next run records it.
    killed = cli_run(changed, "commit:2")
    assert killed.returncode == -9
    assert results(output) == expected
    assert list(history.runs(output)["status"]) == ["ok"]
    summary = runner.run(config.load(changed), quiet=True)
    assert summary.changes.stages == {}  # everything the killed runs finished is reused
    assert results(output) == expected
    assert list(history.runs(output)["status"]) == ["ok", "ok", "ok"]  # first, the killed one, this one

    # Killed after the history record, before old run folders are pruned: nothing lost, nothing doubled.
    killed = cli_run(changed, "before-journal-removed")
    assert killed.returncode == -9
    assert results(output) == expected
    lines = list(runner.reanalyse(config.load(changed), quiet=True))
    assert "reused: 6 files (1 of them failed to read, as before) -- nothing changed, previous results kept" in lines
    published = os.path.basename(os.readlink(output / "current"))
    assert f"kept: the results of run {published}; its figures:" in lines  # not this run's: it published nothing
    assert lines[-1].startswith("run: ") and "recorded in the history, nothing published" in lines[-1]
    assert results(output) == expected
    assert list(history.runs(output)["status"]) == ["ok", "ok", "ok", "ok", "unchanged"]
    assert len(list((output / "runs").iterdir())) == 2  # the published run and the one before


def test_spool_left_by_a_killed_run_is_removed_by_the_next(setup) -> None:
    """units.jsonl spooled while documents are analysed (worker processes, no phrases) never outlives a run."""
    tmp, corpus, output = setup
    output.mkdir()
    leftover = output / f"{runner.SPOOL_PREFIX}12345.tmp"
    leftover.write_text('{"half": "a line', encoding="utf-8")
    runner.run(config.load(write_config(tmp, corpus, output, tokenise={"phrases": False})), quiet=True)
    assert not leftover.exists()
    assert all(json.loads(line) for line in (output / "units.jsonl").read_text(encoding="utf-8").splitlines())


def test_actor_tagging_is_cached_per_document(setup, monkeypatch) -> None:
    """Attribution is per-document work inside the stakeholders stage: a re-run tags only the
    documents that are new or changed, and the statements come out as in a fresh run."""
    from pipeline.stages.stakeholders.stage import StakeholderPositions

    tmp, corpus, output = setup
    path = write_config(tmp, corpus, output)
    data = with_stakeholders(path)
    tagged: list[str] = []
    real = StakeholderPositions._unit_statements

    def counting(self, unit, *args):
        tagged.append(unit.doc_id)
        return real(self, unit, *args)

    monkeypatch.setattr(StakeholderPositions, "_unit_statements", counting)
    encoded: list[str] = []  # the document of each clause the sentence encoder embeds for the stance
    real_vectors = StakeholderPositions.clause_vectors

    def counting_vectors(self, statements):
        encoded.extend(s.statement.doc_id for s in statements)
        return real_vectors(self, statements)

    monkeypatch.setattr(StakeholderPositions, "clause_vectors", counting_vectors)
    runner.run(config.load(path), quiet=True)
    assert {"part0", "part1", "seed"} <= set(tagged)
    assert {"part2", "seed"} <= set(encoded)
    first = (output / "statements.jsonl").read_bytes()
    assert first.strip()

    tagged.clear()
    encoded.clear()
    runner.run(config.load(path), quiet=True)
    assert tagged == [] and encoded == []  # nothing changed: tags and clause vectors come from the cache
    assert (output / "statements.jsonl").read_bytes() == first

    text = (corpus / "part1.txt").read_text(encoding="utf-8")
    (corpus / "part1.txt").write_text(text + "\n\nوأكدت الحكومات أن حماية البيانات الشخصية ضرورية.", encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert set(tagged) == {"part1"}
    assert set(encoded) == {"part1"}  # only the changed document's clauses are embedded again
    fresh = tmp / "fresh"
    data["output"] = str(fresh)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert (output / "statements.jsonl").read_bytes() == (fresh / "statements.jsonl").read_bytes()


def test_a_result_file_does_not_outlive_its_stage(tmp_path: Path) -> None:
    """Dropping a stage from the config drops its result files at the next commit (they would be stale)."""
    from tests.conftest import default_config_data

    data = default_config_data(tmp_path / "out")
    data["stages"] = {k: v for k, v in data["stages"].items() if k in ("ingest", "structure", "themes")}
    data["stages"]["themes"] = {
        "impl": "keywords",
        "options": {"taxonomy": data["stages"]["themes"]["options"]["taxonomy"]},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert (tmp_path / "out" / "themes.csv").is_file()
    del data["stages"]["themes"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert not (tmp_path / "out" / "themes.csv").exists()
    assert not (tmp_path / "out" / "candidate_themes.jsonl").exists()
    assert (tmp_path / "out" / "units.jsonl").is_file() and (tmp_path / "out" / "history").is_dir()


def test_an_edit_to_the_metadata_file_alone_is_a_change(tmp_path: Path) -> None:
    """reanalyse compared the documents' bytes only: a title edited in metadata.yaml kept the old results."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("تعمل الحكومة على تطوير الخدمات الرقمية لجميع المواطنين.\n", encoding="utf-8")
    (corpus / "metadata.yaml").write_text("a.txt:\n  title: العنوان الأول\n", encoding="utf-8")
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: m\ncorpus: {corpus}\noutput: {tmp_path / 'out'}\nstages: {{ingest: {{impl: files}}, structure: {{impl: document}}}}\n",
        encoding="utf-8",
    )
    list(runner.reanalyse(config.load(path), quiet=True))
    assert any("nothing changed" in line for line in runner.reanalyse(config.load(path), quiet=True))
    (corpus / "metadata.yaml").write_text("a.txt:\n  title: العنوان الثاني\n", encoding="utf-8")
    lines = list(runner.reanalyse(config.load(path), quiet=True))
    assert not any("nothing changed" in line for line in lines)
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["documents"][0]["meta"] == {"title": "العنوان الثاني"}
