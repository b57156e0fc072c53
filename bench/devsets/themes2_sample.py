#!/usr/bin/env python3
"""Fixed, documented sampling of the second held-aside theme set (themes_heldout2).

Run:  python3 bench/devsets/themes2_sample.py [--stats]
      -> writes $DEVSET_WORK/themes2/sample_raw.jsonl (default $TMPDIR; 100 rows, unlabelled).
The texts are read from ../shared/data and are never written into the repository.

Procedure (prose version in tests/fixtures/dev/THEMES_README.md, section "Second held-aside set"):
  * One random.Random(20261201) drives everything, used in a fixed order: the six
    policy docs (order of POLICY_DOCS), then the UN SDG targets, then the news
    categories (order of NEWS_QUOTAS).
  * Candidates are those of the first set (themes_sample.py: same block/line rules,
    same `eligible` filter, de-duplication by exact text inside a doc), now with
    their character span in the source, minus every candidate whose span overlaps
    a row of themes_dev_refs.jsonl or themes_heldout_refs.jsonl (same source file,
    and for news the same article).
  * Policy: 40 rows spread over the six documents: equal shares (40 // 6, the
    remainder to the first documents in POLICY_DOCS order), a document with fewer
    remaining candidates than its share gives all it has and the shortfall is
    re-spread the same way over the others (water-filling); then rng.sample per doc.
  * UN SDG targets (un-sdg/global_targets.ar.yml, 169 `N-x-title` keys): a
    candidate is the target's YAML scalar; its span is the raw scalar in the file
    (without the enclosing quotes and surrounding blanks, so it keeps YAML's line
    folds: newline + two spaces); the length rule 80..1500 applies to the folded
    text (yaml.safe_load); rng.sample(candidates, 20).
  * News: 8 per category; the category's articles (file order) are rng.shuffle'd;
    walking that order, each article with >= 1 remaining eligible paragraph gives
    one paragraph (rng.choice), until the quota is met.
"""

import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

import yaml
from themes_sample import POLICY_DIR, SHARED, eligible, is_structural, news_articles, write_jsonl

SEED = 20261201
ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("DEVSET_WORK", tempfile.gettempdir())) / "themes2"
OUT = WORK / "sample_raw.jsonl"
DEV = ROOT / "tests" / "fixtures" / "dev"
POLICY_DOCS = [
    "arab_vision_2045",
    "dff_ai_case_studies",
    "arado_website",
    "saudi_vision2030",
    "dff_global50_youth",
    "staying_ahead_in_the_age_of_ai",
]
POLICY_TOTAL = 40
LINE_DOCS = {"arado_website"}
SDG_FILE = "un-sdg/global_targets.ar.yml"
SDG_QUOTA = 20
SDG_MIN, SDG_MAX = 80, 1500
NEWS_SOURCE = "news-ant/news_ant_v2.1_multisource_sample.jsonl"
NEWS_QUOTAS = [("technology", 8), ("economy", 8), ("sport", 8), ("middleEast", 8), ("internationalNews", 8)]
SDG_KEY = re.compile(r"^(\d+)-([0-9a-z]+)-title: ?", re.M)


def used_spans() -> dict:
    """(source, article or None) -> list of (start, end) already in the first set."""
    spans = {}
    for name in ("themes_dev_refs.jsonl", "themes_heldout_refs.jsonl"):
        for line in (DEV / name).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            spans.setdefault((r["source"], r.get("article")), []).append((r["start"], r["end"]))
    return spans


def overlaps(span: tuple, taken: list) -> bool:
    return any(span[0] < e and s < span[1] for s, e in taken)


def policy_candidates(stem: str) -> list:
    """[(start, end, text)] with raw[start:end] == text, as themes_sample.policy_candidates."""
    raw = (POLICY_DIR / f"{stem}.md").read_text(encoding="utf-8")
    runs, cur, pos = [], [], 0
    for line in raw.split("\n"):
        if stem in LINE_DOCS:
            if not is_structural(line):
                runs.append([(pos, line)])
        elif is_structural(line):
            if cur:
                runs.append(cur)
            cur = []
        else:
            cur.append((pos, line))
        pos += len(line) + 1
    if cur:
        runs.append(cur)
    out, seen = [], set()
    for run in runs:
        joined = "\n".join(line for _, line in run)
        text = joined.strip()
        start = run[0][0] + (len(joined) - len(joined.lstrip()))
        if eligible(text) and text not in seen:
            seen.add(text)
            assert raw[start : start + len(text)] == text
            out.append((start, start + len(text), text))
    return out


def sdg_candidates() -> list:
    """[(start, end, raw_text, target)] for the UN SDG target scalars."""
    raw = (SHARED / SDG_FILE).read_text(encoding="utf-8")
    parsed = yaml.safe_load(raw)
    keys = list(SDG_KEY.finditer(raw))
    out = []
    for i, m in enumerate(keys):
        stop = keys[i + 1].start() if i + 1 < len(keys) else len(raw)
        seg = raw[m.end() : stop].rstrip()
        start = m.end()
        if seg[:1] in "'\"":  # quoted scalar: span inside the quotes
            assert seg[-1] == seg[0]
            seg, start = seg[1:-1], start + 1
        lead = len(seg) - len(seg.lstrip())
        seg, start = seg.strip(), start + lead
        key = f"{m.group(1)}-{m.group(2)}-title"
        folded = " ".join(part.strip() for part in seg.split("\n"))
        assert folded == str(parsed[key]).strip(), key
        assert raw[start : start + len(seg)] == seg
        if SDG_MIN <= len(folded) <= SDG_MAX:
            out.append((start, start + len(seg), seg, f"{m.group(1)}.{m.group(2)}"))
    return out


