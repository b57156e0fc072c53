"""One logger for the whole package (``logging.getLogger("pipeline")``) and the progress bar.

The command line attaches a stderr handler and sets the level (INFO, or WARNING with
``--quiet``); as a library the package logs through whatever handlers the caller configured
(none by default, as the ``logging`` docs advise for libraries).  The progress bar is shown only
on a terminal and only while INFO messages are enabled.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

LOGGER = logging.getLogger("pipeline")


def configure(quiet: bool = False) -> None:
    """Log to stderr, plain messages; INFO by default, WARNING with ``quiet`` (command line)."""
    if not any(getattr(h, "_pipeline", False) for h in LOGGER.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._pipeline = True  # type: ignore[attr-defined]
        LOGGER.addHandler(handler)
        LOGGER.propagate = False
    LOGGER.setLevel(logging.WARNING if quiet else logging.INFO)


@contextlib.contextmanager
def quieted(quiet: bool) -> Iterator[None]:
    """Within the block, INFO messages (and the progress bar) are off when ``quiet``."""
    if not quiet:
        yield
        return
    previous = LOGGER.level
    LOGGER.setLevel(logging.WARNING)
    try:
        yield
    finally:
        LOGGER.setLevel(previous)


def progress(total: int, desc: str) -> Any:
    """A tqdm bar over ``total`` documents on stderr, or a null context off a terminal or when quiet."""
    if not LOGGER.isEnabledFor(logging.INFO) or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr)
