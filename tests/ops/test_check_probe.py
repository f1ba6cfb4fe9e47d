"""`klantinteracties-facade check --config FILE --probe` against real upstreams on loopback:
per source reachable, authorised, the API version seen and the latency."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import yaml

from adapters.zgw.local_server import serve_in_thread
from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.fault_server import FaultyUpstream, serving
from tests.support.server import free_port

API = "/klantinteracties/api/v1"
ZGW_CLIENT, ZGW_SECRET = "facade-probe", "zgw-secret-0123456789-abcdef-0123456789"
REGISTER_TOKEN = "register-token-0123456789"


@pytest.fixture
def register():
    faulty = FaultyUpstream()
    with serving(faulty.app()) as base:
        faulty.base = base
        yield faulty


@pytest.fixture
def zgw():
    with serve_in_thread(clients={ZGW_CLIENT: ZGW_SECRET}) as server:
        yield server


def zgw_source(base: str, secret_env: str) -> dict:
    api = {"client_id": ZGW_CLIENT, "secret": {"env": secret_env}}
    apis = {name: {"base_url": f"{base}/{name}/api/v1", **api} for name in ("klanten", "contactmomenten")}
    return {"name": "zaaksysteem", "kind": "zgw", "settings": apis}


def ki_source(name: str, base: str) -> dict:
    return {
        "name": name,
        "kind": "klantinteracties",
        "settings": {"base_url": f"{base}{API}", "token": {"env": "T_REGISTER"}, "timeout": 3, "connect_timeout": 1},
    }


def check(tmp_path, sources: list[dict]) -> subprocess.CompletedProcess:
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "t", "token": {"env": "T_TOKEN"}}],
        "sources": sources,
    }
    path = tmp_path / "facade.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        "T_IDENTITY": IDENTITY_SECRET,
        "T_TOKEN": TOKEN,
        "T_REGISTER": REGISTER_TOKEN,
        "T_ZGW_GOOD": ZGW_SECRET,
        "T_ZGW_WRONG": "not-the-secret-0123456789-abcdef-012345",
    }
    return subprocess.run(
        [sys.executable, "-m", "facade.cli", "check", "--config", str(path), "--probe"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_source_answers(tmp_path, register, zgw):
    result = check(
        tmp_path,
        [{"name": "crm", "kind": "crm_stub"}, ki_source("register", register.base), zgw_source(zgw.base, "T_ZGW_GOOD")],
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"^source crm \(crm_stub\): reachable, authorised; \d+ ms; in-process", out, re.M)
    assert re.search(r"^source register \(klantinteracties\): reachable, authorised; \d+ ms$", out, re.M)
    assert re.search(rf"^  {re.escape(register.base + API)}: 200, API-version 0\.9\.0, \d+ ms$", out, re.M)
    assert re.search(r"^source zaaksysteem \(zgw\): reachable, authorised", out, re.M)
    for name in ("klanten", "contactmomenten"):
        assert re.search(rf"^  {re.escape(zgw.base)}/{name}/api/v1: 200, ", out, re.M), out
    assert out.rstrip().endswith("every source answered")
    assert register.requests >= 1 and REGISTER_TOKEN not in out + result.stderr


def test_a_source_that_refuses_or_is_down_is_named_and_the_check_fails(tmp_path, register, zgw):
    result = check(
        tmp_path,
        [
            ki_source("register", register.base),
            zgw_source(zgw.base, "T_ZGW_WRONG"),
            ki_source("gone", f"http://127.0.0.1:{free_port()}"),
        ],
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert re.search(r"^source register \(klantinteracties\): reachable, authorised", out, re.M)
    assert re.search(r"^source zaaksysteem \(zgw\): reachable, NOT authorised \(refused: 403\)", out, re.M), out
    assert re.search(r"^source gone \(klantinteracties\): NOT reachable", out, re.M)
    assert re.search(r": no answer, no API-version header", out)
    assert "not-the-secret" not in out + result.stderr
