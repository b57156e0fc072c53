"""The report's sections built from small result files and run.json: corpus and repairs, themes, paragraphs,
tables, candidate themes and the run's stages; plus the cell formatting the sections share.

Each ``section_*`` returns the dict the template reads (``ran`` False when its
stage did not run).  The stakeholder and trend sections live in
:mod:`.stakeholder_section` and :mod:`.trend_section`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from pipeline.outputs import number, split_list_cell
from pipeline.stages.repair import REPAIR_NOTES
from pipeline.stages.report.highlight import SeedHighlighter
from pipeline.stages.structure import STRUCTURE_NOTES
from pipeline.stages.structure.furniture import FURNITURE_LINE_COUNTS
from pipeline.stages.structure.un import TOTAL_LABELS

# Unit ids listed per candidate theme (its size counts them all).
MAX_CANDIDATE_UNITS = 100
# A table cell that is a number («1 234», «-0.62», «40٪»): shown left to right; other cells take their own direction.
NUMERIC_CELL = re.compile(r"[\s%٪+\-−.,٫٬()]*[0-9\u0660-\u0669][\s%٪+\-−.,٫٬()0-9\u0660-\u0669]*")

# What each repair step fixes, for readers who do not know the step names.
REPAIR_STEPS = {
    "fold_presentation_forms": ("توحيد أشكال العرض", "presentation-form letters folded to plain letters"),
    "strip_kashida": ("حذف الكشيدة", "kashida / tatweel removed"),
    "repair_yeh": ("تصحيح الياء", "Persian yeh ی restored to Arabic ي"),
    "repair_kaf": ("تصحيح الكاف", "آ restored to ك where it stands for kaf"),
    "split_glued_words": ("فصل الكلمات الملتصقة", "glued words split"),
    "rejoin_lam_alef": ("إعادة وصل لام ألف", "broken lam-alef rejoined"),
    "fix_mojibake": ("فك الترميز المشوّه", "mojibake (UTF-8 read as Windows-1252 or -1256) decoded again"),
    "reverse_lines": ("عكس الأسطر المقلوبة", "lines stored in reversed character order put back"),
    "fix_ligature_pairs": ("تصحيح ترتيب حروف الربط", "ligature letters extracted in visual order put back"),
    "fix_visual_order": (
        "تصحيح ترتيب الأسطر",
        "lines and segments extracted in visual order put back in reading order",
    ),
}


UNIT_KINDS_AR = {
    "front": "الصفحة الأولى",
    "summary": "الموجز",
    "heading": "العناوين",
    "paragraph": "الفقرات",
    "footnote": "الحواشي",
    "table": "الجداول",
}


def count_ar(n: int, singular: str, plural: str, accusative: str | None = None) -> str:
    """«n noun» with the noun in the form Arabic counting asks for: the plural after 3-10 («4 وثائق»),
    the accusative singular after 11-99 («12 تشغيلاً»), the singular otherwise («1 وثيقة», «100 فقرة»)."""
    rest = int(n) % 100
    word = plural if 3 <= rest <= 10 else (accusative or singular) if 11 <= rest <= 99 else singular
    return f"{n} {word}"


def fmt(value: Any, digits: int = 2) -> str:
    n = number(value)
    if n is None:
        return "" if value is None else str(value)
    if n == int(n) and abs(n) < 1e15 and not (isinstance(value, str) and "." in value):
        return str(int(n))
    return f"{n:.{digits}f}"


def percent(value: Any) -> str:
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
    decoded = document.get("mojibake_fixed")  # at ingest, before repair measured anything
    read_as = f"{DAMAGE_PROFILES['mojibake']} عند القراءة ({decoded})" if decoded else ""
    if not names:
        return read_as or "—"
    share = profile.get("known_share") or {}
    label = "، ".join([*([read_as] if read_as else []), *(DAMAGE_PROFILES.get(name, name) for name in names)])
    before, after = share.get("before"), share.get("after")
    if before is None or after is None:
        return label
    return f"{label} ({before * 100:.1f}% → {after * 100:.1f}%)"


def section_corpus(info: dict | None) -> dict[str, Any]:
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
            if not step.startswith(REPAIR_NOTES)  # notes, not repairs (profiles are shown per document)
        ]
        # mojibake decoded as the files were read (ingest) is repair too, counted by the ingest stage
        at_ingest = int(((stages.get("ingest") or {}).get("counts") or {}).get("mojibake_fixed", 0))
        if at_ingest:
            label, label_en = REPAIR_STEPS["fix_mojibake"]
            repairs.append(
                {
                    "step": "ingest: mojibake_fixed",
                    "label": label + " عند القراءة",
                    "label_en": label_en + " as the file was read",
                    "count": at_ingest,
                }
            )
    documents = [dict(document, damage=_damage_profile(document)) for document in info.get("documents") or []]
    return {
        "ran": True,
        "name": info.get("name", ""),
        "documents": documents,
        "failed": info.get("failed") or [],
        "kinds": [
            {"kind": k, "label": UNIT_KINDS_AR.get(k, k), "count": v}
            for k, v in kinds.items()
            if not k.startswith(STRUCTURE_NOTES)  # counts, not unit kinds
        ],
        "warnings": info.get("warnings") or [],
        # documents with warnings of their own (no paragraph, little text); stage warnings are not documents
        "warned_documents": sum(1 for d in info.get("documents") or [] if d.get("warnings")),
        "skipped": info.get("skipped") or [],
        # what this run did with the previous one: documents new/changed/removed, models reused or refitted
        "changes": info.get("changes") or {},
        "models": info.get("models") or {},
        "furniture": sum(int(v) for k, v in kinds.items() if k in FURNITURE_LINE_COUNTS),
        "furniture_blocks": int(kinds.get("furniture_repeated_blocks", 0)),  # boilerplate in text without pages
        "characters": ((stages.get("ingest") or {}).get("counts") or {}).get("characters"),
        "repair_ran": repair is not None,
        "repair_impl": (repair or {}).get("impl", ""),
        "repairs": repairs or [],
        "repairs_total": sum(r["count"] for r in repairs or []),
    }


def section_themes(
    rows: list[dict] | None, labels: dict[str, str], labels_en: dict[str, str], counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """The theme table; ``counts`` (the stage's run.json counts) give the paragraphs with no theme, so
    that shares that add up to well under 100% are explained."""
    if rows is None:
        return {"ran": False, "rows": []}
    counts = counts or {}
    without, with_theme = int(counts.get("paragraphs_without_theme", 0)), int(counts.get("paragraphs_with_theme", 0))
    total = without + with_theme
    out = []
    for row in rows:
        theme = row.get("theme") or ""
        coherence = row.get("coherence_npmi")
        out.append(
            {
                "theme": theme,
                "label": labels.get(theme) or theme,
                "label_en": labels_en.get(theme) or "",
                "paragraphs": fmt(row.get("paragraphs")),
                "share": number(row.get("share")) or 0.0,
                "share_text": percent(row.get("share")),
                "top_terms": split_list_cell(row.get("top_terms")),
                "coherence": fmt(coherence, 3),
                # how sure the assignment is: threshold, typical score of the assigned paragraphs,
                # high scores among the others, and the number of paragraphs near the threshold
                "threshold": fmt(row.get("threshold"), 2),
                "median_assigned": fmt(row.get("score_median_assigned"), 2),
                "p90_unassigned": fmt(row.get("score_p90_unassigned"), 2),
                "near": fmt(row.get("near_threshold")),
            }
        )
    out.sort(key=lambda r: (-r["share"], r["theme"]))
    sure = any(r["threshold"] or r["median_assigned"] for r in out)
    no_theme = {"paragraphs": without, "total": total, "share_text": percent(without / total)} if total else None
    return {"ran": True, "rows": out, "sure": sure, "no_theme": no_theme}


def first_fits(limit: int | None) -> Callable[[int], bool]:
    """Whether one more record fits on the page after ``n`` kept ones (``limit`` None: all; negative: none)."""
    if limit is None:
        return lambda n: True
    bound = max(0, limit)
    return lambda n: n < bound


# What the paragraph browser needs of a unit (not its tokens).
_PARAGRAPH_KEYS = ("unit_id", "doc_id", "number", "section", "text", "themes", "theme_scores", "speakers")


def section_paragraphs(
    units: Iterable[dict] | None,
    matcher: SeedHighlighter | None,
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
        return {"ran": False, "entries": [], "total": 0, "documents": 0, "shown": 0, "truncated": False}
    fits = first_fits(limit)
    kept: list[dict] = []
    sections: set[str] = set()  # sections of the kept paragraphs
    headings: dict[str, str] = {}
    total = 0
    documents: set[str] = set()  # documents with a paragraph: more than one, and each paragraph names its own
    theme_totals: Counter[str] = Counter()
    for unit in units:
        kind = unit.get("kind")
        if kind == "heading":
            # a heading may follow paragraphs that name it: keep it while the page fills up, or when needed
            if fits(len(kept)) or unit["unit_id"] in sections:
                headings[unit["unit_id"]] = unit.get("text", "")
        elif kind == "paragraph":
            total += 1
            documents.add(unit.get("doc_id") or "")
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
                    {"theme": t, "label": labels.get(t, t), "score": fmt(scores.get(t), 2) if t in scores else ""}
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
        "documents": len(documents),
        "shown": len(items),
        "truncated": len(items) < total,
        "theme_totals": dict(theme_totals),
        "theme_shown": dict(Counter(t for unit in kept for t in set(unit.get("themes") or []))),
    }


def _split_flag(flag: str, labels: set[str]) -> dict[str, str]:
    """``"<row label>: <message>"`` -> label and (English) message, so each part keeps its direction."""
    label, sep, message = str(flag).partition(": ")
    if sep and label in labels:
        return {"label": label, "message": message}
    return {"label": "", "message": str(flag)}


def section_tables(tables: list[dict] | None) -> dict[str, Any]:
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
                numeric = NUMERIC_CELL.fullmatch(str(printed)) is not None  # a number reads left to right
                cells.append(
                    {"printed": printed, "flagged": flagged, "implied": want if flagged else None, "numeric": numeric}
                )
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
                "label_column": table.get("label_column") or "",
                "rows": rows,
                "flags": [_split_flag(f, labels) for f in table.get("flags") or []],
                # sums are checked where the table has a total row (any layout: structure.un.validate_table)
                "checked": bool(labels & TOTAL_LABELS),
            }
        )
    return {"ran": True, "entries": items}


def section_candidates(candidates: list[dict] | None, labels: dict[str, str]) -> dict[str, Any]:
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
                "terms": split_list_cell(c.get("top_terms")),
                "near": labels.get(near, near) if near else "",
                "typical": typical,
                "units": [str(u) for u in units[:MAX_CANDIDATE_UNITS]] if isinstance(units, list) else [],
                "more_units": max(0, len(units) - MAX_CANDIDATE_UNITS) if isinstance(units, list) else 0,
            }
        )
    return {"ran": True, "entries": entries}


def section_run(info: dict | None) -> dict[str, Any]:
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
