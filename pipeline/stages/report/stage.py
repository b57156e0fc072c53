"""The HTML report of a run: one self-contained, right-to-left page people can read and print.

The report stage runs last.  It reads the result files the other stages wrote
into the output folder (units.jsonl, tables.jsonl, run.json, themes.csv,
candidate_themes.jsonl, statements.jsonl, positions.csv, salience.csv), draws
the charts (PNG + SVG into ``plots/``; the SVG is embedded in the page), and
renders ``report.html`` with Jinja2 (autoescaped: every piece of text from the
documents is escaped).  A missing file means its stage did not run; its section
says so instead of failing.

units.jsonl and statements.jsonl grow with the corpus, so they are read as a
stream, in one pass each: the page keeps the first ``max_paragraphs`` paragraphs
and ``max_statements`` statements in document order (1,000 each by default;
None shows all) plus counts over all of them, and says how many it leaves out.
The other result files are small (one row per theme, group or table).

The trend section reads the run history (:mod:`pipeline.run.history`) of the real
output folder: inside a run the report is written into a staging folder before
the run is recorded, so the earlier runs come from the history and this run's
point from its own themes.csv / positions.csv.  With fewer than two runs, or an
unreadable history, the section says so and draws nothing.

The page needs no network: CSS and a few lines of script are inline, charts are
data URIs, fonts come from the system.  Nothing in it depends on the clock, so
the same results give a byte-identical file.

:func:`write_report` rebuilds the report of an existing output folder without
re-running the pipeline (``HtmlReport.apply`` is a thin wrapper around it).
"""

from __future__ import annotations

import base64
import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from pipeline import atomic
from pipeline.outputs import split_list_cell
from pipeline.registry import register
from pipeline.stages.base import CorpusStage
from pipeline.text.arabic import light_fold

TEMPLATE = "report.html.j2"
PLOTS_FOLDER = "plots"
# At most this many paragraphs / statements on the page unless told otherwise (None: all); the rest are counted.
DEFAULT_MAX_PARAGRAPHS = 1000
DEFAULT_MAX_STATEMENTS = 1000
# Unit ids listed per candidate theme (its size counts them all).
MAX_CANDIDATE_UNITS = 100
# Theme colours (background, text) for seed marks and theme chips: light enough to read text on.
PALETTE = (
    ("#dbeaf5", "#123b57"),
    ("#f8e0c9", "#5b3210"),
    ("#dcefd8", "#1f4a19"),
    ("#f3d9e6", "#5c1839"),
    ("#e6e0f5", "#35225f"),
    ("#f5efc4", "#4d4307"),
    ("#d6efee", "#0f4645"),
    ("#f3dcd6", "#5c2114"),
    ("#e4e4e4", "#2b2b2b"),
    ("#e9f1cf", "#3b4a0b"),
)

# What each repair step fixes, for readers who do not know the step names.
REPAIR_STEPS = {
    "fold_presentation_forms": ("توحيد أشكال العرض", "presentation-form letters folded to plain letters"),
    "strip_kashida": ("حذف الكشيدة", "kashida / tatweel removed"),
    "repair_yeh": ("تصحيح الياء", "Persian yeh ی restored to Arabic ي"),
    "repair_kaf": ("تصحيح الكاف", "آ restored to ك where it stands for kaf"),
    "split_glued_words": ("فصل الكلمات الملتصقة", "glued words split"),
    "rejoin_lam_alef": ("إعادة وصل لام ألف", "broken lam-alef rejoined"),
    "fix_mojibake": ("فك الترميز المشوّه", "mojibake (UTF-8 read as Windows-1252) decoded again"),
    "reverse_lines": ("عكس الأسطر المقلوبة", "lines stored in reversed character order put back"),
    "fix_ligature_pairs": ("تصحيح ترتيب حروف الربط", "ligature letters extracted in visual order put back"),
    "fix_visual_order": (
        "تصحيح ترتيب الأسطر",
        "lines and segments extracted in visual order put back in reading order",
    ),
}

