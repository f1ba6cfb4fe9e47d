from __future__ import annotations

import pytest

from adapters.zgw.local_server import serve_in_thread
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV


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
