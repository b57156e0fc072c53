"""Load and validate a run config (YAML).

The config is the single source of truth for a run: which corpus, where the
outputs go, and which implementation of each stage runs with which options.
Validation is strict -- an unknown key, a wrong type or a missing file is a
:class:`ConfigError` whose message names the file, the key path and what was
expected, e.g.::

    configs/my.yaml: stages.repair.options.stepz: unknown key; expected one of: steps, ...

Relative paths in a config resolve against the config file's folder, so a
config works from any working directory (cron, make, Jupyter).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pipeline import registry
from pipeline.errors import ConfigError

TOP_LEVEL = {"name", "description", "corpus", "output", "seed", "executor", "stages", "lock_timeout"}
REQUIRED = ("name", "corpus", "output", "stages")
REQUIRED_STAGES = ("ingest", "structure")
ExecutorKind = Literal["local", "processes", "dask"]


@dataclass
class StageSpec:
    slot: str
    impl: str
    options: dict[str, Any]  # validated, paths resolved
    cls: type

    def build(self) -> Any:
        """A fresh instance of the implementation with the configured options."""
        return self.cls(**self.options)

    def fingerprint(self) -> str:
        """Hash of this stage's implementation and options (cache keys, run.json)."""
        return _hash({"impl": self.impl, "options": _jsonable(self.options)})


@dataclass
class Executor:
    kind: str = "local"
    address: str | None = None
    workers: int = 2
    chunk_size: int = 8


@dataclass
class Config:
    path: Path
    name: str
    corpus: str  # folder, file or glob, resolved against the config's folder
    output: Path
    seed: int
    executor: Executor
    stages: dict[str, StageSpec]  # slot -> spec, in pipeline order
    description: str = ""
    lock_timeout: float = 0.0  # seconds to wait for another run on the same output folder
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        """Hash of the validated config plus the content of every file it names."""
        return _hash({"config": _jsonable(self.raw), "files": self._file_hashes()})

    def _file_hashes(self) -> dict[str, str]:
        found = {}
        for spec in self.stages.values():
            for value in spec.options.values():
                if isinstance(value, Path) and value.is_file():
                    found[value.name] = hashlib.sha256(value.read_bytes()).hexdigest()
        return dict(sorted(found.items()))


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Path):
        return obj.name  # names, not absolute locations: the same config hashes the same anywhere
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def load_yaml(path: Path, what: str = "YAML file") -> Any:
    """Parse a YAML file; one-line ConfigError for missing, unreadable or malformed files."""
    if not path.exists():
        raise ConfigError(f"{path}: {what} not found")
    if path.is_dir():
        raise ConfigError(f"{path}: expected a {what}, found a folder")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from None


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is type(None):
        return "null"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is list:
        (inner,) = typing.get_args(hint) or (Any,)
        return f"a list of {_type_name(inner)}"
    if origin is dict:
        return "a mapping"
    if hint is Path:
        return "a file path"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(hint, str(hint))


