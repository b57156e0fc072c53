"""Reuse of a theme stage's saved corpus-level models (:class:`pipeline.run.incremental.Models`):
documents scored before keep their saved score rows, new or changed ones are scored with the saved
vocabulary and thresholds, saved candidate themes keep their unchanged units.  A mixin of the stage
classes in :mod:`pipeline.stages.themes.stage`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from pipeline.run.corpora import UnitStream
from pipeline.stages.themes.discovery import Candidate
from pipeline.stages.themes.features import UnitColumn
from pipeline.stages.themes.taxonomy import Theme


class _Documents:
    """The units of some documents of a :class:`UnitStream` (``documents``: their indices, ascending;
    ``size``: their units), re-iterable like the stream."""

    def __init__(self, stream: UnitStream, documents: list[int], size: int) -> None:
        self.stream, self.documents, self.size = stream, documents, size

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Any]:
        for d in self.documents:
            yield from self.stream.document(d)

    def per_document(
        self, slot: str, compute: Callable[[list[Any]], Any], check: Callable[[list[Any], Any], bool] | None = None
    ) -> Iterator[tuple[list[Any], Any]]:
        """:meth:`UnitStream.per_document` over these documents (cached per document like the stream's)."""
        return self.stream.per_document(slot, compute, self.documents, check)


class ModelReuse:
    """Transform-only scoring under saved models (:meth:`_transform`) for a theme stage."""

    min_candidate_size: int
    learned: list[list[str]]

    def score(self, data: Any) -> np.ndarray:  # pragma: no cover - the stage classes implement it
        raise NotImplementedError

    def _transform(
        self, corpus: Any, data: Any, sizes: np.ndarray, themes: list[Theme], models: Any
    ) -> tuple[np.ndarray, dict[str, float], np.ndarray] | None:
        """With reusable saved models (``models.reuse``, the same themes): (scores, thresholds, changed)
        -- the saved score rows of documents scored before (same cache key, same units), the documents
        new since then scored with the saved learned vocabulary, the saved thresholds; ``changed`` marks
        the units scored now.  None when the models are not reused (the caller fits them)."""
        saved = (models.saved.get("themes") or {}) if models is not None and models.reuse else {}
        if saved.get("themes") != [t.id for t in themes] or not isinstance(corpus.units, UnitStream):
            if models is not None and models.reuse:
                models.reuse, models.reason = (
                    False,
                    f"saved theme model does not fit this run: refitted ({models.reason})",
                )
            return None
        old, rows = models.saved_scores(), models.saved_rows()
        scores = np.zeros((len(sizes), len(themes)))
        changed = np.zeros(len(sizes), dtype=bool)
        todo, start = [], 0
        for d, r in enumerate(corpus.documents):
            k = r.n_units or len(r.units)
            first, count = rows.get(r.stored or "", (0, -1))
            if old is not None and count == k and first + k <= len(old):
                scores[start : start + k] = old[first : first + k]
            else:
                todo.append(d)
                changed[start : start + k] = True
            start += k
        if start != len(sizes):  # pragma: no cover - the documents' unit counts are those of the stream
            models.reuse, models.reason = False, f"unit counts differ from the saved model: refitted ({models.reason})"
            return None
        self.learned = [list(t) for t in saved["learned"]]
        if todo:
            units = _Documents(corpus.units, todo, int(changed.sum()))
            column = lambda c: None if c is None else UnitColumn(units, c.value)  # noqa: E731
            fixed = replace(
                data, docs=column(data.docs), texts=column(data.texts), norm_texts=column(data.norm_texts),
                fit=[bool(k >= 3) for k in sizes[changed]],
            )  # fmt: skip
            scores[changed] = self.transform(fixed, self.learned)
        return scores, {t.id: float(saved["thresholds"][t.id]) for t in themes}, changed

    def transform(self, data: Any, learned: list[list[str]]) -> np.ndarray:
        """Scores of ``data``'s units under saved corpus-level models (``learned``: the saved vocabulary).
        Methods whose scores need no corpus-level fit score as usual."""
        return self.score(data)

    def _kept_candidates(self, saved: list[dict[str, Any]], kept: set[str]) -> list[Candidate]:
        """The saved candidate themes with only the units in ``kept``; those left too small are dropped."""
        out = []
        for c in saved:
            units = [u for u in c["units"] if u in kept]
            if len(units) < self.min_candidate_size:
                continue
            typical = [t for t in c["typical"] if t["unit_id"] in kept]
            out.append(
                Candidate(
                    id=c["id"], size=len(units), top_terms=list(c["top_terms"]), typical=typical, units=units,
                    nearest_theme=c["nearest_theme"],
                )
            )  # fmt: skip
        return sorted(out, key=lambda c: (-c.size, c.id))
