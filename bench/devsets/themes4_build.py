#!/usr/bin/env python3
"""Merge the hand labels of the fourth held-aside set (theme_labels4/*.tsv) with its sample
($DEVSET_WORK/themes4/sample_raw.jsonl, written by themes4_sample.py), check them, and write the
references tests/fixtures/dev/themes_heldout4_refs.jsonl (no texts: source, span, sha1, themes, note).

Checks (AssertionError on failure): the labels cover exactly the sampled ids and use only taxonomy
ids; every text is the exact span of its source (policy/SDG file, or the news article's `text`); no
span overlaps a row of the four earlier sets and no text has the text_key of an earlier row; no news
article of an earlier set is used again, one paragraph per article; no two rows share a text_key;
at least four source documents.  Prints the counts per theme and per source.  No split: the whole
set is held out (looked at once, at the end, by the lead).
"""

import json
from collections import Counter
from pathlib import Path

from themes2_build import build_refs, print_counts
from themes2_sample import NEWS_SOURCE
from themes4_sample import OUT, news_texts, prior_index, prior_rows, text_key
from themes_build import THEMES

HERE = Path(__file__).resolve().parent
LABELS = HERE / "theme_labels4"
REFS = HERE.parent.parent / "tests" / "fixtures" / "dev" / "themes_heldout4_refs.jsonl"
MIN_SOURCES = 4


def check_fresh(out: list, sample_keys: list, taken: dict, keys: set) -> None:
    """AssertionError unless the rows `out` (with their texts' text_key in `sample_keys`) are new: no text of
    an earlier set, no text twice, no news article of an earlier set, one paragraph per article, unique ids,
    at least MIN_SOURCES source documents (each news category counted as one)."""
    assert not keys.intersection(sample_keys), "text of an earlier set"
    assert len(set(sample_keys)) == len(sample_keys), "the same text twice"
    earlier = {art for (src, art) in taken if src == NEWS_SOURCE and art is not None}
    articles = Counter(r["article"] for r in out if r["doc_type"] == "news")
    assert not earlier.intersection(articles), "article of an earlier set"
    assert max(articles.values(), default=1) == 1, "one paragraph per article"
    assert len({r["id"] for r in out}) == len(out), "duplicate id"
    assert len({r["doc"] for r in out}) >= MIN_SOURCES, "too few sources"


def news_table(out: list) -> str:
    """Markdown table: rows = themes and (no theme), columns = news categories, cells = row counts."""
    cats = sorted({r["doc"] for r in out if r["doc_type"] == "news"})
    lines = ["| theme | " + " | ".join(c.removeprefix("news:") for c in cats) + " |"]
    for theme in [*sorted(THEMES), "(no theme)"]:
        hits = [
            sum(
                1
                for r in out
                if r["doc"] == c and (theme in r["themes"] or (theme == "(no theme)" and not r["themes"]))
            )
            for c in cats
        ]
        lines.append(f"| {theme} | " + " | ".join(map(str, hits)) + " |")
    return "\n".join(lines)


def main() -> None:
    arts = news_texts()
    taken, keys = prior_index(prior_rows(), arts)
    out = build_refs(OUT, LABELS, taken, REFS)
    sample_keys = [text_key(json.loads(line)["text"]) for line in OUT.read_text(encoding="utf-8").splitlines()]
    check_fresh(out, sample_keys, taken, keys)
    print_counts(out)
    print(news_table(out))


if __name__ == "__main__":
    main()
