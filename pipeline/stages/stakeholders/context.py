"""What a document's earlier units tell the attribution of the next one (:class:`DocumentContext`):
the short forms of the aliases met so far («الجمعية» after «الجمعية العامة») and the speaker a paragraph
with no subject of its own goes on with («وقال وزير المالية إن ...» | «وأضاف أن ...»)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.stages.stakeholders.actors import UNSPECIFIED
from pipeline.stages.stakeholders.clauses import bare_in
from pipeline.stages.stakeholders.gazetteer import is_state_title
from pipeline.stages.stakeholders.matching import CLAUSE_OPENERS, PREPOSITIONS

if TYPE_CHECKING:
    from pipeline.stages.stakeholders.attribution import UnitMatches
    from pipeline.stages.stakeholders.matching import _Lexicon

Speaker = tuple[str, "str | None"]  # (group, organisation)


@dataclass
class DocumentContext:
    """Per document, in unit order: ``short_forms`` (head word -> speaker of the last alias it began)
    and ``speakers`` (those of the last statement of the units since the last heading, table or other
    unit that is not running text; None after one).  One per document, updated by
    :func:`.attribution.unit_statements`; :meth:`interrupt` at a unit that is not analysed."""

    short_forms: dict[str, Speaker] = field(default_factory=dict)
    speakers: list[Speaker] | None = None

    def follow(self, shorts: dict[str, list[tuple[int, Speaker]]], last: tuple[list[Speaker], str] | None) -> None:
        """Take in one unit: its short forms (:func:`short_forms`) and its last statement's speakers and how
        they were found (None: it has no statement, and the running speaker goes on: quoted paragraphs
        between).  A passive statement has no speaker to go on with."""
        self.short_forms.update({head: found[-1][1] for head, found in shorts.items()})
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
