"""Attribution of reported views: sentences, and the rules that find each reporting verb's
subject, speakers and clause (see the stage's module docstring); the matching is in :mod:`.matching`.

:func:`unit_statements` is the per-unit entry point; the stage calls it from ``tag_document``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.records import Statement, Unit
from pipeline.stages.stakeholders.actors import UNSPECIFIED, ActorSpec, AxisSpec
from pipeline.stages.stakeholders.clauses import (
    REPRESENTS,
    after_definite,
    disagrees,
    feminine_verb,
    not_a_verb,
    not_a_view,
    noun_phrase_end,
    noun_statements,
    opens_clause,
    prepositional,
    reads_as_passive,
    sentence_ends,
    subject_first,
    unnamed_subject,
    word_ends_at,
)
from pipeline.stages.stakeholders.context import (
    DocumentContext,
    affiliation_of_name,
    name_affiliations,
    names_no_subject,
    short_forms,
)
from pipeline.stages.stakeholders.cues import score_terms
from pipeline.stages.stakeholders.gazetteer import (
    country_adjective_at,
    employers,
    is_state_title,
    opens_with_title,
    place_organisations,
    state_mentions,
)
from pipeline.stages.stakeholders.matching import (
    CLAUSE_OPENERS,
    CONTINUERS,
    RELATIVE_PRONOUNS,
    SENTENCE_END,
    CueHit,
    Mention,
    _definite_noun,
    _Lexicon,
    stem,
)
from pipeline.stages.stakeholders.stance import AxisStance
from pipeline.stages.stakeholders.timewords import keyset, time_words_end

# -- statements ----------------------------------------------------------------------------


@dataclass
class AttributedStatement:
    """A :class:`Statement` plus how it was attributed."""

    statement: Statement
    statement_id: str  # unit id + clause number; shared by the groups of one clause
    subject: str  # the subject words as printed ("" for passive / pronoun subjects)
    organisation: str | None  # named organisation of the subject, if one was named
    voice: (
        str  # how the speaker was found: subject, passive, pronoun, before_verb, no_group, continued, short_form, name
    )
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


# -- attribution of one unit ---------------------------------------------------------------


@dataclass(frozen=True)
class AttributionLimits:
    """The stage's options that bound a subject and its clause (see ``StakeholderPositions``)."""

    lookback: int  # words allowed between a subject before its verb and the verb
    damaged_lookback: int  # ... when the verb ends its sentence (visual-order damage)
    min_clause_words: int  # a clause with fewer words after its subject continues into the next sentence
    max_subject_tokens: int
    negation: str = "void"  # a negated cue term: "void" (no evidence), "flip" (counts for the other pole), "off"


@dataclass
class UnitMatches:
    """One unit's tokens, sentences and matches, as the attribution rules read them."""

    doc: Any  # the tokens with the lexicon's readings (matching.Token)
    offsets: list[tuple[int, int]]  # each token's character span
    is_end: list[bool]  # the token ends a sentence
    is_word: list[bool]  # the token holds a letter or digit
    sentences: list[tuple[int, int]]  # token spans, end exclusive
    sentence_of: list[int]  # token -> its sentence
    mentions: list[Mention]
    mention_at: dict[int, Mention]  # first token -> mention
    word_at: dict[int, tuple[int, str]]  # first token -> (end, "subject" | "adverb")
    hits: list[CueHit]
    cue_positions: set[int]


def match_unit(text: str, lexicon: _Lexicon, actors: ActorSpec) -> UnitMatches | None:
    """Tokens, sentences, actor mentions, subject words and reporting verbs of ``text``; None if it has no token."""
    doc, offsets = lexicon.doc(text)
    n = len(doc)
    if n == 0:
        return None
    is_end = sentence_ends(doc, offsets)
    sentence_of = []
    sentences: list[tuple[int, int]] = []
    start = 0
    for i in range(n):
        sentence_of.append(len(sentences))
        if is_end[i] or i == n - 1:
            sentences.append((start, i + 1))
            start = i + 1
    mentions = [
        Mention(s, e, label[1], label[2], label[3]) for s, e, label in lexicon.spans(lexicon.matchers["actors"], doc)
    ]
    # state titles with a country («الرئيس الأميركي», «أمير الكويت») and regional bodies («البنك الإسلامي للتنمية»)
    mentions = state_mentions(doc, lexicon, mentions)
    mention_at = {mention.start: mention for mention in mentions}
    word_at: dict[int, tuple[int, str]] = {
        s: (e, label[0]) for s, e, label in lexicon.spans(lexicon.matchers["words"], doc)
    }
    in_mention = {i for m in mentions for i in range(m.start, m.end)}
    hits = [
        CueHit(s, actors.cues[label[1]], label[1])
        for s, e, label in lexicon.spans(lexicon.matchers["cues"], doc)
        if s not in in_mention
    ]
    return UnitMatches(
        doc=doc,
        offsets=offsets,
        is_end=is_end,
        is_word=[tok.is_word for tok in doc],
        sentences=sentences,
        sentence_of=sentence_of,
        mentions=mentions,
        mention_at=mention_at,
        word_at=word_at,
        hits=hits,
        cue_positions={h.index for h in hits},
    )


