"""The trend section of the report: theme shares and stakeholder positions across the runs of an output folder.

It reads the run history (:mod:`pipeline.run.history`) of the real output
folder: inside a run the report is written into a staging folder before the
run is recorded, so the earlier runs come from the history and this run's
point from its own themes.csv / positions.csv.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _trend_date(started: Any) -> str:
    """The day of an ISO 8601 start time (the page shows no clock times)."""
    text = str(started or "")
    return text[:10] if re.match(r"\d{4}-\d\d-\d\d", text) else ""


def _trend_rows(
    keys: list[str], points: list[dict[str, Any]], kind: str, label: Callable[[str], str], shown: int
) -> list[dict[str, Any]]:
    """Per key: label, values per run (for the chart) and cells for the last ``shown`` runs (for the table)."""
    rows = []
    for key in keys:
        values = [p["values"].get((kind, key)) for p in points]
        counts = [p.get("n", {}).get((kind, key)) for p in points][-shown:]
        tail = values[-shown:]
        present = [v for v in tail if v is not None]
        change = present[-1] - present[0] if len(present) > 1 else None
        if kind == "theme":
            cells = ["—" if v is None else f"{v * 100:.1f}%" for v in tail]
            change_text = "—" if change is None else f"{change * 100:+.1f}"
        else:
            # a position shows the statements it was scored from: one or two make no firm position
            cells = [
                "—" if v is None else f"{v:.2f}" + (f" ({n})" if n is not None else "")
                for v, n in zip(tail, counts, strict=True)
            ]
            change_text = "—" if change is None else f"{change:+.2f}"
        rows.append({"key": key, "label": label(key), "values": values, "cells": cells, "change": change_text})
    return rows


def _recorded_points(rows: list[tuple], run_numbers: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Per recorded run id: its number, start time, ``{(kind, key): value}`` and ``{(kind, key): n}``
    (paragraphs of a theme, scored statements of a position) from the history's trend rows."""
    points: dict[str, dict[str, Any]] = {}
    for run_id, started, kind, key, value, n in rows:
        point = points.setdefault(
            run_id,
            {
                "run_id": run_id,
                "number": run_numbers.get(run_id, len(points) + 1),
                "started": started,
                "values": {},
                "n": {},
            },
        )
        if value == value:  # NaN: no value
            point["values"].setdefault((kind, key), float(value))
            if n is not None and n == n:
                point["n"].setdefault((kind, key), int(n))
    return points


def _unrecorded_values(folder: Path) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], int]]:
    """This run's ``{(kind, key): value}`` and ``{(kind, key): n}`` from its own themes.csv /
    positions.csv (not yet in the history)."""
    from pipeline.run import history

    values: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], int] = {}
    for theme, _, paragraphs, share in history.read_shares(folder):
        if share is not None:
            values.setdefault(("theme", theme), share)
            if paragraphs is not None:
                counts.setdefault(("theme", theme), paragraphs)
    for group, axis, score, _, _, _, scored in history.read_positions(folder):
        if score is not None:
            values.setdefault(("position", f"{group}:{axis}"), score)
            if scored is not None:
                counts.setdefault(("position", f"{group}:{axis}"), scored)
    return values, counts


def section_trend(
    folder: Path,
    history_dir: Path,
    info: dict | None,
    labels: dict[str, str],
    groups: dict[str, str],
    axes: dict[str, str],
) -> dict[str, Any]:
    """Theme shares and positions per run: the recorded runs of ``history_dir``, plus this run when not yet recorded.

    ``shown`` is False (with ``runs`` the number of runs with results, and
    ``error`` set when the history could not be read) when there is nothing to
    draw a trend from.
    """
    from pipeline.run import history

    out: dict[str, Any] = {"shown": False, "runs": 0, "error": "", "points": [], "themes": [], "positions": []}
    try:
        rows = history.trend_rows(history_dir)
        recorded = history.run_ids(history_dir)
        db_labels = history.theme_labels(history_dir)
    except Exception as exc:  # a damaged or foreign database must not sink the report
        out["error"] = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return out
    number = {run_id: i + 1 for i, run_id in enumerate(recorded)}  # as `python -m pipeline history` counts
    points = _recorded_points(rows, number)
    current = (info or {}).get("run_id")
    if current is None or current not in number:  # this run is not recorded yet (the report runs inside it)
        values, counts = _unrecorded_values(folder)
        if values:
            points[current or ""] = {
                "run_id": current or "",
                "number": max([len(recorded), *(p["number"] for p in points.values())]) + 1,
                "started": (info or {}).get("started"),
                "values": values,
                "n": counts,
                "current": True,
            }
    ordered = sorted(points.values(), key=lambda p: p["number"])
    out["runs"] = len(ordered)
    if len(ordered) < 2:
        return out
    for p in ordered:
        p["date"] = _trend_date(p["started"])
        p["tick"] = f"#{p['number']}\n{p['date']}" if p["date"] else f"#{p['number']}"
        p.setdefault("current", current is not None and p["run_id"] == current)
    last = ordered[-1]["values"]

    def keys(kind: str) -> list[str]:
        found = sorted({key for p in ordered for k, key in p["values"] if k == kind})
        return sorted(found, key=lambda key: -(last.get((kind, key)) or 0.0)) if kind == "theme" else found

    position_keys = keys("position")
    axis_ids = {key.partition(":")[2] for key in position_keys}

    def theme_label(key: str) -> str:
        return labels.get(key) or db_labels.get(key) or key

    def position_label(key: str) -> str:
        group, _, axis = key.partition(":")
        name = groups.get(group, group)
        return name if len(axis_ids) == 1 else f"{name} · {axes.get(axis, axis)}"

    shown = history.SHOWN_RUNS
    out.update(
        shown=True,
        points=ordered,
        table_points=ordered[-shown:],
        themes=_trend_rows(keys("theme"), ordered, "theme", theme_label, shown),
        positions=_trend_rows(position_keys, ordered, "position", position_label, shown),
        axis_label=axes.get(next(iter(axis_ids)), next(iter(axis_ids))) if len(axis_ids) == 1 else "",
    )
    return out
