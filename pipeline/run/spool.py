"""units.jsonl written while the workers still process documents (an ordered merge).

When a document's output lines are final once it is processed (no phrase learning, no
corpus-level stages), the workers return them with the summary and the client writes them in
output order as they arrive, so nothing is read back and only the tail is left to write when the
workers finish.  ``finish`` uses the spool if its document order turns out right.

The spool is text (units.jsonl lines, written by this run and renamed into its results, or
removed): nothing is pickled to disk here.  Results that wait for their turn stay in memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Config
from pipeline.run.documents import DocumentProcessor, corpus_slots, render


@dataclass
class Spool:
    """units.jsonl written while documents were processed; used if ``sources`` is its document order."""

    path: Path
    sources: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # tables.jsonl lines, per document
    phrase_tokens: int = 0


def predicted_order(path: Path) -> tuple[str, str]:
    """Where a file's units are expected in units.jsonl: results are sorted by (doc_id, source), doc_id is the stem."""
    return path.stem, str(path)


def spoolable(config: Config, processor: DocumentProcessor) -> bool:
    """True when a document's output lines are final as soon as it is processed."""
    if corpus_slots(config.stages):
        return False  # units.jsonl is written after the corpus stages, from units they may change
    fitter = processor.corpus_fitter()
    return fitter is None or not fitter.learns_phrases


class SpoolWriter:
    """Writes documents' output lines in the predicted final order as their results arrive.

    Results that arrive early wait (encoded) until every earlier document is in; with chunks
    handed out in that order, that is about one chunk per worker.  Documents taken from the
    cache are encoded here when their turn comes.
    """

    def __init__(self, path: Path, order: list[int], results: list, processor: DocumentProcessor):
        self.spool = Spool(path)
        self.handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
        self.order, self.results, self.processor = order, results, processor
        self.tokeniser = processor.corpus_fitter()
        self.waiting: dict[int, tuple[str, str, int]] = {}
        self.position = 0

    def add(self, index: int, rendered: tuple[str, str, int] | None) -> None:
        if rendered is not None:
            self.waiting[index] = rendered
        self._drain()

    def _drain(self) -> None:
        while self.position < len(self.order):
            index = self.order[self.position]
            result = self.results[index]
            if result is None:
                return
            if result.error is None:
                rendered = self.waiting.pop(index, None)
                if rendered is None:
                    rendered = render(*self.processor.body(result), self.tokeniser)
                unit_lines, table_lines, phrase_tokens = rendered
                self.handle.write(unit_lines)
                self.spool.tables.append(table_lines)
                self.spool.phrase_tokens += phrase_tokens
                self.spool.sources.append(result.source)
            self.position += 1

    def close(self) -> Spool:
        try:
            self._drain()
            self.handle.flush()
            os.fsync(self.handle.fileno())
        finally:
            self.handle.close()
        return self.spool
