"""The runner: determinism, per-file failures, and no half-written outputs."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.errors import PipelineError, Terminated
from pipeline.registry import register
from pipeline.run import history, runner
from pipeline.run.documents import DocumentProcessor
from pipeline.stages.base import CorpusStage
from tests.conftest import SEED, default_config_data


@register("themes", "test_explodes")
@dataclass
class ExplodingStage(CorpusStage):
    """A corpus stage that fails after writing part of its output, to test atomicity."""

    def apply(self, corpus) -> dict[str, int]:
        (corpus.output / "themes.csv").write_text("partial", encoding="utf-8")
        raise PipelineError("boom")


@register("themes", "test_terminated")
@dataclass
class TerminatedStage(CorpusStage):
    """A corpus stage stopped by SIGTERM midway (as the CLI turns it into :class:`Terminated`)."""

    def apply(self, corpus) -> dict[str, int]:
        (corpus.output / "themes.csv").write_text("partial", encoding="utf-8")
        raise Terminated()


def make_config(tmp_path: Path, corpus: Path, **stages) -> config.Config:
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(corpus)
    data["stages"].update(stages)
    path = tmp_path / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return config.load(path)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.txt").write_bytes(bytes(range(256)) * 4)
    return folder


def result_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != "run.json"}


def test_bad_files_are_reported_and_the_rest_analysed(tmp_path: Path, corpus: Path) -> None:
    summary = runner.run(make_config(tmp_path, corpus), quiet=True)
    assert summary.documents == 1
    assert len(summary.failed) == 2
    assert any("empty.txt: file is empty" in f for f in summary.failed)
    assert any("noise.txt" in f for f in summary.failed)
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert info["failed"] == summary.failed
    assert info["stages"]["structure"]["counts"]["paragraph"] == 39
    assert set(info["versions"]) >= {"python", "camel-tools", "spacy", "gensim"}
    assert len(info["config_hash"]) == 64
    units = [json.loads(line) for line in (tmp_path / "out" / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [u["number"] for u in units if u["kind"] == "paragraph"] == list(range(1, 40))
    assert set(units[0]) >= {"doc_id", "unit_id", "kind", "number", "section", "text"}


def test_same_corpus_and_config_give_identical_files(tmp_path: Path, corpus: Path) -> None:
    cfg = make_config(tmp_path, corpus)
    runner.run(cfg, quiet=True)
    results = all_result_files(cfg.output)
    assert {"units.jsonl", "tables.jsonl", "themes.csv", "statements.jsonl", "report.html"} <= set(results)
    # Re-running into the same folder reuses the cache; only the report's run-history trend may change.
    runner.run(cfg, quiet=True)
    again = all_result_files(cfg.output)
    changed = {name for name in set(results) | set(again) if results.get(name) != again.get(name)}
    assert changed <= {"report.html", "plots/trend.png", "plots/trend.svg"}
    # From scratch (no cache, no history), the same config gives byte-identical files.
    shutil.rmtree(cfg.output)
    runner.run(cfg, quiet=True)
    assert all_result_files(cfg.output) == results


def all_result_files(folder: Path) -> dict[str, bytes]:
    """Every result file of the published run (plots included), without run metadata, history, cache or lock."""
    folder = runner.results_folder(folder)
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and p.name != "run.json"
        and not any(part.startswith(".") or part == "history" for part in p.relative_to(folder).parts)
    }


def test_a_failing_stage_leaves_previous_results_whole(tmp_path: Path, corpus: Path) -> None:
    good = make_config(tmp_path, corpus)
    runner.run(good, quiet=True)
    before = result_files(good.output)
    bad = make_config(tmp_path, corpus, themes={"impl": "test_explodes"})
    with pytest.raises(PipelineError, match="boom"):
        runner.run(bad, quiet=True)
    assert result_files(good.output) == before
    assert [p.name for p in good.output.parent.iterdir() if "staging" in p.name] == []


def test_a_run_stopped_by_sigterm_publishes_nothing_and_is_in_the_history(tmp_path: Path, corpus: Path) -> None:
    good = make_config(tmp_path, corpus)
    runner.run(good, quiet=True)
    before = result_files(good.output)
    stopped = make_config(tmp_path, corpus, themes={"impl": "test_terminated"})
    with pytest.raises(Terminated):
        runner.run(stopped, quiet=True)
    assert result_files(good.output) == before
    assert not [p for p in good.output.rglob("*") if "partial" in p.name or "staging" in p.name]
    table = history.runs(good.output)
    assert list(table["status"]) == ["ok", "interrupted"]
    assert "interrupted: terminated (SIGTERM)" in history.describe(good.output)


def test_a_full_run_imports_neither_camel_data_nor_torch(tmp_path: Path) -> None:
    """camel_tools.data starts a catalogue download when imported; torch is gigabytes we do not need."""
    import subprocess
    import sys

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(default_config_data(tmp_path / "out"), allow_unicode=True), encoding="utf-8")
    code = (
        "import sys; from pipeline import config; from pipeline.run import runner; "
        f"runner.run(config.load({str(path)!r}), quiet=True); "
        "bad = sorted(m for m in sys.modules if m.startswith(('camel_tools.data', 'torch', 'transformers'))); "
        "print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_corpus_stages_hold_one_document_of_units_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """Themes, stakeholders and the report read the units as a stream: whenever a document's
    units are loaded, at most one earlier document's units are still alive (a consumer going
    document by document holds the previous one until the next arrives)."""
    import gc
    import weakref

    folder = tmp_path / "corpus"
    folder.mkdir()
    for k in range(4):
        shutil.copy(SEED, folder / f"doc{k}.txt")
    loaded: list[weakref.ref] = []
    before_load: list[int] = []
    real = DocumentProcessor.unit_loader

    def tracking(processor, result):
        load = real(processor, result)

        def wrapped():
            gc.collect()
            before_load.append(sum(1 for ref in loaded if ref() is not None))
            units = load()
            loaded.extend(weakref.ref(u) for u in units)
            return units

        return wrapped

    monkeypatch.setattr(DocumentProcessor, "unit_loader", tracking)
    summary = runner.run(make_config(tmp_path, folder), quiet=True)
    assert summary.documents == 4 and summary.units > 4 * 40
    per_document = summary.units // 4
    assert len(before_load) >= 4 * 5  # several passes over the four documents
    assert max(before_load) <= per_document  # a list of every unit would show up as 3 documents' worth


def test_two_files_with_one_document_id_lose_only_the_second(tmp_path: Path) -> None:
    """«report.md» beside «report.txt» keep their extensions as ids, which «report.txt.md» (id «report.txt»)
    also claims: the later one fails alone, with the reason."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    (folder / "report.md").write_text(text, encoding="utf-8")
    (folder / "report.txt").write_text(text, encoding="utf-8")
    (folder / "report.txt.md").write_text(text, encoding="utf-8")
    stages = {"ingest": {"impl": "files"}, "structure": {"impl": "document"}}
    data = default_config_data(tmp_path / "out")
    data["corpus"], data["stages"] = str(folder), stages
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    summary = runner.run(config.load(path), quiet=True)
    assert summary.documents == 2
    assert len(summary.failed) == 1 and "document id 'report.txt' also used by" in summary.failed[0]
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert [d["doc_id"] for d in info["documents"]] == ["report.md", "report.txt"]
    assert [d["source"] for d in info["failed_documents"]] == [str(folder / "report.txt.md")]
