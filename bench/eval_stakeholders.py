"""Attribution precision of the stakeholder stage on the hand-checked seed sample.

Runs the bundled seed (A/66/77) through ingest -> structure -> repair -> normalise ->
stakeholders (the shipped configs/stakeholders.yaml and configs/positions.yaml) and
compares each statement's (paragraph, cue, speaker) with
tests/fixtures/seed_statements_gold.jsonl, read by hand from the logical text of the
report.  A system statement is correct when the gold sample has the same cue in the
same unit with the same speaker (multiset match: two «وأشير» in one paragraph are two
statements).

    .venv/bin/python bench/eval_stakeholders.py [--show]

prints precision (correct / statements produced), recall (correct / gold), the same
for statements attributed to a named group (not ``unspecified``), and with --show
every mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import atomic, registry  # noqa: E402
from pipeline.config import load  # noqa: E402
from pipeline.run.runner import run  # noqa: E402
from pipeline.stages.stakeholders.stage import UNSPECIFIED, fold  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "seed_statements_gold.jsonl"


def seed_config(folder: Path) -> Path:
    """A config for the seed: configs/default.yaml plus repair, normalise and this stage."""
    data = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text(encoding="utf-8"))
    data["corpus"] = str(ROOT / "corpora" / "un-igov-ar")
    data["output"] = str(folder / "out")
    data.pop("executor", None)
    stages = data["stages"]
    for slot, impl in (("repair", "pdf_artefacts"), ("normalise", "camel")):
        if slot not in stages and impl in registry.available(slot):
            stages[slot] = {"impl": impl}
    stages["stakeholders"] = {
        "impl": "reported_speech",
        "options": {
            "actors": str(ROOT / "configs" / "stakeholders.yaml"),
            "positions": str(ROOT / "configs" / "positions.yaml"),
        },
    }
    for slot in ("report",):  # not needed for the statements
        stages.pop(slot, None)
    path = folder / "seed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def triples(records: list[dict]) -> Counter:
    return Counter((r["unit_id"], fold(r["cue"]), r["speaker"]) for r in records)


def evaluate(statements: list[dict], gold: list[dict]) -> dict[str, float | int]:
    system, truth = triples(statements), triples(gold)
    correct = system & truth
    named = Counter({k: v for k, v in system.items() if k[2] != UNSPECIFIED})
    named_truth = Counter({k: v for k, v in truth.items() if k[2] != UNSPECIFIED})
    return {
        "statements": sum(system.values()),
        "gold": sum(truth.values()),
        "correct": sum(correct.values()),
        "precision": sum(correct.values()) / max(1, sum(system.values())),
        "recall": sum(correct.values()) / max(1, sum(truth.values())),
        "named_statements": sum(named.values()),
        "named_correct": sum((named & truth).values()),
        "named_precision": sum((named & truth).values()) / max(1, sum(named.values())),
        "named_recall": sum((named & truth).values()) / max(1, sum(named_truth.values())),
    }


def run_seed(folder: Path) -> list[dict]:
    config = load(seed_config(folder))
    run(config, quiet=True)
    return atomic.read_jsonl(config.output / "statements.jsonl")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list statements that do not match the gold sample")
    args = parser.parse_args()
    gold = atomic.read_jsonl(GOLD)
    with tempfile.TemporaryDirectory() as tmp:
        statements = run_seed(Path(tmp))
    scores = evaluate(statements, gold)
    print(
        f"statements {scores['statements']}, gold {scores['gold']}, correct {scores['correct']}: "
        f"precision {scores['precision']:.3f}, recall {scores['recall']:.3f}"
    )
    print(
        f"named groups: {scores['named_statements']} statements, {scores['named_correct']} correct: "
        f"precision {scores['named_precision']:.3f}, recall {scores['named_recall']:.3f}"
    )
    if args.show:
        system, truth = triples(statements), triples(gold)
        for key in sorted((system - truth).elements()):
            print("wrong  ", *key)
        for key in sorted((truth - system).elements()):
            print("missed ", *key)
    print(json.dumps(scores, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
