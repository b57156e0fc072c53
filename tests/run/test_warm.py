"""The client's warm-up while the workers compute (pipeline/run/warm.py): it loads the corpus stages'
resources in this process, and a failure in it stops nothing."""

from __future__ import annotations

from pathlib import Path

from pipeline import config
from pipeline.run.documents import DocumentProcessor
from pipeline.run.warm import SAMPLE, WarmUp
from pipeline.stages.themes.stage import SemanticThemes
from pipeline.text.encoder import sentence_encoder
from tests.run.test_theme_vectors import write_config


def test_warm_up_loads_the_encoder_and_the_tokeniser_tables(tmp_path: Path) -> None:
    cfg = config.load(write_config(tmp_path, tmp_path, tmp_path / "out"))
    processor = DocumentProcessor(cfg.stages)
    tokeniser = processor.built["tokenise"]
    sentence_encoder.cache_clear()
    assert tokeniser._stop is None and sentence_encoder.cache_info().currsize == 0
    WarmUp(processor, [cfg.stages["themes"]]).start().join()
    assert tokeniser._stop is not None  # the stop words and stemmer are built
    assert sentence_encoder.cache_info().currsize == 1  # SemanticThemes.warm_up loaded the encoder
    assert processor.featurize(SAMPLE) == DocumentProcessor(cfg.stages).featurize(SAMPLE)


def test_a_failing_warm_up_is_ignored(tmp_path: Path, monkeypatch) -> None:
    cfg = config.load(write_config(tmp_path, tmp_path, tmp_path / "out"))
    calls = []

    def failing(self) -> None:
        calls.append(self)
        raise RuntimeError("no encoder here")

    monkeypatch.setattr(SemanticThemes, "warm_up", failing)
    warm = WarmUp(DocumentProcessor(cfg.stages), [cfg.stages["themes"]]).start()
    warm.join()
    assert len(calls) == 1 and not warm.thread.is_alive()


def test_run_json_splits_the_clients_cpu_at_the_per_document_pass(tmp_path: Path) -> None:
    """run.json's ``client_cpu``: this process's CPU in the per-document pass and outside it (the
    serial part with workers, which bench_scale prints); a local run does the documents in the pass."""
    import json
    import time

    from pipeline.run import runner
    from tests.run.test_incremental import make_corpus
    from tests.run.test_incremental import write_config as per_document_config

    corpus = make_corpus(tmp_path / "corpus")
    path = per_document_config(tmp_path, corpus, tmp_path / "out")
    before = time.process_time()
    runner.run(config.load(path), quiet=True)
    spent = time.process_time() - before
    cpu = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["client_cpu"]
    assert set(cpu) == {"documents", "outside_documents"}
    assert cpu["documents"] > 0 and cpu["outside_documents"] > 0
    assert cpu["documents"] + cpu["outside_documents"] <= spent + 0.01
