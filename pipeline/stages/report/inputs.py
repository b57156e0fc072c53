"""What the report reads: a run's result files (through the catalogue, :mod:`pipeline.outputs`) and
the labels and seed phrases of the data files the config's stages name (the same validated models
the stages use: :func:`~pipeline.stages.themes.taxonomy.read_taxonomy`,
:func:`~pipeline.stages.stakeholders.actors.load_actors`, :func:`~pipeline.stages.stakeholders.actors.load_axes`).

Every result reader returns None when its file is absent (its stage did not run), so each section
can say so instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import outputs


def result_json(folder: Path, name: str = "run") -> dict[str, Any] | None:
    """A JSON result (run.json), or None when it is absent."""
    return outputs.read_json(folder, name)


def result_rows(folder: Path, name: str) -> list[dict[str, Any]] | None:
    """The rows of a CSV result (list cells as lists), or None when the file is absent."""
    return outputs.rows(folder, name) if outputs.exists(folder, name) else None


def result_records(folder: Path, name: str) -> Iterator[dict[str, Any]] | None:
    """The records of a JSON-lines result one at a time (never all in memory), or None when absent."""
    return outputs.records(folder, name) if outputs.exists(folder, name) else None


def result_list(folder: Path, name: str) -> list[dict[str, Any]] | None:
    """The records of a small JSON-lines result (tables, candidate themes), or None when absent."""
    found = result_records(folder, name)
    return None if found is None else list(found)


# --------------------------------------------------------------------------- taxonomy and labels


def empty_taxonomy() -> dict[str, dict]:
    return {"labels": {}, "labels_en": {}, "seeds": {}, "groups": {}, "groups_en": {}, "axes": {}}


def config_labels(config: Any) -> dict[str, Any]:
    """Theme labels and seed phrases, group and axis labels from the data files a config's stages name.

    Returns ``{"labels": {theme: Arabic label}, "labels_en": {...}, "seeds": {theme: [phrases]},
    "groups": {group: Arabic label}, "groups_en": {...}, "axes": {axis: Arabic label}}``; empty
    mappings for files no stage names.  Raises ConfigError if a named file is wrong (it was valid when
    the config was loaded: it has been edited since).
    """
    from pipeline.stages.stakeholders.actors import load_actors, load_axes
    from pipeline.stages.themes.taxonomy import load_taxonomy

    found = empty_taxonomy()
    for spec in config.stages.values() if config is not None else ():
        options = spec.options
        if isinstance(options.get("taxonomy"), Path):
            for theme in load_taxonomy(options["taxonomy"]):
                found["labels"][theme.id] = theme.label_ar
                found["labels_en"][theme.id] = theme.label_en
                found["seeds"][theme.id] = list(theme.seeds)
        if isinstance(options.get("actors"), Path):
            actors = load_actors(options["actors"])
            found["groups"].update({gid: actors.labels_ar[gid] or label for gid, label in actors.groups.items()})
            found["groups_en"].update(actors.groups)
        if isinstance(options.get("positions"), Path):
            found["axes"].update({axis.id: axis.label_ar or axis.label for axis in load_axes(options["positions"])})
    return found
