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
    previous_ids: dict[str, str] = field(default_factory=dict)  # source -> its document id in the last run
    renamed: list[str] = field(default_factory=list)  # "old id -> new id" of sources whose id changed

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
        # an id changes when a file of the same name appears beside it (report.txt + report.md: both
        # keep their extension); anything joining results on doc_id across runs must hear of it
        self.renamed = [
            f"{self.previous_ids[r.source]} -> {r.doc_id}"
            for r in results
            if r.error is None and r.source in self.previous_ids and self.previous_ids[r.source] != r.doc_id
        ]

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
            **({"renamed": self.renamed} if self.renamed else {}),
            # which files: the first LISTED of each kind (a first run's "new" would list the whole corpus)
            "sources": {
                kind: names[:LISTED]
                for kind, names in (("new", self.new), ("changed", self.changed), ("removed", self.removed))
                if names
            },
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


def describe_renamed(renamed: list[str]) -> str:
    """The summary line for documents whose id changed (empty list: no line is printed)."""
    more = f", and {len(renamed) - LISTED} more" if len(renamed) > LISTED else ""
    return f"renamed: {_plural(len(renamed))} ({', '.join(renamed[:LISTED])}{more}): a file of the same name appeared or went"


def describe_changes(
    changes: Changes, corpus: str | None = None, unchanged: bool = False, failed: int = 0
) -> list[str]:
    """The lines ``reanalyse`` prints: new, changed, removed, reused (and recomputed); ``failed``: files
    of the corpus that could not be read (an unchanged run counts them among its unchanged files)."""
    base = Path(corpus) if corpus and Path(corpus).is_dir() else None
    lines = [
        f"new: {_plural(len(changes.new))}{_names(changes.new, base)}",
        f"changed: {_plural(len(changes.changed))}{_names(changes.changed, base)}",
        f"removed: {_plural(len(changes.removed))}{_names(changes.removed, base)}",
    ]
    if unchanged:
        failing = f" ({failed} of them failed to read, as before)" if failed else ""
        lines.append(f"reused: {_plural(len(changes.same), 'file')}{failing} -- nothing changed, previous results kept")
        return lines
    lines.append(f"reused: {_plural(changes.reused)} (every per-document stage from the cache)")
    if changes.resumed:
        lines.append(f"resumed: {_plural(changes.resumed)} (from a cached earlier stage)")
    stages = ", ".join(f"{slot} {n}" for slot, n in changes.stages.items())
    lines.append(f"recomputed: {_plural(changes.resumed + changes.computed)}{f' ({stages})' if stages else ''}")
    return lines


# --------------------------------------------------------------------------- corpus-level models

MODELS_DIR = "models"  # in the output folder, committed with the run's results
MODELS_FORMAT = 1
REFIT_DRIFT = 0.10  # default: refit when more than this share of the fitted corpus's units changed
REUSE_METHODS = ("semantic", "keywords", "embedding")  # theme methods whose scores are per unit given the model


