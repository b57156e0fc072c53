"""The package's layout rules (issue 11), checked on the source so a change that breaks one fails here:
no module over about 500 lines, no function of the run machinery over about 80 lines, result-file
names written only in the catalogue, and evaluation code that a run never imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from pipeline.outputs import CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_about_500_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert not long, long


def test_no_function_of_the_run_package_is_over_about_80_lines():
    long = {}
    for path in (PACKAGE / "run").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = node.end_lineno - node.lineno + 1
                if size > 80:
                    long[f"{path.name}:{node.name}"] = size
    assert not long, long


def test_result_file_names_are_written_only_in_the_catalogue():
    names = {spec.filename for spec in CATALOGUE.values()}
    found = []
    for path in MODULES:
        if path.name == "outputs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert not found, found


def test_a_run_never_imports_the_evaluation_package():
    code = (
        "import sys, pipeline.cli, pipeline.api, pipeline.run.runner\n"
        "from pipeline import registry\n"
        "for slot in registry.slots():\n"
        "    for impl in registry.available(slot):\n"
        "        registry.lookup(slot, impl, 'x')\n"
        "print(sorted(m for m in sys.modules if m.startswith('pipeline.evaluate')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
