"""What the report reads: a run's result files, and the labels and seed terms of the config's YAML files.

Every reader returns None when its file is absent (its stage did not run), so
each section can say so instead of failing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.outputs import number  # noqa: F401 - the report's cells are read as the catalogue reads them


def read_json(path: Path) -> Any | None:
    """A JSON file's content, or None when the file is absent."""
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def read_jsonl(path: Path) -> list[dict] | None:
    """The records of a (small) JSON-lines file, or None when the file is absent."""
    return atomic.read_jsonl(path) if path.is_file() else None


def iter_jsonl(path: Path) -> Iterator[dict] | None:
    """The records of a JSON-lines file one at a time (never all in memory), or None when the file is absent."""
    return atomic.iter_jsonl(path) if path.is_file() else None


def read_csv(path: Path) -> list[dict[str, str]] | None:
    """The rows of a CSV file as dicts of strings, or None when the file is absent."""
    if not path.is_file():
        return None
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- taxonomy and labels


def empty_taxonomy() -> dict[str, dict]:
    return {"labels": {}, "labels_en": {}, "seeds": {}, "groups": {}, "groups_en": {}, "axes": {}}


def find_taxonomy(config: Any) -> dict[str, Any]:
    """Theme labels and seed terms from the YAML files a config's stages name.

    Returns ``{"labels": {theme: Arabic label}, "labels_en": {...}, "seeds": {theme: [terms]},
    "groups": {group: label}, "groups_en": {...}, "axes": {axis: label}}``; empty
    mappings when no such file is named.
    """
    found = empty_taxonomy()
    if config is None:
        return found
    from pipeline.config import load_yaml

    for spec in config.stages.values():
        for value in spec.options.values():
            if isinstance(value, Path) and value.suffix in (".yaml", ".yml") and value.is_file():
                _merge_taxonomy(found, load_yaml(value))
    return found


def _merge_taxonomy(found: dict[str, Any], data: Any) -> None:
    if not isinstance(data, dict):
        return
    for entry in data.get("themes") or []:
        if isinstance(entry, dict) and entry.get("id"):
            key = str(entry["id"])
            found["labels"][key] = str(entry.get("label_ar") or entry.get("label") or key)
            found["labels_en"][key] = str(entry.get("label_en") or "")
            found["seeds"][key] = [str(s) for s in entry.get("seeds") or entry.get("seed_terms") or []]
    for name in ("groups", "stakeholders", "actors"):
        entries = data.get(name)
        if isinstance(entries, list):
            entries = {str(e["id"]): e for e in entries if isinstance(e, dict) and e.get("id")}
        for key, entry in (entries or {}).items() if isinstance(entries, dict) else ():
            entry = entry if isinstance(entry, dict) else {"label": entry}
            aliases = [a for a in entry.get("aliases") or [] if isinstance(a, str)]
            # an Arabic name reads best on the page; the first alias is the group's plain Arabic name
            found["groups"][str(key)] = str(
                entry.get("label_ar") or (aliases[0] if aliases else None) or entry.get("label") or key
            )
            found["groups_en"][str(key)] = str(entry.get("label") or entry.get("label_en") or "")
    axes = data.get("axes")
    if isinstance(axes, dict):
        for key, entry in axes.items():
            entry = entry if isinstance(entry, dict) else {"label": entry}
            found["axes"][str(key)] = str(entry.get("label_ar") or entry.get("label") or key)
