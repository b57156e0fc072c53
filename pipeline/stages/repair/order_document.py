"""The pairs a reading-order search reads besides the shipped table's (a mixin of
:class:`~pipeline.stages.repair.reading_order.ReadingOrder`): the document's own word pairs as a
cache model (:func:`~pipeline.stages.repair.ngram.document_pairs`), and the next line's first unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.stages.repair.ngram import BACKOFF, stem
from pipeline.stages.repair.order_units import _Unit

_LOW = -1e18


_CASE_ENDINGS = frozenset({"ون", "ين"})


def _case_forms(word: str) -> list[str]:
    """A word ending in a sound plural's case ending, with the other one («الآخرون» -> «الآخرين»)."""
    if len(word) >= 5 and word[-2:] in _CASE_ENDINGS:
        return [word, word[:-2] + ("ين" if word[-2] == "و" else "ون")]
    return [word]


class DocumentPairs:
    """Methods of the search that score a pair with the document's pairs, and a line's last unit
    before the next line; they use the search's ``model``, ``costs``, ``_model_logp``, ``_pair`` and
    ``_context_unit``."""

    model: Any
    costs: Any
    _model_logp: Callable[[str, str], float]
    _document: dict[str, float]
    _document_id: object
    _document_memo: dict[tuple[str, str], float]
    _last_document: tuple[object, dict, dict]

    def _pair(self, previous: _Unit | None, unit: _Unit) -> float:  # pragma: no cover - the search defines it
        raise NotImplementedError

    def _context_unit(self, context: str, first: bool = False) -> _Unit | None:  # pragma: no cover - the search's
        raise NotImplementedError

    def use_document(self, pairs: dict[str, float] | None, token: object = None) -> None:
        """Read the next lines with a document's own pairs (:func:`~.ngram.document_pairs`, interned
        as ``token``) as a cache model: a pair the table has not seen scores as the document's share
        when that is higher.  ``None``: no document (lines read alone)."""
        if not pairs:
            self._document, self._document_id = {}, None
            return
        if token != self._last_document[0]:  # the last document's pairs and scores are kept for its next unit
            unseen = {key: value for key, value in pairs.items() if key not in self.model.bigrams}
            self._last_document = (token, unseen, {})
        self._document_id, self._document, self._document_memo = self._last_document

    def _logp(self, previous: str, word: str) -> float:
        if not self._document:
            return self._model_logp(previous, word)
        value = self._document_memo.get((previous, word))
        if value is None:
            value = self._document_memo[(previous, word)] = self._document_logp(previous, word)
        return value

    def _document_logp(self, previous: str, word: str) -> float:
        value = self._model_logp(previous, word)
        found = self._document.get(previous + " " + word)
        if found is None and (previous[-2:] in _CASE_ENDINGS or word[-2:] in _CASE_ENDINGS):
            # The same phrase in another case: a sound plural's «ون» / «ين» («أصحاب المصلحة الآخرين»
            # of the document for «… المصلحة الآخرون»), backed off as stupid backoff backs off.
            found = max(
                (self._document.get(f"{v} {w}", _LOW) for v in _case_forms(previous) for w in _case_forms(word)),
                default=_LOW,
            )
            found = found + BACKOFF if found > _LOW else None
        if found is None:  # the pair of their stems, backed off as the table's stem pairs are
            found = self._document.get(f"~{stem(previous)} {stem(word)}")
            found = found + BACKOFF if found is not None else None
        return found if found is not None and found > value else value

    def _after_unit(self, after: str) -> _Unit | None:
        """The first unit of ``after``, the next line as a first pass read it."""
        return self._context_unit(after, first=True) if after else None

    def _closing(self, unit: _Unit, following: _Unit | None) -> float:
        """A line's last unit read before the next line's first (``following``, from a first pass's
        reading of that line: a guess, so it weighs :attr:`Costs.after_weight`)."""
        if following is None or not unit.key or not following.key:
            return 0.0
        return self.costs.after_weight * self._pair(unit, following)
