"""The stage protocol: adding a stage is a module plus a registry line; the runner needs no edit."""

from __future__ import annotations

import json
import re
import sys
import types

import pytest
import yaml

from pipeline import config, registry
from pipeline.errors import ConfigError
from pipeline.run import runner
from tests.conftest import ROOT, default_config_data

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_example() -> str:
    section = README[README.index("### Adding a stage") :]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


@pytest.fixture
def word_counts_slot(monkeypatch: pytest.MonkeyPatch):
    """The README's example stage, as a module of its own, registered under a new slot."""
    module = types.ModuleType("example_word_counts")
    code = readme_example().replace('@register("themes", "word_counts")', '@register("wordcount", "word_counts")')
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(code, "README example", "exec"), module.__dict__)
    saved = dict(registry._PROVIDERS)
    registry.add_slot("wordcount", module.__name__, before="report")
    yield module
    registry._PROVIDERS.clear()
    registry._PROVIDERS.update(saved)


def test_a_new_stage_runs_from_a_registry_line_and_its_fields_reach_the_units(tmp_path, word_counts_slot) -> None:
    data = default_config_data(tmp_path / "out")
    data["stages"] = {
        "ingest": {"impl": "files"},
        "structure": {"impl": "un_document"},
        "wordcount": {"impl": "word_counts", "options": {"min_words": 40}},
    }
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert registry.slots().index("wordcount") == registry.slots().index("report") - 1
    summary = runner.run(config.load(path), quiet=True)
    assert summary.counts["wordcount"]["long_units"] > 0
    units = [json.loads(line) for line in (tmp_path / "out" / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    long = [u for u in units if u["themes"] == ["long"]]
    assert len(long) == summary.counts["wordcount"]["long_units"]
    assert all(len(u["text"].split()) >= 40 for u in long)


def test_the_new_stage_options_are_validated_at_load(tmp_path, word_counts_slot) -> None:
    data = default_config_data(tmp_path / "out")
    data["stages"]["wordcount"] = {"impl": "word_counts", "options": {"min_words": "many", "extra": 1}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config.load(path)
    lines = str(info.value).splitlines()
    assert any("stages.wordcount.options.min_words: expected an integer, got 'many'" in line for line in lines)
    assert any("stages.wordcount.options.extra: unknown key; expected one of: min_words" in line for line in lines)


def test_a_class_that_is_no_stage_is_a_config_error(tmp_path, monkeypatch) -> None:
    registry.available("themes")  # load the built-in ones first
    monkeypatch.setitem(registry._REGISTRY, "themes", dict(registry._REGISTRY["themes"]))

    @registry.register("themes", "not_a_stage")
    class NotAStage:
        def apply(self, corpus):  # pragma: no cover - never built
            return {}

    data = default_config_data(tmp_path / "out")
    data["stages"]["themes"] = {"impl": "not_a_stage"}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="'not_a_stage' is not a stage"):
        config.load(path)
