"""A calibrated decision layer for the ``semantic`` theme method: which scored themes a paragraph has.

The semantic scorer ranks well (a paragraph's themes score above its other themes) but one cut on
its combined score does not generalise across documents.  :class:`ThemeCalibrator` is a logistic
regression on a few theme-agnostic features of a (paragraph, theme) pair (:func:`decision_features`),
pooled over the themes -- so it needs no labels per theme, applies to a taxonomy it was not trained
on, and a theme with two labelled paragraphs borrows strength from the others -- with strong L2
regularisation (``C``).  Its output is P(theme | features); a theme is assigned when it reaches
``threshold_``, chosen by k-fold cross-validation on the training paragraphs (the probability cut
that maximises the out-of-fold macro-F1), not by the in-sample fit.

Learned parameters follow scikit-learn's convention (trailing underscore: ``mean_``, ``scale_``,
``coef_``, ``intercept_``, ``threshold_``, ``n_features_in_``, ``feature_names_in_``) and are stored as
JSON (:meth:`ThemeCalibrator.save` / :meth:`load`); fitting is deterministic (lbfgs, fixed folds).
The shipped parameters (``semantic_calibration.json`` beside this module) were fitted on the blind
development split with ``bench/themes_decision.py --fit``; the held-out split was not used.

Logistic calibration of classifier scores: Platt (1999), "Probabilistic outputs for support vector
machines"; scikit-learn ``LogisticRegression`` (lbfgs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import InputError

FEATURES = ("vs_none", "margin", "seeds", "share", "learned")
SHIPPED = Path(__file__).with_name("semantic_calibration.json")


def decision_features(sim: np.ndarray, none_sim: np.ndarray, share: np.ndarray, seeds: np.ndarray,
                      learned: np.ndarray) -> np.ndarray:  # fmt: skip
    """``(n_units, n_themes, 5)`` features per (unit, theme), in the order of :data:`FEATURES`:

    * ``vs_none``: the theme's similarity minus the "no theme" similarity (cosine units);
    * ``margin``: the theme's similarity minus the best other theme's (relative to the unit's own
      scores, so a paragraph that is close to everything is not close to each theme);
    * ``seeds``: seed-phrase evidence ``1 - e^-count``; ``share``: the softmax share; ``learned``: share of
      the theme's corpus-learned terms present.

    Inputs as in :class:`pipeline.stages.themes.semantic.SemanticFeatures` (``sim`` ``(n, T)``,
    ``none_sim`` ``(n,)``)."""
    sim = np.asarray(sim, dtype=np.float64)
    n, t = sim.shape
    if t > 1:
        order = np.sort(sim, axis=1)
        top, second = order[:, -1:], order[:, -2:-1]
        best_other = np.where(sim >= top, second, top)  # for the top theme: the runner-up
    else:
        best_other = np.full_like(sim, -1.0)
    columns = [sim - np.asarray(none_sim, dtype=np.float64).reshape(n, 1), sim - best_other, seeds, share, learned]
    return np.stack([np.asarray(c, dtype=np.float64).reshape(n, t) for c in columns], axis=2)


def macro_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean F1 over the columns with at least one true row (0 when none has)."""
    present = truth.any(axis=0)
    if not present.any():
        return 0.0
    tp = (truth & pred).sum(axis=0)
    f1 = 2 * tp / np.maximum(truth.sum(axis=0) + pred.sum(axis=0), 1)
    return float(f1[present].mean())


def fold_ids(n: int, folds: int, groups: list[str] | None = None) -> np.ndarray:
    """Fold number per unit: whole groups (documents) per fold when ``groups`` are given, dealt
    round-robin in sorted order of the group names; otherwise units round-robin.  Deterministic."""
    if groups is None:
        return np.arange(n) % folds
    names = sorted(set(groups))
    if len(names) < folds:
        raise ValueError(f"{len(names)} groups for {folds} folds")
    slot = {g: i % folds for i, g in enumerate(names)}
    return np.array([slot[g] for g in groups])


