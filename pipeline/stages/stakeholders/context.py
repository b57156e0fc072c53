"""What a document's earlier units tell the attribution of the next one (:class:`DocumentContext`):
the short forms of the aliases met so far («الجمعية» after «الجمعية العامة») and the speaker a paragraph
with no subject of its own goes on with («وقال وزير المالية إن ...» | «وأضاف أن ...»)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.stages.stakeholders.actors import UNSPECIFIED
from pipeline.stages.stakeholders.clauses import bare_in
from pipeline.stages.stakeholders.gazetteer import is_state_title, opens_with_title, place_organisations
from pipeline.stages.stakeholders.matching import (
    CLAUSE_OPENERS,
    PREPOSITIONS,
    RELATIVE_PRONOUNS,
    _readings,
    light_fold,
    stem,
)

if TYPE_CHECKING:
    from pipeline.stages.stakeholders.attribution import UnitMatches
    from pipeline.stages.stakeholders.matching import Mention, _Lexicon

Speaker = tuple[str, "str | None"]  # (group, organisation)


@dataclass
class DocumentContext:
    """Per document, in unit order: ``short_forms`` (head word -> speaker of the last alias it began)
    and ``speakers`` (those of the last statement of the units since the last heading, table or other
    unit that is not running text; None after one).  One per document, updated by
    :func:`.attribution.unit_statements`; :meth:`interrupt` at a unit that is not analysed."""

    short_forms: dict[str, Speaker] = field(default_factory=dict)
    speakers: list[Speaker] | None = None
    names: dict[str, tuple[int, Speaker]] = field(default_factory=dict)  # name word -> (0, speaker), see below
    met: set[str] = field(default_factory=set)  # the words of the units so far (a name is introduced once)

    def follow(
        self,
        shorts: dict[str, list[tuple[int, Speaker]]],
        last: tuple[list[Speaker], str] | None,
        names: dict[str, tuple[int, Speaker]] | None = None,
        words: set[str] | None = None,
    ) -> None:
        """Take in one unit: its short forms (:func:`short_forms`) and its last statement's speakers and how
        they were found (None: it has no statement, and the running speaker goes on: quoted paragraphs
        between).  A passive statement has no speaker to go on with."""
        self.short_forms.update({head: found[-1][1] for head, found in shorts.items()})
        for word, (_, speaker) in (names or {}).items():
            self.names.setdefault(word, (0, speaker))  # held from token 0 of the next units
        self.met.update(words or ())
        if last is not None:
            self.speakers = None if last[1] == "passive" else last[0]

    def interrupt(self) -> None:
        """A heading (or a table, a footnote) ends the running speaker: the next section starts afresh."""
        self.speakers = None


PRONOUN_OBJECTS = frozenset(("له", "لها", "لهم", "لهما", "لنا"))  # «وقال لهم "..."»: an addressee, no subject


def names_no_subject(m: UnitMatches, lexicon: _Lexicon, j: int, s_end: int) -> bool:
    """Whether the verb whose subject would start at token ``j`` is followed by no word that could name
    one: the sentence ends, or a quotation, a clause opener («أن», «إلى»), a preposition («في بيان»,
    «خلال») or a pronoun addressee («لهم») follows.  Only then does a paragraph's first verb take the
    running speaker of the paragraphs before it: «وقالت لاغارد خلال منتدى ...» names its own speaker
    (a name the gazetteer does not know), and it is not the previous paragraph's."""
    if j >= s_end or not m.is_word[j]:
        return True
    return bare_in(lexicon, m.doc[j].text, CLAUSE_OPENERS | PREPOSITIONS | PRONOUN_OBJECTS)


def short_forms(
    m: UnitMatches, lexicon: _Lexicon, earlier: dict[str, tuple[str, str | None]]
) -> dict[str, list[tuple[int, tuple[str, str | None]]]]:
    """Short forms of the named groups' multi-word aliases: head word -> [(token from which it holds,
    (group, organisation))], in text order.

    A document that has named «الجمعية العامة» or «المجلس الاقتصادي والاجتماعي» goes on with «الجمعية»,
    «المجلس»: a subject that is just such a head word speaks for the group of the last alias it began.
    ``earlier``: head -> speaker from the document's previous units (held from token 0 of this one)."""
    out = {head: [(0, speaker)] for head, speaker in earlier.items()}
    for mention in m.mentions:
        # not a state title: «الرئيس» after «الرئيس الأمريكي» may be another country's president
        if (
            mention.group != UNSPECIFIED
            and mention.end - mention.start >= 2
            and not is_state_title(m.doc, lexicon, mention)
        ):
            out.setdefault(m.doc[mention.start].lemma_, []).append((mention.end, (mention.group, mention.organisation)))
    return out


NAME_REACH = 8  # words after a named group's mention that may still be the name of its person
# words that are no part of a name (skipped), and what ends the reach besides punctuation: the reported
# clause («أن», «إن») and a relative clause («فيسبوك التي تناولتها تقارير»: «تقارير» is no name)
NOT_NAMES = PREPOSITIONS | frozenset(light_fold(w) for w in ("هو", "هي", "هم"))
SPOKESPERSON_OF = light_fold("باسم")
NAME_STOPS = RELATIVE_PRONOUNS | frozenset(
    light_fold(w) for w in ("أن", "إن", "بأن", "وأن", "لأن", "أنه", "أنها", "بأنه", "إنه", "إنها")
)


