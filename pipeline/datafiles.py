"""The data files the stages name -- the theme taxonomy, the stakeholders file, the positions file --
validated as pydantic models and read once per file version.

Each file's schema is a :class:`DataModel` defined beside the stage that uses it
(:class:`pipeline.stages.themes.taxonomy.Taxonomy`, :class:`pipeline.stages.stakeholders.actors.ActorsFile`,
:class:`~pipeline.stages.stakeholders.actors.PositionsFile`); :func:`load_data_file` parses and
validates a file against it (stages call it from ``validate_options`` at config load, again when
they run, and the report for its labels: the cache makes that one read).  Every mistake of a file
is reported at once, one line each: ``themes.yaml: themes[2].seeds[0]: expected a non-empty string``.
"""

from __future__ import annotations

import functools
import types
import typing
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from pipeline.errors import ConfigError, shown, unknown_key
from pipeline.yamlfile import load_yaml


def load_data_file(path: str | Path, model: type[BaseModel], what: str) -> Any:
    """The YAML file at ``path`` validated against the pydantic ``model``; read once per file version.

    The theme taxonomy, the stakeholders file and the positions file are data the stages and the
    report share: each is parsed and validated here, and the validated model is cached by path,
    size and modification time, so a run reads each file once and an edited file is read again.
    Raises ConfigError listing every mistake, one line each: ``file: key.path[i]: message``.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        load_yaml(path, what)  # raises the right "not found" / "a folder" message
    return _load_data_file(path.resolve(), stat.st_size, stat.st_mtime_ns, model, what)


@functools.lru_cache(maxsize=32)
def _load_data_file(path: Path, size: int, mtime_ns: int, model: type[BaseModel], what: str) -> Any:
    data = load_yaml(path, what)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with keys {', '.join(model.model_fields)}; got {shown(data)}")
    try:
        checked = model.model_validate(data, context={"base": path.parent})
    except ValidationError as exc:
        lines = [
            f"{path}: {_loc(e['loc'])}: {_data_error(e, model)}"
            for e in exc.errors(include_url=False)
            # pydantic counts a list's length after dropping its invalid items: those are reported already
            if not (e["type"] == "too_short" and e.get("input"))
        ]
        raise ConfigError("\n".join(dict.fromkeys(lines))) from None
    problems = checked.problems() if hasattr(checked, "problems") else []
    if problems:
        raise ConfigError("\n".join(f"{path}: {line}" for line in problems))
    return checked


def _loc(loc: tuple) -> str:
    """A pydantic error location as a key path: ``groups.governments.aliases[3]``."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a mapping key that failed
            continue
        part = part if isinstance(part, int) else shown(part, 40, quote=False)
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _owner(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model that holds the last key of ``loc`` (for its list of allowed keys)."""
    current: Any = model
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
        else:  # a list index or a mapping key: the item type
            args = [a for a in typing.get_args(current) if a is not Ellipsis]
            current = args[-1] if args else None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(hint: Any) -> Any:
    """``hint`` without ``Annotated`` and ``| None``."""
    while typing.get_origin(hint) in (Annotated, typing.Union, types.UnionType):
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _data_error(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind, value = error["type"], shown(error.get("input"))
    if kind == "extra_forbidden":
        owner = _owner(model, error["loc"])
        return unknown_key(error["loc"][-1] if error.get("loc") else "", owner.model_fields) if owner else "unknown key"
    if kind == "missing":
        return "required key missing"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_too_short":
        return f"expected a non-empty string, got {value}"
    if kind == "too_short":
        return f"expected a non-empty list or mapping, got {value}"
    if kind == "string_pattern_mismatch":
        what = "a key" if error["loc"][-1:] == ("[key]",) else "a string"
        return f"expected {what} matching {error['ctx']['pattern']} (lower-case identifier), got {value}"
    if kind == "literal_error":
        return f"expected one of {error['ctx']['expected']}, got {value}"
    expected = error["msg"].removeprefix("Input should be ").replace("a valid ", "a ").replace("tuple", "list")
    return f"expected {expected}, got {value}"


NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DataModel(BaseModel):
    """Base of the data-file models: unknown keys are errors; numbers are not read from strings."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def problems(self) -> list[str]:
        """Checks across keys, as ``key.path: message`` lines (none by default)."""
        return []
