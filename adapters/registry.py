"""Adapter kinds by name, as the `kind` of a source in the configuration refers to them.

Three ways to name a kind, looked up in this order: a built-in kind (`BUILTIN_KINDS`); a kind an
installed package registers in the entry-point group `klantinteracties_facade.adapters`
(`ENTRY_POINT_GROUP`), in its pyproject.toml::

    [project.entry-points."klantinteracties_facade.adapters"]
    balie = "balie_adapter.adapter:from_settings"

or `package.module:factory` written out in the configuration.

A kind is a factory: a function that takes its kind's validated settings and returns the
adapter. Its first parameter is annotated with its settings model (a subclass of
`AdapterSettings`); the registry validates a source's `settings` with that model and calls the
factory with the result, so a factory never sees raw configuration::

    def from_settings(settings: MySettings) -> MyAdapter: ...
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.declarations import check_declaration, nearest
from adapters.protocol import Adapter
from adapters.settings import AdapterSettings, problems, validation_context

AdapterFactory = Callable[..., Adapter]
"""`factory(settings: <its AdapterSettings model>) -> Adapter`."""

# kind -> "module:factory"; imported lazily so an unused adapter's dependencies are not needed.
BUILTIN_KINDS: dict[str, str] = {
    "crm_stub": "adapters.crm_stub.adapter:from_settings",
    "zgw": "adapters.zgw.adapter:from_settings",
    "klantinteracties": "adapters.klantinteracties.adapter:from_settings",
}


ENTRY_POINT_GROUP = "klantinteracties_facade.adapters"
"""The entry-point group in which installed packages register adapter kinds (name -> module:factory)."""


@dataclass(frozen=True)
class Kind:
    """One adapter kind the façade can find: its name, its `module:factory`, and where it came from."""

    name: str
    target: str
    origin: str
    """`built in`, or the distribution that registers it (`balie-adapter 0.1.0`)."""


class UnknownAdapterKind(ValueError):
    pass


def installed_kinds() -> dict[str, Kind]:
    """Every kind by name: the built-in ones, then those installed packages register; a package
    cannot replace a built-in kind (its entry is left out)."""
    kinds = {name: Kind(name, target, "built in") for name, target in BUILTIN_KINDS.items()}
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.name not in kinds:
            dist = entry.dist
            origin = f"{dist.name} {dist.version}" if dist is not None else "an installed package"
            kinds[entry.name] = Kind(entry.name, entry.value, origin)
    return kinds


class InvalidAdapterSettings(ValueError):
    """Settings its kind's model refuses; `problems` are (field path, message), never a value."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("\n".join(f"{path}: {message}" if path else message for path, message in problems))
        self.problems = problems


def load_factory(kind: str) -> AdapterFactory:
    """The factory of a built-in or installed kind, or of `package.module:factory` for a plug-in."""
    kinds = installed_kinds()
    target = kinds[kind].target if kind in kinds else kind
    if ":" not in target:
        known = ", ".join(sorted(kinds))
        hint = nearest(kind, kinds)
        raise UnknownAdapterKind(f"unknown adapter kind {kind!r}{hint} (known: {known}, or 'module:factory')")
    module_name, _, attribute = target.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UnknownAdapterKind(f"cannot load adapter kind {kind!r}: {exc}") from exc
    settings_model(factory, kind)  # a factory without a settings model is refused at once
    return factory


def settings_model(factory: AdapterFactory, kind: str = "") -> type[AdapterSettings]:
    """The settings model a factory declares on its first parameter."""
    try:
        first = next(iter(inspect.signature(factory, eval_str=True).parameters.values()))
    except (StopIteration, TypeError, ValueError, NameError) as exc:
        raise UnknownAdapterKind(f"adapter kind {kind!r}: its factory takes no settings model") from exc
    model = first.annotation
    if not (isinstance(model, type) and issubclass(model, AdapterSettings)):
        raise UnknownAdapterKind(
            f"adapter kind {kind!r}: annotate the factory's first parameter with its settings model "
            "(a subclass of adapters.api.AdapterSettings)"
        )
    return model


def validate_settings(
    factory: AdapterFactory, settings: Mapping[str, Any], config_dir: Path | None = None
) -> AdapterSettings:
    """The factory's settings model validated from a source's `settings` mapping.

    `config_dir` is the configuration file's folder: relative paths in settings are taken from it.
    """
    try:
        return settings_model(factory).model_validate(settings, context=validation_context(config_dir))
    except ValidationError as exc:
        raise InvalidAdapterSettings(problems(exc)) from None


def create_adapter(kind: str, settings: Mapping[str, Any], config_dir: Path | None = None) -> Adapter:
    """Build an adapter of `kind` from a source's raw `settings`, validated by the kind's model;
    its declaration is checked against the contract (`adapters.declarations.InvalidDeclaration`)."""
    factory = load_factory(kind)
    adapter = factory(validate_settings(factory, settings, config_dir))
    check_declaration(getattr(adapter, "resources", None))
    return adapter