def check_value(value: Any, hint: Any, where: str, base: Path) -> Any:
    """Check ``value`` against a type hint; return it (paths resolved).  ConfigError if wrong."""
    origin = typing.get_origin(hint)
    bad = ConfigError(f"{where}: expected {_type_name(hint)}, got {value!r}")
    if hint is Any:
        return value
    if hint is type(None):
        if value is None:
            return None
        raise bad
    if origin is Literal:
        if value in typing.get_args(hint):
            return value
        raise bad
    if origin in (typing.Union, types.UnionType):
        specific = None
        for option in typing.get_args(hint):
            try:
                return check_value(value, option, where, base)
            except ConfigError as exc:
                if option is Path and isinstance(value, str) and value:
                    specific = exc  # right type, missing file: say that, not "expected a path"
        raise specific or bad
    if origin is list:
        if not isinstance(value, list):
            raise bad
        (inner,) = typing.get_args(hint) or (Any,)
        return [check_value(v, inner, f"{where}[{i}]", base) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise bad
        _, inner = typing.get_args(hint) or (str, Any)
        return {str(k): check_value(v, inner, f"{where}.{k}", base) for k, v in value.items()}
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise bad
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise bad
    if hint is str:
        if isinstance(value, str):
            return value
        raise bad
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise bad
        resolved = (base / value).resolve()
        if not resolved.exists():
            raise ConfigError(f"{where}: file not found: {value} (looked in {resolved.parent})")
        return resolved
    raise bad


def _check_mapping(value: Any, where: str, allowed: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {value!r}")
    if allowed is not None:
        for key in value:
            if key not in allowed:
                raise ConfigError(f"{where}.{key}: unknown key; expected one of: {', '.join(sorted(allowed))}")
    return value


def stage_options(cls: type, options: dict[str, Any], where: str, base: Path) -> dict[str, Any]:
    """Validate ``options`` against the dataclass fields of a stage implementation."""
    if not dataclasses.is_dataclass(cls):
        if options:
            raise ConfigError(f"{where}: this implementation takes no options")
        return {}
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
    checked = {}
    for key, value in options.items():
        if key not in fields:
            raise ConfigError(f"{where}.{key}: unknown key; expected one of: {', '.join(sorted(fields)) or 'none'}")
        checked[key] = check_value(value, hints[key], f"{where}.{key}", base)
    for name, f in fields.items():
        if name not in checked and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{where}.{name}: required option missing ({_type_name(hints[name])})")
    return checked


def parse(data: Any, path: Path) -> Config:
    """Validate parsed YAML ``data`` from ``path`` into a :class:`Config`."""
    where = str(path)
    if data is None:
        raise ConfigError(f"{where}: config is empty")
    data = _check_mapping(data, where, TOP_LEVEL)
    for key in REQUIRED:
        if key not in data:
            raise ConfigError(f"{where}: {key}: required key missing")
    base = path.parent.resolve()
    name = check_value(data["name"], str, f"{where}: name", base)
    if not name or "/" in name:
        raise ConfigError(f"{where}: name: expected a non-empty name without '/', got {name!r}")
    corpus = check_value(data["corpus"], str, f"{where}: corpus", base)
    output = check_value(data["output"], str, f"{where}: output", base)
    seed = check_value(data.get("seed", 0), int, f"{where}: seed", base)
    description = check_value(data.get("description", ""), str, f"{where}: description", base)
    lock_timeout = check_value(data.get("lock_timeout", 0), float, f"{where}: lock_timeout", base)
    if lock_timeout < 0:
        raise ConfigError(f"{where}: lock_timeout: expected a number of seconds >= 0, got {lock_timeout}")

    executor_data = _check_mapping(
        data.get("executor") or {}, f"{where}: executor", {"kind", "address", "workers", "chunk_size"}
    )
    executor = Executor(
        kind=check_value(executor_data.get("kind", "local"), ExecutorKind, f"{where}: executor.kind", base),
        address=check_value(executor_data.get("address"), str | None, f"{where}: executor.address", base),
        workers=check_value(executor_data.get("workers", 2), int, f"{where}: executor.workers", base),
        chunk_size=check_value(executor_data.get("chunk_size", 8), int, f"{where}: executor.chunk_size", base),
    )
    if executor.workers < 1 or executor.chunk_size < 1:
        raise ConfigError(f"{where}: executor: workers and chunk_size must be at least 1")

    stages_data = _check_mapping(data["stages"], f"{where}: stages", set(registry.slots()))
    for slot in REQUIRED_STAGES:
        if slot not in stages_data:
            raise ConfigError(f"{where}: stages.{slot}: required stage missing")
    stages: dict[str, StageSpec] = {}
    for slot in registry.slots():  # pipeline order, whatever order the YAML used
        if slot not in stages_data:
            continue
        spec_where = f"{where}: stages.{slot}"
        spec = _check_mapping(stages_data[slot] or {}, spec_where, {"impl", "options"})
        if "impl" not in spec:
            raise ConfigError(
                f"{spec_where}.impl: required key missing; expected one of: {', '.join(registry.available(slot))}"
            )
        impl = check_value(spec["impl"], str, f"{spec_where}.impl", base)
        cls = registry.lookup(slot, impl, f"{spec_where}.impl")
        options = _check_mapping(spec.get("options") or {}, f"{spec_where}.options")
        stages[slot] = StageSpec(slot, impl, stage_options(cls, options, f"{spec_where}.options", base), cls)

    return Config(
        path=path,
        name=name,
        corpus=corpus if Path(corpus).is_absolute() else os.path.normpath(base / corpus),
        output=(base / output).resolve(),
        seed=seed,
        executor=executor,
        stages=stages,
        description=description,
        lock_timeout=lock_timeout,
        raw=data,
    )


def load(path: str | Path) -> Config:
    """Read and validate the config at ``path``."""
    path = Path(path)
    return parse(load_yaml(path, "config file"), path)
