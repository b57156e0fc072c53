"""The theme taxonomy (``configs/themes.yaml``): themes with stable ids, labels, descriptions,
example sentences and seed phrases in natural Arabic, plus ``none_examples`` (text that belongs
to no theme).

The file is a pydantic model (:class:`Taxonomy`), validated and read once per file version by
:func:`pipeline.datafiles.load_data_file`; the theme stage and the report share it.  Every mistake is
a ConfigError naming the file and the key path (``themes.yaml: themes[2].seeds[0]: ...``).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from pipeline.datafiles import DataModel, NonEmptyStr, load_data_file
from pipeline.errors import shown
from pipeline.text.arabic import light_fold
from pipeline.text.gazetteer import surface_words

ThemeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Theme(DataModel):
    """One theme: ``id`` (lower-case identifier), Arabic and English labels, a description, seed
    phrases (natural Arabic, matched as written), and example sentences for the embedding side."""

    id: ThemeId
    label_ar: NonEmptyStr
    label_en: NonEmptyStr
    description: NonEmptyStr
    seeds: Annotated[tuple[NonEmptyStr, ...], Field(min_length=1, strict=False)]
    description_ar: str = ""
    examples: Annotated[tuple[NonEmptyStr, ...], Field(strict=False)] = ()  # typical sentences (Arabic or English)


class Taxonomy(DataModel):
    """The taxonomy file: ``version`` (1), ``themes`` (at least one), ``none_examples``."""

    version: Literal[1] = 1
    themes: Annotated[tuple[Theme, ...], Field(min_length=1, strict=False)]
    none_examples: Annotated[tuple[NonEmptyStr, ...], Field(strict=False)] = ()  # sentences that belong to no theme

    def problems(self) -> list[str]:
        seen: set[str] = set()
        lines = []
        for n, theme in enumerate(self.themes):
            if theme.id in seen:
                lines.append(f"themes[{n}].id: duplicate theme id {shown(theme.id)}")
            seen.add(theme.id)
            lines.extend(_seed_problems(n, theme.seeds))
        return lines


def _seed_problems(n: int, seeds: tuple[str, ...]) -> list[str]:
    """A seed with no word (punctuation, tatweel, marks) is never matched: an error.  A theme whose
    every seed holds only such seeds and stop words has no seed evidence at all -- the topic models
    drop stop words from seed terms -- and would silently become an unseeded topic: an error too."""
    lines = []
    content = False
    for i, seed in enumerate(seeds):
        words = seed_words(seed)
        if not words:
            lines.append(f"themes[{n}].seeds[{i}]: no word left after normalisation, got {shown(seed)}")
        content = content or any(not _is_stop_word(w) for w in words)
    if not content:
        lines.append(f"themes[{n}].seeds: every seed is empty after normalisation (stop words or punctuation only)")
    return lines


def seed_words(seed: str) -> list[str]:
    """The words of a seed phrase as the seed matcher sees them: letter runs after the matching fold
    (tatweel and marks removed, alef/yeh/teh marbuta forms folded)."""
    return surface_words(light_fold(seed))


def _is_stop_word(word: str) -> bool:
    stop = arabic_stop_words()
    return word in stop or (len(word) > 2 and word[0] in "وف" and word[1:] in stop)


@functools.cache
def arabic_stop_words() -> frozenset[str]:
    """spaCy's Arabic stop words (the tokenise stage's list) under the matching fold."""
    return frozenset(light_fold(w) for w in spacy_arabic_stop_words())


@functools.cache
def spacy_arabic_stop_words() -> tuple[str, ...]:
    """spaCy's Arabic stop words as spaCy lists them.

    Read as data from spaCy's ``lang/ar/stop_words.py`` (a word per line in one string): importing
    spaCy costs seconds, and the taxonomy is checked on every config load (and the tokeniser loads the
    list in every worker process).  Should the file's shape change, spaCy is imported instead (a test
    checks that both give the same words)."""
    spec = importlib.util.find_spec("spacy")
    words: list[str] = []
    if spec is not None and spec.origin is not None:
        source = Path(spec.origin).parent / "lang" / "ar" / "stop_words.py"
        found = re.fullmatch(r'\s*STOP_WORDS = set\(\s*"""(.*)"""\.split\(\)\s*\)\s*', source.read_text("utf-8"), re.S)
        words = found.group(1).split() if found else []
    if not words:
        from spacy.lang.ar.stop_words import STOP_WORDS

        words = list(STOP_WORDS)
    return tuple(words)


def read_taxonomy(path: Path) -> Taxonomy:
    """The validated taxonomy file at ``path`` (cached per file version); ConfigError if it is wrong."""
    return load_data_file(path, Taxonomy, "theme taxonomy")


def load_taxonomy(path: Path) -> list[Theme]:
    """The themes of the taxonomy at ``path``, in file order; ConfigError naming the file and key path."""
    return list(read_taxonomy(path).themes)


def load_none_examples(path: Path) -> tuple[str, ...]:
    """The taxonomy's ``none_examples``: sentences that belong to no theme."""
    return read_taxonomy(path).none_examples