# Speaker ids the stakeholder stage uses that no config names.
GROUP_FALLBACK = {"unspecified": "غير محدد", "(all)": "كل الفئات"}
# Salience cells resting on fewer statements than this are greyed: a share of 1-2 statements says little.
SALIENCE_MIN_STATEMENTS = 3
# Theme ids the stages use that no taxonomy names (salience.csv counts statements without a theme as "(none)").
THEME_FALLBACK = {"(none)": "بلا موضوع", "none": "بلا موضوع"}

UNIT_KINDS_AR = {
    "front": "الصفحة الأولى",
    "summary": "الموجز",
    "heading": "العناوين",
    "paragraph": "الفقرات",
    "footnote": "الحواشي",
    "table": "الجداول",
}

_WORD = re.compile(r"[\w\u064b-\u065f\u0670]+")  # letters, digits and Arabic diacritics; not ، ؛ ؟
_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "لل", "ال", "و", "ب", "ل", "ف", "ك")


# --------------------------------------------------------------------------- reading


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


def number(value: Any) -> float | None:
    """``value`` as a float (CSV cells are strings); None if empty or not a number."""
    if value is None or value == "":
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if result != result else result


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


# --------------------------------------------------------------------------- seed highlighting


def fold(word: str) -> str:
    """Light Arabic folding for matching when no pipeline features are at hand."""
    word = light_fold(word)
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


