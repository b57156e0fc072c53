#!/usr/bin/env python3
"""Merge the hand labels (labels/*.tsv) with the sample (sample_raw.jsonl), check
them, and split into themes_dev.jsonl / themes_heldout.jsonl.

Split: stratified by `doc` (each news category is its own stratum).  For each
doc, in sorted order of doc name, the doc's rows (in sample order) are shuffled
with one random.Random(20261130 + 1) and the first round(n / 3) go to the
held-out file.  Rows keep the order of the sample inside each file.
"""

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
THEMES = {
    "security",
    "privacy",
    "multilingualism",
    "critical_resources",
    "development",
    "human_rights",
    "economy",
    "cooperation_process",
}
SPLIT_SEED = 20261130 + 1
NEWS_FILE = Path("/work/shared/data/news-ant/news_ant_v2.1_multisource_sample.jsonl")
POLICY_DIR = Path("/work/shared/data/policy-ar")


def load_labels() -> dict:
    labels = {}
    for tsv in sorted((HERE / "labels").glob("*.tsv")):
        for ln, line in enumerate(tsv.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            pid, themes, note = line.split("\t")
            ts = sorted(t for t in themes.split(",") if t)
            bad = set(ts) - THEMES
            assert not bad, f"{tsv.name}:{ln}: unknown theme {bad}"
            assert pid not in labels, f"duplicate label {pid}"
            labels[pid] = (ts, note.strip())
    return labels


def main() -> None:
    rows = [json.loads(line) for line in (HERE / "sample_raw.jsonl").read_text(encoding="utf-8").splitlines()]
    labels = load_labels()
    assert set(labels) == {r["id"] for r in rows}, "labels and sample differ"
    # exactness checks: every text is verbatim in its source
    arts = {}
    with NEWS_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            arts[d["id"]] = d["text"]
    for r in rows:
        src = (
            arts[r["source_ref"]]
            if r["doc_type"] == "news"
            else (POLICY_DIR / r["source_ref"]).read_text(encoding="utf-8")
        )
        assert r["text"] in src, r["id"]
    out = []
    for r in rows:
        ts, note = labels[r["id"]]
        out.append(
            {"id": r["id"], "doc": r["doc"], "doc_type": r["doc_type"], "text": r["text"], "themes": ts, "note": note}
        )
    by_doc = defaultdict(list)
    for i, r in enumerate(out):
        by_doc[r["doc"]].append(i)
    rng = random.Random(SPLIT_SEED)
    held = set()
    for doc in sorted(by_doc):
        idx = list(by_doc[doc])
        rng.shuffle(idx)
        held.update(idx[: round(len(idx) / 3)])
    dev = [r for i, r in enumerate(out) if i not in held]
    ho = [r for i, r in enumerate(out) if i in held]
    for name, part in (("themes_dev.jsonl", dev), ("themes_heldout.jsonl", ho)):
        with (HERE / name).open("w", encoding="utf-8") as fh:
            for r in part:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    # summary
    for name, part in (("dev", dev), ("heldout", ho), ("all", out)):
        docs = Counter(r["doc"] for r in part)
        th = Counter(t for r in part for t in r["themes"])
        none = sum(1 for r in part if not r["themes"])
        print(f"== {name}: {len(part)} rows, {none} with no theme")
        print("  per doc:", dict(sorted(docs.items())))
        print("  per theme:", {t: th.get(t, 0) for t in sorted(THEMES)})


if __name__ == "__main__":
    main()
