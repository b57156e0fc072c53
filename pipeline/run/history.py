"""Run history: every run on an output folder, recorded in an SQLite database beside the results.

``<output>/history/history.sqlite`` holds

* ``runs`` -- one row per run (finished, unchanged or failed): time, kind
  (``run``/``reanalyse``), status, config hash, library versions, document
  counts (analysed, failed, new, changed, removed, reused), per-stage counts
  and durations;
* ``documents`` -- every (source, sha256) ever analysed, with the first and
  last run and time it was seen; ``run_documents`` says which run saw which;
* ``failures`` -- documents that could not be analysed, per run, with why;
* ``theme_shares`` and ``positions`` -- read from the run's ``themes.csv`` and
  ``positions.csv`` when those files exist.

:func:`describe` is what ``python -m pipeline history`` prints: how theme
shares and group positions moved across runs.  :func:`trend` gives the same
series as a DataFrame for the report's trend chart.

Writes are idempotent per run id, so the runner can replay the record of a
run that was killed while saving its results.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline import outputs
from pipeline.errors import PipelineError
from pipeline.logs import LOGGER
from pipeline.outputs import number

DB_DIR = "history"
DB_NAME = "history.sqlite"
TREND_COLUMNS = ["run_id", "started", "kind", "key", "value", "n"]
# Columns added after the first release: a history written before them gets them (NULL in its old rows).
ADDED_COLUMNS = (("runs", "models", "TEXT"), ("positions", "n_scored", "INTEGER"))
STOPPED = ("failed", "interrupted")  # runs that published nothing: recorded with their reason
SHOWN_RUNS = 8  # run columns in the drift tables of describe()

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT UNIQUE NOT NULL,
    kind TEXT, status TEXT, error TEXT,
    started TEXT, finished TEXT, seconds_total REAL,
    config TEXT, config_hash TEXT, versions TEXT,
    documents INTEGER, failed INTEGER, units INTEGER,
    new INTEGER, changed INTEGER, removed INTEGER, reused INTEGER, recomputed INTEGER,
    counts TEXT, seconds TEXT
);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT NOT NULL, sha256 TEXT NOT NULL, doc_id TEXT,
    first_run TEXT, first_seen TEXT, last_run TEXT, last_seen TEXT,
    PRIMARY KEY (source, sha256)
);
CREATE TABLE IF NOT EXISTS run_documents (run_id TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT);
CREATE TABLE IF NOT EXISTS failures (run_id TEXT NOT NULL, source TEXT, sha256 TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS theme_shares (
    run_id TEXT NOT NULL, theme TEXT NOT NULL, label TEXT, paragraphs INTEGER, share REAL
);
CREATE TABLE IF NOT EXISTS positions (
    run_id TEXT NOT NULL, grp TEXT NOT NULL, axis TEXT NOT NULL,
    score REAL, ci_low REAL, ci_high REAL, n_statements INTEGER
);
CREATE INDEX IF NOT EXISTS run_documents_run ON run_documents (run_id);
CREATE INDEX IF NOT EXISTS theme_shares_run ON theme_shares (run_id);
CREATE INDEX IF NOT EXISTS positions_run ON positions (run_id);
"""


def db_path(output_dir: str | Path) -> Path:
    return Path(output_dir) / DB_DIR / DB_NAME


def _columns() -> dict[str, set[str]]:
    """table -> its columns, as :data:`SCHEMA` creates them."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA)
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: {row[1] for row in conn.execute(f"PRAGMA table_info({name})")} for name in names}
    finally:
        conn.close()


def _foreign(conn: sqlite3.Connection) -> str | None:
    """Why the database is not a run history of ours (a table of ours lacks columns), or None."""
    for table, wanted in _columns().items():
        found = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if found and not wanted <= found:
            return f"its table {table!r} lacks {', '.join(sorted(wanted - found))}"
    return None


def _refuse(path: Path, why: str) -> PipelineError:
    return PipelineError(f"{path}: not usable as the run history ({why}); move it away -- the results were not changed")


@contextlib.contextmanager
def _connect(output_dir: str | Path, create: bool) -> Iterator[sqlite3.Connection | None]:
    """The history database, with its tables; PipelineError when the path is not a file, or holds
    a database whose tables of our names have other columns (it is left untouched)."""
    path = db_path(output_dir)
    if not (path.is_file() or create):
        yield None
        return
    if path.exists() and not path.is_file():
        raise _refuse(path, "it is not a file")
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=60)
    try:
        why = _foreign(conn)
        if why is not None:
            raise _refuse(path, why)
        conn.executescript(SCHEMA)
        for table, column, kind in ADDED_COLUMNS:  # runs.models: models reused/refitted (JSON); positions.n_scored
            if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        yield conn
    finally:
        conn.close()


def check(output_dir: str | Path) -> None:
    """Open the history before results are published: an unreadable file (not SQLite, corrupt) is
    moved aside with a warning, as in :func:`record`; a folder at its path, a database of someone
    else's tables, or one that cannot be written is a PipelineError (one line naming the file)."""
    try:
        _writable(output_dir)
    except PipelineError:
        raise
    except (sqlite3.OperationalError, OSError) as exc:  # locked, read-only, no permission: not the file's fault
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PipelineError(
            f"{db_path(output_dir)}: cannot write the run history ({reason}); the results were not changed"
        ) from None
    except sqlite3.DatabaseError as exc:
        _set_aside(output_dir, exc)


