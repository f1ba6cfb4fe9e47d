"""Every bundled adapter passes the conformance kit, exactly as an adapter package runs it.

The kit (`facade.conformance`, docs/adapters.md) reads each adapter's declaration and runs one
test per check and resource, pushed-down filter or failing application. Here it only gets what
an integrator gives it: the kind, its settings for an upstream URL, and the upstream.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from adapters.zgw.local_server import serve_in_thread
from facade.conformance import AdapterConformance, Dataset, Write
from facade.identity import IdentityCodec, KeySpace
from mapping.contract import WRITES
from mapping.keys import TextKey
from mapping.ki import Ref
from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade
from tests.zgw.support import CLIENT_ID, SECRET

_ZAAK = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"


def _bsn(bsn: str) -> dict:
    return {
        "partijIdentificator": {
            "codeObjecttype": "natuurlijk_persoon",
            "codeSoortObjectId": "bsn",
            "objectId": bsn,
            "codeRegister": "brp",
        }
    }


def _identificator(object_id: str) -> dict:
    return {"objectId": object_id, "codeObjecttype": "zaak", "codeRegister": "open-zaak", "codeSoortObjectId": "uuid"}


CRM_WRITES = {
    "partijen": Write(
        create={
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"voornaam": "Kim", "achternaam": "Kit"}},
        },
        update={"interneNotitie": "Belt liever niet"},
    ),
    "klantcontacten": Write(
        create={
            "kanaal": "telefoon",
            "onderwerp": "Vraag van de kit",
            "taal": "nld",
            "vertrouwelijk": False,
            "plaatsgevondenOp": dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        },
        update={"inhoud": "Beantwoord"},
    ),
    "actoren": Write(
        create={"naam": "Team Kit", "soortActor": "organisatorische_eenheid"}, update={"naam": "Team Zuid"}
    ),
    "categorieen": Write(create={"naam": "Kit"}, update={"naam": "Kit en co"}),
    "betrokkenen": Write(
        create={"hadKlantcontact": Ref("500001"), "rol": "klant", "initiator": True},
        update={"organisatienaam": "Kit BV"},
    ),
    "digitaleadressen": Write(
        create={"verstrektDoorPartij": Ref("100001"), "adres": "kit@example.nl", "soortDigitaalAdres": "email"},
        update={"omschrijving": "Werk"},
    ),
    "partij-identificatoren": Write(
        create={
            "identificeerdePartij": Ref("100122"),  # a persoon without identificator
            "partijIdentificator": {
                "codeObjecttype": "natuurlijk_persoon",
                "codeSoortObjectId": "bsn",
                "objectId": "999999047",  # in no customer yet
                "codeRegister": "brp",
            },
        },
        update={
            "partijIdentificator": {
                "codeObjecttype": "natuurlijk_persoon",
                "codeSoortObjectId": "bsn",
                "objectId": "999999059",
                "codeRegister": "brp",
            }
        },
    ),
    "vertegenwoordigingen": Write(
        create={"vertegenwoordigendePartij": Ref("100001"), "vertegenwoordigdePartij": Ref("100002")}
    ),
    "rekeningnummers": Write(
        create={"partij": Ref("100001"), "iban": "NL91ABNA0417164300"}, update={"bic": "ABNANL2A"}
    ),
    "onderwerpobjecten": Write(
        create={"klantcontact": Ref("500001"), "onderwerpobjectidentificator": _identificator("zaak-kit-1")},
        update={"onderwerpobjectidentificator": _identificator("zaak-kit-2")},
    ),
    "bijlagen": Write(
        create={
            "wasBijlageVanKlantcontact": Ref("500001"),
            "bijlageidentificator": {
                "objectId": "0c4b3a72-9f1e-4d8a-b5c6-7e2f1a3d9b40",
                "codeObjecttype": "informatieobject",
                "codeRegister": "open-zaak",
                "codeSoortObjectId": "uuid",
            },
        },
    ),
    "actorklantcontacten": Write(create={"actor": Ref("D01"), "klantcontact": Ref("500002")}),
    "internetaken": Write(
        create={
            "aanleidinggevendKlantcontact": Ref("500001"),
            "gevraagdeHandeling": "Terugbellen",
            "status": "te_verwerken",
            "toegewezenAanActoren": [Ref("D01")],
        },
        update={"status": "verwerkt"},
    ),
    "categorie-relaties": Write(
        create={"partij": Ref("100001"), "categorie": Ref("CAT02")}, update={"beginDatum": dt.date(2026, 1, 1)}
    ),
}
"""A write round trip of every resource of the CRM demo (its keys), in the values adapters get."""


def _upstream(resource: str, write: Write) -> Write:
    """The same write through a Klantinteracties source over a façade serving the CRM demo: its
    references as that façade's UUIDs of the CRM's keys (partijen not merged there)."""
    codec = IdentityCodec(IDENTITY_SECRET.encode())
    targets = WRITES[resource].references

    def translated(name: str, value):
        if isinstance(value, Ref):
            return Ref(codec.encode(KeySpace("crm", targets[name], TextKey()), value.key) or "")
        if isinstance(value, list):
            return [translated(name, element) for element in value]
        return value

    return Write(
        create={name: translated(name, value) for name, value in write.create.items()},
        update={name: translated(name, value) for name, value in write.update.items()},
    )


UPSTREAM_WRITES = {resource: _upstream(resource, write) for resource, write in CRM_WRITES.items()}


class TestCrmStub(AdapterConformance):
    kind = "crm_stub"
    speaks_http = False  # it reads its dataset file
    dataset = Dataset(writes=CRM_WRITES)


_MOMENT = "3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a9"  # + 11..16: the contactmomenten of the local ZGW server's seed
ZGW_WRITES = {
    # `vertrouwelijk` is not writable in ZGW (it cannot be true): the engine drops a false one
    "klantcontacten": Write(
        create={k: v for k, v in CRM_WRITES["klantcontacten"].create.items() if k != "vertrouwelijk"},
        update={"inhoud": "Beantwoord"},
    ),
    "betrokkenen": Write(
        create={
            "hadKlantcontact": Ref(_MOMENT + "14"),
            "wasPartij": Ref("8a41b3a7-6f0e-4c8e-9d65-2b9c1f0e7a11"),
            "rol": "klant",
            "initiator": True,
        }
    ),
    "onderwerpobjecten": Write(
        create={"klantcontact": Ref(_MOMENT + "15"), "onderwerpobjectidentificator": _identificator(_ZAAK)}
    ),
    # not actorklantcontacten: its answer names the medewerker as the actor of its own contactmoment
    # (ADR 8: one medewerker is one actor per contactmoment), not the actor sent (tests/zgw/test_writes.py)
    "partijen": Write(
        create=CRM_WRITES["partijen"].create | {"partijIdentificatoren": [_bsn("111222333")]},
        update={"partijIdentificatie": {"contactnaam": {"voornaam": "Kim", "achternaam": "de Kit"}}},
    ),
    "partij-identificatoren": Write(
        create={"identificeerdePartij": Ref("c59c00b3-3445-4731-8a6b-ee26992a5358")} | _bsn("111222345"),
        update=_bsn("111222357"),
    ),
    "digitaleadressen": Write(
        create={
            "verstrektDoorPartij": Ref("ace470b2-ef75-45ce-8b16-106481b8f0f7"),
            "adres": "kit@example.nl",
            "soortDigitaalAdres": "email",
        },
        update={"adres": "kit.zuid@example.nl"},
    ),
}
"""Write round trips on the seed of the local ZGW server (VNG flavour: every operation it has)."""


class TestZgw(AdapterConformance):
    kind = "zgw"
    dataset = Dataset(writes=ZGW_WRITES)

    def settings_for(self, upstream):
        credentials = {"client_id": CLIENT_ID, "secret": SecretStr(SECRET)}
        apis = {
            api: {"base_url": f"{upstream}/{api}/api/v1", **credentials}
            for api in ("klanten", "contactmomenten", "zaken")
        }
        return apis | {
            "writes": True,
            "bronorganisatie": "002220647",
            "klant_website_url": "https://www.example.nl",
            "onderwerp_link_base": "https://www.example.nl/onderwerpen/",
        }

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls):
        with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="vng", page_size=3) as server:
            yield server.base


class TestKlantinteracties(AdapterConformance):
    """Over a second façade serving the CRM demo: a Klantinteracties API upstream."""

    kind = "klantinteracties"
    # every upstream query is a query of the upstream façade's engine: two values per filter
    dataset = Dataset(
        samples=2, writes={resource: _upstream(resource, write) for resource, write in CRM_WRITES.items()}
    )

    def settings_for(self, upstream):
        return {"base_url": f"{upstream}/klantinteracties/api/v1", "token": SecretStr(TOKEN), "dialect": "current"}

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls, tmp_path_factory):
        config = {
            "identity_secret": {"env": "T_IDENTITY"},
            "clients": [
                {"name": "downstream", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True, "write": "*"}}
            ],
            "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
            "sources": [{"name": "crm", "kind": "crm_stub"}],
            "merge_partijen": False,  # a partij's UUID is its CRM key's (see `_upstream`)
        }
        env = {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}
        with running_facade(config, env, tmp_path_factory.mktemp("upstream")) as base:
            yield base
