"""The seed-phrase matcher: phrases of a gazetteer (a theme taxonomy's seed phrases) found in text as
written, with the attached prefixes of Arabic (و ف ب ك ل, «لل» for ل + ال) allowed in front.

One matcher for the whole project: the theme scorers count its matches as evidence
(:mod:`pipeline.stages.themes.semantic`) and the report marks the same matches in the paragraph
text (:mod:`pipeline.stages.report.highlight`), so a marked phrase is exactly what the model saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

_ARABIC_WORD = r"[\u0621-\u063A\u0641-\u064A]+|[A-Za-z0-9]+"


def surface_words(text: str) -> list[str]:
    """Words of (normalised) text: runs of Arabic letters, or of Latin letters and digits (lower-cased)."""
    return [w.lower() for w in re.findall(_ARABIC_WORD, text)]


def clitic_forms(word: str) -> set[str]:
    """A word and the forms left when its attached prefixes are removed: the conjunctions و ف, then
    the prepositions ب ك ل (``لل`` standing for ``ل`` + ``ال``).  Nothing is removed from the end, so a
    seed word matches the word as written with only a prefix in front («وللتنمية» matches «التنمية»)."""
    forms = {word}
    stems = [word]
    if len(word) > 3 and word[0] in "وف":
        stems.append(word[1:])
    for w in list(stems):
        forms.add(w)
        if len(w) > 3 and w[0] in "بكل":
            forms.add(w[1:])
        if len(w) > 4 and w.startswith("لل"):
            forms.add("ال" + w[2:])
    return forms


class PhraseMatcher:
    """Seed terms matched as written: every word of a seed phrase, in order, with nothing left out
    (no stop-word filtering inside a phrase, so «دور الأمم المتحدة» needs «دور»).  Texts and seeds are
    compared after the same normalisation (``normalize``: the run's letter folding); a text word
    matches a seed word when one of its :func:`clitic_forms` equals it.  Longest match first, left to
    right, like a gazetteer: the CSTD's full name counts for the theme that lists it, not for a
    shorter seed inside it."""

    def __init__(self, seeds: list[list[str]], normalize: Any = None) -> None:
        self.normalize = normalize or (lambda text: text)
        self.table: dict[tuple[str, ...], set[int]] = {}
        self.phrases: dict[tuple[str, ...], str] = {}  # key -> the first seed phrase, as written, that made it
        for j, terms in enumerate(seeds):
            for term in terms:
                key = tuple(surface_words(self.normalize(term)))
                if key:
                    self.table.setdefault(key, set()).add(j)
                    self.phrases.setdefault(key, term)
        self.longest = max((len(k) for k in self.table), default=0)
        self.first = {k[0] for k in self.table}
        self.n_themes = len(seeds)

    def matches(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """(first word, word count, seed key) of each match in ``text`` (already normalised)."""
        return self.match_words(surface_words(text))

    def match_words(self, found: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """(first word, word count, seed key) of each match in a sequence of :func:`surface_words`."""
        words = [clitic_forms(w) for w in found]
        out, pos = [], 0
        while pos < len(words):
            if not (words[pos] & self.first):
                pos += 1
                continue
            for n in range(min(self.longest, len(words) - pos), 0, -1):
                found = self._match(words[pos : pos + n])
                if found is not None:
                    out.append((pos, n, found))
                    pos += n
                    break
            else:
                pos += 1
        return out

    def _match(self, window: list[set[str]]) -> tuple[str, ...] | None:
        from itertools import product

        if len(window) == 1:
            hits = [(f,) for f in window[0] if (f,) in self.table]
        else:  # few forms per word (at most 4), so the product stays tiny
            hits = [key for key in product(*window) if key in self.table]
        return min(hits) if hits else None

    def counts(self, texts: Iterable[str]) -> np.ndarray:
        """``(n_texts, n_themes)`` seed-phrase matches per text (``texts`` already normalised; read once)."""
        rows = []
        for text in texts:
            row = np.zeros(self.n_themes)
            for _, _, key in self.matches(text):
                for j in self.table[key]:
                    row[j] += 1
            rows.append(row)
        return np.array(rows).reshape(len(rows), self.n_themes)
