"""The Balie adapter passes the façade's conformance kit, against a stand-in of Balie's API."""

from __future__ import annotations

import pytest
from balie_app import serve
from pydantic import SecretStr

from facade.conformance import AdapterConformance, Dataset

TOKEN = "balie-test-token-0123456789"


class TestBalie(AdapterConformance):
    kind = "balie"  # the entry point in pyproject.toml
    dataset = Dataset(
        # what data.json holds, counted by hand: the kit checks the adapter loses none of it
        records={
            "partijen": 6,
            "partij-identificatoren": 5,
            "digitaleadressen": 7,
            "klantcontacten": 9,
            "betrokkenen": 8,
        },
    )

    def settings_for(self, upstream):
        return {"base_url": f"{upstream}/api/v1", "token": SecretStr(TOKEN)}

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls):
        with serve(TOKEN) as url:
            yield url
