"""Reading order of the repaired bundled report against a blind hand reading.

Runs the pipeline's ``structure`` and ``repair`` stages (default options) on the bundled report
``corpora/un-igov-ar/A-66-77_E-2011-103_ar.txt`` and compares each unit's display text with
``tests/fixtures/seed_reading.jsonl`` (made from the raw text only, by a separate reader; see
``tests/fixtures/SEED_READING_README.md``).  Units are aligned by kind and number (paragraphs) or by
their order within their kind (summary, headings, footnotes; front matter is not compared: the
structure stage groups it differently).

The measure is the F1 of word bigrams (multiset overlap): tokens are Arabic words, numbers and Latin
runs, with marks and tatweel removed and kaf / alef madda folded (their repair is not this step's
concern); the bag-of-words F1 is reported beside it.

Usage: ``python -m pipeline.evaluate.reading_order [--units] [--show 0.9] [--timing] [--smoothing kn]``
(``--smoothing kn`` scores with the Kneser-Ney-style model instead of stupid backoff).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
GOLD = ROOT / "tests" / "fixtures" / "seed_reading.jsonl"
TARGET_KINDS = ("summary", "paragraph")  # the units the target counts (41)

_TOKEN_RE = re.compile(r"[\u0621-\u064a]+|\d+|[A-Za-z]+")
_DROP = {ord(ch): None for ch in "\u0640\u0670"} | {code: None for code in range(0x064B, 0x0660)}


def tokens(text: str) -> list[str]:
    """Comparison tokens of ``text``: Arabic words (no marks, آ read as ك), numbers, Latin runs."""
    return _TOKEN_RE.findall(text.translate(_DROP).replace("\u0622", "\u0643"))


def _f1(gold: Counter, predicted: Counter) -> float:
    if not gold and not predicted:
        return 1.0
    overlap = sum((gold & predicted).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def bigram_f1(gold: str, predicted: str) -> float:
    """F1 of the multisets of word bigrams of two texts (see :func:`tokens`)."""
    g, p = tokens(gold), tokens(predicted)
    return _f1(Counter(itertools.pairwise(g)), Counter(itertools.pairwise(p)))


def word_f1(gold: str, predicted: str) -> float:
    """F1 of the multisets of words of two texts."""
    return _f1(Counter(tokens(gold)), Counter(tokens(predicted)))


@dataclass
class UnitScore:
    unit: str  # gold unit id: s1, h2, p18, f3
    kind: str
    gold: str
    predicted: str

    @property
    def bigram_f1(self) -> float:
        return bigram_f1(self.gold, self.predicted)

    @property
    def word_f1(self) -> float:
        return word_f1(self.gold, self.predicted)


def gold_units(path: Path = GOLD) -> list[dict]:
    """The hand reading's units, in document order."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pipeline_units(text: str | None = None, **repair_options: object) -> list[tuple[str, int | None, str]]:
    """(kind, number, display text) of each unit of the report after ``structure`` and ``repair``,
    exactly as the runner builds them (repairer fitted on the whole document)."""
    from pipeline.records import Document
    from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair
    from pipeline.stages.structure import UnDocumentStructure

    text = SEED.read_text(encoding="utf-8") if text is None else text
    doc = Document("seed", str(SEED), text, "utf-8", "")
    structure = UnDocumentStructure().split(doc)
    repair = PdfArtefactRepair(**repair_options).fit(doc.text)
    return [
        (unit.kind, unit.number, " ".join(repair.repair(unit.raw, unit.visual_lines).split()))
        for unit in structure.units
    ]


def align(gold: list[dict], predicted: list[tuple[str, int | None, str]]) -> list[UnitScore]:
    """Pair gold and pipeline units: paragraphs by number, summary / headings / footnotes by order."""
    by_order: dict[str, list[str]] = {}
    by_number: dict[int, str] = {}
    for kind, number, text in predicted:
        if kind == "paragraph" and number is not None:
            by_number[number] = text
        else:
            by_order.setdefault(kind, []).append(text)
    seen: Counter = Counter()
    scores = []
    for row in gold:
        kind = row["kind"]
        if kind == "front":
            continue
        if kind == "paragraph":
            text = by_number.get(row["number"], "")
        else:
            texts = by_order.get(kind, [])
            text = texts[seen[kind]] if seen[kind] < len(texts) else ""
            seen[kind] += 1
        scores.append(UnitScore(row["unit"], kind, row["text"], text))
    return scores


