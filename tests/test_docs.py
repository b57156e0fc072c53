"""The README's commands are real: subcommands exist, make targets exist, quick ones run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

from pipeline.cli import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def code_lines() -> list[str]:
    blocks = re.findall(r"```(?:sh|bash|console)\n(.*?)```", README, flags=re.S)
    lines = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                lines.append(command)
    return lines


def test_first_lines_are_make_run_and_make_test() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, flags=re.S).group(1).splitlines()
    assert first_block[0].startswith("make run")
    assert first_block[1].startswith("make test")
    assert README.index("make run") < 200


def test_ci_runs_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\s*$", ci, flags=re.M)
    assert re.search(r"^test:", MAKEFILE, flags=re.M) and "pytest" in MAKEFILE


def test_every_documented_subcommand_exists() -> None:
    seen = set()
    for line in code_lines():
        match = re.search(r"python -m pipeline (\S+)", line)
        if match and not match.group(1).startswith("-"):
            seen.add(match.group(1))
            assert match.group(1) in COMMANDS, line
    assert {"run", "repair"} <= seen


def test_every_documented_make_target_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, flags=re.M))
    documented = set(re.findall(r"`make ([a-z][\w-]*)`", README))
    for line in code_lines():
        if line.startswith("make "):
            documented.add(line.split()[1])
    assert documented, "the README documents make targets"
    assert documented <= targets, documented - targets


def test_documented_check_config_and_help_commands_run() -> None:
    ran = 0
    for line in code_lines():
        if re.match(r"python -m pipeline (--help|check-config)", line):
            args = shlex.split(line)[1:]
            result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, (line, result.stderr)
            ran += 1
    assert ran >= 2
