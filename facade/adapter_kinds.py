"""`klantinteracties-facade adapters`: the adapter kinds this installation can use, and what each declares.

Per kind: where it comes from (built in, or the installed package that registers it in the
entry-point group), its settings (from its settings model: name, type, default, description),
and its declaration: resources with pushdown, key formats, order, page size, and any further
promise `ResourceSupport` holds (so writes show once the protocol declares them). A kind whose
declaration depends on its settings (the ZGW source serves what its configured APIs hold) says
so; with ``--config FILE`` the declaration of every configured source is listed too.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from adapters.protocol import ResourceSupport
from adapters.registry import Kind, installed_kinds, load_factory, settings_model

_PLAIN = {bool: "true/false", int: "whole number", float: "number", str: "text"}
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(ResourceSupport) if f.default is not dataclasses.MISSING}


def describe_kinds() -> tuple[list[str], bool]:
    """(lines, every kind could be loaded)."""
    lines: list[str] = []
    loaded = True
    for kind in installed_kinds().values():
        lines.append(f"{kind.name}  ({kind.origin}: {kind.target})")
        try:
            lines += _kind_lines(kind)
        except Exception as exc:  # a broken plug-in is reported, the others still listed
            loaded = False
            lines.append(f"  cannot be loaded: {type(exc).__name__}: {exc}")
        lines.append("")
    return lines, loaded


def _kind_lines(kind: Kind) -> Iterator[str]:
    factory = load_factory(kind.name)
    model = settings_model(factory, kind.name)
    yield f"  settings ({model.__name__}):"
    yield from _settings_lines(model, "    ")
    resources = _class_declaration(factory)
    if resources is None:
        yield "  resources: depend on its settings (`adapters --config FILE` lists a configured source's)"
    else:
        yield "  resources:"
        yield from declaration_lines(resources, "    ")


def _class_declaration(factory: Any) -> Mapping[str, ResourceSupport] | None:
    """What the adapter class the factory returns declares for every instance, if it does."""
    returned = typing.get_type_hints(factory).get("return")
    resources = getattr(returned, "resources", None)
    return resources if isinstance(resources, Mapping) and resources else None


def declaration_lines(resources: Mapping[str, ResourceSupport], indent: str) -> Iterator[str]:
    for resource, support in resources.items():
        yield f"{indent}{resource}"
        pushdown = ", ".join(f"{name} ({how.value})" for name, how in support.pushdown.items())
        yield f"{indent}  pushdown: {pushdown or '-'}"
        yield f"{indent}  key_formats: {_value_text(support.key_formats)}"
        for field in dataclasses.fields(support):  # what else it promises, writes too once declared
            value = getattr(support, field.name)
            shown = field.name in ("pushdown", "key_formats")
            if not shown and not (field.name in _DEFAULTS and value == _DEFAULTS[field.name]):
                yield f"{indent}  {field.name}: {_value_text(value)}"


def _value_text(value: Any) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _promise_text(value)
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(map(str, value))) or "-"
    if isinstance(value, tuple) and all(hasattr(v, "name") for v in value):
        return ", ".join(v.name for v in value)  # key formats
    if isinstance(value, Mapping):
        return ", ".join(f"{k} ({_value_text(v)})" for k, v in value.items()) or "-"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _promise_text(value: Any) -> str:
    """A declaration's nested promise (e.g. a write declaration): the flags that hold, then the rest."""
    flags = [f.name for f in dataclasses.fields(value) if getattr(value, f.name) is True]
    rest = [
        f"{f.name}: {_value_text(getattr(value, f.name))}"
        for f in dataclasses.fields(value)
        if not isinstance(getattr(value, f.name), bool) and getattr(value, f.name) is not None
    ]
    return "; ".join([", ".join(flags) or "none", *rest])


def _settings_lines(model: type[BaseModel], indent: str) -> Iterator[str]:
    if not model.model_fields:
        yield f"{indent}(none)"
    for name, info in model.model_fields.items():
        default = "required" if info.is_required() else f"default {info.get_default(call_default_factory=True)!r}"
        description = f"  {' '.join(info.description.split())}" if info.description else ""
        yield f"{indent}{name}: {_type_text(info)}, {default}{description}"
        nested = _nested_model(info.annotation)
        if nested is not None:
            yield from _settings_lines(nested, indent + "  ")


_VALIDATED = {"_base_url": "http(s) URL", "_from_config_dir": "file path (relative: from the configuration's folder)"}
"""The shared settings types (`adapters.api.BaseUrl`, `ConfigPath`), known by their validators."""


def _type_text(info: FieldInfo) -> str:
    return _annotation_text(info.annotation, info.metadata)


def _annotation_text(annotation: Any, metadata: Iterable[Any] = ()) -> str:
    for validator in metadata:
        name = getattr(getattr(validator, "func", None), "__name__", "")
        if name in _VALIDATED:
            return _VALIDATED[name]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_annotation_text(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(arg) for arg in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _annotation_text(typing.get_args(annotation)[0], annotation.__metadata__)
    if annotation is SecretStr:
        return "secret ({env: NAME} or {file: PATH})"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"{annotation.__name__} (below)"
    if origin in (dict, Mapping):
        return "mapping"
    if origin in (list, tuple):
        return "list"
    return _PLAIN.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
