"""What a run tells: its summary lines (stdout), its ``run.json`` and its history record.

One builder per record: :func:`history_record` makes the run-history entry of every run
(finished, unchanged or failed); :func:`run_info` makes ``run.json``.
"""

from __future__ import annotations

import platform
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.run.commit import now
from pipeline.run.incremental import Changes, describe_renamed
from pipeline.stages.repair import REPAIR_NOTES
from pipeline.stages.structure import STRUCTURE_NOTES, document_notes
from pipeline.stages.structure.furniture import FURNITURE_LINE_COUNTS

VERSION_PACKAGES = ("arabic-policy-pipeline", "camel-tools", "spacy", "gensim", "scikit-learn", "numpy", "wordfreq")


def new_run_id(started: float) -> str:
    """``YYYYMMDDTHHMMSSZ-<8 hex>``: sortable by start time, unique."""
    return f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(started))}-{uuid.uuid4().hex[:8]}"


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages results depend on (part of every cache key)."""
    versions = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@dataclass
class RunSummary:
    output: Path
    documents: int
    failed: list[str]
    units: int
    counts: dict[str, dict[str, int]]
    report: Path | None
    run_id: str = ""
    changes: Changes | None = None
    unchanged: bool = False  # nothing changed since the last run: results kept as they were
    kept_run_id: str = ""  # when unchanged: the run whose results are kept (the figures are its own)
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # files of the corpus not read (extension), "<path>: not read (...)"
    models: dict[str, Any] | None = None  # corpus-level models reused or refitted, and why (run.json "models")

    def lines(self) -> list[str]:
        structure = self.counts.get("structure", {})
        kinds = {k: v for k, v in structure.items() if not k.startswith(STRUCTURE_NOTES)}
        repairs = sum(self._repair_steps().values())  # mojibake decoded at ingest is counted apart
        at_ingest = self.counts.get("ingest", {}).get("mojibake_fixed", 0)
        persian = self.counts.get("normalise", {}).get("persian_keyboard_letters", 0)
        out = [
            f"documents: {self.documents} analysed, {len(self.failed)} failed",
            f"units: {self.units} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})",
            f"repairs: {repairs}"
            + (f" ({self._top_repairs()})" if repairs else "")
            + (f"; mojibake decoded as files were read {at_ingest}" if at_ingest else "")
            + (f"; Persian-keyboard letters read as Arabic {persian}" if persian else ""),
        ]
        layouts = {k[len("layout_") :]: v for k, v in structure.items() if k.startswith("layout_")}
        if layouts:
            removed = sum(v for k, v in structure.items() if k in FURNITURE_LINE_COUNTS)
            blocks = structure.get("furniture_repeated_blocks", 0)  # boilerplate repeated in text without pages
            out.append(
                f"layout: {', '.join(f'{k} {v}' for k, v in sorted(layouts.items()))}; furniture lines removed {removed}"
                + (f", repeated blocks removed {blocks}" if blocks else "")
            )
        themes = self.counts.get("themes", {})
        if themes:
            out.append("themes: " + ", ".join(f"{k} {v}" for k, v in themes.items()))
        speech = self.counts.get("stakeholders", {})
        if speech:
            shown = ("statements", "attributed", "unspecified", "statements_scored", "positions_with_interval")
            out.append("stakeholders: " + ", ".join(f"{k} {speech[k]}" for k in shown if k in speech))
        for slot, found in self.counts.items():  # stages of your own: their counts as they gave them
            if slot not in SUMMARISED and found:
                out.append(f"{slot}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
        out.extend(f"warning: {warning}" for warning in self.warnings)
        if self.changes is not None and self.changes.renamed:
            out.append(describe_renamed(self.changes.renamed))
        if self.skipped:
            out.append(f"skipped: {len(self.skipped)} not read ({skip_reasons(self.skipped)}), listed in run.json")
        for failure in self.failed:
            out.append(f"failed: {failure}")
        out.append(f"results: {self.output}")
        if self.report is not None:
            out.append(f"report: {self.report}")
        return out

    def _repair_steps(self) -> dict[str, int]:
        """The repair stage's counts per step, without its notes (``REPAIR_NOTES``: documents per damage
        profile, which reading a searched line took, lines left alone)."""
        return {k: v for k, v in self.counts.get("repair", {}).items() if not k.startswith(REPAIR_NOTES)}

    def _top_repairs(self, n: int = 3) -> str:
        """The ``n`` commonest repair steps, «strip_kashida 1055, repair_kaf 12»: what the total is made of."""
        steps = {k: v for k, v in self._repair_steps().items() if v}
        top = sorted(steps.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        return ", ".join(f"{k} {v}" for k, v in top) + (", ..." if len(steps) > n else "")


def skip_reasons(notes: Sequence[str]) -> str:
    """``"extension .png 2, hidden folder 1"``: the reasons of skipped-file notes (``"<path>: not read (<why>)"``),
    counted."""
    reasons: dict[str, int] = {}
    for note in notes:
        why = note.rsplit(": not read (", 1)[-1].rstrip(")")
        why = "link to a file or folder read already" if why.startswith("the same ") else why
        reasons[why] = reasons.get(why, 0) + 1
    return ", ".join(f"{why} {n}" for why, n in sorted(reasons.items()))


# slots whose counts the summary already shows (or that have too many to show: they are in run.json)
SUMMARISED = ("ingest", "structure", "repair", "normalise", "tokenise", "themes", "stakeholders", "report")


def history_record(
    config: Config, run_id: str, kind: str, started: float, changes: Changes, status: str, **fields: Any
) -> dict[str, Any]:
    """The run-history entry of a run: who, when, what changed, ``status`` (ok | unchanged | failed) and
    ``fields`` (versions, documents, failed, units, counts, seconds, or error)."""
    return {
        "run_id": run_id,
        "kind": kind,
        "started": now(started),
        "config": str(config.path),
        "config_hash": config.content_hash,
        "changes": changes.to_json(),
        "status": status,
        **fields,
        "seconds_total": round(time.time() - started, 3),
        "finished": now(),
    }


def run_info(
    config: Config,
    run_id: str,
    started: float,
    plan: Any,
    good: list[Any],
    bad: list[Any],
    counts: dict[str, dict[str, int]],
    seconds: dict[str, float],
    stage_warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """The content of ``run.json`` (see the README's table of result files); ``stage_warnings``: those of
    the corpus stages (``Corpus.warnings``), after the documents' own."""
    notes = {r.source: document_notes(r.counts.get("structure", {})) for r in good}
    return {
        "name": config.name,
        "run_id": run_id,
        "config": str(Path(config.path).resolve()),  # absolute: a notebook re-runs it from anywhere
        "corpus": config.corpus,  # as this run read it (``analyse(corpus=...)`` overrides the config's)
        "config_hash": config.content_hash,
        "versions": plan.versions,
        "started": now(started),
        "seconds_total": round(time.time() - started, 3),
        "documents": [
            {
                "doc_id": r.doc_id,
                "source": r.source,
                "sha256": r.sha256,
                "encoding": r.encoding,
                "units": r.n_units or len(r.units),
                # mojibake decoded as the file was read: the ingest stage's repair, said per document too
                **({"mojibake_fixed": n} if (n := r.counts.get("ingest", {}).get("mojibake_fixed", 0)) else {}),
                **({"profile": r.profile} if r.profile else {}),
                **({"meta": dict(sorted(r.meta.items()))} if getattr(r, "meta", None) else {}),
                "layout": notes[r.source][0],
                "warnings": notes[r.source][1],
            }
            for r in good
        ],
        "warnings": [f"{r.doc_id}: {text}" for r in good for text in notes[r.source][1]] + list(stage_warnings),
        "skipped": plan.skipped,
        "failed": [r.error for r in bad],
        "failed_documents": [{"source": r.source, "sha256": r.sha256, "error": r.error} for r in bad],
        "inputs": plan.hashes,
        "metadata_hash": plan.metadata,
        "stage_keys": plan.stage_keys,
        "executor": {"kind": config.executor.kind, "workers": config.executor.workers},
        "cache": dict(sorted(counts.get("cache", {}).items())),  # entries that did not read back or were not written
        "stages": {
            slot: {
                "impl": spec.impl,
                "fingerprint": spec.fingerprint(),
                "seconds": round(seconds.get(slot, 0.0), 4),
                "counts": dict(sorted(counts.get(slot, {}).items())),
            }
            for slot, spec in config.stages.items()
        },
    }
