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
from collections.abc import Sequence
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


# ------------------------------------------------------------------ stance
SIGN = {"intergovernmental": -1, "neutral": 0, "multistakeholder": 1}


def load_stance(split: str | None = None) -> list[dict]:
    """The blind stance views (``split`` "dev" / "heldout" / None for all), in file order."""
    import json

    rows = [json.loads(line) for line in STANCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r["split"] == split]


def label_of(score: float | None, band: float) -> str:
    """A score's label: intergovernmental below -band, multistakeholder above band, else (or None) neutral."""
    if score is None or abs(score) < band:
        return "neutral"
    return "multistakeholder" if score > 0 else "intergovernmental"


def _macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    f1s = []
    for label in LABELS:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def _sign_agreement(gold: Sequence[str], scores: Sequence[float | None], strict: bool) -> float:
    """Of the views with a non-neutral label (and, unless ``strict``, a non-zero score): same sign."""
    pairs = [(SIGN[g], s) for g, s in zip(gold, scores, strict=True) if SIGN[g] != 0]
    if not strict:
        pairs = [(g, s) for g, s in pairs if s]
    if not pairs:
        return float("nan")
    return float(np.mean([s is not None and s != 0 and np.sign(s) == g for g, s in pairs]))


def stance_scores(
    gold: Sequence[str], scores: Sequence[float | None], band: float, samples: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Sign agreement (among scored non-neutral views; and strict, a missing score counting as wrong),
    coverage and macro-F1 over the three labels, each with a 95% percentile bootstrap interval over views."""
    pred = [label_of(s, band) for s in scores]
    n_signed = sum(1 for g, s in zip(gold, scores, strict=True) if SIGN[g] and s)

    def stats(idx: Sequence[int]) -> tuple[float, float, float]:
        g = [gold[i] for i in idx]
        s = [scores[i] for i in idx]
        p = [pred[i] for i in idx]
        return _sign_agreement(g, s, False), _sign_agreement(g, s, True), _macro_f1(g, p)

    point = stats(range(len(gold)))
    rng = np.random.default_rng(seed)
    draws = np.array([stats(rng.integers(0, len(gold), len(gold))) for _ in range(samples)])
    out: dict[str, Any] = {
        "n": len(gold),
        "n_polar": sum(1 for g in gold if SIGN[g]),
        "n_polar_scored": n_signed,
        "n_scored": sum(1 for s in scores if s is not None),
    }
    for j, name in enumerate(("sign_agreement", "sign_agreement_strict", "macro_f1")):
        col = draws[:, j][~np.isnan(draws[:, j])]
        low, high = np.quantile(col, [0.025, 0.975]) if len(col) else (float("nan"), float("nan"))
        out[name] = (round(point[j], 4), round(float(low), 4), round(float(high), 4))
    return out


def view_scores(
    views: Sequence[dict], stage: Any, params: Any, vectors: np.ndarray | None = None, space: Any = None
) -> list:
    """The stage's stance scores of the views' ``view_text`` on the first axis of its positions file.

    Cue terms are matched by the stage's own lexicon (no repair/normalisation: the view texts
    are hand-repaired); embeddings and their combination by :mod:`pipeline.stages.stakeholders.stance`."""
    from pipeline.stages.stakeholders.stance import score_texts

    lexicon = stage._lexicon_for(_plain)
    axis = lexicon.axes[0]
    cues = []
    for v in views:
        doc, _ = lexicon.doc(v["view_text"])
        evidence, _ = stage._score(doc, lexicon, lexicon.axes, 0, len(doc))
        cues.append(evidence)
    if space is None and params.method != "cues":
        space = stage.pole_space(lexicon.axes)
    found = score_texts(
        [v["view_text"] for v in views], cues, [(axis.id, axis.negative, axis.positive)], space, params, vectors
    )
    return [f[axis.id] for f in found]


def _plain(text: str) -> str:
    return text
