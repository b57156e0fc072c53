"""The cross-set comparison of pipeline.evaluate.theme_crossset (bench/themes_crossset.py): the new
variants' shares and cuts behave as documented, the table's paired differences and pooled macro-F1 are
computed as stated, and the taxonomy variants change only the references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline.evaluate import theme_crossset as cs
from pipeline.evaluate import theme_variants as tv
from tests.stages.test_themes_variants import toy_vectors

ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = ROOT / "configs" / "themes.yaml"


def lexical_toy() -> tv.Vectors:
    v = toy_vectors()
    v.docs = [["امن", "هجوم"], ["مباراه", "هدف"]]
    v.ref_docs = [["امن"], ["هجوم", "امن"], ["سوق"], ["نفط", "سوق"], ["مباراه"], ["هدف"]]
    return v


def test_lexical_view_is_the_tfidf_cosine_to_each_class_of_references():
    sims = cs.lexical_similarities(lexical_toy())
    assert sims.shape == (2, 3)
    assert sims[0, 0] > 0.9 and sims[0, 1] == 0.0 and sims[0, 2] == 0.0  # security words, security refs
    assert sims[1, 2] > 0.9 and sims[1, :2].max() == 0.0  # match words: the "no theme" class
    scores, decided = cs.VARIANTS["lexical view x 0.2"](lexical_toy())
    assert scores.shape == decided.shape == (2, 2)


def test_no_theme_weight_and_gate_reduce_to_the_softmax_as_documented():
    sims = np.array([[0.40, 0.38, 0.10], [0.05, 0.02, 0.30]])
    np.testing.assert_allclose(cs.none_weight_shares(sims, 1.0), tv.shares(sims))
    themes_only = cs.none_weight_shares(sims, 0.0)
    np.testing.assert_allclose(themes_only.sum(axis=1), 1.0)
    assert (cs.none_weight_shares(sims, 0.5) >= tv.shares(sims)).all()
    gated = cs.gated_shares(sims, 0.05)
    assert (gated <= themes_only + 1e-12).all()
    assert gated[0].min() > 0.4 and gated[1].max() < 0.05  # the off-topic paragraph is shut out


def test_seed_gate_keeps_the_default_when_the_gate_is_tiny_and_sentence_shares_are_shares():
    v = toy_vectors()
    v.seeds = np.array([[1.0, 0.0], [0.0, 0.6]])
    default = tv.VARIANTS["default"](v)
    tiny = cs.VARIANTS["seed evidence x min(1, share / 0.05)"](v)
    np.testing.assert_allclose(cs._seed_gate(1e-12)(v)[0], default[0])
    assert (tiny[0] <= default[0] + 1e-12).all() and tiny[0][1, 1] < default[0][1, 1]  # seed without meaning
    best = cs.sentence_shares_best(v)
    assert best.shape == (2, 2) and (best >= 0).all() and (best <= 1).all()
    assert best[0].min() > 0.9  # each of the two-theme paragraph's sentences is about one theme


def test_hubness_weight_zero_is_the_default_similarity():
    v = toy_vectors()
    np.testing.assert_allclose(cs.hubness_similarities(v, weight=0.0), tv.similarities(v))
    assert not np.allclose(cs.hubness_similarities(v, k=1, weight=1.0), tv.similarities(v))


def test_otsu_cuts_decide_as_the_default_and_prevalence_cuts_assign_the_estimated_count():
    rng = np.random.default_rng(3)
    scores = np.round(rng.random((40, 3)), 4)
    fit = np.ones(40, dtype=bool)
    np.testing.assert_array_equal(scores >= cs.otsu_cuts(scores, fit), tv.otsu_decisions(scores, fit))
    shares = rng.random((40, 3))
    cuts = cs.prevalence_cuts(scores, shares, fit)
    counts = np.bincount(shares.argmax(axis=1), minlength=3)
    np.testing.assert_array_equal((scores >= cuts).sum(axis=0), counts)  # distinct scores: no ties
    never = cs.prevalence_cuts(scores, np.tile([1.0, 0.0, 0.0], (40, 1)), fit)
    assert np.isinf(never[1:]).all() and (scores >= never).sum(axis=0)[0] == 40


def _set(name: str, truth: np.ndarray, keywords: np.ndarray) -> cs.LabelledSet:
    rows = [{"id": f"{name}{i}", "doc_type": "policy" if i % 2 else "news", "themes": []} for i in range(len(truth))]
    vectors = toy_vectors()
    vectors.fit = np.ones(len(truth), dtype=bool)  # the set's units (the toy vectors stand in for their scores' inputs)
    return cs.LabelledSet(name, rows, vectors, truth, keywords)


def test_cross_table_pairs_the_differences_and_pools_the_common_themes():
    rng = np.random.default_rng(0)
    truth = [rng.random((30, 2)) < 0.8, rng.random((25, 2)) < 0.8]
    sets = [_set(f"s{k}", t, np.zeros_like(t)) for k, t in enumerate(truth)]
    decided = {
        "default": [t.copy() for t in truth],
        "same": [t.copy() for t in truth],
        "none": [np.zeros_like(t) for t in truth],
    }
    text = cs.cross_table(sets, decided, n_boot=50)
    same = next(line for line in text.splitlines() if line.startswith("same"))
    assert "+0.000 [+0.000,+0.000]" in same and same.count("1.000") >= 4  # identical decisions: no difference
    none = next(line for line in text.splitlines() if line.startswith("none"))
    assert "-1.000 [-1.000,-1.000]" in none
    stacked = np.vstack(truth)
    assert cs.pooled_macro_f1(stacked, stacked, np.array([True, False])) == 1.0
    draws = cs.resamples([30, 25], 3)
    again = cs.resamples([30, 25], 3)
    assert all((a == b).all() for r, q in zip(draws, again, strict=True) for a, b in zip(r, q, strict=True))
    assert all(d[0].max() < 30 and d[1].max() < 25 for d in draws)
    scored = [(t.astype(float), t) for t in truth]
    report = cs.diagnostics(sets, scored)
    assert "macro-AUROC" in report and "paragraphs with an error: 0, of them marked borderline: 0" in report
    assert "per-theme cuts chosen once on all labels: mean macro-F1 1.000" in report
    assert "Otsu cuts per set: t0 " in report
    wrong = [(t.astype(float), ~t) for t in truth]
    assert f"paragraphs with an error: {55}" in cs.diagnostics(sets, wrong)
    table = cs.keyword_table(sets, decided, ["default"], n_boot=50)
    assert "s1" in table and "+1.000" in table  # perfect decisions against empty keyword ones


def test_taxonomy_variants_change_only_the_references(tmp_path: Path):
    base = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    seeds = yaml.safe_load(cs.taxonomy_variant(TAXONOMY, "seeds", tmp_path / "s.yaml").read_text(encoding="utf-8"))
    for old, new in zip(base["themes"], seeds["themes"], strict=True):
        assert new["examples"] == old["examples"] + old["seeds"] and new["seeds"] == old["seeds"]
    arabic = yaml.safe_load(
        cs.taxonomy_variant(TAXONOMY, "arabic_only", tmp_path / "a.yaml").read_text(encoding="utf-8")
    )
    assert all(any("\u0600" <= c <= "\u06ff" for c in e) for t in arabic["themes"] for e in t["examples"])
    assert len(arabic["none_examples"]) < len(base["none_examples"])
    items = yaml.safe_load(
        cs.taxonomy_variant(TAXONOMY, "description_items", tmp_path / "d.yaml").read_text(encoding="utf-8")
    )
    assert (
        "Cybercrime and spam" not in items["themes"][0]["examples"]
        and "cybercrime and spam" not in items["themes"][0]["examples"]
    )
    assert "cybercrime" in items["themes"][0]["examples"] and "spam" in items["themes"][0]["examples"]
    extra = tmp_path / "extra.yaml"
    extra.write_text("security: [one more]\nnone: [a match]\n", encoding="utf-8")
    more = yaml.safe_load(
        cs.taxonomy_variant(TAXONOMY, "extra", tmp_path / "e.yaml", extra).read_text(encoding="utf-8")
    )
    assert more["themes"][0]["examples"][-1] == "one more" and more["none_examples"][-1] == "a match"
    with pytest.raises(ValueError, match="taxonomy variant"):
        cs.taxonomy_variant(TAXONOMY, "shuffle", tmp_path / "x.yaml")
