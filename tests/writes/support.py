"""Façades that take writes, over real HTTP: a CRM source and a Klantinteracties source.

`upstream` is a façade over the CRM stand-in (the Klantinteracties register the `ki` source of
the façade under test passes writes to); the façade under test has two sources, `crm` (its own
CRM stand-in) and `ki` (that register), and routes new objects without an owner to the one its
`write_targets` name. Every server is `klantinteracties-facade serve` on a free loopback port.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from adapters.zgw.jwt import ZgwJwt
from adapters.zgw.local_server import serve_in_thread
from facade.cli import DEMO_ZGW_CLIENT
from mapping.codes import eleven_test
from mapping.contract import API_PREFIX
from tests.conftest import IDENTITY_SECRET, PROCESSING_LOG_KEY, TOKEN
from tests.support.demo import demo_config
from tests.support.server import running_facade

KISS_TOKEN = "kiss-token-0123456789"
"""A writing client with KISS's profile: it reads actors and zaken in KISS's codes (ADR 18)."""
ENV = {
    "T_IDENTITY": IDENTITY_SECRET,
    "T_TOKEN": TOKEN,
    "T_TOKEN_KISS": KISS_TOKEN,
    "T_UPSTREAM": TOKEN,
    "T_LOG_KEY": PROCESSING_LOG_KEY,
}
KCC_TOKEN = "kcc-token-0123456789"
"""The demo's `zaaksysteem-kcc` client: its new klantcontacten go to the ZGW source."""
DEMO_ENV = {
    "FACADE_IDENTITY_SECRET": IDENTITY_SECRET,
    "FACADE_PROCESSING_LOG_KEY": PROCESSING_LOG_KEY,
    "FACADE_DEMO_TOKEN": TOKEN,
    "FACADE_DEMO_KISS_TOKEN": KISS_TOKEN,
    "FACADE_DEMO_ZAC_TOKEN": "zac-token-0123456789",
    "FACADE_DEMO_KCC_TOKEN": KCC_TOKEN,
    "FACADE_DEMO_ZGW_SECRET": "demo-flows-zgw-secret-0123456789",
}
OWNERLESS = ("klantcontacten", "partijen", "actoren", "categorieen", "partij-identificatoren", "digitaleadressen")


def facade_config(sources: list[dict], write_targets: dict[str, str] | None = None, **extra) -> dict:
    """A façade with writing clients (`TOKEN`, and `KISS_TOKEN` with KISS's profile: every collection, BSNs)."""
    permissions = {"bsn": True, "write": "*"}
    return {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [
            {"name": "writer", "token": {"env": "T_TOKEN"}, "permissions": permissions},
            {"name": "kiss", "token": {"env": "T_TOKEN_KISS"}, "permissions": permissions, "profile": "kiss"},
        ],
        "processing_log": {"sink": "stdout", "key": {"env": "T_LOG_KEY"}},
        "sources": sources,
        "write_targets": write_targets or {},
        **extra,
    }


@contextmanager
def register(tmp_path: Path) -> Iterator[str]:
    """A façade over the CRM stand-in alone: the upstream register of a `ki` source. It merges no
    partijen, as Open Klant does not: a partij keeps its UUID when it gets a BSN."""
    config = facade_config([{"name": "register", "kind": "crm_stub"}], merge_partijen=False)
    with running_facade(config, ENV, tmp_path, tmp_path / "register.log") as base:
        yield base


@contextmanager
def facade_over(tmp_path: Path, upstream: str, target: str, log_file: Path | None = None) -> Iterator[str]:
    """The façade under test: sources `crm` and `ki`; objects without an owner go to `target`."""
    sources = [
        {"name": "crm", "kind": "crm_stub"},
        {
            "name": "ki",
            "kind": "klantinteracties",
            "settings": {"base_url": upstream + API_PREFIX, "token": {"env": "T_UPSTREAM"}, "dialect": "current"},
        },
    ]
    config = facade_config(sources, {collection: target for collection in OWNERLESS})
    folder = tmp_path / target
    folder.mkdir(exist_ok=True)
    with running_facade(config, ENV, folder, log_file) as base:
        yield base


@contextmanager
def demo(tmp_path: Path) -> Iterator[tuple[str, Callable[[str], httpx.Response]]]:
    """The bundled demo as shipped (its clients, write targets, sources), over a local ZGW server:
    the façade's base URL (`TOKEN` is its `demo` client, `KISS_TOKEN` its `kiss`, `KCC_TOKEN` its
    `zaaksysteem-kcc`), and a GET on the ZGW server's own APIs (what the zaaksysteem holds)."""
    secret = DEMO_ENV["FACADE_DEMO_ZGW_SECRET"]
    with serve_in_thread(clients={DEMO_ZGW_CLIENT: secret}) as zgw:

        def zaaksysteem(path: str) -> httpx.Response:
            return httpx.get(f"{zgw.base}/{path}", headers=ZgwJwt(DEMO_ZGW_CLIENT, secret)(), timeout=30)

        folder = tmp_path / "demo"
        folder.mkdir(exist_ok=True)
        with running_facade(demo_config(zgw.base), DEMO_ENV, folder) as base:
            yield base, zaaksysteem


def client(base: str, token: str = TOKEN) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base + API_PREFIX, headers={"Authorization": f"Token {token}"}, timeout=60)


_numbers = itertools.count(111_222_333)


def fresh_bsn() -> str:
    """A BSN (passes the elfproef) that no dataset holds and no earlier call gave out."""
    while not eleven_test(number := f"{next(_numbers):09d}"):
        pass
    return number


def ref(obj: dict) -> dict:
    return {"uuid": obj["uuid"]}
