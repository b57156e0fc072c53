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


def lsa_vectors(docs: list[list[str]], dims: int, seed: int) -> np.ndarray:
    """TF-IDF (sublinear) -> truncated SVD -> L2 rows: the space discovery clusters in."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    tfidf = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=2 if len(docs) > 50 else 1)
    x = tfidf.fit_transform(docs)
    k = max(1, min(dims, x.shape[0] - 1, x.shape[1] - 1))
    if k < 2:
        return normalize(x.toarray())
    return normalize(TruncatedSVD(n_components=k, random_state=seed, algorithm="arpack").fit_transform(x))


def cluster(docs: list[list[str]], k: int, seed: int, dims: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The discovery clustering: spherical k-means on LSA vectors; (labels, vectors)."""
    from sklearn.cluster import KMeans

    vectors = lsa_vectors(docs, dims, seed)
    k = max(1, min(k, len(docs)))
    labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)
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
