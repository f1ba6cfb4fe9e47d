"""The bundled demo's `zaaksysteem-kcc` client, whose own `write_targets` send its klantcontacten
to the ZGW source, over real HTTP: its contacts land in the zaaksysteem as contactmomenten and
read back through the façade; what the Contactmomenten API cannot hold is refused, saying why.
(The other clients' flows on the demo, which write to the CRM: test_client_flows.py.)
"""

from __future__ import annotations

import uuid

import pytest

from tests.acceptance.real_clients import HENK_BSN, ZAAK_UUID
from tests.writes.support import KCC_TOKEN, TOKEN, client, demo, ref
from tests.writes.test_client_flows import ita_follow_up, now, ok

ZAAK = {"objectId": ZAAK_UUID, "codeObjecttype": "zaak", "codeRegister": "open-zaak", "codeSoortObjectId": "uuid"}


@pytest.fixture(scope="module")
def on_demo(tmp_path_factory):
    with demo(tmp_path_factory.mktemp("demo-targets")) as (base, zaaksysteem):
        yield base, zaaksysteem


def contact_body(inhoud: str) -> dict:
    return {
        "kanaal": "telefoon",
        "onderwerp": "Vergunning verbouwing",
        "inhoud": inhoud,
        "indicatieContactGelukt": True,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": now(),
    }


async def henk(c) -> dict:
    query = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN}
    return (await ok(await c.get("partijen", params=query)))["results"][0]


def held_contactmoment(zaaksysteem, tekst: str) -> dict | None:
    """The contactmoment with this text in the zaaksysteem's own Contactmomenten API, if any."""
    page = zaaksysteem("contactmomenten/api/v1/contactmomenten?ordering=-registratiedatum").json()
    return next((cm for cm in page["results"] if cm["tekst"] == tekst), None)


async def test_the_kcc_s_contact_lands_in_the_zaaksysteem_and_reads_back(on_demo):
    base, zaaksysteem = on_demo
    inhoud = f"Vraagt naar de stand van zijn aanvraag ({uuid.uuid4().hex[:8]})"
    async with client(base, KCC_TOKEN) as c:
        partij = await henk(c)
        contact = await ok(await c.post("klantcontacten", json=contact_body(inhoud)), 201)
        betrokkene = await ok(
            await c.post(
                "betrokkenen",
                json={"wasPartij": ref(partij), "hadKlantcontact": ref(contact), "rol": "klant", "initiator": True},
            ),
            201,
        )
        about_the_zaak = {"klantcontact": ref(contact), "onderwerpobjectidentificator": ZAAK}
        subject = await ok(await c.post("onderwerpobjecten", json=about_the_zaak), 201)
        # read back through the façade: the contact, who it was with, what it was about
        expand = {"expand": "hadBetrokkenen,gingOverOnderwerpobjecten"}
        read = await ok(await c.get(f"klantcontacten/{contact['uuid']}", params=expand))
        assert (read["inhoud"], read["onderwerp"]) == (inhoud, "Vergunning verbouwing")
        assert [b["uuid"] for b in read["_expand"]["hadBetrokkenen"]] == [betrokkene["uuid"]]
        assert read["_expand"]["hadBetrokkenen"][0]["wasPartij"]["uuid"] == partij["uuid"]
        assert [o["uuid"] for o in read["_expand"]["gingOverOnderwerpobjecten"]] == [subject["uuid"]]
        about = {"onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_UUID}
        zaak_contacts = (await ok(await c.get("klantcontacten", params=about)))["results"]
        assert contact["uuid"] in {k["uuid"] for k in zaak_contacts}
    # the zaaksysteem holds it as a contactmoment, with Henk's klant and the zaak linked
    moment = held_contactmoment(zaaksysteem, inhoud)
    assert moment is not None and moment["kanaal"] == "telefoon" and moment["initiatiefnemer"] == "klant"
    links = zaaksysteem(f"contactmomenten/api/v1/klantcontactmomenten?contactmoment={moment['url']}").json()
    assert len(links["results"]) == 1
    objects = zaaksysteem(f"contactmomenten/api/v1/objectcontactmomenten?contactmoment={moment['url']}").json()
    assert [o["object"].rsplit("/", 1)[1] for o in objects["results"]] == [ZAAK_UUID]
    # the demo's other clients write their contacts to the CRM, not to the zaaksysteem
    async with client(base, TOKEN) as c:
        elsewhere = f"Via het portaal ({uuid.uuid4().hex[:8]})"
        await ok(await c.post("klantcontacten", json=contact_body(elsewhere)), 201)
    assert held_contactmoment(zaaksysteem, elsewhere) is None


async def test_an_internetaak_of_the_kcc_s_contact_is_refused_saying_why(on_demo):
    base, _ = on_demo
    async with client(base, KCC_TOKEN) as c:
        contact = await ok(await c.post("klantcontacten", json=contact_body("Wil teruggebeld worden")), 201)
        afdeling = await ok(
            await c.post(
                "actoren",
                json={"naam": "Vergunningen", "soortActor": "organisatorische_eenheid", "indicatieActief": True},
            ),
            201,
        )
        refused = await c.post(
            "internetaken",
            json={
                "gevraagdeHandeling": "Contact opnemen met betrokkene",
                "aanleidinggevendKlantcontact": ref(contact),
                "toelichting": "Graag terugbellen",
                "status": "te_verwerken",
                "toegewezenAanActoren": [ref(afdeling)],
            },
        )
        assert refused.status_code == 400, refused.text
        assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [
            ("aanleidinggevendKlantcontact", "not_writable")
        ]
        read = await ok(await c.get(f"klantcontacten/{contact['uuid']}"))
        assert read["leiddeTotInterneTaken"] == []


async def test_a_follow_up_in_the_zaaksysteem_is_linked_without_ita_s_identificator(on_demo):
    """ITA's follow-up names the previous contact twice (wasKlantcontact and an identificator, to
    find the chain by); the Contactmomenten API holds only `vorigContactmoment`: the identificator
    is refused, naming it, and the follow-up without it (as Open Inwoner links an answer) is held."""
    base, zaaksysteem = on_demo
    marker = uuid.uuid4().hex[:8]
    async with client(base, KCC_TOKEN) as c:
        previous = await ok(await c.post("klantcontacten", json=contact_body(f"Vraag {marker}")), 201)
        answer = await ok(await c.post("klantcontacten", json=contact_body(f"Teruggebeld {marker}")), 201)
        refused = await c.post("onderwerpobjecten", json=ita_follow_up(answer, previous))
        assert refused.status_code == 400, refused.text
        assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [
            ("onderwerpobjectidentificator", "not_writable")
        ]
        assert (await ok(await c.get(answer["url"])))["gingOverOnderwerpobjecten"] == []  # nothing written
        link = await ok(
            await c.post("onderwerpobjecten", json={"klantcontact": ref(answer), "wasKlantcontact": ref(previous)}),
            201,
        )
        assert (await ok(await c.get(link["url"])))["wasKlantcontact"]["uuid"] == previous["uuid"]
        read = await ok(await c.get(answer["url"]))
        assert [o["uuid"] for o in read["gingOverOnderwerpobjecten"]] == [link["uuid"]]
    earlier, later = (held_contactmoment(zaaksysteem, f"{what} {marker}") for what in ("Vraag", "Teruggebeld"))
    assert later["vorigContactmoment"] == earlier["url"]
