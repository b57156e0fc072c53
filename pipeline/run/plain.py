"""Typed records <-> plain data (lists, dicts, strings, numbers, None): the cache's data-only format.

:func:`to_plain` turns a record (a dataclass such as :class:`~pipeline.records.Unit`, or lists,
tuples and dicts of them) into plain data that msgpack or JSON can hold; :func:`from_plain`
rebuilds it from the *declared* type (the dataclass field annotations), checking every value
on the way.  Nothing in the data names a type or a function, so reading it can build only the
records the caller asked for: data that does not fit raises :class:`ShapeError`.

A dataclass becomes the list of its field values in declaration order (field names would
repeat for every unit).  Fields typed ``Any`` hold plain data and are kept as they are (a
tuple there comes back a list; result files write both the same way).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any


class ShapeError(ValueError):
    """Plain data that does not fit the type it is read as."""


def to_plain(value: Any) -> Any:
    """``value`` as plain data: dataclasses -> lists of field values, tuples -> lists, Paths -> str
    (bytes stay bytes: msgpack holds them as binary).

    Raises TypeError for anything else that is not a str, int, float, bool or None (a set, an
    object): such a value has no data-only form.
    """
    if value is None or isinstance(value, str | bool | int | float | bytes):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [to_plain(getattr(value, f.name)) for f in _fields(type(value))]
    if isinstance(value, list | tuple):
        if all(type(v) is str for v in value):  # tokens, speakers, flags: the common case, fast
            return list(value)
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {_key(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    item = getattr(value, "item", None)  # a numpy scalar in a profile or a score
    if callable(item) and type(value).__module__ == "numpy":
        return to_plain(item())
    raise TypeError(f"no plain form for {type(value).__name__}")


def _key(key: Any) -> str | int:
    if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
        return key
    raise TypeError(f"dict key {key!r}: only str and int keys have a plain form")


def from_plain(kind: Any, data: Any) -> Any:
    """``data`` (from :func:`to_plain`) read as ``kind``: a dataclass, ``list[X]``, ``dict[K, V]``,
    ``tuple[...]``, ``X | None``, str/int/float/bool/bytes, Path or Any.  Raises :class:`ShapeError`."""
    return _reader(kind)(data)


@functools.cache
def _reader(kind: Any) -> Callable[[Any], Any]:
    """A function reading plain data as ``kind``, built once per type (a run reads many units)."""
    if kind is Any or kind is object:
        return _same
    if kind is None or kind is type(None):
        return _none
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is typing.Union or origin is types.UnionType:
        return functools.partial(_union, tuple(_reader(a) for a in args if a is not type(None)), type(None) in args)
    if origin is typing.Literal:
        return functools.partial(_literal, args)
    if origin is list or kind is list:
        item = args[0] if args else Any
        return _strings if item is str else functools.partial(_list, _reader(item))
    if origin is dict or kind is dict:
        key, value = args or (Any, Any)
        return functools.partial(_dict, _reader(key), _reader(value))
    if origin is tuple or kind is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return functools.partial(_tuple_of, _reader(args[0] if args else Any))
        return functools.partial(_tuple, tuple(_reader(a) for a in args))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return functools.partial(_dataclass, kind)
    if kind in (bool, int, float, str, bytes, Path):
        return functools.partial(_scalar, kind)
    raise ShapeError(f"no plain form for type {kind!r}")


def _same(data: Any) -> Any:
    return data


def _none(data: Any) -> None:
    if data is not None:
        raise ShapeError(f"expected None, got {type(data).__name__}")


def _union(readers: tuple, optional: bool, data: Any) -> Any:
    if data is None and optional:
        return None
    for read in readers:
        try:
            return read(data)
        except ShapeError:
            continue
    raise ShapeError(f"{type(data).__name__} fits none of the union's types")


def _literal(choices: tuple, data: Any) -> Any:
    if data not in choices:
        raise ShapeError(f"{data!r} is not one of {choices}")
    return data


def _strings(data: Any) -> list[str]:
    if type(data) is not list or not all(type(v) is str for v in data):
        raise ShapeError("expected a list of str")
    return list(data)


def _list(read: Callable, data: Any) -> list:
    return [read(v) for v in _expect(data, list)]


def _dict(read_key: Callable, read_value: Callable, data: Any) -> dict:
    return {read_key(k): read_value(v) for k, v in _expect(data, dict).items()}


def _tuple_of(read: Callable, data: Any) -> tuple:
    return tuple(read(v) for v in _expect(data, list))


def _tuple(readers: tuple, data: Any) -> tuple:
    items = _expect(data, list)
    if len(items) != len(readers):
        raise ShapeError(f"expected {len(readers)} items, got {len(items)}")
    return tuple(read(v) for read, v in zip(readers, items, strict=True))


def _scalar(kind: Any, data: Any) -> Any:
    if kind is bool:
        ok = isinstance(data, bool)
    elif kind is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
    elif kind is float:  # an int stays an int: result files print it as it was made
        ok = isinstance(data, int | float) and not isinstance(data, bool)
    elif kind is str:
        ok = isinstance(data, str)
    elif kind is bytes:  # e.g. a float32 vector (msgpack keeps bytes apart from str)
        ok = isinstance(data, bytes)
    else:
        return Path(_expect(data, str))
    if not ok:
        raise ShapeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _expect(data: Any, kind: type) -> Any:
    if not isinstance(data, kind):
        raise ShapeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _dataclass(kind: type, data: Any) -> Any:
    names, readers = _field_readers(kind)
    values = _expect(data, list)
    if len(values) != len(readers):
        raise ShapeError(f"{kind.__name__}: expected {len(readers)} fields, got {len(values)}")
    found = {}
    for name, read, value in zip(names, readers, values, strict=True):
        try:
            found[name] = read(value)
        except ShapeError as exc:
            raise ShapeError(f"{kind.__name__}.{name}: {exc}") from None
    return kind(**found)


@functools.cache
def _field_readers(kind: type) -> tuple[tuple[str, ...], tuple[Callable, ...]]:
    hints = typing.get_type_hints(kind)
    fields = _fields(kind)
    return tuple(f.name for f in fields), tuple(_reader(hints[f.name]) for f in fields)


@functools.cache
def _fields(kind: type) -> tuple[dataclasses.Field, ...]:
    found = dataclasses.fields(kind)
    if any(not f.init for f in found):
        raise TypeError(f"{kind.__name__}: fields outside __init__ have no plain form")
    return found