def name_affiliations(
    m: UnitMatches, lexicon: _Lexicon, met: set[str] | frozenset[str] = frozenset()
) -> tuple[dict[str, tuple[int, Speaker]], set[str]]:
    """The unit's introductions of names, and its words: ``({word key: (token from which it holds, (group,
    organisation))}, {key of every word of the unit})``; the words go to :attr:`DocumentContext.met`.

    News introduce a person once with the body they speak for and then name them alone: «استعرض المتحدث
    باسم قوات التحالف في اليمن العقيد الركن تركي المالكي، ...» | «وقال المالكي إن ...». Each word up to
    ``NAME_REACH`` words after a mention of a named group, in its sentence, before a stop, a second comma
    (an apposition: «المبعوث الأميركي الخاص لإيران، برايان هوك، الثلاثاء»), a quotation mark, a clause
    opener («أن», «إن»), a relative pronoun or a reporting verb, is taken as a possible part of such a name
    -- but only where the word is met for the first time in the document (an introduction; ``met``: the
    words of the previous units), and not after a country named as a place («الأزمة في أفغانستان ...
    حسين»: only a state title or a country as the subject's own word introduces). Only a subject that names no group and consists of such words reads it
    (:func:`affiliation_of_name`), so a common word caught here («الخاص» of «المبعوث الأميركي الخاص») does
    no harm: it is never a subject alone. A coreference heuristic of our own; measured on the blind ANT
    gold (``bench/news_attribution_blind.py``)."""
    out: dict[str, tuple[int, Speaker]] = {}
    first_at: dict[str, int] = {}
    for t, tok in enumerate(m.doc):
        first_at.setdefault(lexicon.key(tok.text), t)
    places = place_organisations()
    for mention in m.mentions:
        if mention.group == UNSPECIFIED:
            continue
        if not _an_office(m, lexicon, mention) or (
            mention.organisation in places
            and not opens_with_title(m.doc, lexicon, mention)
            and _a_place(m, lexicon, mention)
        ):
            continue  # a body itself («قابلت الشرطة الزوج»), or a place («في أفغانستان»): no person introduced
        sentence_end = m.sentences[m.sentence_of[mention.start]][1]
        speaker = (mention.group, mention.organisation)
        if mention.start >= 2 and lexicon.key(m.doc[mention.start - 1].text) == SPOKESPERSON_OF:
            # «المتحدث باسم قوات التحالف ...» | «وأشار المتحدث إلى ...»: the office speaks for the body later too
            _introduce(out, m, lexicon, mention.start - 2, speaker, met, first_at)
        t, seen, commas = mention.end, 0, 0
        while t < sentence_end and seen < NAME_REACH and t not in m.cue_positions:
            text = m.doc[t].text
            commas += text in (",", "،")
            if commas == 2 or text in ("(", ")", '"', "«", "»", ":") or bare_in(lexicon, text, NAME_STOPS):
                break
            if m.is_word[t] and not bare_in(lexicon, text, NOT_NAMES):
                seen += 1
                _introduce(out, m, lexicon, t, speaker, met, first_at)
            t += 1
    return out, set(first_at)


# Offices a person holds: a name after them is the holder's («وزيرة الصحة البريطانية، إدوينا كاري»), where
# a name after a body is not («قابلت الشرطة الزوج مارك»: an object). Checked on the mention's first word and
# on the word before it («محافظ البنك المركزي», «المتحدث باسم الجيش»).
OFFICES = frozenset(
    light_fold(w)
    for w in (
        "وزير", "وزيرة", "رئيس", "رئيسة", "نائب", "أمير", "ملك", "عاهل", "ولي", "سفير", "سفيرة", "مسؤول", "مسؤولة",
        "مبعوث", "مبعوثة", "متحدث", "متحدثة", "ناطق", "محافظ", "مدير", "مديرة", "أمين", "ممثل", "ممثلة",
        "مستشار", "مستشارة", "قائد", "زعيم", "زعيمة", "باسم",
    )
)  # fmt: skip


def _an_office(m: UnitMatches, lexicon: _Lexicon, mention: Mention) -> bool:
    """The mention opens with an office, or follows one (see ``OFFICES``)."""
    firsts = [mention.start, mention.start - 1] if mention.start else [mention.start]
    return any(stem(r) in OFFICES for t in firsts for r in _readings(lexicon.key(m.doc[t].text)))


def _a_place(m: UnitMatches, lexicon: _Lexicon, mention: Mention) -> bool:
    """A one-word country mention after a preposition or with «ل» glued to it."""
    before = lexicon.key(m.doc[mention.start - 1].text) if mention.start else ""
    one_word = mention.end - mention.start == 1
    return before in PREPOSITIONS or (one_word and lexicon.key(m.doc[mention.start].text)[:1] == "ل")


def _introduce(out: dict, m: UnitMatches, lexicon: _Lexicon, t: int, speaker: Speaker, met, first_at: dict) -> None:
    """Record token ``t`` as a name word of ``speaker`` where the document meets it for the first time."""
    key = lexicon.key(m.doc[t].text)
    if key not in met and first_at.get(key) == t:
        out.setdefault(key, (t, speaker))


def affiliation_of_name(
    m: UnitMatches, lexicon: _Lexicon, span: tuple[int, int], names: dict[str, tuple[int, Speaker]]
) -> Speaker | None:
    """The group of a subject ``span`` of one to three words that are all :func:`name_affiliations` words
    met before it, when they agree on one group; else None."""
    words = [t for t in range(*span) if m.is_word[t]]
    if not 1 <= len(words) <= 3:
        return None
    keys = [lexicon.key(m.doc[t].text) for t in words]
    if not all(key in names for key in keys):
        return None
    found = {names[key][1] for key in keys if names[key][0] < span[0]}
    return found.pop() if len(found) == 1 else None