def _subject_start(m: UnitMatches, lexicon: _Lexicon, hit: CueHit, s_end: int) -> int:
    """The first token after the verb that is neither an adverb (of ``subject.adverbs`` or a time adverb,
    see ``TIME_WORDS``) nor one of the cue's own particles."""
    j = hit.index + 1
    skip_keys = lexicon.skip_keys[hit.number]
    while j < s_end:
        if j in m.word_at and m.word_at[j][1] == "adverb":
            j = m.word_at[j][0]
        elif stem(lexicon.key(m.doc[j].text)) in skip_keys:
            j += 1
        elif (after := time_words_end(m, lexicon, j, s_end)) > j:
            j = after
        else:
            break
    return j


def _subject_after(
    m: UnitMatches, lexicon: _Lexicon, hit: CueHit, j: int, s_end: int, limits: AttributionLimits
) -> tuple[int, list[Mention], bool]:
    """The subject after the verb: ``(end, its mentions, whether an alias was the verb's object)``.

    The subject is the run of subject words and aliases from token ``j``; it is empty (end == j)
    when there is none."""
    doc, mention_at, word_at = m.doc, m.mention_at, m.word_at
    k, found, gaps, after_alias = j, [], 0, False
    while k < s_end and k - j < limits.max_subject_tokens and k not in m.cue_positions:
        key = lexicon.key(doc[k].text)
        joined = key[:1] == "و" and doc[k].lemma_[:1] != "و"  # «والمنظمات»: a conjunct
        if after_alias and not joined and key not in CONTINUERS:
            break  # after an alias only a conjunction or «من» continues the subject
        if k == j and k in mention_at and prepositional(key, doc[k].lemma_):
            break  # «قالوا للسعودية», «وقال لمصر»: an addressee, not the subject (after a conjunct: a genitive)
        after_alias = k in mention_at
        if k in mention_at:
            found.append(mention_at[k])
            k = mention_at[k].end
        elif k in word_at and word_at[k][1] == "subject":
            k = word_at[k][0]
        elif key in keyset(lexicon, REPRESENTS) and (k + 1 in mention_at or k + 1 in word_at) and word_ends_at(m, k):
            k += 1  # «ممثل عن منظمات المجتمع المدني»: the group a representative speaks for
        elif (
            gaps == 0
            and k > j
            and k + 1 < s_end
            and (k + 1) in mention_at
            and not m.is_end[k]
            and key not in CLAUSE_OPENERS
        ):
            gaps, k = 1, k + 1  # one stray word of a visual-order run, an alias follows
        else:
            break
    is_object = False
    if found and found[0].start == j and found[0].feminine and doc[hit.index].norm_ in lexicon.masculine:
        # «يدعو الأمم المتحدة إلى ...»: a masculine verb does not agree with this phrase,
        # so it is the object and the subject is unnamed
        is_object = True
        k, found = j, []
    elif (
        found
        and found[0].start == j
        and not found[0].feminine
        and opens_with_title(doc, lexicon, found[0])
        and feminine_verb(lexicon, doc[hit.index])
    ):
        # «ودعت ولي العهد السعودي إلى ...»: a feminine verb does not agree with a masculine title either
        is_object = True
        k, found = j, []
    elif (
        not found
        and k == j
        and j < s_end
        and _definite_noun(lexicon.key(doc[j].text))
        and j not in m.cue_positions
        and j not in word_at
        and hit.spec.voice != "passive"
    ):
        k = j + 1  # «يدعو التقرير ...»: a subject that names no group
    if k > j:
        run_end = k
        k = noun_phrase_end(doc, lexicon, j, k, s_end, mention_at, m.cue_positions, limits.max_subject_tokens)
        # «الفقرة 69 من جدول أعمال تونس», «كبير الاقتصاديين في البنك الدولي»: the group named inside the
        # phrase speaks; not a place after «في»: «الشركة في مصر»
        places = place_organisations()
        found += [
            mention_at[t]
            for t in range(run_end, k)
            if t in mention_at and not (lexicon.key(doc[t - 1].text) == "في" and mention_at[t].organisation in places)
        ]
    return k, found, is_object


