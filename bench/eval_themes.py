"""Compare theme methods on the blind-labelled dev split, on the hand-labelled seed, and check discovery clustering on news.

Usage::

    .venv/bin/python bench/eval_themes.py [--config configs/default.yaml] [--split dev] [--news-per-class 150]

Table 0 (``--split dev``, the default; ``--split heldout``, ``heldout2``, ``heldout3``, ``heldout4`` only once, at the end; ``--split none``
skips it): every method on the blind-labelled development paragraphs (six policy documents and ANT
news, ../shared), macro-F1 over the themes present with bootstrap 95% intervals and paired
differences to the keyword baselines (current seeds, and the seed lists the issue measured:
``keywords@v1``) and to always-most-frequent, overall and per document type; see
:mod:`pipeline.evaluate.themes` for how the split becomes a corpus.

Table 1: per-method macro-F1 / macro-AUROC (and per-theme F1/AUROC) on
tests/fixtures/seed_themes_gold.jsonl, every method run through the real stage
on the per-document output of ``--config`` (its repair/normalise/tokenise).
Rows ``<method>@otsu`` are the same scores assigned at per-theme Otsu
thresholds (``threshold: otsu``, label-free) instead of the fixed
``min_score``, to show what that calibration alone changes.  ``errors`` counts wrong (unit, theme)
decisions over the 41 x 8 pairs.
Table 2: NMI against ``category`` on a class-balanced sample of the ANT news
corpus, for the discovery clustering (LSA + k-means, k=6) vs k-means on TF-IDF
(and USE-embedding k-means for reference).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config as config_module  # noqa: E402
from pipeline.evaluate import themes as ev  # noqa: E402
from pipeline.registry import lookup  # noqa: E402
from pipeline.run import runner  # noqa: E402
from pipeline.stages.themes import discovery  # noqa: E402
from pipeline.stages.themes import stage as th  # noqa: E402
from pipeline.stages.themes.features import _FallbackAnalyzer  # noqa: E402

GOLD = ROOT / "tests" / "fixtures" / "seed_themes_gold.jsonl"
TAXONOMY = ROOT / "configs" / "themes.yaml"
NEWS = ROOT.parent / "shared" / "data" / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
METHODS = ["keywords", "lda", "seeded_lda", "guided_nmf", "embedding", "semantic"]
ABLATIONS = {  # name -> (method, options)
    "keywords@otsu": ("keywords", {"threshold": "otsu"}),
    "seeded_lda@otsu": ("seeded_lda", {"threshold": "otsu"}),
    "guided_nmf@otsu": ("guided_nmf", {"threshold": "otsu"}),
    "embedding@otsu": ("embedding", {"threshold": "otsu"}),
    "semantic@fixed": ("semantic", {"threshold": "fixed"}),
    "semantic-noexp": ("semantic", {"expand_terms": 0}),
    "semantic@calib": ("semantic", {"decision": "calibrated"}),
}


def seed_corpus(config_path: Path, out: Path) -> runner.Corpus:
    config = config_module.load(config_path)
    files = runner.find_corpus_files(config.corpus)
    results, processor = runner.process_documents(config, files, quiet=True)
    units = [u for r in results for u in r.units]
    tok = processor.built.get("tokenise")
    if tok is not None and hasattr(tok, "fit_phrases"):
        tok.fit_phrases([u.tokens for u in units])
        for u in units:
            u.tokens = tok.transform(u.tokens)
    return runner.Corpus(units, [], results, processor.featurize, processor.normalize, config.seed, out, config)


def run_method(corpus: runner.Corpus, name: str, **options) -> tuple[ev.Evaluation, float, runner.Corpus]:
    units = [replace(u, themes=[], theme_scores={}) for u in corpus.units]
    c = replace(corpus, units=units, results={})
    stage = lookup("themes", name)(taxonomy=TAXONOMY, **options)
    t = time.perf_counter()
    stage.apply(c)
    seconds = time.perf_counter() - t
    gold = ev.read_gold(GOLD)
    predicted = {u.unit_id: u.themes for u in units}
    scores = {u.unit_id: u.theme_scores for u in units}
    ids = [t.id for t in th.load_taxonomy(TAXONOMY)]
    return ev.evaluate(predicted, scores, gold, ids), seconds, c


def errors(result: ev.Evaluation) -> int:
    """Wrong (unit, theme) decisions: false positives plus false negatives."""
    return sum(r.predicted + r.support - 2 * round(r.recall * r.support) for r in result.rows)


def news_sample(per_class: int, seed: int) -> tuple[list[str], list[str]]:
    by_cat: dict[str, list[dict]] = {}
    with open(NEWS, encoding="utf-8") as handle:
        for line in handle:
            d = json.loads(line)
            by_cat.setdefault(d["category"], []).append(d)
    rng = np.random.default_rng(seed)
    texts, cats = [], []
    for cat in sorted(by_cat):
        rows = sorted(by_cat[cat], key=lambda d: d["id"])
        for i in sorted(rng.choice(len(rows), size=min(per_class, len(rows)), replace=False)):
            texts.append(rows[i]["text"])
            cats.append(cat)
    return texts, cats


def news_nmi(per_class: int, seed: int, with_embedding: bool) -> list[tuple[str, float, float]]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score

    texts, cats = news_sample(per_class, seed)
    analyzer = _FallbackAnalyzer()
    docs = [analyzer(t) for t in texts]
    rows = []
    t = time.perf_counter()
    labels, _ = discovery.cluster(docs, 6, seed)
    rows.append(("discovery (LSA + k-means)", normalized_mutual_info_score(cats, labels), time.perf_counter() - t))
    t = time.perf_counter()
    x = TfidfVectorizer(analyzer=lambda d: d).fit_transform(docs)
    base = KMeans(n_clusters=6, n_init=10, random_state=seed).fit_predict(x)
    rows.append(("k-means on TF-IDF", normalized_mutual_info_score(cats, base), time.perf_counter() - t))
    if with_embedding:
        from pipeline.stages.themes.semantic import embed

        t = time.perf_counter()
        v = embed(texts)
        emb = KMeans(n_clusters=6, n_init=10, random_state=seed).fit_predict(v)
        rows.append(("k-means on USE v3", normalized_mutual_info_score(cats, emb), time.perf_counter() - t))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--methods", nargs="*", default=METHODS)
    parser.add_argument(
        "--split", choices=["dev", "heldout", "heldout2", "heldout3", "heldout4", "none"], default="dev"
    )
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--news-per-class", type=int, default=150)
    parser.add_argument("--no-news", action="store_true")
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--embedding-news", action="store_true", help="also cluster news on USE vectors (slow)")
    args = parser.parse_args()

    if args.split != "none":
        print(f"Table 0. Themes on the blind {args.split} split (paragraphs of documents nobody tuned on)")
        print(ev.compare_on_devset(args.split, args.config, None, args.n_boot))
        print()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = seed_corpus(args.config, Path(tmp))
        tokens = "tokenise stage" if any(u.tokens for u in corpus.units) else "fallback analyzer"
        print(f"seed corpus: {len(corpus.units)} units, features from the {tokens}\n")
        results = {}
        for name in args.methods:
            results[name] = run_method(corpus, name)
        if not args.no_ablations:
            for name, (method, options) in ABLATIONS.items():
                if method in args.methods:
                    results[name] = run_method(corpus, method, **options)
        ids = [t.id for t in th.load_taxonomy(TAXONOMY)]
        print("Table 1. Themes on the seed gold (41 units): macro scores, wrong decisions and seconds")
        print(f"{'method':<15} {'macro-F1':>8} {'macro-AUROC':>11} {'errors':>6} {'seconds':>8}")
        for name, (result, sec, _) in results.items():
            print(f"{name:<15} {result.macro_f1:8.3f} {result.macro_auroc or 0:11.3f} {errors(result):>6} {sec:8.2f}")
        print("\nPer-theme F1 / AUROC")
        print(f"{'theme':<20} {'n':>3} " + " ".join(f"{m:>15}" for m in results))
        # (long table: one column per method and ablation)
        for k, tid in enumerate(ids):
            cells = []
            for result, _, _ in results.values():
                r = result.rows[k]
                cells.append(f"{r.f1:6.3f}/{'  n/a' if r.auroc is None else f'{r.auroc:5.3f}'}".rjust(15))
            print(f"{tid:<20} {results[next(iter(results))][0].rows[k].support:>3} " + " ".join(cells))
    if not args.no_news and NEWS.exists():
        print(f"\nTable 2. News NMI against category ({args.news_per_class} per class x 6, k=6)")
        for name, nmi, sec in news_nmi(args.news_per_class, 0, args.embedding_news):
            print(f"{name:<28} NMI {nmi:.3f}  ({sec:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
