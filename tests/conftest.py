"""Shared test fixtures: paths to the bundled corpus and to ../shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The bundled corpus document: raw extracted text of A/66/77 (damaged)."""
    return SEED.read_text(encoding="utf-8")


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a reason when it is absent."""
    path = SHARED.joinpath("data", *parts)
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is not beside the project)")
    return path


def default_config_data(output: Path) -> dict:
    """configs/default.yaml as a dict, made location-independent for a copy in a temp folder.

    Corpus and output become absolute, and option values naming files beside the default
    config (themes.yaml, stopwords_domain.txt, ...) become absolute paths to them.
    """
    import yaml

    configs = ROOT / "configs"
    data = yaml.safe_load((configs / "default.yaml").read_text(encoding="utf-8"))
    data["corpus"] = str(ROOT / "corpora" / "un-igov-ar")
    data["output"] = str(output)
    for spec in data["stages"].values():
        options = (spec or {}).get("options") or {}
        for key, value in options.items():
            if isinstance(value, str) and (configs / value).is_file():
                options[key] = str((configs / value).resolve())
    return data


def seed_feature_units(config) -> tuple[list, list, object]:
    """(units with phrase-joined model features, per-document results, processor) of ``config``'s
    corpus: the input the corpus stages see in a run, built without running them."""
    from pipeline.run import runner

    results, processor = runner.process_documents(config, runner.find_corpus_files(config.corpus), quiet=True)
    units = [u for r in results for u in r.units]
    tokeniser = processor.built["tokenise"]
    tokeniser.fit_phrases([u.tokens for u in units])
    for unit in units:
        unit.tokens = tokeniser.transform(unit.tokens)
    return units, results, processor
