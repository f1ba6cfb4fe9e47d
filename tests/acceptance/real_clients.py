"""The read requests eight real clients send (shared/reference/real-clients.md), replayed over HTTP.

Each flow sends what one client sends for one of its lookups, in its own spelling (its
identificator codes, its parameter casing, its follow-up requests), and checks what that client
needs from the answer: that it finds the objects it looks for, and that every field it reads has
the type its own models require (ITA's non-nullable `DateTime`, NL Portal's non-null Kotlin
`String`, open-klant-client's `str`). The demo's data decides what must be found: Henk de Bruin
(CRM and ZGW), a company with a branch, employee Pieter de Wit (E014) and his department, and
zaak ZAAK-2025-0000123, which has contacts in both applications.

`run_flows(api, tokens)` answers one `Result` per (client, flow); `python -m
tests.acceptance.real_clients <api root> <token>` prints the table for one token used as every
client (how the "before" column of issue 15 was measured on a façade without profiles).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

HENK_BSN = "999993653"
KVK = "68750110"  # Graafmachine Verhuur v.o.f.
VESTIGING = "000037143557"  # its branch
ME_ID, ME_EMAIL, ME_NAME = "E014", "p.dewit@voorbeeldstad.example", "Pieter de Wit"
AFDELING_ID, AFDELING_NAME = "D01", "Klantcontactcentrum"
ZAAK_UUID, ZAAK_ID = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f", "ZAAK-2025-0000123"
ZAAK_CONTACTS = 4
"""Contacts about that zaak: two in the CRM, a contactmoment and a Zaken API klantcontact in ZGW."""

CLIENTS = ("kiss", "ita", "open-inwoner", "open-forms", "nl-portal", "gzac", "zac", "open-klant-client")

# --- the types a client's models require ------------------------------------------------------

Check = Callable[[Any], bool]


def _str(value: Any) -> bool:
    return isinstance(value, str)


def _opt_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _opt_bool(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def _list(value: Any) -> bool:
    return isinstance(value, list)


def _moment(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


TYPE_NAMES = {_str: "string", _opt_str: "string or null", _bool: "boolean", _opt_bool: "boolean or null"}
TYPE_NAMES |= {_list: "list", _moment: "date-time"}

# What each client reads, per resource, with the type its models give the field.
KLANTCONTACT_OPEN_KLANT = {"uuid": _str, "url": _str, "nummer": _opt_str, "plaatsgevondenOp": _moment}
READS: dict[str, dict[str, dict[str, Check]]] = {
    "kiss": {
        "klantcontacten": {
            "uuid": _str,
            "url": _str,
            "plaatsgevondenOp": _moment,
            "kanaal": _str,
            "inhoud": _str,
            "onderwerp": _str,
            "indicatieContactGelukt": _opt_bool,
            "hadBetrokkenActoren": _list,
        },
        "actoren": {"uuid": _str, "naam": _str, "soortActor": _str},
        "partijen": {"uuid": _str, "url": _str, "nummer": _opt_str, "soortPartij": _str},
    },
    "ita": {
        # ITA's .NET models: non-nullable DateTime and string (it aborts on a null nummer)
        "klantcontacten": {"uuid": _str, "url": _str, "nummer": _str, "plaatsgevondenOp": _moment, "inhoud": _str},
        "internetaken": {
            "uuid": _str,
            "url": _str,
            "nummer": _str,
            "gevraagdeHandeling": _str,
            "toelichting": _str,
            "status": _str,
            "toegewezenOp": _moment,
            "toegewezenAanActoren": _list,
        },
        "actoren": {"uuid": _str, "naam": _str, "soortActor": _str},
        "digitaleadressen": {"adres": _str, "soortDigitaalAdres": _str, "isStandaardAdres": _bool},
    },
    "open-inwoner": {
        "klantcontacten": {
            "uuid": _str,
            "url": _str,
            "nummer": _str,
            "inhoud": _str,
            "onderwerp": _str,
            "kanaal": _str,
            "taal": _str,
            "plaatsgevondenOp": _moment,
        },
        "partijen": {"uuid": _str, "nummer": _opt_str, "soortPartij": _str},
    },
    "open-forms": {
        # open-klant-client 0.4.0 (pinned by Open Forms) types `nummer` as str
        "partijen": {"uuid": _str, "url": _str, "nummer": _str},
        "digitaleadressen": {"adres": _str, "soortDigitaalAdres": _str, "isStandaardAdres": _bool},
    },
    "nl-portal": {
        # NL Portal's Kotlin models: non-null unless marked. `indicatieContactGelukt` is nullable
        # in Open Klant itself (unknown), and the façade does not invent a value (see the report).
        "klantcontacten": {
            "uuid": _str,
            "url": _str,
            "nummer": _str,
            "kanaal": _str,
            "onderwerp": _str,
            "inhoud": _str,
            "indicatieContactGelukt": _opt_bool,
            "taal": _str,
            "vertrouwelijk": _bool,
            "plaatsgevondenOp": _moment,
            "gingOverOnderwerpobjecten": _list,
            "hadBetrokkenen": _list,
            "leiddeTotInterneTaken": _list,
            "omvatteBijlagen": _list,
            "hadBetrokkenActoren": _list,
        },
        "partijen": {"uuid": _str, "url": _str, "nummer": _str, "soortPartij": _str},
    },
    "gzac": {"klantcontacten": KLANTCONTACT_OPEN_KLANT | {"nummer": _str}, "partijen": {"uuid": _str, "url": _str}},
    "zac": {"klantcontacten": KLANTCONTACT_OPEN_KLANT | {"nummer": _str}, "partijen": {"uuid": _str, "url": _str}},
    "open-klant-client": {
        "klantcontacten": KLANTCONTACT_OPEN_KLANT | {"nummer": _str},
        "partijen": {"uuid": _str, "url": _str, "nummer": _str},
        "actoren": {"uuid": _str, "naam": _str},
    },
}


class Failed(Exception):
    """One flow did not get what its client needs; the message says what, briefly."""


@dataclass(frozen=True)
class Result:
    client: str
    flow: str
    problem: str | None
    """None: the client finds what it looks for, in the types it reads."""


class Session:
    """One client talking to the façade: its token, and the checks of the types it reads."""

    def __init__(self, http: httpx.Client, client: str):
        self.http = http
        self.client = client

    def get(self, path: str, params: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> Any:
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        # a `next` link carries its own query: httpx would replace it by an empty `params`
        response = self.http.get(path, params=items) if items else self.http.get(path)
        if response.status_code != 200:
            raise Failed(f"HTTP {response.status_code} on {path.split('?')[0]}")
        body = response.json()
        if "results" in body:
            if not isinstance(body.get("count"), int) or not isinstance(body.get("results"), list):
                raise Failed("not a page")  # KISS throws on this
            resource = path.split("?")[0].rstrip("/").rpartition("/")[2]
            for item in body["results"]:
                self.typed(resource, item)
        return body

    def typed(self, resource: str, obj: Mapping[str, Any]) -> None:
        """Every field this client reads has the type its models require."""
        for name, check in READS.get(self.client, {}).get(resource, {}).items():
            if not check(obj.get(name)):
                raise Failed(f"{resource}.{name} is {obj.get(name)!r}, {self.client} needs a {TYPE_NAMES[check]}")

    def detail(self, resource: str, uuid: str, params: Mapping[str, str] | None = None) -> Any:
        body = self.get(f"{resource}/{uuid}", params or {})
        self.typed(resource, body)
        return body

    def one(self, path: str, params: Iterable[tuple[str, str]] | Mapping[str, str], what: str) -> Any:
        """Clients take `results[0]` and rely on it being the only one (ITA, NL Portal, ZAC, ...)."""
        page = self.get(path, params)
        if page["count"] != 1:
            raise Failed(f"{what}: {page['count']} found, expected 1")
        return page["results"][0]


# --- the lookups ----------------------------------------------------------------------------------


def _actor(s: Session, ot: str, register: str, soort: str, object_id: str, extra=(), what="") -> Any:
    params = [
        ("actoridentificatorCodeObjecttype", ot),
        ("actoridentificatorCodeRegister", register),
        ("actoridentificatorCodeSoortObjectId", soort),
        ("actoridentificatorObjectId", object_id),
        *extra,
    ]
    page = s.get("actoren", params)
    if not page["results"]:
        raise Failed(f"{what or ot + '/' + register + '/' + soort}: not found")
    return page["results"][0]


def me_as_medewerker_ita(s: Session) -> None:
    """ITA: who am I, by e-mail under msei, then handmatig; and by employee id under obj."""
    flags = [("soortActor", "medewerker"), ("indicatieActief", "true")]
    found = [
        _actor(s, "mdw", "msei", "email", ME_EMAIL, flags),
        _actor(s, "mdw", "handmatig", "email", ME_EMAIL, flags),
        _actor(s, "mdw", "obj", "idf", ME_ID, flags),
    ]
    if {a["naam"] for a in found} != {ME_NAME} or len({a["uuid"] for a in found}) != 1:
        raise Failed("the three lookups found different actors")


def me_as_medewerker_kiss(s: Session) -> None:
    """KISS's BFF looks the logged-in employee up by the e-mail alone."""
    page = s.get("actoren", {"actoridentificatorObjectId": ME_EMAIL})
    if not page["results"] or page["results"][0]["naam"] != ME_NAME:
        raise Failed("employee by e-mail: not found")


