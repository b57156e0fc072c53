"""A corpus's units as a stream: read back one document at a time, each time they are iterated.

Corpus-level stages (themes, stakeholders) see ``corpus.units``.  Holding every
unit of a large corpus at once (display text, raw text, normalised text and a
token list per unit) takes several times the corpus in memory, so the runner
hands them a :class:`UnitStream` instead: iterating it loads one document's
units from the per-document cache, yields them, and drops them.  Stages iterate
it as many times as their models need (gensim-style), take ``len()`` of it,
and never index it; a plain list works the same way (tests, notebooks).

Stages annotate the units they are handed: each corpus stage declares the unit
fields it sets (``writes``: ``themes``, ``theme_scores``, ``speakers``, ...).  A
streamed unit is a new object on every pass, so the stream keeps those fields
aside when the consumer moves on to the next unit, and puts them back on the
unit whenever it is read again: the stages do not need to know they are
streamed.  What is kept is a small tuple per annotated unit, not the unit.
Only a change is kept, so two passes may run side by side (``zip``) as long as
one of them only reads.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pipeline.records import Unit

Note = tuple[Any, ...]  # the kept fields' values, in ``fields`` order
DEFAULT_FIELDS = ("themes", "theme_scores", "speakers")


class UnitStream:
    """Re-iterable units of several documents, in document order.

    ``loaders[d]()`` returns document ``d``'s units (fresh objects each call);
    ``size`` is the total number of units; ``transform`` (set after phrase
    learning) maps each unit's tokens to the model features; ``fields``: the
    unit fields stages write, kept between passes.
    """

    def __init__(
        self,
        loaders: Sequence[Callable[[], list[Unit]]],
        size: int,
        transform: Any = None,
        memo: Memo | None = None,
        fields: Sequence[str] = DEFAULT_FIELDS,
    ) -> None:
        self._loaders = list(loaders)
        self.fields = tuple(fields)
        self._size = size
        self.transform = transform
        self.memo = memo
        self._notes: dict[int, dict[int, Note]] = {}

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Unit]:
        for _, units in self._documents():
            yield from units
            del units  # before the next document is read

    def per_document(
        self,
        slot: str,
        compute: Callable[[list[Unit]], Any],
        documents: Iterable[int] | None = None,
        check: Callable[[list[Unit], Any], bool] | None = None,
    ) -> Iterator[tuple[list[Unit], Any]]:
        """``(units, compute(units))`` per document, in order; the units' annotations are kept.

        With a :class:`Memo`, ``compute``'s result is cached per document under the stage's
        key, so per-document work inside a corpus stage (actor tagging, sentence vectors) is done
        again only for documents whose text or stage configuration changed.  ``documents``: only
        these (indices, ascending); None: all.  ``check(units, value)``: False for a cached value
        that does not fit the units (damaged): computed again and stored in its place.
        """
        for d, units in self._documents(documents):
            key = self.memo.key(d, slot) if self.memo is not None else None
            value = self.memo.load(d, slot, key) if key else None
            if value is not None and check is not None and not check(units, value):
                value = None
            if value is None:
                value = compute(units)
                if key:
                    self.memo.store(d, slot, key, value)
            yield units, value

    def _documents(self, documents: Iterable[int] | None = None) -> Iterator[tuple[int, list[Unit]]]:
        """``(d, units)`` per document (of ``documents``, default all); when the consumer moves on (or
        stops early), what it changed on those units is kept.  Only a change is kept, so a pass that
        only reads never overwrites one that wrote."""
        for d in range(len(self._loaders)) if documents is None else documents:
            units = self.document(d)
            before = [note_of(u, self.fields) for u in units]
            try:
                yield d, units
            finally:
                for position, (unit, old) in enumerate(zip(units, before, strict=True)):
                    new = note_of(unit, self.fields)
                    if new != old:
                        self._keep(d, position, new)
            del units, before  # before the next document is read

    def document(self, d: int) -> list[Unit]:
        """Document ``d``'s units, with model features and the annotations stages left on them."""
        units = self._loaders[d]()
        notes = self._notes.get(d, {})
        for position, unit in enumerate(units):
            if self.transform is not None:
                unit.tokens = self.transform(unit.tokens)
            note = notes.get(position)
            if note is not None:
                apply_note(unit, note, self.fields)
        return units

    def notes(self, d: int) -> dict[int, Note]:
        """What is kept for document ``d`` (unit position -> note): only annotated units take memory."""
        return dict(self._notes.get(d, {}))

    def _keep(self, d: int, position: int, note: Note) -> None:
        if any(value for _, value in note):  # a note of empty values is what a fresh unit has
            self._notes.setdefault(d, {})[position] = note
        elif d in self._notes:
            self._notes[d].pop(position, None)


