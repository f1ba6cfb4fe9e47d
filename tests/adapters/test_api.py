"""The public adapter API: one module, versioned, and what the bundled adapters build on."""

from __future__ import annotations

import re

import adapters.api as api
from tests.test_layers import ROOT, imported_modules

PRIVATE = (
    "adapters.protocol",
    "adapters.http",
    "adapters.filters",
    "adapters.settings",
    "adapters.records",
    "adapters.writes",
)
BUNDLED = ("crm_stub", "zgw", "klantinteracties")


def test_every_public_name_is_there():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing
    assert {"Adapter", "AdapterSettings", "Secret", "QueryFilters", "UpstreamClient", "build_or_skip"} <= set(
        api.__all__
    )
    assert api.ki.Partij.resource == "partijen"


def test_the_api_is_versioned_major_minor():
    assert re.fullmatch(r"\d+\.\d+", api.ADAPTER_API_VERSION)
    assert api.ADAPTER_API_VERSION.startswith("1.")


def test_bundled_adapters_use_only_the_public_module():
    """What an integrator copies from a bundled adapter imports the API from `adapters.api`."""
    private = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for kind in BUNDLED
        for path in sorted((ROOT / "adapters" / kind).rglob("*.py"))
        for line, target in imported_modules(path)
        if target.startswith(PRIVATE)
    ]
    assert not private, "\n".join(private)
