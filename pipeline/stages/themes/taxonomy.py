"""The theme taxonomy (``configs/themes.yaml``): themes with stable ids, labels, descriptions,
example sentences and seed phrases in natural Arabic, plus ``none_examples`` (text that belongs
to no theme).  Read and validated here; every mistake is a ConfigError naming the file and key path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import load_yaml
from pipeline.errors import ConfigError

THEME_KEYS = {"id", "label_ar", "label_en", "description", "description_ar", "seeds", "examples"}
TAXONOMY_KEYS = ("none_examples", "themes", "version")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Theme:
    id: str
    label_ar: str
    label_en: str
    description: str
    seeds: tuple[str, ...]
    description_ar: str = ""
    examples: tuple[str, ...] = ()  # typical sentences (Arabic or English), for the embedding side


def _strings(value: Any, at: str) -> tuple[str, ...]:
    """An optional list of non-empty strings (None: empty); ConfigError naming ``at`` otherwise."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{at}: expected a list of strings")
    for k, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{at}[{k}]: expected a non-empty string, got {item!r}")
    return tuple(item.strip() for item in value)


def load_none_examples(path: Path) -> tuple[str, ...]:
    """The taxonomy's ``none_examples``: sentences that belong to no theme (validated by :func:`load_taxonomy`)."""
    data = load_yaml(Path(path), "theme taxonomy")
    return _strings(data.get("none_examples") if isinstance(data, dict) else None, f"{path}: none_examples")


def load_taxonomy(path: Path) -> list[Theme]:
    """Read and validate a theme taxonomy; ConfigError naming the file and key path."""
    path = Path(path)
    data = load_yaml(path, "theme taxonomy")
    where = str(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping with keys version, themes; got {type(data).__name__}")
    for key in data:
        if key not in TAXONOMY_KEYS:
            raise ConfigError(f"{where}: {key}: unknown key; expected one of: {', '.join(TAXONOMY_KEYS)}")
    _strings(data.get("none_examples"), f"{where}: none_examples")
    if data.get("version", 1) != 1:
        raise ConfigError(f"{where}: version: expected 1, got {data.get('version')!r}")
    items = data.get("themes")
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: themes: expected a non-empty list of themes")
    themes: list[Theme] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        at = f"{where}: themes[{n}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{at}: expected a mapping, got {item!r}")
        for key in item:
            if key not in THEME_KEYS:
                raise ConfigError(f"{at}.{key}: unknown key; expected one of: {', '.join(sorted(THEME_KEYS))}")
        for key in ("id", "label_ar", "label_en", "description"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{at}.{key}: expected a non-empty string, got {value!r}")
        if not ID_PATTERN.match(item["id"]):
            raise ConfigError(f"{at}.id: expected lower-case letters, digits and '_', got {item['id']!r}")
        if item["id"] in seen:
            raise ConfigError(f"{at}.id: duplicate theme id {item['id']!r}")
        seen.add(item["id"])
        seeds = item.get("seeds")
        if not isinstance(seeds, list) or not seeds:
            raise ConfigError(f"{at}.seeds: expected a non-empty list of seed terms")
        for k, term in enumerate(seeds):
            if not isinstance(term, str) or not term.strip():
                raise ConfigError(f"{at}.seeds[{k}]: expected a non-empty string, got {term!r}")
        themes.append(
            Theme(
                item["id"],
                item["label_ar"].strip(),
                item["label_en"].strip(),
                item["description"].strip(),
                tuple(s.strip() for s in seeds),
                str(item.get("description_ar") or "").strip(),
                _strings(item.get("examples"), f"{at}.examples"),
            )
        )
    return themes
