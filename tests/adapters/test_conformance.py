"""Every bundled adapter passes the conformance kit, exactly as an adapter package runs it.

The kit (`facade.conformance`, docs/adapters.md) reads each adapter's declaration and runs one
test per check and resource, pushed-down filter or failing application. Here it only gets what
an integrator gives it: the kind, its settings for an upstream URL, and the upstream.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.zgw.local_server import serve_in_thread
from facade.conformance import AdapterConformance, Dataset
from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade
from tests.zgw.support import CLIENT_ID, SECRET


class TestCrmStub(AdapterConformance):
    kind = "crm_stub"
    speaks_http = False  # it reads its dataset file


class TestZgw(AdapterConformance):
    kind = "zgw"

    def settings_for(self, upstream):
        credentials = {"client_id": CLIENT_ID, "secret": SecretStr(SECRET)}
        return {
            api: {"base_url": f"{upstream}/{api}/api/v1", **credentials}
            for api in ("klanten", "contactmomenten", "zaken")
        }

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls):
        with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="vng", page_size=3) as server:
            yield server.base


class TestKlantinteracties(AdapterConformance):
    """Over a second façade serving the CRM demo: a Klantinteracties API upstream."""

    kind = "klantinteracties"
    dataset = Dataset(samples=2)  # every upstream query is a query of the upstream façade's engine

    def settings_for(self, upstream):
        return {"base_url": f"{upstream}/klantinteracties/api/v1", "token": SecretStr(TOKEN), "dialect": "current"}

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls, tmp_path_factory):
        config = {
            "identity_secret": {"env": "T_IDENTITY"},
            "clients": [{"name": "downstream", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
            "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
            "sources": [{"name": "crm", "kind": "crm_stub"}],
        }
        env = {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}
        with running_facade(config, env, tmp_path_factory.mktemp("upstream")) as base:
            yield base
