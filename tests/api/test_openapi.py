"""The façade serves the contract it implements: Open Klant's GET operations, its own extras."""

from __future__ import annotations

import yaml

from tests.conftest import SHARED, requires_shared

API = "/klantinteracties/api/v1"


async def test_served_document_and_docs_page(demo_client):
    document = (await demo_client.get(f"{API}/schema/openapi.json", headers={"Authorization": ""})).json()
    assert document["info"]["version"] == "0.9.0"
    methods = {m for operations in document["paths"].values() for m in operations}
    assert methods == {"get", "post", "put", "patch", "delete"}  # the demo's CRM takes every write
    assert set(document["paths"]["/maak-klantcontact"]) == {"post"}
    assert "requestBody" in document["paths"]["/betrokkenen"]["post"]
    page = await demo_client.get(f"{API}/schema/")
    assert page.status_code == 200 and "openapi.json" in page.text


@requires_shared()
async def test_served_parameters_are_the_contracts(demo_client):
    served = (await demo_client.get(f"{API}/schema/openapi.json")).json()
    contract = yaml.safe_load((SHARED / "spec" / "klantinteracties-openklant-0.9.0.openapi.yaml").read_text())
    for path, operations in contract["paths"].items():
        if "get" not in operations:
            continue
        ours = served["paths"][path]["get"]
        assert {p["name"] for p in ours["parameters"]} >= {
            p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"
        }, path
        assert ours["responses"]["200"]["content"] == operations["get"]["responses"]["200"]["content"], path
        if "{" not in path:
            assert "Facade-Incomplete" in ours["responses"]["200"]["headers"]


@requires_shared()
def test_the_packaged_contract_is_the_reference_one():
    from importlib import resources

    packaged = resources.files("facade.contract").joinpath("openklant-0.9.0.openapi.yaml").read_text()
    assert packaged == (SHARED / "spec" / "klantinteracties-openklant-0.9.0.openapi.yaml").read_text()