def assignees_kiss(s: Session) -> None:
    """KISS assigning a contactverzoek: a medewerker (obj/idf, handmatig/email) and an afdeling."""
    if _actor(s, "mdw", "obj", "idf", ME_ID)["naam"] != ME_NAME:
        raise Failed("medewerker by id: another actor")
    if _actor(s, "mdw", "handmatig", "email", ME_EMAIL)["naam"] != ME_NAME:
        raise Failed("medewerker by e-mail: another actor")
    if _actor(s, "afd", "obj", "idf", AFDELING_ID)["naam"] != AFDELING_NAME:
        raise Failed("afdeling by id: another actor")


def _henk(s: Session, params: Mapping[str, str]) -> Any:
    return s.one("partijen", params, "citizen by BSN")


def citizen_open_forms(s: Session) -> None:
    _henk(
        s,
        {
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__codeRegister": "brp",
            "partijIdentificator__codeObjecttype": "natuurlijk_persoon",
            "partijIdentificator__objectId": HENK_BSN,
        },
    )
    page = s.get(
        "digitaleadressen",
        {
            "verstrektDoorPartij__partijIdentificator__codeSoortObjectId": "bsn",
            "verstrektDoorPartij__partijIdentificator__codeRegister": "brp",
            "verstrektDoorPartij__partijIdentificator__codeObjecttype": "natuurlijk_persoon",
            "verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN,
        },
    )
    if not page["results"]:
        raise Failed("prefill: no digital addresses")