def _writable(output_dir: str | Path) -> None:
    path = db_path(output_dir)
    if not path.exists():
        if path.is_symlink():
            raise _refuse(path, "a link to nothing")
        if path.parent.exists() and not path.parent.is_dir():
            raise _refuse(path, f"{path.parent.name} is not a folder")
        return  # created at the first record
    with _connect(output_dir, create=True) as conn, conn:
        conn.execute("CREATE TABLE IF NOT EXISTS _write_check (x)")  # proves it can be written (locks, read-only)
        conn.execute("DROP TABLE _write_check")


def _set_aside(output_dir: str | Path, exc: Exception) -> None:
    path = db_path(output_dir)
    aside = path.with_name(f"{path.name}.unreadable-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}")
    os.replace(path, aside)
    LOGGER.warning(f"warning: {path}: run history unreadable ({exc}); kept as {aside.name}, new history started")


def _read_csv(output_dir: str | Path, name: str, required: set[str]) -> list[dict]:
    """Rows of a result CSV (:mod:`pipeline.outputs`), or [] when it is missing or lacks a required column."""
    found = outputs.rows(output_dir, name)
    return found if found and required <= set(found[0]) else []


def read_shares(output_dir: str | Path) -> list[tuple[str, str | None, int | None, float | None]]:
    """(theme, label, paragraphs, share) from ``themes.csv`` of the results in ``output_dir``."""
    rows = _read_csv(output_dir, "themes", {"theme", "share"})
    out = []
    for row in rows:
        paragraphs = number(row.get("paragraphs"))
        # themes.csv names a theme in label_en / label_ar; an older layout had one "label" column.
        label = row.get("label") or row.get("label_en") or row.get("label_ar") or None
        out.append((row["theme"], label, int(paragraphs) if paragraphs is not None else None, number(row["share"])))
    return out


def read_positions(output_dir: str | Path) -> list[tuple]:
    """(group, axis, score, ci_low, ci_high, n_statements, n_scored) from ``positions.csv``."""
    rows = _read_csv(output_dir, "positions", {"group", "axis", "score"})
    out = []
    for row in rows:
        n, scored = number(row.get("n_statements")), number(row.get("n_scored"))
        out.append(
            (
                row["group"],
                row["axis"],
                number(row["score"]),
                number(row.get("ci_low")),
                number(row.get("ci_high")),
                int(n) if n is not None else None,
                int(scored) if scored is not None else None,
            )
        )
    return out


def record(output_dir: str | Path, run: dict[str, Any], results: str | Path | None = None) -> bool:
    """Record one run (the dict the runner builds); theme shares and positions come from its result
    files, in ``results`` (default: the published run's folder, :func:`commit.results_folder`).

    Returns False when this run id was already recorded (a replayed commit).  An unreadable
    database (not SQLite, or corrupt) is moved aside, never deleted, and a new one is started, so
    a damaged history cannot stop runs -- or replay the same failure on every later run.
    """
    if results is None:
        from pipeline.run.commit import results_folder

        results = results_folder(output_dir)
    try:
        return _record(output_dir, run, results)
    except sqlite3.OperationalError:
        raise  # locked or read-only: a real problem to report, not a corrupt file
    except sqlite3.DatabaseError as exc:
        _set_aside(output_dir, exc)
        return _record(output_dir, run, results)


