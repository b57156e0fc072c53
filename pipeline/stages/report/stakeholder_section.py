"""The stakeholder section of the report: salience heat map, positions with intervals, and the statements."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pipeline.outputs import number
from pipeline.stages.report.sections import first_fits, fmt, percent

# Salience cells resting on fewer statements than this are greyed: a share of 1-2 statements says little.
# The positions' notes (stakeholders/aggregation.py, stage.py) in Arabic for the report; the English
# note stays beside it and in positions.csv.  A note no pattern reads is shown in English only.
NOTES_AR = (
    (re.compile(r"^no statements$"), "لا أقوال"),
    (
        re.compile(r"^no statement has evidence on this axis(?: \((\d+) lean inside the neutral band.*\))?$"),
        lambda m: (
            "لا قول يحمل دليلاً على هذا المحور"
            + (f" ({m.group(1)} يميل داخل النطاق المحايد بالتضمين وحده: لا يُحسب)" if m.group(1) else "")
        ),
    ),
    (
        re.compile(r"^hierarchical model: mean of (\d+) scored statements ([+-][\d.]+), weight ([\d.]+) on it.*$"),
        lambda m: (
            f"نموذج هرمي: متوسط {m.group(1)} من الأقوال المقيَّمة {m.group(2)} بوزن {m.group(3)}، "
            "والباقي لمتوسط المدونة؛ فترة بإعادة المعاينة (bootstrap)"
        ),
    ),
    (
        re.compile(r"^no interval: (\d+) statements with evidence, fewer than (\d+)$"),
        lambda m: f"لا فترة: {m.group(1)} من الأقوال بأدلة، أقل من {m.group(2)}",
    ),
    (
        re.compile(r"^this axis finds no evidence in this corpus"),
        "لا يجد هذا المحور دليلاً في هذه المدونة: لا يحوي أي قول أحد مصطلحاته؛ المحور لنقاش آخر، فعرّف محوراً لهذه المدونة",
    ),
)


def note_ar(note: str) -> str:
    """The Arabic of a position's note (:data:`NOTES_AR`), or "" when no pattern reads it."""
    for pattern, arabic in NOTES_AR:
        if found := pattern.search(note):
            return arabic(found) if callable(arabic) else arabic
    return ""


SALIENCE_MIN_STATEMENTS = 3


def _salience_matrix(rows: list[dict]) -> tuple[list[str], list[str], list[list[float]], str]:
    """Groups, themes and a group x theme matrix from salience.csv (long or wide layout)."""
    if not rows:
        return [], [], [], "share"
    columns = list(rows[0])
    if "group" in columns and "theme" in columns:
        measure = next((c for c in ("share", "salience", "count", "n", "statements") if c in columns), None)
        if measure is None:
            measure = next(c for c in columns if c not in ("group", "theme"))
        groups = sorted({r["group"] for r in rows})
        themes = sorted({r["theme"] for r in rows})
        cells = {(r["group"], r["theme"]): number(r.get(measure)) or 0.0 for r in rows}
        return groups, themes, [[cells.get((g, t), 0.0) for t in themes] for g in groups], measure
    key = "group" if "group" in columns else columns[0]
    share_cols = [c for c in columns if c.startswith("share_")]
    value_cols = share_cols or [c for c in columns if c != key and number(rows[0].get(c)) is not None]
    themes = [c.removeprefix("share_") for c in value_cols]
    groups = [r[key] for r in rows]
    return groups, themes, [[number(r.get(c)) or 0.0 for c in value_cols] for r in rows], "share" if share_cols else ""


def _heat_color(value: float, top: float) -> str:
    """A cell background for the HTML heat map, matching the figure's blues."""
    t = 0.0 if top <= 0 else max(0.0, min(1.0, value / top))
    r, g, b = (round(a + (c - a) * t) for a, c in zip((247, 251, 255), (8, 69, 148), strict=True))
    return f"rgb({r}, {g}, {b})"


def section_stakeholders(
    statements: Iterable[dict] | None,
    positions: list[dict] | None,
    salience: list[dict] | None,
    labels: dict[str, str],
    groups: dict[str, str],
    axes: dict[str, str],
    limit: int | None = None,
) -> dict[str, Any]:
    """Salience, positions and (one pass over ``statements``) the first ``limit`` statements and their total."""
    ran = statements is not None or positions is not None or salience is not None
    out: dict[str, Any] = {"ran": ran}
    if salience is not None:
        out["salience"] = _salience_section(salience, labels, groups)
    if positions is not None:
        out["positions"], out["position_methods"] = _position_rows(positions, groups, axes)
    if statements is not None:
        out["statements"], out["statements_total"] = _first_statements(statements, labels, groups, limit)
    return out


