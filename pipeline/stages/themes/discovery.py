"""Candidate themes: clusters of units the taxonomy explains poorly (LSA of TF-IDF + k-means),
each described by its class-based TF-IDF top terms, for a user to name and add to the taxonomy.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np


def class_tfidf(docs: list[list[str]], labels: list[int], n_terms: int) -> dict[int, list[str]]:
    """Top terms per class by class-based TF-IDF: ``tf(t, c) / |c| * log(1 + A / f(t))``
    where ``A`` is the mean class size in tokens and ``f(t)`` the term's total count."""
    per_class: dict[int, Counter] = {}
    for doc, label in zip(docs, labels, strict=True):
        per_class.setdefault(label, Counter()).update(doc)
    total = Counter()
    for counts in per_class.values():
        total.update(counts)
    if not per_class:
        return {}
    mean_size = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    out = {}
    for label, counts in sorted(per_class.items()):
        size = max(sum(counts.values()), 1)
        weights = {t: c / size * math.log(1 + mean_size / total[t]) for t, c in counts.items()}
        out[label] = [t for t, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:n_terms]]
    return out


# Randomized SVD (Halko, Martinsson & Tropp 2011; scikit-learn's default solver) instead of ARPACK, and 5
# k-means restarts instead of 10: on 10 MB of news discovery took 20.6 s of a 37 s theme stage (issue 18;
# SVD 12.0 s, k-means 6.3 s).  Quality, bench/discovery_speed.py (1800 news items, 6 clusters, NMI against
# the news category, median (min-max) over seeds 0-4): ARPACK + 10 restarts 0.608 (0.601-0.627), randomized
# + 10 restarts 0.618 (0.605-0.629), + 5 restarts 0.618 (0.586-0.629), + 3 restarts 0.608 (0.544-0.622),
# + 1 restart 0.568 (0.543-0.622): 5 restarts keep the quality of 10 at half the k-means time; fewer
# widen the spread between seeds.
SVD_ALGORITHM = "randomized"
KMEANS_RESTARTS = 5


def lsa_vectors(docs: list[list[str]], dims: int, seed: int, algorithm: str = SVD_ALGORITHM) -> np.ndarray:
    """TF-IDF (sublinear) -> truncated SVD -> L2 rows: the space discovery clusters in; shape (len(docs), <= dims).

    ``algorithm``: scikit-learn's ``TruncatedSVD`` solver, ``"randomized"`` or ``"arpack"``."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    tfidf = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2 if len(docs) > 50 else 1)
    x = tfidf.fit_transform(docs)
    k = max(1, min(dims, x.shape[0] - 1, x.shape[1] - 1))
    if k < 2:
        return normalize(x.toarray())
    return normalize(TruncatedSVD(n_components=k, random_state=seed, algorithm=algorithm).fit_transform(x))


def cluster(
    docs: list[list[str]],
    k: int,
    seed: int,
    dims: int = 100,
    algorithm: str = SVD_ALGORITHM,
    restarts: int = KMEANS_RESTARTS,
) -> tuple[np.ndarray, np.ndarray]:
    """The discovery clustering: spherical k-means on LSA vectors; (labels (n,), vectors (n, <= dims)).

    ``restarts``: k-means runs from different seeds, the one with the lowest inertia kept."""
    from sklearn.cluster import KMeans

    vectors = lsa_vectors(docs, dims, seed, algorithm)
    k = max(1, min(k, len(docs)))
    labels = KMeans(n_clusters=k, n_init=restarts, random_state=seed).fit_predict(vectors)
    return labels, vectors


@dataclass
class Candidate:
    """A cluster of poorly explained units, proposed as a new theme."""

    id: str
    size: int
    top_terms: list[str]
    typical: list[dict[str, str]]  # {"unit_id", "text"}, most typical first
    units: list[str]
    nearest_theme: str | None  # taxonomy theme with the highest mean score among members

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": self.size,
            "top_terms": self.top_terms,
            "nearest_theme": self.nearest_theme,
            "typical": self.typical,
            "units": self.units,
        }
