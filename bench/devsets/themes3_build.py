#!/usr/bin/env python3
"""Merge the hand labels of the third held-aside set (theme_labels3/*.tsv) with its sample
($DEVSET_WORK/themes3/sample_raw.jsonl, written by themes3_sample.py), check them, and write the
references tests/fixtures/dev/themes_heldout3_refs.jsonl (no texts: source, span, sha1, themes, note).

Checks: the labels cover exactly the sampled ids, use only taxonomy ids, every text is the exact
span of its source (policy/SDG file, or the news article's `text`), no span overlaps a row of the
three earlier sets and no news article of an earlier set is used again.  Prints the counts per theme
and per source.  No split: the whole set is held out (looked at once, at the end, by the lead).
"""

from collections import Counter

from themes2_build import build_refs, print_counts
from themes2_sample import NEWS_SOURCE
from themes3_sample import DEV, OUT, used_spans

LABELS = DEV / "theme_labels3"
REFS = DEV / "themes_heldout3_refs.jsonl"


def main() -> None:
    taken = used_spans()
    out = build_refs(OUT, LABELS, taken, REFS)
    used_articles = {art for (src, art) in taken if src == NEWS_SOURCE and art is not None}
    assert not any(r.get("article") in used_articles for r in out), "article of an earlier set"
    assert len({r["id"] for r in out}) == len(out)
    news_arts = [r["article"] for r in out if r["doc_type"] == "news"]
    assert len(set(news_arts)) == len(news_arts), "one paragraph per article"
    print_counts(out)
    for cat in sorted({r["doc"] for r in out if r["doc_type"] == "news"}):
        cnt = Counter(t for r in out if r["doc"] == cat for t in (r["themes"] or ["(none)"]))
        print(f"{cat}: {dict(sorted(cnt.items()))}")


if __name__ == "__main__":
    main()
