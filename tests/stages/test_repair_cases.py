"""The shared failing cases of the repair area (../shared/cases, see its README), each as a test.

Text cases compare ``python -m pipeline repair NAME.txt``; cases whose expected file names
``units.jsonl`` compare the units of a one-file corpus run through the per-document stages;
PDF cases compare the ingested text with the PDF's ``.txt`` twin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import config
from tests.conftest import ROOT, SHARED, default_config_data

CASES = SHARED / "cases"


def case_path(name: str) -> Path:
    path = CASES / name
    if not path.exists():
        pytest.skip(f"{path} not available (../shared is not beside the project)")
    return path


def expected_lines(name: str) -> list[str]:
    """The expected file's lines, without the comment lines that describe it."""
    text = case_path(f"{name}.expected.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if not line.startswith("#")]


def cli_repair(path: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "repair", str(path)], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


@pytest.mark.parametrize(
    "name",
    ["visual_plain", "visual_presentation", "word_ligature_damage", "presentation_logical", "mojibake_utf8_as_cp1252"],
)
def test_text_case_repairs_to_the_expected_text(name: str) -> None:
    output = cli_repair(case_path(f"{name}.txt"))
    assert [line for line in output.splitlines()] == expected_lines(name)


def process_one(tmp_path: Path, source: Path):
    """Per-document results of a one-file corpus made of ``source`` (default config)."""
    from pipeline.run import runner

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(folder)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    loaded = config.load(path)
    results, _ = runner.process_documents(loaded, runner.find_corpus_files(loaded.corpus), quiet=True)
    return results


@pytest.mark.parametrize("name", ["mojibake_partial", "single_farsi_yeh"])
def test_units_case_gives_the_expected_units(tmp_path: Path, name: str) -> None:
    (result,) = process_one(tmp_path, case_path(f"{name}.txt"))
    assert result.error is None
    got = [f"{unit.kind}\t{unit.text}" for unit in result.units]
    assert got == expected_lines(name)


def test_mojibake_is_counted_by_ingest(tmp_path: Path) -> None:
    (result,) = process_one(tmp_path, case_path("mojibake_utf8_as_cp1252.txt"))
    assert result.counts["ingest"]["mojibake_fixed"] == result.counts["ingest"]["mojibake_pairs"] > 0
    assert result.counts["ingest"]["feh_restored"] == 1


def test_mojibake_decoded_at_ingest_is_said_in_the_documents_entry(tmp_path: Path) -> None:
    from pipeline.run import runner

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(case_path("mojibake_utf8_as_cp1252.txt"), folder / "m.txt")
    path = tmp_path / "c.yaml"
    path.write_text(
        f"name: t\ncorpus: {folder}\noutput: {tmp_path / 'out'}\n"
        "stages: {ingest: {impl: files}, structure: {impl: document}}\n",
        encoding="utf-8",
    )
    runner.run(config.load(path), quiet=True)
    (entry,) = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["documents"]
    assert entry["mojibake_fixed"] > 0


def test_presentation_form_text_file_is_analysed_not_rejected(tmp_path: Path) -> None:
    (result,) = process_one(tmp_path, case_path("presentation_logical.txt"))
    assert result.error is None
    assert [unit.text for unit in result.units][-1].startswith("أكدت الحكومات")
    assert result.profile["repair"]["profiles"] == ["presentation_forms"]


def test_ligature_damage_profile_is_recorded_with_its_evidence(tmp_path: Path) -> None:
    (result,) = process_one(tmp_path, case_path("word_ligature_damage.txt"))
    profile = result.profile["repair"]
    assert profile["profiles"] == ["ligature_pairs"]
    assert {"لم", "في", "لى"} <= set(profile["ligature_pairs"]["pairs"])
    assert profile["known_share"]["before"] < 0.5 < 0.95 < profile["known_share"]["after"]
    assert result.counts["repair"]["profile_ligature_pairs"] == 1
    assert result.counts["repair"]["fix_ligature_pairs"] > 10


@pytest.mark.parametrize(
    "pdf",
    [
        "brackets_after_number_reportlab.pdf",
        "brackets_after_number_weasyprint.pdf",
        "brackets_harfbuzz_fpdf2.pdf",
        "brackets_harfbuzz_reportlab.pdf",
        "brackets_harfbuzz_weasyprint.pdf",
    ],
)
def test_pdf_brackets_case(pdf: str) -> None:
    from pipeline.stages.pdf_text import extract_pdf_text

    name = pdf.rsplit("_", 1)[0]
    assert extract_pdf_text(case_path(pdf)).strip().splitlines() == expected_lines(name)


def test_run_json_and_report_show_the_damage_profile(tmp_path: Path) -> None:
    from pipeline.run import runner

    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(case_path("word_ligature_damage.txt"), folder / "ligatures.txt")
    shutil.copy(ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt", folder / "seed.txt")
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(folder)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    profiles = {doc["doc_id"]: doc["profile"]["repair"]["profiles"] for doc in info["documents"]}
    assert profiles == {"ligatures": ["ligature_pairs"], "seed": ["seed_glyphs"]}
    counts = info["stages"]["repair"]["counts"]
    assert counts["profile_ligature_pairs"] == counts["profile_seed_glyphs"] == 1
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "حروف ربط مقلوبة" in report and "خط التقرير المرفق" in report