Speakers = list[tuple[str, str | None]]  # (group, organisation)


def _speakers(
    m: UnitMatches,
    lexicon: _Lexicon,
    hit: CueHit,
    j: int,
    found: list[Mention],
    subject_span: tuple[int, int] | None,
    previous: Speakers | None,
    limits: AttributionLimits,
    short_forms: dict[str, list[tuple[int, tuple[str, str | None]]]],
    previous_sentence: int | None = None,
    names: dict[str, tuple[int, tuple[str, str | None]]] | None = None,
) -> tuple[Speakers, str, tuple[int, int] | None] | None:
    """``(speakers, how they were found, subject span)`` of a reporting verb; None when its subject is no actor.

    ``j`` is where a subject after the verb would start, ``found`` the mentions of that subject;
    ``short_forms``: see :func:`short_forms`; ``previous_sentence``: the sentence of the unit's previous statement;
    ``names``: see :func:`.context.name_affiliations` (a subject that is a name met after a named group)."""
    i = hit.index
    s_start, s_end = m.sentences[m.sentence_of[i]]
    named = [mention for mention in found if mention.group != UNSPECIFIED]
    sentence_final = not any(m.is_word[t] for t in range(j, s_end))
    voice = hit.spec.voice
    if voice == "passive":
        return [(UNSPECIFIED, None)], "passive", subject_span
    if named:
        return [(mention.group, mention.organisation) for mention in named], "subject", subject_span
    # a short form is definite, an anaphor: «منظمة هيومن رايتس ووتش» is another body than an earlier «منظمة ...»
    head = lexicon.key(m.doc[subject_span[0]].text) if subject_span is not None else ""
    if subject_span is not None and subject_span[1] - subject_span[0] == 1 and _definite_noun(head):
        before_verb = [speaker for end, speaker in short_forms.get(m.doc[subject_span[0]].lemma_, []) if end <= i]
        if before_verb:
            return [before_verb[-1]], "short_form", subject_span
    if subject_span is not None:
        person = affiliation_of_name(m, lexicon, subject_span, names or {})
        return [person or (UNSPECIFIED, None)], "name" if person else "no_group", subject_span
    verb_gender = None if voice == "pronoun" else feminine_verb(lexicon, m.doc[i])
    first = subject_first(m, lexicon, hit, verb_gender)
    if first is not None:
        # «الحكومة السودانية أكدت أن»: the subject noun phrase before its verb; its head, and actors
        # joined to it by «و», speak
        start, end, head = first
        joined = [
            mention
            for mention in m.mentions
            if head.end <= mention.start < end and lexicon.key(m.doc[mention.start].text)[:1] == "و"
        ]
        named_first = [mention for mention in (head, *joined) if mention.group != UNSPECIFIED]
        speakers = [(mention.group, mention.organisation) for mention in named_first] or [(UNSPECIFIED, None)]
        return speakers, "subject_first", (start, end)
    if voice == "pronoun":
        return (previous or [(UNSPECIFIED, None)]), "pronoun", subject_span
    window = limits.damaged_lookback if sentence_final else limits.lookback
    before = [
        mention
        for mention in m.mentions
        if s_start <= mention.start
        and mention.end <= i
        and sum(m.is_word[mention.end : i]) <= window
        # undamaged text: the subject opens its clause («، الحكومة قالت»), or follows a definite word, of
        # which it cannot be the genitive («لتعزيز التعاون البعض يقول إن», a lost sentence end), unlike a
        # genitive or an object («ورحبت الشركات بقرار الحكومة وأكدت»); no comma parts it from the verb
        # («الاتحاد الأوروبي، اعتبر رئيس المفوضية»)
        and (
            sentence_final
            or (
                (opens_clause(m, lexicon, mention.start) or after_definite(m, lexicon, mention.start))
                and not any(m.doc[t].text in (",", "،") for t in range(mention.end, i))
                and not disagrees(mention.feminine, is_state_title(m.doc, lexicon, mention), verb_gender)
            )
        )
    ]
    if i > 0 and lexicon.key(m.doc[i - 1].text) in RELATIVE_PRONOUNS:
        before = []  # «التي أعرب عنها المشاركون»: the subject follows the relative clause's verb
    if before:
        mention = before[-1]
        return [(mention.group, mention.organisation)], "before_verb", (mention.start, mention.end)
    if voice == "either":
        return [(UNSPECIFIED, None)], "passive", subject_span
    unnamed = unnamed_subject(m, lexicon, j, s_end)
    if unnamed is not None:
        # «وقال ترمب», «وطالب 14 خبيرا», «وذكرت مصادر»: a subject that names no group is still the
        # speaker: not the previous statement's; «وقال مسؤول في الحكومة»: it speaks for its employer
        if unnamed[1] == unnamed[0] + 1 and unnamed[1] in m.mention_at:  # «محافظ البنك المركزي»: a construct
            unnamed = (unnamed[0], m.mention_at[unnamed[1]].end)
        keys = [lexicon.key(m.doc[t].text) for t in range(unnamed[1])]
        named = employers(m.mention_at, keys, *unnamed)[:1]
        if named:
            return [(named[0].group, named[0].organisation)], "subject", unnamed
        person = affiliation_of_name(m, lexicon, unnamed, names or {})
        return [person or (UNSPECIFIED, None)], "name" if person else "no_group", unnamed
    verb = m.doc[i]
    if (
        not previous
        or previous_sentence == m.sentence_of[i]
        or voice != "active"
        or lexicon.key(verb.text) == verb.norm_
    ):
        # no statement: the verb's subject is no actor; in the same sentence as the previous statement
        # («... ، وطالبت بـ ...») the verb goes on with that statement's clause
        return None
    if verb.norm_ in lexicon.masculine and reads_as_passive(verb.text):
        # «وذكر أن ...», «وأعلن أن ...» with no subject: unvocalised, the same letters as the passive
        # («وذُكر», «وأُعلن»); no speaker in the sentence, so none is taken from the context
        return [(UNSPECIFIED, None)], "passive", None
    # «وقالت الوزارة إن ... . وأضافت أن ...»: a conjoined verb with no subject of its own opening
    # another sentence shares the subject of the unit's previous statement (Arabic drops a repeated subject)
    return previous, "continued", None