class Memo:
    """Where :meth:`UnitStream.per_document` caches: the per-document cache (a
    :class:`~pipeline.run.documents.DocumentProcessor`'s ``load_memo``/``store_memo``), each
    document's final state there (``DocumentResult.stored``; None: do not cache it), and each
    corpus stage's key (its options, files and code)."""

    def __init__(self, cache: Any, documents: Sequence[str | None], stages: dict[str, str]) -> None:
        self.cache, self.documents, self.stages = cache, list(documents), stages

    def key(self, d: int, slot: str) -> str | None:
        document, stage = self.documents[d], self.stages.get(slot)
        if not document or not stage:
            return None
        return memo_key(document, stage)

    def load(self, d: int, slot: str, key: str) -> Any:
        found, value = self.cache.load_memo(self.documents[d], slot, key)
        return value if found else None

    def store(self, d: int, slot: str, key: str, value: Any) -> None:
        self.cache.store_memo(self.documents[d], slot, key, value)


def memo_key(document: str, stage: str) -> str:
    """The key of a corpus stage's per-document value: the document's final state
    (``DocumentResult.stored``) and the stage's key (its options, files and code, or its ``memo_key``)."""
    return hashlib.sha256(f"{document}:{stage}".encode()).hexdigest()


def per_document(
    units: UnitStream | Iterable[Unit],
    slot: str,
    compute: Callable[[list[Unit]], Any],
    check: Callable[[list[Unit], Any], bool] | None = None,
) -> Iterator[tuple[list[Unit], Any]]:
    """:meth:`UnitStream.per_document` for a stream (or what has such a method: some documents of a
    stream); for a plain list, its runs of units with one ``doc_id`` (computed, not cached)."""
    if isinstance(units, UnitStream) or callable(getattr(units, "per_document", None)):
        yield from units.per_document(slot, compute, check=check)
        return
    for _, group in itertools.groupby(units, key=lambda u: u.doc_id):
        doc_units = list(group)
        yield doc_units, compute(doc_units)


_KEYS: dict[tuple, tuple] = {}  # a dict note's keys, one tuple per distinct key sequence (theme ids)
KEYS_KEPT = 4096  # at most this many distinct key sequences are shared (a long-lived process stays bounded)


def _freeze(value: Any) -> tuple[type | None, Any]:
    # shallow, immutable copies: the fields stages write hold strings and numbers.  A dict is kept as
    # (keys, values): every unit's theme_scores has the same theme ids, so the keys tuple is shared --
    # a note then takes about 600 bytes instead of 1,000 (30,000 units of 10 MB of news: 30 -> 18 MB)
    if isinstance(value, list):
        return list, tuple(value)
    if isinstance(value, dict):
        if not value:
            return dict, ()  # falsy, as an empty note must be (UnitStream._keep)
        keys = tuple(value)
        shared = _KEYS.get(keys)
        if shared is None and len(_KEYS) < KEYS_KEPT:
            shared = _KEYS[keys] = keys
        return dict, (shared or keys, tuple(value.values()))
    return None, value


def _thaw(kind: type | None, value: Any) -> Any:
    if kind is dict:
        return dict(zip(*value, strict=True))
    return kind(value) if kind is not None else value


def note_of(unit: Unit, fields: Sequence[str] = DEFAULT_FIELDS) -> Note:
    """A copy of ``unit``'s values of ``fields`` (later changes to the unit do not reach it)."""
    return tuple(_freeze(getattr(unit, name)) for name in fields)


def apply_note(unit: Unit, note: Note, fields: Sequence[str] = DEFAULT_FIELDS) -> None:
    """Put a kept note back on ``unit`` (fresh containers: the note stays as it was)."""
    for name, (kind, value) in zip(fields, note, strict=True):
        setattr(unit, name, _thaw(kind, value))
