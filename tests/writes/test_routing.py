"""Where a write goes, what is refused, and that what was written is read back at once."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter
from adapters.crm_stub.crm import Crm
from facade.api.app import build_engine, build_writer, create_app
from facade.config import ConfigError
from facade.engine.guard import CallContext, GuardedAdapter, SourcePolicy
from mapping.ki import Klantcontact
from tests.conftest import IDENTITY_SECRET, TOKEN, app_over, client_for, settings
from tests.support.memory_adapter import MemoryAdapter

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
WRITER = [{"name": "tests", "token": SecretStr(TOKEN), "permissions": {"bsn": True, "write": "*"}}]
KLANTCONTACT = {"kanaal": "telefoon", "onderwerp": "Vraag", "taal": "nld", "vertrouwelijk": False}


def crm(path=dataset.DEMO) -> CrmStubAdapter:
    return CrmStubAdapter(Crm(dataset.load(path)))


def read_only() -> MemoryAdapter:
    contact = Klantcontact(
        key="kc1",
        kanaal="balie",
        onderwerp="Oud",
        taal="nld",
        vertrouwelijk=False,
        plaatsgevondenOp=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    return MemoryAdapter([contact])


async def test_a_deployment_whose_sources_take_no_writes_answers_405_with_what_is_routed():
    async with client_for(app_over([("archief", read_only())], clients=WRITER)) as c:
        refused = await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, OPTIONS"
        contact = (await c.get(f"{API}/klantcontacten")).json()["results"][0]
        patched = await c.patch(contact["url"], json={"onderwerp": "Nieuw"})
        assert patched.headers["Allow"] == "GET, HEAD, OPTIONS"
        maak = await c.post(f"{API}/maak-klantcontact", json={"klantcontact": KLANTCONTACT})
        assert maak.status_code == 405 and maak.headers["Allow"] == ""
        document = (await c.get(f"{API}/schema/openapi.json")).json()
        assert {m for operations in document["paths"].values() for m in operations} == {"get"}
        assert "/maak-klantcontact" not in document["paths"]


async def test_allow_lists_the_writes_some_source_takes():
    async with client_for(app_over([("crm", crm()), ("archief", read_only())], clients=WRITER)) as c:
        on_list = await c.request("DELETE", f"{API}/klantcontacten")
        assert on_list.status_code == 405 and on_list.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
        archived = (await c.get(f"{API}/klantcontacten", params={"kanaal": "balie", "pageSize": "500"})).json()
        old = next(k for k in archived["results"] if k["onderwerp"] == "Oud")
        # routed (the CRM takes updates), but this object's source does not: a 405 for this object
        refused = await c.patch(old["url"], json={"onderwerp": "Nieuw"})
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, OPTIONS"
        under = await c.post(
            f"{API}/betrokkenen", json={"hadKlantcontact": {"uuid": old["uuid"]}, "rol": "klant", "initiator": True}
        )
        assert under.status_code == 400
        assert [(p["name"], p["code"]) for p in under.json()["invalidParams"]] == [("hadKlantcontact", "not_writable")]


async def test_a_field_the_source_cannot_hold_is_refused_unless_empty():
    async with client_for(app_over([("crm", crm())], clients=WRITER)) as c:
        refused = await c.post(f"{API}/klantcontacten", json={**KLANTCONTACT, "metadata": {"bron": "KISS"}})
        assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [("metadata", "not_writable")]
        made = await c.post(f"{API}/klantcontacten", json={**KLANTCONTACT, "metadata": {}, "hoofdOnderwerpType": ""})
        assert made.status_code == 201
        # a client that resends what it read (NL Portal's PUT) is not refused for what it did not change
        put = await c.put(made.json()["url"], json={**made.json(), "inhoud": "Aangevuld"})
        assert put.status_code == 200 and put.json()["inhoud"] == "Aangevuld"


async def test_a_partij_held_by_several_sources_is_changed_where_its_values_come_from():
    first, second = crm(), crm(dataset.BUNDLED / "second.json")
    async with client_for(app_over([("crm", first), ("second", second)], clients=WRITER)) as c:
        lookup = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
        henk = (await c.get(f"{API}/partijen", params=lookup)).json()["results"][0]
        changed = await c.patch(henk["url"], json={"interneNotitie": "Liever per e-mail"})
        assert changed.status_code == 200 and changed.json()["uuid"] == henk["uuid"]
        assert changed.json()["interneNotitie"] == "Liever per e-mail"
        assert first.crm._customers["100001"].note == "Liever per e-mail"
        assert second.crm._customers["300001"].note != "Liever per e-mail"
        refused = await c.delete(henk["url"])
        assert refused.status_code == 409 and refused.json()["code"] == "held_by_several_sources"
        assert "100001" in first.crm._customers and "300001" in second.crm._customers


async def test_what_was_written_is_read_back_at_once_through_the_cache():
    config = settings(clients=WRITER)  # the CRM source with its answer cache on (30 s)
    async with client_for(create_app(config)) as c:
        contact = (await c.post(f"{API}/klantcontacten", json=KLANTCONTACT)).json()
        lookup = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
        henk = (await c.get(f"{API}/partijen", params=lookup)).json()["results"][0]
        # read (and cache) what the writes below change
        betrokkenen = {"hadKlantcontact__uuid": contact["uuid"]}
        assert (await c.get(f"{API}/betrokkenen", params=betrokkenen)).json()["count"] == 0
        assert (await c.get(contact["url"])).json()["hadBetrokkenen"] == []
        before = len((await c.get(henk["url"], params={"expand": "betrokkenen"})).json()["betrokkenen"])
        made = await c.post(
            f"{API}/betrokkenen",
            json={
                "hadKlantcontact": {"uuid": contact["uuid"]},
                "wasPartij": {"uuid": henk["uuid"]},
                "rol": "klant",
                "initiator": True,
            },
        )
        assert made.status_code == 201
        assert (await c.get(f"{API}/betrokkenen", params=betrokkenen)).json()["results"][0]["uuid"] == made.json()[
            "uuid"
        ]
        assert [b["uuid"] for b in (await c.get(contact["url"])).json()["hadBetrokkenen"]] == [made.json()["uuid"]]
        assert len((await c.get(henk["url"], params={"expand": "betrokkenen"})).json()["betrokkenen"]) == before + 1
        await c.patch(contact["url"], json={"onderwerp": "Gewijzigd"})
        assert (await c.get(contact["url"])).json()["onderwerp"] == "Gewijzigd"
        await c.delete(contact["url"])
        assert (await c.get(contact["url"])).status_code == 404
        assert (await c.get(made.json()["url"])).status_code == 404  # went with its klantcontact


async def test_invalidating_a_resource_forgets_its_answers_only():
    source = MemoryAdapter([])
    guard = GuardedAdapter("mem", source, SourcePolicy(cache_ttl=300), IDENTITY_SECRET.encode())
    # each read is its own request: within one request an identical call is made once anyway
    await guard.get_many(CallContext(), "klantcontacten", ["a"])
    await guard.get_many(CallContext(), "actoren", ["b"])
    await guard.invalidate("klantcontacten")
    await guard.get_many(CallContext(), "klantcontacten", ["a"])
    await guard.get_many(CallContext(), "actoren", ["b"])
    assert (source.calls["get:klantcontacten"], source.calls["get:actoren"]) == (2, 1)


async def test_a_write_makes_its_request_read_that_source_again():
    class Deleting(MemoryAdapter):
        async def delete(self, resource: str, key: str) -> None:
            self.calls["delete"] += 1

    source = Deleting([])
    guard = GuardedAdapter("mem", source, SourcePolicy(cache_ttl=0), IDENTITY_SECRET.encode())
    context = CallContext()
    await guard.get_many(context, "klantcontacten", ["a"])
    await guard.get_many(context, "klantcontacten", ["a"])  # the same call: once per request
    await guard.delete(context, "klantcontacten", "a")
    await guard.get_many(context, "klantcontacten", ["a"])  # after the write: asked again
    assert (source.calls["get:klantcontacten"], source.calls["delete"]) == (2, 1)


def test_a_write_target_must_take_creates_of_its_collection():
    config = settings([{"name": "crm", "kind": "crm_stub"}], write_targets={"klantcontacten": "crm"})
    assert build_writer(config, build_engine(config)).targets["klantcontacten"].name == "crm"
    with pytest.raises(ConfigError, match="unknown source"):
        settings(write_targets={"klantcontacten": "elders"})
    engine = app_over([("archief", read_only())]).state.engine
    with pytest.raises(ConfigError, match="does not create klantcontacten"):
        build_writer(
            settings([{"name": "archief", "kind": "crm_stub"}], write_targets={"klantcontacten": "archief"}), engine
        )


def test_a_client_s_own_write_targets_are_checked_at_start_up():
    two = [{"name": "crm", "kind": "crm_stub"}, {"name": "zaken", "kind": "crm_stub"}]
    kcc = {**WRITER[0], "name": "kcc", "token": SecretStr("kcc-token-0123456789")}
    config = settings(two, clients=[*WRITER, {**kcc, "write_targets": {"klantcontacten": "zaken"}}])
    writer = build_writer(config, build_engine(config))
    assert writer.targets_of("kcc")["klantcontacten"].name == "zaken"
    assert writer.targets_of("kcc")["partijen"].name == "crm"  # the deployment's, where the client names none
    assert writer.targets_of("tests")["klantcontacten"].name == "crm"
    with pytest.raises(ConfigError, match=r"clients\.1\.write_targets.*unknown collection\(s\) klanten"):
        settings(two, clients=[*WRITER, {**kcc, "write_targets": {"klanten": "zaken"}}])
    with pytest.raises(ConfigError, match=r"clients\.1\.write_targets\.klantcontacten: unknown source elders"):
        settings(two, clients=[*WRITER, {**kcc, "write_targets": {"klantcontacten": "elders"}}])
    engine = app_over([("crm", crm()), ("archief", read_only())]).state.engine
    archived = settings(
        [{"name": "crm", "kind": "crm_stub"}, {"name": "archief", "kind": "crm_stub"}],
        clients=[*WRITER, {**kcc, "write_targets": {"klantcontacten": "archief"}}],
    )
    with pytest.raises(ConfigError, match=r"clients\[kcc\]\.write_targets\.klantcontacten: .* does not create"):
        build_writer(archived, engine)


async def test_each_client_s_new_objects_go_to_its_own_target_and_its_retries_stay_its_own():
    crm_source, zaken_source = crm(), crm(dataset.BUNDLED / "second.json")
    kcc_token = "kcc-token-0123456789"
    kcc = {**WRITER[0], "name": "kcc", "token": SecretStr(kcc_token), "write_targets": {"klantcontacten": "zaken"}}
    app = app_over([("crm", crm_source), ("zaken", zaken_source)], clients=[*WRITER, kcc])
    retry = {"Idempotency-Key": "dezelfde-sleutel-1"}
    async with client_for(app) as c:
        made = {}
        for who, token in (("tests", TOKEN), ("kcc", kcc_token)):
            for _ in range(2):  # a retry with the same key: one object per client
                answer = await c.post(
                    f"{API}/maak-klantcontact",
                    json={"klantcontact": {**KLANTCONTACT, "onderwerp": f"Vraag van {who}"}},
                    headers={"Authorization": f"Token {token}", **retry},
                )
                assert answer.status_code == 201, answer.text
                made.setdefault(who, set()).add(answer.json()["klantcontact"]["uuid"])
            single = await c.post(
                f"{API}/klantcontacten",
                json={**KLANTCONTACT, "onderwerp": f"Los van {who}"},
                headers={"Authorization": f"Token {token}"},
            )
            assert single.status_code == 201
            read = await c.get(single.json()["url"], headers={"Authorization": f"Token {token}"})
            assert read.json()["onderwerp"] == f"Los van {who}"
    assert len(made["tests"]) == len(made["kcc"]) == 1 and made["tests"] != made["kcc"]
    subjects = {
        name: sorted(c.subject for c in source.crm._contacts.values() if c.subject.startswith(("Vraag van", "Los van")))
        for name, source in (("crm", crm_source), ("zaken", zaken_source))
    }
    assert subjects == {"crm": ["Los van tests", "Vraag van tests"], "zaken": ["Los van kcc", "Vraag van kcc"]}
