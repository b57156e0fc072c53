"""Build the reading-order bigram table ``pipeline/stages/repair/data/ngram_ar.tsv.gz`` and the glyph context table
``glyph_context_ar.tsv.gz`` (:mod:`pipeline.stages.repair.glyph_context`) from ``../shared/data``.

Sources (clean Arabic text): the ANT news sample (title, abstract, text of every article), the UN SDG
goals / targets / indicators (Arabic), and the Arabic policy documents (markdown).  Only pruned counts
are written (``min_count``), never text: the shared texts may not be redistributed.  The output is
byte-identical from run to run.

Usage: ``python bench/build_ngram.py [--min-count 2]`` (``make ngram``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.stages.repair import glyph_context, ngram  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def texts(data: Path = DATA) -> Iterator[str]:
    """The clean Arabic texts, in a fixed order."""
    with (data / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            yield "\n".join(article.get(key) or "" for key in ("title", "abstract", "text"))
    for path in sorted((data / "un-sdg").glob("*.ar.yml")):
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield "\n".join(str(value) for value in (values.values() if isinstance(values, dict) else values))
    for path in sorted((data / "policy-ar").glob("*.md")):
        if path.name != "README.md":
            yield path.read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ngram.DATA)
    parser.add_argument("--glyph-out", type=Path, default=glyph_context.DATA)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"build_ngram: {DATA} is missing (the shared data beside the project)")
    unigrams, bigrams = ngram.count(texts())
    ngram.write(args.out, unigrams, bigrams, args.min_count)
    kept = sum(c >= args.min_count for c in unigrams.values()), sum(c >= args.min_count for c in bigrams.values())
    print(
        f"{sum(unigrams.values())} tokens; kept {kept[0]} unigrams, {kept[1]} bigrams -> {args.out} "
        f"({args.out.stat().st_size / 1e6:.2f} MB)"
    )
    context = glyph_context.count(texts(), args.min_count)
    glyph_context.write(args.glyph_out, context)
    print(
        f"glyph context: {len(context.unigrams)} words, {len(context.bigrams)} bigrams -> {args.glyph_out} "
        f"({args.glyph_out.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
