#!/usr/bin/env python3
"""Merge the hand labels of the second held-aside set (theme_labels2/*.tsv) with its sample
($DEVSET_WORK/themes2/sample_raw.jsonl, written by themes2_sample.py), check them, and write the
references tests/fixtures/dev/themes_heldout2_refs.jsonl (no texts: source, span, sha1, themes, note).

Checks: the labels cover exactly the sampled ids, use only taxonomy ids, every text is the exact
span of its source (policy/SDG file, or the news article's `text`), and no span overlaps a row of
themes_dev_refs.jsonl / themes_heldout_refs.jsonl.  Prints the counts per theme and per source.
No split: the whole set is held out (looked at once, at the end, by the lead).
"""

import hashlib
import json
from collections import Counter
from pathlib import Path

import themes_build
from themes2_sample import DEV, OUT, SHARED, overlaps, used_spans
from themes_build import THEMES

LABELS = DEV / "theme_labels2"
REFS = DEV / "themes_heldout2_refs.jsonl"
KEYS = ("id", "doc", "doc_type", "source", "article", "start", "end", "sha1", "themes", "note")


def source_text(row: dict, arts: dict) -> str:
    if row["doc_type"] == "news":
        return arts[row["article"]]
    return (SHARED / row["source"]).read_text(encoding="utf-8")


def print_counts(out: list) -> None:
    """Print the markdown table of theme counts per source group (policy doc, or all news) and the rows per doc."""

    def group(r: dict) -> str:
        return "news" if r["doc_type"] == "news" else r["doc"]

    groups = sorted({group(r) for r in out})
    print("| theme | " + " | ".join(groups) + " | all |")
    for t in [*sorted(THEMES), "(no theme)", "rows with >=2 themes", "notes marked borderline"]:
        cnt = Counter()
        for r in out:
            hit = {
                "(no theme)": not r["themes"],
                "rows with >=2 themes": len(r["themes"]) >= 2,
                "notes marked borderline": "borderline:" in r["note"],
            }.get(t, t in r["themes"])
            cnt[group(r)] += bool(hit)
        print(f"| {t} | " + " | ".join(str(cnt[g]) for g in groups) + f" | {sum(cnt.values())} |")
    print("rows per group:", dict(Counter(group(r) for r in out)), "per doc:", dict(Counter(r["doc"] for r in out)))


def build_refs(sample: Path, labels_dir: Path, taken: dict, refs: Path) -> list:
    """Merge the sample rows (jsonl with texts) with the tsv labels of `labels_dir`, check that labels and
    sample ids agree, that every text is its source span and overlaps nothing in `taken` ((source, article)
    -> [(start, end)]); write the reference rows (KEYS, no text) to `refs` and return them."""
    rows = [json.loads(line) for line in Path(sample).read_text(encoding="utf-8").splitlines()]
    themes_build.LABELS = labels_dir  # same tsv format and checks as the first set
    labels = themes_build.load_labels()
    assert set(labels) == {r["id"] for r in rows}, "labels and sample differ"
    arts = {}
    with (SHARED / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            arts[d["id"]] = d["text"]
    out = []
    for r in rows:
        text = source_text(r, arts)[r["start"] : r["end"]]
        assert text == r["text"], r["id"]
        assert not overlaps((r["start"], r["end"]), taken.get((r["source"], r.get("article")), [])), r["id"]
        ts, note = labels[r["id"]]
        ref = dict(r, sha1=hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], themes=ts, note=note)
        out.append({k: ref[k] for k in KEYS if k in ref})
    with refs.open("w", encoding="utf-8") as fh:
        for r in out:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} rows to {refs}")
    return out


def main() -> None:
    print_counts(build_refs(OUT, LABELS, used_spans(), REFS))


if __name__ == "__main__":
    main()
