"""Attribution on news: statements and speakers of the stakeholder stage on ANT news items.

The ANT corpus (``../shared/data/news-ant``, Apache-2.0, not in the repository) is read as one
document per item, one unit per line of its text.  Only the attribution part of the stage runs
(:meth:`StakeholderPositions.tag_document`, the shipped ``configs/stakeholders.yaml`` and
``configs/positions.yaml``, text not normalised: the news is clean Unicode), so no embedding is
loaded.  Items: the first ``--per-category`` items of each of ``--categories`` in file order, after
``--skip`` items of each (``--skip 100`` gives a sample the rules were not designed on).

Prints: items, paragraphs, statements, statements per speaker group, per attribution kind
(``subject``, ``continued``, ...), verbs left out by reason, and ``--sample`` attributed statements
(speaker not ``unspecified``) drawn with ``--seed``, for reading by hand.

Usage::

    PYTHONPATH=$PWD .venv/bin/python bench/news_attribution.py [--per-category 100] [--skip 0] [--sample 25] [--seed 16]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.records import Unit  # noqa: E402
from pipeline.stages.stakeholders.stage import StakeholderPositions  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
CATEGORIES = ("economy", "internationalNews", "middleEast", "technology")


def items(path: Path, categories: tuple[str, ...], per_category: int, skip: int = 0) -> list[dict]:
    """Items ``skip`` to ``skip + per_category`` of each category, in file order."""
    seen: Counter = Counter()
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            if item["category"] in categories:
                seen[item["category"]] += 1
                if skip < seen[item["category"]] <= skip + per_category:
                    out.append(item)
    return out


def _unchanged(text: str) -> str:
    """The normaliser: none (one function, so the stage builds its matchers once)."""
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS)
    parser.add_argument("--categories", nargs="+", default=list(CATEGORIES))
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--skip", type=int, default=0, help="items of each category left out before those taken")
    parser.add_argument("--sample", type=int, default=25)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--dump", type=Path, help="write every statement as JSON lines here")
    args = parser.parse_args()
    if not args.news.exists():
        raise SystemExit(f"no news corpus at {args.news} (the shared data folder is not beside the worktree)")
    stage = StakeholderPositions(
        actors=ROOT / "configs" / "stakeholders.yaml",
        positions=ROOT / "configs" / "positions.yaml",
        stance_method="cues",  # attribution only: no clause vectors encoded
    )
    found, skipped, paragraphs = [], Counter(), 0
    chosen = items(args.news, tuple(args.categories), args.per_category, args.skip)
    for item in chosen:
        lines = [line.strip() for line in item["text"].split("\n") if line.strip()]
        units = [Unit(item["id"], f"{item['id']}/p{i + 1}", "paragraph", i + 1, None, t) for i, t in enumerate(lines)]
        paragraphs += len(units)
        by_unit, counts, _ = stage.tag_document(units, _unchanged)
        skipped.update(counts)
        for unit in units:
            found.extend(by_unit.get(unit.unit_id, []))
    print(f"items {len(chosen)} ({', '.join(args.categories)}), paragraphs {paragraphs}, statements {len(found)}")
    print("by speaker:", dict(Counter(s.statement.speaker for s in found).most_common()))
    print("by attribution:", dict(Counter(s.voice for s in found).most_common()))
    print("left out:", dict(sorted(skipped.items())))
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            for s in found:
                f.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
    named = [s for s in found if s.statement.speaker != "unspecified"]
    sample = random.Random(args.seed).sample(named, min(args.sample, len(named)))
    for n, s in enumerate(sample, 1):
        print(f"\n[{n}] {s.statement.unit_id} {s.statement.speaker} ({s.voice}; subject «{s.subject}»)")
        print("   ", s.statement.text[:240])


if __name__ == "__main__":
    main()
