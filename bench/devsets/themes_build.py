#!/usr/bin/env python3
"""Merge the hand labels (labels/*.tsv) with the sample (sample_raw.jsonl), check
them, and split into themes_dev.jsonl / themes_heldout.jsonl.

Split: stratified by `doc` (each news category is its own stratum).  For each
doc, in sorted order of doc name, the doc's rows (in sample order) are shuffled
with one random.Random(20261130 + 1) and the first round(n / 3) go to the
held-out file.  Rows keep the order of the sample inside each file.
"""

import json
import os
import random
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
# Texts copied from ../shared may not enter the repository: the sample and the built splits go here.
WORK = Path(os.environ.get("DEVSET_WORK", tempfile.gettempdir())) / "themes_dev"
LABELS = ROOT / "tests" / "fixtures" / "dev" / "theme_labels"
# the theme ids the labels may use: those of the taxonomy
THEMES = {
    theme["id"] for theme in yaml.safe_load((ROOT / "configs" / "themes.yaml").read_text(encoding="utf-8"))["themes"]
}
SPLIT_SEED = 20261130 + 1
NEWS_FILE = SHARED / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
POLICY_DIR = SHARED / "policy-ar"


def load_labels() -> dict:
    labels = {}
    for tsv in sorted(LABELS.glob("*.tsv")):
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
    rows = [json.loads(line) for line in (WORK / "sample_raw.jsonl").read_text(encoding="utf-8").splitlines()]
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
        with (WORK / name).open("w", encoding="utf-8") as fh:
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
