"""A small public API for exploring a finished run in Python or Jupyter.

``load_run(path)`` reads the result files of a run into pandas DataFrames::

    import pipeline
    run = pipeline.load_run("outputs/un-igov-ar")      # or the config: "configs/default.yaml"
    run.themes                                          # one row per theme: label, paragraphs, share, ...
    run.paragraphs(theme="security")                    # the paragraphs assigned to a theme
    run.positions                                       # group x axis scores with confidence intervals

A file that is absent (its stage did not run) gives an empty DataFrame with the
usual columns, so exploration code does not need to special-case it.
:func:`analyse` runs a config from Python (what ``python -m pipeline run`` does) and
loads the result; :func:`rerun` runs a config again with one stage's options changed, into
another folder, and loads the result -- to see what an option does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, PipelineError, unknown_key
from pipeline.outputs import CATALOGUE, frame, read_json, split_list_cell
from pipeline.run.commit import CACHE_DIR, results_folder

__all__ = ["Run", "analyse", "load_run", "output_folder", "rerun", "split_list_cell"]

RESULTS = ("units", "themes", "statements", "positions", "salience", "tables", "candidates")  # Run's DataFrames


@dataclass
class Run:
    """The outputs of one run.  DataFrame attributes are empty (with columns) when a stage did not run."""

    path: Path  # the output folder
    folder: Path  # the run's own folder, which load_run read every file from (runs/<run-id>)
    info: dict[str, Any]  # run.json: config, versions, documents, per-stage counts and timings
    units: Any  # pandas.DataFrame, one row per unit (paragraphs, headings, footnotes, ...)
    themes: Any  # themes.csv
    statements: Any  # statements.jsonl: attributed statements
    positions: Any  # positions.csv: group x axis scores with confidence intervals
    salience: Any  # salience.csv: group x theme
    tables: Any  # tables.jsonl: extracted tables with validation flags
    candidates: Any  # candidate_themes.jsonl: discovered themes outside the taxonomy
    missing: list[str] = field(default_factory=list)  # result files that were absent

    def paragraphs(self, theme: str | None = None) -> Any:
        """Body paragraphs (``kind == "paragraph"``, numbered or not), optionally only those assigned ``theme``."""
        if "kind" not in self.units.columns or not (self.units["kind"] == "paragraph").any():
            import pandas as pd

            return pd.DataFrame(columns=list(CATALOGUE["units"].columns))  # no paragraph: still the columns
        frame = self.units[self.units["kind"] == "paragraph"]
        if theme is not None:
            known = set(self.themes["theme"]) if "theme" in self.themes.columns else set()
            if known and theme not in known:  # a typo would otherwise look like an empty theme
                raise ValueError(f"unknown theme {theme!r}; this run's themes: {', '.join(sorted(known))}")
            frame = frame[frame["themes"].map(lambda themes: theme in (themes or []))]
        return frame.reset_index(drop=True)

    def theme_matrix(self) -> Any:
        """Paragraphs x themes: each paragraph's score per theme (0 where the theme is absent)."""
        import pandas as pd

        paras = self.paragraphs()
        rows = [dict(scores or {}) for scores in paras["theme_scores"]]
        frame = pd.DataFrame(rows, index=paras["unit_id"]).fillna(0.0)
        return frame.reindex(sorted(frame.columns), axis=1)

    @property
    def report(self) -> Path | None:
        """The run's report.html (in this run's folder), when the report stage ran."""
        path = self.folder / "report.html"
        return path if path.exists() else None

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, name))}" for name in RESULTS)
        return f"Run({str(self.path)!r}, {sizes})"


