"""The engine re-checks every filter: a source that ignores what it claims to apply leaks nothing."""

from __future__ import annotations

from adapters.protocol import Pushdown
from tests.conftest import app_over, client_for
from tests.support.memory_adapter import MemoryAdapter
from tests.support.scenario import HENK_BSN, at, contact, persoon
from tests.support.worlds import crm_world


def liar(n: int) -> MemoryAdapter:
    """Claims to apply `kanaal` and the BSN filter exactly, returns everything."""
    contacts = [
        contact(f"l{i:03}", at(1 + i % 27, i % 24), kanaal="balie" if i % 3 == 0 else "telefoon") for i in range(n)
    ]
    people = [persoon(f"q{i:03}", "Iemand", f"Nummer{i}", f"99999{i:04}") for i in range(30)]
    return MemoryAdapter(
        contacts + people,
        pushdown={
            "klantcontacten": {"kanaal": Pushdown.EXACT},
            "partijen": {"partijIdentificator__objectId": Pushdown.EXACT},
        },
        ignore_filters=True,
    )


async def test_a_source_that_ignores_a_filter_leaks_nothing_and_counts_right():
    app = app_over([("crm", crm_world()), ("liar", liar(60))])
    async with client_for(app) as client:
        response = await client.get(
            "/klantinteracties/api/v1/klantcontacten", params={"kanaal": "balie", "pageSize": 7}
        )
        body = response.json()
        # written out: crm has one balie contact (k2); the liar has 20 of its 60 (every third)
        assert body["count"] == 21
        assert len(body["results"]) == 7
        assert {r["kanaal"] for r in body["results"]} == {"balie"}
        seen = [r["uuid"] for r in body["results"]]
        page = 2
        while body["next"]:
            body = (await client.get(body["next"].replace("http://testserver", ""))).json()
            assert {r["kanaal"] for r in body["results"]} == {"balie"}
            seen += [r["uuid"] for r in body["results"]]
            page += 1
        assert len(seen) == len(set(seen)) == 21


async def test_a_bsn_search_is_never_answered_with_other_people():
    app = app_over([("liar", liar(5))])
    async with client_for(app) as client:
        body = (
            await client.get("/klantinteracties/api/v1/partijen", params={"partijIdentificator__objectId": HENK_BSN})
        ).json()
        assert body["count"] == 0
        assert body["results"] == []
