"""The theme taxonomy (``configs/themes.yaml``): themes with stable ids, labels, descriptions,
example sentences and seed phrases in natural Arabic, plus ``none_examples`` (text that belongs
to no theme).

The file is a pydantic model (:class:`Taxonomy`), validated and read once per file version by
:func:`pipeline.datafiles.load_data_file`; the theme stage and the report share it.  Every mistake is
a ConfigError naming the file and the key path (``themes.yaml: themes[2].seeds[0]: ...``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from pipeline.datafiles import DataModel, NonEmptyStr, load_data_file

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
                lines.append(f"themes[{n}].id: duplicate theme id {theme.id!r}")
            seen.add(theme.id)
        return lines


def read_taxonomy(path: Path) -> Taxonomy:
    """The validated taxonomy file at ``path`` (cached per file version); ConfigError if it is wrong."""
    return load_data_file(path, Taxonomy, "theme taxonomy")


def load_taxonomy(path: Path) -> list[Theme]:
    """The themes of the taxonomy at ``path``, in file order; ConfigError naming the file and key path."""
    return list(read_taxonomy(path).themes)


def load_none_examples(path: Path) -> tuple[str, ...]:
    """The taxonomy's ``none_examples``: sentences that belong to no theme."""
    return read_taxonomy(path).none_examples