def article_candidates(text: str) -> list:
    """[(start, end, paragraph)] of an article text, as themes_sample.article_paragraphs."""
    out, seen, pos = [], set(), 0
    for line in text.split("\n"):
        t = line.strip()
        if eligible(t) and t not in seen:
            seen.add(t)
            start = pos + (len(line) - len(line.lstrip()))
            out.append((start, start + len(t), t))
        pos += len(line) + 1
    return out


def water_fill(total: int, avail: list) -> list:
    """Equal shares of `total` over len(avail) bins, capped by avail, shortfall re-spread."""
    quota = [0] * len(avail)
    left = total
    while left > 0:
        open_ = [i for i in range(len(avail)) if quota[i] < avail[i]]
        if not open_:
            break
        share, rem = divmod(left, len(open_))
        for j, i in enumerate(open_):
            add = min(share + (1 if j < rem else 0), avail[i] - quota[i])
            quota[i] += add
            left -= add
    return quota


def sample_policy(rng: random.Random, taken: dict, total: int, prefix: str, stats: bool) -> list:
    """Policy rows: candidates not overlapping `taken`, water-filled over POLICY_DOCS, rng.sample per doc."""
    pools = []
    for stem in POLICY_DOCS:
        all_c = policy_candidates(stem)
        pool = [c for c in all_c if not overlaps(c[:2], taken.get((f"policy-ar/{stem}.md", None), []))]
        pools.append(pool)
        if stats:
            print(f"{stem}: {len(all_c)} candidates, {len(pool)} not in earlier sets", file=sys.stderr)
    rows = []
    for stem, pool, k in zip(POLICY_DOCS, pools, water_fill(total, [len(p) for p in pools]), strict=True):
        if stats:
            print(f"{stem}: quota {k}", file=sys.stderr)
        for i, (s, e, text) in enumerate(rng.sample(pool, k), 1):
            rows.append(
                {
                    "id": f"{prefix}{stem}#{i}",
                    "doc": stem,
                    "doc_type": "policy",
                    "source": f"policy-ar/{stem}.md",
                    "start": s,
                    "end": e,
                    "text": text,
                }
            )
    return rows


def sample_sdg(rng: random.Random, pool: list, quota: int, prefix: str, stats: bool) -> list:
    """UN SDG target rows: rng.sample(pool, quota) of sdg_candidates() tuples."""
    if stats:
        print(f"un_sdg_targets: {len(pool)} candidates, quota {quota}", file=sys.stderr)
    return [
        {
            "id": f"{prefix}un_sdg_targets#{i}",
            "doc": "un_sdg_targets",
            "doc_type": "policy",
            "source": SDG_FILE,
            "start": s,
            "end": e,
            "target": target,
            "text": text,
        }
        for i, (s, e, text, target) in enumerate(rng.sample(pool, quota), 1)
    ]


def sample_news(rng: random.Random, quotas: list, prefix: str, paragraphs, extra, stats: bool) -> list:
    """News rows: per (category, k) of `quotas`, the articles are rng.shuffle'd and each article whose
    `paragraphs(art)` ([(start, end, text)]) is not empty gives one (rng.choice) until k are taken;
    `extra(art)` is a dict of fields added to the row."""
    by_cat = news_articles()
    rows = []
    for cat, k in quotas:
        arts = list(by_cat[cat])
        rng.shuffle(arts)
        n = 0
        for art in arts:
            if n >= k:
                break
            paras = paragraphs(art)
            if not paras:
                continue
            n += 1
            s, e, text = rng.choice(paras)
            row = {
                "id": f"{prefix}news:{cat}#{n}",
                "doc": f"news:{cat}",
                "doc_type": "news",
                "source": NEWS_SOURCE,
                "article": art["id"],
                "start": s,
                "end": e,
                "text": text,
            }
            rows.append(row | extra(art))
        if stats:
            print(f"news:{cat}: {len(arts)} articles, quota {k}, taken {n}", file=sys.stderr)
    return rows


def main() -> None:
    stats = "--stats" in sys.argv
    rng = random.Random(SEED)
    taken = used_spans()

    def used(art: dict) -> list:
        return taken.get((NEWS_SOURCE, art["id"]), [])

    rows = sample_policy(rng, taken, POLICY_TOTAL, "h2:", stats)
    rows += sample_sdg(rng, sdg_candidates(), SDG_QUOTA, "h2:", stats)
    rows += sample_news(
        rng,
        NEWS_QUOTAS,
        "h2:",
        lambda art: [c for c in article_candidates(art.get("text", "")) if not overlaps(c[:2], used(art))],
        lambda art: {"in_first_set_article": bool(used(art))},
        stats,
    )
    write_jsonl(OUT, rows)


if __name__ == "__main__":
    main()