@dataclass
class Models:
    """The corpus-level models of a run (gensim phrases, the theme model) and whether they are reused.

    A cold run *fits* them on the whole corpus and saves them in ``<output>/models/`` with the
    run (``models.json`` and ``theme-scores.npy``: JSON and a NumPy array, read with
    ``allow_pickle=False`` -- nothing from the output folder is unpickled).  The next run
    *reuses* them when (all of) the saved models load, were fitted under the same configuration,
    taxonomy, code and versions (``key``), the theme method scores each unit on its own given
    the model (:data:`REUSE_METHODS`), no refit is forced, and the corpus drifted at most
    ``threshold`` since the fit.  Drift = units in documents the fit did not see plus units of
    fitted documents that are gone, over the fitted corpus's units (a changed document counts
    both ways).  Reusing means: the same phrases, thresholds and learned vocabulary; the score
    rows of unchanged documents taken as saved; only new and changed documents scored.  So a
    small edit changes no other document's themes; the result may differ from a cold run of the
    same corpus (``--refit`` gives that).  The fitted corpus is kept across reuses, so drift adds
    up until a refit.
    """

    key: str
    reuse: bool = False
    reason: str = "no saved models: fitted"
    drift: float | None = None
    threshold: float = REFIT_DRIFT
    saved: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None  # where the saved models were read
    fitted: list[list[Any]] = field(default_factory=list)  # [[document key, units], ...] the fit saw
    out: dict[str, Any] = field(default_factory=dict)  # models of this run, to save
    scores: Any = None  # this run's theme score rows (numpy array), to save

    def to_json(self) -> dict[str, Any]:
        """What run.json and the run history say about the models."""
        return {
            "decision": "reused" if self.reuse else "refitted",
            "reason": self.reason,
            "drift": None if self.drift is None else round(self.drift, 6),
            "threshold": self.threshold,
        }

    def saved_scores(self) -> Any:
        """The saved theme score rows ``(units, themes)`` float64, or None."""
        import numpy as np

        if self.folder is None or not (self.folder / "theme-scores.npy").is_file():
            return None
        return np.load(self.folder / "theme-scores.npy", allow_pickle=False)

    def saved_rows(self) -> dict[str, tuple[int, int]]:
        """Document key -> (first row, rows) in :meth:`saved_scores`."""
        out, start = {}, 0
        for key, n in self.saved.get("documents", []):
            out[key] = (start, int(n))
            start += int(n)
        return out

    def save(self, staging: Path, documents: list[list[Any]]) -> None:
        """Write this run's models into ``staging/models/`` (``documents``: [[key, units], ...] in row order)."""
        import numpy as np

        from pipeline import atomic

        folder = staging / MODELS_DIR
        folder.mkdir(exist_ok=True)
        data = {
            "format": MODELS_FORMAT,
            "key": self.key,
            "fitted": self.fitted if self.reuse else documents,
            "documents": documents,
            **self.out,
        }
        atomic.write_json(folder / "models.json", data)
        if self.scores is not None:
            np.save(folder / "theme-scores.npy", np.ascontiguousarray(self.scores, dtype=np.float64))


def models_key(stage_keys: dict[str, str], seed: int) -> str:
    """What the corpus-level models depend on: every stage up to the theme stage (chain keys) and the seed."""
    import hashlib
    import json

    slots = list(stage_keys)
    upto = slots[: slots.index("themes") + 1] if "themes" in slots else [s for s in slots if s != "stakeholders"]
    data = {"chain": [stage_keys[s] for s in upto], "seed": seed, "format": MODELS_FORMAT}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def drift(fitted: list[list[Any]], current: list[list[Any]]) -> float:
    """Share of the fitted corpus's units that changed: units of documents (by key) only in ``current``
    plus units of documents only in ``fitted``, over the fitted units (1.0 when nothing was fitted)."""
    before = {k: int(n) for k, n in fitted}
    now = {k: int(n) for k, n in current}
    total = sum(before.values())
    if not total:
        return 1.0
    moved = sum(n for k, n in now.items() if k not in before) + sum(n for k, n in before.items() if k not in now)
    return moved / total


def plan_models(
    output: Path, key: str, documents: list[list[Any]], *, refit: bool, method: str | None, threshold: float
) -> Models:
    """Decide whether this run reuses the models saved in ``output`` (see :class:`Models`)."""
    import json

    from pipeline.run.commit import CURRENT

    models = Models(key=key, threshold=threshold, fitted=documents)
    folder = Path(output) / CURRENT / MODELS_DIR  # the published run's folder
    try:
        saved = json.loads((folder / "models.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return models
    if not isinstance(saved, dict) or saved.get("format") != MODELS_FORMAT:
        models.reason = "saved models in an older format: refitted"
        return models
    models.drift = drift(saved.get("fitted") or [], documents)
    figure = f"drift {models.drift:.2%} of the fitted units, threshold {threshold:.0%}"
    if refit:
        models.reason = f"refit forced ({figure})"
    elif saved.get("key") != key:
        models.reason = "configuration, taxonomy, code or versions changed since the fit: refitted"
    elif method is not None and method not in REUSE_METHODS:
        models.reason = f"theme method {method!r} has no transform-only mode: refitted"
    elif models.drift > threshold:
        models.reason = f"{figure}: refitted"
    else:
        models.reuse, models.reason = True, f"{figure}: reused"
        models.saved, models.folder, models.fitted = saved, folder, saved.get("fitted") or []
    return models
