"""Executors: chunking, order, and byte-identical outputs from local, process-pool and Dask runs."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.config import Executor
from pipeline.run import runner
from pipeline.run.executor import chunks, map_chunked
from tests.conftest import SEED


def double_all(offset: int, items: list[int]) -> list[int]:
    return [offset + 2 * item for item in items]


def test_chunks_cover_every_item_in_order() -> None:
    assert chunks(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    assert chunks([], 3) == []
    assert chunks([1, 2], 0) == [[1], [2]]


@pytest.mark.parametrize("kind", ["local", "processes"])
def test_map_chunked_yields_every_index_once(kind: str) -> None:
    items = list(range(23))
    got = dict(map_chunked(double_all, (100,), items, Executor(kind=kind, workers=2, chunk_size=4)))
    assert got == {i: 100 + 2 * i for i in items}


def write_config(tmp: Path, corpus: Path, name: str, executor: dict) -> config.Config:
    data = {
        "name": "exec",
        "corpus": str(corpus),
        "output": str(tmp / name),
        "executor": executor,
        "stages": {
            "ingest": {"impl": "files"},
            "structure": {"impl": "un_document"},
            "repair": {"impl": "pdf_artefacts"},
            "normalise": {"impl": "camel"},
            "tokenise": {"impl": "camel_words", "options": {"phrase_min_count": 2}},
        },
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config.load(path)


def results(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != "run.json"}


@pytest.mark.slow
def test_local_processes_and_two_process_dask_cluster_write_identical_files(tmp_path: Path) -> None:
    from distributed import LocalCluster

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = SEED.read_text(encoding="utf-8")
    (corpus / "seed.txt").write_text(text, encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    for i in range(7):  # with chunk_size 3: three chunks, finishing in any order
        (corpus / f"part{i}.txt").write_text("\n\n".join(paragraphs[i * 2 : i * 2 + 4]), encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\x00\x01" * 50)

    local = runner.run(write_config(tmp_path, corpus, "local", {"kind": "local"}), quiet=True)
    expected = results(tmp_path / "local")
    assert local.documents == 8 and len(local.failed) == 1
    assert "units.jsonl" in expected

    pool = runner.run(
        write_config(tmp_path, corpus, "pool", {"kind": "processes", "workers": 2, "chunk_size": 3}), True
    )
    assert pool.changes.stages["tokenise"] == 8  # computed by the pool, not taken from another cache
    assert results(tmp_path / "pool") == expected

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = {"kind": "dask", "address": cluster.scheduler_address, "chunk_size": 3}
        dask = runner.run(write_config(tmp_path, corpus, "dask", executor), quiet=True)
    assert dask.changes.stages["tokenise"] == 8
    assert dask.failed == local.failed
    assert results(tmp_path / "dask") == expected


@pytest.mark.slow
def test_dask_without_address_starts_and_closes_a_local_cluster() -> None:
    import psutil

    executor = Executor(kind="dask", address=None, workers=2, chunk_size=5)
    got = dict(map_chunked(double_all, (1,), list(range(12)), executor))
    assert got == {i: 1 + 2 * i for i in range(12)}
    workers = [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
    assert not workers  # the cluster's worker processes are gone


@pytest.mark.slow
@pytest.mark.parametrize("predicted", ["right", "wrong"])
def test_units_written_while_workers_run_match_the_local_run(tmp_path: Path, monkeypatch, predicted: str) -> None:
    """Without phrases or corpus stages, worker-rendered lines are merged into units.jsonl as they arrive.

    With a wrong guess of the final order the spooled file is dropped and written again, in order.
    """
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if len(p) > 200]
    for i in range(7):
        (corpus / f"part{i}.txt").write_text("\n\n".join(paragraphs[i * 2 : i * 2 + 4]), encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\x00\x01" * 50)

    def configure(name: str, executor: dict) -> config.Config:
        write_config(tmp_path, corpus, name, executor)
        path = tmp_path / f"{name}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["stages"]["tokenise"]["options"] = {"phrases": False}
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return config.load(path)

    local = runner.run(configure("local", {"kind": "local"}), quiet=True)
    expected = results(tmp_path / "local")
    assert len(local.failed) == 1 and expected["units.jsonl"]

    spools: list = []
    original = runner.SpoolWriter

    class Recording(original):
        def close(self):
            spool = super().close()
            spools.append(spool)
            return spool

    monkeypatch.setattr(runner, "SpoolWriter", Recording)
    if predicted == "wrong":  # inverts the order of the (equally long) names: the guessed order is reversed
        monkeypatch.setattr(runner, "predicted_order", lambda path: "".join(chr(0x10000 - ord(c)) for c in path.stem))
    pool = runner.run(configure("pool", {"kind": "processes", "workers": 2, "chunk_size": 2}), quiet=True)
    assert pool.failed == local.failed
    assert len(spools) == 1 and len(spools[0].sources) == 7
    assert spools[0].sources == sorted(spools[0].sources, reverse=predicted == "wrong")
    assert results(tmp_path / "pool") == expected
    assert not list((tmp_path / "pool").glob(f"{runner.SPOOL_PREFIX}*"))  # used or dropped, never left behind


def test_actor_tagging_runs_on_the_workers_and_gives_the_local_statements(tmp_path: Path, monkeypatch) -> None:
    """With worker processes, the stakeholders stage's per-document part (actor tagging) runs on
    them before the corpus-level part; the client then tags nothing itself, and the statements
    are those of a local run."""
    from pipeline.stages.stakeholders.stage import StakeholderPositions
    from tests.conftest import ROOT

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 200]
    for i in range(5):
        (corpus / f"part{i}.txt").write_text("\n\n".join(paragraphs[i * 3 : i * 3 + 5]), encoding="utf-8")
    stakeholders = {
        "impl": "reported_speech",
        "options": {
            "actors": str(ROOT / "configs" / "stakeholders.yaml"),
            "positions": str(ROOT / "configs" / "positions.yaml"),
        },
    }
    outputs = {}
    for kind in ("local", "processes"):
        cfg = write_config(tmp_path, corpus, kind, {"kind": kind, "workers": 2, "chunk_size": 2})
        data = yaml.safe_load(cfg.path.read_text(encoding="utf-8"))
        data["stages"]["stakeholders"] = stakeholders
        cfg.path.write_text(yaml.safe_dump(data), encoding="utf-8")
        tagged_here: list[str] = []
        real = StakeholderPositions.tag_document

        @functools.wraps(real)  # the runner reads the cached tags back as the type tag_document declares
        def counting(self, units, normalize, real=real, tagged_here=tagged_here):
            tagged_here.extend(u.doc_id for u in units[:1])
            return real(self, units, normalize)

        monkeypatch.setattr(StakeholderPositions, "tag_document", counting)
        runner.run(config.load(cfg.path), quiet=True)
        outputs[kind] = (tmp_path / kind / "statements.jsonl").read_bytes(), sorted(set(tagged_here))
    assert outputs["local"][1] == [f"part{i}" for i in range(5)]  # local: tagged in this process
    assert outputs["processes"][1] == []  # processes: every document was tagged on a worker
    assert outputs["processes"][0] == outputs["local"][0] and outputs["local"][0].strip()
