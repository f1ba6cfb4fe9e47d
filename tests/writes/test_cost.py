"""A write costs a bounded number of upstream calls, whatever the source holds (principle 5).

The façade under test writes through a Klantinteracties source to a register on loopback; every
request it sends upstream is recorded. Each write costs the reads that find what it names (its
owner, its references: one GET each), the write itself, and no listing: never more as the
register grows.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from facade.api.app import create_app
from tests.conftest import TOKEN, client_for, engine_over, settings
from tests.klantinteracties.federation import UPSTREAM_TOKEN_ENV, RecordingTransport, upstream_adapter
from tests.writes.support import register

API = "/klantinteracties/api/v1"
WRITER = [{"name": "tests", "token": SecretStr(TOKEN), "permissions": {"bsn": True, "write": "*"}}]
KLANTCONTACT = {"kanaal": "telefoon", "onderwerp": "Vraag", "taal": "nld", "vertrouwelijk": False}


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    with register(tmp_path_factory.mktemp("cost")) as base:
        yield base


@pytest.fixture
async def recorded(upstream, monkeypatch):
    monkeypatch.setenv(UPSTREAM_TOKEN_ENV, TOKEN)
    transport = RecordingTransport()
    adapter = upstream_adapter(upstream, transport, dialect="current")
    config = settings([{"name": "ki", "kind": "crm_stub"}], clients=WRITER, merge_partijen=False)
    async with client_for(create_app(config, engine_over([("ki", adapter)], merge_partijen=False))) as c:
        yield c, transport.log


def calls(log: list, since: int) -> list[str]:
    """The upstream requests since `since`, as `collection` or `collection/{uuid}` (no query)."""
    return ["/".join("{uuid}" if len(part) == 36 else part for part in path.split("/")) for path, _ in log[since:]]


async def test_each_write_costs_its_reads_and_itself(recorded):
    c, log = recorded
    start = len(log)
    contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
    assert calls(log, start) == ["klantcontacten"]  # the POST, answered with the object: no read back

    start = len(log)
    made = await c.post(
        f"{API}/betrokkenen", json={"hadKlantcontact": {"uuid": contact["uuid"]}, "rol": "klant", "initiator": True}
    )
    assert made.status_code == 201
    assert calls(log, start) == ["klantcontacten/{uuid}", "betrokkenen"]  # find the owner, then write

    start = len(log)
    assert (await c.patch(made.json()["url"], json={"organisatienaam": "X"})).status_code == 200
    assert calls(log, start) == ["betrokkenen/{uuid}", "betrokkenen/{uuid}"]  # the stored object, the PATCH

    start = len(log)
    assert (await c.delete(contact["url"])).status_code == 204
    assert calls(log, start) == ["klantcontacten/{uuid}", "klantcontacten/{uuid}"]  # the stored object, the DELETE

    start = len(log)
    maak = await c.post(
        f"{API}/maak-klantcontact",
        json={"klantcontact": KLANTCONTACT, "betrokkene": {"rol": "klant", "initiator": True}},
    )
    assert maak.status_code == 201
    # three steps, then the klantcontact read back with its new betrokkene
    assert calls(log, start) == ["klantcontacten", "betrokkenen", "klantcontacten/{uuid}"]
