"""Decision rules for the ``semantic`` theme method, compared by cross-validation on the blind dev split.

The scores are computed once (the stage's ``semantic_features`` on the dev paragraphs, as
``pipeline.evaluate.themes`` builds them); each decision rule is then judged by k-fold
cross-validation: whatever it learns from labels (coefficients, cuts) is fitted on the other folds
and applied to the held-in fold, so the macro-F1 is an out-of-fold estimate, never the in-sample fit.
Intervals: percentile bootstrap over paragraphs (paired with the keyword baselines).

Rules: ``otsu`` (the label-free default before the calibrated layer), ``fixed@c`` (one cut c on the
combined score, c chosen on the training folds), ``per_theme`` (a cut per theme chosen on the training
folds; a theme without a training positive keeps the global cut), ``top1_margin`` (the best theme when it
clears a cut, plus any theme within a relative margin of it; both chosen on the training folds),
``calibrated`` (:class:`pipeline.stages.themes.calibration.ThemeCalibrator`, its own inner k-fold cut).
Two outer splits: ``kfold`` (paragraphs round-robin, 5 folds) and ``by_doc`` (whole documents per fold,
the harder question "does it carry to a document it never saw").

    PYTHONPATH=$PWD python bench/themes_decision.py            # the comparison table
    PYTHONPATH=$PWD python bench/themes_decision.py --fit      # also refit the shipped calibration

The held-out split is never read here.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import config as config_module  # noqa: E402
from pipeline.evaluate import themes as ev  # noqa: E402
from pipeline.evaluate.devsets import load_theme_devset  # noqa: E402
from pipeline.stages.themes import calibration as cal  # noqa: E402
from pipeline.stages.themes.scoring import otsu_threshold  # noqa: E402
from pipeline.stages.themes.semantic import semantic_features  # noqa: E402
from pipeline.stages.themes.stage import SemanticThemes, load_taxonomy  # noqa: E402

GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)


def dev_features(config_path: Path) -> tuple[list[dict], list[str], dict, dict[str, np.ndarray]]:
    """(dev rows, theme ids, decision-feature arrays, keyword predictions as indicators)."""
    config = config_module.load(config_path)
    taxonomy = Path(config.stages["themes"].options["taxonomy"])
    rows = load_theme_devset("dev")
    ids = [t.id for t in load_taxonomy(taxonomy)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        stage = SemanticThemes(taxonomy=taxonomy)
        _, data, _, _ = stage.prepare(corpus, Path(tmp))
        f = semantic_features(data, stage.k, stage.temperature, stage.seed_weight, stage.batch_units,
                              expand_terms=stage.expand_terms, expand_weight=stage.expand_weight,
                              expand_confident=stage.expand_confident)  # fmt: skip
        baselines = {}
        for name in ("keywords@v1", "keywords"):
            method, options, override = ev.METHODS[name]
            pred, _ = ev.run_method(corpus, method, override or taxonomy, **options)
            baselines[name] = ev.indicator([pred[r["id"]] for r in rows], ids)
    x = cal.decision_features(f.sim, f.none_sim, f.share, f.seeds, f.learned)
    return rows, ids, {"x": x, "score": f.score, "fit": np.array(data.fit)}, baselines


def best_cut(score: np.ndarray, y: np.ndarray, grid=GRID) -> float:
    values = [cal.macro_f1(y, score >= c) for c in grid]
    return float(grid[int(np.argmax(values))])


def rule_fixed(tr, te, score, y, x):
    cut = best_cut(score[tr], y[tr])
    return score[te] >= cut


def rule_per_theme(tr, te, score, y, x):
    glob = best_cut(score[tr], y[tr])
    cuts = np.array([best_cut(score[tr][:, [j]], y[tr][:, [j]]) if y[tr][:, j].any() else glob
                     for j in range(y.shape[1])])  # fmt: skip
    return score[te] >= cuts


def _top_margin(score, cut, rel):
    top = score.max(axis=1, keepdims=True)
    return (top >= cut) & (score >= cut) & (score >= rel * top)


def rule_top1_margin(tr, te, score, y, x):
    best, arg = -1.0, (0.5, 1.0)
    for cut in GRID:
        for rel in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
            v = cal.macro_f1(y[tr], _top_margin(score[tr], cut, rel))
            if v > best:
                best, arg = v, (cut, rel)
    return _top_margin(score[te], *arg)


def rule_calibrated(C):
    def rule(tr, te, score, y, x):
        model = cal.ThemeCalibrator(C=C).fit(x[tr], y[tr])
        return model.predict(x[te])

    return rule


def otsu_pred(score: np.ndarray, fit: np.ndarray, floor: float = 0.35) -> np.ndarray:
    cuts = []
    rounded = np.round(np.clip(score, 0, 1), 4)
    for j in range(score.shape[1]):
        c = otsu_threshold(rounded[fit, j])
        cuts.append(0.35 if c is None else max(c, floor))
    return rounded >= np.array(cuts)


def cross_validate(rule, score, y, x, folds: np.ndarray) -> np.ndarray:
    pred = np.zeros_like(y)
    for f in sorted(set(folds.tolist())):
        te = folds == f
        pred[te] = rule(~te, te, score, y, x)
    return pred


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fit", action="store_true", help="refit the shipped calibration on all of dev")
    parser.add_argument("--C", type=float, default=0.1)
    args = parser.parse_args()

    rows, ids, feats, baselines = dev_features(args.config)
    x, score, fit = feats["x"], feats["score"], feats["fit"]
    y = ev.indicator([r["themes"] for r in rows], ids)
    present = y.any(axis=0)
    y, x, score = y[:, present], x[:, present], score[:, present]
    baselines = {k: v[:, present] for k, v in baselines.items()}
    print(f"dev: {len(rows)} paragraphs, {int(present.sum())} themes present: "
          f"{', '.join(i for i, p in zip(ids, present, strict=True) if p)}\n")  # fmt: skip
    rules = {
        "fixed": rule_fixed,
        "per_theme": rule_per_theme,
        "top1_margin": rule_top1_margin,
        **{f"calibrated C={c:g}": rule_calibrated(c) for c in (0.01, 0.1, 1.0)},
    }
    docs = [r["doc"] for r in rows]
    for split, folds in (("kfold", cal.fold_ids(len(rows), args.folds)),
                         ("by_doc", cal.fold_ids(len(rows), args.folds, docs))):  # fmt: skip
        preds = {**baselines, "otsu (label-free)": otsu_pred(score, fit)}
        for name, rule in rules.items():
            preds[name] = cross_validate(rule, score, y, x, folds)
        boots = ev.bootstrap_macro_f1(y, preds, args.n_boot, 0)
        print(f"[{split}] out-of-fold macro-F1, 95% bootstrap interval over paragraphs ({args.n_boot} resamples);"
              f" paired differences to keywords@v1 and to otsu")  # fmt: skip
        for name, pred in preds.items():
            value = cal.macro_f1(y, pred)
            lo, hi = ev.interval(boots[name])
            cells = []
            for ref in ("keywords@v1", "otsu (label-free)"):
                dlo, dhi = ev.interval(boots[name] - boots[ref])
                diff = value - cal.macro_f1(y, preds[ref])
                cells.append(f"{diff:+.3f} [{dlo:+.3f},{dhi:+.3f}]")
            print(f"  {name:<20} {value:.3f} [{lo:.3f},{hi:.3f}]   " + "   ".join(cells))
        print()
    fine = np.round(np.arange(0.05, 0.96, 0.01), 2)
    oracle = np.mean([max(cal.macro_f1(y[:, [j]], score[:, [j]] >= c) for c in fine) for j in range(y.shape[1])])
    print(
        f"ceiling of any cut on the combined score: per-theme cuts chosen on the gold itself (in-sample) {oracle:.3f};"
        f" one cut for all {max(cal.macro_f1(y, score >= c) for c in fine):.3f}\n"
    )
    if args.fit:
        model = cal.ThemeCalibrator(C=args.C).fit(x, y)
        model.save(cal.SHIPPED, note=f"fitted by bench/themes_decision.py --fit --C {args.C:g} on the blind dev "
                   f"split ({len(rows)} paragraphs, themes present only); held-out split not used")  # fmt: skip
        print(f"wrote {cal.SHIPPED}: {model.to_dict()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
