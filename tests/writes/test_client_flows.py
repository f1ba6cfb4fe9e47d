"""The write sequences of real clients, with the bodies they send, each followed by the reads they
then do (reference material: real-clients.md J2-J10), over real HTTP, with the CRM and with the
Klantinteracties register as the source new objects go to, and on the bundled demo as shipped
(CRM and ZGW sources, its own write targets and clients).
"""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from tests.writes.support import KISS_TOKEN, client, demo, facade_over, fresh_bsn, ref, register

TARGETS = ("crm", "ki", "demo")


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("flows")
    with (
        register(tmp) as upstream,
        facade_over(tmp, upstream, "crm") as crm,
        facade_over(tmp, upstream, "ki") as ki,
        demo(tmp) as (on_demo, _),
    ):
        yield {"crm": crm, "ki": ki, "demo": on_demo}


async def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def ita_follow_up(answer: dict, previous: dict) -> dict:
    """ITA links its answer to the contact it follows up, naming that one twice: as
    `wasKlantcontact` and as the identificator it later finds the chain by (real-clients.md J10)."""
    return {
        "klantcontact": ref(answer),
        "wasKlantcontact": ref(previous),
        "onderwerpobjectidentificator": {
            "objectId": previous["uuid"],
            "codeObjecttype": "klantcontact",
            "codeRegister": "openklant",
            "codeSoortObjectId": "uuid",
        },
    }


async def kiss_actor(c: httpx.AsyncClient, email: str) -> dict:
    """KISS's BFF: the employee's actor by e-mail address, created when it does not exist yet."""
    found = await ok(await c.get("actoren", params={"actoridentificatorObjectId": email}))
    if found["count"]:
        return found["results"][0]
    body = {
        "naam": "Anna de Vries",
        "soortActor": "medewerker",
        "indicatieActief": True,
        "actoridentificator": {
            "objectId": email,
            "codeObjecttype": "mdw",
            "codeRegister": "msei",
            "codeSoortObjectId": "email",
        },
        "medewerkerIdentificatie": {"identificatie": email, "achternaam": "de Vries", "voorletters": "A."},
    }
    return await ok(await c.post("actoren", json=body), 201)


async def kiss_contactverzoek(c: httpx.AsyncClient, marker: str) -> dict:
    """J7 + J8: KISS registers a contact with a contactverzoek for a department."""
    employee = await kiss_actor(c, f"{marker}@gemeente.example")
    contact = await ok(
        await c.post(
            "klantcontacten",
            json={
                "kanaal": "telefoon",
                "onderwerp": f"Vraag over parkeervergunning {marker}",
                "inhoud": "Beller wil teruggebeld worden",
                "indicatieContactGelukt": True,
                "taal": "nld",
                "vertrouwelijk": False,
                "plaatsgevondenOp": now(),
            },
        ),
        201,
    )
    await ok(await c.post("actorklantcontacten", json={"actor": ref(employee), "klantcontact": ref(contact)}), 201)
    betrokkene = await ok(
        await c.post(
            "betrokkenen",
            json={
                "wasPartij": None,
                "hadKlantcontact": ref(contact),
                "rol": "klant",
                "initiator": True,
                "organisatienaam": "Bakkerij Jansen",
                "contactnaam": {
                    "voorletters": "J",
                    "voornaam": "Jan",
                    "voorvoegselAchternaam": "",
                    "achternaam": marker,
                },
            },
        ),
        201,
    )
    phone = "0612345678"
    await ok(
        await c.post(
            "digitaleadressen",
            json={
                "verstrektDoorBetrokkene": ref(betrokkene),
                "verstrektDoorPartij": None,
                "adres": phone,
                "soortDigitaalAdres": "telefoonnummer",
                "omschrijving": "onbekend",
            },
        ),
        201,
    )
    afdeling_id = {"codeObjecttype": "afd", "codeRegister": "obj", "codeSoortObjectId": "idf"}
    query = {
        "actoridentificatorObjectId": f"AFD-{marker}",
        **{f"actoridentificator{k[0].upper()}{k[1:]}": v for k, v in afdeling_id.items()},
    }
    assert (await ok(await c.get("actoren", params=query)))["count"] == 0
    afdeling = await ok(
        await c.post(
            "actoren",
            json={
                "naam": "Afdeling Parkeren",
                "soortActor": "organisatorische_eenheid",
                "indicatieActief": True,
                "actoridentificator": {"objectId": f"AFD-{marker}", **afdeling_id},
            },
        ),
        201,
    )
    taak = await ok(
        await c.post(
            "internetaken",
            json={
                "nummer": "",
                "gevraagdeHandeling": "Contact opnemen met betrokkene",
                "aanleidinggevendKlantcontact": ref(contact),
                "toegewezenAanActoren": [ref(afdeling)],
                "toelichting": "Graag voor vrijdag terugbellen",
                "status": "te_verwerken",
            },
        ),
        201,
    )
    zaak = str(uuid.uuid4())
    await ok(
        await c.post(
            "onderwerpobjecten",
            json={
                "klantcontact": ref(contact),
                "wasKlantcontact": None,
                "onderwerpobjectidentificator": {
                    "objectId": zaak,
                    "codeObjecttype": "zgw-Zaak",
                    "codeRegister": "openzaak",
                    "codeSoortObjectId": "uuid",
                },
            },
        ),
        201,
    )
    return {
        "contact": contact,
        "betrokkene": betrokkene,
        "taak": taak,
        "afdeling": afdeling,
        "employee": employee,
        "zaak": zaak,
        "phone": phone,
    }


