"""Cue-term evidence of a statement: the pole terms matched in its clause, and the negation scope
that voids (or flips) a term («لا تعالجها الآليات القائمة»).  The matchers and word lists are in
:mod:`.matching`; the stance that combines this evidence with embeddings is in :mod:`.stance`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pipeline.stages.stakeholders.actors import AxisSpec
from pipeline.stages.stakeholders.matching import NEGATION_WINDOW, _Lexicon


def round_score(value: float | None, places: int = 4) -> float | None:
    """``value`` rounded for the output files (-0.0 written as 0.0); None stays None."""
    return None if value is None else round(value + 0.0, places)


def negator_before(doc: Any, lexicon: _Lexicon, s: int) -> str | None:
    """The negation particle that reaches the cue term starting at token ``s``, as printed, or None.

    A hand-written scope rule (word lists in :mod:`.matching`): «لا», «لم», «لن», «ليس» (with an
    optional و/ف) negate a term at most ``NEGATION_WINDOW`` (6) words after them («لا تعالجها الآليات
    القائمة», «ولم تعالج معالجة كافية من قبل الآليات القائمة»), unless the next word makes a fixed affirmative phrase («لا بد», «ولا سيما», «لا يزال»,
    «لا غنى عن»); «عدم» reaches two words («عدم كفاية الآليات القائمة»), «غير» one («غير السيادية»).
    Punctuation, a new clause («أن», «لكن», «الذي» ...) and the exclusive «إلا» («لا … إلا من خلال
    الآليات القائمة», "only through") end the reach.  Double negation and negation by verbs
    («رفض», «نفى») are not read."""
    for dist in range(1, NEGATION_WINDOW + 1):
        k = s - dist
        if k < 0 or not any(ch.isalnum() for ch in doc[k].text):
            return None
        key = lexicon.key(doc[k].text)
        bare = key[1:] if key[:1] in ("و", "ف") and len(key) > 2 else key
        if key in lexicon.negation_barriers or bare in lexicon.negation_barriers:
            return None
        for word in (key, bare):
            if word in lexicon.verb_negators:
                return None if _affirmative_phrase(doc, lexicon, k) else doc[k].text
            if word in lexicon.noun_negators:
                return doc[k].text if dist <= lexicon.noun_negators[word] else None
    return None


def negator_after(doc: Any, lexicon: _Lexicon, e: int) -> str | None:
    """The particle right after a cue term ending at token ``e`` that negates the verb it is the subject of
    («الترتيبات القائمة لم تتضمن …», «الآليات القائمة لا تكفي»), as printed, or None."""
    if e >= len(doc) or e + 1 >= len(doc):
        return None
    key = lexicon.key(doc[e].text)
    if key in lexicon.verb_negators and not _affirmative_phrase(doc, lexicon, e):
        return doc[e].text
    return None


def _affirmative_phrase(doc: Any, lexicon: _Lexicon, k: int) -> bool:
    """The particle at ``k`` opens a fixed phrase that affirms («لا بد», «لا سيما», «لا يزال», «لا غنى»)."""
    return k + 1 < len(doc) and lexicon.key(doc[k + 1].text) in lexicon.not_negating_next


def score_terms(
    doc: Any, lexicon: _Lexicon, axes: list[AxisSpec], start: int, end: int, negation: str = "void"
) -> tuple:
    """Per axis: the matched pole terms in tokens [start, end) and the score (pos - neg) / (pos + neg).

    ``negation`` (see :func:`negator_before` and :func:`negator_after`): "void" (the default) drops a
    negated term: it is no evidence for its pole; "flip" counts it for the other pole, listed there
    as «particle … term»; "off" ignores negation.  Void, because a pole term names a topic, and
    denying it points either way: «لا تعالجها الآليات القائمة بشكل كاف» (the existing mechanisms fall
    short) leans away from the multistakeholder pole, but «الترتيبات القائمة لم تتضمن تمكين الحكومات»
    (governments were not enabled) leans *toward* the pole of «تمكين الحكومات»; flipping reads the
    second wrong (dev view p33)."""
    hits: dict[str, dict[int, list[str]]] = defaultdict(lambda: {-1: [], 1: []})
    for s, e, label in lexicon.spans(lexicon.matchers["terms"], doc):
        if s >= start and e <= end:
            particle = None
            if negation != "off":
                particle = negator_before(doc, lexicon, s) or negator_after(doc, lexicon, e)
            if particle is None:
                hits[label[1]][label[2]].append(label[3])
            elif negation == "flip":
                hits[label[1]][-label[2]].append(f"{particle} … {label[3]}")
    evidence, scores = {}, {}
    for axis in axes:
        neg, pos = hits[axis.id][-1], hits[axis.id][1]
        evidence[axis.id] = {axis.negative: neg, axis.positive: pos}
        total = len(neg) + len(pos)
        # cue terms alone; the stage's `apply` replaces this with the combined stance score
        scores[axis.id] = round_score((len(pos) - len(neg)) / total) if total else None
    return evidence, scores
