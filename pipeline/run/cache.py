"""Per-document result cache: what the per-document stages made of one file, stage by stage.

An entry is the state of one document after the stages up to and including a
stage S (ingest, structure, repair, normalise, tokenise), pickled.  Its key
hashes everything that state depends on:

* the file's bytes (sha256), its path and the metadata file beside it (the
  document id, source and ``meta`` come from those),
* the *stage key* of every configured stage up to S: implementation, options,
  the content of every file an option names, and the source of the module that
  implements the stage (a code change without a version bump still misses),
* the versions of the pipeline and of the libraries it calls.

So a changed ``tokenise`` option misses only the tokenise entry and resumes
from the cached ``normalise`` state.  Entries live under ``<output>/.cache/``
and are written to a temp file and renamed, so a killed run leaves whole
entries or none; an unreadable entry is treated as a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import os
import pickle
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.config import StageSpec, file_sha256
from pipeline.config import content_hash as _sha
from pipeline.names import path_text
from pipeline.stages.ingest import twin_stems

METADATA_NAMES = ("metadata.yaml", "metadata.yml")  # files beside a document that feed its ``meta``
FORMAT = 2  # bump when the pickled state changes shape


PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/
SHARED_CODE = ("records.py", "text")  # code every stage's output depends on


def _files_hash(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@functools.cache
def _module_source_hash(module_name: str) -> str:
    """Hash of the code a stage's output depends on: its module -- or, for a stage that is a
    sub-package of ``pipeline.stages`` (repair, themes, ...), every file of that package, data
    included -- plus the shared text utilities and records."""
    import sys

    module = sys.modules.get(module_name)
    try:
        source = inspect.getsourcefile(module) if module is not None else None
    except TypeError:
        source = None
    if not source:
        return "unknown"
    path = Path(source).resolve()
    in_package = module_name.count(".") >= 3 and module_name.startswith("pipeline.stages.")
    files = list(path.parent.rglob("*")) if in_package else [path]
    for shared in SHARED_CODE:
        target = PACKAGE / shared
        files.extend(target.rglob("*.py") if target.is_dir() else [target])
    return _files_hash(files)


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
            "code": _module_source_hash(spec.cls.__module__),
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


@functools.lru_cache(maxsize=1024)
def _folder_context(folder: str) -> str:
    """Hash of the metadata files in ``folder`` (they change what ingest reports for every file there)."""
    found = {}
    for name in METADATA_NAMES:
        path = Path(folder) / name
        if path.is_file():
            found[name] = file_sha256(path)
    return _sha(found)


def document_key(path: Path, sha256: str, chain_key: str) -> str:
    """The cache key of one file's state after the stage whose chain key is ``chain_key``."""
    key = {"file": sha256, "source": path_text(path), "folder": _folder_context(str(path.parent)), "chain": chain_key}
    if path.stem in twin_stems(path.parent):  # its id keeps the extension (ingest.doc_id_for)
        key["twin"] = 1
    return _sha(key)


class DocumentCache:
    """Pickled per-document states under ``root/<slot>/<key[:2]>/<key>.pkl``.

    An entry is a *head* (a small summary: ids, counts, errors) and a *body*
    (the bulky part: text, units, tables), pickled one after the other.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, slot: str, key: str) -> Path:
        return self.root / slot / key[:2] / f"{key}.pkl"

    def has(self, slot: str, key: str) -> bool:
        return self.path(slot, key).is_file()

    def load(self, slot: str, key: str, body: bool = True) -> tuple[Any, Any] | None:
        """``(head, body)`` as stored, or None if absent or unreadable (a miss: recomputed and rewritten).

        With ``body=False`` only the head is read (body None): an entry is two
        pickles, a small head first, so a summary costs a fraction of the entry.
        """
        path = self.path(slot, key)
        try:
            with open(path, "rb") as handle:
                head = pickle.load(handle)
                rest = pickle.load(handle) if body else None
        except FileNotFoundError:
            return None
        except Exception:  # a torn or foreign file is a miss, never a failed run
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # mark as used, for prune()
        return head, rest

    def store(self, slot: str, key: str, head: Any, body: Any) -> None:
        """Write ``head`` then ``body`` atomically (temp file + rename).

        No fsync: this is a cache.  A SIGKILL cannot tear a renamed file (the
        data is in the page cache); after a power loss a bad entry fails to
        unpickle and is recomputed.
        """
        path = self.path(slot, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(head, handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(body, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def prune(self, keep: Iterable[tuple[str, str]], max_age_days: float = 30.0) -> int:
        """Delete entries not in ``keep`` and unused for ``max_age_days``; returns how many.

        Old entries are kept for a while so that reverting a config change is
        still cheap; after that they only cost disk.
        """
        if not self.root.is_dir():
            return 0
        keep_paths = {self.path(slot, key) for slot, key in keep}
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in self.root.glob("*/*/*"):
            if path in keep_paths:
                continue
            with contextlib.suppress(OSError):
                if path.name.endswith(".tmp") or path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed
