"""Structure on documents of any layout: the numbers behind tests/stages/test_layouts.py.

Prints, for the data in ../shared (skips what is absent):

* the Vision 2030 PDF: layout, unit kinds, furniture removed, paragraphs cut mid-sentence;
* the six policy markdown documents: prose paragraphs of a simple blank-line reference split
  (tests.stages.test_layouts.reference_paragraphs) lost or merged into another unit;
* the same documents as a run reads them (ingest's markdown reader first): unit kinds, the longest
  heading, boilerplate blocks removed (``furniture_repeated_blocks``), long ``#`` lines read as paragraphs;
* ANT news articles written one per file with blank lines between paragraphs, and as distributed
  (one paragraph a line): articles whose unit count differs from the reference;
* the blind-labelled theme development set (policy paragraphs, ``--split dev`` by default): labelled
  paragraphs in no unit, and units that hold more than the labelled paragraph (URLs aside).

Run: ``PYTHONPATH=. python bench/structure_layouts.py [--split dev] [--news 1000]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.records import Document  # noqa: E402
from pipeline.stages.ingest import FileIngestor  # noqa: E402
from pipeline.stages.structure import DocumentStructure  # noqa: E402
from tests.stages.test_layouts import (  # noqa: E402
    _no_alt_text,
    _norm,
    check_labelled_paragraphs,
    lost_and_merged,
    reference_paragraphs,
)

DATA = ROOT.parent / "shared" / "data"


def vision() -> None:
    pdf = DATA / "pdf" / "saudi_vision2030_ar.pdf"
    if not pdf.exists():
        return print(f"{pdf}: absent")
    structure = DocumentStructure().split(FileIngestor().read(pdf))
    print("vision2030 pdf:", dict(Counter(u.kind for u in structure.units)), structure.counts)
    # paragraphs cut mid-sentence: body paragraphs (80+ characters) that end without a sentence end
    body = [u.text for u in structure.units if u.kind == "paragraph" and len(u.text) >= 80]
    cut = [text for text in body if not re.search(r"[.!?؟…:»\"”)]\s*$", text)]
    print(f"  body paragraphs (80+ chars) ending without a sentence end: {len(cut)} of {len(body)}")


def policy() -> None:
    for path in sorted((DATA / "policy-ar").glob("*.md")):
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        structure = DocumentStructure().split(Document(path.stem, str(path), text, "utf-8", "0"))
        paragraphs = [_norm(_no_alt_text(u.raw)) for u in structure.units if u.kind == "paragraph"]
        reference = reference_paragraphs(text)
        lost, merged = lost_and_merged(reference, paragraphs)
        kinds = dict(Counter(u.kind for u in structure.units))
        print(f"{path.stem}: reference {len(reference)}, lost {len(lost)}, merged {len(merged)}; units {kinds}")


def ingested() -> None:
    ingest = FileIngestor()
    for path in sorted((DATA / "policy-ar").glob("*.md")):
        if path.name == "README.md":
            continue
        structure = DocumentStructure().split(ingest.read(path))
        kinds = dict(Counter(u.kind for u in structure.units))
        longest = max((len(u.text) for u in structure.units if u.kind == "heading"), default=0)
        noted = {k: v for k, v in structure.counts.items() if k.startswith(("furniture_repeated_block", "headings_"))}
        print(f"{path.stem} (ingested): units {kinds}; longest heading {longest} chars; {noted}")


def news(n: int) -> None:
    path = DATA / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
    if not path.exists():
        return print(f"{path}: absent")
    seen = blank_off = feed_off = 0
    with path.open(encoding="utf-8") as handle:
        for line in itertools.islice(handle, n):
            article = json.loads(line)
            paragraphs = [p.strip() for p in article["text"].split("\n") if p.strip()]
            if not paragraphs:
                continue
            seen += 1
            reference = 1 + len(paragraphs)
            blank = article["title"] + "\n\n" + "\n\n".join(paragraphs)
            feed = article["title"] + "\n\n" + article["text"]
            for text, off in ((blank, "blank"), (feed, "feed")):
                structure = DocumentStructure().split(Document("n", "n.txt", text, "utf-8", "0"))
                units = sum(1 for u in structure.units if u.kind in ("paragraph", "heading"))
                # a list joined to its lead-in, a paragraph with no letters («(2)») or a rule is one unit fewer
                units += sum(
                    structure.counts.get(k, 0) for k in ("list_lead_ins", "furniture_no_letters", "furniture_rules")
                )
                if units != reference:
                    if off == "blank":
                        blank_off += 1
                    else:
                        feed_off += 1
    print(f"news: {seen} articles; unit count != paragraphs: blank-line files {blank_off}, as distributed {feed_off}")


def devset(split: str) -> None:
    from pipeline.evaluate.devsets import load_theme_devset

    try:
        rows = [r for r in load_theme_devset(split) if r["doc_type"] == "policy"]
    except FileNotFoundError as exc:
        return print(exc)
    lost, larger = check_labelled_paragraphs(rows, DATA / "policy-ar")
    print(f"devset {split}: {len(rows)} policy paragraphs, lost {len(lost)}, in a larger unit {len(larger)}: {larger}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=["dev", "heldout"], help="theme dev-set split")
    parser.add_argument("--news", type=int, default=1000, help="news articles to read")
    args = parser.parse_args()
    vision()
    policy()
    ingested()
    news(args.news)
    devset(args.split)


if __name__ == "__main__":
    main()