@pytest.mark.parametrize("target", TARGETS)
async def test_kiss_registers_a_contact_with_a_contactverzoek(servers, target):
    marker = f"k{uuid.uuid4().hex[:8]}"
    async with client(servers[target], KISS_TOKEN) as c:
        made = await kiss_contactverzoek(c, marker)
        # the next time the employee is found, not created again
        assert (await kiss_actor(c, f"{marker}@gemeente.example"))["uuid"] == made["employee"]["uuid"]

        # J9: contactverzoeken by telephone number, page by page, with the betrokkene expanded
        found = await ok(
            await c.get(
                "digitaleadressen", params={"adres": made["phone"], "page": "1", "expand": "verstrektDoorBetrokkene"}
            )
        )
        ours = [
            a
            for a in found["results"]
            if a["verstrektDoorBetrokkene"] and a["verstrektDoorBetrokkene"]["uuid"] == made["betrokkene"]["uuid"]
        ]
        assert len(ours) == 1 and ours[0]["omschrijving"] == "onbekend"
        betrokkene = ours[0]["_expand"]["verstrektDoorBetrokkene"]
        assert (
            betrokkene["hadKlantcontact"]["uuid"] == made["contact"]["uuid"]
            and betrokkene["organisatienaam"] == "Bakkerij Jansen"
        )
        contact = await ok(
            await c.get(
                f"klantcontacten/{made['contact']['uuid']}",
                params={"expand": "leiddeTotInterneTaken,gingOverOnderwerpobjecten"},
            )
        )
        taak = contact["_expand"]["leiddeTotInterneTaken"][0]
        assert taak["uuid"] == made["taak"]["uuid"] and taak["status"] == "te_verwerken"
        assert [a["uuid"] for a in taak["toegewezenAanActoren"]] == [made["afdeling"]["uuid"]]
        assert (await ok(await c.get(f"actoren/{made['afdeling']['uuid']}")))[
            "soortActor"
        ] == "organisatorische_eenheid"
        assert [a["naam"] for a in contact["hadBetrokkenActoren"]] == ["Anna de Vries"]
        subject = contact["_expand"]["gingOverOnderwerpobjecten"][0]["onderwerpobjectidentificator"]
        assert subject == {
            "objectId": made["zaak"],
            "codeObjecttype": "zgw-Zaak",
            "codeRegister": "openzaak",
            "codeSoortObjectId": "uuid",
        }
        # contactmomenten for the zaak
        by_zaak = await ok(
            await c.get(
                "klantcontacten",
                params={
                    "onderwerpobject__onderwerpobjectidentificatorObjectId": made["zaak"],
                    "expand": "gingOverOnderwerpobjecten",
                },
            )
        )
        assert [k["uuid"] for k in by_zaak["results"]] == [made["contact"]["uuid"]]


