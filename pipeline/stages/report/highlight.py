"""Seed-term highlighting in the paragraph browser: where the taxonomy's seed terms occur in display text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pipeline.text.arabic import light_fold

_WORD = re.compile(r"[\w\u064b-\u065f\u0670]+")  # letters, digits and Arabic diacritics; not ، ؛ ؟
_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


def fold(word: str) -> str:
    """Light Arabic folding for matching when no pipeline features are at hand."""
    word = light_fold(word)
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


class SeedMatcher:
    """Finds seed terms in display text: words are compared by their features, phrases as sequences.

    ``featurize`` maps natural Arabic to model features (the run's own
    repair -> normalise -> tokenise chain, ``Corpus.featurize``), so «بالإنترنت»
    matches the seed «الإنترنت» exactly when the models see the same feature.
    Without it a light folding with prefix stripping stands in.
    """

    def __init__(self, seeds: dict[str, list[str]], featurize: Callable[[str], list[str]] | None = None):
        self._featurize = featurize
        self._cache: dict[str, tuple[str, ...]] = {}
        patterns: dict[tuple[str, ...], tuple[str, str]] = {}
        for theme in sorted(seeds):
            for seed in seeds[theme]:
                key = tuple(part for feature in self.features(seed) for part in feature.split("_") if part)
                if key and key not in patterns:  # first theme (sorted) wins a seed shared by two themes
                    patterns[key] = (theme, seed)
        # longest first: a longer seed term wins over a shorter one inside it
        self.patterns = sorted(patterns.items(), key=lambda item: (-len(item[0]), item[0]))
        self.max_len = max((len(key) for key, _ in self.patterns), default=0)
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, str]]]] = {}
        for key, value in self.patterns:
            self.by_first.setdefault(key[0], []).append((key, value))

    def features(self, text: str) -> tuple[str, ...]:
        if text not in self._cache:
            if self._featurize is not None:
                try:
                    self._cache[text] = tuple(self._featurize(text))
                except Exception:  # a stage that cannot featurize a fragment must not sink the report
                    self._cache[text] = ()
            else:
                self._cache[text] = tuple(fold(w) for w in _WORD.findall(text))
        return self._cache[text]

    def segments(self, text: str) -> list[dict[str, Any]]:
        """``text`` cut into plain and matched pieces: ``[{"text", "theme", "seed"}]``; joined they give ``text``."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        if not self.patterns or not words:
            return [{"text": text, "theme": None, "seed": None}] if text else []
        # content features in order, each remembering the word it came from
        stream: list[tuple[str, int]] = []
        for index, (_, _, word) in enumerate(words):
            for feature in self.features(word):
                stream.extend((part, index) for part in feature.split("_") if part)
        spans: list[tuple[int, int, str, str]] = []  # first word, last word, theme, seed
        i = 0
        while i < len(stream):
            for key, (theme, seed) in self.by_first.get(stream[i][0], ()):
                if tuple(f for f, _ in stream[i : i + len(key)]) == key:
                    spans.append((stream[i][1], stream[i + len(key) - 1][1], theme, seed))
                    i += len(key)
                    break
            else:
                i += 1
        out: list[dict[str, Any]] = []
        cursor = 0
        last_word = -1
        for first, last, theme, seed in spans:
            if first <= last_word:  # two features of one word matched twice
                continue
            start, end = words[first][0], words[last][1]
            if start > cursor:
                out.append({"text": text[cursor:start], "theme": None, "seed": None})
            out.append({"text": text[start:end], "theme": theme, "seed": seed})
            cursor, last_word = end, last
        if cursor < len(text):
            out.append({"text": text[cursor:], "theme": None, "seed": None})
        return out
