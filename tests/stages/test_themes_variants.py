"""The scorer variants of pipeline.evaluate.theme_variants (bench/themes_variants.py): the shares, the
pooling, the self-trained classifier and the table behave as documented, and the rebuilt default
decides exactly as the ``semantic`` stage does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from pipeline import config as config_module
from pipeline.evaluate import theme_variants as tv
from pipeline.evaluate import themes as ev
from pipeline.evaluate.devsets import load_theme_devset

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = ROOT / "configs" / "themes.yaml"


def _unit(x: list[float]) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    return a / np.linalg.norm(a)


def toy_vectors() -> tv.Vectors:
    """Two themes (axes 0 and 1) and "no theme" (axis 2), two references each; unit 0 has one sentence
    on theme 0 and one on theme 1 (a two-theme paragraph), unit 1 one sentence on "no theme"."""
    e = np.eye(4)
    reference = np.vstack([_unit(e[0] + 0.1 * e[3]), e[0], e[1], _unit(e[1] + 0.1 * e[3]), e[2], e[2]])
    group = np.array([0, 0, 1, 1, 2, 2])
    sentence = np.vstack([e[0], e[1], e[2]])
    owner = np.array([0, 0, 1])
    unit = np.vstack([_unit(e[0] + e[1]), e[2]])
    return tv.Vectors(unit, sentence, owner, reference, group, np.zeros((2, 2)), [["a"], ["b"]],
                      np.array([True, True]), ["t0", "t1"])  # fmt: skip


def test_discount_one_is_the_softmax_and_zero_scores_each_theme_against_no_theme_alone():
    sims = np.array([[0.40, 0.38, 0.10], [0.05, 0.02, 0.30]])  # a two-theme paragraph, an off-topic one
    t = 0.07
    e = np.exp(sims / t)
    np.testing.assert_allclose(tv.shares(sims, t, 1.0), e[:, :2] / e.sum(axis=1, keepdims=True))
    independent = tv.shares(sims, t, 0.0)
    np.testing.assert_allclose(independent, 1 / (1 + np.exp(-(sims[:, :2] - sims[:, 2:]) / t)))
    # the softmax splits the two-theme paragraph; independent scores give it both themes
    assert (tv.shares(sims, t, 1.0)[0] < 0.6).all() and (independent[0] > 0.95).all()
    assert (independent[1] < 0.05).all()
    half = tv.shares(sims, t, 0.5)
    assert (tv.shares(sims, t, 1.0) <= half).all() and (half <= independent).all()


def test_pooling_reads_the_best_sentence_and_centring_keeps_unit_vectors():
    v = toy_vectors()
    mean, best, whole = (tv.similarities(v, k=1, pooling=p) for p in ("mean", "sentence", "paragraph"))
    np.testing.assert_allclose(best[0, :2], [1.0, 1.0])  # each theme has a sentence equal to its reference
    np.testing.assert_allclose(whole[0, :2], [np.sqrt(0.5)] * 2)
    np.testing.assert_allclose(mean, (best + whole) / 2)
    np.testing.assert_allclose(tv.similarities(v, k=1, pooling="max"), np.maximum(best, whole))
    assert tv.similarities(v, k=1, centred=True).shape == (2, 3)
    with pytest.raises(ValueError, match="pooling"):
        tv.similarities(v, pooling="median")
    # per-sentence softmax: the two-theme paragraph keeps a high share for both of its themes
    per_sentence = tv.sentence_shares(v, k=1, temperature=0.07)
    whole_only = tv.shares(whole, 0.07)
    assert (per_sentence[0] > whole_only[0]).all() and per_sentence[0].min() > 0.7


def test_self_trained_classifier_is_deterministic_and_follows_its_pseudo_labels():
    v = toy_vectors()
    decided = np.array([[True, False], [False, False]])
    scores = np.array([[0.9, 0.2], [0.0, 0.0]])
    first = tv.self_trained(v, scores, decided)
    np.testing.assert_array_equal(first, tv.self_trained(v, scores, decided))
    assert first[0, 0] > first[1, 0]  # the unit decided for theme 0 scores above the off-topic unit


def test_decisions_from_the_score_distribution():
    scores = np.array([[0.9, 0.1], [0.8, 0.1], [0.1, 0.1], [0.15, 0.1], [0.5, 0.1]])
    fit = np.ones(5, dtype=bool)
    otsu = tv.otsu_decisions(scores, fit)
    assert otsu[:, 0].tolist() == [True, True, False, False, True] and not otsu[:, 1].any()  # one value: fallback
    assert tv.otsu_decisions(scores, fit, floor=0.85)[:, 0].tolist() == [True, False, False, False, False]
    mixture = tv.mixture_decisions(scores)
    assert mixture[:2, 0].all() and not mixture[2:4, 0].any() and not mixture[:, 1].any()


def test_table_pairs_every_variant_with_the_reference_and_the_ceiling_bounds_it():
    truth = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1], [0.6, 0.7], [0.2, 0.8], [0.4, 0.3]])
    results = {"default": (scores, scores >= 0.5), "loose": (scores, scores >= 0.3)}
    text = tv.table(truth, results, ["a", "b"], n_boot=50)
    lines = text.splitlines()
    assert lines[1].startswith("default") and "[" in lines[2].split("]", 1)[1]  # the paired difference
    assert tv.ceiling(truth, scores) == pytest.approx(1.0) and tv.macro_auroc(truth, scores) == pytest.approx(1.0)
    assert ev.macro_f1(truth, scores >= 0.3) <= tv.ceiling(truth, scores)


def test_rebuilt_default_decides_as_the_semantic_stage():
    """On the first 40 dev paragraphs (their own corpus), the variants' ``default`` assigns exactly the
    themes the registered ``semantic`` stage assigns: the variants are compared against the real method."""
    try:
        rows = load_theme_devset("dev")[:40]
    except FileNotFoundError as exc:
        pytest.skip(f"{exc} (../shared is not beside the project)")
    config = config_module.load(ROOT / "configs" / "default.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp) / "corpus")
        predicted, _ = ev.run_method(corpus, "semantic", TAXONOMY, vector_cache=False)
        _, vectors = tv.split_vectors("dev", taxonomy=TAXONOMY, rows=rows, store=Path(tmp) / "v.sqlite")
    _, decided = tv.VARIANTS["default"](vectors)
    rebuilt = {r["id"]: sorted(t for t, d in zip(vectors.theme_ids, row, strict=True) if d)
               for r, row in zip(rows, decided, strict=True)}  # fmt: skip
    assert rebuilt == {k: sorted(v) for k, v in predicted.items()}
    assert any(rebuilt.values())


def reference_toy() -> tv.Vectors:
    """Theme 0 (axis 0) has three examples, one of which (index 2) reads like theme 1 (axis 1); theme 1 has
    two examples, "no theme" (axis 2) two.  The toy's units are :func:`toy_vectors`' units."""
    e = np.eye(4)
    reference = np.vstack([e[0], _unit(e[0] + 0.1 * e[3]), _unit(e[1] + 0.05 * e[3]),
                           e[1], _unit(e[1] + 0.1 * e[3]), e[2], _unit(e[2] + 0.1 * e[3])])  # fmt: skip
    group = np.array([0, 0, 0, 1, 1, 2, 2])
    v = toy_vectors()
    v.reference, v.group = reference, group
    v.ref_sentence, v.ref_owner = reference.copy(), np.arange(len(reference))
    v.ref_seeds, v.ref_docs = np.zeros((len(reference), 2)), [[] for _ in reference]
    v.example = np.ones(len(reference), dtype=bool)
    return v


def test_reference_scores_leave_each_example_out_of_its_own_class():
    v = reference_toy()
    scores = tv.reference_scores(v, k=1, expand_weight=0.0)
    # the odd example of theme 0 is scored by the others only: it looks like theme 1, not like itself
    assert scores[2, 1] > 0.9 and scores[2, 0] < 0.1
    assert scores[0, 0] > 0.9 and scores[1, 0] > 0.9  # the typical examples still score for their theme
    # with itself among the references, example 2 would take theme 0: the leave-one-out is what moved it
    from pipeline.stages.themes import semantic as sm

    with_itself = tv.shares(sm._top_mean(v.reference @ v.reference.T, v.group, 3, 1))
    assert with_itself[2, 0] > with_itself[2, 1]
    assert scores[3, 0] > 0.5  # theme 1's example is now closest to theme 0's odd example: the cost of an odd one
    assert scores[5:].max() < 0.1  # "no theme" examples score low on every theme
    with pytest.raises(ValueError, match="vectors_of"):
        tv.reference_scores(toy_vectors())


def test_f1_cut_and_reference_cuts():
    cut, f1 = tv.f1_cut(np.array([0.9, 0.8, 0.3, 0.2]), np.array([True, True, False, False]))
    assert 0.3 < cut < 0.8 and f1 == pytest.approx(1.0)
    cut, f1 = tv.f1_cut(np.array([0.9, 0.5, 0.4, 0.2]), np.array([True, False, True, False]))
    assert 0.2 < cut <= 0.4 and f1 == pytest.approx(0.8)  # the lowest cut among the best: recall kept
    assert tv.f1_cut(np.array([0.5]), np.array([False])) == (float("inf"), 0.0)
    v = reference_toy()
    cuts = tv.reference_cuts(v, "f1", k=1, expand_weight=0.0)
    scores = tv.reference_scores(v, k=1, expand_weight=0.0)
    assert cuts.shape == (2,) and scores[0, 0] >= cuts[0] > scores[5:, 0].max()
    pooled = tv.reference_cuts(v, "f1", shrink=1.0, k=1, expand_weight=0.0)
    assert pooled[0] == pytest.approx(pooled[1])
    recall = tv.reference_cuts(v, "recall", target=1.0, k=1, expand_weight=0.0)
    assert recall[0] == pytest.approx(scores[:3, 0].min())  # every example of theme 0 kept
    with pytest.raises(ValueError, match="rule"):
        tv.reference_cuts(v, "youden")


def test_seed_rescue_adds_only_themes_with_enough_distinct_seeds_and_share():
    v = toy_vectors()
    v.distinct = np.array([[2.0, 3.0], [1.0, 2.0]])
    share = np.array([[0.3, 0.1], [0.3, 0.3]])
    decided = np.zeros((2, 2), dtype=bool)
    out = tv.seed_rescue(v, share, decided, None, 2, 0.2)
    assert out.tolist() == [[True, False], [False, True]]
    assert tv.seed_rescue(v, share, decided, [0], 2, 0.2).tolist() == [[True, False], [False, False]]
    with pytest.raises(ValueError, match="vectors_of"):
        tv.seed_rescue(toy_vectors(), share, decided)


def test_distinct_seeds_counts_each_phrase_once():
    from pipeline.text.gazetteer import PhraseMatcher

    matcher = PhraseMatcher([["الأمن السيبراني", "الإرهاب"], ["حقوق الإنسان"]])
    found = tv.distinct_seeds(matcher, ["الأمن السيبراني ثم الأمن السيبراني", "الإرهاب والأمن السيبراني", "لا شيء"])
    assert found.tolist() == [[1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]


def test_prior_shift_moves_share_toward_the_corpus_common_class():
    rng = np.random.default_rng(0)
    sims = np.hstack([rng.normal(0.5, 0.05, (40, 1)), rng.normal(0.4, 0.05, (40, 1)), np.full((40, 1), 0.3)])
    fit = np.ones(40, dtype=bool)
    np.testing.assert_allclose(tv.prior_shift(sims, fit, power=0.0), tv.shares(sims))  # no reweighting
    shifted = tv.prior_shift(sims, fit, power=0.5)
    np.testing.assert_array_equal(shifted, tv.prior_shift(sims, fit, power=0.5))
    assert shifted[:, 0].mean() > tv.shares(sims)[:, 0].mean()  # the common theme gains
    assert shifted[:, 1].mean() < tv.shares(sims)[:, 1].mean()


class _SumEncoder:
    """Encodes a text of reference names ("r0 r3") as the normalised sum of those references' vectors."""

    def __init__(self, reference: np.ndarray) -> None:
        self.reference = reference

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.vstack([_unit(sum(self.reference[int(w[1:])] for w in t.split())) for t in texts])


