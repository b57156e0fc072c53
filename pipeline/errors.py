"""Errors a user can act on.

Every error the pipeline raises on purpose is a :class:`PipelineError` whose
``str()`` is one line saying *what* went wrong and *where*.  The CLI prints that
line and exits non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PipelineError(Exception):
    """Base class: one-line, user-facing message; ``exit_code`` for the CLI."""

    exit_code = 1


class ConfigError(PipelineError):
    """A config file is missing, malformed, or does not match the schema."""

    exit_code = 2


class InputError(PipelineError):
    """One input document cannot be read (empty, binary, no text layer, ...)."""

    exit_code = 1


def shown(value: object, limit: int = 60, quote: bool = True) -> str:
    """``value`` for a one-line message: its ``repr`` (``str`` when ``quote`` is false), cut to
    ``limit`` characters with ``...``.  A message never embeds a whole list of themes, a megabyte
    string or a line break that would split it."""
    text = repr(value) if quote else str(value)
    if not quote:
        text = text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unknown_key(key: Any, allowed: Iterable[str]) -> str:
    """The message for a key a config or data file does not know: the closest allowed key first
    when one is close (``difflib``: a typo such as ``threshhold``), then every allowed key."""
    import difflib

    names = sorted(allowed)
    close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.75)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}expected one of: {', '.join(names) or 'none'}"


def without_meant_missing(lines: dict[str, str]) -> list[str]:
    """The error lines of a config (key path -> line) without «required key missing» for a key that
    another line's «did you mean» guesses: «corpsu: unknown key; did you mean 'corpus'?» says all."""
    import re

    lines = dict(lines)
    for path, line in list(lines.items()):
        meant = re.search(r": unknown key; did you mean '([^']+)'\?", line)
        if meant:
            sibling = ".".join([*path.split(".")[:-1], meant.group(1)])
            if lines.get(sibling, "").endswith(": required key missing"):
                del lines[sibling]
    return list(lines.values())


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler's stop or timeout): unwinds like Ctrl-C, so the run cleans up the same way."""
