"""Run history: recording runs, idempotent replays, theme/position drift, the trend table."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline import atomic, config
from pipeline.registry import register
from pipeline.run import history, runner
from pipeline.stages.base import CorpusStage
from tests.conftest import SEED


def write_results(folder: Path, shares: dict[str, float], scores: dict[tuple[str, str], float]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_csv(
        folder / "themes.csv",
        ["theme", "label_ar", "label_en", "paragraphs", "share", "top_terms", "coherence_npmi"],
        ([t, "موضوع", f"Theme {t}", round(s * 40), f"{s:.4f}", "a b", ""] for t, s in shares.items()),
    )
    atomic.write_csv(
        folder / "positions.csv",
        ["group", "axis", "score", "ci_low", "ci_high", "n_statements", "n_scored", "contributions", "method", "note"],
        ([g, a, f"{v:.3f}", "", "", 4, 3, "", "wordscores", ""] for (g, a), v in scores.items()),
    )


def a_run(run_id: str, started: str, **extra) -> dict:
    return {
        "run_id": run_id,
        "kind": "reanalyse",
        "status": "ok",
        "started": started,
        "finished": started,
        "config_hash": "c" * 64,
        "versions": {"python": "3.11"},
        "documents": [
            {"doc_id": "a", "source": "/c/a.txt", "sha256": "1"},
            {"doc_id": "b", "source": "/c/b.txt", "sha256": "2"},
        ],
        "failed": [{"source": "/c/bad.txt", "sha256": "3", "error": "/c/bad.txt: file is empty"}],
        "units": 10,
        "changes": {"new": 2, "changed": 0, "removed": 0, "reused": 0, "computed": 3},
        "counts": {"structure": {"paragraph": 10}},
        "seconds": {"structure": 0.5},
        "seconds_total": 1.5,
    } | extra


def test_trend_and_describe_show_drift_across_runs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_results(out, {"T1": 0.50, "T2": 0.25}, {("governments", "multilateral"): 0.4})
    assert history.record(out, a_run("r1", "2026-01-05T03:00:00Z"))
    write_results(out, {"T1": 0.40, "T2": 0.35}, {("governments", "multilateral"): 0.1})
    assert history.record(out, a_run("r2", "2026-01-12T03:00:00Z"))
    assert not history.record(out, a_run("r2", "2026-01-12T03:00:00Z"))  # a replayed commit adds nothing

    frame = history.trend(out)
    assert list(frame.columns) == ["run_id", "started", "kind", "key", "value", "n"]
    assert len(frame) == 6
    t1 = frame[(frame["kind"] == "theme") & (frame["key"] == "T1")]
    assert list(t1["run_id"]) == ["r1", "r2"] and list(t1["value"]) == [0.5, 0.4]
    position = frame[frame["kind"] == "position"]
    assert list(position["key"]) == ["governments:multilateral"] * 2
    assert list(position["value"]) == [0.4, 0.1]
    assert list(position["n"]) == [3, 3] and list(t1["n"]) == [20, 16]  # scored statements; paragraphs
    # the report reads the same rows without pandas
    assert history.trend_rows(out) == list(frame.itertuples(index=False, name=None))
    assert history.run_ids(out) == list(history.runs(out)["run_id"]) == ["r1", "r2"]
    assert history.trend_rows(tmp_path / "elsewhere") == [] and history.run_ids(tmp_path / "elsewhere") == []

    text = history.describe(out)
    assert "runs recorded" in text and ": 2" in text
    assert "2 documents analysed, 1 failed; files: new 2, changed 0, removed 0" in text  # failed files are files
    t1_line = next(line for line in text.splitlines() if line.strip().startswith("T1 Theme T1"))
    assert "50.0" in t1_line and "40.0" in t1_line and "-10.0" in t1_line
    position_line = next(line for line in text.splitlines() if "governments:multilateral" in line)
    assert "0.40 (3)" in position_line and "0.10 (3)" in position_line and "-0.30" in position_line
    assert history.theme_labels(out) == {"T1": "Theme T1", "T2": "Theme T2"}


def test_documents_failures_and_failed_runs_are_recorded(tmp_path: Path) -> None:
    out = tmp_path / "out"
    history.record(out, a_run("r1", "2026-01-05T03:00:00Z"))
    history.record(
        out, a_run("r2", "2026-01-12T03:00:00Z", documents=[{"doc_id": "a", "source": "/c/a.txt", "sha256": "1"}])
    )
    history.record(out, {"run_id": "r3", "kind": "run", "status": "failed", "error": "no document", "started": "x"})
    with sqlite3.connect(history.db_path(out)) as conn:
        docs = conn.execute("SELECT source, first_run, last_run FROM documents ORDER BY source").fetchall()
        failures = conn.execute("SELECT run_id, source FROM failures ORDER BY run_id").fetchall()
    assert docs == [("/c/a.txt", "r1", "r2"), ("/c/b.txt", "r1", "r1")]
    assert failures == [("r1", "/c/bad.txt"), ("r2", "/c/bad.txt")]
    table = history.runs(out)
    assert list(table["status"]) == ["ok", "ok", "failed"]
    assert "failed: no document" in history.describe(out)
    assert history.trend(out).empty  # no themes.csv / positions.csv: nothing to trend


def test_missing_or_malformed_result_files_are_tolerated(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "themes.csv").write_text("something,else\n1,2\n", encoding="utf-8")
    history.record(out, a_run("r1", "2026-01-05T03:00:00Z"))
    assert history.trend(out).empty
    assert "theme shares: none recorded" in history.describe(out)
    assert "no runs recorded" in history.describe(tmp_path / "elsewhere")
    assert list(history.trend(tmp_path / "elsewhere").columns) == history.TREND_COLUMNS


@register("themes", "test_shares")
@dataclass
class ShareStage(CorpusStage):
    """A corpus stage writing themes.csv/positions.csv from unit counts (the history reads them)."""

    def apply(self, corpus) -> dict[str, int]:
        docs = sorted({u.doc_id for u in corpus.units})
        n = len(corpus.units)
        shares = {d: sum(u.doc_id == d for u in corpus.units) / n for d in docs}
        write_results(corpus.output, shares, {("all", "size"): float(n)})
        return {"themes": len(docs)}


@pytest.mark.slow
def test_runs_record_history_from_their_result_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
    (corpus / "a.txt").write_text("\n\n".join(paragraphs[:3]), encoding="utf-8")
    (corpus / "b.txt").write_text("\n\n".join(paragraphs[3:5]), encoding="utf-8")
    data = {
        "name": "h",
        "corpus": str(corpus),
        "output": str(tmp_path / "out"),
        "stages": {
            "ingest": {"impl": "files"},
            "structure": {"impl": "un_document"},
            "themes": {"impl": "test_shares"},
        },
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    cfg = config.load(path)
    runner.run(cfg, quiet=True)
    (corpus / "c.txt").write_text("\n\n".join(paragraphs[5:9]), encoding="utf-8")
    runner.run(cfg, quiet=True, kind="reanalyse")
    frame = history.trend(cfg.output)
    assert frame["run_id"].nunique() == 2
    assert set(frame[frame["kind"] == "theme"]["key"]) == {"a", "b", "c"}
    first, second = history.runs(cfg.output).to_dict("records")
    assert (first["documents"], second["documents"], second["new"], second["reused"]) == (2, 3, 1, 2)
    assert "theme shares" in history.describe(cfg.output)


def test_a_corrupt_history_is_moved_aside_and_runs_go_on(tmp_path) -> None:
    """A damaged history.sqlite must not stop a run, nor the runs after it."""
    from pipeline import config as config_module
    from pipeline.run import history, runner
    from tests.conftest import default_config_data

    data = default_config_data(tmp_path / "out")
    data["stages"] = {k: v for k, v in data["stages"].items() if k in ("ingest", "structure")}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cfg = config_module.load(path)
    runner.run(cfg, quiet=True)
    db = history.db_path(cfg.output)
    db.write_bytes(b"this is not a database" * 100)
    runner.run(cfg, quiet=True)
    runner.run(cfg, quiet=True)
    kept = list(db.parent.glob("history.sqlite.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    # the new history: the published run (its record kept in its run folder is replayed), then the two runs
    assert len(history.runs(cfg.output)) == 3
    assert not (cfg.output / ".commit.json").exists()


def test_a_history_written_before_positions_kept_their_scored_count_gains_the_column(tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = history.db_path(out)
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:  # the tables as the first release wrote them
        conn.executescript(history.SCHEMA)
        assert "n_scored" not in {row[1] for row in conn.execute("PRAGMA table_info(positions)")}
    write_results(out, {"T1": 0.5}, {("governments", "multilateral"): 0.4})
    assert history.record(out, a_run("r1", "2026-01-05T03:00:00Z"))
    assert list(history.trend(out).query("kind == 'position'")["n"]) == [3]
