"""The CRM stand-in's own writes: in memory, numbered by itself, keys that never change, refusals."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib

import pytest

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter
from adapters.crm_stub.crm import Crm, CrmConflict
from adapters.protocol import InvalidWrite, ObjectGone
from mapping.ki import Ref


@pytest.fixture
def adapter() -> CrmStubAdapter:
    return CrmStubAdapter(Crm(dataset.load()))


def contact_values(**extra) -> dict:
    return {"kanaal": "telefoon", "onderwerp": "Vraag", "taal": "nld", "vertrouwelijk": False, **extra}


async def test_the_crm_numbers_new_records_itself(adapter):
    partij = await adapter.create("partijen", {"soortPartij": "persoon", "indicatieActief": True})
    contact = await adapter.create("klantcontacten", contact_values())
    actor = await adapter.create("actoren", {"naam": "Team Noord", "soortActor": "organisatorische_eenheid"})
    categorie = await adapter.create("categorieen", {"naam": "Ondernemer"})
    taak = await adapter.create(
        "internetaken",
        {
            "aanleidinggevendKlantcontact": Ref(contact.key),
            "gevraagdeHandeling": "Bellen",
            "status": "te_verwerken",
            "toegewezenAanActoren": [Ref(actor.key)],
        },
    )
    assert (partij.key, partij.nummer) == ("100251", "100251")
    assert (contact.key, contact.nummer) == ("500351", "KC-00263")
    assert (actor.key, categorie.key, taak.key, taak.nummer) == ("D08", "CAT06", "700165", "700165")


async def test_the_dataset_file_is_never_written(adapter):
    before = hashlib.sha256(dataset.DEMO.read_bytes()).hexdigest()
    contact = await adapter.create("klantcontacten", contact_values())
    await adapter.update("partijen", "100001", {"interneNotitie": "Gewijzigd"})
    await adapter.delete("klantcontacten", "500001")
    assert hashlib.sha256(dataset.DEMO.read_bytes()).hexdigest() == before
    fresh = CrmStubAdapter(Crm(dataset.load()))  # the next start begins from the file
    assert contact.key not in await fresh.get_many("klantcontacten", [contact.key])
    assert "500001" in await fresh.get_many("klantcontacten", ["500001"])


async def test_removing_a_part_changes_no_other_key(adapter):
    contact = await adapter.create("klantcontacten", contact_values())
    first = await adapter.create(
        "betrokkenen", {"hadKlantcontact": Ref(contact.key), "rol": "klant", "initiator": True}
    )
    second = await adapter.create(
        "betrokkenen", {"hadKlantcontact": Ref(contact.key), "rol": "vertegenwoordiger", "initiator": False}
    )
    await adapter.delete("betrokkenen", first.key)
    found = await adapter.get_many("betrokkenen", [first.key, second.key])
    assert list(found) == [second.key] and found[second.key].rol == "vertegenwoordiger"
    third = await adapter.create(
        "betrokkenen", {"hadKlantcontact": Ref(contact.key), "rol": "klant", "initiator": True}
    )
    assert third.key not in (first.key, second.key)  # a removed row's number is never given out again
    assert [
        ref.key for ref in (await adapter.get_many("klantcontacten", [contact.key]))[contact.key].hadBetrokkenen
    ] == [
        second.key,
        third.key,
    ]
    with pytest.raises(ObjectGone):
        await adapter.delete("betrokkenen", first.key)


async def test_concurrent_writes_to_one_record_are_retried_not_lost(adapter):
    adapter.crm.latency = 0.01  # every native call takes time: the writes interleave

    async def address(n: int):
        values = {"verstrektDoorPartij": Ref("100001"), "adres": f"henk{n}@example.nl", "soortDigitaalAdres": "email"}
        return await adapter.create("digitaleadressen", values)

    made = await asyncio.gather(*(address(n) for n in range(2)))
    customer = (await adapter.crm.customers(["100001"]))[0]
    assert {d.value for d in customer.contact_details if d is not None} >= {"henk0@example.nl", "henk1@example.nl"}
    assert len({m.key for m in made}) == 2


async def test_a_stale_record_is_a_conflict():
    crm = Crm(dataset.load())
    [current] = await crm.customers(["100001"])
    await crm.put_customer(dataclasses.replace(current, note="eerst"), current)
    with pytest.raises(CrmConflict):
        await crm.put_customer(dataclasses.replace(current, note="daarna"), current)


@pytest.mark.parametrize(
    ("resource", "values", "field"),
    [
        (
            "actoren",
            {
                "naam": "Team",
                "soortActor": "organisatorische_eenheid",
                "actorIdentificatie": {"faxnummer": "0201234567"},
            },
            "actorIdentificatie.faxnummer",
        ),
        (
            "partijen",
            {"soortPartij": "persoon", "indicatieActief": True, "bezoekadres": {"adresregel1": "Ergens 1"}},
            "bezoekadres.adresregel1",
        ),
        ("klantcontacten", contact_values(kanaal="PHONE"), "kanaal"),
        (
            "onderwerpobjecten",
            {"klantcontact": None, "onderwerpobjectidentificator": {"objectId": "x"}},
            "klantcontact",
        ),
        (
            "partij-identificatoren",
            {"identificeerdePartij": None, "partijIdentificator": {"codeSoortObjectId": "bsn"}},
            "identificeerdePartij",
        ),
    ],
)
async def test_what_the_crm_cannot_hold_is_refused_naming_the_field(adapter, resource, values, field):
    with pytest.raises(InvalidWrite) as refused:
        await adapter.create(resource, values)
    assert [p.field for p in refused.value.problems] == [field]


async def test_a_second_phone_of_an_unknown_caller_is_refused(adapter):
    contact = await adapter.create("klantcontacten", contact_values())
    betrokkene = await adapter.create(
        "betrokkenen", {"hadKlantcontact": Ref(contact.key), "rol": "klant", "initiator": True}
    )
    phone = {
        "verstrektDoorBetrokkene": Ref(betrokkene.key),
        "adres": "0612345678",
        "soortDigitaalAdres": "telefoonnummer",
    }
    made = await adapter.create("digitaleadressen", phone)
    assert made.verstrektDoorBetrokkene == Ref(betrokkene.key) and made.omschrijving == "Opgegeven bij contact"
    with pytest.raises(InvalidWrite) as refused:
        await adapter.create("digitaleadressen", {**phone, "adres": "0687654321"})
    assert refused.value.problems[0].code == "unique"


async def test_a_zaak_of_its_register_is_a_case_anything_else_a_link(adapter):
    contact = await adapter.create("klantcontacten", contact_values())
    zaak = {
        "objectId": "5d4f3b55-0f31-4fb3-a1a8-8c0c2c9b1a11",
        "codeObjecttype": "zaak",
        "codeRegister": "open-zaak",
        "codeSoortObjectId": "uuid",
    }
    form = {
        "objectId": "OF-1",
        "codeObjecttype": "formulierinzending",
        "codeRegister": "Open Formulieren",
        "codeSoortObjectId": "ref",
    }
    case = await adapter.create(
        "onderwerpobjecten", {"klantcontact": Ref(contact.key), "onderwerpobjectidentificator": zaak}
    )
    link = await adapter.create(
        "onderwerpobjecten", {"klantcontact": Ref(contact.key), "onderwerpobjectidentificator": form}
    )
    assert (case.key, link.key) == (f"{contact.key}:z0", f"{contact.key}:x0")
    for object_id in (zaak["objectId"], "OF-1"):  # both found by the CRM's own search
        page = await adapter.crm.search_contacts(case=object_id)
        assert [c.id for c in page.items] == [contact.key]
