"""Wordscores (Laver, Benoit & Garry 2003): place texts on a known scale from reference texts.

Reference texts with known positions A_r give every word a score: with F_wr the
relative frequency of word w in reference r and P(r|w) = F_wr / sum_r F_wr,

    S_w = sum_r P(r|w) A_r.

A "virgin" text v is scored by the frequency-weighted mean of the scores of its
words that occur in the references (other words are ignored):

    S_v = sum_w f_wv S_w,   f_wv = count_wv / sum_w' count_w'v,

with the analytic standard error of LBG (2003, eq. 4 and its footnote)

    SE_v = sqrt(sum_w f_wv (S_w - S_v)^2) / sqrt(N_v),

N_v being the number of scored tokens of v.  Raw scores are pulled towards the
middle (every text shares common words), so two rescalings are offered:

* ``lbg``: S*_v = (S_v - mean) * sd_ref / sd_raw + mean over the virgin texts
  (as in the paper and quanteda: mean/sd over the texts predicted together);
* ``mv`` (Martin & Vanberg 2008): map the raw scores of the lowest and highest
  reference texts onto their known positions; SEs scale by the same factor.

Verified against the worked example of LBG (2003, Table 1), bundled by quanteda
as ``data_dfm_lbgexample``: see tests/stages/test_wordscores.py.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass
class WordscoresPrediction:
    """The score of one virgin text; ``n_scored`` tokens of it had word scores."""

    name: str
    raw: float | None  # None when the text has no scored word
    se: float | None
    n_scored: int
    rescaled: float | None = None  # after `lbg` or `mv` rescaling, when asked for
    rescaled_se: float | None = None

    def interval(self, rescaled: bool = False, z: float = Z_95) -> tuple[float | None, float | None]:
        """Normal-approximation confidence interval (95% by default)."""
        score, se = (self.rescaled, self.rescaled_se) if rescaled else (self.raw, self.se)
        if score is None or se is None:
            return None, None
        return score - z * se, score + z * se


@dataclass
class Wordscores:
    """Linear Wordscores; ``fit`` on reference texts, then ``predict`` virgin texts.

    ``smoothing`` is added to every reference count before relative frequencies are
    taken (0 = the original method).
    """

    smoothing: float = 0.0

    features: list[str] = field(default_factory=list, init=False)
    word_scores: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False, repr=False)
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool), init=False, repr=False)
    reference_names: list[str] = field(default_factory=list, init=False)
    reference_scores: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False, repr=False)
    reference_raw: np.ndarray = field(default_factory=lambda: np.zeros(0), init=False, repr=False)

    def fit(
        self, counts: np.ndarray, scores: Sequence[float], features: Sequence[str], names: Sequence[str] | None = None
    ) -> Wordscores:
        """Word scores from a reference count matrix (references x features) and their positions."""
        counts = np.asarray(counts, dtype=float)
        scores_arr = np.asarray(scores, dtype=float)
        if counts.ndim != 2 or counts.shape[0] != len(scores_arr) or counts.shape[1] != len(features):
            raise ValueError("counts must be references x features, matching scores and features")
        if len(scores_arr) < 2 or np.ptp(scores_arr) == 0:
            raise ValueError("Wordscores needs at least two reference texts with different scores")
        original = counts
        counts = counts + self.smoothing
        totals = counts.sum(axis=1, keepdims=True)
        if np.any(totals == 0):
            raise ValueError("a reference text has no tokens")
        rel = counts / totals  # F_wr
        column = rel.sum(axis=0)
        self.scored = column > 0
        prob = np.divide(rel, column, out=np.zeros_like(rel), where=column > 0)  # P(r|w)
        self.word_scores = prob.T @ scores_arr
        self.features = list(features)
        self.reference_names = list(names) if names is not None else [f"R{i + 1}" for i in range(len(scores_arr))]
        self.reference_scores = scores_arr
        self.reference_raw = np.array([self._raw(row)[0] for row in original])
        return self

    def fit_texts(self, texts: Mapping[str, Sequence[str]], scores: Mapping[str, float]) -> Wordscores:
        """Fit from tokenised reference texts (name -> tokens) and name -> position."""
        names = sorted(texts)
        vocab = sorted({tok for name in names for tok in texts[name]})
        matrix = counts_matrix([texts[name] for name in names], vocab)
        return self.fit(matrix, [scores[name] for name in names], vocab, names)

    def word_score(self, feature: str) -> float | None:
        """S_w of a feature (None if it never occurs in the references)."""
        try:
            index = self.features.index(feature)
        except ValueError:
            return None
        return float(self.word_scores[index]) if self.scored[index] else None

    def _raw(self, row: np.ndarray) -> tuple[float | None, float | None, int]:
        row = np.where(self.scored, np.asarray(row, dtype=float), 0.0)
        total = row.sum()
        if total <= 0:
            return None, None, 0
        freq = row / total
        raw = float(freq @ self.word_scores)
        variance = float(freq @ (self.word_scores - raw) ** 2)
        return raw, math.sqrt(max(variance, 0.0)) / math.sqrt(total), int(total + 0.5)

    def predict(
        self, counts: np.ndarray, names: Sequence[str] | None = None, rescaling: str = "none"
    ) -> list[WordscoresPrediction]:
        """Score virgin texts (rows of ``counts`` over ``self.features``); rescaling none | lbg | mv."""
        counts = np.atleast_2d(np.asarray(counts, dtype=float))
        names = list(names) if names is not None else [f"V{i + 1}" for i in range(counts.shape[0])]
        out = []
        for name, row in zip(names, counts, strict=True):
            raw, se, n = self._raw(row)
            out.append(WordscoresPrediction(name, raw, se, n))
        if rescaling == "lbg":
            self._rescale_lbg(out)
        elif rescaling == "mv":
            self._rescale_mv(out)
        elif rescaling != "none":
            raise ValueError(f"unknown rescaling {rescaling!r}; expected none, lbg or mv")
        return out

    def predict_texts(self, texts: Mapping[str, Sequence[str]], rescaling: str = "none") -> list[WordscoresPrediction]:
        """Score tokenised virgin texts (name -> tokens), in sorted name order."""
        names = sorted(texts)
        return self.predict(counts_matrix([texts[n] for n in names], self.features), names, rescaling)

    def _rescale_lbg(self, predictions: list[WordscoresPrediction]) -> None:
        raws = np.array([p.raw for p in predictions if p.raw is not None])
        if len(raws) < 2 or np.std(raws, ddof=1) == 0:
            return  # the spread of one text is undefined: leave unrescaled
        mean, factor = raws.mean(), np.std(self.reference_scores, ddof=1) / np.std(raws, ddof=1)
        for p in predictions:
            if p.raw is not None:
                p.rescaled = float((p.raw - mean) * factor + mean)
                p.rescaled_se = float(p.se * factor)

    def _rescale_mv(self, predictions: list[WordscoresPrediction]) -> None:
        low, high = int(np.argmin(self.reference_scores)), int(np.argmax(self.reference_scores))
        span_raw = self.reference_raw[high] - self.reference_raw[low]
        if span_raw == 0:
            return
        factor = (self.reference_scores[high] - self.reference_scores[low]) / span_raw
        for p in predictions:
            if p.raw is not None:
                p.rescaled = float((p.raw - self.reference_raw[low]) * factor + self.reference_scores[low])
                p.rescaled_se = float(p.se * factor)


def counts_matrix(texts: Sequence[Sequence[str]], vocab: Sequence[str]) -> np.ndarray:
    """Texts x vocab count matrix (tokens outside ``vocab`` are dropped)."""
    index = {w: i for i, w in enumerate(vocab)}
    matrix = np.zeros((len(texts), len(vocab)))
    for row, tokens in enumerate(texts):
        for token, n in Counter(tokens).items():
            if token in index:
                matrix[row, index[token]] = n
    return matrix
