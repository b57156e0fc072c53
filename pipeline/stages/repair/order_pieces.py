"""Re-splits of a line's tokens before the reading-order search (a mixin of
:class:`~pipeline.stages.repair.reading_order.ReadingOrder`): a glued token whose first letter heads a
word cut elsewhere in the line, and an unknown word with a letter drawn at its wrong end."""

from __future__ import annotations

import re
from typing import Any

from pipeline.stages.repair.order_units import _WORD_PART, _arabic, _Unit

_WORD_RUN_RE = re.compile(f"{_WORD_PART}{{2,}}")
_PROCLITICS = frozenset("وفبلكس\u0622")  # one-letter prefixes (and آ, the damaged initial kaf)


class PieceSplits:
    """Methods of the search that re-split tokens; they use the search's ``joins``, ``_word``,
    ``key_of`` and ``model``."""

    model: Any

    def joins(self, left: str, right: str) -> bool:  # pragma: no cover - the search defines it
        raise NotImplementedError

    def _word(self, piece: str) -> bool:  # pragma: no cover - the search defines it
        raise NotImplementedError

    def key_of(self, piece: str) -> str:  # pragma: no cover - the search defines it
        raise NotImplementedError

    def _resplit(self, units: list[_Unit]) -> list[_Unit]:
        """A token split into two words (``split_word``) re-split after its first letter when that letter
        is the head of a word cut at a seam elsewhere in the line and the rest is a word: «اومع» is
        «او» + «مع» to the lexicon, but in «لقمة لمؤتمر اومع ذلك» it is «ا» (of «ا|لقمة») + «ومع»."""
        out = list(units)
        for index in range(len(units) - 1):
            left, right = units[index], units[index + 1]
            if right.before or (index + 2 < len(units) and not units[index + 2].before):
                continue  # not a token of exactly two pieces
            if index and not left.before:
                continue
            token = left.text + right.text
            letter, rest = token[0], token[1:]
            if len(left.text) < 2 or letter in _PROCLITICS or not _WORD_RUN_RE.fullmatch(token):
                continue
            if not (self._word(left.text) and self._word(right.text) and self._word(rest)):
                continue
            others = (unit for at, unit in enumerate(units) if at not in (index, index + 1) and _arabic(unit))
            if any(self.joins(letter, other.text) for other in others):
                out[index] = _Unit(letter, self.key_of(letter), left.before)
                out[index + 1] = _Unit(rest, self.key_of(rest), "")
        return out

    def _rotate(self, units: list[_Unit]) -> list[_Unit]:
        """An unknown word whose first or last letter was drawn at the wrong end of it split off that
        letter, when the letter and the rest re-join the other way round into a known word: «تالنطاقا»
        is «ت» + «النطاقا» (of «النطاقات»), «لىع» is «لى» + «ع» (of «على»): a letter drawn as a chunk
        of its own, one glyph run in visual order.  The search decides whether to turn them round
        (a cut inside a raw token costs nothing: the unknown token is the evidence).  A token that
        re-joins another unit of the line is a piece cut at a seam instead («الان … تباه»), and stays;
        so does a piece of a glued token whose other pieces are not all words («لأح|ف|ادنا»)."""
        out: list[_Unit] = []
        token = [0] * len(units)  # the raw token each unit is a piece of
        for index in range(1, len(units)):
            token[index] = token[index - 1] + (units[index].before != "")
        for index, unit in enumerate(units):
            text = unit.text
            letters = text.replace("\u0467", "").replace("\u0640", "")
            if not _arabic(unit) or len(letters) < 3 or not _WORD_RUN_RE.fullmatch(text) or self._word(text):
                out.append(unit)
                continue
            pieces = None
            head, rest = text[0], text[1:]
            if rest[0] not in "\u0467\u0640" and self.joins(rest, head) and self._rotated_word(rest + head):
                pieces = (head, rest)
            else:
                rest, tail = text[:-1], text[-1]
                if rest[-1] not in "\u0467\u0640" and self.joins(tail, rest) and self._rotated_word(tail + rest):
                    pieces = (rest, tail)
            glued = [other for at, other in enumerate(units) if at != index and token[at] == token[index]]
            others = [other.text for at, other in enumerate(units) if at != index and _arabic(other)]
            if (
                pieces is None
                or any(len(other.text) < 2 or not self._word(other.text) for other in glued)
                or any(self.joins(other, text) or self.joins(text, other) for other in others)
            ):
                out.append(unit)
                continue
            out.append(_Unit(pieces[0], self.key_of(pieces[0]), unit.before))
            out.append(_Unit(pieces[1], self.key_of(pieces[1]), ""))
        return out

    def _rotated_word(self, word: str) -> bool:
        """A word the table has seen, of three letters or more, that a rotated token is read as."""
        key = self.key_of(word)
        return len(key) >= 3 and self.model.known(key)
