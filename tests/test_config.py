"""Config validation: every mistake is one line naming the file, the key path and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.errors import ConfigError
from tests.conftest import ROOT, default_config_data

DEFAULT = ROOT / "configs" / "default.yaml"


def write_config(tmp_path: Path, data) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def base(tmp_path: Path) -> dict:
    return default_config_data(tmp_path / "out")


def test_default_config_loads() -> None:
    cfg = config.load(DEFAULT)
    assert cfg.name == "un-igov-ar"
    assert list(cfg.stages)[:2] == ["ingest", "structure"]
    assert cfg.output == (ROOT / "outputs" / "un-igov-ar").resolve()
    assert Path(cfg.corpus) == ROOT / "corpora" / "un-igov-ar"


def test_hash_is_stable_and_tracks_content(tmp_path: Path) -> None:
    data = base(tmp_path)
    first = config.load(write_config(tmp_path, data)).content_hash
    assert config.load(write_config(tmp_path, data)).content_hash == first
    data["executor"] = {"kind": "processes", "workers": 2}  # results are the same whichever executor runs
    data["lock_timeout"] = 30
    assert config.load(write_config(tmp_path, data)).content_hash == first
    data["seed"] = 7
    assert config.load(write_config(tmp_path, data)).content_hash != first


def expect_error(tmp_path: Path, data, *fragments: str) -> str:
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["outptu"] = "x"
    expect_error(tmp_path, data, "outptu", "unknown key; did you mean 'output'? expected one of: ")
    # a required key misspelt is one line (the guess), not a second «corpus: required key missing»
    data = base(tmp_path)
    data["corpsu"] = data.pop("corpus")
    message = expect_error(tmp_path, data, "corpsu: unknown key; did you mean 'corpus'?")
    assert "required key missing" not in message


def test_unknown_stage_and_implementation(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["stages"]["themez"] = {"impl": "x"}
    expect_error(tmp_path, data, "stages.themez", "unknown key; did you mean 'themes'?")
    data = base(tmp_path)
    data["stages"]["structure"]["impl"] = "nonesuch"
    expect_error(tmp_path, data, "stages.structure.impl", "unknown implementation 'nonesuch'", "un_document")


def test_unknown_and_mistyped_options(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["stages"]["structure"]["options"] = {"summary_min_linez": 3}
    expect_error(
        tmp_path, data, "stages.structure.options.summary_min_linez", "unknown key; did you mean 'summary_min_lines'?"
    )
    data["stages"]["structure"]["options"] = {"colour": 3}  # nothing close: no guess, the whole list
    message = expect_error(tmp_path, data, "stages.structure.options.colour", "unknown key; expected one of: ")
    assert "did you mean" not in message
    data["stages"]["structure"]["options"] = {"summary_min_lines": "three"}
    expect_error(tmp_path, data, "stages.structure.options.summary_min_lines", "expected an integer", "'three'")


def test_wrong_types_at_top_level(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["seed"] = "zero"
    expect_error(tmp_path, data, "seed", "expected an integer")
    data = base(tmp_path)
    data["executor"] = {"kind": "spark"}
    expect_error(tmp_path, data, "executor.kind", "one of 'local', 'processes', 'dask'")
    data = base(tmp_path)
    data["stages"] = ["ingest"]
    expect_error(tmp_path, data, "stages", "expected a mapping")


def test_missing_keys(tmp_path: Path) -> None:
    data = base(tmp_path)
    del data["corpus"]
    expect_error(tmp_path, data, "corpus: required key missing")
    data = base(tmp_path)
    del data["stages"]["structure"]
    expect_error(tmp_path, data, "stages.structure: required stage missing")


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        config.load(tmp_path / "nope.yaml")
    expect_error(tmp_path, "name: [unclosed\n", "malformed YAML", "line")
    expect_error(tmp_path, "", "config is empty")
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)


def test_data_file_paths_resolve_against_the_file_and_must_exist(tmp_path: Path) -> None:
    from pipeline.stages.stakeholders.actors import load_axes

    axis = "axes:\n  a:\n    negative: {id: n, terms: [س]}\n    positive: {id: p, terms: [ص]}\n"
    refs = "    wordscores:\n      references:\n        - {file: ref.txt, score: -1}\n        - {text: نص, score: 1}\n"
    path = tmp_path / "positions.yaml"
    path.write_text(axis + refs, encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"positions\.yaml: axes\.a\.wordscores\.references\[0\]\.file: file not found: ref\.txt"
    ):
        load_axes(path)
    (tmp_path / "ref.txt").write_text("نص", encoding="utf-8")
    path.write_text(axis + refs + "\n", encoding="utf-8")  # edited: read again, not the cached error
    (axis_spec,) = load_axes(path)
    assert axis_spec.references[0].value == str((tmp_path / "ref.txt").resolve())


def test_every_mistake_of_a_data_file_is_reported_at_once_and_a_file_is_read_once(tmp_path: Path) -> None:
    from pipeline.stages.themes.taxonomy import read_taxonomy

    path = tmp_path / "themes.yaml"
    path.write_text(
        "themes:\n  - {id: Bad, label_ar: س, label_en: S, description: d, seeds: [x]}\n"
        "  - {id: b, label_ar: '', label_en: B, description: d, seeds: [y], colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        read_taxonomy(path)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["themes[0].id", "themes[1].label_ar", "themes[1].colour"], lines
    assert all(line.startswith(f"{path}: ") for line in lines)
    shipped = ROOT / "configs" / "themes.yaml"
    assert read_taxonomy(shipped) is read_taxonomy(shipped)  # validated once, shared by the stages and the report


def test_lock_timeout_is_validated(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["lock_timeout"] = 30
    assert config.load(write_config(tmp_path, data)).lock_timeout == 30.0
    data["lock_timeout"] = -1
    expect_error(tmp_path, data, "lock_timeout", ">= 0")
    data["lock_timeout"] = "soon"
    expect_error(tmp_path, data, "lock_timeout", "expected a number")


def test_every_mistake_is_reported_at_once_one_line_each(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["seed"] = "zero"
    data["executor"] = {"kind": "spark", "workers": 0}
    data["stages"]["repair"] = {"impl": "pdf_artefacts", "options": {"stepz": True, "kaf_margin": "big"}}
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    keys = [line.split(": ")[1] for line in lines]
    assert sorted(keys) == sorted(
        [
            "seed",
            "executor.kind",
            "executor.workers",
            "stages.repair.options.stepz",
            "stages.repair.options.kaf_margin",
        ]
    ), lines
    assert any("expected a value >= 1, got 0" in line for line in lines)


def test_option_paths_are_resolved_against_the_config_folder(tmp_path: Path) -> None:
    data = base(tmp_path)
    (tmp_path / "words.txt").write_text("كلمة\n", encoding="utf-8")
    data["stages"]["tokenise"] = {"impl": "camel_words", "options": {"domain_stopwords": "words.txt"}}
    cfg = config.load(write_config(tmp_path, data))
    assert cfg.stages["tokenise"].options["domain_stopwords"] == (tmp_path / "words.txt").resolve()
    data["stages"]["tokenise"]["options"]["domain_stopwords"] = "nope.txt"
    message = expect_error(tmp_path, data, "stages.tokenise.options.domain_stopwords: file not found: nope.txt")
    assert f"and in {config.BUNDLED_CONFIGS}" in message


def test_a_config_copied_out_of_configs_finds_the_bundled_data_files(tmp_path: Path) -> None:
    # configs/default.yaml says "copy this file": its relative taxonomy/actors/axes names must still load
    text = (ROOT / "configs" / "default.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace("../corpora/un-igov-ar", str(ROOT / "corpora" / "un-igov-ar")), encoding="utf-8")
    cfg = config.load(path)
    assert cfg.stages["themes"].options["taxonomy"] == (ROOT / "configs" / "themes.yaml").resolve()
    (tmp_path / "themes.yaml").write_text(
        (ROOT / "configs" / "themes.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert config.load(path).stages["themes"].options["taxonomy"] == (tmp_path / "themes.yaml").resolve()  # beside wins


def test_a_missing_corpus_is_a_config_error(tmp_path: Path) -> None:
    data = base(tmp_path)
    data["corpus"] = str(tmp_path / "nope")
    expect_error(tmp_path, data, "corpus: not found: ")
    data["corpus"] = str(tmp_path / "nope" / "*.txt")  # a glob may match nothing yet: the run says so
    config.load(write_config(tmp_path, data))


def test_a_top_level_list_is_one_clean_line(tmp_path: Path) -> None:
    message = expect_error(tmp_path, "- a\n- b\n", "expected a mapping")
    assert "::" not in message


def test_a_registry_entry_naming_no_module_is_a_config_error(monkeypatch) -> None:
    from pipeline import registry

    monkeypatch.setitem(registry._PROVIDERS, "report", ("no_such_package.report",))
    with pytest.raises(ConfigError, match=r"cannot import 'no_such_package\.report'"):
        registry.available("report")


# One bad value per stage of the default config: each is caught when the config is loaded.
BAD_OPTIONS = {
    "ingest": ("min_arabic_letters", -1, "expected a value >= 0"),
    "structure": ("layout", "un_report", "expected one of 'auto', 'un', 'general'"),
    "repair": ("visual_order_method", "lstm", "expected one of 'lm', 'rules'"),
    "normalise": ("fold_alef", "yes", "expected true/false"),
    "tokenise": ("phrase_threshold", 7, "expected a value <= 1"),
    "themes": ("threshold", "otsuu", "expected one of 'fixed', 'otsu'"),
    "stakeholders": ("min_statements", 1, "expected a value >= 2"),
    "report": ("max_paragraphs", -5, "expected a value >= 1"),
}


@pytest.mark.parametrize("slot", sorted(BAD_OPTIONS))
def test_a_bad_option_of_every_stage_is_caught_at_load(tmp_path: Path, slot: str) -> None:
    key, value, message = BAD_OPTIONS[slot]
    data = base(tmp_path)
    data["stages"][slot].setdefault("options", {})[key] = value
    expect_error(tmp_path, data, f"stages.{slot}.options.{key}: {message}")


@pytest.mark.parametrize(
    ("option", "content", "fragment"),
    [
        ("taxonomy", "version: 1\nthemes:\n  - id: x\n    label_ar: س\n    colour: red\n", "colour"),
        ("actors", "groups: []\n", "cues: required key missing"),
        (
            "actors",
            "groups:\n  unspecified: {aliases: [جهة]}\n  a: {aliases: [الحكومات]}\n  b: {aliases: [الحكومات]}\n"
            "cues:\n  - {lemma: قال, voice: active, forms: [قال]}\n",
            "groups.b.aliases[0]: alias 'الحكومات' is given for both 'a' and 'b'",
        ),
        ("positions", "axes:\n  a:\n    label: x\n    negative: {id: n}\n", "positive"),
    ],
)
def test_a_bad_taxonomy_actors_or_axes_file_is_caught_at_load(tmp_path: Path, option, content, fragment) -> None:
    data = base(tmp_path)
    bad = tmp_path / f"bad_{option}.yaml"
    bad.write_text(content, encoding="utf-8")
    slot = "themes" if option == "taxonomy" else "stakeholders"
    data["stages"][slot]["options"][option] = str(bad)
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert str(bad) in message and fragment in message, message


def test_check_config_and_run_stop_with_exit_2_before_any_document_is_read(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = base(tmp_path)
    data["stages"]["themes"]["options"]["threshold"] = "otsuu"
    data["stages"]["stakeholders"]["options"]["bootstrap_samples"] = 0
    path = write_config(tmp_path, data)
    for command in ("check-config", "run"):
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", command, "--config", str(path)],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert any(f"{path}: stages.themes.options.threshold:" in line for line in lines), lines
        assert any(f"{path}: stages.stakeholders.options.bootstrap_samples:" in line for line in lines), lines
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()  # no document read, no cache, no lock


def test_a_wrong_option_does_not_hide_a_wrong_file_named_by_another_option(tmp_path: Path) -> None:
    data = base(tmp_path)
    bad = tmp_path / "bad_themes.yaml"
    bad.write_text("themes:\n  - {id: a, label_ar: أ, label_en: A, description: d, seedz: [x]}\n", encoding="utf-8")
    data["stages"]["themes"]["options"].update(taxonomy=str(bad), threshold="otsuu")
    with pytest.raises(ConfigError) as info:
        config.load(write_config(tmp_path, data))
    lines = str(info.value).splitlines()
    assert any("stages.themes.options.threshold: expected one of" in line for line in lines), lines
    assert any(line.startswith(f"{bad}: themes[0].seedz: unknown key; did you mean 'seeds'?") for line in lines), lines


def test_a_cue_term_on_both_poles_of_an_axis_is_an_error(tmp_path: Path) -> None:
    from pipeline.stages.stakeholders.actors import load_axes

    path = tmp_path / "positions.yaml"
    path.write_text(
        "axes:\n  a:\n    negative: {id: n, terms: [الأمن الوطني, السيادة]}\n"
        "    positive: {id: p, terms: [حماية, الامن الوطني]}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"axes\.a\.positive\.terms\[1\]: term .*also a negative term .*normalisation"
    ):
        load_axes(path)
