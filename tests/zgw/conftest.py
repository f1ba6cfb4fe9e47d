from __future__ import annotations

import pytest

from adapters.zgw.local_server import serve_in_thread
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV
from tests.zgw.writing import Writer, zgw_facade


@pytest.fixture(autouse=True)
def _zgw_secret(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)


@pytest.fixture(scope="module", params=["vng", "openklant", "esuite"])
def local_zgw(request):
    """The local ZGW server on a free loopback port, small pages so that paging is exercised."""
    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour=request.param, page_size=2) as server:
        yield server


@pytest.fixture(scope="module")
def local_vng():
    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="vng", page_size=2) as server:
        yield server


@pytest.fixture(scope="module", params=["vng", "openklant", "esuite"])
def zgw_writer(request, tmp_path_factory):
    """A façade (`serve`, real HTTP) that writes into the local ZGW server of one flavour, per module."""
    tmp = tmp_path_factory.mktemp(f"zgw-writes-{request.param}")
    with (
        serve_in_thread(clients={CLIENT_ID: SECRET}, flavour=request.param) as server,
        zgw_facade(tmp, server, tmp / "facade.log") as base,
    ):
        yield Writer(base, server, tmp / "facade.log")
