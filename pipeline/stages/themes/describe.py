"""The theme stage's descriptions of what it found: candidate themes (clusters of paragraphs no
theme explains) and the top terms of each theme.  A mixin of the stage classes in
:mod:`pipeline.stages.themes.stage`, which hold the options read here (``explained_below``,
``n_candidates``, ``min_candidate_size``, ``top_terms``, ``typical``, ``discovery_sample``, ``min_score``).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from pipeline.names import natural_key
from pipeline.stages.themes.discovery import Candidate, class_tfidf, cluster
from pipeline.stages.themes.features import EvenSample, FeatureFile, UnitColumn
from pipeline.stages.themes.taxonomy import Theme

FIT_FEATURES = 3  # units with fewer features are not clustered (as corpus-level fits leave them out: ThemeInput.fit)


class ThemeDescription:
    """Candidate themes (:meth:`discover`) and top terms (:meth:`theme_terms`) of a theme stage."""

    explained_below: float
    n_candidates: int
    min_candidate_size: int
    top_terms: int
    typical: int
    discovery_sample: int
    min_score: float

    def discover(
        self,
        corpus: Any,
        docs: FeatureFile | UnitColumn,
        scores: np.ndarray,
        themes: list[Theme],
        thresholds: dict[str, float],
        counted: np.ndarray,
    ) -> list[Candidate]:
        """Clusters of counted units that no theme explains: every score below
        ``min(explained_below, the theme's threshold)``.  ``counted`` marks the counted units
        with features.  Above ``discovery_sample`` such units, an evenly spaced sample of them
        is clustered."""
        cut = np.array([min(self.explained_below, thresholds[t.id]) for t in themes])
        sizes = getattr(docs, "sizes", None)
        if sizes is not None:  # a heading or a figure line ("how we achieve our vision?") is not a topic's paragraph
            counted = np.asarray(counted, dtype=bool) & (np.asarray(sizes) >= FIT_FEATURES)
        explained = (np.round(scores, 4) >= cut).any(axis=1) if len(scores) else np.zeros(0, dtype=bool)
        poor = np.array(
            list(EvenSample(np.flatnonzero(np.asarray(counted, dtype=bool) & ~explained), self.discovery_sample))
        )
        k = min(self.n_candidates, len(poor) // max(self.min_candidate_size, 1))
        if k < 1:
            return []
        wanted = set(int(i) for i in poor)
        pdocs, pids, ptexts = [], [], []
        for i, unit in enumerate(corpus.units):  # one pass (features from the unit in hand)
            if i in wanted:
                pdocs.append(docs.value(unit))
                pids.append(unit.unit_id)
                ptexts.append(unit.text)
        labels, vectors = cluster(pdocs, k, corpus.seed)
        terms = class_tfidf(pdocs, [int(x) for x in labels], self.top_terms)
        candidates = []
        for label in sorted(set(int(x) for x in labels)):
            members = [m for m, lab in enumerate(labels) if lab == label]
            if len(members) < self.min_candidate_size:
                continue
            centre = vectors[members].mean(axis=0)
            typical = sorted(members, key=lambda m: (-float(vectors[m] @ centre), pids[m]))
            mean_scores = scores[[int(poor[m]) for m in members]].mean(axis=0)
            top = terms[label]
            digest = hashlib.sha1(" ".join(sorted(top[:5])).encode()).hexdigest()[:8]
            candidates.append(
                Candidate(
                    id=f"candidate_{digest}",
                    size=len(members),
                    top_terms=top,
                    typical=[
                        {"unit_id": pids[m], "text": ptexts[m]} for m in _distinct(typical, ptexts)[: self.typical]
                    ],
                    units=sorted((pids[m] for m in members), key=natural_key),
                    nearest_theme=themes[int(np.argmax(mean_scores))].id if mean_scores.max() > 0 else None,
                )
            )
        return sorted(candidates, key=lambda c: (-c.size, c.id))

    def theme_terms(
        self,
        docs: Iterable[list[str]],
        counted: np.ndarray,
        themes: list[Theme],
        weights: np.ndarray,
        thresholds: dict[str, float] | None = None,
    ) -> list[list[str]]:
        """Top terms per theme: class-based TF-IDF over the counted units (``counted`` marks
        them) assigned the theme, each weighted by its score.  One pass over ``docs``."""
        cut = np.array([(thresholds or {}).get(t.id, self.min_score) for t in themes])
        total: Counter = Counter()
        tf: list[Counter] = [Counter() for _ in themes]
        for i, doc in enumerate(docs):
            if not counted[i]:
                continue
            bag = Counter(doc)
            total.update(bag)
            for j in np.flatnonzero(weights[i] >= cut):
                w = weights[i, j]
                for t, c in bag.items():
                    tf[j][t] += c * w
        out = []
        mean_size = sum(total.values()) / max(len(themes), 1)
        for j in range(len(themes)):
            size = sum(tf[j].values())
            if not size:
                out.append([])
                continue
            ranked = sorted(
                ((t, c / size * math.log(1 + mean_size / total[t])) for t, c in tf[j].items()),
                key=lambda kv: (-kv[1], kv[0]),
            )
            out.append([t for t, _ in ranked[: self.top_terms]])
        return out


def _distinct(members: list[int], texts: list[str]) -> list[int]:
    """``members`` without those whose text (spaces squashed) an earlier one already has: a page's menu
    line repeated on every page is one typical paragraph, not three."""
    seen: set[str] = set()
    kept = []
    for m in members:
        key = " ".join(texts[m].split())
        if key not in seen:
            seen.add(key)
            kept.append(m)
    return kept