def _record(output_dir: str | Path, run: dict[str, Any], results: str | Path) -> bool:
    output_dir = Path(output_dir)
    changes = run.get("changes", {})
    documents = run.get("documents", [])
    failed = run.get("failed", [])
    with _connect(output_dir, create=True) as conn, conn:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO runs (run_id, kind, status, error, started, finished, seconds_total, config,"
            " config_hash, versions, documents, failed, units, new, changed, removed, reused, recomputed, counts,"
            " seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run["run_id"],
                run.get("kind"),
                run.get("status"),
                run.get("error"),
                run.get("started"),
                run.get("finished"),
                run.get("seconds_total"),
                run.get("config"),
                run.get("config_hash"),
                json.dumps(run.get("versions", {}), sort_keys=True),
                len(documents) if run.get("status") not in STOPPED else None,
                len(failed) if run.get("status") not in STOPPED else None,
                run.get("units"),
                changes.get("new"),
                changes.get("changed"),
                changes.get("removed"),
                changes.get("reused", changes.get("same")) if run.get("status") != "unchanged" else changes.get("same"),
                (changes.get("resumed", 0) + changes.get("computed", 0)) if run.get("status") == "ok" else 0,
                json.dumps(run.get("counts", {}), sort_keys=True),
                json.dumps(run.get("seconds", {}), sort_keys=True),
            ),
        )
        if cursor.rowcount == 0:
            return False
        run_id, when = run["run_id"], run.get("started")
        if run.get("models"):
            conn.execute("UPDATE runs SET models = ? WHERE run_id = ?", (json.dumps(run["models"]), run_id))
        conn.executemany(
            "INSERT INTO run_documents (run_id, source, sha256) VALUES (?, ?, ?)",
            [(run_id, d["source"], d.get("sha256")) for d in documents],
        )
        conn.executemany(
            "INSERT INTO documents (source, sha256, doc_id, first_run, first_seen, last_run, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source, sha256) DO UPDATE SET last_run = excluded.last_run, last_seen = excluded.last_seen",
            [(d["source"], d.get("sha256") or "", d.get("doc_id"), run_id, when, run_id, when) for d in documents],
        )
        conn.executemany(
            "INSERT INTO failures (run_id, source, sha256, error) VALUES (?, ?, ?, ?)",
            [(run_id, f.get("source"), f.get("sha256"), f.get("error")) for f in failed],
        )
        if run.get("status") in ("ok", "unchanged"):
            conn.executemany(
                "INSERT INTO theme_shares (run_id, theme, label, paragraphs, share) VALUES (?, ?, ?, ?, ?)",
                [(run_id, *row) for row in read_shares(results)],
            )
            conn.executemany(
                "INSERT INTO positions (run_id, grp, axis, score, ci_low, ci_high, n_statements, n_scored)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in read_positions(results)],
            )
    return True


