"""Paging as Open Klant: envelope, default and capped page size, absolute links, 404 past the end."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

API = "/klantinteracties/api/v1"


async def test_default_page_size_and_absolute_links(demo_client):
    first = (await demo_client.get(f"{API}/klantcontacten")).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] > 200, "the demo has more than two pages of klantcontacten"
    assert len(first["results"]) == 100
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/klantinteracties/api/v1/klantcontacten?")
    assert parse_qs(urlsplit(first["next"]).query) == {"page": ["2"]}
    second = (await demo_client.get(first["next"].replace("http://testserver", ""))).json()
    # as recorded from Open Klant: the link back to page 1 carries no page parameter
    assert second["previous"] == "http://testserver/klantinteracties/api/v1/klantcontacten"
    assert not {r["uuid"] for r in first["results"]} & {r["uuid"] for r in second["results"]}


async def test_links_keep_the_other_parameters(demo_client):
    body = (
        await demo_client.get(
            f"{API}/klantcontacten", params={"kanaal": "telefoon", "pageSize": 5, "expand": "hadBetrokkenen"}
        )
    ).json()
    query = parse_qs(urlsplit(body["next"]).query)
    assert query == {"kanaal": ["telefoon"], "pageSize": ["5"], "expand": ["hadBetrokkenen"], "page": ["2"]}


async def test_page_size_is_capped_at_500(demo_client):
    body = (await demo_client.get(f"{API}/klantcontacten", params={"pageSize": 100000})).json()
    assert len(body["results"]) == min(500, body["count"])


async def test_page_past_the_end_is_404_and_an_empty_first_page_is_200(demo_client):
    count = (await demo_client.get(f"{API}/klantcontacten", params={"pageSize": 50})).json()["count"]
    last = -(-count // 50)
    last_page = (await demo_client.get(f"{API}/klantcontacten", params={"pageSize": 50, "page": last})).json()
    assert last_page["next"] is None and len(last_page["results"]) == count - 50 * (last - 1)
    response = await demo_client.get(f"{API}/klantcontacten", params={"pageSize": 50, "page": last + 1})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    empty = await demo_client.get(f"{API}/klantcontacten", params={"kanaal": "postduif"})
    assert empty.status_code == 200
    assert empty.json() == {"count": 0, "next": None, "previous": None, "results": []}


async def test_every_page_of_every_resource_adds_up_to_the_count(demo_client):
    root = (await demo_client.get(f"{API}/")).json()
    for name in root:
        if name == "maak-klantcontact":
            continue
        body = (await demo_client.get(f"{API}/{name}", params={"pageSize": 60})).json()
        seen = [r["uuid"] for r in body["results"]]
        while body["next"]:
            body = (await demo_client.get(body["next"].replace("http://testserver", ""))).json()
            seen += [r["uuid"] for r in body["results"]]
        assert len(seen) == len(set(seen)) == body["count"], name