def _resolve(
    m: UnitMatches,
    lexicon: _Lexicon,
    limits: AttributionLimits,
    earlier: DocumentContext | None = None,
    own_names: dict[str, tuple[int, tuple[str, str | None]]] | None = None,
) -> tuple[list[tuple[CueHit, Speakers, str, tuple[int, int] | None]], dict[str, int]]:
    """Each reporting verb's speakers: ``([(hit, speakers, how, subject span)], counts of verbs left out)``.

    ``earlier``: what the document's previous units tell (:class:`.context.DocumentContext`); ``own_names``:
    the unit's own introductions of names (:func:`.context.name_affiliations`)."""
    shorts = short_forms(m, lexicon, earlier.short_forms if earlier else {})
    names = {**(earlier.names if earlier else {}), **(own_names or {})}
    resolved = []
    # «وأضاف أن ...» opening a paragraph goes on with the speaker of the paragraphs before it
    previous: Speakers | None = earlier.speakers if earlier else None
    previous_sentence: int | None = None
    skipped = table_cells = objects = 0
    not_views = dict.fromkeys(("definitions", "data_references", "classifications"), 0)
    not_views.update(dict.fromkeys(("adverbs", "verbal_nouns", "imperatives"), 0))
    for hit in m.hits:
        i = hit.index
        s_end = m.sentences[m.sentence_of[i]][1]
        j = _subject_start(m, lexicon, hit, s_end)
        if any(
            m.doc[t].text == ":" and t + 1 < len(m.doc) and any(ch.isdigit() for ch in m.doc[t + 1].text)
            for t in range(i + 1, min(i + 3, s_end))
        ):
            # «أتفق: 69%»: a column label of a survey table, not a reporting verb; a colon before a
            # quotation («وقال الوزير: "..."») is news-style reported speech
            table_cells += 1
            continue
        k, found, is_object = _subject_after(m, lexicon, hit, j, s_end, limits)
        reason = not_a_verb(m, lexicon, hit, j, k, found) or not_a_view(m, lexicon, hit, j, k, found)
        if reason is not None:
            not_views[reason] += 1
            continue
        objects += is_object
        span = (j, k) if k > j else None
        if previous is not None and previous_sentence is None and not names_no_subject(m, lexicon, j, s_end):
            previous = None  # the speaker carried from earlier paragraphs goes only to a verb with no subject
        attributed = _speakers(m, lexicon, hit, j, found, span, previous, limits, shorts, previous_sentence, names)
        if attributed is None:
            skipped += 1
            continue
        speakers, how, subject_span = attributed
        # one statement per group, in first-mention order
        unique: dict[str, str | None] = {}
        for group, org in speakers:
            if group not in unique or unique[group] is None:
                unique[group] = org
        speakers = _with_country(m, lexicon, list(unique.items()), subject_span if how in SUBJECTS else None)
        previous, previous_sentence = speakers, m.sentence_of[i]
        resolved.append((hit, speakers, how, subject_span))
    nouns = noun_statements(m, lexicon)
    if nouns:
        resolved = sorted(resolved + nouns, key=lambda r: r[0].index)
    return resolved, {
        "noun_statements": len(nouns),
        "cues_without_actor": skipped,
        "table_cells": table_cells,
        "objects_not_subjects": objects,
        **not_views,
    }