@dataclass
class ThemeCalibrator:
    """Pooled logistic regression over (unit, theme) pairs with a cross-validated probability cut.

    ``C``: inverse L2 strength (scikit-learn's; small = strong); ``folds``: k of the k-fold choice of
    ``threshold_``; ``grid``: candidate cuts.  After :meth:`fit`: ``mean_``, ``scale_`` (standardisation),
    ``coef_`` ``(5,)``, ``intercept_``, ``threshold_``, ``cv_macro_f1_`` (out-of-fold macro-F1 at
    ``threshold_``), ``n_features_in_``, ``feature_names_in_``, ``n_samples_fit_`` (units)."""

    C: float = 0.1
    folds: int = 5
    grid: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.1, 0.91, 0.05))
    mean_: np.ndarray | None = field(default=None, repr=False)
    scale_: np.ndarray | None = field(default=None, repr=False)
    coef_: np.ndarray | None = field(default=None, repr=False)
    intercept_: float = 0.0
    threshold_: float = 0.5
    cv_macro_f1_: float | None = None
    n_features_in_: int = len(FEATURES)
    feature_names_in_: tuple[str, ...] = FEATURES
    n_samples_fit_: int = 0

    # -- fitting ----------------------------------------------------------------

    def _fit_lr(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        from sklearn.linear_model import LogisticRegression

        flat, target = x.reshape(-1, x.shape[-1]), y.reshape(-1)
        mean, scale = flat.mean(axis=0), flat.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        model = LogisticRegression(C=self.C, solver="lbfgs", max_iter=1000).fit((flat - mean) / scale, target)
        return mean, scale, model.coef_[0].copy(), float(model.intercept_[0])

    def fit(self, x: np.ndarray, y: np.ndarray, groups: list[str] | None = None) -> ThemeCalibrator:
        """``x`` ``(n_units, n_themes, 5)`` from :func:`decision_features`, ``y`` ``(n_units, n_themes)``
        gold booleans; ``groups`` (document per unit) keeps a document's units in one fold.  The cut
        is the grid value with the best out-of-fold macro-F1 (ties: the lower cut)."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=bool)
        if x.ndim != 3 or x.shape[2] != len(FEATURES) or y.shape != x.shape[:2]:
            raise ValueError(f"expected x (n, T, {len(FEATURES)}) and y (n, T); got {x.shape} and {y.shape}")
        oof = self.out_of_fold(x, y, groups)
        scores = [macro_f1(y, oof >= cut) for cut in self.grid]
        best = int(np.argmax(scores))
        self.threshold_, self.cv_macro_f1_ = float(self.grid[best]), float(scores[best])
        self.mean_, self.scale_, self.coef_, self.intercept_ = self._fit_lr(x, y)
        self.n_samples_fit_ = int(x.shape[0])
        return self

    def out_of_fold(self, x: np.ndarray, y: np.ndarray, groups: list[str] | None = None) -> np.ndarray:
        """``(n_units, n_themes)`` probabilities, each from a model fitted without the unit's fold."""
        folds = fold_ids(len(x), self.folds, groups)
        oof = np.zeros(y.shape)
        for f in range(self.folds):
            test = folds == f
            mean, scale, coef, intercept = self._fit_lr(x[~test], y[~test])
            oof[test] = _logistic(((x[test] - mean) / scale) @ coef + intercept)
        return oof

    # -- use --------------------------------------------------------------------

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """``(n_units, n_themes)`` P(theme) for ``x`` ``(n_units, n_themes, 5)``."""
        if self.coef_ is None or self.mean_ is None or self.scale_ is None:
            raise ValueError("ThemeCalibrator is not fitted")
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n_features_in_:
            raise ValueError(f"expected features (n, T, {self.n_features_in_}); got {x.shape}")
        return _logistic(((x - self.mean_) / self.scale_) @ self.coef_ + self.intercept_)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.predict_proba(x) >= self.threshold_

    # -- storage ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        if self.coef_ is None or self.mean_ is None or self.scale_ is None:
            raise ValueError("ThemeCalibrator is not fitted")
        return {
            "C": self.C,
            "folds": self.folds,
            "feature_names_in_": list(self.feature_names_in_),
            "n_features_in_": self.n_features_in_,
            "mean_": [round(float(v), 8) for v in self.mean_],
            "scale_": [round(float(v), 8) for v in self.scale_],
            "coef_": [round(float(v), 8) for v in self.coef_],
            "intercept_": round(self.intercept_, 8),
            "threshold_": self.threshold_,
            "cv_macro_f1_": None if self.cv_macro_f1_ is None else round(self.cv_macro_f1_, 4),
            "n_samples_fit_": self.n_samples_fit_,
        }

    def save(self, path: Path, note: str = "") -> None:
        data = {"note": note, **self.to_dict()} if note else self.to_dict()
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | None = None) -> ThemeCalibrator:
        """The calibrator stored at ``path`` (default: the shipped one).  InputError when the file is
        missing, not JSON, or not a fitted calibrator over :data:`FEATURES`."""
        path = Path(path or SHIPPED)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            names = tuple(data["feature_names_in_"])
            if names != FEATURES:
                raise InputError(f"{path}: features {names} are not {FEATURES}")
            arrays = {k: np.array(data[k], dtype=np.float64) for k in ("mean_", "scale_", "coef_")}
            if any(a.shape != (len(FEATURES),) for a in arrays.values()):
                raise InputError(f"{path}: mean_, scale_ and coef_ need {len(FEATURES)} values each")
            return cls(
                C=float(data["C"]),
                folds=int(data["folds"]),
                intercept_=float(data["intercept_"]),
                threshold_=float(data["threshold_"]),
                cv_macro_f1_=data.get("cv_macro_f1_"),
                n_samples_fit_=int(data.get("n_samples_fit_", 0)),
                **arrays,
            )
        except FileNotFoundError:
            raise InputError(f"{path}: calibration file not found") from None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: not a theme calibration ({type(exc).__name__}: {exc})") from None


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))
