"""Per-document result cache: what the per-document stages made of one file, stage by stage.

One file per document holds the document's state after each per-document stage (ingest,
structure, repair, normalise, tokenise) -- a *snapshot* -- and what corpus stages computed per
document (actor tagging, see :meth:`DocumentCache.store_memo`).  A snapshot's *chain key*
hashes everything that state depends on:

* the file's bytes (sha256), its path and the metadata file beside it (the
  document id, source and ``meta`` come from those),
* the *stage key* of every configured stage up to S: implementation, options,
  the content of every file an option names, and the source of the module that
  implements the stage and of every ``pipeline`` module it imports (a code change
  without a version bump still misses),
* the versions of the pipeline and of the libraries it calls.

So a changed ``tokenise`` option misses only the tokenise snapshot and resumes from the
cached ``normalise`` one.  Files live under ``<output>/.cache/<key[:2]>/<key>.dc`` and are
written to a temp file and renamed, so a killed run leaves whole files or none.

**Data only.**  A file is msgpack holding compressed msgpack (zlib; xz for the snapshots' body): plain lists, dicts, strings
and numbers (records as in :mod:`pipeline.run.plain`), never pickle, so a file someone else
wrote in the output folder (a shared folder for Dask workers) can at worst be wrong, never run
code.  Whatever does not read back -- torn, foreign, another format version, the wrong shape, an
inflation past :data:`MAX_INFLATE` -- is a *miss*: recomputed, rewritten, and counted in
``problems`` (``run.json``'s ``cache`` counts and the run summary).  A write that fails (disk
full) removes its temp file, stops further cache writes in this process (so the result files
keep the room that is left) and is counted; the run goes on.

**Lean.**  The snapshots of one document share most of their text, so each is stored as the
fields that differ from the one before (unit by unit, :mod:`pipeline.run.snapshots`) and the whole is compressed: about 1-2x
the document's text on disk (the pickled entries, one file per stage, took 19x).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import lzma
import os
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgpack

from pipeline.config import StageSpec, file_sha256
from pipeline.config import content_hash as _sha
from pipeline.logs import LOGGER
from pipeline.names import path_text
from pipeline.run.codehash import module_source_hash
from pipeline.run.snapshots import CacheDataError, Snapshot, decode_snapshots, encode_snapshots
from pipeline.stages.ingest import twin_stems

METADATA_NAMES = ("metadata.yaml", "metadata.yml")  # files beside a document that feed its ``meta``
FORMAT = 3  # bump when the stored data changes shape (3: msgpack + zlib, one file per document)


def _option_files(value: Any) -> list[str]:
    if isinstance(value, Path):
        return [file_sha256(value)] if value.is_file() else ["missing"]
    if isinstance(value, list | tuple):
        return [h for v in value for h in _option_files(v)]
    if isinstance(value, dict):
        return [h for v in value.values() for h in _option_files(v)]
    return []


def stage_key(spec: StageSpec) -> str:
    """What one stage's output depends on besides its input: impl, options, option files, code."""
    return _sha(
        {
            "fingerprint": spec.fingerprint(),
            "files": {name: _option_files(value) for name, value in sorted(spec.options.items())},
            "code": module_source_hash(spec.cls.__module__),
        }
    )


def chain_keys(specs: dict[str, StageSpec], versions: dict[str, str]) -> dict[str, str]:
    """slot -> cumulative key of the stages up to and including it (in ``specs`` order)."""
    out: dict[str, str] = {}
    chain: list[list[str]] = []
    base = _sha({"format": FORMAT, "versions": versions})
    for slot, spec in specs.items():
        chain.append([slot, stage_key(spec)])
        out[slot] = _sha({"base": base, "chain": chain})
    return out


def _folder_context(folder: str) -> str:
    """Hash of the metadata files in ``folder`` (they change what ingest reports for every file there);
    remembered per file state, so a long-lived process (Jupyter) sees an edit."""
    stamps = []
    for name in METADATA_NAMES:
        try:
            found = os.stat(Path(folder) / name)
        except OSError:
            continue
        stamps.append((name, found.st_size, found.st_mtime_ns, found.st_ino))
    return _folder_context_of(folder, tuple(stamps))


@functools.lru_cache(maxsize=1024)
def _folder_context_of(folder: str, stamps: tuple) -> str:
    return _sha({name: file_sha256(Path(folder) / name) for name, *_ in stamps})


def folder_contexts(folders: list[str]) -> str:
    """One hash of the metadata files of ``folders`` (what :func:`_folder_context` hashes per folder)."""
    return _sha({folder: _folder_context(folder) for folder in folders})


