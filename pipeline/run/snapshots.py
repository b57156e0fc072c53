"""A document's snapshots (its state after each per-document stage) as they sit in its cache file.

The snapshots of one document share most of their text, so each is stored as the fields that differ
from the one before (unit by unit): :func:`encode_snapshots` and its inverse :func:`decode_snapshots`,
which raises :class:`CacheDataError` for data that does not fit (:mod:`pipeline.run.cache` reads it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Snapshot parts, each stored in full, as "same as the previous snapshot's", or (units) as the changed fields.
FULL, SAME, CHANGED = 0, 1, 2


@dataclass
class Snapshot:
    """One document's state after one per-document stage, as plain data (:func:`pipeline.run.plain.to_plain`)."""

    slot: str
    chain: str  # the chain key of the stages up to ``slot`` (:func:`chain_keys`)
    head: Any  # the summary: a DocumentResult without units and tables
    document: Any  # the Document (None once the stages no longer need the whole text)
    units: list
    tables: list


class CacheDataError(ValueError):
    """A cache file that does not read back as this format (torn, foreign, another version, wrong shape)."""


def encode_snapshots(snapshots: list[Snapshot]) -> list:
    """Each snapshot's document, units and tables as ``[mode, data]``, relative to the snapshot before."""
    out: list = []
    before: Snapshot | None = None
    for snap in snapshots:
        document = [SAME, None] if before is not None and snap.document == before.document else [FULL, snap.document]
        tables = [SAME, None] if before is not None and snap.tables == before.tables else [FULL, snap.tables]
        if before is not None and len(snap.units) == len(before.units):
            changes = []
            for new, old in zip(snap.units, before.units, strict=True):
                if len(new) != len(old):
                    break
                changes.append([x for i, (a, b) in enumerate(zip(new, old, strict=True)) if a != b for x in (i, a)])
            else:
                out.append([document, [CHANGED, changes], tables])
                before = snap
                continue
        out.append([document, [FULL, snap.units], tables])
        before = snap
    return out


def decode_snapshots(slots: list, heads: list, body: list) -> list[Snapshot]:
    """The inverse of :func:`encode_snapshots`; CacheDataError when the data does not fit."""
    if not (isinstance(body, list) and isinstance(heads, list) and len(body) == len(heads) == len(slots)):
        raise CacheDataError("snapshot lists of different lengths")
    out: list[Snapshot] = []
    try:
        for (slot, chain), head, (document, units, tables) in zip(slots, heads, body, strict=True):
            before = out[-1] if out else None
            out.append(
                Snapshot(
                    slot,
                    chain,
                    head,
                    _part(document, before, "document"),
                    _units(units, before.units if before else None),
                    _part(tables, before, "tables", list),
                )
            )
    except (TypeError, ValueError, IndexError) as exc:
        raise CacheDataError(f"snapshots do not fit: {exc}") from None
    return out


def _part(stored: list, before: Snapshot | None, name: str, kind: type | None = None) -> Any:
    mode, data = stored
    if mode == SAME and before is not None:
        return getattr(before, name)
    if mode != FULL or (kind is not None and not isinstance(data, kind)):
        raise CacheDataError(f"unknown part mode {mode!r}")
    return data


def _units(stored: list, before: list | None) -> list:
    mode, data = stored
    if mode == FULL and isinstance(data, list):
        return data
    if mode != CHANGED or before is None or not isinstance(data, list) or len(data) != len(before):
        raise CacheDataError("unit changes without the units they change")
    out = []
    for changes, old in zip(data, before, strict=True):
        unit = list(old)
        for i in range(0, len(changes), 2):
            unit[changes[i]] = changes[i + 1]
        out.append(unit)
    return out
