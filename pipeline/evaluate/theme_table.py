"""The comparison table of theme-scorer variants (evaluation only): macro-F1 with bootstrap
intervals, the paired difference to a reference variant, macro-AUROC and the in-sample ceiling of
per-theme cuts.  Used by :mod:`pipeline.evaluate.theme_variants` and ``bench/themes_variants.py``."""

from __future__ import annotations

import numpy as np

from pipeline.evaluate import themes as ev


def ceiling(truth: np.ndarray, scores: np.ndarray) -> float:
    """In-sample ceiling of per-theme cuts: the mean over the columns with a gold unit of the best F1 any
    cut on that column's scores reaches (chosen on the labels themselves: an upper bound, not an estimate)."""
    best = []
    for j in np.flatnonzero(truth.any(axis=0)):
        f1 = 0.0
        for cut in np.unique(scores[:, j]):
            pred = scores[:, j] >= cut
            f1 = max(f1, 2 * float((pred & truth[:, j]).sum()) / float(pred.sum() + truth[:, j].sum()))
        best.append(f1)
    return float(np.mean(best)) if best else 0.0


def macro_auroc(truth: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    cols = [j for j in range(truth.shape[1]) if 0 < truth[:, j].sum() < len(truth)]
    return float(np.mean([roc_auc_score(truth[:, j], scores[:, j]) for j in cols])) if cols else float("nan")


def table(truth: np.ndarray, results: dict[str, tuple[np.ndarray, np.ndarray]], theme_ids: list[str],
          n_boot: int = 2000, reference: str = "default") -> str:  # fmt: skip
    """The comparison: per variant macro-F1 over the themes present, its bootstrap 95% interval, the
    paired difference to ``reference`` with its interval, macro-AUROC, the in-sample per-theme-cut
    ceiling, and F1 per theme present."""
    present = truth.any(axis=0)
    names = [t for t, p in zip(theme_ids, present, strict=True) if p]
    y = truth[:, present]
    preds = {name: pred[:, present] for name, (_, pred) in results.items()}
    boots = ev.bootstrap_macro_f1(y, preds, n_boot)
    short = [n[:8] for n in names]
    head = f"{'variant':<46} {'macro-F1':>8} {'95% CI':>13} {'- ' + reference:>22} {'AUROC':>6} {'ceiling':>7} "
    lines = [head + " ".join(f"{s:>8}" for s in short)]
    for name, (scores, _) in results.items():
        pred = preds[name]
        lo, hi = ev.interval(boots[name])
        if name == reference:
            diff = ""
        else:
            dlo, dhi = ev.interval(boots[name] - boots[reference])
            diff = f"{ev.macro_f1(y, pred) - ev.macro_f1(y, preds[reference]):+.3f} [{dlo:+.2f},{dhi:+.2f}]"
        tp = (y & pred).sum(axis=0)
        f1 = 2 * tp / np.maximum(y.sum(axis=0) + pred.sum(axis=0), 1)
        lines.append(
            f"{name:<46} {ev.macro_f1(y, pred):8.3f} {f'[{lo:.3f},{hi:.3f}]':>13} {diff:>22} "
            f"{macro_auroc(y, scores[:, present]):6.3f} {ceiling(y, scores[:, present]):7.3f} "
            + " ".join(f"{v:8.2f}" for v in f1)
        )
    return "\n".join(lines)
