"""Seed-phrase highlighting in the paragraph browser: where the taxonomy's seed phrases occur in
display text, found by the project's one seed matcher (:class:`pipeline.text.gazetteer.PhraseMatcher`,
the matcher whose matches the theme scorer counts as evidence)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.text.arabic import light_fold
from pipeline.text.gazetteer import PhraseMatcher, surface_words

_WORD = re.compile(r"[\w\u064b-\u065f\u0670]+")  # letters, digits and Arabic diacritics; not ، ؛ ؟


class SeedHighlighter:
    """Marks seed phrases in display text.

    ``seeds``: theme id -> seed phrases (natural Arabic).  ``normalize``: natural Arabic -> the
    run's normalised text (``Corpus.normalize``: repair, then normalisation), applied to the seeds
    and to each display word alike; without it the light matching fold stands in.  A phrase listed
    by two themes is marked for the first theme id in sorted order.
    """

    def __init__(self, seeds: dict[str, list[str]], normalize: Callable[[str], str] | None = None):
        self.themes = sorted(seeds)
        self._normalize = normalize or light_fold
        self._cache: dict[str, list[str]] = {}
        self.matcher = PhraseMatcher([seeds[t] for t in self.themes], self._safe_normalize)

    def _safe_normalize(self, text: str) -> str:
        try:
            return self._normalize(text)
        except Exception:  # a stage that cannot normalise a fragment must not sink the report
            return light_fold(text)

    def _words(self, word: str) -> list[str]:
        if word not in self._cache:
            self._cache[word] = surface_words(self._safe_normalize(word))
        return self._cache[word]

    def segments(self, text: str) -> list[dict[str, Any]]:
        """``text`` cut into plain and matched pieces: ``[{"text", "theme", "seed"}]``; joined they give ``text``."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        if not self.matcher.table or not words:
            return [{"text": text, "theme": None, "seed": None}] if text else []
        stream = [(part, index) for index, (_, _, word) in enumerate(words) for part in self._words(word)]
        out: list[dict[str, Any]] = []
        cursor, last_word = 0, -1
        for pos, n, key in self.matcher.match_words([part for part, _ in stream]):
            first, last = stream[pos][1], stream[pos + n - 1][1]
            if first <= last_word:  # two parts of one display word matched twice
                continue
            start, end = words[first][0], words[last][1]
            if start > cursor:
                out.append({"text": text[cursor:start], "theme": None, "seed": None})
            theme = self.themes[min(self.matcher.table[key])]
            out.append({"text": text[start:end], "theme": theme, "seed": self.matcher.phrases[key]})
            cursor, last_word = end, last
        if cursor < len(text):
            out.append({"text": text[cursor:], "theme": None, "seed": None})
        return out