def output_folder(path: str | Path) -> Path:
    """The output folder ``path`` names: the folder itself, or the ``output`` of a config file."""
    path = Path(path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        from pipeline import config

        # only the output folder is needed: stages (and plugins) are not loaded to find it
        data = config.load_yaml(path, "config file")
        if isinstance(data, dict) and isinstance(data.get("output"), str) and data["output"]:
            return (path.parent / data["output"]).resolve()
        return config.load(path).output  # says what is wrong with the config
    return path


def load_run(path: str | Path, attempts: int = 3) -> Run:
    """Load a run's outputs.  ``path`` is an output folder or the config file that wrote it.

    The published run is found once (the ``current`` link, :func:`pipeline.run.commit.results_folder`)
    and every file is read from that run's folder, so the result is one whole run even while another
    run is being published.  When that folder is pruned while it is read (a reader slower than
    two whole runs), it starts again from the newly published run, at most ``attempts`` times.
    """
    folder = output_folder(path)
    if not folder.is_dir():
        raise PipelineError(f"{folder}: no such output folder; run the pipeline first (make run)")
    for attempt in range(attempts):
        results = results_folder(folder)
        try:
            return _load(folder, results)
        except (FileNotFoundError, PipelineError):
            if attempt == attempts - 1 or results == folder or results_folder(folder) == results:
                raise
    raise AssertionError("unreachable")


def _load(folder: Path, results: Path) -> Run:
    info = read_json(results)
    if info is None:
        raise PipelineError(f"{folder}: not a run output folder (no run.json, or it is unreadable)")
    missing = [CATALOGUE[name].filename for name in RESULTS if not (results / CATALOGUE[name].filename).is_file()]
    frames = {name: frame(results, name) for name in RESULTS}
    if not results.is_dir():  # pruned while read: absent files would look like stages that did not run
        raise FileNotFoundError(results)
    if "number" in frames["units"].columns:  # paragraph numbers stay integers although headings have none
        frames["units"]["number"] = frames["units"]["number"].astype("Int64")
    return Run(path=folder, folder=results, info=info, missing=missing, **frames)


def analyse(config_path: str | Path, *, refit: bool = False, quiet: bool = True, **overrides: Any) -> Run:
    """Run the pipeline on ``config_path`` (as ``python -m pipeline run --config``) and load the result.

    ``overrides`` replace top-level config keys before validation (``corpus="my/texts"``,
    ``output="outputs/mine"``), validated like the YAML (a wrong key or type is a
    :class:`ConfigError`).  ``refit``: fit the corpus-level models afresh.  ``quiet=False`` shows the
    log and progress bar.  Raises what the command line reports as errors (:class:`PipelineError`
    subclasses, e.g. an unreadable corpus or a locked output folder); a failed document is not an
    error: it is listed in ``run.info["failed_documents"]``.
    """
    from pipeline import config as config_module
    from pipeline.run import runner

    unknown = [key for key in overrides if key not in config_module.ConfigFile.model_fields]
    if unknown:  # a mistyped keyword is the caller's, not the YAML file's
        raise ConfigError(
            "\n".join(
                f"analyse(): {key}=: {unknown_key(key, config_module.ConfigFile.model_fields)}" for key in unknown
            )
        )
    path = Path(config_path)
    data = config_module.load_yaml(path, "config file")
    for key in ("corpus", "output"):  # relative to where the caller is, as on the command line
        if isinstance(overrides.get(key), (str, Path)) and not Path(overrides[key]).is_absolute():
            overrides[key] = str(Path.cwd() / overrides[key])
    config = config_module.parse({**data, **overrides} if isinstance(data, dict) else data, path)
    runner.run(config, quiet=quiet, refit=refit)
    return load_run(config.output)


def rerun(
    config_path: str | Path,
    stage: str,
    output: str | Path,
    *,
    source: str | Path | None = None,
    quiet: bool = True,
    **options: Any,
) -> Run:
    """Run ``config_path`` again with ``stages.<stage>.options`` updated by ``options``; results go to ``output``.

    ``source`` is the finished run to start from (default: the config's output folder); with it, its
    corpus is re-read (as recorded in its ``run.json``: ``analyse(corpus=...)`` may have overridden the
    config's).  Its per-document cache is copied into ``output`` first, so documents are not processed
    again: a changed corpus-level option (themes, stakeholders, report) re-runs only the corpus-level
    stages.  Options are validated like the YAML (a wrong name or type is a :class:`ConfigError`), and
    so is ``output``: it must not be ``source``, nor a folder holding a run of another corpus.  The
    original outputs are left alone; returns the new run.
    """
    from pipeline import config as config_module
    from pipeline.run import runner

    data = config_module.load_yaml(Path(config_path), "config file")
    recorded = None  # the run started from is re-run: its corpus (``analyse(corpus=...)`` may have changed it)
    if source is not None and isinstance(data, dict):
        recorded = (read_json(results_folder(Path(source).resolve())) or {}).get("corpus")
    config = config_module.parse({**data, "corpus": recorded} if recorded else data, Path(config_path))
    if stage not in config.stages:
        raise ConfigError(f"{config_path}: stages.{stage}: this config does not run that stage")
    raw_stage = dict(config.raw["stages"].get(stage) or {})
    raw_stage["options"] = {**(raw_stage.get("options") or {}), **options}
    # validated like the YAML it stands for; the raw data keeps the config hash honest
    config = config_module.parse({**config.raw, "stages": {**config.raw["stages"], stage: raw_stage}}, config.path)
    previous = (Path(source) if source is not None else config.output).resolve()
    config.output = Path(output).resolve()
    if config.output == previous:
        raise ConfigError(f"{config.output}: rerun needs another output folder than the run it starts from")
    there = (read_json(results_folder(config.output)) or {}).get("corpus")
    if there is not None and there != config.corpus:
        raise ConfigError(
            f"{config.output}: holds a run of another corpus ({there}); rerun writes its new run to `output` and "
            f"starts from `source` ({previous}): give source={str(config.output)!r} and a new output folder"
        )
    cache = previous / CACHE_DIR
    if cache.is_dir() and not (config.output / CACHE_DIR).exists():
        shutil.copytree(cache, config.output / CACHE_DIR)
    runner.run(config, quiet=quiet)
    return load_run(config.output)