def trend(output_dir: str | Path) -> Any:
    """Theme shares and group positions per run, oldest run first, as a pandas DataFrame.

    Columns: ``run_id``, ``started`` (UTC, ISO 8601), ``kind`` (``"theme"`` or
    ``"position"``), ``key`` (theme id, or ``"group:axis"``), ``value`` (share
    in [0, 1], or position score), ``n`` (the theme's paragraphs, or the statements the position was
    scored from; None in a history written before it was kept).  Only runs that produced results
    (status ok or unchanged) appear.  Empty (with these columns) when no run
    has been recorded.
    """
    import pandas as pd

    frame = pd.DataFrame(trend_rows(output_dir), columns=TREND_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame


def trend_rows(output_dir: str | Path) -> list[tuple]:
    """The rows of :func:`trend` as plain tuples, in its order (the report reads these: no pandas
    in a run, 60 MB of memory and half a second of imports)."""
    with _connect(output_dir, create=False) as conn:
        if conn is None:
            return []
        rows = conn.execute(
            "SELECT r.run_id, r.started, 'theme', t.theme, t.share, t.paragraphs, r.id FROM theme_shares t"
            " JOIN runs r USING (run_id) WHERE t.share IS NOT NULL"
            " UNION ALL "
            "SELECT r.run_id, r.started, 'position', p.grp || ':' || p.axis, p.score, p.n_scored, r.id FROM positions p"
            " JOIN runs r USING (run_id) WHERE p.score IS NOT NULL"
            " ORDER BY 7, 3 DESC, 4"
        ).fetchall()
    return [tuple(row[:6]) for row in rows]


def theme_labels(output_dir: str | Path) -> dict[str, str]:
    """theme id -> label, as of the latest run that named it (for chart legends)."""
    with _connect(output_dir, create=False) as conn:
        if conn is None:
            return {}
        rows = conn.execute(
            "SELECT t.theme, t.label FROM theme_shares t JOIN runs r USING (run_id)"
            " WHERE t.label IS NOT NULL AND t.label != '' ORDER BY r.id"
        ).fetchall()
    return dict(rows)


def runs(output_dir: str | Path) -> Any:
    """Every recorded run, oldest first, as a pandas DataFrame (one row per run)."""
    import pandas as pd

    with _connect(output_dir, create=False) as conn:
        if conn is None:
            return pd.DataFrame()
        return pd.read_sql_query("SELECT * FROM runs ORDER BY id", conn)


def run_ids(output_dir: str | Path) -> list[str]:
    """The ``run_id`` column of :func:`runs` as a list (oldest first), without pandas."""
    with _connect(output_dir, create=False) as conn:
        if conn is None:
            return []
        return [row[0] for row in conn.execute("SELECT run_id FROM runs ORDER BY id")]


def _drift_table(
    frame: Any, labels: dict[str, str], scale: float, fmt: str, numbers: dict[str, int], counts: bool = False
) -> list[str]:
    """Key x run table (last SHOWN_RUNS runs) with the change from the first shown run to the last;
    ``counts``: each cell also shows ``n`` in brackets (a position's scored statements), so that a
    score from one or two statements is not read as firm."""
    order = list(dict.fromkeys(frame["run_id"]))[-SHOWN_RUNS:]
    frame = frame[frame["run_id"].isin(order)]
    table = frame.pivot_table(index="key", columns="run_id", values="value", aggfunc="first")[order]
    ns = frame.set_index(["key", "run_id"])["n"].to_dict() if counts else {}
    number = {run: f"#{numbers[run]}" for run in order}
    cell_width = 11 if counts else 8
    width = max([len(k) + len(labels.get(k, "")) + 3 for k in table.index] + [10])
    lines = ["  " + "".ljust(width) + "".join(number[r].rjust(cell_width) for r in order) + "  change".rjust(10)]
    for key, row in table.iterrows():
        name = f"{key} {labels[key]}" if labels.get(key) else str(key)
        cells = []
        for run, v in zip(order, row, strict=True):
            text = format(v * scale, fmt) if v == v else "-"
            n = ns.get((key, run))
            cells.append((text + (f" ({int(n)})" if v == v and n is not None and n == n else "")).rjust(cell_width))
        present = [v for v in row if v == v]
        change = format((present[-1] - present[0]) * scale, "+" + fmt) if len(present) > 1 else "-"
        lines.append("  " + name.ljust(width) + "".join(cells) + change.rjust(10))
    return lines


def describe(output_dir: str | Path) -> str:
    """Text for ``python -m pipeline history``: the runs, then theme-share and position drift."""
    output_dir = Path(output_dir)
    table = runs(output_dir)
    if table.empty:
        return f"{output_dir}: no runs recorded yet (run `python -m pipeline run` or `reanalyse` first)"
    lines = [f"runs recorded in {db_path(output_dir)}: {len(table)}"]
    shown = table.tail(SHOWN_RUNS * 2)
    for i, row in shown.iterrows():
        if row["status"] in STOPPED:
            what = f"{row['status']}: {row['error']}"
        else:
            delta = ", ".join(
                f"{name} {int(row[name])}"
                for name in ("new", "changed", "removed", "reused", "recomputed")
                if row[name] == row[name] and row[name] is not None and (name != "recomputed" or row[name])
            )  # recomputed: documents whose bytes did not change but a stage's config or code did
            n = int(row["documents"] or 0)
            # the changes count files, failed ones too: said apart from the documents analysed
            what = f"{n} document{'' if n == 1 else 's'} analysed, {int(row['failed'] or 0)} failed; files: {delta}"
            if isinstance(row.get("models"), str):
                what += f"; models {json.loads(row['models'])['reason']}"
        lines.append(
            f"  #{i + 1} {row['started']} {row['kind']:<9} {row['status']:<9} {what}"
            f"  [{(row['seconds_total'] or 0):.1f} s]"
        )
    frame = trend(output_dir)
    themes = frame[frame["kind"] == "theme"]
    positions = frame[frame["kind"] == "position"]
    number = {run: i + 1 for i, run in enumerate(table["run_id"])}
    if not themes.empty:
        order = list(dict.fromkeys(themes["run_id"]))[-SHOWN_RUNS:]
        lines += ["", "theme shares (% of paragraphs), runs " + ", ".join(f"#{number[r]}" for r in order) + ":"]
        lines += _drift_table(themes, theme_labels(output_dir), 100.0, ".1f", number)
    else:
        lines += ["", "theme shares: none recorded (no themes.csv in these runs)"]
    if not positions.empty:
        order = list(dict.fromkeys(positions["run_id"]))[-SHOWN_RUNS:]
        lines += [
            "",
            "group positions (score, scored statements in brackets), runs "
            + ", ".join(f"#{number[r]}" for r in order)
            + ":",
        ]
        lines += _drift_table(positions, {}, 1.0, ".2f", number, counts=True)
    else:
        lines.append("group positions: none with a score in these runs (positions.csv says why for each row)")
    return "\n".join(lines)
