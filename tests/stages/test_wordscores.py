"""Wordscores: the Laver, Benoit & Garry (2003) worked example and small exact cases."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from pipeline.stages.stakeholders.wordscores import Wordscores, counts_matrix
from tests.conftest import shared_path


def _lbg_example():
    folder = shared_path("wordscores-lbg2003")
    with open(folder / "counts.csv", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    features = rows[0][1:]
    counts = {row[0]: [int(x) for x in row[1:]] for row in rows[1:]}
    with open(folder / "reference_scores.csv", encoding="utf-8") as handle:
        scores = {row["document"]: float(row["score"]) for row in csv.DictReader(handle)}
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return features, counts, scores, expected


def test_lbg_worked_example_raw_scores_and_standard_error():
    features, counts, scores, expected = _lbg_example()
    refs = sorted(scores)
    model = Wordscores().fit(np.array([counts[r] for r in refs]), [scores[r] for r in refs], features, refs)
    for word, value in expected["published"]["word_scores"]["value"].items():
        assert model.word_score(word) == pytest.approx(value, abs=1e-6)
    names = [*refs, "V1"]
    predicted = {p.name: p for p in model.predict(np.array([counts[n] for n in names]), names)}
    assert predicted["V1"].raw == pytest.approx(expected["published"]["V1_raw_approx"]["value"], abs=0.01)
    for name, value in expected["published"]["raw_scores"]["value"].items():
        assert predicted[name].raw == pytest.approx(value, abs=1e-6)
    assert predicted["V1"].se == pytest.approx(expected["computed_here"]["V1_raw_se"], abs=1e-6)
    assert predicted["V1"].n_scored == 1000


def test_lbg_worked_example_rescalings():
    features, counts, scores, expected = _lbg_example()
    refs = sorted(scores)
    model = Wordscores().fit(np.array([counts[r] for r in refs]), [scores[r] for r in refs], features, refs)
    names = [*refs, "V1"]
    matrix = np.array([counts[n] for n in names])
    mv = {p.name: p for p in model.predict(matrix, names, rescaling="mv")}
    for name, value in expected["published"]["mv_rescaled"]["fit"].items():
        assert mv[name].rescaled == pytest.approx(value, abs=1e-6)
        assert mv[name].rescaled_se == pytest.approx(expected["published"]["mv_rescaled"]["se_fit"][name], abs=1e-6)
    low, high = mv["V1"].interval(rescaled=True)
    assert (low, high) == pytest.approx(tuple(expected["published"]["mv_rescaled"]["V1_95ci"]), abs=1e-6)
    lbg = {p.name: p for p in model.predict(matrix, names, rescaling="lbg")}
    for name, value in expected["published"]["lbg_rescaled"]["value"].items():
        assert lbg[name].rescaled == pytest.approx(value, abs=1e-6)


def test_two_references_exact_scores():
    # left uses only a/b, right only c/d, "s" is shared: S_a = -1, S_c = +1, S_s = 0.
    model = Wordscores().fit_texts(
        {"left": ["a", "b", "s", "s"], "right": ["c", "d", "s", "s"]}, {"left": -1, "right": 1}
    )
    assert model.word_score("a") == -1.0
    assert model.word_score("s") == 0.0
    assert model.word_score("zzz") is None
    (virgin,) = model.predict_texts({"v": ["a", "a", "c", "unknown", "unknown"]})
    assert virgin.n_scored == 3  # words the references never use are ignored
    assert virgin.raw == pytest.approx(-1 / 3)
    # SE = sqrt(sum f (S_w - S_v)^2) / sqrt(N)
    variance = (2 / 3) * (-1 + 1 / 3) ** 2 + (1 / 3) * (1 + 1 / 3) ** 2
    assert virgin.se == pytest.approx(np.sqrt(variance) / np.sqrt(3))
    (empty,) = model.predict_texts({"e": ["unknown"]})
    assert empty.raw is None and empty.interval() == (None, None)


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="two reference texts"):
        Wordscores().fit(np.array([[1, 2]]), [0.0], ["a", "b"])
    with pytest.raises(ValueError, match="different scores"):
        Wordscores().fit(np.array([[1, 2], [2, 1]]), [1.0, 1.0], ["a", "b"])
    model = Wordscores().fit(np.array([[1, 0], [0, 1]]), [-1.0, 1.0], ["a", "b"])
    with pytest.raises(ValueError, match="rescaling"):
        model.predict(np.array([[1, 1]]), rescaling="zscore")


def test_counts_matrix_drops_unknown_tokens():
    assert counts_matrix([["a", "b", "a", "x"]], ["a", "b"]).tolist() == [[2.0, 1.0]]
