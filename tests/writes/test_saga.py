"""A write the façade splits into steps is done, undone, or reported exactly: never half in silence.

`maak-klantcontact` is three creates in the klantcontact's source; a betrokkene for a partij
that only another source knows is first a copy of that partij. When a later step fails, the
earlier ones are undone; when an undo fails too, the answer (502 `incomplete_write`) and the log
name what remains, by UUID, never by BSN.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter
from adapters.crm_stub.crm import Crm
from adapters.protocol import IncompleteWrite, Leftover, SourceUnavailable, WriteValues
from adapters.writes import Compensation
from facade.conformance.contract import assert_valid
from tests.conftest import TOKEN, app_over, client_for

API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"
ONLY_IN_SECOND = "999990068"
"""A BSN of a customer of the second dataset that the demo CRM does not know."""
MAAK = {
    "klantcontact": {"kanaal": "Webformulier", "onderwerp": "Melding", "taal": "nld", "vertrouwelijk": True},
    "betrokkene": {"rol": "klant", "initiator": True, "organisatienaam": ""},
    "onderwerpobject": {
        "onderwerpobjectidentificator": {
            "objectId": "OF-77",
            "codeObjecttype": "formulierinzending",
            "codeRegister": "Open Formulieren",
            "codeSoortObjectId": "public_registration_reference",
        }
    },
}


class Faulty(CrmStubAdapter):
    """The CRM stand-in, with writes that fail on demand (as an application that goes down)."""

    def __init__(self, path=dataset.DEMO):
        super().__init__(Crm(dataset.load(path)))
        self.failing: set[tuple[str, str]] = set()

    def _fails(self, operation: str, resource: str) -> None:
        if (operation, resource) in self.failing:
            raise SourceUnavailable(f"faulty: {operation} {resource} failed")

    async def create(self, resource: str, values: WriteValues):
        self._fails("create", resource)
        return await super().create(resource, values)

    async def delete(self, resource: str, key: str) -> None:
        self._fails("delete", resource)
        await super().delete(resource, key)


def writer_app(adapters, **overrides):
    clients = [{"name": "tests", "token": SecretStr(TOKEN), "permissions": {"bsn": True, "write": "*"}}]
    return app_over(adapters, clients=clients, **overrides)


def contact_count(crm: Faulty) -> int:
    return len(crm.crm._contacts)


async def test_maak_klantcontact_is_three_steps_in_the_klantcontacts_source():
    crm = Faulty()
    async with client_for(writer_app([("crm", crm)])) as c:
        made = await c.post(f"{API}/maak-klantcontact", json=MAAK)
        assert made.status_code == 201, made.text
        assert "Location" not in made.headers  # as Open Klant
        body = made.json()
        assert_valid(body, "/maak-klantcontact", "post", "201")
        assert body["klantcontact"]["hadBetrokkenen"] == [{k: body["betrokkene"][k] for k in ("uuid", "url")}]
        assert body["klantcontact"]["gingOverOnderwerpobjecten"][0]["uuid"] == body["onderwerpobject"]["uuid"]
        only_klantcontact = await c.post(f"{API}/maak-klantcontact", json={"klantcontact": MAAK["klantcontact"]})
        assert only_klantcontact.json()["betrokkene"] is None and only_klantcontact.json()["onderwerpobject"] is None


async def test_when_step_two_fails_step_one_is_undone():
    crm = Faulty()
    crm.failing = {("create", "betrokkenen")}
    async with client_for(writer_app([("crm", crm)])) as c:
        before = contact_count(crm)
        failed = await c.post(f"{API}/maak-klantcontact", json=MAAK)
        assert failed.status_code == 503, failed.text
        assert "ongedaan gemaakt" in failed.json()["detail"]
        assert contact_count(crm) == before  # the klantcontact of step one is gone again
        listed = await c.get(f"{API}/klantcontacten", params={"kanaal": "Webformulier"})
        assert listed.json()["count"] == 0


async def test_when_the_undo_fails_too_the_answer_and_the_log_say_what_remains(caplog):
    crm = Faulty()
    crm.failing = {("create", "onderwerpobjecten"), ("delete", "klantcontacten")}
    async with client_for(writer_app([("crm", crm)])) as c:
        before = contact_count(crm)
        with caplog.at_level(logging.ERROR, logger="facade.writes"):
            failed = await c.post(f"{API}/maak-klantcontact", json=MAAK)
        assert failed.status_code == 502, failed.text
        problem = failed.json()
        assert problem["code"] == "incomplete_write"
        assert [r["resource"] for r in problem["remaining"]] == ["klantcontacten"]  # the betrokkene was undone
        remaining = problem["remaining"][0]
        assert remaining["source"] == "crm" and remaining["uuid"] in problem["detail"]
        assert remaining["url"] == f"http://testserver{API}/klantcontacten/{remaining['uuid']}"
        assert (await c.get(remaining["url"])).json()["hadBetrokkenen"] == []  # exactly what the report says
        assert contact_count(crm) == before + 1
        logged = [r.getMessage() for r in caplog.records if r.name == "facade.writes"]
        assert any(remaining["uuid"] in line and "crm" in line for line in logged)


async def test_a_partij_only_another_source_knows_is_created_in_the_target_first():
    crm, second = Faulty(), Faulty(dataset.BUNDLED / "second.json")
    async with client_for(writer_app([("crm", crm), ("second", second)], write_targets={"klantcontacten": "crm"})) as c:
        lookup = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": ONLY_IN_SECOND}
        partij = (await c.get(f"{API}/partijen", params=lookup)).json()["results"][0]
        customers = len(crm.crm._customers)
        made = await c.post(
            f"{API}/maak-klantcontact",
            json={**MAAK, "betrokkene": {**MAAK["betrokkene"], "wasPartij": {"uuid": partij["uuid"]}}},
        )
        assert made.status_code == 201, made.text
        assert made.json()["betrokkene"]["wasPartij"]["uuid"] == partij["uuid"]  # one partij, in both sources now
        assert len(crm.crm._customers) == customers + 1
        merged = (await c.get(f"{API}/partijen", params=lookup)).json()
        assert merged["count"] == 1 and merged["results"][0]["uuid"] == partij["uuid"]
        assert len(merged["results"][0]["betrokkenen"]) == len(partij["betrokkenen"]) + 1


async def test_the_copied_partij_is_undone_when_the_write_fails():
    crm, second = Faulty(), Faulty(dataset.BUNDLED / "second.json")
    crm.failing = {("create", "betrokkenen")}
    async with client_for(writer_app([("crm", crm), ("second", second)], write_targets={"klantcontacten": "crm"})) as c:
        lookup = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": ONLY_IN_SECOND}
        partij = (await c.get(f"{API}/partijen", params=lookup)).json()["results"][0]
        customers, contacts = len(crm.crm._customers), contact_count(crm)
        failed = await c.post(
            f"{API}/maak-klantcontact",
            json={**MAAK, "betrokkene": {**MAAK["betrokkene"], "wasPartij": {"uuid": partij["uuid"]}}},
        )
        assert failed.status_code == 503
        assert (len(crm.crm._customers), contact_count(crm)) == (customers, contacts)
        assert await crm.crm.customers_by_identifiers([("bsn", ONLY_IN_SECOND)]) == []


async def test_copying_the_partij_needs_the_permission_to_write_partijen():
    crm, second = Faulty(), Faulty(dataset.BUNDLED / "second.json")
    writes = ["klantcontacten", "betrokkenen", "onderwerpobjecten"]
    clients = [{"name": "forms", "token": SecretStr(TOKEN), "permissions": {"bsn": True, "write": writes}}]
    app = app_over([("crm", crm), ("second", second)], clients=clients, write_targets={"klantcontacten": "crm"})
    async with client_for(app) as c:
        lookup = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": ONLY_IN_SECOND}
        partij = (await c.get(f"{API}/partijen", params=lookup)).json()["results"][0]
        before = (len(crm.crm._customers), contact_count(crm))
        betrokkene = {**MAAK["betrokkene"], "wasPartij": {"uuid": partij["uuid"]}}
        refused = await c.post(f"{API}/maak-klantcontact", json={**MAAK, "betrokkene": betrokkene})
        assert refused.status_code == 403 and "'partijen'" in refused.json()["detail"]
        assert (len(crm.crm._customers), contact_count(crm)) == before


async def test_a_reference_into_another_source_is_refused_naming_the_field():
    crm, second = Faulty(), Faulty(dataset.BUNDLED / "second.json")
    async with client_for(writer_app([("crm", crm), ("second", second)], write_targets={"klantcontacten": "crm"})) as c:
        contact = (await c.post(f"{API}/klantcontacten", json=MAAK["klantcontact"])).json()
        actor = (await c.get(f"{API}/actoren", params={"actoridentificatorObjectId": "M101"})).json()["results"][0]
        contacts = contact_count(crm)
        refused = await c.post(
            f"{API}/actorklantcontacten",
            json={"klantcontact": {"uuid": contact["uuid"]}, "actor": {"uuid": actor["uuid"]}},
        )
        assert refused.status_code == 400
        assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [("actor", "andere_bron")]
        assert contact_count(crm) == contacts and (await c.get(contact["url"])).json()["hadBetrokkenActoren"] == []


class Splitting(Faulty):
    """An adapter whose own create takes two upstream calls and cannot undo the first."""

    async def create(self, resource: str, values: WriteValues):
        if resource != "klantcontacten":
            return await super().create(resource, values)
        first = await super().create(resource, values)
        steps = Compensation()
        steps.done(Leftover("klantcontacten", first.key), self._undo_fails)
        try:
            raise SourceUnavailable("splitting: the second call failed")
        except SourceUnavailable as exc:
            await steps.undo_or_raise(exc)
            raise

    async def _undo_fails(self) -> None:
        raise SourceUnavailable("splitting: the undo failed as well")


async def test_an_adapter_that_splits_a_write_reports_what_it_could_not_undo():
    crm = Splitting()
    async with client_for(writer_app([("crm", crm)])) as c:
        failed = await c.post(f"{API}/klantcontacten", json=MAAK["klantcontact"])
        assert failed.status_code == 502 and failed.json()["code"] == "incomplete_write"
        [remaining] = failed.json()["remaining"]
        assert remaining["source"] == "crm" and (await c.get(remaining["url"])).status_code == 200


@pytest.mark.parametrize("undo_fails", [False, True])
async def test_compensation_undoes_newest_first_and_names_what_stays(undo_fails):
    undone: list[str] = []

    def undo(name: str):
        async def run() -> None:
            if undo_fails and name == "first":
                raise SourceUnavailable("down")
            undone.append(name)

        return run

    steps = Compensation()
    steps.done(Leftover("partijen", "first"), undo("first"))
    steps.done(Leftover("klantcontacten", "second"), undo("second"))
    cause = SourceUnavailable("third step failed")
    if undo_fails:
        with pytest.raises(IncompleteWrite) as raised:
            await steps.undo_or_raise(cause)
        assert raised.value.remaining == (Leftover("partijen", "first"),) and raised.value.cause == "unavailable"
    else:
        await steps.undo_or_raise(cause)
    assert undone == ["second"] if undo_fails else ["second", "first"]
