"""Load and validate a run config (YAML), all at once, before any stage runs.

The config says which corpus, where the outputs go, and which stage implementations run with which
options.  Validation is declarative and complete at load (pydantic v2, as spaCy and weasel
validate theirs): the top level and the executor are pydantic models; each
stage's options are checked against a model made from the fields of its
registered dataclass (``Literal`` for choices, ``Annotated[int, Field(ge=1)]``
for ranges, ``Path`` for files, resolved against the config's folder); a stage
class may also check the files its options name (``validate_options``: a
taxonomy, an actors file).  Every mistake of a config is reported together, one
line each, as ``file: key.path: message``::

    configs/my.yaml: stages.repair.options.stepz: unknown key; expected one of: fix_visual_order, ...
    configs/my.yaml: stages.themes.options.threshold: expected one of 'otsu', 'fixed', got 'otsuu'

Relative paths in a config resolve against the config file's folder, so a
config works from any working directory (cron, make, Jupyter).  Every YAML file read goes through :func:`pipeline.yamlfile.load_yaml`: no aliases,
at most :data:`MAX_YAML_DEPTH` levels, mistakes as one line naming the file and line.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    create_model,
)

from pipeline import registry
from pipeline.errors import ConfigError, shown, unknown_key, without_meant_missing
from pipeline.stages.base import CorpusStage, DocumentStage
from pipeline.yamlfile import load_yaml

REQUIRED_STAGES = ("ingest", "structure")
ExecutorKind = Literal["local", "processes", "dask"]


# --------------------------------------------------------------------------- records


@dataclass
class StageSpec:
    slot: str
    impl: str
    options: dict[str, Any]  # validated, paths resolved; only the keys the config gives
    cls: type

    def build(self) -> Any:
        """A fresh instance of the implementation with the configured options."""
        return self.cls(**self.options)

    def fingerprint(self) -> str:
        """Hash of this stage's implementation and options (cache keys, run.json)."""
        return content_hash({"impl": self.impl, "options": _jsonable(self.options)})


@dataclass
class Executor:
    kind: str = "local"
    address: str | None = None
    workers: int = 2
    chunk_size: int = 8
    document_seconds: float = 120.0  # each document's budget (pipeline.run.budget); 0: no limit
    document_memory_mb: int = 2048
    connect_timeout: float = 20.0  # seconds to reach a Dask scheduler, or for a local cluster's worker to start
    threads: int | None = 1  # BLAS/OpenMP threads per process (pipeline/run/threads.py); None: leave as is


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
        """Hash of the validated config and of every file it names, without what cannot change a result
        (the executor, the lock timeout: switching executors is no change)."""
        raw = {k: v for k, v in self.raw.items() if k not in ("executor", "lock_timeout")}
        return content_hash({"config": _jsonable(raw), "files": self._file_hashes()})

    def _file_hashes(self) -> dict[str, str]:
        found = {}
        for spec in self.stages.values():
            for value in spec.options.values():
                if isinstance(value, Path) and value.is_file():
                    found[value.name] = file_sha256(value)
        return dict(sorted(found.items()))


def content_hash(obj: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``obj`` (sorted keys, UTF-8): config, stage and cache keys."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB blocks: inputs, option files, cache keys."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Path):
        return obj.name  # names, not absolute locations: the same config hashes the same anywhere
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


# --------------------------------------------------------------------------- files


BUNDLED_CONFIGS = Path(__file__).resolve().parents[1] / "configs"  # the taxonomy, actors and axes shipped


def _resolve_file(value: Any, info: ValidationInfo) -> Any:
    """A file option: a non-empty string, resolved against the config's folder; it must exist."""
    if not isinstance(value, str) or not value:
        return value  # the Path check that follows says what was expected
    resolved = (Path((info.context or {}).get("base") or Path.cwd()) / value).resolve()
    # A config copied out of configs/ (as its header suggests) still finds the bundled taxonomy,
    # actors and axes files it names relatively; a file beside the config always wins.
    for found in (resolved, (BUNDLED_CONFIGS / value).resolve()):
        if found.exists():
            return found
    looked = shown(str(resolved.parent), 120, quote=False)
    raise ValueError(f"file not found: {shown(value, quote=False)} (looked in {looked} and in {BUNDLED_CONFIGS})")


FilePath = Annotated[Path, BeforeValidator(_resolve_file)]


