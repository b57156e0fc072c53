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


def test_repairs_total_leaves_out_profile_counts_and_adds_mojibake_read_at_ingest():
    # a new user's summary said 227 where the report's table said 222: profile_* count documents
    found = summary({"fold_presentation_forms": 186, "profile_line_reversal": 2, "reverse_lines": 6})
    assert "repairs: 192 (fold_presentation_forms 186, reverse_lines 6)" in found.lines()
    # which reading a searched line took is a note on a line already counted as fix_visual_order
    notes = {"fix_visual_order": 209, "fix_visual_order_model": 70, "fix_visual_order_rules": 134}
    assert "repairs: 209 (fix_visual_order 209)" in summary(notes | {"fix_visual_order_below_margin": 2}).lines()
    found.counts["ingest"] = {"documents": 3, "mojibake_fixed": 122}
    assert (
        "repairs: 192 (fold_presentation_forms 186, reverse_lines 6); mojibake decoded as files were read 122"
        in found.lines()
    )