def test_mixture_scores_pair_examples_and_split_the_share():
    v = reference_toy()
    v.ref_texts = [f"r{i}" for i in range(len(v.reference))]
    v.encoder = _SumEncoder(v.reference)
    scores, truth = tv.mixture_scores(v, pairs=2, k=1, expand_weight=0.0)
    again, _ = tv.mixture_scores(v, pairs=2, k=1, expand_weight=0.0)
    np.testing.assert_array_equal(scores, again)  # seeded: deterministic
    assert scores.shape == truth.shape == (2 * len(v.reference), 2)
    first = np.repeat(np.arange(len(v.reference)), 2)
    assert truth[first == 0, 0].all()  # every pair holding an example of theme 0 is about theme 0
    singles = tv.reference_scores(v, k=1, expand_weight=0.0)
    both = truth.all(axis=1)  # a theme-0 example joined with a theme-1 example: the share is split
    assert both.any() and scores[both].max() < 0.6 and singles[:3].max(axis=1).min() > 0.9
    plain = tv.reference_cuts(v, "f1", k=1, expand_weight=0.0)
    mixed = tv.reference_cuts(v, "f1", mixtures=True, k=1, expand_weight=0.0)
    assert mixed.shape == plain.shape and (mixed <= plain + 1e-9).all()
    with pytest.raises(ValueError, match="encoder"):
        tv.mixture_scores(reference_toy())
