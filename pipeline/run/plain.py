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
from pathlib import Path
from typing import Any


class ShapeError(ValueError):
    """Plain data that does not fit the type it is read as."""


def to_plain(value: Any) -> Any:
    """``value`` as plain data: dataclasses -> lists of field values, tuples -> lists, Paths -> str.

    Raises TypeError for anything else that is not a str, int, float, bool or None (a set, an
    object): such a value has no data-only form.
    """
    if value is None or isinstance(value, str | bool | int | float):
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
    ``tuple[...]``, ``X | None``, str/int/float/bool, Path or Any.  Raises :class:`ShapeError`."""
    if kind is Any or kind is object:
        return data
    if kind is None or kind is type(None):
        if data is not None:
            raise ShapeError(f"expected None, got {type(data).__name__}")
        return None
    origin = typing.get_origin(kind)
    if origin is typing.Union or origin is types.UnionType:
        return _union(typing.get_args(kind), data)
    if origin is typing.Literal:
        if data not in typing.get_args(kind):
            raise ShapeError(f"{data!r} is not one of {typing.get_args(kind)}")
        return data
    if origin is list:
        (item,) = typing.get_args(kind) or (Any,)
        return [from_plain(item, v) for v in _expect(data, list)]
    if origin is dict:
        key, value = typing.get_args(kind) or (Any, Any)
        return {from_plain(key, k): from_plain(value, v) for k, v in _expect(data, dict).items()}
    if origin is tuple:
        args = typing.get_args(kind)
        items = _expect(data, list)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in items)
        if len(items) != len(args):
            raise ShapeError(f"expected {len(args)} items, got {len(items)}")
        return tuple(from_plain(a, v) for a, v in zip(args, items, strict=True))
    if kind is list or kind is tuple:  # unparametrised: plain items
        return kind(_expect(data, list))
    if kind is dict:
        return dict(_expect(data, dict))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind, data)
    return _scalar(kind, data)


def _union(args: tuple, data: Any) -> Any:
    if data is None and type(None) in args:
        return None
    for arg in args:
        if arg is type(None):
            continue
        try:
            return from_plain(arg, data)
        except ShapeError:
            continue
    raise ShapeError(f"{type(data).__name__} fits none of {args}")


def _scalar(kind: Any, data: Any) -> Any:
    if kind is bool:
        ok = isinstance(data, bool)
    elif kind is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
    elif kind is float:  # an int stays an int: result files print it as it was made
        ok = isinstance(data, int | float) and not isinstance(data, bool)
    elif kind is str:
        ok = isinstance(data, str)
    elif kind is Path:
        return Path(_expect(data, str))
    else:
        raise ShapeError(f"no plain form for type {kind!r}")
    if not ok:
        raise ShapeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _expect(data: Any, kind: type) -> Any:
    if not isinstance(data, kind):
        raise ShapeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _dataclass(kind: type, data: Any) -> Any:
    fields, hints = _fields(kind), _hints(kind)
    values = _expect(data, list)
    if len(values) != len(fields):
        raise ShapeError(f"{kind.__name__}: expected {len(fields)} fields, got {len(values)}")
    found = {}
    for f, v in zip(fields, values, strict=True):
        try:
            found[f.name] = from_plain(hints[f.name], v)
        except ShapeError as exc:
            raise ShapeError(f"{kind.__name__}.{f.name}: {exc}") from None
    return kind(**found)


@functools.cache
def _fields(kind: type) -> tuple[dataclasses.Field, ...]:
    found = dataclasses.fields(kind)
    if any(not f.init for f in found):
        raise TypeError(f"{kind.__name__}: fields outside __init__ have no plain form")
    return found


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)
