"""Scheduled re-analysis: what changed in the corpus since the last run, and a re-run that reuses the rest.

``python -m pipeline reanalyse --config FILE`` is the entry point for cron or a
systemd timer.  It compares the corpus files with the inputs recorded in the
last finished run (``run.json``) and runs the pipeline incrementally:

* unchanged documents are loaded from the per-document cache (no per-document
  stage runs for them);
* new and changed documents go through the per-document stages;
* documents that are gone simply drop out of the results;
* a changed option of one stage recomputes that stage and the ones after it,
  resuming from the cached state before it;
* corpus-level stages (phrases, themes, positions) refit on the whole corpus
  (they depend on every document), unless nothing at all changed -- then the
  previous results are kept as they are, since a deterministic pipeline would
  reproduce them byte for byte, and only the run is recorded in the history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LISTED = 10  # names printed per category; the rest are counted


@dataclass
class Changes:
    """How the corpus differs from the last finished run, and how much per-document work was reused."""

    new: list[str] = field(default_factory=list)  # sources
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    reused: int = 0  # documents taken whole from the cache
    resumed: int = 0  # documents resumed from a cached intermediate stage
    computed: int = 0  # documents computed from scratch
    stages: dict[str, int] = field(default_factory=dict)  # slot -> documents it ran on
    failed: int = 0

    def count_work(self, results: Iterable[Any]) -> None:
        """Tally per-document results (``runner.DocumentResult``) by how much came from the cache."""
        stages: Counter = Counter()
        self.reused = self.resumed = self.computed = self.failed = 0
        for r in results:
            stages.update(r.computed)
            self.failed += r.error is not None
            if not r.computed:
                self.reused += 1
            elif r.cached:
                self.resumed += 1
            else:
                self.computed += 1
        self.stages = dict(stages)

    def to_json(self) -> dict[str, Any]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "same": len(self.same),
            "reused": self.reused,
            "resumed": self.resumed,
            "computed": self.computed,
            "stages": dict(sorted(self.stages.items())),
        }


def compare(previous: dict[str, str | None], current: dict[str, str | None]) -> Changes:
    """Classify sources: ``previous``/``current`` map source path -> sha256 of its bytes."""
    changes = Changes()
    for source in sorted(current):
        if source not in previous:
            changes.new.append(source)
        elif previous[source] != current[source]:
            changes.changed.append(source)
        else:
            changes.same.append(source)
    changes.removed = sorted(set(previous) - set(current))
    return changes


def _names(sources: list[str], base: Path | None) -> str:
    def short(source: str) -> str:
        path = Path(source)
        if base is not None:
            try:
                return str(path.relative_to(base))
            except ValueError:
                pass
        return path.name

    shown = ", ".join(short(s) for s in sources[:LISTED])
    more = len(sources) - LISTED
    return f" ({shown}{f', and {more} more' if more > 0 else ''})" if sources else ""


def _plural(n: int, word: str = "document") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe_changes(changes: Changes, corpus: str | None = None, unchanged: bool = False) -> list[str]:
    """The lines ``reanalyse`` prints: new, changed, removed, reused (and recomputed)."""
    base = Path(corpus) if corpus and Path(corpus).is_dir() else None
    lines = [
        f"new: {_plural(len(changes.new))}{_names(changes.new, base)}",
        f"changed: {_plural(len(changes.changed))}{_names(changes.changed, base)}",
        f"removed: {_plural(len(changes.removed))}{_names(changes.removed, base)}",
    ]
    if unchanged:
        lines.append(f"reused: {_plural(len(changes.same))} -- nothing changed, previous results kept")
        return lines
    lines.append(f"reused: {_plural(changes.reused)} (every per-document stage from the cache)")
    if changes.resumed:
        lines.append(f"resumed: {_plural(changes.resumed)} (from a cached earlier stage)")
    stages = ", ".join(f"{slot} {n}" for slot, n in changes.stages.items())
    lines.append(f"recomputed: {_plural(changes.resumed + changes.computed)}{f' ({stages})' if stages else ''}")
    return lines
