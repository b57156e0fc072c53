"""The run summary's lines (pipeline.run.records.RunSummary)."""

from pathlib import Path

from pipeline.run.records import RunSummary


def summary(repair: dict[str, int]) -> RunSummary:
    return RunSummary(output=Path("out"), documents=1, failed=[], units=3, counts={"repair": repair}, report=None)


def test_repairs_line_says_what_the_total_is_made_of():
    lines = summary({"strip_kashida": 1055, "repair_kaf": 12, "repair_yeh": 0}).lines()
    assert "repairs: 1067 (strip_kashida 1055, repair_kaf 12)" in lines
    many = summary({"a": 1, "b": 2, "c": 3, "d": 4}).lines()
    assert "repairs: 10 (d 4, c 3, b 2, ...)" in many
    assert "repairs: 0" in summary({}).lines()
