"""Quality and speed of the repair stage (``pipeline/stages/repair/``).

Prints:

* line order on the seed lines extracted in visual order (``tests/fixtures/seed_visual_order.tsv``):
  exact lines and token accuracy, with and without the ``fix_visual_order`` step;
* precision/recall of the kaf decision on the hand-checked seed fixture
  (``tests/fixtures/seed_repairs.tsv``), per distinct damaged word form, with the
  repairer fitted on the whole seed document as the runner does;
* word accuracy after repairing *simulated* damage (initial kaf -> آ, initial
  yeh -> ی, ѧ kashida runs) on clean text: the ANT news sample and the UN SDG
  texts from ``../shared/data``; the gold is the clean text with tatweel removed;
* a table per damage profile (``pipeline/evaluate/repair.py``: seed glyphs, lam/feh ligature
  pairs with a random set per document, reversed lines, none) on the tuning set (news) and the
  report set (policy-ar, never tuned on), with 95% bootstrap intervals over documents;
* throughput on clean news text and on the damaged seed.

``--ligatures dev|report`` measures only ligature damage, per font-set size (the lam-alef forms and
0..37 optional ligatures, ``pipeline.evaluate.repair.FONT_LIGATURES``; one row without lam-alef, one
with a size drawn per document, one of files in two parts whose second part only is damaged: two
news articles per file, the other sets' documents cut at their middle line), with 95% bootstrap intervals and the word errors by kind: dev = news
articles 0-1999 (or ``--articles N``) and the SDG texts in ~500-word parts; report = policy-ar.

Usage: ``.venv/bin/python bench/eval_repair.py [--articles N]`` (default: all 4,764 articles);
``--profiles [--damage seed_glyphs --damage ligature_pairs]`` prints only the profile table (or its rows
of those damage profiles).

``--glyphs dev|heldout`` measures only the kaf / alef-madda decisions on the seed-glyph damage, against
the naive rule (the spelling more frequent in wordfreq) and with the context table switched off, with
95% bootstrap intervals over documents.  The split: dev = news articles 0-1999 (tune here), sdg = the UN
SDG texts in ~500-word parts (a second dev set, of UN register), held-out = policy-ar in ~2,000-word
parts (look once, at the end).  The glyph context table is counted for this on news articles 2000+ and
the SDG texts (for sdg: on all news and no SDG text), never on the documents measured.  The gold of
the seed-glyph damage reads a typed «ی» as «ي» (``seed_gold``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from any folder

from pipeline.evaluate.repair import (  # noqa: E402
    FONT_SET_SIZES,
    bigram_model,
    chunks,
    evaluate,
    kaf_confusion,
    simulate_damage,
    simulate_ligature_damage,
    word_accuracy,
)
from pipeline.stages.repair import glyph_context  # noqa: E402
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, lexicon  # noqa: E402

SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
FIXTURE = ROOT / "tests" / "fixtures" / "seed_repairs.tsv"
VISUAL_FIXTURE = ROOT / "tests" / "fixtures" / "seed_visual_order.tsv"
# Tokens for comparing line order: Arabic words, numbers, single punctuation marks (spacing ignored).
_ORDER_TOKEN_RE = re.compile(r"[\u0621-\u064a\u064b-\u065f\u0670]+|\d+|[^\w\s]")
DATA = ROOT.parent / "shared" / "data"
NEWS = DATA / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
SDG = DATA / "un-sdg"
POLICY = DATA / "policy-ar"


def fixture_rows(path: Path = FIXTURE) -> list[dict[str, str]]:
    """The fixture's rows (comment lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def fixture_scores(seed_text: str, rows: list[dict[str, str]]) -> dict[str, float]:
    """Kaf-decision precision/recall and exact-word accuracy over the fixture's word rows."""
    repairer = PdfArtefactRepair().fit(seed_text)
    confusion: Counter = Counter()
    exact = words = 0
    for row in rows:
        if row["kind"] == "lam_alef":
            continue
        predicted = repairer.repair(row["damaged"])
        words += 1
        exact += predicted == row["correct"]
        confusion += kaf_confusion(row["damaged"], predicted, row["correct"])
    tp, fp, fn = confusion["tp"], confusion["fp"], confusion["fn"]
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": confusion["tn"],
        "exact": exact / words,
        "rows": words,
    }


