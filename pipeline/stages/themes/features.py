"""Features per unit for the theme scorers, read from the units in passes, and the words shown for them.

Features are the tokenise stage's (``unit.tokens``; seed terms through ``corpus.featurize``), or,
when no tokenise stage ran, a fallback analyzer's.  :class:`FeatureFile` writes them once and
re-reads them on every pass; :class:`EvenSample` bounds what estimates read of a large corpus;
:func:`display_words` turns stems and learned phrases back into words as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

_WORD = re.compile(r"[\u0621-\u064A]+|[A-Za-z]+")
_FALLBACK_STOP = frozenset(
    [
        "في",
        "من",
        "على",
        "إلى",
        "الى",
        "عن",
        "مع",
        "أن",
        "ان",
        "إن",
        "التي",
        "الذي",
        "الذين",
        "هذه",
        "هذا",
        "ذلك",
        "تلك",
        "كما",
        "أو",
        "او",
        "ما",
        "لا",
        "لم",
        "قد",
        "كل",
        "بين",
        "أي",
        "اي",
        "و",
        "ف",
        "ب",
        "ل",
        "ثم",
        "حتى",
        "عند",
        "بعض",
        "غير",
        "هو",
        "هي",
        "هم",
        "كان",
        "كانت",
        "يكون",
        "أيضا",
        "ايضا",
        "وقد",
        "وفي",
        "ومن",
        "إذ",
        "اذ",
    ]
)


class _FallbackAnalyzer:
    """Used only when no tokenise stage ran (``unit.tokens`` all empty): letters-only
    words, a few function words dropped, Snowball Arabic stems.  Units and seed
    terms go through the same function, so they still match."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("arabic")

    def __call__(self, text: str) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text) if w not in _FALLBACK_STOP]
        return [s for s in self._stemmer.stemWords(words) if len(s) > 1]


class UnitColumn:
    """One value per unit (its features, its text), re-read from ``units`` on every pass.

    ``units`` may be a stream (:class:`~pipeline.run.corpora.UnitStream`): nothing here
    holds more than one unit's value at a time, and models read it in passes."""

    def __init__(self, units: Any, value: Callable[[Any], Any]) -> None:
        self.units, self.value = units, value

    def __len__(self) -> int:
        return len(self.units)

    def __iter__(self) -> Iterator[Any]:
        return (self.value(u) for u in self.units)


class FeatureFile:
    """Features per unit written once to a file and re-read from it on every later pass, like
    a serialized gensim corpus: a model's pass then reads words, not units.  ``value`` is
    the column's, for code that has a unit in hand; ``sizes`` counts features per unit."""

    SEP = "\x1f"  # unit separator: features never contain it (nor newlines)

    def __init__(self, column: UnitColumn, path: Path) -> None:
        self.value, self.path = column.value, Path(path)
        sizes = []
        with open(self.path, "w", encoding="utf-8") as handle:
            for features in column:
                handle.write(self.SEP.join(features) + "\n")
                sizes.append(len(features))
        self.sizes = np.array(sizes, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sizes)

    def __iter__(self) -> Iterator[list[str]]:
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                line = line.rstrip("\n")
                yield line.split(self.SEP) if line else []


def unit_features(corpus: Any) -> tuple[UnitColumn, Any]:
    """Features per unit (re-iterable) and a ``seed term -> features`` function that matches them."""
    units = corpus.units
    if any(u.tokens for u in units):
        return UnitColumn(units, lambda u: list(u.tokens)), corpus.featurize
    analyzer = _FallbackAnalyzer()
    normalize = getattr(corpus, "normalize", None) or (lambda text: text)
    return UnitColumn(units, lambda u: analyzer(u.norm or u.text)), lambda text: analyzer(normalize(text))


class EvenSample:
    """At most ``size`` items of a re-iterable with ``len()``, evenly spaced and always the same
    ones (all of them when there are fewer): estimates that need not read a large corpus whole."""

    def __init__(self, items: Any, size: int) -> None:
        self.items = items
        n = len(items)
        self.keep = None if n <= size else set(np.linspace(0, n - 1, size).round().astype(int).tolist())

    def __iter__(self) -> Iterator[Any]:
        if self.keep is None:
            return iter(self.items)
        return (item for i, item in enumerate(self.items) if i in self.keep)


_DISPLAY_WORD = re.compile(r"[\u0621-\u063A\u0640-\u0652\u0670]+|[A-Za-z]+")
_MARKS = re.compile(r"[\u0640\u064B-\u0652\u0670]")  # tatweel and harakat are not shown in a term


def display_words(units: Iterable[Any], featurize: Callable[[str], list[str]], features: set[str]) -> dict[str, str]:
    """Feature -> the words it stands for, as written: for a stem, its most frequent surface form in
    the units' display text (a form without the conjunction و is preferred when it has the same
    stem); for a learned phrase ``a_b``, the most frequent pair of adjacent content words with
    those features.  Ties go to the shorter, then the alphabetically first form.  One pass over
    ``units``; every distinct word is featurized once.  Features never seen keep their own text."""
    parts = {p for f in features for p in f.split("_")}
    stem_of: dict[str, str] = {}

    def stem(word: str) -> str:
        if word not in stem_of:
            found = featurize(word)
            stem_of[word] = found[0] if len(found) == 1 else ""
        return stem_of[word]

    single: dict[str, Counter] = {}
    pair: dict[str, Counter] = {}
    for unit in units:
        seq = []
        for raw in _DISPLAY_WORD.findall(unit.text or ""):
            word = _MARKS.sub("", raw)
            f = stem(word) if word else ""
            if not f:
                continue
            if word.startswith("و") and len(word) > 3 and stem(word[1:]) == f:
                word = word[1:]
            seq.append((word, f))
        for word, f in seq:
            if f in parts:
                single.setdefault(f, Counter())[word] += 1
        for (w1, f1), (w2, f2) in pairwise(seq):
            key = f"{f1}_{f2}"
            if key in features:
                pair.setdefault(key, Counter())[f"{w1} {w2}"] += 1

    def best(counts: Counter) -> str:
        return min(counts.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]

    out = {}
    for f in features:
        if pair.get(f):
            out[f] = best(pair[f])
        elif all(single.get(p) for p in f.split("_") if p):
            out[f] = " ".join(best(single[p]) for p in f.split("_") if p)
    return out