def document_key(path: Path, sha256: str, chain_key: str) -> str:
    """The cache key of one file's state after the stage whose chain key is ``chain_key``."""
    key = {"file": sha256, "source": path_text(path), "folder": _folder_context(str(path.parent)), "chain": chain_key}
    if path.stem in twin_stems(path.parent):  # its id keeps the extension (ingest.doc_id_for)
        key["twin"] = 1
    return _sha(key)


def file_key(path: Path, sha256: str) -> str:
    """The key of one file's cache file (its snapshots are told apart by their chain keys)."""
    return document_key(path, sha256, "document")


MAGIC = b"pipeline-cache\n"  # a cache file starts with this, then one msgpack map
SUFFIX = ".dc"
MAX_INFLATE = 64 << 20  # bytes a part may inflate to, at least (and 200x its compressed size)
MEMO_MEMORY = 64 << 20  # bytes of memos (compressed) a process keeps from the files it read
LEVEL = 6  # zlib level: 1 is 10% larger and no faster to read
# The snapshots' body (the document's text in every stage's form) is LZMA2 (xz): its repeats lie
# further apart than zlib's 32 KB window, and it takes 0.57x zlib's bytes (2 MB of news: 2.19 ->
# 1.26 MB) in as much CPU to write (0.4 s) and 0.07 s against 0.03 s to read.  Preset 3 (fast mode)
# with a 1 MiB dictionary: a few MB of memory to write, not 32.  Head and memos stay zlib (the
# summaries are read alone and often; the memos' vectors do not compress further).
XZ_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 3, "dict_size": 1 << 20}]
XZ_MAGIC = b"\xfd7zXZ\x00"
# Write errors after which this process writes no more cache files (the rest would fail too,
# and on a full disk the result files need the room that is left).
STOP_WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _write_bytes(handle: Any, data: bytes) -> None:
    handle.write(data)  # one place, so that tests can fill the disk here


# Any str round-trips, lone surrogates included: a file name that is not UTF-8 decodes to one
# (surrogateescape), and a document's source path is part of its state.
TEXT = "surrogatepass"


def _pack(plain: Any, xz: bool = False) -> bytes:
    """msgpack, compressed: zlib, or with ``xz`` LZMA2 (:data:`XZ_FILTERS`) for the snapshots' body."""
    data = msgpack.packb(plain, use_bin_type=True, unicode_errors=TEXT)
    if xz:
        return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=XZ_FILTERS)
    return zlib.compress(data, LEVEL)