@pytest.mark.parametrize("target", TARGETS)
async def test_kiss_creates_a_new_klant(servers, target):
    """J2: a partij with its read-only lists sent along, then its BSN as a partij-identificator."""
    bsn = fresh_bsn()
    async with client(servers[target]) as c:
        body = {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": None},
            "betrokkenen": [],
            "categorieRelaties": [],
            "vertegenwoordigden": [],
            "partijIdentificatoren": [],
            "digitaleAdressen": [],
        }
        partij = await ok(await c.post("partijen", json=body), 201)
        identificator = {
            "identificeerdePartij": {"url": partij["url"], "uuid": partij["uuid"]},
            "partijIdentificator": {
                "codeObjecttype": "natuurlijk_persoon",
                "codeSoortObjectId": "bsn",
                "objectId": bsn,
                "codeRegister": "brp",
            },
        }
        await ok(await c.post("partij-identificatoren", json=identificator), 201)
        query = {
            "expand": "digitaleAdressen",
            "soortPartij": "persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": bsn,
        }
        found = await ok(await c.get("partijen", params=query))
        assert found["count"] == 1
        assert found["results"][0]["_expand"]["digitaleAdressen"] == []
        # the partij is published under one UUID now; the one the client got first still finds it
        again = await ok(await c.get(f"partijen/{partij['uuid']}", params={"expand": "digitaleAdressen"}))
        assert again["uuid"] == found["results"][0]["uuid"]
        assert again["partijIdentificatoren"][0]["partijIdentificator"]["objectId"] == bsn


@pytest.mark.parametrize("target", TARGETS)
async def test_ita_takes_a_task_and_closes_it(servers, target):
    marker = f"i{uuid.uuid4().hex[:8]}"
    async with client(servers[target], KISS_TOKEN) as c:  # ITA reads in KISS's codes
        made = await kiss_contactverzoek(c, marker)
        burger = await ok(
            await c.post(
                "partijen",
                json={
                    "soortPartij": "persoon",
                    "indicatieActief": True,
                    "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": marker}},
                },
            ),
            201,
        )
        email = f"ita.{marker}@gemeente.example"
        who = {
            "actoridentificatorCodeObjecttype": "mdw",
            "actoridentificatorCodeRegister": "msei",
            "actoridentificatorCodeSoortObjectId": "email",
            "actoridentificatorObjectId": email,
            "soortActor": "medewerker",
            "indicatieActief": "true",
        }
        assert (await ok(await c.get("actoren", params=who)))["count"] == 0
        me = await kiss_actor(c, email)
        assert [a["uuid"] for a in (await ok(await c.get("actoren", params=who)))["results"]] == [me["uuid"]]

        # assign to me
        task_url = made["taak"]["url"]
        taken = await ok(await c.patch(task_url, json={"toegewezenAanActoren": [ref(me)]}))
        assert [a["uuid"] for a in taken["toegewezenAanActoren"]] == [me["uuid"]] and taken["toegewezenAanActor"][
            "uuid"
        ] == me["uuid"]
        mine = await ok(
            await c.get("internetaken", params={"status": "te_verwerken", "toegewezenAanActor__uuid": me["uuid"]})
        )
        assert [t["uuid"] for t in mine["results"]] == [made["taak"]["uuid"]]
        expand = ",".join(
            [
                "leiddeTotInterneTaken",
                "gingOverOnderwerpobjecten",
                "hadBetrokkenen",
                "hadBetrokkenen.digitaleAdressen",
                "hadBetrokkenen.wasPartij",
            ]
        )
        previous = await ok(await c.get(f"klantcontacten/{made['contact']['uuid']}", params={"expand": expand}))
        assert previous["_expand"]["hadBetrokkenen"][0]["_expand"]["digitaleAdressen"][0]["adres"] == made["phone"]

        # register the call back and close the task
        answer = await ok(
            await c.post(
                "klantcontacten",
                json={
                    "kanaal": "telefoon",
                    "onderwerp": "Terugbelverzoek",
                    "inhoud": "Teruggebeld, vraag beantwoord",
                    "indicatieContactGelukt": True,
                    "taal": "nld",
                    "vertrouwelijk": False,
                    "plaatsgevondenOp": now(),
                    "klantnaam": None,
                },
            ),
            201,
        )
        await ok(await c.post("actorklantcontacten", json={"actor": ref(me), "klantcontact": ref(answer)}), 201)
        link = await ok(await c.post("onderwerpobjecten", json=ita_follow_up(answer, previous)), 201)
        await ok(
            await c.post(
                "betrokkenen",
                json={"wasPartij": ref(burger), "hadKlantcontact": ref(answer), "rol": "klant", "initiator": True},
            ),
            201,
        )
        closed = await ok(await c.patch(task_url, json={"status": "verwerkt"}))
        assert closed["status"] == "verwerkt" and closed["afgehandeldOp"] is not None  # filled by the source

        # the reads ITA then does
        again = await ok(await c.get(task_url))
        assert again["afgehandeldOp"] == closed["afgehandeldOp"]
        done = await ok(
            await c.get("internetaken", params={"status": "verwerkt", "toegewezenAanActor__uuid": me["uuid"]})
        )
        assert [t["uuid"] for t in done["results"]] == [made["taak"]["uuid"]]
        chain = await ok(
            await c.get(
                "klantcontacten", params={"onderwerpobject__onderwerpobjectidentificatorObjectId": previous["uuid"]}
            )
        )
        assert [k["uuid"] for k in chain["results"]] == [answer["uuid"]]
        assert (await ok(await c.get(link["url"])))["wasKlantcontact"]["uuid"] == previous["uuid"]
        contact = await ok(await c.get(answer["url"], params={"expand": "hadBetrokkenen.wasPartij"}))
        assert contact["_expand"]["hadBetrokkenen"][0]["_expand"]["wasPartij"]["uuid"] == burger["uuid"]
        assert [a["uuid"] for a in contact["hadBetrokkenActoren"]] == [me["uuid"]]

        # reopen: the task is handled no longer
        reopened = await ok(await c.patch(task_url, json={"status": "te_verwerken"}))
        assert reopened["afgehandeldOp"] is None


