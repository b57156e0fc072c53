"""Hostile and unlucky config and data files (issue 17): every fault is one line on stderr naming the
file and the key path or line, with the documented exit code, no traceback, and the bombs end fast.

The commands run in a subprocess, as a user runs them; ``timeout=60`` only guards against a hang
(the bombs took ~30 s and 3 GB, then a MemoryError, before aliases were refused)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from pipeline import config, registry, yamlfile
from pipeline.errors import ConfigError
from tests.conftest import ROOT, default_config_data

CONFIGS = ROOT / "configs"
# Ten lines, 0.5 KB: 9**10 (3.5 billion) strings once every alias is expanded.
BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
)


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def one_line(result: subprocess.CompletedProcess, code: int) -> str:
    """The single ``error:`` line of a failed command (asserting the exit code and no traceback)."""
    assert result.returncode == code, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def config_with(tmp_path: Path, edit=None, **files: str) -> Path:
    """A copy of the default config in ``tmp_path``; ``files`` replace an option file (taxonomy=TEXT)
    with the given text; ``edit(data)`` changes the config itself."""
    data = default_config_data(tmp_path / "out")
    for option, text in files.items():
        for spec in data["stages"].values():
            options = (spec or {}).get("options") or {}
            if option in options:
                options[option] = str(write(tmp_path / f"{option}.yaml", text))
    if edit is not None:
        edit(data)
    return write(tmp_path / "c.yaml", data)


def with_text(source: Path, old: str, new: str) -> str:
    text = source.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- YAML aliases and depth


def test_alias_bomb_as_config_description_is_one_line_and_fast(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "name: x\ndescription: *a9\ncorpus: .\noutput: out\nstages: {}\n" + BOMB)
    line = one_line(cli("check-config", "--config", str(path)), 2)
    assert line == f"error: {path}: line 2, column 14: YAML alias *a9 is not allowed; write the value out"


def test_a_duplicate_key_is_one_line_naming_both_lines(tmp_path: Path) -> None:
    """PyYAML keeps the last of two equal keys silently: a second ``seed:`` overrode the first (new-user
    trial: ``threshold:`` twice in a theme taxonomy, and check-config said OK)."""
    path = write(tmp_path / "c.yaml", "name: x\nseed: 1\ncorpus: .\noutput: out\nseed: 2\nstages: {}\n")
    line = one_line(cli("check-config", "--config", str(path)), 2)
    assert line == f"error: {path}: line 5, column 1: duplicate key 'seed' (first on line 2)"
    assert yamlfile.parse_yaml("a: {b: 1}\nc: {b: 2}\n") == {"a": {"b": 1}, "c": {"b": 2}}  # per mapping


@pytest.mark.parametrize(
    ("option", "source", "old", "new"),
    [
        ("taxonomy", "themes.yaml", "label_en: ", "label_en: *a9\n    x_en: "),
        ("actors", "stakeholders.yaml", "groups:\n", "groups:\n  bomb: {label: *a9, aliases: [x]}\n"),
        ("positions", "positions.yaml", "axes:\n", "axes:\n  bomb: {label: *a9}\n"),
    ],
)
def test_alias_bomb_in_a_data_file_is_one_line_naming_it(tmp_path: Path, option, source, old, new) -> None:
    text = with_text(CONFIGS / source, old, new) + "\n" + BOMB
    path = config_with(tmp_path, **{option: text})
    line = one_line(cli("check-config", "--config", str(path)), 2)
    row = text[: text.index("*a9")].count("\n") + 1
    assert line.startswith(f"error: {tmp_path / (option + '.yaml')}: line {row}, column ")
    assert line.endswith("YAML alias *a9 is not allowed; write the value out")


def test_yaml_nested_50000_deep_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "name: x\ndescription: " + "[" * 50_000 + "]" * 50_000 + "\n")
    line = one_line(cli("run", "--config", str(path)), 2)
    assert line == f"error: {path}: line 2, column 113: nested deeper than {yamlfile.MAX_YAML_DEPTH} levels"


def test_block_nesting_is_bounded_too_and_the_bundled_files_are_far_below(tmp_path: Path) -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(yamlfile.MAX_YAML_DEPTH + 5)) + "  " * 200 + "v\n"
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: nested deeper than"):
        yamlfile.load_yaml(write(tmp_path / "deep.yaml", deep))

    def depth(value) -> int:
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        return 1 + max(map(depth, children), default=0)

    for path in CONFIGS.glob("*.yaml"):
        assert depth(yamlfile.load_yaml(path)) <= 10, path
    assert yamlfile.load_yaml(write(tmp_path / "ok.yaml", "a: &x 1\nb: [1, {c: d}]\n")) == {
        "a": 1,
        "b": [1, {"c": "d"}],
    }


def test_long_values_in_messages_are_cut(tmp_path: Path) -> None:
    huge = "س" * 100_000
    path = config_with(tmp_path, edit=lambda d: d.update(name=[huge], seed=huge))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 2 and all(len(line) < len(str(path)) + 200 for line in lines), lines
    assert lines[0].startswith(f"{path}: name: expected a string, got ['سس") and lines[0].endswith("...")


def test_long_keys_in_data_file_messages_are_cut(tmp_path: Path) -> None:
    from pipeline.stages.stakeholders.actors import load_actors

    text = with_text(CONFIGS / "stakeholders.yaml", "groups:\n", "groups:\n  " + "g" * 1000 + ": {aliases: []}\n")
    with pytest.raises(ConfigError) as info:
        load_actors(write(tmp_path / "actors.yaml", text))
    (line,) = str(info.value).splitlines()
    assert (
        line
        == f"{tmp_path / 'actors.yaml'}: groups.{'g' * 37}....aliases: expected a non-empty list (or organisations)"
    )


# --------------------------------------------------------------------------- values accepted silently


def test_a_negative_count_option_is_an_error(tmp_path: Path) -> None:
    path = config_with(
        tmp_path, edit=lambda d: d["stages"]["report"].setdefault("options", {}).update(max_paragraphs=-5)
    )
    line = one_line(cli("check-config", "--config", str(path)), 2)
    assert line == f"error: {path}: stages.report.options.max_paragraphs: expected a value >= 1, got -5"


def _numbers(hint) -> set:
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Annotated:
        return _numbers(args[0])
    if args:
        return set().union(*map(_numbers, args))
    return {hint} & {int, float}


def test_every_count_option_of_every_stage_has_a_lower_bound() -> None:
    """The rule, for every registered stage: an int option is a count (>= 0 unless the stage declares
    another range), a float option is finite."""
    checked = 0
    for slot in registry.slots():
        for name in registry.available(slot):
            model = config.options_model(registry.lookup(slot, name, "test"))
            for field, info in (model.model_fields if model else {}).items():
                kinds = _numbers(info.annotation)
                for kind in kinds:
                    value = {int: -1, float: float("nan")}[kind]
                    with pytest.raises(ValidationError) as caught:
                        model.model_validate({field: value})
                    found = {error["type"] for error in caught.value.errors() if error["loc"][:1] == (field,)}
                    assert found & {"greater_than_equal", "greater_than", "finite_number"}, (slot, name, field, found)
                    checked += 1
    assert checked > 50


def test_nan_and_negative_seed_are_errors(tmp_path: Path) -> None:
    def edit(data: dict) -> None:
        data["seed"] = -1
        data["stages"]["repair"].setdefault("options", {})["kaf_margin"] = float("nan")

    with pytest.raises(ConfigError) as info:
        config.load(config_with(tmp_path, edit=edit))
    assert "seed: expected a value >= 0, got -1" in str(info.value)
    assert "stages.repair.options.kaf_margin: expected a number, got nan" in str(info.value)


def _theme_seeds(seeds: list[str]) -> str:
    data = yaml.safe_load((CONFIGS / "themes.yaml").read_text(encoding="utf-8"))
    data["themes"][3]["seeds"] = seeds
    return yaml.safe_dump(data, allow_unicode=True)


def test_seeds_of_only_stop_words_and_punctuation_are_an_error(tmp_path: Path) -> None:
    path = config_with(tmp_path, taxonomy=_theme_seeds(["في", "من على", "وفي ،"]))
    line = one_line(cli("check-config", "--config", str(path)), 2)
    taxonomy = tmp_path / "taxonomy.yaml"
    assert line == (
        f"error: {taxonomy}: themes[3].seeds: every seed is empty after normalisation (stop words or punctuation only)"
    )


def test_a_seed_with_no_word_is_an_error(tmp_path: Path) -> None:
    path = config_with(tmp_path, taxonomy=_theme_seeds(["الحوكمة", "ـــ ،،", "َ"]))
    result = cli("check-config", "--config", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    taxonomy = tmp_path / "taxonomy.yaml"
    assert result.stderr.splitlines() == [
        f"error: {taxonomy}: themes[3].seeds[1]: no word left after normalisation, got 'ـــ ،،'",
        f"error: {taxonomy}: themes[3].seeds[2]: no word left after normalisation, got 'َ'",
    ]


def test_the_stop_words_read_from_spacy_as_data_are_spacys() -> None:
    from spacy.lang.ar.stop_words import STOP_WORDS

    from pipeline.stages.themes.taxonomy import arabic_stop_words
    from pipeline.text.arabic import light_fold

    assert arabic_stop_words() == {light_fold(word) for word in STOP_WORDS}


def _actors(edit) -> str:
    data = yaml.safe_load((CONFIGS / "stakeholders.yaml").read_text(encoding="utf-8"))
    edit(data["groups"])
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda groups: groups["governments"]["aliases"].insert(1, "ـــ"),
            "groups.governments.aliases[1]: alias 'ـــ' is empty after normalisation",
        ),
        (
            lambda groups: groups["civil_society"]["aliases"].insert(0, "الحكومَات"),
            "groups.governments.aliases[0]: alias 'الحكومات' is given for both 'civil_society' "
            "(as 'الحكومَات': the same after normalisation) and 'governments'",
        ),
    ],
)
def test_a_bad_actor_alias_names_file_and_key_path(tmp_path: Path, edit, expected) -> None:
    path = config_with(tmp_path, actors=_actors(edit))
    line = one_line(cli("check-config", "--config", str(path)), 2)
    assert line == f"error: {tmp_path / 'actors.yaml'}: {expected}"


def test_the_matcher_names_the_file_and_key_of_an_alias_the_run_normaliser_empties(tmp_path: Path) -> None:
    """An alias only the run's normaliser empties is caught when the matcher is built: the message
    names the file and key path too."""
    from pipeline.stages.stakeholders.actors import load_actors, load_axes
    from pipeline.stages.stakeholders.matching import _Lexicon

    actors = load_actors(write(tmp_path / "actors.yaml", (CONFIGS / "stakeholders.yaml").read_text(encoding="utf-8")))
    drop = actors.aliases[3][1]
    with pytest.raises(ConfigError) as info:
        _Lexicon(actors, load_axes(CONFIGS / "positions.yaml"), lambda text: "" if text == drop else text)
    group = actors.aliases[3][0]
    assert str(info.value).startswith(f"{tmp_path / 'actors.yaml'}: groups.{group}.")
    assert str(info.value).endswith(f"alias {drop!r} is empty after normalisation")


# --------------------------------------------------------------------------- evaluate --gold


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x7fELF\x02\x01\x01\x00" + bytes(range(128, 256)), ":1: not UTF-8 text (byte 9 of the line); expected JSON"),
        (b'{"unit_id": "a", "themes": []}\n\x89PNG\r\n\x1a\n\x00\xff', ":2: not UTF-8 text (byte 1 of the line)"),
        (b'{"unit_id": "a", "themes": []}\n' + b"[" * 100_000, ":2: not a gold record: JSON nested too deeply"),
        (b"\x00\x01\x02", ":1: not JSON: Expecting value (column 1)"),
    ],
)
def test_evaluate_themes_with_a_binary_gold_file_is_one_line(tmp_path: Path, content: bytes, expected: str) -> None:
    gold = tmp_path / "gold.bin"
    gold.write_bytes(content)
    line = one_line(cli("evaluate-themes", "--gold", str(gold)), 1)
    assert line.startswith(f"error: {gold}{expected}")


def test_evaluate_themes_with_a_folder_as_gold_is_one_line(tmp_path: Path) -> None:
    line = one_line(cli("evaluate-themes", "--gold", str(tmp_path)), 1)
    assert line == f"error: {tmp_path}: expected a gold file, found a folder"


# --------------------------------------------------------------------------- Dask start-up


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        (f"tcp://127.0.0.1:{_closed_port()}", "Timed out trying to connect"),
        ("foo://nowhere", "unknown address scheme 'foo'"),
    ],
)
def test_an_unreachable_dask_scheduler_fails_fast_in_one_line(tmp_path: Path, address: str, fragment: str) -> None:
    executor = {"kind": "dask", "address": address, "connect_timeout": 2}
    path = config_with(tmp_path, edit=lambda d: d.update(executor=executor))
    line = one_line(cli("run", "--config", str(path), "--quiet"), 1)
    assert line.startswith(f"error: executor.address: cannot reach Dask scheduler {address}: ")
    assert fragment in line


def test_a_local_dask_cluster_that_cannot_start_is_one_line(tmp_path: Path) -> None:
    path = config_with(tmp_path, edit=lambda d: d.update(executor={"kind": "dask", "workers": 1}))
    result = cli("run", "--config", str(path), "--quiet", env={"DASK_TEMPORARY_DIRECTORY": "/proc/no-such-folder"})
    line = one_line(result, 1)
    assert line.startswith("error: executor: cannot start a local Dask cluster of 1 workers within 20 s")
    assert "/proc/no-such-folder" in line


def test_connect_timeout_must_be_positive(tmp_path: Path) -> None:
    path = config_with(tmp_path, edit=lambda d: d.update(executor={"kind": "dask", "connect_timeout": 0}))
    with pytest.raises(ConfigError, match=r"executor\.connect_timeout: expected a value > 0(\.0)?, got 0"):
        config.load(path)


# --------------------------------------------------------------------------- the CLI's last resort


@pytest.mark.parametrize(
    ("error", "code", "prefix"),
    [
        (RuntimeError("boom\nsecond line"), 70, "error: internal error: RuntimeError: boom second line (rerun with"),
        (RecursionError("maximum recursion depth exceeded"), 70, "error: internal error: RecursionError: maximum"),
        (PermissionError(13, "Permission denied"), 1, "error: PermissionError: [Errno 13] Permission denied (rerun"),
    ],
)
def test_any_other_error_is_one_line_with_a_documented_exit_code(monkeypatch, capsys, error, code, prefix) -> None:
    from pipeline import cli as cli_module

    def fail(args):
        raise error

    monkeypatch.setitem(cli_module.COMMANDS, "history", fail)
    assert cli_module.main(["history", "--config", "x.yaml", "--quiet"]) == code
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), lines
    with pytest.raises(type(error)):
        cli_module.main(["history", "--config", "x.yaml", "--quiet", "--debug"])


def test_exit_codes_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ("`0`", "`1`", "`2`", "`70`", "`130`"):
        assert code in readme.split("## Architecture")[0], code
    assert json.dumps(yamlfile.MAX_YAML_DEPTH) in readme


def test_a_local_dask_worker_that_hangs_at_start_fails_the_run_after_connect_timeout(tmp_path: Path) -> None:
    """Every Python process the run starts (the Dask workers) hangs at start-up, as a worker on a
    broken environment does: the run stops after ``connect_timeout`` with one line, not never."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import os, time\n"
        "first = os.environ.setdefault('HANG_BUT', str(os.getpid()))\n"
        "if first != str(os.getpid()):\n"  # not the run itself: a process it started
        "    null = os.open(os.devnull, os.O_WRONLY)\n"
        "    os.dup2(null, 1), os.dup2(null, 2)\n"  # let the test read the run's stderr to its end
        "    time.sleep(30)\n"
    )
    executor = {"kind": "dask", "workers": 1, "connect_timeout": 3}
    path = config_with(tmp_path, edit=lambda d: d.update(executor=executor))
    result = cli("run", "--config", str(path), "--quiet", env={"PYTHONPATH": f"{ROOT}:{site}"})
    line = one_line(result, 1)
    assert line == (
        "error: executor: cannot start a local Dask cluster of 1 workers within 3 s (executor.connect_timeout): "
        "a worker did not start"
    )
