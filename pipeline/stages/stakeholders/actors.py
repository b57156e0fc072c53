"""The stakeholder stage's configuration files: ``stakeholders.yaml`` (groups, aliases, reporting
verbs, subject words) and ``positions.yaml`` (position axes, pole terms and examples, Wordscores
references).

Each file is a pydantic model (:class:`ActorsFile`, :class:`PositionsFile`), validated and read
once per file version by :func:`pipeline.datafiles.load_data_file` and shared by the stage and the
report; :func:`load_actors` and :func:`load_axes` compile them into the specs the matchers use.
Every mistake is a ConfigError naming the file and the key path, so the config loader can report
them all before any document is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from pipeline.config import FilePath
from pipeline.datafiles import DataModel, NonEmptyStr, load_data_file
from pipeline.errors import shown

UNSPECIFIED = "unspecified"
Voice = Literal["active", "passive", "either", "pronoun"]
# a phrase as written, runs of white space made one space
Phrase = Annotated[NonEmptyStr, AfterValidator(lambda text: " ".join(text.split()))]
Phrases = Annotated[tuple[Phrase, ...], Field(strict=False)]
SomePhrases = Annotated[tuple[Phrase, ...], Field(strict=False, min_length=1)]
GroupId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


# --------------------------------------------------------------------------- stakeholders.yaml


class GroupEntry(DataModel):
    """A stakeholder group: labels, aliases (plain Arabic names) and named organisations."""

    label: str | None = None  # English label (default: the id)
    label_ar: str = ""
    aliases: Phrases
    organisations: dict[str, SomePhrases] = Field(default_factory=dict, strict=False)


class CueEntry(DataModel):
    """A reporting verb: its lemma, the voice it takes, its written forms and forms to skip."""

    lemma: NonEmptyStr
    voice: Voice
    forms: SomePhrases
    skip: Phrases = ()


class SubjectWords(DataModel):
    """Words of a subject noun phrase: quantifiers («بعض»), heads («وفود»), adverbs."""

    quantifiers: Phrases = ()
    heads: Phrases = ()
    adverbs: Phrases = ()


class ActorsFile(DataModel):
    """``stakeholders.yaml``: ``groups`` (id -> group; ``unspecified`` required), ``cues``, ``subject``."""

    groups: Annotated[dict[GroupId, GroupEntry], Field(min_length=1, strict=False)]
    cues: Annotated[tuple[CueEntry, ...], Field(min_length=1, strict=False)]
    subject: SubjectWords = SubjectWords()

    def problems(self) -> list[str]:
        lines = []
        if UNSPECIFIED not in self.groups:
            lines.append(f"groups.{UNSPECIFIED}: required group missing (subjects without a group)")
        owner: dict[tuple[str, ...], tuple[str, str]] = {}  # alias key -> (group, alias as written)
        for gid, group in self.groups.items():
            at = f"groups.{shown(gid, 40, quote=False)}"  # a key as long as the file would swamp the message
            if not group.aliases and not group.organisations:
                lines.append(f"{at}.aliases: expected a non-empty list (or organisations)")
            named = [(f"{at}.aliases[{i}]", alias) for i, alias in enumerate(group.aliases)]
            for org, names in group.organisations.items():
                named += [(f"{at}.organisations.{shown(org, 40, quote=False)}[{i}]", a) for i, a in enumerate(names)]
            for where, alias in named:
                key = alias_key(alias)
                if not key:
                    lines.append(f"{where}: alias {shown(alias)} is empty after normalisation")
                    continue
                first, written = owner.setdefault(key, (gid, alias))
                if first != gid:
                    same = "" if written == alias else f" (as {shown(written)}: the same after normalisation)"
                    lines.append(f"{where}: alias {shown(alias)} is given for both {first!r}{same} and {gid!r}")
        return lines


def alias_key(alias: str) -> tuple[str, ...]:
    """The key an alias is matched by (:meth:`pipeline.stages.stakeholders.matching._Lexicon._phrase_keys`
    without the run's normaliser): its tokens, folded, article removed; empty when nothing is left."""
    from pipeline.stages.stakeholders.matching import TOKEN_RE, fold, stem

    keys = (fold(m.group(0)) for m in TOKEN_RE.finditer(alias))
    return tuple(stem(key) for key in keys if key)


# --------------------------------------------------------------------------- positions.yaml


class PoleEntry(DataModel):
    """One end of an axis: an id, a description, example sentences and cue terms."""

    id: NonEmptyStr
    description: str = ""
    examples: Phrases = ()
    terms: SomePhrases


class ReferenceEntry(DataModel):
    """A Wordscores reference text with a known position: exactly one of unit, file, text."""

    unit: NonEmptyStr | None = None
    file: FilePath | None = None
    text: NonEmptyStr | None = None
    score: float


class WordscoresEntry(DataModel):
    references: Annotated[tuple[ReferenceEntry, ...], Field(strict=False)] = ()


class AxisEntry(DataModel):
    label: str | None = None  # English label (default: the id)
    label_ar: str = ""
    negative: PoleEntry
    positive: PoleEntry
    wordscores: WordscoresEntry | None = None


class PositionsFile(DataModel):
    """``positions.yaml``: ``axes`` (axis id -> axis)."""

    axes: Annotated[dict[str, AxisEntry], Field(min_length=1, strict=False)]

    def problems(self) -> list[str]:
        lines = []
        for key, axis in self.axes.items():
            aid = shown(key, 40, quote=False)
            if axis.negative.id == axis.positive.id:
                lines.append(f"axes.{aid}.positive.id: the two poles need different ids")
            # a cue term on both poles would count for one of them only (the first matched)
            negative = {alias_key(term): term for term in axis.negative.terms}
            for i, term in enumerate(axis.positive.terms):
                twin = negative.get(alias_key(term))
                if twin is not None and alias_key(term):
                    same = "" if twin == term else f" (as {shown(twin)}: the same after normalisation)"
                    lines.append(f"axes.{aid}.positive.terms[{i}]: term {shown(term)} is also a negative term{same}")
            refs = axis.wordscores.references if axis.wordscores else ()
            for i, ref in enumerate(refs):
                if sum(value is not None for value in (ref.unit, ref.file, ref.text)) != 1:
                    lines.append(f"axes.{aid}.wordscores.references[{i}]: give exactly one of unit, file, text")
            if refs and (len(refs) < 2 or len({r.score for r in refs}) < 2):
                lines.append(f"axes.{aid}.wordscores.references: need at least two references with different scores")
        return lines


# --------------------------------------------------------------------------- compiled specs


@dataclass
class CueSpec:
    lemma: str
    voice: str
    forms: list[str]
    skip: list[str] = field(default_factory=list)


@dataclass
class ActorSpec:
    groups: dict[str, str]  # id -> label
    labels_ar: dict[str, str]  # id -> Arabic label (label_ar, else the first alias)
    aliases: list[tuple[str, str, str | None]]  # (group, alias, organisation)
    cues: list[CueSpec]
    quantifiers: list[str]
    heads: list[str]
    adverbs: list[str]
    source: str = ""  # the stakeholders file, for messages
    country_group: str | None = None  # the group of countries, state titles (gazetteer.with_countries)
    body_group: str | None = None  # the group of regional and international bodies (gazetteer.with_countries)
    paths: dict[tuple[str, str], str] = field(default_factory=dict)  # (group, alias) -> key path in the file

    def where(self, group: str, alias: str) -> str:
        """``file: key.path`` of an alias, for a one-line message (the file alone when not known)."""
        path = self.paths.get((group, alias))
        return f"{self.source}: {path}" if path else self.source or "stakeholders file"


@dataclass
class ReferenceSpec:
    kind: Literal["unit", "file", "text"]
    value: str  # unit id, resolved file path, or inline text
    score: float


@dataclass
class AxisSpec:
    id: str
    label: str
    label_ar: str
    negative: str  # pole ids
    positive: str
    negative_terms: list[str]
    positive_terms: list[str]
    # pole id -> its description and example sentences, for the sentence-embedding score
    examples: dict[str, list[str]] = field(default_factory=dict)
    references: list[ReferenceSpec] = field(default_factory=list)


def load_actors(path: Path) -> ActorSpec:
    """The compiled ``stakeholders.yaml`` at ``path``; ConfigError naming the file and key path."""
    data: ActorsFile = load_data_file(path, ActorsFile, "stakeholders file")
    aliases: list[tuple[str, str, str | None]] = []
    paths: dict[tuple[str, str], str] = {}
    for gid, group in data.groups.items():
        aliases.extend((gid, alias, None) for alias in group.aliases)
        for i, alias in enumerate(group.aliases):
            paths.setdefault((gid, alias), f"groups.{gid}.aliases[{i}]")
        for name, names in group.organisations.items():
            aliases.extend((gid, alias, str(name)) for alias in names)
            for i, alias in enumerate(names):
                paths.setdefault((gid, alias), f"groups.{gid}.organisations.{shown(name, 40, quote=False)}[{i}]")
    return ActorSpec(
        groups={gid: group.label or gid for gid, group in data.groups.items()},
        labels_ar={
            gid: group.label_ar or (group.aliases[0] if group.aliases else "") for gid, group in data.groups.items()
        },
        aliases=aliases,
        cues=[CueSpec(c.lemma, c.voice, list(c.forms), list(c.skip)) for c in data.cues],
        quantifiers=list(data.subject.quantifiers),
        heads=list(data.subject.heads),
        adverbs=list(data.subject.adverbs),
        source=str(path),
        paths=paths,
    )


def load_axes(path: Path) -> list[AxisSpec]:
    """The compiled axes of ``positions.yaml`` at ``path``; ConfigError naming the file and key path."""
    data: PositionsFile = load_data_file(path, PositionsFile, "positions file")
    axes = []
    for aid, axis in data.axes.items():
        poles = {}
        for side, pole in (("negative", axis.negative), ("positive", axis.positive)):
            description = " ".join(pole.description.split())
            poles[side] = [description] * bool(description) + list(pole.examples)
        references = []
        for ref in axis.wordscores.references if axis.wordscores else ():
            kind = "unit" if ref.unit is not None else "file" if ref.file is not None else "text"
            references.append(ReferenceSpec(kind, str(getattr(ref, kind)), float(ref.score)))
        axes.append(
            AxisSpec(
                id=str(aid),
                label=axis.label or str(aid),
                label_ar=axis.label_ar,
                negative=axis.negative.id,
                positive=axis.positive.id,
                negative_terms=list(axis.negative.terms),
                positive_terms=list(axis.positive.terms),
                examples={axis.negative.id: poles["negative"], axis.positive.id: poles["positive"]},
                references=references,
            )
        )
    return axes