def _with_files(hint: Any) -> Any:
    """``hint`` with every ``Path`` made a :data:`FilePath` (resolved and checked)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Path:
        return FilePath
    if origin is Annotated:
        return Annotated[(_with_files(args[0]), *hint.__metadata__)]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_with_files(a) for a in args)]  # noqa: UP007 - built from a tuple
    if origin is list and args:
        return list[_with_files(args[0])]
    if origin is dict and len(args) == 2:
        return dict[args[0], _with_files(args[1])]
    return hint


_BOUNDS = (annotated_types.Ge, annotated_types.Gt, annotated_types.Le, annotated_types.Lt, annotated_types.Interval)


def _bounded(hint: Any) -> Any:
    """``hint`` with the rule every numeric stage option follows: an ``int`` whose declaration gives
    no range is a count (``>= 0``), and a ``float`` is finite (no ``.nan``, no ``.inf``).  A stage
    declares any other range itself (``Annotated[int, Field(ge=1)]``)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is int:
        return Annotated[int, Field(ge=0)]
    if hint is float:
        return Annotated[float, Field(allow_inf_nan=False)]
    if origin is Annotated and args[0] in (int, float):
        metadata = [m for item in hint.__metadata__ for m in [item, *getattr(item, "metadata", ())]]
        extra = [Field(allow_inf_nan=False)] if args[0] is float else []
        if args[0] is int and not any(isinstance(m, _BOUNDS) for m in metadata):
            extra.append(Field(ge=0))
        return Annotated[(args[0], *hint.__metadata__, *extra)] if extra else hint
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_bounded(a) for a in args)]  # noqa: UP007 - built from a tuple
    return hint


# --------------------------------------------------------------------------- schemas

_STRICT = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)


class ExecutorOptions(BaseModel):
    model_config = _STRICT
    kind: ExecutorKind = "local"
    address: str | None = None
    workers: Annotated[int, Field(ge=1)] = 2
    chunk_size: Annotated[int, Field(ge=1)] = 8
    document_seconds: Annotated[float, Field(ge=0)] = 120.0
    document_memory_mb: Annotated[int, Field(ge=0)] = 2048
    connect_timeout: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 20.0
    threads: Annotated[int, Field(ge=1)] | None = 1


class ConfigFile(BaseModel):
    """The top level of a config file (stages are checked per slot, see :func:`options_model`)."""

    model_config = _STRICT
    name: str
    description: str = ""
    corpus: str
    output: str
    seed: Annotated[int, Field(ge=0)] = 0  # numpy's generators take no negative seed
    executor: ExecutorOptions | None = None
    lock_timeout: Annotated[float, Field(ge=0)] = 0.0
    code: list[str] = Field(default_factory=list)  # Python files of your own stages, imported first
    stages: dict[str, Any]


class StageEntry(BaseModel):
    model_config = _STRICT
    impl: str
    options: dict[str, Any] | None = None


def options_model(cls: type) -> type[BaseModel] | None:
    """The pydantic model of a stage implementation's options: one field per public init field of its
    dataclass, with the field's type and default (None: the implementation takes no options)."""
    cached = _OPTION_MODELS.get(cls)
    if cached is not None or cls in _OPTION_MODELS:
        return cached
    model = None
    if dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls, include_extras=True)
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not f.init or f.name.startswith("_"):
                continue
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = Field(default_factory=f.default_factory)
            else:
                default = ...
            fields[f.name] = (_bounded(_with_files(hints[f.name])), default)
        model = create_model(f"{cls.__name__}Options", __config__=_STRICT, **fields)
    _OPTION_MODELS[cls] = model
    return model


_OPTION_MODELS: dict[type, type[BaseModel] | None] = {}


# --------------------------------------------------------------------------- messages


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if hint is type(None):
        return "null"
    if origin is Annotated:
        return _type_name(typing.get_args(hint)[0])
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


_LIMITS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def _describe(errors: list[dict[str, Any]], model: type[BaseModel], name: str | None) -> str:
    """One message for the errors pydantic reports on one key of ``model``."""
    first = errors[0]
    kind = first["type"]
    value = first.get("input")
    if kind == "extra_forbidden":
        return unknown_key(first["loc"][-1] if first.get("loc") else "", model.model_fields)
    if kind == "missing":
        return "required key missing"
    for error in errors:  # a specific problem (a missing file, a range) beats "expected a type"
        if error["type"] == "value_error":
            return str(error["ctx"]["error"])
        if error["type"] in _LIMITS:
            (limit,) = error["ctx"].values()
            return f"expected a value {_LIMITS[error['type']]} {limit}, got {shown(error['input'])}"
    info = model.model_fields.get(name) if name else None
    hint = info.annotation if info is not None else None
    expected = _type_name(hint) if hint is not None else first["msg"].removeprefix("Input should be ")
    return f"expected {expected}, got {shown(value)}"


