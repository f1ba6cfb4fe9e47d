"""open-klant-client 0.8.0's create calls, each followed by the reads that client does.

Run by the Python 3.12 venv that has open-klant-client from PyPI.
Usage: python open_klant_client_writes.py <api root> <token> <bsn>
Prints one JSON object with what the client saw; the pytest side asserts on it.
"""

import json
import sys

from openklant_client import OpenKlantClient
from openklant_client.exceptions import BadRequest

api, token, bsn = sys.argv[1:4]
seen: dict = {}
EMPTIES = {
    "digitaleAdressen": None,
    "voorkeursDigitaalAdres": None,
    "rekeningnummers": None,
    "voorkeursRekeningnummer": None,
    "indicatieGeheimhouding": False,
    "indicatieActief": True,
    "voorkeurstaal": "nld",
}

with OpenKlantClient(api, token=token) as client:
    persoon = client.partij.create_persoon(
        data={
            **EMPTIES,
            "soortPartij": "persoon",
            "partijIdentificatoren": [
                {
                    "partijIdentificator": {
                        "codeObjecttype": "natuurlijk_persoon",
                        "codeSoortObjectId": "bsn",
                        "codeRegister": "brp",
                        "objectId": bsn,
                    }
                }
            ],
            "partijIdentificatie": {
                "contactnaam": {
                    "voorletters": "T",
                    "voornaam": "Tess",
                    "voorvoegselAchternaam": "",
                    "achternaam": "Gamble",
                }
            },
        }
    )
    found = client.partij.list(
        params={"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": bsn}
    )
    seen["persoon"] = {
        "uuid": persoon["uuid"],
        "found": [p["uuid"] for p in found["results"]],
        "naam": persoon["partijIdentificatie"]["volledigeNaam"],
    }

    organisatie = client.partij.create_organisatie(
        data={**EMPTIES, "soortPartij": "organisatie", "partijIdentificatie": {"naam": "Test Organisatie"}}
    )
    kvk = client.partij_identificator.create(
        data={
            "identificeerdePartij": {"uuid": organisatie["uuid"]},
            "partijIdentificator": {
                "codeObjecttype": "niet_natuurlijk_persoon",
                "codeSoortObjectId": "kvk_nummer",
                "objectId": "69599084",
                "codeRegister": "hr",
            },
        }
    )
    seen["kvk"] = client.partij_identificator.retrieve(kvk["uuid"])["partijIdentificator"]["objectId"]
    contactpersoon = client.partij.create_contactpersoon(
        data={
            **EMPTIES,
            "soortPartij": "contactpersoon",
            "partijIdentificatie": {"contactnaam": None, "werkteVoorPartij": {"uuid": organisatie["uuid"]}},
        }
    )
    seen["werkteVoorPartij"] = (
        client.partij.retrieve(contactpersoon["uuid"])["partijIdentificatie"]["werkteVoorPartij"]["uuid"]
        == (client.partij.retrieve(organisatie["uuid"])["uuid"])
    )

    adres = client.digitaal_adres.create(
        data={
            "adres": "tess@example.com",
            "omschrijving": "know",
            "soortDigitaalAdres": "email",
            "verstrektDoorBetrokkene": None,
            "verstrektDoorPartij": {"uuid": persoon["uuid"]},
        }
    )
    updated = client.digitaal_adres.partial_update(
        adres["uuid"], data={"isStandaardAdres": True, "omschrijving": "New description"}
    )
    partij = client.partij.retrieve(persoon["uuid"], params={"expand": ["digitaleAdressen"]})
    seen["adres"] = {
        "updated": [updated["isStandaardAdres"], updated["omschrijving"]],
        "expanded": [a["adres"] for a in partij["_expand"]["digitaleAdressen"]],
        "deleted": client.digitaal_adres.delete(adres["uuid"]).status_code,
        "after": len(client.partij.retrieve(persoon["uuid"])["digitaleAdressen"]),
    }

    vraag = client.klant_contact.create(
        data={
            "kanaal": "contactformulier",
            "onderwerp": "bank",
            "inhoud": "Top sort miss than.",
            "taal": "nld",
            "indicatieContactGelukt": True,
            "vertrouwelijk": False,
            "plaatsgevondenOp": "1997-11-04T05:08:01.415143",
        }
    )
    antwoord = client.klant_contact.create(
        data={"kanaal": "contactformulier", "onderwerp": "antwoord", "taal": "nld", "vertrouwelijk": False}
    )
    betrokkene = client.betrokkene.create(
        data={
            "wasPartij": {"uuid": persoon["uuid"]},
            "hadKlantcontact": {"uuid": vraag["uuid"]},
            "rol": "klant",
            "organisatienaam": "foobar",
            "initiator": True,
        }
    )
    onderwerp = client.onderwerp_object.create(
        data={"klantcontact": {"uuid": antwoord["uuid"]}, "wasKlantcontact": {"uuid": vraag["uuid"]}}
    )
    actor = client.actor.create(
        data={
            "naam": "Joseph Mcintyre",
            "soortActor": "geautomatiseerde_actor",
            "indicatieActief": True,
            "actoridentificator": {
                "objectId": "0000000025",
                "codeObjecttype": "kitchen",
                "codeRegister": "machine",
                "codeSoortObjectId": "improve",
            },
        }
    )
    taak = client.interne_taak.create(
        data={
            "gevraagdeHandeling": "Foobar",
            "aanleidinggevendKlantcontact": {"uuid": vraag["uuid"]},
            "toegewezenAanActor": {"uuid": actor["uuid"]},
            "toelichting": "Dit is een vraag",
            "status": "te_verwerken",
        }
    )
    contact = client.klant_contact.retrieve(
        vraag["uuid"], params={"expand": ["hadBetrokkenen", "leiddeTotInterneTaken"]}
    )
    seen["contact"] = {
        "plaatsgevondenOp": contact["plaatsgevondenOp"],
        "betrokkenen": [b["uuid"] for b in contact["_expand"]["hadBetrokkenen"]] == [betrokkene["uuid"]],
        "taken": [t["toegewezenAanActor"]["uuid"] for t in contact["_expand"]["leiddeTotInterneTaken"]]
        == [actor["uuid"]],
        "taak": client.interne_taak.retrieve(taak["uuid"])["status"],
        "onderwerp": client.onderwerp_object.retrieve(onderwerp["uuid"])["wasKlantcontact"]["uuid"] == vraag["uuid"],
        "actor": client.actor.retrieve(actor["uuid"])["actoridentificator"]["objectId"],
        "betrokkene": client.betrokkene.retrieve(betrokkene["uuid"])["wasPartij"]["uuid"] == persoon["uuid"],
    }

    made = client.methods.maak_klant_contact(
        data={
            "klantcontact": {
                "kanaal": "contactformulier",
                "onderwerp": "vraag",
                "inhoud": "Dit is een vraag",
                "taal": "nld",
                "vertrouwelijk": True,
            },
            "betrokkene": {
                "rol": "klant",
                "initiator": True,
                "organisatienaam": "",
                "wasPartij": {"uuid": persoon["uuid"]},
            },
        }
    )
    seen["maak"] = {
        "betrokkene": made["betrokkene"]["hadKlantcontact"]["uuid"] == made["klantcontact"]["uuid"],
        "onderwerpobject": made["onderwerpobject"],
        "listed": made["klantcontact"]["uuid"]
        in [
            k["uuid"]
            for k in client.klant_contact.list(params={"hadBetrokkene__wasPartij__uuid": persoon["uuid"]})["results"]
        ],
    }
    patched = client.partij.partial_update(
        persoon["uuid"], data={"soortPartij": "persoon", "interneNotitie": "Bijgewerkt"}
    )
    seen["patched"] = client.partij.retrieve(patched["uuid"])["interneNotitie"]

    try:
        client.partij.create_persoon(data={})
        seen["bad_request"] = None
    except BadRequest as exc:
        seen["bad_request"] = sorted(p["name"] for p in exc.invalidParams)

print(json.dumps(seen))
