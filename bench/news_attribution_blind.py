"""Named-speaker precision and recall on a blind gold of reported statements in ANT news.

The gold (``tests/fixtures/dev/news_statements_blind.jsonl``) was written by a labeller who
saw only the text of 32 ANT news items (items 701-708 of the categories economy,
internationalNews, middleEast and technology, one paragraph a line) and the group definitions
in ``tests/fixtures/dev/NEWS_STATEMENTS_README.md``; never the rules, the configuration or any
output.  None of these items was read while the attribution rules were written (those used
items 1-500 of the same categories).

The stage runs as in ``bench/news_attribution.py`` (attribution only, one unit per line), tool
statements are aligned to gold rows with :func:`pipeline.evaluate.stakeholders.align` (same
paragraph, same folded cue), and the script prints, for the stage and for a baseline:

* statements found (matched / gold), speaker right on matched rows;
* named precision (tool says a group other than ``unspecified``: share right) and named recall
  (gold names a group: share the tool gives that group), strict and accepting ``alt_speakers``;
* 95% percentile-bootstrap intervals over items (2,000 draws, seed 0).

Splits (``--split``): ``dev`` is items 701-704 of each category (16 items), what one may read while
changing the rules; ``heldout`` items 705-708, measured once after the changes; ``all`` both.

Baseline: the first alias of ``configs/stakeholders.yaml`` (group aliases and organisation names,
as substrings) after the cue in the same sentence, else the last before it, else ``unspecified``;
the cues are the tool's (so both are scored on the same rows).

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/news_attribution_blind.py [--gold PATH] [--show]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from news_attribution import NEWS, _unchanged  # noqa: E402

from pipeline.evaluate.stakeholders import UNSPEC, align  # noqa: E402
from pipeline.records import Unit  # noqa: E402
from pipeline.stages.stakeholders.stage import StakeholderPositions  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "dev" / "news_statements_blind.jsonl"
SENTENCE_END = re.compile(r"[.!؟?]\s|[.!؟?]$")


def load_items(ids: set[str]) -> list[dict]:
    """The ANT items with these ids, in file order, each with its 1-based ``position`` in its category."""
    out, seen = [], Counter()
    with open(NEWS, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            seen[item["category"]] += 1
            if item["id"] in ids:
                item["position"] = seen[item["category"]]
                out.append(item)
    return out


def split_of(item: dict) -> str:
    """``dev`` for items 701-704 of a category, ``heldout`` for 705-708 (file order within the category)."""
    return "dev" if item["position"] <= 704 else "heldout"


def units_of(item: dict) -> list[Unit]:
    lines = [line.strip() for line in item["text"].split("\n") if line.strip()]
    return [Unit(item["id"], f"{item['id']}/p{i + 1}", "paragraph", i + 1, None, t) for i, t in enumerate(lines)]


def tool_statements(items: list[dict]) -> list[dict]:
    stage = StakeholderPositions(
        actors=ROOT / "configs" / "stakeholders.yaml",
        positions=ROOT / "configs" / "positions.yaml",
        stance_method="cues",
    )
    out = []
    for item in items:
        units = units_of(item)
        by_unit, _, _ = stage.tag_document(units, _unchanged)
        for unit in units:
            for s in by_unit.get(unit.unit_id, []):
                row = s.to_json()
                row["item"] = item["id"]
                out.append(row)
    return out


def alias_table() -> list[tuple[str, str]]:
    """(alias, group), longest first, from the shipped actor configuration."""
    cfg = yaml.safe_load((ROOT / "configs" / "stakeholders.yaml").read_text(encoding="utf-8"))
    pairs = []
    for group, spec in cfg["groups"].items():
        if group == UNSPEC:
            continue
        for alias in spec.get("aliases", []) or []:
            pairs.append((alias, group))
        for names in (spec.get("organisations") or {}).values():
            pairs.extend((name, group) for name in names)
    return sorted(set(pairs), key=lambda p: -len(p[0]))


def baseline_speaker(text: str, cue: str, start: int, aliases: list[tuple[str, str]]) -> str:
    """The group of the first alias after the cue in its sentence, else of the last one before it."""
    at = text.find(cue, max(0, start - 5))
    at = at if at >= 0 else max(0, start)
    end_m = SENTENCE_END.search(text, at + len(cue))
    end = end_m.start() if end_m else len(text)
    begin = max((m.end() for m in SENTENCE_END.finditer(text, 0, at)), default=0)
    after = [(text.find(a, at + len(cue), end), g) for a, g in aliases]
    after = [(i, g) for i, g in after if i >= 0]
    if after:
        return min(after)[1]
    before = [(text.rfind(a, begin, at), g) for a, g in aliases]
    before = [(i, g) for i, g in before if i >= 0]
    return max(before)[1] if before else UNSPEC


def scores(pairs: list[tuple[dict, dict, str]], key: str, lenient: bool) -> dict[str, tuple[int, int]]:
    def ok(g: dict, t: dict) -> bool:
        return t[key] == g["speaker"] or (lenient and t[key] in g.get("alt_speakers", []))

    named = [(g, t) for g, t, _ in pairs if t[key] != UNSPEC]
    gold_named = [(g, t) for g, t, _ in pairs if g["speaker"] != UNSPEC]
    return {
        "right": (sum(ok(g, t) for g, t, _ in pairs), len(pairs)),
        "named_precision": (sum(ok(g, t) for g, t in named), len(named)),
        "named_recall": (sum(ok(g, t) for g, t in gold_named), len(gold_named)),
    }


def bootstrap(pairs, key: str, lenient: bool, metric: str, items: list[str], draws: int = 2000) -> tuple[float, float]:
    by_item: dict[str, list] = {i: [] for i in items}
    for p in pairs:
        by_item[p[0]["item"]].append(p)
    rng = np.random.default_rng(0)
    values = []
    for _ in range(draws):
        sample = [p for i in rng.choice(items, size=len(items)) for p in by_item[i]]
        k, n = scores(sample, key, lenient)[metric]
        if n:
            values.append(k / n)
    if not values:
        return float("nan"), float("nan")
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--show", action="store_true", help="list disagreements and unmatched rows")
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    args = parser.parse_args()
    if not NEWS.exists():
        raise SystemExit(f"no news corpus at {NEWS} (the shared data folder is not beside the repository)")
    gold = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    for g in gold:
        g["unit_id"] = f"{g['item']}/p{g['para']}"
    items = [i for i in load_items({g["item"] for g in gold}) if args.split in ("all", split_of(i))]
    item_ids = sorted(i["id"] for i in items)
    gold = [g for g in gold if g["item"] in item_ids]
    tool = tool_statements(items)
    texts = {u.unit_id: u.text for item in items for u in units_of(item)}
    aliases = alias_table()
    for t in tool:
        t["baseline"] = baseline_speaker(texts[t["unit_id"]], t["cue"], t["span"][0], aliases)
    pairs, ug, ut = align(gold, tool)
    print(
        f"split {args.split}: items {len(items)}, gold statements {len(gold)}, tool statements {len(tool)}, matched {len(pairs)}"
    )
    print(f"gold named {sum(g['speaker'] != UNSPEC for g in gold)}; statements found {len(pairs)}/{len(gold)}")
    for key, name in (("speaker", "stage"), ("baseline", "baseline (nearest alias)")):
        for lenient in (False, True):
            s = scores(pairs, key, lenient)
            parts = []
            for metric in ("right", "named_precision", "named_recall"):
                k, n = s[metric]
                lo, hi = bootstrap(pairs, key, lenient, metric, item_ids)
                parts.append(f"{metric} {k}/{n} = {k / max(1, n):.3f} [{lo:.2f}, {hi:.2f}]")
            print(f"{name:<26} {'lenient' if lenient else 'strict ':<8} " + "; ".join(parts))
    if args.show:
        print("\n== disagreements (gold | stage | baseline)")
        for g, t, _ in pairs:
            if g["speaker"] != t["speaker"]:
                print(
                    f"  {g['unit_id']:<28} {g['cue']:<10} gold={g['speaker']:<18} stage={t['speaker']:<18}"
                    f" base={t['baseline']:<18} | gold: {g.get('subject', '')} | stage: {t.get('subject', '')}"
                )
        print(f"\n== gold rows the stage did not find ({len(ug)})")
        for g in ug:
            print(f"  {g['unit_id']:<28} {g['cue']:<10} {g['speaker']:<18} | {g.get('subject', '')}")
        print(f"\n== stage statements not in the gold ({len(ut)})")
        for t in ut:
            print(f"  {t['unit_id']:<28} {t['cue']:<10} {t['speaker']:<18} | {t.get('subject', '')}")


if __name__ == "__main__":
    main()
