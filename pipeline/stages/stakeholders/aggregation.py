"""Group positions and theme salience from attributed statements: the mean of each group's
statement scores (plain with a bootstrap interval, or partially pooled by a hierarchical model), Wordscores
estimates against an axis's reference texts, and group x theme counts."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.stages.stakeholders.actors import AxisSpec
from pipeline.stages.stakeholders.attribution import AttributedStatement
from pipeline.stages.stakeholders.cues import round_score
from pipeline.stages.stakeholders.pooling import pooled_positions
from pipeline.stages.stakeholders.stance import moves_position


@dataclass
class GroupPosition:
    group: str
    axis: str
    method: str  # "cues" (mean of statement scores, bootstrap CI) or "wordscores" (analytic SE)
    score: float | None
    ci_low: float | None
    ci_high: float | None
    n_statements: int  # the group's statements
    n_scored: int  # of which carry evidence on this axis (wordscores: scored tokens)
    contributions: int | None  # contributions of the group in the contributions table
    note: str  # why there is no score or no interval
    mean: float | None = None  # the plain mean of the group's scored statements
    pool_weight: float | None = None  # hierarchical pooling: the share of that mean in the score


@dataclass
class SalienceRow:
    group: str
    theme: str  # "(none)" for statements whose unit has no theme
    n_statements: int
    share: float  # of the group's statements
    group_statements: int
    contributions: int | None


def contribution_counts(tables: list) -> dict[str, int]:
    """Group -> contributions in the documents' contribution tables (the total column; implied if flagged)."""
    counts: Counter = Counter()
    for table in tables:
        for row in table.rows:
            if row.group is None or not row.values:
                continue
            value = (row.implied or row.values)[-1]
            if value is not None:
                counts[row.group] += value
    return dict(sorted(counts.items()))