def summary(scores: list[UnitScore], threshold: float = 0.9) -> dict[str, float]:
    """Mean bigram and word F1 over the summary and paragraph units, units below ``threshold``,
    and the micro bigram F1 over all compared units."""
    target = [score for score in scores if score.kind in TARGET_KINDS]
    gold_all = [b for s in scores for b in _bigrams(s.gold)]
    pred_all = [b for s in scores for b in _bigrams(s.predicted)]
    return {
        "units": len(target),
        "mean_bigram_f1": sum(s.bigram_f1 for s in target) / len(target),
        "mean_word_f1": sum(s.word_f1 for s in target) / len(target),
        "below": sum(s.bigram_f1 < threshold for s in target),
        "all_units": len(scores),
        "micro_bigram_f1_all": _f1(Counter(gold_all), Counter(pred_all)),
    }


def _bigrams(text: str) -> list[tuple[str, str]]:
    t = tokens(text)
    return list(itertools.pairwise(t))


def evaluate(**repair_options: object) -> tuple[list[UnitScore], dict[str, float]]:
    """Per-unit scores and their summary for the current code (``repair_options`` switch steps)."""
    scores = align(gold_units(), pipeline_units(**repair_options))
    return scores, summary(scores)


def timing(repeats: int = 7, rounds: int = 3) -> dict[str, float]:
    """Median CPU seconds (``time.process_time``: steadier than wall time on a shared machine) to fit and
    repair the whole bundled report, rules against the model search, in one process; the stage's caches
    and the model's memos are emptied before every repeat (no credit for lines seen before)."""
    from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, clear_caches

    text = SEED.read_text(encoding="utf-8")
    PdfArtefactRepair().fit(text).repair(text)  # load the lexicon and the count table once
    medians: dict[str, list[float]] = {"rules": [], "lm": []}
    for _ in range(rounds):
        for method in medians:
            times = []
            for _ in range(repeats):
                clear_caches()  # the stage's line and word caches and the search's memos
                start = time.process_time()
                PdfArtefactRepair(visual_order_method=method).fit(text).repair(text)
                times.append(time.process_time() - start)
            medians[method].append(statistics.median(times))
    rules, model = statistics.median(medians["rules"]), statistics.median(medians["lm"])
    return {"rules_s": rules, "lm_s": model, "ratio": model / rules}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", action="store_true", help="print every unit's scores")
    parser.add_argument("--show", type=float, default=None, help="print texts of units below this bigram F1")
    parser.add_argument("--timing", action="store_true", help="also time the repair stage, rules against model")
    parser.add_argument("--smoothing", choices=("stupid", "kn"), default="stupid", help="the bigram model's smoothing")
    args = parser.parse_args()
    if args.smoothing != "stupid":
        from pipeline.stages.repair.pdf_artefacts import _reading_order

        searcher = _reading_order()
        if searcher is not None:
            searcher.model.smoothing = args.smoothing
            searcher._logp.cache_clear()
    runs = (
        ("without fix_visual_order", {"fix_visual_order": False}),
        ("rules", {"visual_order_method": "rules"}),
        ("bigram model", {"visual_order_method": "lm"}),
    )
    for label, options in runs:
        scores, totals = evaluate(**options)
        print(
            f"{label}: mean bigram F1 {totals['mean_bigram_f1']:.3f} (word F1 {totals['mean_word_f1']:.3f}) over "
            f"{totals['units']} summary+paragraph units, {totals['below']} below 0.9; "
            f"micro bigram F1 over all {totals['all_units']} units {totals['micro_bigram_f1_all']:.3f}"
        )
    for score in scores:
        if args.units:
            print(f"  {score.unit:>4} bigram {score.bigram_f1:.3f} word {score.word_f1:.3f}")
        if args.show is not None and score.bigram_f1 < args.show:
            print(f"--- {score.unit} {score.bigram_f1:.3f}\n gold: {score.gold}\n  got: {score.predicted}")
    if args.timing:
        times = timing()
        print(
            f"repair stage on the bundled report (fit + repair, CPU time, median of 7 x 3): rules {times['rules_s'] * 1000:.1f} ms, "
            f"bigram model {times['lm_s'] * 1000:.1f} ms, ratio {times['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
