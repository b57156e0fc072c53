"""Seed evidence, the keyword baseline and label-free thresholds, shared by every theme scorer.

:class:`ThemeInput` is what a scorer sees.  The *seed evidence* of a unit is how many of a
theme's seed terms it contains (longest match first); :func:`evidence` maps a count to [0, 1).
:func:`keyword_scores` is the plain seed-matching baseline.  :func:`otsu_threshold` calibrates
a theme's assignment threshold from the corpus's own scores (Otsu's method), without labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ThemeInput:
    """What a scorer sees.  ``fit`` marks the units the models learn from."""

    docs: Sequence[list[str]] | Any  # features per unit: re-iterable with len(), read in passes (may be streamed)
    texts: Sequence[str] | Any  # display text per unit, re-iterable (sentence embeddings read natural text)
    seeds: list[list[list[str]]]  # per theme: each seed term as a feature sequence
    seed_texts: list[list[str]]  # per theme: the seed terms as written (natural Arabic)
    labels: list[str]  # per theme: Arabic label, for embeddings
    fit: list[bool]
    seed: int = 0
    norm_texts: Sequence[str] | Any = None  # normalised text per unit (seed phrases are matched on it); None: texts
    references: list[list[str]] | None = None  # per theme: labels, descriptions, example sentences (embedding side)
    none_texts: list[str] | None = None  # sentences that belong to no theme
    normalize: Any = None  # natural Arabic -> the normalisation of ``norm_texts`` (for seed phrases)
    featurize: Any = None  # natural Arabic -> features, as ``docs`` were made (for display words)

    @property
    def n_themes(self) -> int:
        return len(self.seeds)


# ---------------------------------------------------------------- seed evidence


def _occurrences(doc: list[str], term: tuple[str, ...]) -> int:
    n = len(term)
    if n == 0 or n > len(doc):
        return 0
    return sum(1 for i in range(len(doc) - n + 1) if tuple(doc[i : i + n]) == term)


def parts(features: list[str]) -> list[str]:
    """Learned phrases ("a_b") split back into words, so seed terms match whatever
    bigrams the phrase model happened to join around them."""
    return [p for f in features for p in f.split("_") if p]


def plain_seed_counts(data: ThemeInput) -> np.ndarray:
    """Occurrences of every seed term, each counted on its own (overlaps count twice)."""
    counts = np.zeros((len(data.docs), data.n_themes))
    terms = [sorted({tuple(parts(t)) for t in theme if t}) for theme in data.seeds]
    for i, doc in enumerate(parts(d) for d in data.docs):
        for j, unique in enumerate(terms):
            counts[i, j] = sum(_occurrences(doc, term) for term in unique)
    return counts


def seed_counts(data: ThemeInput) -> np.ndarray:
    """Seed-term matches, longest match first, left to right (a gazetteer).

    The longest seed term starting at a position consumes its tokens, so the
    full name of a body («اللجنة المعنية بتسخير العلم والتكنولوجيا لأغراض
    التنمية») counts for the theme that lists it and not for every shorter seed
    term inside it.
    """
    table: dict[tuple[str, ...], set[int]] = {}
    for j, terms in enumerate(data.seeds):
        for term in terms:
            if term:
                table.setdefault(tuple(parts(term)), set()).add(j)
    longest = max((len(t) for t in table), default=0)
    first = {t[0] for t in table}
    counts = np.zeros((len(data.docs), data.n_themes))
    for i, doc in enumerate(parts(d) for d in data.docs):
        pos = 0
        while pos < len(doc):
            if doc[pos] not in first:  # no seed term starts here (most words): skip the n-gram lookups
                pos += 1
                continue
            for n in range(min(longest, len(doc) - pos), 0, -1):
                hit = table.get(tuple(doc[pos : pos + n]))
                if hit:
                    for j in hit:
                        counts[i, j] += 1
                    pos += n
                    break
            else:
                pos += 1
    return counts


def evidence(counts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Seed counts -> [0, 1): one match gives 0.63 at scale 1, two 0.86."""
    return 1.0 - np.exp(-counts / scale)


def keyword_scores(data: ThemeInput) -> np.ndarray:
    """Baseline: ``c / (c + 1)`` of the plain seed-term count, so one match scores 0.5."""
    counts = plain_seed_counts(data)
    return counts / (counts + 1.0)


def otsu_threshold(values: np.ndarray) -> float | None:
    """Otsu's threshold of one theme's scores: the cut between two adjacent distinct
    values that maximises the between-group variance ``n0 * n1 * (mean1 - mean0)^2``
    (the first such cut on ties).  Parameter-free and label-free; None when the
    scores take fewer than two distinct values."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    distinct = np.unique(v)
    if distinct.size < 2:
        return None
    cuts = (distinct[:-1] + distinct[1:]) / 2.0
    total, n = v.sum(), v.size
    below = np.searchsorted(v, cuts)  # units under each cut
    csum = np.concatenate([[0.0], np.cumsum(v)])
    s0 = csum[below]
    n0, n1 = below.astype(np.float64), (n - below).astype(np.float64)
    between = n0 * n1 * (s0 / n0 - (total - s0) / n1) ** 2
    return float(cuts[int(np.argmax(between))])
