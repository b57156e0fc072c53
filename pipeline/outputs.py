"""The catalogue of a run's result files: each file's name, format, columns, one reader and one writer.

Kedro's data catalogue at our scale.  Stages write their results through :func:`write`, and the
report, :func:`pipeline.load_run` and the run history read them through :func:`records`,
:func:`rows` and :func:`frame`, so a file's layout is defined once, here.  JSON-lines files are
read one record at a time (:func:`records` never holds a file), CSV files are small (a row per
theme, group or group x axis).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline import atomic


@dataclass(frozen=True)
class ResultFile:
    """One result file: ``filename`` in the output folder, its format and columns (the keys of a JSON
    record, the header of a CSV); ``lists``: CSV columns whose cells hold lists (``;``-separated)."""

    name: str
    filename: str
    format: Literal["jsonl", "csv", "json"]
    columns: tuple[str, ...]
    lists: tuple[str, ...] = ()


CATALOGUE: dict[str, ResultFile] = {
    f.name: f
    for f in (
        ResultFile(
            "units",
            "units.jsonl",
            "jsonl",
            (
                "doc_id",
                "unit_id",
                "kind",
                "number",
                "section",
                "text",
                "tokens",
                "themes",
                "theme_scores",
                "speakers",
                "extra",  # only on units a stage of your own wrote values on
            ),
        ),
        ResultFile(
            "tables",
            "tables.jsonl",
            "jsonl",
            ("doc_id", "unit_id", "title", "columns", "rows", "flags", "label_column"),
        ),
        ResultFile(
            "themes",
            "themes.csv",
            "csv",
            (
                "theme",
                "label_ar",
                "label_en",
                "paragraphs",
                "share",
                "top_terms",
                "coherence_npmi",
                "threshold",
                "score_median_assigned",
                "score_p90_unassigned",
                "near_threshold",
                "learned_terms",
            ),
            lists=("top_terms", "learned_terms"),
        ),
        ResultFile(
            "candidates",
            "candidate_themes.jsonl",
            "jsonl",
            ("id", "size", "top_terms", "nearest_theme", "typical", "units"),
        ),
        ResultFile(
            "statements",
            "statements.jsonl",
            "jsonl",
            ("doc_id", "unit_id", "speaker", "text", "cue", "themes", "scores", "subject", "evidence"),
        ),
        ResultFile(
            "positions",
            "positions.csv",
            "csv",
            (
                "group",
                "axis",
                "score",
                "ci_low",
                "ci_high",
                "n_statements",
                "n_scored",
                "contributions",
                "mean",
                "pool_weight",
                "method",
                "note",
            ),
        ),
        ResultFile(
            "salience",
            "salience.csv",
            "csv",
            ("group", "theme", "n_statements", "share", "group_statements", "contributions"),
        ),
        ResultFile("run", "run.json", "json", ()),
    )
}


def path(folder: str | Path, name: str) -> Path:
    """Where result ``name`` (a catalogue key) lives in the output ``folder``."""
    return Path(folder) / CATALOGUE[name].filename


def write(folder: str | Path, name: str, records: Iterable[Any]) -> int:
    """Write result ``name`` atomically: JSON-lines records (dicts), or CSV rows (dicts keyed by the
    catalogue's columns, or sequences in their order; list cells joined with ``;``).  Returns rows written."""
    spec = CATALOGUE[name]
    target = path(folder, name)
    if spec.format == "jsonl":
        return atomic.write_jsonl(target, records)
    if spec.format == "json":
        atomic.write_json(target, records)
        return 1

    def cells(record: Any) -> list[Any]:
        values = [record.get(c) for c in spec.columns] if isinstance(record, dict) else list(record)
        return [";".join(map(str, v)) if isinstance(v, list | tuple) else v for v in values]

    return atomic.write_csv(target, list(spec.columns), (cells(r) for r in records))


def exists(folder: str | Path, name: str) -> bool:
    return path(folder, name).is_file()


def records(folder: str | Path, name: str) -> Iterator[dict[str, Any]]:
    """The records of a JSON-lines result one at a time (nothing when the file is absent)."""
    target = path(folder, name)
    if target.is_file():
        yield from atomic.iter_jsonl(target)


def read_json(folder: str | Path, name: str = "run") -> dict[str, Any] | None:
    """A JSON result (``run.json``), or None when it is absent or unreadable."""
    try:
        return json.loads(path(folder, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def rows(folder: str | Path, name: str) -> list[dict[str, Any]]:
    """The rows of a CSV result as dicts (list columns as lists); [] when the file is absent or unreadable."""
    spec = CATALOGUE[name]
    try:
        with path(folder, name).open(encoding="utf-8", newline="") as handle:
            found = list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []
    for row in found:
        for column in spec.lists:
            if column in row:
                row[column] = split_list_cell(row[column])
    return found


def frame(folder: str | Path, name: str) -> Any:
    """A result as a pandas DataFrame; empty, with the catalogue's columns, when the file is absent."""
    import pandas as pd

    spec = CATALOGUE[name]
    target = path(folder, name)
    if spec.format == "csv":
        if not target.is_file() or target.stat().st_size == 0:
            return pd.DataFrame(columns=list(spec.columns))
        found = pd.read_csv(target, keep_default_na=False, na_values=[""])
        for column in spec.lists:
            if column in found.columns:
                found[column] = found[column].map(split_list_cell)
        return found
    found_records = list(records(folder, name))
    if not found_records:
        return pd.DataFrame(columns=list(spec.columns))
    return pd.DataFrame.from_records(found_records)


def number(value: Any) -> float | None:
    """A CSV cell as a float; None when it is empty, not a number, or NaN."""
    if value is None or value == "":
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if result != result else result


def split_list_cell(value: Any) -> list[str]:
    """A list-valued cell: a JSON list, a ``;``/``|``/``،``/``,``-separated string, or a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return []
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    for sep in (";", "|", "،", ","):
        if sep in text:
            return [part.strip() for part in text.split(sep) if part.strip()]
    return text.split()
