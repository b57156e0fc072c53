"""Evaluation of the stakeholder stage: attribution against the blind gold of views, stance against blind labels.

Attribution (``tests/fixtures/seed_statements_blind.jsonl``): tool statements are aligned
to gold ones by unit and cue (:func:`align`), then :func:`attribution_scores` gives
precision and recall, overall and for named groups.

Stance (``tests/fixtures/seed_stance_blind.jsonl``, conventions in
``tests/fixtures/STANCE_CONVENTIONS.md``): each blind view has a label
(intergovernmental / multistakeholder / neutral) and a ``split`` (dev / heldout).
:func:`stance_scores` compares a scorer's signed scores with the labels: sign agreement
on the views with a non-neutral label, and macro-F1 over the three labels, each with a
percentile bootstrap interval over views (Efron & Tibshirani 1993).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BLIND = ROOT / "tests" / "fixtures" / "seed_statements_blind.jsonl"
STANCE = ROOT / "tests" / "fixtures" / "seed_stance_blind.jsonl"
UNSPEC = "unspecified"
LABELS = ("intergovernmental", "neutral", "multistakeholder")  # sign -1, 0, +1

_DIAC = re.compile("[\u064b-\u065f\u0670\u0640]")


# ------------------------------------------------------------------ attribution
def norm_cue(cue: str) -> str:
    """A cue folded for alignment: diacritics, tatweel, alef/yeh/teh marbuta variants, one و/ف prefix."""
    s = _DIAC.sub("", (cue or "").strip())
    s = re.sub("[أإآٱ]", "ا", s).replace("ى", "ي").replace("ة", "ه")
    s = " ".join(s.split())
    if len(s) > 3 and s[0] in "وف":
        s = s[1:]
    return s


def first_word(cue: str) -> str:
    n = norm_cue(cue)
    return n.split(" ")[0] if n else n


def align(gold: list[dict], tool: list[dict]) -> tuple[list[tuple[dict, dict, str]], list[dict], list[dict]]:
    """(pairs, unmatched gold, unmatched tool); a pair is (gold row, tool row, "exact" | "first-word").

    Same unit and same folded cue, several in one unit paired by order; cues still
    unpaired are then paired on their first word («أعرب عن الرأي» ~ «وأعرب»)."""
    by_unit_g: dict[str, list[int]] = defaultdict(list)
    by_unit_t: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        by_unit_g[g["unit_id"]].append(i)
    for j, t in enumerate(tool):
        by_unit_t[t["unit_id"]].append(j)
    used_g: set[int] = set()
    used_t: set[int] = set()
    pairs = []
    for key, how in ((norm_cue, "exact"), (first_word, "first-word")):
        for unit, gis in by_unit_g.items():
            tjs = [j for j in by_unit_t.get(unit, []) if j not in used_t]
            gis = [i for i in gis if i not in used_g]
            queue: dict[str, list[int]] = defaultdict(list)
            for j in tjs:
                queue[key(tool[j]["cue"])].append(j)
            for i in gis:
                q = queue.get(key(gold[i]["cue"]))
                if q:
                    j = q.pop(0)
                    used_g.add(i)
                    used_t.add(j)
                    pairs.append((gold[i], tool[j], how))
    ug = [g for i, g in enumerate(gold) if i not in used_g]
    ut = [t for j, t in enumerate(tool) if j not in used_t]
    return pairs, ug, ut


def attribution_scores(gold: list[dict], tool: list[dict]) -> dict[str, Any]:
    """Counts and rates of one alignment: matched, precision, named precision / recall (strict and lenient).

    Named precision: of matched tool statements given a named group (not ``unspecified``),
    the share whose group is the gold speaker; named recall: of matched gold statements with
    a named speaker, the share the tool gives that speaker.  ``lenient`` also accepts a gold
    row's ``alt_speakers``."""
    pairs, _, _ = align(gold, tool)

    def ok(g: dict, t: dict, lenient: bool) -> bool:
        return t["speaker"] == g["speaker"] or (lenient and t["speaker"] in g.get("alt_speakers", []))

    out: dict[str, Any] = {"gold": len(gold), "tool": len(tool), "matched": len(pairs)}
    for lenient in (False, True):
        tag = "_lenient" if lenient else ""
        named = [(g, t) for g, t, _ in pairs if t["speaker"] != UNSPEC]
        gold_named = [(g, t) for g, t, _ in pairs if g["speaker"] != UNSPEC]
        out[f"correct{tag}"] = sum(ok(g, t, lenient) for g, t, _ in pairs)
        out[f"named{tag}"] = (sum(ok(g, t, lenient) for g, t in named), len(named))
        out[f"gold_named{tag}"] = (sum(ok(g, t, lenient) for g, t in gold_named), len(gold_named))
        out[f"named_precision{tag}"] = out[f"named{tag}"][0] / max(1, len(named))
        out[f"named_recall{tag}"] = out[f"gold_named{tag}"][0] / max(1, len(gold_named))
    out["precision"] = out["correct"] / max(1, len(pairs))
    out["recall"] = len(pairs) / max(1, len(gold))
    return out