@pytest.mark.parametrize("target", TARGETS)
async def test_open_inwoner_asks_a_question(servers, target):
    bsn, marker = fresh_bsn(), f"o{uuid.uuid4().hex[:8]}"
    async with client(servers[target]) as c:
        # "Mijn vragen": the citizen is not known yet, so OIP creates the partij (old codes, as it sends them)
        query = {
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__codeRegister": "brp",
            "partijIdentificator__codeObjecttype": "inp",
            "partijIdentificator__objectId": bsn,
            "soortPartij": "persoon",
        }
        assert (await ok(await c.get("partijen", params=query)))["count"] == 0
        naam = {
            "contactnaam": {"voorletters": "E", "voornaam": "Eva", "voorvoegselAchternaam": "", "achternaam": marker}
        }
        partij = await ok(
            await c.post(
                "partijen", json={"soortPartij": "persoon", "indicatieActief": True, "partijIdentificatie": naam}
            ),
            201,
        )
        group = {"codeObjecttype": "inp", "codeSoortObjectId": "bsn", "objectId": bsn, "codeRegister": "brp"}
        await ok(
            await c.post(
                "partij-identificatoren", json={"identificeerdePartij": ref(partij), "partijIdentificator": group}
            ),
            201,
        )
        found = await ok(await c.get("partijen", params=query))
        assert found["count"] == 1
        uuid_now = found["results"][0]["uuid"]
        expanded = await ok(
            await c.get(
                f"partijen/{partij['uuid']}",
                params={"expand": "digitaleAdressen,betrokkenen,betrokkenen.hadKlantcontact"},
            )
        )
        assert expanded["uuid"] == uuid_now

        # the question: klantcontact, betrokkene, internetaak for the configured actor (singular field)
        actor = await ok(
            await c.post(
                "actoren",
                json={
                    "naam": "Vragen OIP",
                    "soortActor": "geautomatiseerde_actor",
                    "indicatieActief": True,
                    "actorIdentificatie": {"functie": "Vragen"},
                },
            ),
            201,
        )
        question = await ok(
            await c.post(
                "klantcontacten",
                json={
                    "inhoud": "Wanneer wordt mijn afval opgehaald?",
                    "onderwerp": f"Afval {marker}",
                    "taal": "nld",
                    "kanaal": "oip_mijn_vragen",
                    "vertrouwelijk": False,
                    "plaatsgevondenOp": dt.datetime.now(dt.timezone(dt.timedelta(hours=1))).isoformat(),
                },
            ),
            201,
        )
        await ok(
            await c.post(
                "betrokkenen",
                json={
                    "rol": "klant",
                    "hadKlantcontact": ref(question),
                    "initiator": True,
                    "wasPartij": {"uuid": uuid_now},
                    "organisatienaam": "Open Inwoner Platform",
                },
            ),
            201,
        )
        taak = await ok(
            await c.post(
                "internetaken",
                json={
                    "aanleidinggevendKlantcontact": ref(question),
                    "toelichting": "Beantwoorden vraag",
                    "gevraagdeHandeling": "Vraag beantwoorden",
                    "status": "te_verwerken",
                    "toegewezenAanActor": ref(actor),
                },
            ),
            201,
        )
        assert [a["uuid"] for a in taak["toegewezenAanActoren"]] == [actor["uuid"]]
        # a question about one of the citizen's zaken: the zaak as onderwerpobject, in OIP's codes
        zaak = {
            "objectId": f"ZAAK-{marker}",
            "codeObjecttype": "zaak",
            "codeRegister": "open-zaak",
            "codeSoortObjectId": "zaaknummer",
        }
        subject = await ok(
            await c.post(
                "onderwerpobjecten", json={"klantcontact": ref(question), "onderwerpobjectidentificator": zaak}
            ),
            201,
        )
        about = {"onderwerpobject__onderwerpobjectidentificatorObjectId": zaak["objectId"]}
        assert [k["uuid"] for k in (await ok(await c.get("klantcontacten", params=about)))["results"]] == [
            question["uuid"]
        ]

        # "Mijn vragen" reads every page of the kanaal and picks the citizen's own questions
        expand = "leiddeTotInterneTaken,gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.wasPartij"
        page = await ok(await c.get("klantcontacten", params={"expand": expand, "kanaal": "oip_mijn_vragen"}))
        mine = [
            k
            for k in page["results"]
            if any(
                b["_expand"]["wasPartij"] and b["_expand"]["wasPartij"]["uuid"] == uuid_now
                for b in k["_expand"]["hadBetrokkenen"]
            )
        ]
        assert [k["uuid"] for k in mine] == [question["uuid"]]
        assert mine[0]["_expand"]["leiddeTotInterneTaken"][0]["uuid"] == taak["uuid"]
        assert [o["uuid"] for o in mine[0]["_expand"]["gingOverOnderwerpobjecten"]] == [subject["uuid"]]

        # profile sync: an e-mail address of the partij
        address = {
            "adres": f"{marker}@example.nl",
            "soortDigitaalAdres": "email",
            "verstrektDoorPartij": {"uuid": uuid_now},
            "verstrektDoorBetrokkene": None,
            "omschrijving": "OIP profiel",
        }
        await ok(await c.post("digitaleadressen", json=address), 201)
        profile = await ok(await c.get(f"partijen/{uuid_now}", params={"expand": "digitaleAdressen"}))
        assert [a["adres"] for a in profile["_expand"]["digitaleAdressen"]] == [f"{marker}@example.nl"]