def _salience_section(salience: list[dict], labels: dict[str, str], groups: dict[str, str]) -> dict[str, Any]:
    """The heat map of salience.csv: matrix, labels, statement counts per cell and the rows of the HTML table."""
    group_ids, theme_ids, matrix, measure = _salience_matrix(salience)
    is_share = measure in ("share", "salience") and all(v <= 1.0 for row in matrix for v in row)
    top = max((v for row in matrix for v in row), default=0.0)
    # statement counts behind each cell (long layout of salience.csv), so no share hides a tiny n
    counts = {(r.get("group"), r.get("theme")): number(r.get("n_statements")) for r in salience}
    totals = {r.get("group"): number(r.get("group_statements")) for r in salience}
    count_matrix = [[int(counts.get((g, t)) or 0) for t in theme_ids] for g in group_ids]
    total_row = [int(totals.get(g) or 0) for g in group_ids]
    has_counts = any(totals.values())
    return {
        "groups": group_ids,
        "group_labels": [groups.get(g, g) for g in group_ids],
        "themes": theme_ids,
        "theme_labels": [labels.get(t, t) for t in theme_ids],
        "matrix": matrix,
        "counts": count_matrix if has_counts else None,
        "totals": total_row if has_counts else None,
        "min_statements": SALIENCE_MIN_STATEMENTS,
        "is_share": is_share,
        "measure": measure,
        "rows": [
            {
                "label": groups.get(g, g),
                "n": total if has_counts else None,
                "few": has_counts and total < SALIENCE_MIN_STATEMENTS,
                "cells": [
                    {
                        "text": (percent(v) if is_share else fmt(v)) + (f" ({n}/{total})" if has_counts else ""),
                        "color": "#e9ecef" if has_counts and total < SALIENCE_MIN_STATEMENTS else _heat_color(v, top),
                        "dark": top > 0 and v > 0.6 * top and not (has_counts and total < SALIENCE_MIN_STATEMENTS),
                    }
                    for v, n in zip(row, counts_row, strict=True)
                ],
            }
            for g, row, counts_row, total in zip(group_ids, matrix, count_matrix, total_row, strict=True)
        ],
    }


def _position_rows(
    positions: list[dict], groups: dict[str, str], axes: dict[str, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of positions.csv with labels and formatted cells, and the scoring methods they use."""
    methods = sorted({r.get("method") or "" for r in positions})
    rows = []
    for r in positions:
        axis = r.get("axis", "")
        axis_label = axes.get(axis, axis)
        if len(methods) > 1 and r.get("method"):  # one panel per axis and scoring method
            axis_label = f"{axis_label} — {r['method']}"
        low, high = number(r.get("ci_low")), number(r.get("ci_high"))
        rows.append(
            {
                "group": r.get("group", ""),
                "label": groups.get(r.get("group", ""), r.get("group", "")),
                "axis": axis,
                "axis_label": axis_label,
                "method": r.get("method") or "",
                "score": number(r.get("score")),
                "ci_low": low,
                "ci_high": high,
                "score_text": fmt(r.get("score")) or "—",
                "ci_text": f"[{fmt(low)}, {fmt(high)}]" if low is not None and high is not None else "—",
                "n": fmt(r.get("n_statements")),
                "n_scored": fmt(r.get("n_scored")),
                "note": r.get("note") or "",
                "note_ar": note_ar(r.get("note") or ""),
            }
        )
    return rows, methods


def _first_statements(
    statements: Iterable[dict], labels: dict[str, str], groups: dict[str, str], limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` statements as table rows (None: all), and the number of all, in one pass."""
    fits = first_fits(limit)
    shown: list[dict[str, Any]] = []
    total = 0
    for s in statements:
        total += 1
        if fits(len(shown)):
            shown.append(
                {
                    "unit_id": s.get("unit_id", ""),
                    "speaker": groups.get(s.get("speaker", ""), s.get("speaker", "")),
                    "cue": s.get("cue", ""),
                    "text": s.get("text", ""),
                    "themes": [labels.get(t, t) for t in s.get("themes") or []],
                    "stance": _stance_text(s),
                }
            )
    return shown, total


def _stance_text(statement: dict) -> list[dict[str, str]]:
    """Per axis: the statement's score and what it rests on (cue terms, nearest pole example), for the table."""
    out = []
    for axis, ev in (statement.get("evidence") or {}).items():
        score = (statement.get("scores") or {}).get(axis)
        if not isinstance(ev, dict):
            continue
        if score is None:
            out.append({"score": "—", "evidence": "بلا أدلة على هذا المحور"})
            continue
        parts = []
        cues = [t for terms in (ev.get("cues") or {}).values() for t in terms]
        if cues:
            parts.append("مؤشرات: " + "، ".join(cues))
        margin = number(ev.get("margin"))
        nearest = ev.get("nearest") or {}
        if ev.get("embedding_score") is not None and nearest and margin is not None:
            poles = list(nearest)
            pole = poles[-1] if margin > 0 else poles[0]  # the pole the statement leans to
            parts.append(f"أقرب مثال ({pole}، {nearest[pole].get('cosine')}): {nearest[pole].get('example', '')}")
        out.append({"score": f"{float(score):+.2f}", "evidence": " — ".join(parts)})
    return out
