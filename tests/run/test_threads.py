"""BLAS/OpenMP pinning for a run (pipeline/run/threads.py, ``executor.threads``)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from threadpoolctl import threadpool_info

from pipeline import config
from pipeline.config import Executor
from pipeline.errors import ConfigError
from pipeline.run.executor import map_chunked
from pipeline.run.threads import THREAD_VARIABLES, pinned


def worker_environment(names: tuple[str, ...], items: list[int]) -> list[dict[str, str | None]]:
    return [{name: os.environ.get(name) for name in names} for _ in items]


def test_pinned_limits_loaded_pools_and_restores_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    np.ones((2, 2)) @ np.ones((2, 2))  # numpy's BLAS is loaded
    assert threadpool_info()
    with pinned(1):
        assert all(info["num_threads"] == 1 for info in threadpool_info())
        assert all(os.environ[name] == "1" for name in THREAD_VARIABLES)
    assert os.environ["OMP_NUM_THREADS"] == "7"
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_pinned_none_leaves_everything_alone(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    before = [info["num_threads"] for info in threadpool_info()]
    with pinned(None):
        assert os.environ["OMP_NUM_THREADS"] == "7"
        assert [info["num_threads"] for info in threadpool_info()] == before


def test_worker_processes_are_pinned_even_from_a_fork_server_started_before_the_run() -> None:
    executor = Executor(kind="processes", workers=2, threads=1)
    dict(map_chunked(worker_environment, (THREAD_VARIABLES,), [0], replace(executor, threads=None)))  # server up
    got = dict(map_chunked(worker_environment, (THREAD_VARIABLES,), [0, 1], executor))
    assert got and all(env == dict.fromkeys(THREAD_VARIABLES, "1") for env in got.values())


def _config(tmp_path: Path, executor: dict) -> config.Config:
    data = {"name": "t", "corpus": str(tmp_path), "output": str(tmp_path / "out"), "executor": executor}
    data["stages"] = {
        "ingest": {"impl": "files"},
        "structure": {"impl": "un_document"},
        "repair": {"impl": "pdf_artefacts"},
        "normalise": {"impl": "camel"},
        "tokenise": {"impl": "camel_words"},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config.load(path)


def test_executor_threads_defaults_to_one_and_is_validated(tmp_path: Path) -> None:
    assert _config(tmp_path, {"kind": "local"}).executor.threads == 1
    assert _config(tmp_path, {"kind": "local", "threads": 2}).executor.threads == 2
    assert _config(tmp_path, {"kind": "local", "threads": None}).executor.threads is None
    with pytest.raises(ConfigError, match="threads"):
        _config(tmp_path, {"kind": "local", "threads": 0})
