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
