"""The real open-klant-client (PyPI), unchanged, against the façade served by uvicorn on loopback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade

ROOT = Path(__file__).resolve().parents[2]
CLIENT_PYTHON = ROOT / ".venv-client" / "bin" / "python"
JOURNEYS = Path(__file__).with_name("open_klant_client_journeys.py")
HENK_BSN = "999993653"

pytestmark = pytest.mark.skipif(
    not CLIENT_PYTHON.exists(),
    reason="open-klant-client needs Python >= 3.12: `make test` builds .venv-client when python3.12 exists",
)


def test_open_klant_client_journeys(tmp_path):
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "open-klant-client", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    with running_facade(config, {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}, tmp_path) as base:
        api = f"{base}/klantinteracties/api/v1"
        completed = subprocess.run(
            [str(CLIENT_PYTHON), str(JOURNEYS), api, TOKEN, HENK_BSN],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout)
    assert seen["partij_count"] == 1
    assert seen["detail_uuid"] == seen["partij_uuid"]
    assert seen["addresses"], "Henk has digital addresses in the demo"
    assert seen["betrokkenen"] >= 1
    assert len(seen["contacts"]) == len(set(seen["contacts"])) >= 1
    assert seen["contact_times"] == sorted(seen["contact_times"], reverse=True)
    assert seen["all_contacts"] > 100
    assert seen["not_found"] == "not_found"
    assert seen["bad_request"] == ["unknown-parameters"]
