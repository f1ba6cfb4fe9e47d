"""Helpers of the ZGW tests: recorded responses, adapter settings, a local server per flavour."""

from __future__ import annotations

import json
from typing import Any

import yaml

from adapters.zgw.adapter import ZgwAdapter, from_settings
from adapters.zgw.settings import ZgwSettings
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "zgw"
CLIENT_ID = "facade-tests"
SECRET = "zgw-test-secret-0123456789-abcdefghij"
SECRET_ENV = "FACADE_TEST_ZGW_SECRET"
HENK_BSN = "999993653"
ZAAK_VERGUNNING = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"


def recorded(path: str, interaction: int = 0) -> tuple[str, int, Any]:
    """(uri, status, decoded body) of one interaction of a recorded VCR cassette."""
    cassette = yaml.safe_load((FIXTURES / path).read_text())
    found = cassette["interactions"][interaction]
    return found["request"]["uri"], found["response"]["status"]["code"], json.loads(found["response"]["body"]["string"])


def api_settings(base: str, name: str, flavour: str = "vng", secret_env: str = SECRET_ENV) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "base_url": f"{base}/{name}/api/v1",
        "client_id": CLIENT_ID,
        "secret": {"env": secret_env},
    }
    if name != "zaken":
        settings["flavour"] = flavour
    return settings


def zgw_settings(base: str, flavour: str = "vng", apis=("klanten", "contactmomenten", "zaken"), **extra) -> dict:
    return {name: api_settings(base, name, flavour) for name in apis} | extra


def zgw_adapter(base: str, flavour: str = "vng", **extra) -> ZgwAdapter:
    return from_settings(ZgwSettings.model_validate(zgw_settings(base, flavour, **extra)))