class SeedMatcher:
    """Finds seed terms in display text: words are compared by their features, phrases as sequences.

    ``featurize`` maps natural Arabic to model features (the run's own
    repair -> normalise -> tokenise chain, ``Corpus.featurize``), so «بالإنترنت»
    matches the seed «الإنترنت» exactly when the models see the same feature.
    Without it a light folding with prefix stripping stands in.
    """

    def __init__(self, seeds: dict[str, list[str]], featurize: Callable[[str], list[str]] | None = None):
        self._featurize = featurize
        self._cache: dict[str, tuple[str, ...]] = {}
        patterns: dict[tuple[str, ...], tuple[str, str]] = {}
        for theme in sorted(seeds):
            for seed in seeds[theme]:
                key = tuple(part for feature in self.features(seed) for part in feature.split("_") if part)
                if key and key not in patterns:  # first theme (sorted) wins a seed shared by two themes
                    patterns[key] = (theme, seed)
        # longest first: a longer seed term wins over a shorter one inside it
        self.patterns = sorted(patterns.items(), key=lambda item: (-len(item[0]), item[0]))
        self.max_len = max((len(key) for key, _ in self.patterns), default=0)
        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, str]]]] = {}
        for key, value in self.patterns:
            self.by_first.setdefault(key[0], []).append((key, value))

    def features(self, text: str) -> tuple[str, ...]:
        if text not in self._cache:
            if self._featurize is not None:
                try:
                    self._cache[text] = tuple(self._featurize(text))
                except Exception:  # a stage that cannot featurize a fragment must not sink the report
                    self._cache[text] = ()
            else:
                self._cache[text] = tuple(fold(w) for w in _WORD.findall(text))
        return self._cache[text]

    def segments(self, text: str) -> list[dict[str, Any]]:
        """``text`` cut into plain and matched pieces: ``[{"text", "theme", "seed"}]``; joined they give ``text``."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        if not self.patterns or not words:
            return [{"text": text, "theme": None, "seed": None}] if text else []
        # content features in order, each remembering the word it came from
        stream: list[tuple[str, int]] = []
        for index, (_, _, word) in enumerate(words):
            for feature in self.features(word):
                stream.extend((part, index) for part in feature.split("_") if part)
        spans: list[tuple[int, int, str, str]] = []  # first word, last word, theme, seed
        i = 0
        while i < len(stream):
            for key, (theme, seed) in self.by_first.get(stream[i][0], ()):
                if tuple(f for f, _ in stream[i : i + len(key)]) == key:
                    spans.append((stream[i][1], stream[i + len(key) - 1][1], theme, seed))
                    i += len(key)
                    break
            else:
                i += 1
        out: list[dict[str, Any]] = []
        cursor = 0
        last_word = -1
        for first, last, theme, seed in spans:
            if first <= last_word:  # two features of one word matched twice
                continue
            start, end = words[first][0], words[last][1]
            if start > cursor:
                out.append({"text": text[cursor:start], "theme": None, "seed": None})
            out.append({"text": text[start:end], "theme": theme, "seed": seed})
            cursor, last_word = end, last
        if cursor < len(text):
            out.append({"text": text[cursor:], "theme": None, "seed": None})
        return out


# --------------------------------------------------------------------------- sections


def _fmt(value: Any, digits: int = 2) -> str:
    n = number(value)
    if n is None:
        return "" if value is None else str(value)
    if n == int(n) and abs(n) < 1e15 and not (isinstance(value, str) and "." in value):
        return str(int(n))
    return f"{n:.{digits}f}"


def _percent(value: Any) -> str:
    n = number(value)
    return "" if n is None else f"{n * 100:.0f}%"


# Damage profiles the repair stage calibrates per document (pipeline/stages/repair/profile.py).
DAMAGE_PROFILES = {
    "seed_glyphs": "خط التقرير المرفق (ك→آ، ي→ی، كشيدة ѧ)",
    "ligature_pairs": "حروف ربط مقلوبة",
    "line_reversal": "أسطر مقلوبة",
    "presentation_forms": "أشكال العرض",
    "mojibake": "ترميز مشوّه",
}


def _damage_profile(document: dict) -> str:
    """«profile (known-word share before → after)» for a run.json document entry, or «—»."""
    profile = (document.get("profile") or {}).get("repair") or {}
    names = profile.get("profiles") or []
    if not names:
        return "—"
    share = profile.get("known_share") or {}
    label = "، ".join(DAMAGE_PROFILES.get(name, name) for name in names)
    before, after = share.get("before"), share.get("after")
    if before is None or after is None:
        return label
    return f"{label} ({before * 100:.1f}% → {after * 100:.1f}%)"


def _section_corpus(info: dict | None) -> dict[str, Any]:
    if info is None:
        return {"ran": False}
    stages = info.get("stages") or {}
    kinds = (stages.get("structure") or {}).get("counts") or {}
    repair = stages.get("repair")
    repairs = None
    if repair is not None:
        counts = repair.get("counts") or {}
        repairs = [
            {
                "step": step,
                "label": REPAIR_STEPS.get(step, (step, ""))[0],
                "label_en": REPAIR_STEPS.get(step, ("", step))[1],
                "count": int(count),
            }
            for step, count in sorted(counts.items(), key=lambda item: (-int(item[1]), item[0]))
            if not step.startswith("profile_")  # documents per damage profile: shown per document
        ]
    documents = [dict(document, damage=_damage_profile(document)) for document in info.get("documents") or []]
    return {
        "ran": True,
        "name": info.get("name", ""),
        "documents": documents,
        "failed": info.get("failed") or [],
        "kinds": [
            {"kind": k, "label": UNIT_KINDS_AR.get(k, k), "count": v}
            for k, v in kinds.items()
            if not k.startswith(("layout_", "furniture_", "warn_", "list_", "tables_"))  # counts, not unit kinds
        ],
        "warnings": info.get("warnings") or [],
        "skipped": info.get("skipped") or [],
        "furniture": sum(int(v) for k, v in kinds.items() if k in ("furniture_repeated", "furniture_page_numbers")),
        "characters": ((stages.get("ingest") or {}).get("counts") or {}).get("characters"),
        "repair_ran": repair is not None,
        "repair_impl": (repair or {}).get("impl", ""),
        "repairs": repairs or [],
        "repairs_total": sum(r["count"] for r in repairs or []),
    }


def _section_themes(rows: list[dict] | None, labels: dict[str, str], labels_en: dict[str, str]) -> dict[str, Any]:
    if rows is None:
        return {"ran": False, "rows": []}
    out = []
    for row in rows:
        theme = row.get("theme") or row.get("id") or ""
        coherence = row.get("coherence_npmi", row.get("coherence"))
        out.append(
            {
                "theme": theme,
                "label": labels.get(theme) or theme,
                "label_en": labels_en.get(theme) or "",
                "paragraphs": _fmt(row.get("paragraphs")),
                "share": number(row.get("share")) or 0.0,
                "share_text": _percent(row.get("share")),
                "top_terms": split_list_cell(row.get("top_terms")),
                "coherence": _fmt(coherence, 3),
                # how sure the assignment is: threshold, typical score of the assigned paragraphs,
                # high scores among the others, and the number of paragraphs near the threshold
                "threshold": _fmt(row.get("threshold"), 2),
                "median_assigned": _fmt(row.get("score_median_assigned"), 2),
                "p90_unassigned": _fmt(row.get("score_p90_unassigned"), 2),
                "near": _fmt(row.get("near_threshold")),
            }
        )
    out.sort(key=lambda r: (-r["share"], r["theme"]))
    sure = any(r["threshold"] or r["median_assigned"] for r in out)
    return {"ran": True, "rows": out, "sure": sure}


def _first(limit: int | None) -> Callable[[int], bool]:
    """Whether one more record fits on the page after ``n`` kept ones (``limit`` None: all; negative: none)."""
    if limit is None:
        return lambda n: True
    bound = max(0, limit)
    return lambda n: n < bound


# What the paragraph browser needs of a unit (not its tokens).
_PARAGRAPH_KEYS = ("unit_id", "doc_id", "number", "section", "text", "themes", "theme_scores", "speakers")


def _section_paragraphs(
    units: Iterable[dict] | None,
    matcher: SeedMatcher | None,
    labels: dict[str, str],
    groups: dict[str, str],
    limit: int | None,
) -> dict[str, Any]:
    """The paragraph browser from one pass over ``units``: the first ``limit`` paragraphs, and counts of all.

    Only the shown paragraphs and the headings of their sections are kept;
    ``theme_totals`` / ``theme_shown`` count the paragraphs with each theme in
    the corpus / on the page.
    """
    if units is None:
        return {"ran": False, "entries": [], "total": 0, "shown": 0, "truncated": False}
    fits = _first(limit)
    kept: list[dict] = []
    sections: set[str] = set()  # sections of the kept paragraphs
    headings: dict[str, str] = {}
    total = 0
    theme_totals: Counter[str] = Counter()
    for unit in units:
        kind = unit.get("kind")
        if kind == "heading":
            # a heading may follow paragraphs that name it: keep it while the page fills up, or when needed
            if fits(len(kept)) or unit["unit_id"] in sections:
                headings[unit["unit_id"]] = unit.get("text", "")
        elif kind == "paragraph":
            total += 1
            theme_totals.update(set(unit.get("themes") or []))
            if fits(len(kept)):
                kept.append({key: unit[key] for key in _PARAGRAPH_KEYS if key in unit})
                sections.add(unit.get("section") or "")
    items = []
    previous = (None, None)
    for unit in kept:
        where = (unit.get("doc_id"), unit.get("section"))
        text = unit.get("text", "")
        scores = unit.get("theme_scores") or {}
        themes = list(unit.get("themes") or [])
        items.append(
            {
                "unit_id": unit.get("unit_id", ""),
                "doc_id": unit.get("doc_id", ""),
                "number": unit.get("number"),
                "heading": headings.get(unit.get("section") or "", "") if where != previous else None,
                "new_doc": where[0] != previous[0],
                "segments": matcher.segments(text) if matcher else [{"text": text, "theme": None, "seed": None}],
                "themes": [
                    {"theme": t, "label": labels.get(t, t), "score": _fmt(scores.get(t), 2) if t in scores else ""}
                    for t in sorted(themes, key=lambda t: (-(number(scores.get(t)) or 0.0), t))
                ],
                "speakers": [{"group": s, "label": groups.get(s, s)} for s in unit.get("speakers") or []],
            }
        )
        previous = where
    return {
        "ran": True,
        "entries": items,
        "total": total,
        "shown": len(items),
        "truncated": len(items) < total,
        "theme_totals": dict(theme_totals),
        "theme_shown": dict(Counter(t for unit in kept for t in set(unit.get("themes") or []))),
    }


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


def _section_stakeholders(
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
        group_ids, theme_ids, matrix, measure = _salience_matrix(salience)
        is_share = measure in ("share", "salience") and all(v <= 1.0 for row in matrix for v in row)
        top = max((v for row in matrix for v in row), default=0.0)
        # statement counts behind each cell (long layout of salience.csv), so no share hides a tiny n
        counts = {(r.get("group"), r.get("theme")): number(r.get("n_statements")) for r in salience}
        totals = {r.get("group"): number(r.get("group_statements")) for r in salience}
        count_matrix = [[int(counts.get((g, t)) or 0) for t in theme_ids] for g in group_ids]
        total_row = [int(totals.get(g) or 0) for g in group_ids]
        has_counts = any(totals.values())
        out["salience"] = {
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
                            "text": (_percent(v) if is_share else _fmt(v)) + (f" ({n}/{total})" if has_counts else ""),
                            "color": "#e9ecef"
                            if has_counts and total < SALIENCE_MIN_STATEMENTS
                            else _heat_color(v, top),
                            "dark": top > 0 and v > 0.6 * top and not (has_counts and total < SALIENCE_MIN_STATEMENTS),
                        }
                        for v, n in zip(row, counts_row, strict=True)
                    ],
                }
                for g, row, counts_row, total in zip(group_ids, matrix, count_matrix, total_row, strict=True)
            ],
        }
    if positions is not None:
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
                    "score_text": _fmt(r.get("score")) or "—",
                    "ci_text": f"[{_fmt(low)}, {_fmt(high)}]" if low is not None and high is not None else "—",
                    "n": _fmt(r.get("n_statements") or r.get("n") or r.get("statements")),
                    "n_scored": _fmt(r.get("n_scored")),
                    "note": r.get("note") or "",
                }
            )
        out["positions"] = rows
        out["position_methods"] = methods
    if statements is not None:
        fits = _first(limit)
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
        out["statements"] = shown
        out["statements_total"] = total
    return out


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


def _split_flag(flag: str, labels: set[str]) -> dict[str, str]:
    """``"<row label>: <message>"`` -> label and (English) message, so each part keeps its direction."""
    label, sep, message = str(flag).partition(": ")
    if sep and label in labels:
        return {"label": label, "message": message}
    return {"label": "", "message": str(flag)}


def _section_tables(tables: list[dict] | None) -> dict[str, Any]:
    if tables is None:
        return {"ran": False, "entries": []}
    items = []
    for table in tables:
        labels = {str(row.get("label", "")) for row in table.get("rows") or []}
        rows = []
        for row in table.get("rows") or []:
            implied = row.get("implied") or []
            values = row.get("values") or []
            cells = []
            for i, printed in enumerate(row.get("printed") or []):
                want = implied[i] if i < len(implied) else None
                have = values[i] if i < len(values) else None
                flagged = want is not None and want != have
                cells.append({"printed": printed, "flagged": flagged, "implied": want if flagged else None})
            rows.append(
                {
                    "label": row.get("label", ""),
                    "label_en": row.get("label_en") or "",
                    "cells": cells,
                    "flags": row.get("flags") or [],
                }
            )
        items.append(
            {
                "unit_id": table.get("unit_id", ""),
                "doc_id": table.get("doc_id", ""),
                "title": table.get("title", ""),
                "columns": table.get("columns") or [],
                "rows": rows,
                "flags": [_split_flag(f, labels) for f in table.get("flags") or []],
            }
        )
    return {"ran": True, "entries": items}


def _section_candidates(candidates: list[dict] | None, labels: dict[str, str]) -> dict[str, Any]:
    if candidates is None:
        return {"ran": False, "entries": []}
    entries = []
    for i, c in enumerate(candidates, 1):
        typical = []
        for example in c.get("typical") or []:
            if isinstance(example, dict):
                typical.append({"unit_id": str(example.get("unit_id", "")), "text": str(example.get("text", ""))})
            else:
                typical.append({"unit_id": "", "text": str(example)})
        near = c.get("nearest_theme")
        units = c.get("units") or []
        entries.append(
            {
                "id": str(c.get("id") or i),
                "size": c.get("size") if c.get("size") is not None else len(units),
                "terms": split_list_cell(c.get("top_terms") or c.get("terms")),
                "near": labels.get(near, near) if near else "",
                "typical": typical,
                "units": [str(u) for u in units[:MAX_CANDIDATE_UNITS]] if isinstance(units, list) else [],
                "more_units": max(0, len(units) - MAX_CANDIDATE_UNITS) if isinstance(units, list) else 0,
            }
        )
    return {"ran": True, "entries": entries}


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
        tail = values[-shown:]
        present = [v for v in tail if v is not None]
        change = present[-1] - present[0] if len(present) > 1 else None
        if kind == "theme":
            cells = ["—" if v is None else f"{v * 100:.1f}%" for v in tail]
            change_text = "—" if change is None else f"{change * 100:+.1f}"
        else:
            cells = ["—" if v is None else f"{v:.2f}" for v in tail]
            change_text = "—" if change is None else f"{change:+.2f}"
        rows.append({"key": key, "label": label(key), "values": values, "cells": cells, "change": change_text})
    return rows


def _section_trend(
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
        frame = history.trend(history_dir)
        recorded = list(history.runs(history_dir).get("run_id", []))
        db_labels = history.theme_labels(history_dir)
    except Exception as exc:  # a damaged or foreign database must not sink the report
        out["error"] = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return out
    number = {run_id: i + 1 for i, run_id in enumerate(recorded)}  # as `python -m pipeline history` counts
    points: dict[str, dict[str, Any]] = {}
    for run_id, started, kind, key, value in frame.itertuples(index=False, name=None):
        point = points.setdefault(
            run_id, {"run_id": run_id, "number": number.get(run_id, len(points) + 1), "started": started, "values": {}}
        )
        if value == value:  # NaN: no value
            point["values"].setdefault((kind, key), float(value))
    current = (info or {}).get("run_id")
    if current is None or current not in number:  # this run is not recorded yet (the report runs inside it)
        values: dict[tuple[str, str], float] = {}
        for theme, _, _, share in history.read_shares(folder):
            if share is not None:
                values.setdefault(("theme", theme), share)
        for group, axis, score, *_ in history.read_positions(folder):
            if score is not None:
                values.setdefault(("position", f"{group}:{axis}"), score)
        if values:
            points[current or ""] = {
                "run_id": current or "",
                "number": max([len(recorded), *(p["number"] for p in points.values())]) + 1,
                "started": (info or {}).get("started"),
                "values": values,
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


def _section_run(info: dict | None) -> dict[str, Any]:
    if info is None:
        return {"ran": False}
    return {
        "ran": True,
        "config": info.get("config", ""),
        "config_hash": info.get("config_hash", ""),
        "versions": info.get("versions") or {},
        "stages": [
            {"slot": slot, "impl": s.get("impl", ""), "fingerprint": (s.get("fingerprint") or "")[:12]}
            for slot, s in (info.get("stages") or {}).items()
        ],
    }


# --------------------------------------------------------------------------- figures


def _figures(folder: Path, context: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Draw the charts into ``folder/plots``; returns data URIs of the SVGs by name."""
    from pipeline.stages.report import plots

    made: dict[str, dict[str, str]] = {}
    out = folder / PLOTS_FOLDER

    def keep(name: str, fig: Any, alt: str) -> None:
        saved = plots.save_figure(fig, out, name)
        uri = "data:image/svg+xml;base64," + base64.b64encode(saved["svg_bytes"]).decode("ascii")
        made[name] = {"uri": uri, "alt": alt, "png": f"{PLOTS_FOLDER}/{name}.png", "svg": f"{PLOTS_FOLDER}/{name}.svg"}

    themes = context["themes"]
    if themes["ran"] and themes["rows"]:
        keep(
            "theme_shares",
            plots.theme_shares_figure([r["label"] for r in themes["rows"]], [r["share"] for r in themes["rows"]]),
            "مخطط أعمدة لحصة كل موضوع من الفقرات",
        )
    stakeholders = context["stakeholders"]
    salience = stakeholders.get("salience")
    if salience and salience["matrix"] and salience["themes"]:
        keep(
            "salience",
            plots.salience_figure(
                salience["group_labels"],
                salience["theme_labels"],
                salience["matrix"],
                value_format="{:.0%}" if salience["is_share"] else "{:g}",
                counts=salience.get("counts"),
                totals=salience.get("totals"),
                min_statements=salience.get("min_statements", 0),
            ),
            "خريطة حرارية لبروز الموضوعات لدى كل فئة من أصحاب المصلحة",
        )
    positions = [p for p in stakeholders.get("positions") or [] if p["score"] is not None]
    if positions:
        rows = [{**p, "group": p["label"], "axis": p["axis_label"]} for p in positions]
        keep("positions", plots.positions_figure(rows), "مخطط مواقف أصحاب المصلحة مع فترات الثقة")
    trend = context.get("trend") or {}
    if trend.get("shown") and (trend["themes"] or trend["positions"]):
        positions_title = "مواقف أصحاب المصلحة"
        if trend.get("axis_label"):
            positions_title += f": {trend['axis_label']}"
        keep(
            "trend",
            plots.trend_figure(
                [(p["number"], p["tick"]) for p in trend["points"]],
                [(r["label"], r["values"]) for r in trend["themes"]],
                [(r["label"], r["values"]) for r in trend["positions"]],
                title="حصص الموضوعات عبر التشغيلات",
                positions_title=positions_title,
            ),
            "مخطط خطي لحصص الموضوعات ومواقف أصحاب المصلحة في كل تشغيل",
        )
    return made


