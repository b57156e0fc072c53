"""Small-change benchmark: what a one-file-changed ``reanalyse`` costs, and what it changes elsewhere.

On a news corpus built as in :mod:`bench.bench_scale` (default size 10 MB, the default config's
themes, stakeholders and report stages, phrases on) it runs, each in a subprocess:

1. ``run`` on an empty output folder (cold cache) -- the reference time;
2. ``reanalyse`` with nothing changed (target: < 2% of the cold run);
3. one sentence appended to one file, then ``reanalyse`` (target: <= 10% of the cold run);
4. with ``--refit``: the same again with ``reanalyse --refit`` (the cold-run result of the edited corpus).

and prints each time as a share of the cold run, whether the corpus-level models were reused or
refitted (from run.json), and how many units of *other* documents changed their themes (target: 0
when the models were reused).

    python bench/bench_reanalyse.py                # 10 MB
    python bench/bench_reanalyse.py --mb 2         # a smoke version
    python bench/bench_reanalyse.py --profile      # also a cProfile of step 3 (top 25 by cumulative time)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import MB, build_corpus, measure, scratch_folder, snapshot_code, write_config

SENTENCE = "\n\nوأكد الوزير أن الحكومة ستواصل دعم التعليم والصحة في جميع المناطق خلال العام المقبل.\n"


def unit_themes(output: Path) -> dict[str, tuple[str, list[str]]]:
    """unit id -> (document id, themes) from units.jsonl."""
    out = {}
    with open(output / "units.jsonl", encoding="utf-8") as handle:
        for line in handle:
            unit = json.loads(line)
            out[unit["unit_id"]] = (unit.get("doc_id") or "", list(unit.get("themes") or []))
    return out


def moved(before: dict, after: dict, edited_doc: str) -> int:
    """Units of documents other than ``edited_doc`` whose themes differ (or that appeared / vanished)."""
    ids = {u for u, (doc, _) in {**before, **after}.items() if doc != edited_doc}
    return sum(before.get(u, (None, None))[1] != after.get(u, (None, None))[1] for u in ids)


def models(output: Path) -> str:
    info = json.loads((output / "run.json").read_text(encoding="utf-8"))
    m = info.get("models") or {}
    if not m:
        return "models: (not recorded)"
    return f"models: {m.get('decision')} ({m.get('reason')})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (default 10)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp folder)")
    parser.add_argument("--refit", action="store_true", help="also time `reanalyse --refit` after the edit")
    parser.add_argument("--profile", action="store_true", help="cProfile the one-file-changed reanalyse")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = scratch_folder("bench-reanalyse-", args.work)
    if work is None:
        return 2
    source = snapshot_code(work)
    corpus, output = work / "corpus", work / "out"
    files, size = build_corpus(corpus, int(args.mb * MB))
    config = write_config(work / "bench.yaml", corpus, output, "local", 16, per_document_only=False)
    python = sys.executable
    print(f"{files} files, {size / MB:.1f} MB; scratch {work}", flush=True)

    def step(label: str, command: list[str], reference: float | None) -> dict:
        result = measure([python, *command, "-q", "--config", str(config)], source)
        share = f" = {100 * result['seconds'] / reference:5.1f}% of the cold run" if reference else ""
        print(
            f"  {label:<34} {result['seconds']:7.2f} s{share}  CPU {result['cpu']:6.1f} s  "
            f"load {result['load']:.1f}  {models(output)}",
            flush=True,
        )
        return result

    cold = step("cold run", ["-m", "pipeline", "run"], None)["seconds"]
    step("no-change reanalyse", ["-m", "pipeline", "reanalyse"], cold)
    before = unit_themes(output)
    edited = sorted(corpus.rglob("*.txt"))[len(list(corpus.rglob("*.txt"))) // 2]
    with open(edited, "a", encoding="utf-8") as handle:
        handle.write(SENTENCE)
    doc = next((d for d, _ in before.values() if edited.stem in d), edited.stem)
    if args.profile:
        prof = work / "reanalyse.prof"
        step(
            "one-file-changed reanalyse (prof)",
            ["-m", "cProfile", "-o", str(prof), "-m", "pipeline", "reanalyse"],
            cold,
        )
        import pstats

        pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(25)
    else:
        step("one-file-changed reanalyse", ["-m", "pipeline", "reanalyse"], cold)
    after = unit_themes(output)
    print(f"  units of other documents whose themes changed: {moved(before, after, doc)} of {len(before)}", flush=True)
    if args.refit:
        step("reanalyse --refit", ["-m", "pipeline", "reanalyse", "--refit"], cold)
        refitted = unit_themes(output)
        print(
            f"  after --refit, units of other documents whose themes differ from before the edit: "
            f"{moved(before, refitted, doc)}",
            flush=True,
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
