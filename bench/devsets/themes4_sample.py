#!/usr/bin/env python3
"""Fixed, documented sampling of the fourth held-aside theme set (themes_heldout4, issue 15).

Run:  python3 bench/devsets/themes4_sample.py [--stats]
      -> writes $DEVSET_WORK/themes4/sample_raw.jsonl (default $TMPDIR; 150 rows, unlabelled).
The texts are read from ../shared/data and are never written into the repository.

Procedure (prose version in bench/devsets/themes_heldout4_NOTES.md):
  * One random.Random(20261203) drives everything, used in a fixed order: the six
    policy docs (order of themes2_sample.POLICY_DOCS), then the UN SDG targets, then
    the news categories (order of NEWS_QUOTAS).
  * Candidates are those of the second and third sets (themes2_sample: the first set's
    block/line rules and `eligible` filter, with character spans).  A candidate is
    excluded when
      - its span overlaps a row of any earlier set (dev, heldout, heldout2, heldout3;
        same source file, same news article), or
      - its text hash is that of a row of an earlier set (`text_key`: sha1 of the text
        with YAML line folds and runs of blanks collapsed), wherever it occurs: this also
        drops a paragraph repeated in another document or in another news article;
    and a news article that gave a row to any earlier set is skipped as a whole.
  * Mix as the third set (half policy, one sixth SDG targets, one third news), scaled
    from 120 to 150 rows:
      - policy: 75 rows over the six documents with themes2_sample.water_fill (equal
        shares; arado_website has no candidate left, so 15 each from the other five);
      - UN SDG targets: 25 by rng.sample of the eligible targets not in an earlier set;
      - news: 50, one paragraph per article (rng.choice) from the shuffled articles
        of each category: 8 each of technology, economy, middleEast, internationalNews,
        10 of sport and 8 of culture (sport and culture are the off-taxonomy share; the
        earlier sets had no culture news).
"""

import hashlib
import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

from themes2_sample import (
    DEV,
    NEWS_SOURCE,
    POLICY_DOCS,
    SDG_FILE,
    SHARED,
    article_candidates,
    overlaps,
    policy_candidates,
    sample_news,
    sample_policy,
    sample_sdg,
    sdg_candidates,
)
from themes_sample import write_jsonl

SEED = 20261203
WORK = Path(os.environ.get("DEVSET_WORK", tempfile.gettempdir())) / "themes4"
OUT = WORK / "sample_raw.jsonl"
PRIOR = (
    "themes_dev_refs.jsonl",
    "themes_heldout_refs.jsonl",
    "themes_heldout2_refs.jsonl",
    "themes_heldout3_refs.jsonl",
)
POLICY_TOTAL = 75
SDG_QUOTA = 25
NEWS_QUOTAS = [
    ("technology", 8),
    ("economy", 8),
    ("sport", 10),
    ("middleEast", 8),
    ("internationalNews", 8),
    ("culture", 8),
]
PREFIX = "h4:"
BLANKS = re.compile(r"\s+")


def text_key(text: str) -> str:
    """sha1 (hex, 40) of `text` with every run of blanks (incl. YAML's newline + indent folds) made one space."""
    return hashlib.sha1(BLANKS.sub(" ", text).strip().encode("utf-8")).hexdigest()


def prior_rows() -> list:
    """The reference rows (dicts) of the four earlier sets; only source, article and span are used here."""
    rows = []
    for name in PRIOR:
        rows += [json.loads(line) for line in (DEV / name).read_text(encoding="utf-8").splitlines()]
    return rows


def news_texts() -> dict:
    """ANT article id -> article text."""
    with (SHARED / NEWS_SOURCE).open(encoding="utf-8") as fh:
        return {d["id"]: d["text"] for d in map(json.loads, fh)}


def prior_index(rows: list, arts: dict) -> tuple:
    """(spans, keys): (source, article or None) -> [(start, end)] and the set of text_key of the rows' texts.

    Raises AssertionError if a row's span no longer gives the text its stored sha1 names."""
    spans, keys, files = {}, set(), {}
    for r in rows:
        spans.setdefault((r["source"], r.get("article")), []).append((r["start"], r["end"]))
        if "article" in r:
            src = arts[r["article"]]
        else:
            src = files.setdefault(r["source"], (SHARED / r["source"]).read_text(encoding="utf-8"))
        text = src[r["start"] : r["end"]]
        assert hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] == r["sha1"], r["id"]
        keys.add(text_key(text))
    return spans, keys


def main() -> None:
    stats = "--stats" in sys.argv
    rng = random.Random(SEED)
    arts = news_texts()
    taken, keys = prior_index(prior_rows(), arts)
    used_articles = {art for (src, art) in taken if src == NEWS_SOURCE and art is not None}

    def fresh(cands: list, source: str, article=None) -> list:
        spans = taken.get((source, article), [])
        return [c for c in cands if not overlaps(c[:2], spans) and text_key(c[2]) not in keys]

    # a policy candidate whose text is that of an earlier row counts as taken (sample_policy looks at spans only)
    for stem in POLICY_DOCS:
        source = f"policy-ar/{stem}.md"
        dup = [c[:2] for c in policy_candidates(stem) if text_key(c[2]) in keys]
        taken[(source, None)] = taken.get((source, None), []) + dup
    sdg = fresh(sdg_candidates(), SDG_FILE)
    rows = sample_policy(rng, taken, POLICY_TOTAL, PREFIX, stats)
    rows += sample_sdg(rng, sdg, SDG_QUOTA, PREFIX, stats)
    rows += sample_news(
        rng,
        NEWS_QUOTAS,
        PREFIX,
        lambda art: (
            [] if art["id"] in used_articles else fresh(article_candidates(art.get("text", "")), NEWS_SOURCE, art["id"])
        ),
        lambda art: {},
        stats,
    )
    write_jsonl(OUT, rows)


if __name__ == "__main__":
    main()