SUBJECTS = ("subject", "subject_first")  # attributions whose span is the speaker's own noun phrase


def _with_country(m: UnitMatches, lexicon: _Lexicon, speakers: Speakers, span: tuple[int, int] | None) -> Speakers:
    """The country of a government speaker whose subject names it by an adjective only: «الحكومة المصرية»,
    «وزير الخارجية السعودي», «السلطات الإيرانية» (organisation "Egypt", ...); ``speakers`` unchanged otherwise."""
    group = lexicon.actors.country_group
    if span is None or group is None or all(g != group or org is not None for g, org in speakers):
        return speakers
    country = next((found[1] for t in range(*span) if (found := country_adjective_at(m.doc, lexicon, t))), None)
    return [(g, country if g == group and org is None else org) for g, org in speakers]


def _statements(
    unit: Unit,
    m: UnitMatches,
    lexicon: _Lexicon,
    axes: list[AxisSpec],
    resolved: list[tuple[CueHit, Speakers, str, tuple[int, int] | None]],
    limits: AttributionLimits,
) -> list[AttributedStatement]:
    """One statement per resolved verb and speaker group: the clause's extent, text and pole-term evidence."""
    doc, offsets, is_word, sentences = m.doc, m.offsets, m.is_word, m.sentences
    out = []
    for number, (hit, speakers, how, subject_span) in enumerate(resolved):
        i = hit.index
        s_end = sentences[m.sentence_of[i]][1]
        # the reported view starts at its verb (or at its subject, when that comes first)
        start = min(i, subject_span[0] if subject_span else i)
        if how == "noun_adjunct":
            start = i  # the view is the noun's clause; its subject opens the sentence's main clause
        after = subject_span[1] if subject_span and subject_span[0] > i else i + 1
        end = s_end
        content = [t for t in range(after, s_end) if is_word[t]]
        if len(content) < limits.min_clause_words and m.sentence_of[i] + 1 < len(sentences):
            end = sentences[m.sentence_of[i] + 1][1]  # the clause's content is in the next run
        nxt = resolved[number + 1][0].index if number + 1 < len(resolved) else len(doc)
        end = min(end, max(nxt, i + 1)) if nxt > i else end
        while end > start and not is_word[end - 1] and doc[end - 1].text not in SENTENCE_END:
            end -= 1
        c0, c1 = offsets[start][0], offsets[end - 1][1]
        text = unit.text[c0:c1].strip()
        evidence, scores = score_terms(doc, lexicon, axes, start, end, limits.negation)
        subject = unit.text[offsets[subject_span[0]][0] : offsets[subject_span[1] - 1][1]] if subject_span else ""
        sid = f"{unit.unit_id}#{number + 1}"
        for group, org in speakers:
            statement = Statement(
                doc_id=unit.doc_id,
                unit_id=unit.unit_id,
                speaker=group,
                text=text,
                cue=doc[i].text,
                themes=[],  # the unit's themes of the run, set by the stage's `attribute` (this part is cached)
                scores=scores,
            )
            out.append(AttributedStatement(statement, sid, subject, org, how, evidence, c0, c1))
    return out


def unit_statements(
    unit: Unit,
    lexicon: _Lexicon,
    actors: ActorSpec,
    axes: list[AxisSpec],
    limits: AttributionLimits,
    earlier: DocumentContext | None = None,
) -> tuple[list[AttributedStatement], dict[str, int]]:
    """The statements of one unit and the counts of reporting verbs left out (by reason).

    ``earlier``: what the document's previous units tell (:class:`.context.DocumentContext`); updated in
    place with this unit's, so the caller passes one per document."""
    m = match_unit(unit.text, lexicon, actors)
    if m is None:
        return [], {}
    own_names, words = name_affiliations(m, lexicon, earlier.met if earlier else frozenset())
    resolved, counts = _resolve(m, lexicon, limits, earlier, own_names)
    if earlier is not None:
        earlier.follow(short_forms(m, lexicon, {}), resolved[-1][1:3] if resolved else None, own_names, words)
    return _statements(unit, m, lexicon, axes, resolved, limits), counts
