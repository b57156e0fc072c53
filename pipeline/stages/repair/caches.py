"""Caches of the damaged-text path that outlive one document (issue 18: decide once, reuse).

Repair of damaged text (:class:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair`) works
line by line and word by word in Python.  Lines and words recur: page furniture, a report
extracted twice, the vocabulary of a corpus.  Each cache below is keyed by *everything* the cached
decision reads, so a hit returns exactly what the computation would (the tests compare cached and
uncached repair on damaged documents):

``units``
    a whole unit (a paragraph, a document): the lines below, read in order from a stop (``"."``);
``visual_order``
    a line's reading order (:func:`~.line_order.fix_visual_order_line`) depends on the line,
    the method and the model token of the previous line's last word (``context_key``), nothing else.
``word_steps``
    the glyph and word steps of a line (kaf, yeh, kashida, glued words, lam-alef) read the line,
    whether the unit's initial yeh is damaged, the stage's options, the document's certain stems
    (``fit``) and the glyph context table: the last three are interned as one *evidence id*.
``words``
    a word without «آ» is repaired from its letters and the options alone (no document evidence):
    one table per set of options, shared by every document.

Values hold the repaired text and the counts the step adds, replayed on a hit.  Each cache is
bounded by the characters of its keys (oldest entries go first), so memory stays flat however
large the corpus; :func:`clear_caches` empties them all (benchmarks, between timed runs).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

_MAX_LINE_CHARS = 4_000_000  # characters of lines kept per line cache (about 8 MB of key text)
_MAX_WORD_CHARS = 2_000_000  # characters of words kept in the word table


class BoundedCache:
    """A dict bounded by the total length of the first item of its keys (a line or word); the oldest
    entries are dropped first when a new one would pass ``max_chars``."""

    def __init__(self, max_chars: int) -> None:
        self.data: dict[tuple, Any] = {}
        self.chars = 0
        self.max_chars = max_chars

    def get(self, key: tuple) -> Any:
        return self.data.get(key)

    def put(self, key: tuple, value: Any) -> None:
        if key in self.data:
            return
        self.data[key] = value
        self.chars += len(key[0])
        while self.chars > self.max_chars:
            oldest = next(iter(self.data))
            self.chars -= len(oldest[0])
            del self.data[oldest]

    def clear(self) -> None:
        self.data.clear()
        self.chars = 0


UNITS = BoundedCache(_MAX_LINE_CHARS)
VISUAL_ORDER = BoundedCache(_MAX_LINE_CHARS)
WORD_STEPS = BoundedCache(_MAX_LINE_CHARS)
WORDS = BoundedCache(_MAX_WORD_CHARS)
_MAX_EVIDENCE = 4096  # documents' evidence tokens kept (each holds the document's certain stems)
_EVIDENCE: dict[tuple, int] = {}  # evidence or options token -> id (ids are never reused)
_next_id = [0]


def clear_caches() -> None:
    """Empty every cache that outlives a document (lines, words, the reading-order search's memos)."""
    from pipeline.stages.repair import glyphs, line_order

    for cache in (UNITS, VISUAL_ORDER, WORD_STEPS, WORDS):
        cache.clear()
    _EVIDENCE.clear()
    glyphs._key.cache_clear()
    glyphs._key_zipf.cache_clear()
    line_order._context_key.cache_clear()
    line_order._after_key.cache_clear()
    line_order._rules_reading.cache_clear()
    if line_order._reading_order.cache_info().currsize and line_order._reading_order() is not None:
        line_order._reading_order().clear_memos()


def options(repairer: object) -> tuple:
    """The stage's option values (its init fields), in field order."""
    return tuple(getattr(repairer, item.name) for item in dataclasses.fields(repairer) if item.init)


def evidence_id(repairer: Any, option_values: tuple) -> int:
    """One id per distinct (options, certain stems and heads, names, glyph context table) of a fitted stage:
    the document-level inputs of the word steps."""
    stems = repairer._stems_token
    if stems is None:
        stems = repairer._stems_token = (
            frozenset(repairer._stems.items()),
            frozenset(repairer._heads.items()),
            frozenset(repairer._name_pairs),
            frozenset(repairer._pairs),
        )
    return _intern((option_values, stems, repairer._glyph_table()))


def pairs_id(pairs: dict[str, float]) -> int:
    """One id per distinct set of a document's word pairs (the reading-order search's cache model)."""
    return _intern(("pairs", frozenset(pairs.items())))


def options_id(option_values: tuple) -> int:
    """One id per distinct set of option values (the key of the shared word table)."""
    return _intern((option_values,))


def _intern(token: tuple) -> int:
    found = _EVIDENCE.get(token)
    if found is None:
        if len(_EVIDENCE) >= _MAX_EVIDENCE:  # ids are never reused: entries under old ids just stop hitting
            _EVIDENCE.clear()
        found = _EVIDENCE[token] = _next_id[0]
        _next_id[0] += 1
    return found


def counted(repairer: Any, compute: Callable[[], str]) -> tuple[str, tuple]:
    """(``compute()``, the counts it added to ``repairer.counts``), leaving ``repairer.counts`` as it was."""
    saved = repairer.counts
    repairer.counts = Counter()
    try:
        return compute(), tuple(repairer.counts.items())
    finally:
        repairer.counts = saved


def replay(counts: Counter, delta: tuple) -> None:
    """Add the counts a cached step added when it ran."""
    for name, number in delta:
        counts[name] += number


def visual_order(
    line: str, context_key: str, method: str, compute: Callable[[], tuple[str, tuple]]
) -> tuple[str, str | None, tuple]:
    """(the line in reading order, its last word or None, the counts the step adds); ``compute()``
    gives the first and the last on a miss."""
    key = (line, context_key, method)
    cached = VISUAL_ORDER.get(key)
    if cached is None:
        fixed, delta = compute()
        words = fixed.split()
        cached = (fixed, words[-1] if words else None, delta)
        VISUAL_ORDER.put(key, cached)
    return cached