def company_open_forms(s: Session) -> None:
    s.one(
        "partijen",
        {
            "partijIdentificator__codeSoortObjectId": "kvk_nummer",
            "partijIdentificator__codeRegister": "hr",
            "partijIdentificator__codeObjecttype": "niet_natuurlijk_persoon",
            "partijIdentificator__objectId": KVK,
        },
        "company by KvK number",
    )


def citizen_oip(s: Session) -> None:
    """Open Inwoner (2024): the old codes, then the partij with its contacts."""
    partij = _henk(
        s,
        {
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__codeRegister": "brp",
            "partijIdentificator__codeObjecttype": "inp",
            "partijIdentificator__objectId": HENK_BSN,
            "soortPartij": "persoon",
        },
    )
    detail = s.detail(
        "partijen", partij["uuid"], {"expand": "digitaleAdressen,betrokkenen,betrokkenen.hadKlantcontact"}
    )
    contacts = [b["_expand"]["hadKlantcontact"] for b in detail["_expand"]["betrokkenen"]]
    if not contacts:
        raise Failed("no contacts of the citizen")
    for contact in contacts:
        s.typed("klantcontacten", contact)


def company_oip(s: Session) -> None:
    for soort, value in (("kvk", KVK), ("vtn", VESTIGING)):
        s.one(
            "partijen",
            {
                "partijIdentificator__codeSoortObjectId": soort,
                "partijIdentificator__codeRegister": "hr",
                "partijIdentificator__codeObjecttype": "nnp",
                "partijIdentificator__objectId": value,
                "soortPartij": "organisatie",
            },
            f"company by {soort}",
        )


