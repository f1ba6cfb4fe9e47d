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
WRITES = Path(__file__).with_name("open_klant_client_writes.py")
HENK_BSN = "999993653"
NEW_BSN = "631706549"
"""A BSN the demo dataset does not hold (it passes the elfproef), as open-klant-client's own tests use."""

pytestmark = pytest.mark.skipif(
    not CLIENT_PYTHON.exists(),
    reason="open-klant-client needs Python >= 3.12: `make test` builds .venv-client when python3.12 exists",
)


def run_client(script: Path, bsn: str, permissions: dict, tmp_path: Path) -> dict:
    """Run a journeys script in the client's venv against the demo CRM; what it printed."""
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "open-klant-client", "token": {"env": "T_TOKEN"}, "permissions": permissions}],
        "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    with running_facade(config, {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}, tmp_path) as base:
        completed = subprocess.run(
            [str(CLIENT_PYTHON), str(script), f"{base}/klantinteracties/api/v1", TOKEN, bsn],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout)


def test_open_klant_client_journeys(tmp_path):
    seen = run_client(JOURNEYS, HENK_BSN, {"bsn": True}, tmp_path)
    assert seen["partij_count"] == 1
    assert seen["detail_uuid"] == seen["partij_uuid"]
    assert seen["addresses"], "Henk has digital addresses in the demo"
    assert seen["betrokkenen"] >= 1
    assert len(seen["contacts"]) == len(set(seen["contacts"])) >= 1
    assert seen["contact_times"] == sorted(seen["contact_times"], reverse=True)
    assert seen["all_contacts"] > 100
    assert seen["not_found"] == "not_found"
    assert seen["bad_request"] == ["unknown-parameters"]


def test_open_klant_client_create_calls(tmp_path):
    """0.8.0's create calls against the demo CRM, each followed by the reads the client then does."""
    seen = run_client(WRITES, NEW_BSN, {"bsn": True, "write": "*"}, tmp_path)
    assert seen["persoon"]["found"] == [seen["persoon"]["uuid"]] and seen["persoon"]["naam"] == "Tess Gamble"
    assert seen["kvk"] == "69599084" and seen["werkteVoorPartij"] is True
    assert seen["adres"] == {
        "updated": [True, "New description"],
        "expanded": ["tess@example.com"],
        "deleted": 204,
        "after": 0,
    }
    assert seen["contact"] == {
        "plaatsgevondenOp": "1997-11-04T04:08:01.415143Z",  # sent without offset: Dutch local time
        "betrokkenen": True,
        "taken": True,
        "taak": "te_verwerken",
        "onderwerp": True,
        "actor": "0000000025",
        "betrokkene": True,
    }
    assert seen["maak"] == {"betrokkene": True, "onderwerpobject": None, "listed": True}
    assert seen["patched"] == "Bijgewerkt"
    assert seen["bad_request"] == ["indicatieActief", "soortPartij"]
