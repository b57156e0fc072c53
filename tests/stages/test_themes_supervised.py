"""Tests for the supervised theme models judged by leave-one-document-out CV (pipeline.evaluate.theme_supervised)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate import theme_supervised as sup


def _synthetic(n: int = 180, t: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    """Paragraphs of 6 documents; theme j is marked by a high taxonomy feature 0 and 3 of (row, j);
    the vectors are noise except a weak trace of theme 0."""
    rng = np.random.default_rng(seed)
    truth = rng.random((n, t)) < 0.3
    tax = rng.normal(0, 1, (n, t, 6))
    tax[..., 0] += 3.0 * truth
    tax[..., 3] += 3.0 * truth
    vectors = rng.normal(0, 1, (n, 16))
    vectors[:, 0] += truth[:, 0]
    groups = np.array([f"doc{i % 6}" for i in range(n)])
    return {"truth": truth, "tax": tax, "vectors": vectors, "groups": groups}


def test_leave_one_group_out_never_trains_on_the_group_it_predicts():
    groups = np.array(["b", "a", "c", "a", "b", "c", "c"])
    seen = []

    def fit_apply(train: np.ndarray, test: np.ndarray) -> np.ndarray:
        seen.append((set(train.tolist()), set(test.tolist())))
        return np.full(len(test), len(seen))

    out = sup.leave_one_group_out(groups, fit_apply, (len(groups),))
    assert len(seen) == 3
    for train, test in seen:
        assert not train & test and train | test == set(range(len(groups)))
        assert len({groups[i] for i in test}) == 1 and groups[next(iter(test))] not in {groups[i] for i in train}
    assert out.tolist() == [2, 1, 3, 1, 2, 3, 3]  # groups in sorted order: a first


def test_design_joins_the_named_parts_and_refuses_others():
    data = _synthetic(n=12)
    rows = np.array([0, 5, 7])
    x = sup.design("vec+tax", 1, rows, data["vectors"], data["tax"])
    assert x.shape == (3, 16 + 6)
    assert np.array_equal(x[:, 16:], data["tax"][rows, 1])
    assert sup.design("all", 0, rows, data["vectors"], data["tax"]).shape == (3, 3 * 6)
    with pytest.raises(ValueError, match="unknown feature part"):
        sup.design("tax+words", 0, rows, data["vectors"], data["tax"])


def test_best_f1_cut_is_the_best_grid_value():
    prob = np.array([0.1, 0.2, 0.62, 0.7, 0.9])
    truth = np.array([False, False, True, True, True])
    assert sup.best_f1_cut(prob, truth) == pytest.approx(0.25)  # the lowest cut that keeps all three and no other
    assert sup.best_f1_cut(prob, np.zeros(5, dtype=bool)) == pytest.approx(0.05)  # no positive: every F1 is 0


def test_per_theme_lr_learns_from_other_documents_and_falls_back_for_rare_themes():
    data = _synthetic()
    truth = data["truth"].copy()
    truth[:, 2] = False
    truth[:4, 2] = True  # 4 paragraphs: too few to train on (min_positive 5)
    fallback = np.zeros_like(truth)
    fallback[:, 2] = truth[:, 2]
    pred, prob = sup.per_theme_lr(truth, data["groups"], data["vectors"], data["tax"], fallback, kind="tax")
    for j in (0, 1):
        tp = (pred[:, j] & truth[:, j]).sum()
        assert 2 * tp / (pred[:, j].sum() + truth[:, j].sum()) > 0.85
    assert np.array_equal(pred[:, 2], fallback[:, 2]) and not prob[:, 2].any()
    inner, _ = sup.per_theme_lr(truth, data["groups"], data["vectors"], data["tax"], fallback, cut="inner")
    assert (inner[:, :2] == truth[:, :2]).mean() > 0.9


def test_a_documents_predictions_do_not_depend_on_its_own_labels():
    """The check against leakage: flip every label of one document; its predictions stay the same."""
    data = _synthetic()
    flipped = data["truth"].copy()
    mine = data["groups"] == "doc3"
    flipped[mine] = ~flipped[mine]
    fallback = np.zeros_like(flipped)
    args = (data["groups"], data["vectors"], data["tax"], fallback)
    for kind, cut in (("tax", "inner"), ("vec+tax", "half")):
        a, pa = sup.per_theme_lr(data["truth"], *args, kind=kind, cut=cut)
        b, pb = sup.per_theme_lr(flipped, *args, kind=kind, cut=cut)
        assert np.array_equal(a[mine], b[mine]) and np.allclose(pa[mine], pb[mine])
        assert not np.array_equal(pa[~mine], pb[~mine])  # the others' models did see the flipped labels
    a = sup.per_theme_choice(data["truth"], *args)
    b = sup.per_theme_choice(flipped, *args)
    assert np.array_equal(a[mine], b[mine])
    zeros = np.zeros(data["truth"].shape)
    proto = (data["groups"], data["vectors"], zeros, np.zeros(len(zeros)), zeros, zeros)
    sa, _ = sup.labelled_prototypes(data["truth"], *proto)
    sb, _ = sup.labelled_prototypes(flipped, *proto)
    assert np.allclose(sa[mine], sb[mine]) and not np.allclose(sa[~mine], sb[~mine])


def test_per_theme_choice_keeps_a_better_default_and_takes_a_better_model():
    data = _synthetic()
    truth = data["truth"]
    args = (truth, data["groups"], data["vectors"], data["tax"])
    assert np.array_equal(sup.per_theme_choice(*args, fallback=truth.copy()), truth)  # a perfect default stays
    chosen = sup.per_theme_choice(*args, fallback=np.zeros_like(truth))  # a default that never assigns loses
    lr, _ = sup.per_theme_lr(*args, fallback=np.zeros_like(truth))
    assert np.array_equal(chosen, lr)


def test_blended_keeps_the_default_score_where_no_model_was_fitted_and_cuts_by_otsu():
    rng = np.random.default_rng(1)
    score = np.clip(rng.normal(0.3, 0.2, (50, 2)), 0, 1)
    prob = np.zeros((50, 2))
    prob[:, 0] = rng.random(50)
    mixed, decided = sup.blended(score, prob, weight=0.5)
    assert np.allclose(mixed[:, 1], score[:, 1]) and np.allclose(mixed[:, 0], (score[:, 0] + prob[:, 0]) / 2)
    assert np.array_equal(decided, sup.otsu_decisions(mixed))
    assert (mixed[decided] >= 0.35).all()  # never below the floor


def test_pooled_calibrated_gives_probabilities_and_decisions_per_document():
    data = _synthetic()
    prob, decided = sup.pooled_calibrated(data["truth"], data["groups"], data["tax"], C=1.0)
    assert prob.shape == decided.shape == data["truth"].shape and ((prob >= 0) & (prob <= 1)).all()
    assert (decided == data["truth"]).mean() > 0.9


def test_pooled_bilinear_learns_which_dimensions_match_a_theme():
    """Theme j is present when the paragraph vector points along centroid j: the pooled model finds it."""
    rng = np.random.default_rng(2)
    centroids = np.eye(3, 8)
    truth = rng.random((120, 3)) < 0.3
    vectors = rng.normal(0, 0.3, (120, 8)) + np.hstack([2.0 * truth, np.zeros((120, 5))])
    groups = np.array([f"doc{i % 4}" for i in range(120)])
    prob = sup.pooled_bilinear(truth, groups, vectors, centroids, np.zeros((120, 3, 6)), C=1.0)
    assert prob.shape == truth.shape and ((prob >= 0.5) == truth).mean() > 0.9
