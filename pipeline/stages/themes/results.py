"""What the theme stage reports: a :class:`ThemeRow` per theme (themes.csv), the :class:`ThemeResult`
left for later stages, and the summaries in a row (how sure the assignment is, NPMI coherence).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.stages.themes.discovery import Candidate
from pipeline.stages.themes.taxonomy import Theme

NEAR = 0.05  # a score this close to its theme's threshold is an unsure decision


def score_summary(scores: np.ndarray, thresholds: list[float]) -> list[dict[str, Any]]:
    """How sure the assignment is, per theme (column of ``scores``, counted units only): the median
    score of the units assigned the theme, the 90th percentile of the others, and how many units
    score within :data:`NEAR` of the threshold."""
    out = []
    for j, cut in enumerate(thresholds):
        column = np.round(scores[:, j], 4) if len(scores) else np.zeros(0)
        above, below = column[column >= cut], column[column < cut]
        out.append(
            {
                "score_median_assigned": round(float(np.median(above)), 4) if above.size else None,
                "score_p90_unassigned": round(float(np.percentile(below, 90)), 4) if below.size else None,
                "near_threshold": int((np.abs(column - cut) < NEAR).sum()),
            }
        )
    return out


@dataclass
class ThemeRow:
    """One line of themes.csv."""

    id: str
    label_ar: str
    label_en: str
    paragraphs: int
    share: float
    top_terms: list[str]
    coherence: float | None
    threshold: float = 0.5  # the score that assigns this theme
    score_median_assigned: float | None = None  # median score of the counted units assigned the theme
    score_p90_unassigned: float | None = None  # 90th percentile of the scores of the counted units not assigned it
    near_threshold: int = 0  # counted units scoring within NEAR of the threshold (either side): the unsure ones
    learned_terms: list[str] = field(default_factory=list)  # vocabulary the method learned from the corpus

    def csv_fields(self) -> list[Any]:
        """The row as written to themes.csv: scores with 4 decimals, None as an empty field."""
        return [
            self.id,
            self.label_ar,
            self.label_en,
            self.paragraphs,
            f"{self.share:.4f}",
            self.top_terms,  # words, ";"-separated (a display phrase has a space inside)
            "" if self.coherence is None else f"{self.coherence:.4f}",
            f"{self.threshold:.4f}",
            "" if self.score_median_assigned is None else f"{self.score_median_assigned:.4f}",
            "" if self.score_p90_unassigned is None else f"{self.score_p90_unassigned:.4f}",
            self.near_threshold,
            self.learned_terms,
        ]


@dataclass
class ThemeResult:
    """What the theme stage leaves in ``corpus.results["themes"]`` for later stages.

    ``method``: registered name of the scorer; ``themes``: the taxonomy, in YAML
    order; ``rows``: themes.csv as records; ``candidates``: discovered themes;
    ``counted``: unit ids the shares are over (paragraphs and summaries);
    ``min_score``: the fixed threshold (the fallback under ``threshold: otsu``);
    ``thresholds``: the threshold each theme was assigned at.  Per-unit themes and
    scores live on the units themselves (``unit.themes``, ``unit.theme_scores``).
    """

    method: str
    themes: list[Theme]
    rows: list[ThemeRow]
    candidates: list[Candidate]
    counted: list[str]
    min_score: float
    thresholds: dict[str, float] = field(default_factory=dict)

    def row(self, theme_id: str) -> ThemeRow:
        return next(r for r in self.rows if r.id == theme_id)


class _NonEmpty:
    """The non-empty feature lists of a re-iterable, re-iterable itself (gensim reads it in passes)."""

    def __init__(self, texts: Iterable[list[str]]) -> None:
        self.texts = texts

    def __iter__(self) -> Iterator[list[str]]:
        return (t for t in self.texts if t)


def npmi_coherence(topics: list[list[str]], texts: Iterable[list[str]]) -> list[float | None]:
    """gensim ``CoherenceModel`` NPMI (sliding window over the units) per topic; None when undefined.

    ``texts`` is re-iterable and read as a stream (it may be the whole corpus)."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    texts = _NonEmpty(texts)
    usable = [i for i, t in enumerate(topics) if len(t) >= 2]
    out: list[float | None] = [None] * len(topics)
    if not usable or next(iter(texts), None) is None:
        return out
    dictionary = Dictionary(texts)
    model = CoherenceModel(
        topics=[topics[i] for i in usable], texts=texts, dictionary=dictionary, coherence="c_npmi", processes=1
    )
    for i, value in zip(usable, model.get_coherence_per_topic(), strict=True):
        out[i] = None if value is None or not np.isfinite(value) else round(float(value), 4)
    return out