def _report(exc: ValidationError, where: str, model: type[BaseModel], depth: dict[str, type[BaseModel]]) -> list[str]:
    """One line per key that failed (union members' errors are one key's), ``where: key.path: message``."""
    grouped: dict[tuple, list[dict[str, Any]]] = {}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        sub = depth.get(str(loc[0])) if loc else None
        key = loc[:2] if sub is not None and len(loc) > 1 else loc[:1]
        grouped.setdefault(key, []).append(error)
    lines = {}
    for key, errors in grouped.items():
        owner = depth[str(key[0])] if len(key) == 2 else model
        path = ".".join(shown(part, 40, quote=False) for part in key)
        lines[path] = f"{where}{path}: {_describe(errors, owner, str(key[-1]) if key else None)}"
    return without_meant_missing(lines)


def _validate(
    model: type[BaseModel], data: Any, where: str, base: Path, depth: dict[str, type[BaseModel]] | None = None
) -> tuple[BaseModel | None, list[str]]:
    if not isinstance(data, dict):
        return None, [f"{where.rstrip(': .')}: expected a mapping, got {shown(data)}"]
    try:
        return model.model_validate(data, context={"base": base}), []
    except ValidationError as exc:
        return None, _report(exc, where, model, depth or {})


# --------------------------------------------------------------------------- loading


def stage_options(cls: type, options: dict[str, Any], where: str, base: Path) -> tuple[dict[str, Any], list[str]]:
    """``options`` validated against the fields of stage implementation ``cls``: (checked, error lines).

    ``where`` is the key path's prefix (``"file: stages.themes.options."``).
    """
    model = options_model(cls)
    if model is None:
        return {}, ([f"{where.rstrip('.')}: this implementation takes no options"] if options else [])
    checked, errors = _validate(model, options, where, base)
    if checked is None:
        return _valid_subset(model, options, base), errors
    values = {name: getattr(checked, name) for name in checked.model_fields_set}
    return dict(sorted(values.items(), key=lambda item: list(options).index(item[0]))), []


def _valid_subset(model: type[BaseModel], options: dict[str, Any], base: Path) -> dict[str, Any]:
    """The options of a config that failed which are right on their own (checked one by one), so the
    files they name can still be checked and every mistake reported in one go."""
    good = {}
    for name, value in options.items():
        info = model.model_fields.get(name)
        if info is None:
            continue
        try:
            hint = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            good[name] = TypeAdapter(hint).validate_python(value, strict=True, context={"base": base})
        except ValidationError:
            continue
    return good


def check_built_stage(stage: Any) -> None:
    """Check the options a stage object was built with against its declared types and ranges
    (ConfigError listing each mistake as ``slot.options.key: message``)."""
    cls = type(stage)
    model = options_model(cls)
    if model is None:
        return
    values = {name: getattr(stage, name) for name in model.model_fields}
    slot = getattr(cls, "registered_slot", cls.__name__)
    _, errors = _validate(model, values, f"{slot}.options.", Path.cwd())
    if errors:
        raise ConfigError("\n".join(errors))


def _stage(slot: str, data: Any, where: str, base: Path) -> tuple[StageSpec | None, list[str]]:
    entry, errors = _validate(StageEntry, data or {}, f"{where}stages.{slot}.", base)
    if entry is None:
        if any(line.endswith("impl: required key missing") for line in errors):
            choices = ", ".join(registry.available(slot))
            errors = [line + (f"; expected one of: {choices}" if "impl:" in line else "") for line in errors]
        return None, errors
    try:
        cls = registry.lookup(slot, entry.impl, f"{where}stages.{slot}.impl")
    except ConfigError as exc:
        return None, [str(exc)]
    if not issubclass(cls, DocumentStage | CorpusStage):
        kind = "pipeline.stages.base.DocumentStage or CorpusStage"
        return None, [f"{where}stages.{slot}.impl: {shown(entry.impl)} is not a stage; its class must subclass {kind}"]
    options, errors = stage_options(cls, entry.options or {}, f"{where}stages.{slot}.options.", base)
    try:  # the files the right options name are checked even when other options are wrong
        cls.validate_options(options)
    except ConfigError as exc:
        errors = [*errors, *str(exc).splitlines()]
    if errors:
        return None, errors
    return StageSpec(slot, entry.impl, options, cls), []


