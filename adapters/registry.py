"""Adapter kinds by name, as the `kind` of a source in the configuration refers to them.

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
from pathlib import Path
from typing import Any

from pydantic import ValidationError

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


class UnknownAdapterKind(ValueError):
    pass


class InvalidAdapterSettings(ValueError):
    """Settings its kind's model refuses; `problems` are (field path, message), never a value."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("\n".join(f"{path}: {message}" if path else message for path, message in problems))
        self.problems = problems


def load_factory(kind: str) -> AdapterFactory:
    """The factory of a built-in kind, or of `package.module:factory` for a plug-in."""
    target = BUILTIN_KINDS.get(kind, kind)
    if ":" not in target:
        known = ", ".join(sorted(BUILTIN_KINDS))
        raise UnknownAdapterKind(f"unknown adapter kind {kind!r} (known: {known}, or 'module:factory')")
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
    """Build an adapter of `kind` from a source's raw `settings`, validated by the kind's model."""
    factory = load_factory(kind)
    return factory(validate_settings(factory, settings, config_dir))
