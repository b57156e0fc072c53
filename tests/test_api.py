"""pipeline.load_run: a run's outputs as DataFrames, from its folder or its config; pipeline.api.rerun's checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import pipeline
from pipeline.api import analyse, load_run, rerun
from pipeline.errors import ConfigError, PipelineError
from pipeline.outputs import CATALOGUE
from tests.stages.test_report import made_up_run, make_report_run


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    return make_report_run(tmp_path_factory)  # the run test_report.py makes; made once per session


def test_load_run_of_the_bundled_corpus(report_run):
    run = pipeline.load_run(report_run.output)
    same = pipeline.load_run(report_run.config)  # a config file names its output folder
    assert run.path == same.path == report_run.output
    assert run.info["name"] == json.loads((report_run.output / "run.json").read_text(encoding="utf-8"))["name"]
    units = [json.loads(line) for line in (report_run.output / "units.jsonl").open(encoding="utf-8")]
    assert len(run.units) == len(units)
    assert list(run.units["unit_id"]) == [u["unit_id"] for u in units]
    paragraphs = run.paragraphs()
    assert list(paragraphs["number"]) == list(range(1, 40))
    assert set(paragraphs["kind"]) == {"paragraph"}
    assert len(run.tables) == len((report_run.output / "tables.jsonl").read_text(encoding="utf-8").splitlines())
    assert run.report == run.folder / "report.html"  # the report of the run that was read
    assert run.report.resolve() == (report_run.output / "report.html").resolve()  # the top-level link: the same
    for name in ("themes", "statements", "positions", "salience", "candidates"):
        frame = getattr(run, name)
        assert len(frame.columns) > 0, name
    if not (report_run.output / "themes.csv").exists():
        assert "themes.csv" in run.missing and len(run.themes) == 0
    else:  # a misspelt theme is an error naming the run's themes, not an empty frame
        with pytest.raises(ValueError, match=r"unknown theme 'Economy'; this run's themes: .*economy"):
            run.paragraphs(theme="Economy")


def test_dataframes_from_made_up_results(tmp_path):
    run = load_run(made_up_run(tmp_path / "run"))
    assert run.missing == []
    assert list(run.paragraphs(theme="development")["number"]) == [1, 2]
    assert list(run.paragraphs(theme="security")["number"]) == [1]
    with pytest.raises(ValueError, match="unknown theme 'nothing'"):  # a typo is not an empty theme
        run.paragraphs(theme="nothing")
    assert list(run.themes["theme"]) == ["security", "development"]
    assert run.themes["share"].tolist() == [0.3333, 0.6667]
    assert run.themes["top_terms"].iloc[1] == ["تنم", "بلد", "نام"]
    assert run.positions.set_index("group").loc["governments", "ci_low"] == -0.7
    assert run.positions["score"].notna().all() and run.positions["ci_low"].isna().sum() == 1
    assert run.statements.iloc[0]["speaker"] == "governments"
    assert run.salience.shape == (3, 4)
    assert run.candidates.iloc[0]["top_terms"] == ["تجار", "الكترون"]
    matrix = run.theme_matrix()
    assert list(matrix.columns) == ["development", "security"]
    assert matrix.loc["D1/p1", "security"] == 0.9 and matrix.loc["D1/p3", "security"] == 0.0
    assert "units=4" in repr(run)


def test_missing_results_are_empty_frames_with_columns(tmp_path):
    run = load_run(made_up_run(tmp_path / "run", full=False))
    assert set(run.missing) == {
        "themes.csv",
        "candidate_themes.jsonl",
        "statements.jsonl",
        "positions.csv",
        "salience.csv",
    }
    for name in ("themes", "statements", "positions", "salience", "candidates"):
        frame = getattr(run, name)
        assert frame.empty and list(frame.columns) == list(CATALOGUE[name].columns)
    assert run.report is None
    assert len(run.paragraphs(theme="security")) == 1


def test_load_run_errors(tmp_path):
    with pytest.raises(PipelineError, match="no such output folder"):
        load_run(tmp_path / "nothing")
    with pytest.raises(PipelineError, match=r"no run\.json"):
        load_run(tmp_path)


def test_analyse_names_a_mistyped_keyword_not_the_yaml_file(tmp_path):
    with pytest.raises(ConfigError) as error:
        analyse(
            Path(__file__).resolve().parents[1] / "configs" / "default.yaml",
            corpsu="corpora/un-igov-ar",
            output=str(tmp_path / "out"),
        )
    assert str(error.value).startswith("analyse(): corpsu=: unknown key; did you mean 'corpus'?")
    assert not (tmp_path / "out").exists()


def test_rerun_checks_its_arguments(report_run, tmp_path):
    with pytest.raises(ConfigError, match="unknown key"):
        rerun(report_run.config, "report", tmp_path / "x", not_an_option=1)
    with pytest.raises(ConfigError, match="expected true/false"):
        rerun(report_run.config, "report", tmp_path / "x", plots="yes")
    with pytest.raises(ConfigError, match="does not run that stage"):
        rerun(report_run.config, "no_such_stage", tmp_path / "x")
    with pytest.raises(ConfigError, match="another output folder"):
        rerun(report_run.config, "report", report_run.output, plots=False)
    assert not (tmp_path / "x").exists()


def test_analyse_runs_a_config_with_overrides_relative_to_the_caller(tmp_path, monkeypatch):

    corpus = tmp_path / "texts"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "---\ntitle: مذكرة\n---\n# عنوان\n\nتعمل الحكومة على تطوير الخدمات الرقمية لجميع المواطنين.\n", encoding="utf-8"
    )
    config = tmp_path / "configs" / "c.yaml"
    config.parent.mkdir()
    config.write_text(
        "name: t\ncorpus: nowhere\noutput: nowhere\nstages: {ingest: {impl: files}, structure: {impl: document}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    run = analyse(config, corpus="texts", output="out")
    assert run.path == (tmp_path / "out").resolve()
    assert list(run.units["text"]) == ["عنوان", "تعمل الحكومة على تطوير الخدمات الرقمية لجميع المواطنين."]
    assert run.info["config"] == str(config.resolve())  # absolute: a notebook re-runs it from anywhere
    assert run.info["documents"][0]["meta"] == {"title": "مذكرة"}  # the front matter, in run.json
    with pytest.raises(ConfigError, match="corpuss"):
        analyse(config, corpuss="texts")
    assert pipeline.analyse is not None and callable(pipeline.analyse)

    # rerun re-runs the run it starts from: its corpus, not the config's («nowhere»)
    again = rerun(config, "structure", "out2", source="out", furniture_min_pages=4)
    assert list(again.units["text"]) == list(run.units["text"]) and again.info["corpus"] == run.info["corpus"]
    # the new run goes to `output`: a folder holding a run of another corpus is refused, not overwritten
    shutil.copytree(corpus, tmp_path / "other")
    whole = config.parent / "whole.yaml"  # a config of another corpus, as a user's default config is
    whole.write_text(config.read_text(encoding="utf-8").replace("corpus: nowhere", "corpus: ../other"), "utf-8")
    with pytest.raises(ConfigError, match=r"holds a run of another corpus .*give source='.*out'"):
        rerun(whole, "structure", "out", furniture_min_pages=4)
    assert load_run("out").info["run_id"] == run.info["run_id"]