def import_code(files: list[str], where: str, base: Path) -> list[str]:
    """Import the Python files a config's ``code`` names (stages of your own: they register
    themselves, and may add a slot with :func:`pipeline.registry.add_slot`), as spaCy's ``--code``
    does.  A file is imported as a module named after it, with its folder put on ``sys.path`` so
    that worker processes started afterwards import it too.  Returns error lines."""
    import importlib
    import sys

    errors = []
    for i, name in enumerate(files):
        path = (base / name).resolve()
        if path.suffix != ".py" or not path.is_file():
            errors.append(f"{where}code[{i}]: expected a Python file, got {shown(name)} (looked in {path.parent})")
            continue
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        try:
            importlib.import_module(path.stem)
        except Exception as exc:  # a plugin's own mistake: say which file, in one line
            errors.append(f"{where}code[{i}]: cannot import {name}: {type(exc).__name__}: {exc}")
    return errors


def _check_writes(stages: dict[str, StageSpec], where: str) -> list[str]:
    """Each unit field a corpus stage declares in ``writes`` is a field of :class:`pipeline.records.Unit`,
    and has one writer (``extra`` excepted: stages keep their own keys in it)."""
    from pipeline.records import Unit

    fields = set(Unit.__dataclass_fields__) - {"doc_id", "unit_id"}
    writers: dict[str, str] = {}
    errors = []
    for slot, spec in stages.items():
        for name in getattr(spec.cls, "writes", ()):
            at = f"{where}stages.{slot}.impl: {shown(spec.impl)}"
            if name not in fields:
                errors.append(
                    f"{at} writes {shown(name)}, which is not a field of pipeline.records.Unit; "
                    "keep values of your own in unit.extra (writes = ('extra',))"
                )
            elif name != "extra" and name in writers:
                errors.append(f"{at} writes the unit field {shown(name)}, which stages.{writers[name]} writes too")
            writers.setdefault(name, slot)
    return errors


def parse(data: Any, path: Path) -> Config:
    """Validate parsed YAML ``data`` from ``path`` into a :class:`Config`.

    Raises ConfigError listing every mistake, one line each (``file: key.path: message``).
    """
    where = f"{path}: "
    if data is None:
        raise ConfigError(f"{path}: config is empty")
    base = path.parent.resolve()
    top, errors = _validate(ConfigFile, data, where, base, {"executor": ExecutorOptions})
    if top is not None:
        errors.extend(import_code(top.code, where, base))
    if top is not None and (not top.name or "/" in top.name):
        errors.append(f"{where}name: expected a non-empty name without '/', got {shown(top.name)}")
    if top is not None and not glob.has_magic(top.corpus) and not (base / top.corpus).exists():
        errors.append(f"{where}corpus: not found: {top.corpus} (looked in {(base / top.corpus).resolve().parent})")
    stages: dict[str, StageSpec] = {}
    stages_data = data.get("stages") if isinstance(data, dict) else None
    if isinstance(stages_data, dict):
        for slot in stages_data:
            if slot not in registry.slots():
                errors.append(f"{where}stages.{shown(slot, 40, quote=False)}: {unknown_key(slot, registry.slots())}")
        for slot in REQUIRED_STAGES:
            if slot not in stages_data:
                errors.append(f"{where}stages.{slot}: required stage missing")
        for slot in registry.slots():  # pipeline order, whatever order the YAML used
            if slot in stages_data:
                spec, stage_errors = _stage(slot, stages_data[slot], where, base)
                errors.extend(stage_errors)
                if spec is not None:
                    stages[slot] = spec
    elif isinstance(data, dict) and "stages" in data:
        errors = [line for line in errors if not line.startswith(f"{where}stages:")]
        errors.append(f"{where}stages: expected a mapping, got {shown(stages_data)}")
    errors.extend(_check_writes(stages, where))
    if errors or top is None:
        raise ConfigError("\n".join(dict.fromkeys(errors)))
    executor = top.executor or ExecutorOptions()
    corpus = top.corpus if Path(top.corpus).is_absolute() else os.path.normpath(base / top.corpus)
    ingest = stages.get("ingest")
    if ingest is not None and "root" in getattr(ingest.cls, "__dataclass_fields__", {}):
        # Document ids are paths relative to the corpus folder (``sub/report``): the ingest stage needs it.
        from pipeline.stages.ingest import corpus_root

        ingest.options.setdefault("root", str(corpus_root(corpus).resolve()))
    return Config(
        path=path,
        name=top.name,
        corpus=corpus,
        output=(base / top.output).resolve(),
        seed=top.seed,
        executor=Executor(**executor.model_dump()),
        stages=stages,
        description=top.description,
        lock_timeout=top.lock_timeout,
        raw=data,
    )


def load(path: str | Path) -> Config:
    """Read and validate the config at ``path``; ConfigError (every mistake, one line each) if it is wrong."""
    path = Path(path)
    return parse(load_yaml(path, "config file"), path)
