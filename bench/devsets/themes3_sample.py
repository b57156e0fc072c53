#!/usr/bin/env python3
"""Fixed, documented sampling of the third held-aside theme set (themes_heldout3).

Run:  python3 bench/devsets/themes3_sample.py [--stats]
      -> writes $DEVSET_WORK/themes3/sample_raw.jsonl (default $TMPDIR; 120 rows, unlabelled).
The texts are read from ../shared/data and are never written into the repository.

Procedure (prose version in tests/fixtures/dev/THEMES_README.md, section "Third held-aside set"):
  * One random.Random(20261202) drives everything, used in a fixed order: the six
    policy docs (order of themes2_sample.POLICY_DOCS), then the UN SDG targets, then
    the news categories (order of NEWS_QUOTAS).
  * Candidates are those of the second set (themes2_sample: the first set's block/line
    rules and `eligible` filter, with character spans), minus every candidate whose span
    overlaps a row of themes_dev_refs.jsonl, themes_heldout_refs.jsonl or
    themes_heldout2_refs.jsonl (same source file). News articles that gave a row to
    any earlier set are excluded as a whole (not only the used paragraph).
  * Policy: 60 rows over the six documents with themes2_sample.water_fill (equal
    shares, a document short of candidates gives all it has, shortfall re-spread);
    then rng.sample per doc.
  * UN SDG targets (un-sdg/global_targets.ar.yml): themes2_sample.sdg_candidates minus
    the targets of the second set; rng.sample(candidates, 20).
  * News: 8 per category; the category's articles (file order) are rng.shuffle'd;
    walking that order, each article not used before and with >= 1 eligible paragraph
    gives one paragraph (rng.choice), until the quota is met.
"""

import json
import os
import random
import sys
import tempfile
from pathlib import Path

from themes2_sample import (
    DEV,
    NEWS_SOURCE,
    SDG_FILE,
    article_candidates,
    overlaps,
    sample_news,
    sample_policy,
    sample_sdg,
    sdg_candidates,
)
from themes_sample import write_jsonl

SEED = 20261202
WORK = Path(os.environ.get("DEVSET_WORK", tempfile.gettempdir())) / "themes3"
OUT = WORK / "sample_raw.jsonl"
PRIOR = ("themes_dev_refs.jsonl", "themes_heldout_refs.jsonl", "themes_heldout2_refs.jsonl")
POLICY_TOTAL = 60
SDG_QUOTA = 20
NEWS_QUOTAS = [("technology", 8), ("economy", 8), ("sport", 8), ("middleEast", 8), ("internationalNews", 8)]
PREFIX = "h3:"


def used_spans() -> dict:
    """(source, article or None) -> list of (start, end) already in the three earlier sets."""
    spans = {}
    for name in PRIOR:
        for line in (DEV / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            spans.setdefault((r["source"], r.get("article")), []).append((r["start"], r["end"]))
    return spans


def main() -> None:
    stats = "--stats" in sys.argv
    rng = random.Random(SEED)
    taken = used_spans()
    used_articles = {art for (src, art) in taken if src == NEWS_SOURCE and art is not None}
    sdg = [c for c in sdg_candidates() if not overlaps(c[:2], taken.get((SDG_FILE, None), []))]
    rows = sample_policy(rng, taken, POLICY_TOTAL, PREFIX, stats)
    rows += sample_sdg(rng, sdg, SDG_QUOTA, PREFIX, stats)
    rows += sample_news(
        rng,
        NEWS_QUOTAS,
        PREFIX,
        lambda art: [] if art["id"] in used_articles else article_candidates(art.get("text", "")),
        lambda art: {},
        stats,
    )
    write_jsonl(OUT, rows)


if __name__ == "__main__":
    main()