def _zaak_contacts(s: Session, params: list[tuple[str, str]], expected_codes: tuple[str, str, str] | None) -> None:
    """The zaak's contacts, each with the zaak as onderwerpobject in the codes the client keeps."""
    page = s.get("klantcontacten", [*params, ("expand", "gingOverOnderwerpobjecten")])
    if page["count"] != ZAAK_CONTACTS:
        raise Failed(f"zaak contacts: {page['count']} found, expected {ZAAK_CONTACTS}")
    if expected_codes is None:
        return
    codeObjecttype, codeRegister, object_id = expected_codes
    for contact in page["results"]:
        kept = [
            o
            for o in contact["_expand"]["gingOverOnderwerpobjecten"]
            if (o["onderwerpobjectidentificator"] or {}).get("codeObjecttype") == codeObjecttype
            and o["onderwerpobjectidentificator"]["codeRegister"] == codeRegister
            and o["onderwerpobjectidentificator"]["objectId"] == object_id
        ]
        if not kept:
            raise Failed(f"zaak not shown as {codeObjecttype}/{codeRegister}")


def zaak_contacts_kiss(s: Session) -> None:
    """KISS: by zaak UUID; it keeps only `zgw-Zaak`/`openzaak` onderwerpobjecten."""
    params = [("onderwerpobject__onderwerpobjectidentificatorObjectId", ZAAK_UUID)]
    _zaak_contacts(s, params, ("zgw-Zaak", "openzaak", ZAAK_UUID))


def zaak_contacts_zac(s: Session) -> None:
    """ZAC: all four parts, `zaak`/`open-zaak`/`uuid`, first page of 100."""
    params = [
        ("page", "1"),
        ("pageSize", "100"),
        ("onderwerpobject__onderwerpobjectidentificatorCodeObjecttype", "zaak"),
        ("onderwerpobject__onderwerpobjectidentificatorCodeRegister", "open-zaak"),
        ("onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId", "uuid"),
        ("onderwerpobject__onderwerpobjectidentificatorObjectId", ZAAK_UUID),
    ]
    _zaak_contacts(s, params, ("zaak", "open-zaak", ZAAK_UUID))


def zaak_contacts_oip(s: Session) -> None:
    """Open Inwoner: a zaak's questions by the zaak's identificatie."""
    params = [("onderwerpobject__onderwerpobjectidentificatorObjectId", ZAAK_ID)]
    _zaak_contacts(s, params, ("zaak", "open-zaak", ZAAK_ID))


def zaak_contacts_gzac(s: Session) -> None:
    params = [
        ("onderwerpobject__onderwerpobjectidentificatorObjectId", ZAAK_UUID),
        ("onderwerpobject__onderwerpobjectidentificatorCodeObjecttype", "zaak"),
    ]
    _zaak_contacts(s, params, None)


def zaak_contacts_nl_portal(s: Session) -> None:
    params = [
        ("page", "1"),
        ("onderwerpobject__onderwerpobjectidentificatorObjectId", ZAAK_UUID),
        ("onderwerpobject__onderwerpobjectidentificatorCodeObjecttype", "zaak"),
        ("onderwerpobject__onderwerpobjectidentificatorCodeSoortObjectId", "uuid"),
        ("onderwerpobject__onderwerpobjectidentificatorCodeRegister", "open-zaak"),
    ]
    _zaak_contacts(s, params, None)


def citizen_kiss(s: Session) -> None:
    """KISS: the klant by BSN, then its contactmomenten through its betrokkenen."""
    partij = _henk(
        s,
        {
            "expand": "digitaleAdressen",
            "soortPartij": "persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": HENK_BSN,
        },
    )
    betrokkenen = s.get("betrokkenen", {"wasPartij__url": partij["url"], "pageSize": "100"})["results"]
    if not betrokkenen:
        raise Failed("no betrokkenen of the klant")
    for betrokkene in betrokkenen:
        s.detail("klantcontacten", betrokkene["hadKlantcontact"]["uuid"], {"expand": "gingOverOnderwerpobjecten"})


def company_kiss(s: Session) -> None:
    s.one(
        "partijen",
        {
            "expand": "digitaleAdressen",
            "soortPartij": "organisatie",
            "partijIdentificator__codeSoortObjectId": "kvk_nummer",
            "partijIdentificator__objectId": KVK,
        },
        "company by KvK number",
    )


ITA_EXPAND = (
    "leiddeTotInterneTaken,gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.digitaleAdressen,"
    "hadBetrokkenen.wasPartij"
)


