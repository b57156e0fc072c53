"""Reuse of a theme stage's saved corpus-level models (:class:`pipeline.run.incremental.Models`):
documents scored before keep their saved score rows, new or changed ones are scored with the saved
vocabulary and thresholds, saved candidate themes keep their unchanged units, and the descriptions of
the themes (display words, coherence) are kept while their terms are.  A mixin of the stage classes in
:mod:`pipeline.stages.themes.stage`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from pipeline.run.corpora import UnitStream
from pipeline.stages.themes.discovery import Candidate
from pipeline.stages.themes.features import EvenSample, FeatureFile, UnitColumn, display_words
from pipeline.stages.themes.results import npmi_coherence
from pipeline.stages.themes.taxonomy import Theme

WIDE = 3  # display words are saved for this many times top_terms per theme: what a small change can bring up


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
    top_terms: int
    coherence_sample: int
    display_sample: int

    def score(self, data: Any) -> np.ndarray:  # pragma: no cover - the stage classes implement it
        raise NotImplementedError

    def theme_terms(self, *args: Any) -> list[list[str]]:  # pragma: no cover - ThemeDescription's
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

    def _coherence(self, top: list[list[str]], docs: FeatureFile, saved: Any) -> list[float | None]:
        """NPMI coherence of each theme's top terms over an even sample of the units
        (:func:`npmi_coherence`); under reused models (``saved``: [[terms, coherence], ...] of the fit),
        a theme whose top terms are those saved keeps its saved figure and only the others are
        computed (a topic's NPMI depends on its own set of terms only), so a small change costs no pass."""
        out: list[float | None] = [None] * len(top)
        same = isinstance(saved, list) and len(saved) == len(top)
        kept = set()
        for j, entry in enumerate(saved if same else []):
            # NPMI is over all pairs of the terms: their order does not count
            if isinstance(entry, list) and len(entry) == 2 and sorted(entry[0] or []) == sorted(top[j]):
                out[j] = entry[1]
                kept.add(j)
        todo = [j for j in range(len(top)) if j not in kept]
        if todo:
            found = npmi_coherence([top[j] for j in todo], EvenSample(docs, self.coherence_sample))
            for j, value in zip(todo, found, strict=True):
                out[j] = value
        return out

    def _wide_terms(
        self, docs: FeatureFile, counted: np.ndarray, themes: list[Theme], weights: np.ndarray, cuts: dict[str, float]
    ) -> tuple[set[str], list[list[str]]]:
        """(the features of :meth:`theme_terms` with :data:`WIDE` times ``top_terms`` per theme, the top terms),
        in the same one pass: the first ``top_terms`` are the top terms (the ranking is a sort), the rest
        are the terms a small change can bring up, whose display words are saved with the model."""
        narrow = self.top_terms
        self.top_terms = narrow * WIDE
        try:
            wide = self.theme_terms(docs, counted, themes, weights, cuts)
        finally:
            self.top_terms = narrow
        return {f for terms in wide for f in terms}, [terms[:narrow] for terms in wide]

    def _display(self, corpus: Any, data: Any, asked: set[str], extra: set[str], saved: Any) -> dict[str, str]:
        """Feature -> the words shown for it, for every feature in ``asked`` and ``extra`` (its own text
        when never seen): :func:`display_words` over an even sample of the units (a feature's words do not
        depend on the other features asked).  Under reused models (``saved``: the fit's map) the saved map
        when it covers ``asked`` -- the sample is then not read: a small change costs no pass."""
        if isinstance(saved, dict) and asked <= saved.keys():
            return {str(f): str(w) for f, w in saved.items()}
        wanted = asked | extra
        found = display_words(
            EvenSample(corpus.units, self.display_sample), data.featurize or (lambda text: text.split()), wanted
        )
        return {f: found.get(f, f) for f in wanted}
