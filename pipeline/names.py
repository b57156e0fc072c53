"""File names in records and messages.

POSIX file names are bytes.  Python hands undecodable ones over as lone surrogates (PEP 383:
``caf\udce9.txt``), which JSON, SQLite and UTF-8 output refuse; and a name may hold a newline or
an invisible bidi control.  Records (``source``, document ids, cache keys) hold :func:`path_text`;
one-line messages show :func:`quoted`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def path_text(path: str | os.PathLike) -> str:
    """A path as Unicode text for records, ids and cache keys: the name itself when it is UTF-8 (every
    usual name), else its undecodable bytes as ``\\xNN`` (``caf\\xe9.txt``).  :func:`os_path` reverses it.

    POSIX names are bytes; Python gives undecodable ones as lone surrogates (PEP 383), which JSON, SQLite
    and UTF-8 output refuse.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def os_path(text: str) -> Path:
    """The file a :func:`path_text` names (``\\xNN`` read back as bytes when the text itself names no file)."""
    path = Path(text)
    if "\\x" not in text or path.exists():
        return path
    raw = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8"))
    return Path(os.fsdecode(raw))


def quoted(path: str | os.PathLike) -> str:
    """A file name for a one-line message: as it is when printable, else quoted repr-style, every control
    character, invisible (bidi) mark and undecodable byte escaped (``'a\\nb.txt'``, ``'caf\\xe9.txt'``)."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text.isprintable():
        return text
    return re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", repr(text))


_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders the numbers inside names by value: ``doc/p2`` before ``doc/p10``."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(name))
