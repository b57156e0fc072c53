"""The code a stage's output depends on, as a hash for cache keys (:func:`module_source_hash`).

A stage's code is its module and every ``pipeline`` module it imports, directly or through others,
read from the source with :mod:`ast` (imports inside functions too), so that an edit to a helper
module -- ``formats.py`` under ingest, ``structure/general.py`` under structure -- misses the cache
as an edit to the stage's own file does.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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
def module_source_hash(module_name: str) -> str:
    """Hash of the code a stage's output depends on: its module and every module of ``pipeline``
    that it imports, directly or through others (read from the source with :mod:`ast`, also imports
    inside functions; the ``pipeline`` package's own ``__init__``, the public API, is not followed); a
    stage's sub-package (repair, themes, ...) brings all its files, data included; plus the shared
    text utilities and records.  ``"unknown"`` when the module has no source file here."""
    files: set[Path] = set()
    seen: set[str] = set()
    todo = [module_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_path(name)
        if path is None and name == module_name:  # a stage of another package (a plugin): its file
            path = _plugin_path(name)
            if path is None:
                return "unknown"
        if path is None:
            continue  # a name imported from a module, not a module
        parts = name.split(".")
        if len(parts) >= 4 and parts[:2] == ["pipeline", "stages"]:
            todo.append(".".join(parts[:3]))  # a module of a stage's sub-package: the whole package
        sources = [path]
        if path.name == "__init__.py" and name.count(".") >= 2 and name.startswith("pipeline.stages."):
            package_files = [f for f in path.parent.rglob("*") if "__pycache__" not in f.parts]
            files.update(package_files)
            sources = [f for f in package_files if f.suffix == ".py"]
        files.add(path)
        for source in sources:
            todo.extend(_pipeline_imports(source))
    for shared in SHARED_CODE:
        target = PACKAGE / shared
        files.update(target.rglob("*.py") if target.is_dir() else [target])
    return _files_hash(files)


def _module_path(name: str) -> Path | None:
    """The source file of a ``pipeline`` module (``pipeline.a.b`` -> ``pipeline/a/b.py`` or
    ``pipeline/a/b/__init__.py``), or None."""
    if not name.startswith("pipeline."):
        return None
    base = PACKAGE.joinpath(*name.split(".")[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _plugin_path(name: str) -> Path | None:
    import inspect
    import sys

    try:
        source = inspect.getsourcefile(sys.modules[name])
    except (KeyError, TypeError):
        return None
    return Path(source).resolve() if source else None


@functools.cache
def _pipeline_imports(path: Path) -> tuple[str, ...]:
    """Names of the ``pipeline`` modules (or names in them) that a source file imports."""
    import ast

    if not path.is_relative_to(PACKAGE.parent):  # a plugin's file: only its absolute imports of pipeline
        module = path.stem
    else:
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in _statements(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package up
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # «from pipeline.x import module»
    return tuple(name for name in names if name.startswith("pipeline."))


def _statements(tree: Any) -> Iterator[Any]:
    """Every statement of a parsed module, nested ones included (function and class bodies, branches,
    handlers, match cases): what ``ast.walk`` finds of the import statements, without visiting the
    expressions (the default stages' hashes: 0.31 -> 0.21 s CPU)."""
    import ast

    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                todo.extend(v for v in value if isinstance(v, (ast.stmt, ast.excepthandler, ast.match_case)))