def _unpack(data: Any) -> Any:
    """What :func:`_pack` packed, whichever the compression (an xz stream starts with its magic bytes)."""
    if not isinstance(data, bytes):
        raise CacheDataError("a part is not bytes")
    limit = max(MAX_INFLATE, 200 * len(data))
    try:
        if data.startswith(XZ_MAGIC):
            inflater = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
            raw = inflater.decompress(data, limit)
            if not inflater.eof or inflater.unused_data:
                raise CacheDataError("part inflates past the limit, is cut short or has bytes after it")
        else:
            inflater = zlib.decompressobj()
            raw = inflater.decompress(data, limit)
            if inflater.unconsumed_tail or not inflater.eof:
                raise CacheDataError("part inflates past the limit, or is cut short")
        return msgpack.unpackb(raw, raw=False, strict_map_key=False, unicode_errors=TEXT)
    except (zlib.error, lzma.LZMAError, ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
        raise CacheDataError(f"part does not unpack: {exc}") from None


class DocumentCache:
    """One file per document under ``root/<key[:2]>/<key>.dc``: snapshots and memos (see the module doc).

    A file is ``MAGIC`` + a msgpack map: ``format``, ``key``, ``slots`` ([slot, chain key] per
    snapshot, in stage order), ``head`` and ``body`` (zlib-compressed msgpack: the snapshots'
    summaries, and their documents, units and tables), ``memo`` (slot -> compressed [memo key,
    value]).  A summary is read without inflating the body.  ``problems`` counts what did not
    read back or could not be written (reason -> count).
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        self.problems: Counter = Counter()
        self.reads: Counter = Counter()  # key -> times its file was read from disk in this process
        # The memos of each file read, as stored (compressed): a corpus stage asks for its memo long
        # after the run read the file's head, and need not read the whole file again for it.
        self._memos: dict[str, dict] = {}
        self._memo_bytes = 0
        self._seen: set[tuple[str, str]] = set()
        self.writing = True
        self.usable = not (self.root.exists() and not self.root.is_dir())
        if not self.usable:
            self.writing = False
            self.problems["folder_not_usable"] += 1
            LOGGER.warning(f"{self.root} is not a folder: running without the cache (remove it to cache again)")

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{SUFFIX}"

    # ------------------------------------------------------------------ reading

    def _outer(self, key: str) -> dict | None:
        """The file's map, checked; None if absent; a problem counted (and the file removed) if unreadable."""
        if not self.usable:
            return None
        path = self.path(key)
        self.reads[key] += 1
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:  # e.g. a folder where the file should be
            self._problem("unreadable", f"{path}: {exc.strerror or exc}", key)
            return None
        try:
            outer = self._check(key, data)
        except CacheDataError as exc:
            self._problem("old_version" if "format" in str(exc) else "not_cache_data", f"{path}: {exc}", key)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mark as used, for prune()
        self._remember(key, outer["memo"])
        return outer

    def _remember(self, key: str, memos: dict) -> None:
        """Keep ``key``'s memos (compressed parts) in memory, up to :data:`MEMO_MEMORY` bytes in all."""
        size = sum(len(part) for part in memos.values() if isinstance(part, bytes))
        old = self._memos.pop(key, None)
        if old is not None:
            self._memo_bytes -= old["size"]
        if self._memo_bytes + size <= MEMO_MEMORY:
            self._memos[key] = {"size": size, "memo": dict(memos)}
            self._memo_bytes += size

    @staticmethod
    def _check(key: str, data: bytes) -> dict:
        if not data.startswith(MAGIC):
            raise CacheDataError("not a cache file")
        try:
            outer = msgpack.unpackb(data[len(MAGIC) :], raw=False, unicode_errors=TEXT)
        except Exception as exc:  # msgpack raises several types for malformed data
            raise CacheDataError(f"does not unpack: {type(exc).__name__}") from None
        if not isinstance(outer, dict) or outer.get("format") != FORMAT:
            raise CacheDataError(f"format {outer.get('format') if isinstance(outer, dict) else None!r}, not {FORMAT}")
        slots, memo = outer.get("slots"), outer.get("memo")
        if (
            outer.get("key") != key
            or not isinstance(slots, list)
            or not all(isinstance(s, list) and len(s) == 2 and all(isinstance(x, str) for x in s) for s in slots)
            or not isinstance(memo, dict)
        ):
            raise CacheDataError("not an entry of this key")
        return outer

    def chains(self, key: str) -> list[tuple[str, str]]:
        """(slot, chain key) of each snapshot in the file of ``key`` (empty if none)."""
        outer = self._outer(key)
        return [] if outer is None else [(slot, chain) for slot, chain in outer["slots"]]

    def head(self, key: str, chain: str) -> Any:
        """The summary of the snapshot with chain key ``chain`` (plain data), or None: the body is not read."""
        outer = self._outer(key)
        if outer is None:
            return None
        slots = [c for _, c in outer["slots"]]
        if chain not in slots:
            return None
        try:
            heads = _unpack(outer.get("head"))
            if not isinstance(heads, list) or len(heads) != len(slots):
                raise CacheDataError("summaries do not match the snapshots")
        except CacheDataError as exc:
            self._bad(key, exc)
            return None
        return heads[slots.index(chain)]

    def snapshots(self, key: str) -> list[Snapshot]:
        """Every snapshot of ``key``'s file, in stage order (empty if none or unreadable)."""
        outer = self._outer(key)
        if outer is None:
            return []
        try:
            return decode_snapshots(outer["slots"], _unpack(outer.get("head")), _unpack(outer.get("body")))
        except CacheDataError as exc:
            self._bad(key, exc)
            return []

    def snapshot(self, key: str, chain: str) -> Snapshot | None:
        """The snapshot with chain key ``chain``, or None."""
        return next((s for s in self.snapshots(key) if s.chain == chain), None)

    def _bad(self, key: str, exc: Exception) -> None:
        self._remember(key, {})
        self._problem("not_cache_data", f"{self.path(key)}: {exc}", key)
        with contextlib.suppress(OSError):
            self.path(key).unlink()

    def _problem(self, reason: str, detail: str, key: str | None = None) -> None:
        """Count a problem once per cache file (``key``); the first of each kind is logged."""
        if key is not None:
            if (reason, key) in self._seen:
                return
            self._seen.add((reason, key))
        if not self.problems[reason]:
            LOGGER.warning(f"cache: {reason.replace('_', ' ')} ({detail}): recomputed")
        self.problems[reason] += 1

    # ------------------------------------------------------------------ memos

    def memo(self, key: str, slot: str, memo_key: str, consume: bool = False) -> tuple[bool, Any]:
        """``(found, value)`` of what corpus stage ``slot`` stored for the document under ``memo_key``.

        Read from the memos kept when the file was last read or written in this process when they
        hold ``memo_key`` (a memo key names its value: a kept one cannot be stale); else from disk.
        ``consume``: the stage takes the value now and will not ask again in this run, so the kept
        copy is let go (a corpus stage reads each memo once: kept, the themes' vectors of 10 MB of
        news held about 45 MB until the end of the run)."""
        kept = self._memos.get(key)
        if kept is not None and slot in kept["memo"]:
            found, value = self._memo_value(key, kept["memo"][slot], memo_key)
            if found:
                if consume:
                    self._forget(key, slot)
                return found, value
        outer = self._outer(key)
        part = None if outer is None else outer["memo"].get(slot)
        if consume:
            self._forget(key, slot)
        return (False, None) if part is None else self._memo_value(key, part, memo_key)

    def _forget(self, key: str, slot: str) -> None:
        """Drop ``slot``'s kept memo of ``key`` (the others stay kept)."""
        kept = self._memos.get(key)
        part = None if kept is None else kept["memo"].pop(slot, None)
        if isinstance(part, bytes):
            kept["size"] -= len(part)
            self._memo_bytes -= len(part)

    def _memo_value(self, key: str, part: Any, memo_key: str) -> tuple[bool, Any]:
        try:
            stored = _unpack(part)
            if not (isinstance(stored, list) and len(stored) == 2):
                raise CacheDataError("memo is not [key, value]")
        except CacheDataError as exc:
            self._bad(key, exc)
            return False, None
        return (True, stored[1]) if stored[0] == memo_key else (False, None)

    def store_memo(self, key: str, slot: str, memo_key: str, value: Any) -> bool:
        """Add stage ``slot``'s per-document ``value`` (plain data) to ``key``'s file; False if not stored."""
        outer = self._outer(key)
        if outer is None or not self.writing:
            return False
        try:
            outer["memo"][slot] = _pack([memo_key, value])
        except (TypeError, ValueError, OverflowError) as exc:
            self._problem("not_encodable", f"{key}: {slot}: {exc}")
            return False
        written = self._write(key, outer)
        if written:  # the other stages' memos stay kept; the stage that stored this one has it
            self._remember(key, {name: part for name, part in outer["memo"].items() if name != slot})
        return written

    # ------------------------------------------------------------------ writing

    def store(self, key: str, snapshots: list[Snapshot]) -> bool:
        """Write ``snapshots`` (in stage order) as ``key``'s file, replacing it (and its memos).

        Returns False when nothing was written: writing stopped in this process, the data has no
        plain form, or the write failed (counted; a disk-full write stops further writes).
        """
        if not self.writing or not snapshots:
            return False
        try:
            outer = {
                "format": FORMAT,
                "key": key,
                "slots": [[s.slot, s.chain] for s in snapshots],
                "head": _pack([s.head for s in snapshots]),
                "body": _pack(encode_snapshots(snapshots), xz=True),
                "memo": {},
            }
        except (TypeError, ValueError, OverflowError) as exc:  # e.g. a set in a profile, an int past 64 bits
            self._problem("not_encodable", f"{key}: {exc}")
            return False
        written = self._write(key, outer)
        if written:
            self._remember(key, {})
        return written

    def _write(self, key: str, outer: dict) -> bool:
        """Write the file atomically (temp file + rename); on failure remove the temp file and count it.

        No fsync: this is a cache.  A SIGKILL cannot tear a renamed file (the data is in the page
        cache); after a power loss a torn file fails to read back and is recomputed.
        """
        path = self.path(key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                _write_bytes(handle, MAGIC + msgpack.packb(outer, use_bin_type=True, unicode_errors=TEXT))
            os.replace(tmp, path)
            return True
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            if exc.errno in STOP_WRITING:
                self.writing = False
                LOGGER.warning(
                    f"cache: {'disk full' if full else exc.strerror} writing {path}: no more cache writes in this run "
                    "(the results are still written; the next run computes what was not cached)"
                )
            self.problems["not_written_disk_full" if full else "not_written"] += 1
            return False
        except BaseException:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise

    def prune(self, keep: Iterable[str], max_age_days: float = 30.0) -> int:
        """Delete cache files whose key is not in ``keep`` and that were unused for ``max_age_days``,
        temp files left by killed runs, and entries of the old pickle format; returns how many.

        Old entries are kept for a while so that reverting a config change is still cheap; after
        that they only cost disk.
        """
        if not self.usable or not self.root.is_dir():
            return 0
        keep_paths = {self.path(key) for key in keep}
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in [*self.root.glob("*/*"), *self.root.glob("*/*/*.pkl")]:
            if path in keep_paths or not path.is_file():
                continue
            with contextlib.suppress(OSError):
                if path.name.endswith((".tmp", ".pkl")) or (path.suffix == SUFFIX and path.stat().st_mtime < cutoff):
                    path.unlink()
                    removed += 1
        for folder in [*self.root.glob("*/*/"), *self.root.glob("*/")]:  # emptied (e.g. the old <slot>/<xx>/)
            with contextlib.suppress(OSError):
                folder.rmdir()
        return removed