@pytest.mark.parametrize("target", TARGETS)
async def test_open_forms_registers_a_submission(servers, target):
    bsn, reference = fresh_bsn(), f"OF-{uuid.uuid4().hex[:6]}"
    identificator = {
        "codeSoortObjectId": "bsn",
        "codeRegister": "brp",
        "codeObjecttype": "natuurlijk_persoon",
        "objectId": bsn,
    }
    lookup = {f"partijIdentificator__{name}": value for name, value in identificator.items()}
    async with client(servers[target]) as c:
        assert (await ok(await c.get("partijen", params=lookup)))["count"] == 0
        partij = await ok(
            await c.post(
                "partijen",
                json={
                    "soortPartij": "persoon",
                    "voorkeurstaal": "nld",
                    "indicatieActief": True,
                    "digitaleAdressen": None,
                    "voorkeursDigitaalAdres": None,
                    "rekeningnummers": None,
                    "voorkeursRekeningnummer": None,
                    "indicatieGeheimhouding": False,
                    "partijIdentificatoren": [{"partijIdentificator": identificator}],
                    "partijIdentificatie": {"contactnaam": None},
                },
            ),
            201,
        )
        made = await ok(
            await c.post(
                "maak-klantcontact",
                json={
                    "klantcontact": {
                        "kanaal": "Webformulier",
                        "onderwerp": "Melding openbare ruimte",
                        "taal": "nld",
                        "vertrouwelijk": True,
                    },
                    "betrokkene": {"rol": "klant", "initiator": True, "organisatienaam": "", "wasPartij": ref(partij)},
                    "onderwerpobject": {
                        "onderwerpobjectidentificator": {
                            "objectId": reference,
                            "codeObjecttype": "formulierinzending",
                            "codeRegister": "Open Formulieren",
                            "codeSoortObjectId": "public_registration_reference",
                        }
                    },
                },
            ),
            201,
        )
        assert made["betrokkene"] is not None and made["onderwerpobject"] is not None
        assert [b["uuid"] for b in made["klantcontact"]["hadBetrokkenen"]] == [made["betrokkene"]["uuid"]]
        assert made["onderwerpobject"]["klantcontact"]["uuid"] == made["klantcontact"]["uuid"]
        betrokkene = made["betrokkene"]
        for adres, soort in ((f"{reference.lower()}@example.nl", "email"), ("0687654321", "telefoonnummer")):
            body = {
                "adres": adres,
                "soortDigitaalAdres": soort,
                "isStandaardAdres": False,
                "verstrektDoorBetrokkene": ref(betrokkene),
                "verstrektDoorPartij": ref(partij),
                "omschrijving": "",
            }
            await ok(await c.post("digitaleadressen", json=body), 201)
        # the preference: the address found by partij and value is made the default
        phone = await ok(
            await c.get("digitaleadressen", params={"verstrektDoorPartij__uuid": partij["uuid"], "adres": "0687654321"})
        )
        assert phone["count"] == 1
        assert (await ok(await c.patch(phone["results"][0]["url"], json={"isStandaardAdres": True})))[
            "isStandaardAdres"
        ] is True

        # the reads that follow: the partij by BSN, the prefill, ZAC finding the submission
        found = await ok(await c.get("partijen", params=lookup))
        assert found["count"] == 1 and len(found["results"][0]["digitaleAdressen"]) == 2
        prefill = await ok(
            await c.get("digitaleadressen", params={f"verstrektDoorPartij__{k}": v for k, v in lookup.items()})
        )
        assert {(a["adres"], a["isStandaardAdres"]) for a in prefill["results"]} == {
            (f"{reference.lower()}@example.nl", False),
            ("0687654321", True),
        }
        zac = {
            "page": "1",
            "pageSize": "100",
            "onderwerpobject__onderwerpobjectidentificatorCodeObjecttype": "formulierinzending",
            "onderwerpobject__onderwerpobjectidentificatorCodeRegister": "Open Formulieren",
            "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "public_registration_reference",
            "onderwerpobject__onderwerpobjectidentificatorObjectId": reference,
        }
        submission = await ok(await c.get("klantcontacten", params=zac))
        assert [k["uuid"] for k in submission["results"]] == [made["klantcontact"]["uuid"]]
        given = await ok(
            await c.get(
                "digitaleadressen",
                params={
                    "page": "1",
                    "pageSize": "100",
                    "verstrektDoorBetrokkene__uuid": submission["results"][0]["hadBetrokkenen"][0]["uuid"],
                },
            )
        )
        assert given["count"] == 2