def tasks_ita(s: Session) -> None:
    """ITA: my tasks, the team's, a task by nummer, and each task's contact and actors."""
    me = _actor(s, "mdw", "msei", "email", ME_EMAIL, [("soortActor", "medewerker"), ("indicatieActief", "true")])
    mine = s.get("internetaken", {"status": "te_verwerken", "toegewezenAanActor__uuid": me["uuid"]})["results"]
    done = s.get("internetaken", {"status": "verwerkt", "toegewezenAanActor__uuid": me["uuid"]})["results"]
    if not mine + done:
        raise Failed("no tasks of mine")
    team = s.get(
        "internetaken", {"status": "te_verwerken", "page": "1", "pageSize": "20", "actoren__naam": AFDELING_NAME}
    )
    if not team["results"]:
        raise Failed("no tasks of the team")
    task = (mine + done)[0]
    s.one("internetaken", {"nummer": task["nummer"]}, "task by nummer")
    contact = s.detail(
        "klantcontacten",
        task["aanleidinggevendKlantcontact"]["uuid"],
        {"expand": ITA_EXPAND},
    )
    by_contact = s.get("internetaken", {"klantcontact__nummer": contact["nummer"]})["results"]
    if task["uuid"] not in {t["uuid"] for t in by_contact}:
        raise Failed("task by its contact's nummer: not found")
    for actor in task["toegewezenAanActoren"]:
        s.detail("actoren", actor["uuid"])
    for betrokkene in contact["_expand"]["hadBetrokkenen"]:
        for adres in betrokkene["_expand"]["digitaleAdressen"]:
            s.typed("digitaleadressen", adres)


def citizen_ita(s: Session) -> None:
    """ITA opens the partij of a betrokkene by UUID (found through a klantcontact)."""
    partij = _henk(s, {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN})
    detail = s.detail("partijen", partij["uuid"], {"expand": "digitaleAdressen"})
    for adres in detail["_expand"]["digitaleAdressen"]:
        s.typed("digitaleadressen", adres)


