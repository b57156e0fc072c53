"""Tests for the calibrated decision layer of the semantic theme method (pipeline.stages.themes.calibration)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import yaml

from pipeline.errors import ConfigError, InputError
from pipeline.stages.themes import calibration as cal
from pipeline.stages.themes import stage as th
from tests.conftest import default_config_data
from tests.stages.test_themes import _semantic_taxonomy, _semantic_units, _toy_corpus


def _synthetic(n: int = 120, t: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Units whose theme is marked by a high ``vs_none`` and ``share``; the other features are noise."""
    rng = np.random.default_rng(seed)
    y = np.zeros((n, t), dtype=bool)
    y[np.arange(n), rng.integers(0, t, n)] = True
    y[rng.random(n) < 0.3] = False  # a third of the units have no theme
    x = rng.normal(0, 1, (n, t, len(cal.FEATURES)))
    x[..., 0] += 2.5 * y
    x[..., 3] += 2.5 * y
    return x, y, [f"doc{i % 7}" for i in range(n)]


def test_decision_features_margin_is_to_the_best_other_theme():
    sim = np.array([[0.5, 0.3, 0.1], [0.2, 0.2, 0.4]])
    x = cal.decision_features(sim, np.array([0.25, 0.1]), np.zeros((2, 3)), np.ones((2, 3)), np.zeros((2, 3)))
    assert x.shape == (2, 3, len(cal.FEATURES))
    assert x[0, :, 1] == pytest.approx([0.2, -0.2, -0.4])  # the top theme: its lead over the runner-up
    assert x[1, :, 1] == pytest.approx([-0.2, -0.2, 0.2])
    assert x[0, :, 0] == pytest.approx([0.25, 0.05, -0.15])  # minus the "no theme" similarity
    assert (x[..., 2] == 1).all()


def test_calibrator_learns_the_informative_features_and_a_cross_validated_cut():
    x, y, groups = _synthetic()
    model = cal.ThemeCalibrator(C=1.0).fit(x, y, groups)
    assert model.coef_[0] > 0.5 and model.coef_[3] > 0.5  # the two features that carry the theme
    assert all(abs(c) < 0.5 for c in model.coef_[[1, 2, 4]])  # noise
    assert model.threshold_ in model.grid and model.cv_macro_f1_ > 0.8
    # the cut is the out-of-fold optimum, not something else
    oof = model.out_of_fold(x, y, groups)
    assert cal.macro_f1(y, oof >= model.threshold_) == pytest.approx(model.cv_macro_f1_)
    assert max(cal.macro_f1(y, oof >= c) for c in model.grid) == pytest.approx(model.cv_macro_f1_)
    new_x, new_y, _ = _synthetic(seed=1)
    assert cal.macro_f1(new_y, model.predict(new_x)) > 0.8  # generalises to fresh units


def test_calibrator_is_deterministic_and_round_trips_through_json(tmp_path):
    x, y, _ = _synthetic()
    a, b = cal.ThemeCalibrator(C=0.1).fit(x, y), cal.ThemeCalibrator(C=0.1).fit(x, y)
    assert a.to_dict() == b.to_dict()
    a.save(tmp_path / "c.json", note="test")
    loaded = cal.ThemeCalibrator.load(tmp_path / "c.json")
    assert loaded.threshold_ == a.threshold_
    assert np.abs(loaded.predict_proba(x) - a.predict_proba(x)).max() < 1e-6


def test_group_folds_keep_a_document_in_one_fold():
    folds = cal.fold_ids(10, 3, ["b", "a", "c", "a", "d", "b", "e", "c", "a", "d"])
    by_doc = {}
    for g, f in zip(["b", "a", "c", "a", "d", "b", "e", "c", "a", "d"], folds, strict=True):
        by_doc.setdefault(g, set()).add(int(f))
    assert all(len(v) == 1 for v in by_doc.values()) and set(folds.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="2 groups for 3 folds"):
        cal.fold_ids(4, 3, ["a", "b", "a", "b"])


def test_bad_calibration_files_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        cal.ThemeCalibrator.load(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not a theme calibration"):
        cal.ThemeCalibrator.load(tmp_path / "bad.json")
    data = json.loads(cal.SHIPPED.read_text(encoding="utf-8"))
    (tmp_path / "short.json").write_text(json.dumps({**data, "coef_": [1.0, 2.0]}), encoding="utf-8")
    with pytest.raises(InputError, match="5 values each"):
        cal.ThemeCalibrator.load(tmp_path / "short.json")
    with pytest.raises(ValueError, match="not fitted"):
        cal.ThemeCalibrator().predict_proba(np.zeros((1, 2, 5)))


def test_shipped_calibration_was_fitted_and_scores_in_order():
    model = cal.ThemeCalibrator.load()
    assert model.n_samples_fit_ >= 150 and 0.1 <= model.threshold_ <= 0.9
    # more evidence of every kind never lowers P(theme)
    assert (model.coef_[:4] > 0).all()


def test_calibrated_decision_assigns_at_the_calibrators_cut(tmp_path):
    corpus = _toy_corpus(tmp_path, _semantic_units())
    stage = th.lookup_stage("semantic")(taxonomy=_semantic_taxonomy(tmp_path), n_candidates=0, decision="calibrated")
    stage.apply(corpus)
    cut = cal.ThemeCalibrator.load().threshold_
    with open(corpus.output / "themes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {float(r["threshold"]) for r in rows} == {cut}
    for unit in corpus.units:
        assert unit.themes == sorted((t for t, s in unit.theme_scores.items() if s >= cut),
                                     key=lambda t: (-unit.theme_scores[t], t))  # fmt: skip
    themes = {u.unit_id: u.themes for u in corpus.units}
    assert themes["d/p1"] == ["security"] and themes["d/p5"] == [] and themes["d/p6"] == []


def test_decision_option_is_checked_at_load(tmp_path):
    from pipeline import config as config_module

    data = default_config_data(tmp_path / "out")
    data["stages"]["themes"]["options"]["decision"] = "magic"
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="decision"):
        config_module.load(path)
    data["stages"]["themes"]["options"].update(decision="calibrated", calibration=str(tmp_path / "absent.json"))
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="calibration"):
        config_module.load(path)


def test_vector_cache_persists_across_runs_and_changes_nothing(tmp_path):
    """A second run on the same output reads every sentence vector back instead of encoding it."""
    runs = []
    for _ in range(2):
        corpus = _toy_corpus(tmp_path, _semantic_units())
        counts = th.lookup_stage("semantic")(taxonomy=_semantic_taxonomy(tmp_path), n_candidates=0).apply(corpus)
        runs.append((counts, (corpus.output / "themes.csv").read_bytes(), [u.to_json() for u in corpus.units]))
    (first, csv1, units1), (second, csv2, units2) = runs
    assert first["texts_encoded"] > 0 and first["texts_cached"] == 0
    assert second["texts_encoded"] == 0 and second["texts_cached"] == first["texts_encoded"]
    assert (csv1, units1) == (csv2, units2)
    assert (corpus.output / ".cache" / "themes-usem3.sqlite").is_file()
    # without the option nothing is stored and everything is encoded again
    corpus = _toy_corpus(tmp_path, _semantic_units())
    stage = th.lookup_stage("semantic")(taxonomy=_semantic_taxonomy(tmp_path), n_candidates=0, vector_cache=False)
    assert stage.apply(corpus)["texts_encoded"] == first["texts_encoded"]
