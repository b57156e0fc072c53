"""Stance and attribution of the stakeholder stage, measured on blind labels.

Stance (the default): the 75 blind views of the bundled report
(tests/fixtures/seed_stance_blind.jsonl; conventions in STANCE_CONVENTIONS.md) are scored
by the stage's own code (pipeline.evaluate.stakeholders.view_scores) with cues alone,
embeddings alone and the combination, and compared with their labels: sign agreement
(of the views labelled intergovernmental or multistakeholder that get a non-zero score;
and strict, a missing score counting as wrong) and macro-F1 over the three labels, each
with a 95% bootstrap interval over views.

    .venv/bin/python bench/eval_stakeholders.py --split dev          # the split to tune on
    .venv/bin/python bench/eval_stakeholders.py --tune               # grid search, dev only
    .venv/bin/python bench/eval_stakeholders.py --split heldout      # once, at the end
    .venv/bin/python bench/eval_stakeholders.py --relevance OUT/statements.jsonl   # check the relevance floor

Each method is shown with its own parameters chosen on dev (``--tune`` prints them; the
combination's are the stage defaults).

Attribution (``--attribution``): precision of the stakeholder stage on the hand-checked seed sample.

Runs the bundled seed (A/66/77) through ingest -> structure -> repair -> normalise ->
stakeholders (the shipped configs/stakeholders.yaml and configs/positions.yaml) and
compares each statement's (paragraph, cue, speaker) with
tests/fixtures/seed_statements_gold.jsonl, read by hand from the logical text of the
report.  A system statement is correct when the gold sample has the same cue in the
same unit with the same speaker (multiset match: two «وأشير» in one paragraph are two
statements).

    .venv/bin/python bench/eval_stakeholders.py --attribution [--show]

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
    for spec in stages.values():  # files named beside configs/default.yaml, made absolute for the temp config
        options = (spec or {}).get("options") or {}
        for key, value in options.items():
            if isinstance(value, str) and (ROOT / "configs" / value).is_file():
                options[key] = str(ROOT / "configs" / value)
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


# Parameters of the two single-source baselines, chosen on dev by --tune like the stage's defaults.
BASELINES = {
    "cues": {"neutral_band": 0.6},
    "embeddings": {"scale": 0.5, "min_margin": 0.0, "neutral_band": 0.35},
}


def stance_stage():
    from pipeline.stages.stakeholders.stage import StakeholderPositions

    return StakeholderPositions(
        actors=ROOT / "configs" / "stakeholders.yaml", positions=ROOT / "configs" / "positions.yaml"
    )


def stance_report(split: str) -> dict:
    """Metrics of cues alone, embeddings alone and the combination on one split."""
    import dataclasses

    from pipeline.evaluate.stakeholders import load_stance, stance_scores, view_scores
    from pipeline.stages.stakeholders.stance import encode as embed

    stage = stance_stage()
    views = load_stance(split)
    vectors = embed([v["view_text"] for v in views])
    gold = [v["stance"] for v in views]
    out = {}
    for method in ("cues", "embeddings", "combined"):
        params = dataclasses.replace(stage.stance_params, method=method, **BASELINES.get(method, {}))
        scores = [a.score for a in view_scores(views, stage, params, vectors)]
        out[method] = {"params": dataclasses.asdict(params), **stance_scores(gold, scores, params.neutral_band)}
    return out


def tune() -> None:
    """Grid search on the dev split only: the best (macro-F1, sign agreement) per method."""
    import itertools

    from pipeline.evaluate.stakeholders import load_stance, stance_scores, view_scores
    from pipeline.stages.stakeholders.stance import StanceParams
    from pipeline.stages.stakeholders.stance import encode as embed

    stage = stance_stage()
    views = load_stance("dev")
    vectors = embed([v["view_text"] for v in views])
    space = stage.pole_space(stage._lexicon_for(lambda t: t).axes)
    gold = [v["stance"] for v in views]
    for method in ("cues", "embeddings", "combined"):
        grid = itertools.product(
            [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] if method == "combined" else [0.7],
            [0.1, 0.15, 0.2, 0.3, 0.4, 0.5] if method != "cues" else [0.5],
            [0.0, 0.03, 0.05, 0.08, 0.1, 0.12] if method != "cues" else [0.05],
            [0.0, 0.5, 1.0, 2.0] if method != "embeddings" else [0.0],
        )
        ranked = []
        for w, scale, margin, prior in grid:
            params = StanceParams(method, w, scale, margin, min_relevance=stage.stance_min_relevance, cue_prior=prior)
            scores = [a.score for a in view_scores(views, stage, params, vectors, space)]
            for band in (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
                r = stance_scores(gold, scores, band, samples=1)
                ranked.append(((r["macro_f1"][0], r["sign_agreement"][0]), (w, scale, margin, prior, band)))
        ranked.sort(key=lambda x: x[0], reverse=True)
        print(
            f"{method}: best macro-F1, sign agreement {ranked[0][0]} at (cue_weight, scale, min_margin, cue_prior, band)"
        )
        for key, values in ranked[:8]:
            print(f"    {key} {values}")


def print_stance(split: str) -> None:
    found = stance_report(split)
    print(f"stance on the {split} split of tests/fixtures/seed_stance_blind.jsonl (95% bootstrap intervals over views)")
    for method, r in found.items():
        sa, strict, f1 = r["sign_agreement"], r["sign_agreement_strict"], r["macro_f1"]
        print(
            f"  {method:<10} sign agreement {sa[0]:.3f} [{sa[1]:.3f}, {sa[2]:.3f}] "
            f"({r['n_polar_scored']} of {r['n_polar']} polar views scored); strict {strict[0]:.3f} "
            f"[{strict[1]:.3f}, {strict[2]:.3f}]; macro-F1 {f1[0]:.3f} [{f1[1]:.3f}, {f1[2]:.3f}]; "
            f"{r['n_scored']}/{r['n']} views scored"
        )
    print(json.dumps(found, ensure_ascii=False))


def print_relevance(path: Path) -> None:
    """Per axis: percentiles of the relevance of a run's statements (one per clause) and how many fall
    below the stage's floor -- for checking ``stance_min_relevance`` on an axis and corpus of your own:
    on a corpus off the axis's subject the floor should leave out about 95% of the statements."""
    import numpy as np

    floor = stance_stage().stance_min_relevance
    clauses = {r["statement_id"]: r for r in atomic.read_jsonl(path)}
    axes = sorted({axis for r in clauses.values() for axis in r.get("evidence", {})})
    for axis in axes:
        rel = [r["evidence"][axis].get("relevance") for r in clauses.values() if axis in r.get("evidence", {})]
        rel = np.array([v for v in rel if v is not None])
        if not len(rel):
            print(f"{axis}: no relevance measured (method cues)")
            continue
        pct = np.percentile(rel, [50, 90, 95, 99]).round(3)
        print(
            f"{axis}: {len(rel)} clauses; relevance median {pct[0]}, 90th {pct[1]}, 95th {pct[2]}, 99th {pct[3]}, "
            f"max {rel.max():.3f}; below the floor {floor}: {(rel < floor).sum()} ({(rel < floor).mean():.1%})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev", help="stance labels to measure on")
    parser.add_argument("--tune", action="store_true", help="grid search of the stance parameters on dev")
    parser.add_argument("--attribution", action="store_true", help="attribution against the author's sample")
    parser.add_argument("--show", action="store_true", help="list statements that do not match the gold sample")
    parser.add_argument("--relevance", type=Path, metavar="STATEMENTS", help="relevance figures of a statements.jsonl")
    args = parser.parse_args()
    if args.relevance:
        print_relevance(args.relevance)
        return 0
    if args.tune:
        tune()
        return 0
    if not args.attribution:
        print_stance(args.split)
        return 0
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