def citizen_nl_portal(s: Session) -> None:
    """NL Portal: the partij by object id alone, the contacts by BSN, each contact's details."""
    s.one("partijen", {"soortPartij": "persoon", "partijIdentificator__objectId": HENK_BSN}, "citizen by BSN")
    page = s.get("klantcontacten", {"page": "1", "hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN})
    if not page["results"]:
        raise Failed("no contacts of the citizen")
    for contact in page["results"]:
        s.detail("klantcontacten", contact["uuid"])
    s.get("digitaleadressen", {"page": "1", "verstrektDoorPartij__partijIdentificator__objectId": HENK_BSN})


def company_nl_portal(s: Session) -> None:
    for value in (KVK, VESTIGING):
        s.one("partijen", {"soortPartij": "organisatie", "partijIdentificator__objectId": value}, "company")


def citizen_gzac(s: Session) -> None:
    partij = _henk(
        s,
        {
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": HENK_BSN,
            "soortPartij": "persoon",
        },
    )
    by_bsn = s.get("klantcontacten", {"hadBetrokkene__wasPartij__partijIdentificator__objectId": HENK_BSN})
    by_uuid = s.get("klantcontacten", {"hadBetrokkene__wasPartij__uuid": partij["uuid"]})
    if not by_bsn["results"] or by_bsn["count"] != by_uuid["count"]:
        raise Failed("contacts of the citizen: by BSN and by UUID differ")
    s.get("digitaleadressen", {"verstrektDoorPartij__uuid": partij["uuid"]})


def citizen_zac(s: Session) -> None:
    _henk(
        s,
        {
            "expand": "digitaleAdressen",
            "page": "1",
            "pageSize": "100",
            "partijIdentificator__codeObjecttype": "natuurlijk_persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": HENK_BSN,
        },
    )
    page = s.get(
        "partijen",
        {
            "expand": "betrokkenen,betrokkenen.hadKlantcontact",
            "page": "1",
            "pageSize": "100",
            "partijIdentificator__objectId": HENK_BSN,
        },
    )
    contacts = [b["_expand"]["hadKlantcontact"] for p in page["results"] for b in p["_expand"]["betrokkenen"]]
    if not contacts:
        raise Failed("no contacts of the citizen")
    for contact in contacts:
        s.typed("klantcontacten", contact)


def company_zac(s: Session) -> None:
    for ot, soort, value in (
        ("niet_natuurlijk_persoon", "kvk_nummer", KVK),
        ("vestiging", "vestigingsnummer", VESTIGING),
    ):
        s.one(
            "partijen",
            {
                "expand": "digitaleAdressen",
                "page": "1",
                "pageSize": "100",
                "partijIdentificator__codeObjecttype": ot,
                "partijIdentificator__codeSoortObjectId": soort,
                "partijIdentificator__objectId": value,
            },
            f"company by {soort}",
        )


def citizen_open_klant_client(s: Session) -> None:
    """open-klant-client: the partij by BSN with addresses, then all its contacts, following `next`."""
    partij = _henk(
        s,
        {
            "partijIdentificator__codeObjecttype": "natuurlijk_persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__codeRegister": "brp",
            "partijIdentificator__objectId": HENK_BSN,
            "expand": "digitaleAdressen",
        },
    )
    page = s.get("klantcontacten", {"hadBetrokkene__wasPartij__uuid": partij["uuid"], "pageSize": "2"})
    seen = len(page["results"])
    while page["next"]:
        page = s.get(page["next"])
        seen += len(page["results"])
    if seen == 0 or seen != page["count"]:
        raise Failed("contacts of the citizen: pages do not add up")


def medewerkers_open_klant_client(s: Session) -> None:
    if not s.get("actoren", {"indicatieActief": "True", "soortActor": "medewerker"})["results"]:
        raise Failed("no active medewerkers")


def citizen_contacts_oip(s: Session) -> None:
    """Open Inwoner's "Mijn vragen": contacts by kanaal, every page, filtered on the partij client side."""
    partij = _henk(s, {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": HENK_BSN})
    params = {
        "expand": "leiddeTotInterneTaken,gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.wasPartij",
        "kanaal": "e-mail",
    }
    page = s.get("klantcontacten", params)
    mine = 0
    while True:
        mine += sum(
            1
            for contact in page["results"]
            for b in contact["_expand"]["hadBetrokkenen"]
            if (b["_expand"].get("wasPartij") or {}).get("uuid") == partij["uuid"]
        )
        if not page["next"]:
            break
        page = s.get(page["next"])
    if not mine:
        raise Failed("no questions of the citizen")


FLOWS: dict[str, list[tuple[str, Callable[[Session], None]]]] = {
    "kiss": [
        ("itself as medewerker", me_as_medewerker_kiss),
        ("assign: medewerker, afdeling", assignees_kiss),
        ("citizen and its contacts", citizen_kiss),
        ("company", company_kiss),
        ("a zaak's contacts", zaak_contacts_kiss),
    ],
    "ita": [
        ("itself as medewerker", me_as_medewerker_ita),
        ("citizen", citizen_ita),
        ("task lists", tasks_ita),
    ],
    "open-inwoner": [
        ("citizen (old codes)", citizen_oip),
        ("company (old codes)", company_oip),
        ("mijn vragen", citizen_contacts_oip),
        ("a zaak's questions", zaak_contacts_oip),
    ],
    "open-forms": [("citizen and prefill", citizen_open_forms), ("company", company_open_forms)],
    "nl-portal": [
        ("citizen and its contacts", citizen_nl_portal),
        ("company", company_nl_portal),
        ("a zaak's contacts", zaak_contacts_nl_portal),
    ],
    "gzac": [("citizen and its contacts", citizen_gzac), ("a zaak's contacts", zaak_contacts_gzac)],
    "zac": [
        ("citizen and its contacts", citizen_zac),
        ("company", company_zac),
        ("a zaak's contacts", zaak_contacts_zac),
    ],
    "open-klant-client": [
        ("citizen and its contacts", citizen_open_klant_client),
        ("medewerkers", medewerkers_open_klant_client),
    ],
}


def run_flows(api: str, tokens: Mapping[str, str]) -> list[Result]:
    """Every flow of every client, each with that client's token."""
    results = []
    for client, flows in FLOWS.items():
        headers = {"Authorization": f"Token {tokens[client]}"}
        with httpx.Client(base_url=api.rstrip("/") + "/", headers=headers, timeout=60) as http:
            session = Session(http, client)
            for name, flow in flows:
                try:
                    flow(session)
                    results.append(Result(client, name, None))
                except Failed as failure:
                    results.append(Result(client, name, str(failure)))
    return results


if __name__ == "__main__":
    api, token = sys.argv[1:3]
    for result in run_flows(api, dict.fromkeys(CLIENTS, token)):
        print(f"| {result.client} | {result.flow} | {result.problem or 'finds it'} |")
