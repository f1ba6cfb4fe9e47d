"""Every answer validates against the contract, with the one documented exception (ADR 3)."""

from __future__ import annotations

import pytest

from facade.conformance.contract import assert_valid
from mapping.contract import RESOURCES

API = "/klantinteracties/api/v1"


@pytest.mark.parametrize("resource", sorted(RESOURCES))
async def test_lists_and_details_validate(demo_client, resource):
    definition = RESOURCES[resource]
    params = {"pageSize": 500}
    if definition.expand:
        params["expand"] = ",".join(definition.expand)
    body = (await demo_client.get(f"{API}/{resource}", params=params)).json()
    assert body["results"], f"the demo has no {resource}"
    assert_valid(body, f"/{resource}")
    for item in body["results"][:10]:
        detail = await demo_client.get(
            item["url"].replace("http://testserver", ""), params={k: v for k, v in params.items() if k == "expand"}
        )
        assert_valid(detail.json(), f"/{resource}/{{uuid}}")


async def test_the_validator_catches_a_broken_answer(demo_client):
    body = (await demo_client.get(f"{API}/klantcontacten", params={"pageSize": 1})).json()
    del body["results"][0]["kanaal"]
    with pytest.raises(AssertionError):
        assert_valid(body, "/klantcontacten")
    body = (await demo_client.get(f"{API}/partijen", params={"pageSize": 1})).json()
    body["results"][0]["bezoekadres"]["postcode"] = "1234AB"
    with pytest.raises(AssertionError):
        assert_valid(body, "/partijen")
