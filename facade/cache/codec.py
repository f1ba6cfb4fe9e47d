"""Answers of adapters as compact bytes for a shared cache, and back.

A cached answer is a `ListPage`, a sequence of model objects, one model object, `ABSENT` or
None. It is written as tagged JSON (orjson), zlib-compressed when that pays. Reading it back
validates every object into its model class again: the cache is shared infrastructure, and
what comes out of it is treated like any other input (no pickle: a value in Redis must never
be able to run code in the façade). Anything else is not cacheable in a shared store.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson

from adapters.protocol import ListPage
from facade.cache.store import ABSENT
from mapping.ki import KIObject

_PLAIN, _COMPRESSED = b"j", b"z"
_COMPRESS_FROM = 1024
"""Bytes of JSON from which compressing is worth its CPU (a page of records shrinks ~5x)."""


class Uncacheable(TypeError):
    """A value of a type the shared cache does not hold (it is then simply not cached there)."""


class CorruptEntry(ValueError):
    """Bytes that are not an answer this codec wrote (the entry is then ignored)."""


@cache
def _model_classes() -> dict[str, type[KIObject]]:
    found: dict[str, type[KIObject]] = {}
    pending = [KIObject]
    while pending:
        for subclass in pending.pop().__subclasses__():
            found[subclass.__name__] = subclass
            pending.append(subclass)
    return found


def _object(obj: Any) -> list[Any]:
    if not isinstance(obj, KIObject):
        raise Uncacheable(type(obj).__name__)
    return [type(obj).__name__, obj.model_dump(mode="json")]


def _objects(objects: Sequence[Any]) -> list[list[Any]]:
    return [_object(obj) for obj in objects]


def encode(value: Any) -> bytes:
    if isinstance(value, ListPage):
        data: list[Any] = ["page", value.total, _objects(value.records), _objects(value.related)]
    elif value is ABSENT:
        data = ["absent"]
    elif value is None:
        data = ["none"]
    elif isinstance(value, KIObject):
        data = ["object", _object(value)]
    elif isinstance(value, list | tuple):
        data = ["objects", _objects(value)]
    else:
        raise Uncacheable(type(value).__name__)
    raw = orjson.dumps(data)
    if len(raw) >= _COMPRESS_FROM:
        return _COMPRESSED + zlib.compress(raw, 1)
    return _PLAIN + raw


def _load_object(item: Any) -> KIObject:
    name, fields = item
    cls = _model_classes().get(name)
    if cls is None:
        raise CorruptEntry(f"unknown model {name!r}")
    return cls.model_validate(fields)


def decode(blob: bytes) -> Any:
    try:
        flag, body = blob[:1], blob[1:]
        if flag == _COMPRESSED:
            body = zlib.decompress(body)
        elif flag != _PLAIN:
            raise CorruptEntry("unknown format")
        data = orjson.loads(body)
        tag = data[0]
        if tag == "page":
            _, total, records, related = data
            return ListPage([_load_object(r) for r in records], total, [_load_object(r) for r in related])
        if tag == "absent":
            return ABSENT
        if tag == "none":
            return None
        if tag == "object":
            return _load_object(data[1])
        if tag == "objects":
            return [_load_object(r) for r in data[1]]
    except CorruptEntry:
        raise
    except Exception as exc:  # zlib, JSON, shape or validation errors: not an entry we wrote
        raise CorruptEntry(type(exc).__name__) from None
    raise CorruptEntry(f"unknown tag {tag!r}")