def bootstrap_mean(scores: list[float], samples: int, confidence: float, seed: list[int]) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling statements with replacement."""
    import numpy as np

    rng = np.random.default_rng(seed)
    values = np.asarray(scores, dtype=float)
    idx = rng.integers(0, len(values), size=(samples, len(values)))
    means = values[idx].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def aggregate(
    statements: list[AttributedStatement],
    groups: dict[str, str],
    axes: list[AxisSpec],
    contributions: dict[str, int],
    seed: int,
    *,
    pooling: str,
    bootstrap_samples: int,
    confidence: float,
    min_statements: int,
    tau_scale: float = 0.5,
) -> tuple[list[GroupPosition], list[SalienceRow]]:
    """Each group's position on each axis (``pooling``: "hierarchical" (see :mod:`.pooling`, ``tau_scale``
    the scale of its half-Cauchy prior on the between-group sd) or "none") and its theme salience.

    Groups in ``groups`` order (the YAML's); bootstrap seeds derive from ``seed``, the group and the axis."""
    by_group: dict[str, list[AttributedStatement]] = defaultdict(list)
    for s in statements:
        by_group[s.statement.speaker].append(s)
    positions, salience = [], []
    pooled = {}
    if pooling == "hierarchical":
        for axis in axes:
            scores = {
                g: [v for s in by_group.get(g, []) if (v := _position_score(s, axis.id)) is not None] for g in groups
            }
            seeds = [seed, zlib.crc32(axis.id.encode())]
            pooled[axis.id] = pooled_positions(scores, bootstrap_samples, confidence, seeds, tau_scale)
    for group in groups:  # YAML order: the reader's order of groups
        mine = by_group.get(group, [])
        for axis in axes:
            # statements without evidence on the axis have no score and carry no position
            scored = [v for s in mine if (v := _position_score(s, axis.id)) is not None]
            score = low = high = mean = weight = None
            note = ""
            method = "stance_hb" if pooling == "hierarchical" else "stance"
            if not mine:
                note = "no statements"
            elif not scored:
                note = "no statement has evidence on this axis"
                leaning = sum(1 for s in mine if s.statement.scores.get(axis.id) is not None)
                if leaning:
                    note += f" ({leaning} lean inside the neutral band on the embedding alone: not counted)"
            elif pooling == "hierarchical":
                found = pooled[axis.id][group]
                score, low, high, mean, weight = found.estimate, found.low, found.high, found.mean, found.weight
                note = (
                    f"hierarchical model: mean of {len(scored)} scored statements {mean:+.2f}, "
                    f"weight {weight:.2f} on it, the rest on the corpus mean; bootstrap interval"
                )
            else:
                score = mean = sum(scored) / len(scored)
                if len(scored) < min_statements:
                    note = f"no interval: {len(scored)} statements with evidence, fewer than {min_statements}"
                else:
                    seeds = [seed, zlib.crc32(group.encode()), zlib.crc32(axis.id.encode())]
                    low, high = bootstrap_mean(scored, bootstrap_samples, confidence, seeds)
            positions.append(
                GroupPosition(
                    group,
                    axis.id,
                    method,
                    round_score(score),
                    round_score(low),
                    round_score(high),
                    len(mine),
                    len(scored),
                    contributions.get(group),
                    note,
                    round_score(mean),
                    round_score(weight),
                )
            )
        themes: Counter = Counter()
        for s in mine:
            for theme in sorted(set(s.statement.themes)) or ["(none)"]:
                themes[theme] += 1
        for theme, count in sorted(themes.items()):
            salience.append(
                SalienceRow(group, theme, count, round_score(count / len(mine)), len(mine), contributions.get(group))
            )
    return positions, salience


def _position_score(s: AttributedStatement, axis: str) -> float | None:
    """The statement's score on ``axis`` as it enters its group's position: None without one, and for a
    neutral score resting on the embedding alone (:func:`.stance.moves_position`).  Statements scored
    outside the stage's ``score_stance`` (no stance evidence) count as scored."""
    value = s.statement.scores.get(axis)
    if value is None or axis not in s.stance:
        return value
    return value if moves_position(s.stance[axis]) else None


def wordscores_positions(
    corpus: Any,
    statements: list[AttributedStatement],
    groups: dict[str, str],
    axis: AxisSpec,
    contributions: dict[str, int],
    *,
    positions_file: Path,
    smoothing: float,
    rescaling: str,
) -> list[GroupPosition]:
    """Wordscores positions of each group's statements, on the scale of the axis's reference texts.

    ``positions_file`` names the axes file in the error for a reference unit missing from the corpus."""
    from pipeline.stages.stakeholders.wordscores import Wordscores

    wanted = {ref.value for ref in axis.references if ref.kind == "unit"}
    units = {u.unit_id: u.text for u in corpus.units if u.unit_id in wanted} if wanted else {}
    texts, scores = {}, {}
    for number, ref in enumerate(axis.references):
        if ref.kind == "unit":
            if ref.value not in units:
                raise ConfigError(
                    f"{positions_file}: axes.{axis.id}.wordscores.references[{number}].unit: "
                    f"no unit {ref.value!r} in this corpus"
                )
            text = units[ref.value]
        elif ref.kind == "file":
            text = Path(ref.value).read_text(encoding="utf-8")
        else:
            text = ref.value
        name = f"ref{number:03d}"
        texts[name], scores[name] = corpus.featurize(text), ref.score
    model = Wordscores(smoothing=smoothing).fit_texts(texts, scores)
    virgin: dict[str, list[str]] = {}
    n_by_group: Counter = Counter()
    seen: set[tuple[str, str]] = set()
    for s in statements:
        n_by_group[s.statement.speaker] += 1
        if (s.statement.speaker, s.statement_id) in seen:
            continue
        seen.add((s.statement.speaker, s.statement_id))
        virgin.setdefault(s.statement.speaker, []).extend(corpus.featurize(s.statement.text))
    predictions = {p.name: p for p in model.predict_texts(virgin, rescaling)}
    rescaled = rescaling != "none"
    out = []
    for group in groups:
        p = predictions.get(group)
        if p is None or p.raw is None:
            note = "no statements" if p is None else "no word of its statements occurs in the references"
            out.append(
                GroupPosition(
                    group,
                    axis.id,
                    "wordscores",
                    None,
                    None,
                    None,
                    n_by_group[group],
                    0,
                    contributions.get(group),
                    note,
                )
            )
            continue
        value = p.rescaled if rescaled and p.rescaled is not None else p.raw
        low, high = p.interval(rescaled=rescaled and p.rescaled is not None)
        note = f"raw {p.raw:.4f} (SE {p.se:.4f}); {rescaling} rescaling; SE-based interval"
        out.append(
            GroupPosition(
                group,
                axis.id,
                "wordscores",
                round_score(value),
                round_score(low),
                round_score(high),
                n_by_group[group],
                p.n_scored,
                contributions.get(group),
                note,
            )
        )
    return out
