"""Adapter kinds by name, as the `kind` of a source in the configuration refers to them."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from adapters.protocol import Adapter

AdapterFactory = Callable[[Mapping[str, Any]], Adapter]

# kind -> "module:factory"; imported lazily so an unused adapter's dependencies are not needed.
BUILTIN_KINDS: dict[str, str] = {
    "crm_stub": "adapters.crm_stub.adapter:from_settings",
    "zgw": "adapters.zgw.adapter:from_settings",
    "klantinteracties": "adapters.klantinteracties.adapter:from_settings",
}


class UnknownAdapterKind(ValueError):
    pass


def create_adapter(kind: str, settings: Mapping[str, Any]) -> Adapter:
    """Build an adapter of a built-in kind, or of `package.module:factory` for a plug-in."""
    target = BUILTIN_KINDS.get(kind, kind)
    if ":" not in target:
        known = ", ".join(sorted(BUILTIN_KINDS))
        raise UnknownAdapterKind(f"unknown adapter kind {kind!r} (known: {known}, or 'module:factory')")
    module_name, _, attribute = target.partition(":")
    try:
        factory: AdapterFactory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UnknownAdapterKind(f"cannot load adapter kind {kind!r}: {exc}") from exc
    return factory(settings)