# --------------------------------------------------------------------------- rendering


def build_context(
    folder: str | Path,
    *,
    taxonomy: dict[str, Any] | None = None,
    featurize: Callable[[str], list[str]] | None = None,
    max_paragraphs: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_PARAGRAPHS,
    max_statements: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_STATEMENTS,
    highlight: bool = True,
    title: str | None = None,
    history_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Everything the template shows, read from the result files in ``folder``.

    units.jsonl and statements.jsonl are streamed: only the first
    ``max_paragraphs`` paragraphs and ``max_statements`` statements (None: all)
    are kept, with counts of the rest.  ``history_dir`` is the output folder
    whose run history the trend section reads (default: ``folder``; inside a
    run, the real output folder).
    """
    folder = Path(folder)
    taxonomy = {**empty_taxonomy(), **(taxonomy or {})}
    info = read_json(folder / "run.json")
    theme_rows = read_csv(folder / "themes.csv")
    labels = {**THEME_FALLBACK, **taxonomy["labels"]}
    labels_en = dict(taxonomy["labels_en"])
    for row in theme_rows or []:  # themes.csv names the themes of the run, also when no taxonomy is at hand
        theme = row.get("theme") or ""
        labels.setdefault(theme, row.get("label_ar") or row.get("label") or theme)
        labels_en.setdefault(theme, row.get("label_en") or "")
    groups = {**GROUP_FALLBACK, **taxonomy["groups"]}
    themes = sorted(t for t in labels if t not in THEME_FALLBACK)
    seeds = taxonomy.get("seeds") or {}
    matcher = SeedMatcher(seeds, featurize) if highlight and seeds else None
    name = (info or {}).get("name") or folder.name
    context = {
        "title": title or f"تقرير التحليل: {name}",
        "name": name,
        "corpus": _section_corpus(info),
        "themes": _section_themes(theme_rows, labels, labels_en),
        "paragraphs": _section_paragraphs(iter_jsonl(folder / "units.jsonl"), matcher, labels, groups, max_paragraphs),
        "stakeholders": _section_stakeholders(
            iter_jsonl(folder / "statements.jsonl"),
            read_csv(folder / "positions.csv"),
            read_csv(folder / "salience.csv"),
            labels,
            groups,
            taxonomy["axes"],
            max_statements,
        ),
        "tables": _section_tables(read_jsonl(folder / "tables.jsonl")),
        "candidates": _section_candidates(read_jsonl(folder / "candidate_themes.jsonl"), labels),
        "trend": _section_trend(
            folder,
            Path(history_dir) if history_dir is not None else folder,
            info,
            labels,
            groups,
            taxonomy["axes"],
        ),
        "run": _section_run(info),
        "seed_themes": sorted(seeds),
        "theme_filter": sorted((labels[t], t) for t in themes),
        "theme_colors": {t: i % len(PALETTE) for i, t in enumerate(themes)},
        "palette": PALETTE,
        "figures": {},
    }
    return context


def render(context: dict[str, Any]) -> str:
    """The report page for ``context`` (see :func:`build_context`)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.stages.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["basename"] = lambda value: str(value).replace("\\", "/").rsplit("/", 1)[-1]
    env.filters["thousands"] = lambda value: f"{value:,}"  # 212345 -> 212,345
    return env.get_template(TEMPLATE).render(**context)


def write_report(
    folder: str | Path,
    config: Any = None,
    *,
    plots: bool = True,
    max_paragraphs: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_PARAGRAPHS,
    max_statements: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_STATEMENTS,
    highlight: bool = True,
    featurize: Callable[[str], list[str]] | None = None,
    title: str | None = None,
    taxonomy: dict[str, Any] | None = None,
    history_dir: str | Path | None = None,
) -> dict[str, int]:
    """Write ``report.html`` (and ``plots/``) for the results in ``folder``; returns counts.

    ``config`` (a :class:`pipeline.config.Config`) supplies theme labels, seed
    terms and stakeholder labels from the YAML files its stages name
    (``taxonomy``, in the form :func:`find_taxonomy` returns, overrides it).
    ``history_dir``: the output folder whose run history feeds the trend
    section (default ``folder``).  ``max_paragraphs`` / ``max_statements``:
    show at most this many (None: all); the page says how many it leaves out.
    """
    folder = Path(folder)
    context = build_context(
        folder,
        taxonomy=taxonomy if taxonomy is not None else find_taxonomy(config),
        featurize=featurize,
        max_paragraphs=max_paragraphs,
        max_statements=max_statements,
        highlight=highlight,
        title=title,
        history_dir=history_dir,
    )
    if plots:
        context["figures"] = _figures(folder, context)
    atomic.write_text(folder / "report.html", render(context))
    items = context["paragraphs"]["entries"]
    return {
        "paragraphs": len(items),
        "highlights": sum(1 for p in items for s in p["segments"] if s["theme"]),
        "figures": len(context["figures"]),
        "tables": len(context["tables"]["entries"]),
        "sections_not_run": sum(
            1 for key in ("themes", "paragraphs", "stakeholders", "tables", "candidates") if not context[key]["ran"]
        ),
    }


@register("report", "html")
@dataclass
class HtmlReport(CorpusStage):
    """``report.html`` in the output folder: corpus and repairs, themes, paragraphs, stakeholders, tables, trend."""

    reads_results: ClassVar[bool] = True  # renders units.jsonl, statements.jsonl, run.json of this run

    plots: bool = True  # PNG + SVG into output/plots/ and charts in the page
    max_paragraphs: Annotated[int, Field(ge=1)] | None = (
        DEFAULT_MAX_PARAGRAPHS  # show the first this many paragraphs (null: all)
    )
    max_statements: Annotated[int, Field(ge=1)] | None = (
        DEFAULT_MAX_STATEMENTS  # show the first this many statements (null: all)
    )
    highlight: bool = True  # mark the seed terms of the theme taxonomy in the paragraph text
    title: str | None = None  # page title (default: "تقرير التحليل: <run name>")

    def apply(self, corpus: Any) -> dict[str, int]:
        return write_report(
            corpus.output,
            corpus.config,
            plots=self.plots,
            max_paragraphs=self.max_paragraphs,
            max_statements=self.max_statements,
            highlight=self.highlight,
            featurize=corpus.featurize,
            title=self.title,
            # corpus.output is the staging folder; the history lives in the real output folder
            history_dir=corpus.config.output if corpus.config is not None else corpus.output,
        )


def paragraph_numbers(html: str) -> list[int]:
    """The paragraph numbers the page's browser shows, in order (for tests and checks)."""
    return [int(n) for n in re.findall(r'<span class="num">(\d+)</span>', html)]
