"""The stage protocol: adding a stage is a module plus a registry line; the runner needs no edit."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import config, registry
from pipeline.api import load_run
from pipeline.errors import ConfigError
from pipeline.run import runner
from tests.conftest import ROOT, default_config_data

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_example() -> str:
    section = README[README.index("### Adding a stage") :]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


@pytest.fixture
def word_counts_slot(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """The README's example stage as the file ``word_counts.py`` beside the config (``code:``)."""
    (tmp_path / "word_counts.py").write_text(readme_example(), encoding="utf-8")
    saved = dict(registry._PROVIDERS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path / "word_counts.py"
    sys.modules.pop("word_counts", None)
    registry._REGISTRY.pop("wordcount", None)
    registry._PROVIDERS.clear()
    registry._PROVIDERS.update(saved)


def _config(tmp_path, stages: dict, **top) -> Path:
    data = default_config_data(tmp_path / "out")
    data.update({"code": ["word_counts.py"], "stages": stages, **top})
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


BASE = {"ingest": {"impl": "files"}, "structure": {"impl": "un_document"}}


def test_a_new_stage_runs_from_a_file_named_in_the_config_and_its_values_reach_the_units(
    tmp_path, word_counts_slot
) -> None:
    path = _config(tmp_path, {**BASE, "wordcount": {"impl": "word_counts", "options": {"min_words": 40}}})
    loaded = config.load(path)
    assert registry.slots().index("wordcount") == registry.slots().index("report") - 1
    summary = runner.run(loaded, quiet=True)
    assert summary.counts["wordcount"]["long_units"] > 0
    assert f"wordcount: long_units {summary.counts['wordcount']['long_units']}" in summary.lines()
    units = [json.loads(line) for line in (tmp_path / "out" / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(u["extra"]["n_words"] == len(u["text"].split()) for u in units)
    assert sum(u["extra"]["n_words"] >= 40 for u in units) == summary.counts["wordcount"]["long_units"]
    assert all(u["themes"] == [] for u in units)  # it wrote no field of another stage
    assert len(load_run(path).units) == len(units)  # the API finds the run from the config


def test_the_new_stage_options_are_validated_at_load(tmp_path, word_counts_slot) -> None:
    path = _config(tmp_path, {**BASE, "wordcount": {"impl": "word_counts", "options": {"min_words": "many", "x": 1}}})
    with pytest.raises(ConfigError) as info:
        config.load(path)
    lines = str(info.value).splitlines()
    assert any("stages.wordcount.options.min_words: expected an integer, got 'many'" in line for line in lines)
    assert any("stages.wordcount.options.x: unknown key; expected one of: min_words" in line for line in lines)


def test_a_stage_may_not_write_another_stages_field_nor_a_field_units_lack(tmp_path, word_counts_slot) -> None:
    code = word_counts_slot.read_text(encoding="utf-8")
    stages = {**BASE, "themes": default_config_data(tmp_path)["stages"]["themes"], "wordcount": {"impl": "word_counts"}}
    word_counts_slot.write_text(code.replace('("extra",)', '("themes",)'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"stages\.wordcount\.impl: 'word_counts' writes the unit field 'themes', "
                       r"which stages\.themes writes too"):  # fmt: skip
        config.load(_config(tmp_path, stages))
    sys.modules.pop("word_counts", None)
    word_counts_slot.write_text(code.replace('("extra",)', '("n_words",)'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"writes 'n_words', which is not a field of pipeline\.records\.Unit"):
        config.load(_config(tmp_path, {**BASE, "wordcount": {"impl": "word_counts"}}))


def test_a_code_file_that_is_missing_or_broken_is_a_config_error(tmp_path, word_counts_slot) -> None:
    word_counts_slot.write_text("import no_such_module_here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"code\[0\]: cannot import word_counts\.py: ModuleNotFoundError"):
        config.load(_config(tmp_path, BASE))
    with pytest.raises(ConfigError, match=r"code\[0\]: expected a Python file, got 'nope\.py'"):
        config.load(_config(tmp_path, BASE, code=["nope.py"]))


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
