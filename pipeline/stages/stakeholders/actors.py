"""The stakeholder stage's configuration files: ``stakeholders.yaml`` (groups, aliases, reporting
verbs, subject words) and ``positions.yaml`` (position axes, pole terms and examples, Wordscores
references), parsed and validated into specs.

Both loaders raise :class:`~pipeline.errors.ConfigError` naming the file and the key path, so the
config loader can report every mistake before any document is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.config import check_value, load_yaml
from pipeline.errors import ConfigError

UNSPECIFIED = "unspecified"
Voice = Literal["active", "passive", "either", "pronoun"]


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
