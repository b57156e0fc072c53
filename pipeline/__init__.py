"""Arabic policy-text analysis pipeline.

Importing the package does no work; stages load lazily through the registry.
``load_run(path)`` (from :mod:`pipeline.api`) reads a finished run for Jupyter;
``analyse(config)`` runs a config and loads its result.
"""

__version__ = "0.1.0"


def load_run(path):
    """Load a run's outputs as pandas DataFrames; see :func:`pipeline.api.load_run`."""
    from pipeline.api import load_run as _load_run

    return _load_run(path)


def analyse(config_path, **options):
    """Run a config and load its result; see :func:`pipeline.api.analyse`."""
    from pipeline.api import analyse as _analyse

    return _analyse(config_path, **options)
