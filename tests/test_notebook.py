"""notebooks/explore.ipynb runs top to bottom against a fresh run of the bundled corpus (nbclient).

The notebook is stored without outputs; the test executes a copy, pointing it
at the session's run through ``PIPELINE_RUN`` / ``PIPELINE_CONFIG`` and giving
the re-run its own folder through ``PIPELINE_RERUN_OUTPUT``.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from tests.stages.test_report import ROOT, make_report_run

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="session")
def report_run(tmp_path_factory):
    return make_report_run(tmp_path_factory)  # the run test_report.py makes; made once per session


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)


def _text(cell) -> str:
    out = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            out.append(output.get("text", ""))
        elif "data" in output:
            out.append(output["data"].get("text/plain", ""))
    return "".join(out)


def execute_notebook(run_output, config, rerun_output, monkeypatch) -> tuple[object, str]:
    """The notebook executed against a run (nbclient); returns it and the text its cells printed."""
    monkeypatch.setenv("PIPELINE_RUN", str(run_output))
    monkeypatch.setenv("PIPELINE_CONFIG", str(config))
    monkeypatch.setenv("PIPELINE_RERUN_OUTPUT", str(rerun_output))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, "\n".join(_text(cell) for cell in nb.cells if cell.cell_type == "code")


def test_notebook_runs_against_a_run(report_run, tmp_path, monkeypatch):
    rerun_output = tmp_path / "rerun"
    nb, text = execute_notebook(report_run.output, report_run.config, rerun_output, monkeypatch)
    assert "paragraphs: 39" in text
    assert "re-ran " in text and str(rerun_output) in text
    assert (rerun_output / "run.json").is_file() and (rerun_output / "units.jsonl").is_file()
    assert not (report_run.output / "rerun").exists()
    if (report_run.output / "themes.csv").exists():
        before, after = map(int, re.search(r"assignments before: (\d+) after: (\d+)", text).groups())
        assert after < before  # the stricter threshold demo shows a difference
    else:
        assert "paragraphs in the new report: 5" in text
    # the charts the notebook draws are inline SVG
    svgs = [o for cell in nb.cells for o in cell.get("outputs", []) if "image/svg+xml" in o.get("data", {})]
    assert len(svgs) >= (1 if (report_run.output / "themes.csv").exists() else 0)