def visual_order_scores(seed_text: str, rows: list[dict[str, str]], **options: object) -> dict[str, float]:
    """Exact lines and token accuracy of the repaired seed lines listed in ``rows``.

    Each listed seed line is repaired on its own by a repairer fitted on the whole seed (as
    the runner does per unit).  Lines are compared as token sequences (words, numbers,
    punctuation marks; spacing ignored); token accuracy is the share of gold tokens matched
    in order (``word_accuracy``).
    """
    lines = seed_text.split("\n")
    repairer = PdfArtefactRepair(**options).fit(seed_text)
    exact = matched = total = 0
    for row in rows:
        gold = _ORDER_TOKEN_RE.findall(row["correct"])
        predicted = _ORDER_TOKEN_RE.findall(repairer.repair(lines[int(row["line"]) - 1]))
        exact += predicted == gold
        hits, count = word_accuracy(gold, predicted)
        matched += hits
        total += count
    return {"exact": exact, "lines": len(rows), "token_accuracy": matched / total, "tokens": total}


def news_texts(limit: int | None = None) -> Iterator[str]:
    with NEWS.open(encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            yield json.loads(line)["text"]


def sdg_texts() -> Iterator[str]:
    """Every Arabic string of the UN SDG goals/targets/indicators files."""
    for path in sorted(SDG.glob("*.ar.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for _, value in sorted(data.items()):
            if isinstance(value, str):
                yield value


def simulated_accuracy(texts: Iterator[str], seed: int = 0) -> dict[str, float]:
    """Word accuracy of repair on simulated seed-font damage; also the accuracy of the damaged text itself."""
    score = evaluate(texts, "seed_glyphs", seed=seed)
    return {"accuracy": score.accuracy, "before": score.before / score.words, "words": score.words}


PROFILES = ("none", "seed_glyphs", "ligature_pairs", "line_reversal", "visual_lines")


def policy_documents() -> list[str]:
    """The clean policy-ar markdown documents, cut into ~2,000-word documents (the report set)."""
    return [
        chunk for path in sorted(POLICY.glob("*.md")) if path.name != "README.md" for chunk in chunks(path.read_text())
    ]


def profile_table(articles: int | None, damages: tuple[str, ...] = PROFILES) -> None:
    """Word accuracy per damage profile (``damages``), tuning set (news) and report set (policy-ar), with 95% CIs."""
    sets = {"news (tuning)": list(news_texts(articles)), "policy-ar (report)": policy_documents()}
    model = measure_model()
    print(
        "| damage profile | set | words | before repair | after repair (95% CI) | alef madda kept | all kaf decisions | invented | lines reordered |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for damage in damages:
        for name, documents in sets.items():
            # Ligature damage: a font set per document, of a size drawn from FONT_SET_SIZES.
            score = evaluate(
                documents,
                damage,
                ligature_size="mixed" if damage == "ligature_pairs" else None,
                ligature_model=model,
                mixed=damage == "visual_lines",  # numbers, Latin, brackets and short lines in the text
            )
            low, high = score.interval()
            madda = f"{score.madda_kept / score.madda_total:.3f} ({score.madda_total})" if score.madda_total else "-"
            decisions = f"{score.decisions_right / score.decisions:.4f}" if score.decisions else "-"
            print(
                f"| {damage} | {name} | {score.words} | {score.before / score.words:.4f} | "
                f"{score.accuracy:.4f} ({low:.4f}-{high:.4f}) | {madda} | {decisions} | {score.invented} | "
                f"{score.lines_reordered}/{score.lines} |"
            )


def measure_model():
    """The word-bigram model for ligature readings in context, counted on news articles 2000+ only
    (the shipped one is counted on every text measured here)."""
    return bigram_model(itertools.islice(news_texts(), DEV_ARTICLES, None))


def ligature_sizes(split: str, articles: int | None) -> None:
    """Word accuracy on ligature damage per font-set size (``split``: dev = news + SDG, report =
    policy-ar), with 95% bootstrap intervals over documents and the remaining errors by kind."""
    sets = (
        {"news": list(news_texts(articles or DEV_ARTICLES)), "SDG": sdg_documents()}
        if split == "dev"
        else {"policy-ar": policy_documents()}
    )
    model = measure_model()
    print(f"ligature damage per font set ({split}); optional ligatures beside the four lam-alef forms")
    print("| set | optional ligatures | words | before repair | after repair (95% CI) | errors by kind |")
    print("|---|---|---:|---:|---:|---|")
    for name, documents in sets.items():
        for size in (*FONT_SET_SIZES, -8, "mixed", "parts"):
            errors: Counter = Counter()
            damage, files = "ligature_pairs", documents
            if size == "parts":  # files of two parts, the second damaged (a font drawn per file)
                damage, size = "ligature_part", "mixed"
                if name == "news":  # one article is short and often one line: two articles per file
                    files = ["\n".join(documents[index : index + 2]) for index in range(0, len(documents) - 1, 2)]
            score = evaluate(files, damage, ligature_size=size, errors=errors, ligature_model=model)
            low, high = score.interval()
            label = {-8: "8, no lam-alef", "mixed": "size drawn per document"}.get(size, str(size))
            if damage == "ligature_part":
                label = "two parts, the second damaged (size drawn per file)"
            kinds = ", ".join(f"{kind} {count}" for kind, count in errors.most_common())
            print(
                f"| {name} | {label} | {score.words} | {score.before / score.words:.4f} | "
                f"{score.accuracy:.4f} ({low:.4f}-{high:.4f}) | {kinds} |"
            )


DEV_ARTICLES = 2000  # news articles 0..1999: the glyph dev split; the rest (and SDG) count the context table


def glyph_table(split: str = "dev") -> glyph_context.GlyphContext:
    """The glyph context table counted without the measured documents: news articles 2000+ and SDG, or
    (``split="sdg"``) every news article and no SDG text."""
    if split == "sdg":
        return glyph_context.count(news_texts())
    training = itertools.chain(itertools.islice(news_texts(), DEV_ARTICLES, None), ("\n".join(sdg_texts()),))
    return glyph_context.count(training)


def sdg_documents() -> list[str]:
    """The SDG goals, targets and indicators (one line each) in ~500-word documents: 18 documents."""
    return chunks("\n".join(sdg_texts()), 500)


def glyph_decisions(split: str) -> None:
    """The kaf / alef-madda decisions on seed-glyph damage (``split``: dev, sdg or heldout), see the module doc."""
    documents = {"dev": lambda: list(news_texts(DEV_ARTICLES)), "sdg": sdg_documents, "heldout": policy_documents}
    documents = documents[split]()
    table = glyph_table(split)
    print(f"glyph decisions, {split}: {len(documents)} documents; 95% bootstrap intervals over documents")
    print("| method | words | word accuracy | alef madda kept | all kaf decisions |")
    print("|---|---:|---:|---:|---:|")
    baseline = None
    for label, options in (("context (default)", {}), ("no context (kaf_context=off)", {"kaf_context": "off"})):
        start = time.perf_counter()
        score = evaluate(documents, "seed_glyphs", context_table=table, **options)
        low, high = score.interval()
        madda, decisions = score.kaf_interval("madda_kept"), score.kaf_interval("decisions")
        print(
            f"| {label} | {score.words} | {score.accuracy:.4f} ({low:.4f}-{high:.4f}) | "
            f"{score.madda_kept / score.madda_total:.4f} ({madda[0]:.4f}-{madda[1]:.4f}; {score.madda_total}) | "
            f"{score.decisions_right / score.decisions:.4f} ({decisions[0]:.4f}-{decisions[1]:.4f}; "
            f"{score.decisions}) |  {time.perf_counter() - start:.0f} s"
        )
        baseline = baseline or score
    madda, decisions = baseline.kaf_interval("baseline_madda_kept"), baseline.kaf_interval("baseline_decisions")
    print(
        f"| naive (more frequent in wordfreq) | - | - | "
        f"{baseline.baseline_madda_kept / baseline.madda_total:.4f} ({madda[0]:.4f}-{madda[1]:.4f}) | "
        f"{baseline.baseline_decisions_right / baseline.decisions:.4f} ({decisions[0]:.4f}-{decisions[1]:.4f}) |"
    )


def throughput(text: str, repeat: int = 3) -> float:
    """MB/s of fit + repair on ``text`` (best of ``repeat``; lexicon already loaded)."""
    size = len(text.encode("utf-8")) / 1e6
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        PdfArtefactRepair().fit(text).repair(text)
        best = min(best, time.perf_counter() - start)
    return size / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="news articles to use (default: all)")
    parser.add_argument("--glyphs", choices=["dev", "sdg", "heldout"], help="only the kaf decisions on this split")
    parser.add_argument("--ligatures", choices=["dev", "report"], help="only ligature damage per font-set size")
    parser.add_argument("--profiles", action="store_true", help="only the table per damage profile")
    parser.add_argument("--damage", choices=PROFILES, action="append", help="with --profiles: only these rows")
    args = parser.parse_args()
    if args.profiles:
        profile_table(args.articles, tuple(args.damage or PROFILES))
        return
    if args.glyphs:
        glyph_decisions(args.glyphs)
        return
    if args.ligatures:
        ligature_sizes(args.ligatures, args.articles)
        return

    start = time.perf_counter()
    lexicon()
    print(f"lexicon load: {time.perf_counter() - start:.2f} s")

    seed_text = SEED.read_text(encoding="utf-8")
    rows = fixture_rows(VISUAL_FIXTURE)
    for label, options in (("without fix_visual_order", {"fix_visual_order": False}), ("with fix_visual_order", {})):
        order = visual_order_scores(seed_text, rows, **options)
        print(
            f"seed visual-order lines, {label}: exact {order['exact']}/{order['lines']}, "
            f"token accuracy {order['token_accuracy']:.4f} ({order['tokens']} tokens)"
        )
    scores = fixture_scores(seed_text, fixture_rows())
    print(
        f"seed fixture kaf decision: precision {scores['precision']:.4f} recall {scores['recall']:.4f} "
        f"(tp {scores['tp']} fp {scores['fp']} fn {scores['fn']} tn {scores['tn']}); "
        f"exact words {scores['exact']:.4f} of {scores['rows']} rows"
    )
    repairer = PdfArtefactRepair().fit(seed_text)
    repaired = repairer.repair(seed_text)
    left = {name: repaired.count(ch) for name, ch in (("ѧ", "\u0467"), ("ی", "\u06cc"))}
    print(f"seed after repair: leftover {left}; changes {dict(sorted(repairer.counts.items()))}")

    if not DATA.exists():
        print(f"{DATA} not found: simulated-damage accuracy and news throughput skipped")
        return
    for name, texts in (("news-ant", news_texts(args.articles)), ("un-sdg", sdg_texts())):
        start = time.perf_counter()
        result = simulated_accuracy(texts)
        print(
            f"simulated damage, {name}: word accuracy {result['accuracy']:.5f} "
            f"(damaged text before repair {result['before']:.4f}; {result['words']} words; "
            f"{time.perf_counter() - start:.1f} s)"
        )
    profile_table(args.articles)
    news = "\n".join(news_texts(args.articles))
    print(f"throughput, clean news ({len(news.encode()) / 1e6:.1f} MB): {throughput(news):.1f} MB/s")
    print(f"throughput, damaged seed ({len(seed_text.encode()) / 1e6:.2f} MB): {throughput(seed_text, 5):.2f} MB/s")
    damaged_news = simulate_damage("\n".join(news_texts(300)))
    print(
        f"throughput, simulated-damage news ({len(damaged_news.encode()) / 1e6:.1f} MB): "
        f"{throughput(damaged_news, 1):.2f} MB/s"
    )
    ligature_news = simulate_ligature_damage("\n".join(news_texts(300)), ("لا", "لم", "في", "لى"))
    print(
        f"throughput, ligature-damaged news ({len(ligature_news.encode()) / 1e6:.1f} MB): "
        f"{throughput(ligature_news, 1):.2f} MB/s"
    )


if __name__ == "__main__":
    main()
