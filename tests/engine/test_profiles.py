"""Profiles: each client sees actors and zaken in its own codes and finds them in anyone's.

Over the façade's HTTP API (ASGI) with the CRM stand-in's demo data: employee Pieter de Wit
(E014, p.dewit@voorbeeldstad.example) of department D03, zaak ZAAK-2025-0000123 (linked in
the CRM by UUID and number).
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_stub
from adapters.protocol import ListQuery, Pushdown
from facade.api.app import create_app
from facade.config import ConfigError
from mapping.ki import Actor, ActorFacts, Identificator
from tests.conftest import API, client_for, engine_over, settings
from tests.support.memory_adapter import MemoryAdapter

ME_ID, ME_EMAIL = "E014", "p.dewit@voorbeeldstad.example"
ZAAK_UUID, ZAAK_ID = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f", "ZAAK-2025-0000123"
TOKENS = {"kiss": "kiss-token-0123456789", "zac": "zac-token-0123456789", "eigen": "eigen-token-0123456789"}
EIGEN = {
    "medewerker": [
        {"codeObjecttype": "mdw", "codeRegister": "ad", "codeSoortObjectId": "upn", "objectId": "emailadres"}
    ]
}


def _settings(adapters_names=("crm",), **extra):
    clients = [
        {"name": name, "token": SecretStr(token), "permissions": {"bsn": True, "write": "*"}, "profile": name}
        for name, token in TOKENS.items()
    ]
    return settings(
        [{"name": n, "kind": "crm_stub"} for n in adapters_names], clients=clients, profiles={"eigen": EIGEN}, **extra
    )


@pytest.fixture
async def http():
    app = create_app(_settings(), engine_over([("crm", crm_stub(CrmStubSettings()))]))
    async with client_for(app) as client:
        yield client


def auth(client: str) -> dict[str, str]:
    return {"Authorization": f"Token {TOKENS[client]}"}


def spelled(identificator: dict) -> tuple[str, str, str, str]:
    return (
        identificator["codeObjecttype"],
        identificator["codeRegister"],
        identificator["codeSoortObjectId"],
        identificator["objectId"],
    )


def actor_query(codes: str, object_id: str) -> dict[str, str]:
    objecttype, register, soort = codes.split("/")
    return {
        "actoridentificatorCodeObjecttype": objecttype,
        "actoridentificatorCodeRegister": register,
        "actoridentificatorCodeSoortObjectId": soort,
        "actoridentificatorObjectId": object_id,
    }


async def test_each_client_sees_the_same_employee_in_its_own_codes(http):
    seen = {}
    for client in TOKENS:
        body = (
            await http.get(f"{API}/actoren", params={"actoridentificatorObjectId": ME_ID}, headers=auth(client))
        ).json()
        (actor,) = body["results"]
        seen[client] = (actor["uuid"], spelled(actor["actoridentificator"]))
    assert len({uuid for uuid, _ in seen.values()}) == 1
    assert seen["kiss"][1] == ("mdw", "msei", "email", ME_EMAIL)
    assert seen["zac"][1] == ("mdw", "obj", "idf", ME_ID)
    assert seen["eigen"][1] == ("mdw", "ad", "upn", ME_EMAIL)


async def test_embedded_actors_of_a_klantcontact_are_in_the_reader_s_codes_too(http):
    contact = (await http.get(f"{API}/klantcontacten", params={"nummer": "KC-00003"}, headers=auth("kiss"))).json()
    (actor,) = contact["results"][0]["hadBetrokkenActoren"]
    assert spelled(actor["actoridentificator"]) == ("mdw", "msei", "email", ME_EMAIL)


@pytest.mark.parametrize(
    "query",
    [
        actor_query("mdw/msei/email", ME_EMAIL),
        actor_query("mdw/handmatig/email", ME_EMAIL),
        actor_query("mdw/obj/idf", ME_ID),
        actor_query("mdw/crm/idf", ME_ID),  # the source's own codes
        actor_query("mdw/ad/upn", ME_EMAIL),  # a configured profile's convention, asked by another client
        {"actoridentificatorObjectId": ME_EMAIL},  # KISS's back end: the e-mail alone
        {"actoridentificatorCodeRegister": "msei", "actoridentificatorObjectId": ME_EMAIL},
    ],
)
async def test_an_employee_is_found_in_every_known_convention_by_every_client(http, query):
    for client in TOKENS:
        body = (
            await http.get(f"{API}/actoren", params={**query, "soortActor": "medewerker"}, headers=auth(client))
        ).json()
        assert [a["naam"] for a in body["results"]] == ["Pieter de Wit"], (client, query)


@pytest.mark.parametrize(
    "query",
    [
        actor_query("mdw/msei/email", ME_ID),  # the id where the e-mail belongs
        actor_query("mdw/obj/idf", ME_EMAIL),
        actor_query("afd/obj/idf", ME_ID),  # an employee is no afdeling
        actor_query("mdw/msei/idf", ME_ID),  # codes of no convention
        {"actoridentificatorCodeRegister": "obj", "actoridentificatorObjectId": ME_EMAIL},
    ],
)
async def test_a_convention_holds_as_a_whole(http, query):
    body = (await http.get(f"{API}/actoren", params=query, headers=auth("kiss"))).json()
    assert body["count"] == 0, query


async def test_afdelingen_by_their_code(http):
    body = (await http.get(f"{API}/actoren", params=actor_query("afd/obj/idf", "D03"), headers=auth("zac"))).json()
    assert [(a["naam"], spelled(a["actoridentificator"])) for a in body["results"]] == [
        ("Vergunningen", ("afd", "obj", "idf", "D03"))
    ]


@pytest.mark.parametrize("object_id", [ZAAK_UUID, ZAAK_ID])
async def test_a_zaak_by_uuid_or_number_in_each_client_s_codes(http, object_id):
    published = {
        "kiss": ("zgw-Zaak", "openzaak", "uuid", ZAAK_UUID),
        "zac": ("zaak", "open-zaak", "uuid", ZAAK_UUID),
    }
    for client, codes in published.items():
        body = (
            await http.get(
                f"{API}/onderwerpobjecten",
                params={"onderwerpobjectidentificatorObjectId": object_id},
                headers=auth(client),
            )
        ).json()
        assert body["count"] == 2  # two CRM contacts link the zaak
        assert {spelled(o["onderwerpobjectidentificator"]) for o in body["results"]} == {codes}


async def test_a_zaak_linked_by_number_only_is_never_shown_as_if_it_had_a_uuid(http):
    body = (
        await http.get(
            f"{API}/onderwerpobjecten",
            params={"onderwerpobjectidentificatorObjectId": "ZAAK-2025-0000456"},
            headers=auth("kiss"),
        )
    ).json()
    assert {spelled(o["onderwerpobjectidentificator"]) for o in body["results"]} == {
        ("zaak", "open-zaak", "zaaknummer", "ZAAK-2025-0000456")
    }


async def test_what_one_client_writes_in_its_codes_another_reads_in_its_own(http):
    """KISS links a zaak and registers an employee in its codes; ZAC reads and finds both in its own."""
    contact = (await http.get(f"{API}/klantcontacten", params={"nummer": "KC-00009"}, headers=auth("kiss"))).json()
    zaak = "7d3c1f0e-2b4a-4c5d-8e6f-9a0b1c2d3e4f"
    kiss_zaak = {
        "codeObjecttype": "zgw-Zaak",
        "codeRegister": "openzaak",
        "codeSoortObjectId": "uuid",
        "objectId": zaak,
    }
    body = {"klantcontact": {"uuid": contact["results"][0]["uuid"]}, "onderwerpobjectidentificator": kiss_zaak}
    made = await http.post(f"{API}/onderwerpobjecten", json=body, headers=auth("kiss"))
    assert made.status_code == 201, made.text
    assert spelled(made.json()["onderwerpobjectidentificator"]) == ("zgw-Zaak", "openzaak", "uuid", zaak)
    as_zac = (await http.get(made.json()["url"].replace("http://testserver", ""), headers=auth("zac"))).json()
    assert spelled(as_zac["onderwerpobjectidentificator"]) == ("zaak", "open-zaak", "uuid", zaak)
    query = {
        "onderwerpobject__onderwerpobjectidentificatorCodeObjecttype": "zaak",
        "onderwerpobject__onderwerpobjectidentificatorCodeRegister": "open-zaak",
        "onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId": "uuid",
        "onderwerpobject__onderwerpobjectidentificatorObjectId": zaak,
    }
    found = (await http.get(f"{API}/klantcontacten", params=query, headers=auth("zac"))).json()
    assert [c["uuid"] for c in found["results"]] == [contact["results"][0]["uuid"]]

    email = "nieuw@voorbeeldstad.example"
    actor = {
        "naam": "Nieuwe Medewerker",
        "soortActor": "medewerker",
        "indicatieActief": True,
        "actoridentificator": {
            "codeObjecttype": "mdw",
            "codeRegister": "msei",
            "codeSoortObjectId": "email",
            "objectId": email,
        },
    }
    made = await http.post(f"{API}/actoren", json=actor, headers=auth("kiss"))
    assert made.status_code == 201, made.text
    found = (
        await http.get(f"{API}/actoren", params=actor_query("mdw/handmatig/email", email), headers=auth("zac"))
    ).json()
    assert [(a["uuid"], spelled(a["actoridentificator"])) for a in found["results"]] == [
        (made.json()["uuid"], ("mdw", "handmatig", "email", email))
    ]


# --- the engine's part: codes stay with the engine, and it re-checks what a source returns -----


class Recording(MemoryAdapter):
    """Claims to apply `actoridentificatorObjectId` exactly, returns every actor, and records what it was asked."""

    def __init__(self, actors):
        super().__init__(
            actors, pushdown={"actoren": {"actoridentificatorObjectId": Pushdown.EXACT}}, ignore_filters=True
        )
        self.asked: list[dict] = []

    async def list(self, query: ListQuery):
        self.asked.append(dict(query.filters))
        return await super().list(query)


def _actor(key: str, email: str, soort: str = "medewerker") -> Actor:
    return Actor(
        key=key,
        naam=f"Actor {key}",
        soortActor="medewerker" if soort == "medewerker" else "organisatorische_eenheid",
        actoridentificator=Identificator(
            objectId=key, codeObjecttype="x", codeRegister="hr-systeem", codeSoortObjectId="nr"
        ),
        facts=ActorFacts(soort=soort, identificatie=key, emailadres=email if soort == "medewerker" else ""),
    )


async def test_a_source_is_asked_by_the_value_only_and_what_it_returns_is_checked_against_its_facts():
    source = Recording([_actor("A1", "a1@x.nl"), _actor("A2", "a2@x.nl"), _actor("A3", "a1@x.nl", "afdeling")])
    app = create_app(_settings(("bron",)), engine_over([("bron", source)]))
    async with client_for(app) as client:
        body = (
            await client.get(f"{API}/actoren", params=actor_query("mdw/msei/email", "a1@x.nl"), headers=auth("kiss"))
        ).json()
    assert source.asked == [{"actoridentificatorObjectId": "a1@x.nl"}]  # never the codes: the source has its own
    assert [a["naam"] for a in body["results"]] == ["Actor A1"]  # not A2 (another e-mail), not A3 (no medewerker)
    assert body["count"] == 1  # counted by the engine, not by the source's claim


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"default_profile": "onbekend"}, "default_profile: no profile 'onbekend'"),
        ({"profiles": {"kiss": {}}}, "'kiss' is a ready-made profile"),
        (
            {
                "profiles": {
                    "x": {
                        "zaak": [
                            {
                                "codeObjecttype": "zaak",
                                "codeRegister": "r",
                                "codeSoortObjectId": "s",
                                "objectId": "emailadres",
                            }
                        ]
                    }
                }
            },
            "zaak: objectId is uuid or identificatie",
        ),
        ({"profiles": {"x": {"medewerker": [{"codeObjecttype": "mdw", "objectId": "emailadres"}]}}}, "codeRegister"),
    ],
)
def test_a_wrong_profile_setting_is_named_at_start_up(extra, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        settings(**extra)


def test_a_client_naming_an_unknown_profile_is_named_at_start_up():
    clients = [{"name": "kiss", "token": SecretStr("kiss-token-0123456789"), "profile": "kis"}]
    with pytest.raises(ConfigError, match=r"clients.0.profile: no profile 'kis'"):
        settings(clients=clients)
