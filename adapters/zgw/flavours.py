"""Which query parameters each upstream flavour declares, per list endpoint.

Real ZGW servers (vng-api-common) answer 400 `unknown-parameters` to anything else, so the
adapter only sends what is listed here, and the local server rejects what is not. Transcribed
from the OpenAPI documents: VNG Klanten/Contactmomenten 1.0.0 (`vng`), Open Klant 1.0.0
(`openklant`, VNG plus extensions), e-Suite 1.3.0/1.7.0 (`esuite`, a subset that also ignores
some of what it declares) and Zaken API 1.5.1 (one flavour).
"""

from __future__ import annotations

from typing import Literal

Flavour = Literal["vng", "openklant", "esuite"]
FLAVOURS: tuple[Flavour, ...] = ("vng", "openklant", "esuite")

_KLANTEN_VNG = frozenset(
    {
        "bronorganisatie",
        "klantnummer",
        "bedrijfsnaam",
        "functie",
        "achternaam",
        "telefoonnummer",
        "emailadres",
        "adres__straatnaam",
        "adres__postcode",
        "adres__woonplaatsNaam",
        "adres__landcode",
        "subject",
        "subjectType",
        "subjectNatuurlijkPersoon__inpBsn",
        "subjectNatuurlijkPersoon__anpIdentificatie",
        "subjectNatuurlijkPersoon__inpA_nummer",
        "subjectNietNatuurlijkPersoon__innNnpId",
        "subjectNietNatuurlijkPersoon__annIdentificatie",
        "subjectVestiging__vestigingsNummer",
        "page",
    }
)
_GEBOORTEDATUM = frozenset(
    f"subjectNatuurlijkPersoon__geboortedatum{suffix}" for suffix in ("", "__gt", "__gte", "__lt", "__lte")
)
_CONTACTMOMENTEN_VNG = frozenset(
    {
        "vorigContactmoment",
        "volgendContactmoment",
        "bronorganisatie",
        "registratiedatum",
        "registratiedatum__gt",
        "registratiedatum__gte",
        "registratiedatum__lt",
        "registratiedatum__lte",
        "kanaal",
        "voorkeurskanaal",
        "voorkeurstaal",
        "initiatiefnemer",
        "medewerker",
        "ordering",
        "page",
    }
)
_CONTACTMOMENTEN_OPENKLANT = _CONTACTMOMENTEN_VNG | {
    "medewerkerIdentificatie__identificatie",
    "medewerkerIdentificatie__achternaam",
    "medewerkerIdentificatie__voorletters",
    "medewerkerIdentificatie__voorvoegselAchternaam",
    "object",
    "klant",
    "expand",
}

KLANTEN: dict[Flavour, dict[str, frozenset[str]]] = {
    "vng": {"klanten": _KLANTEN_VNG},
    "openklant": {"klanten": _KLANTEN_VNG | _GEBOORTEDATUM},
    "esuite": {
        "klanten": frozenset(
            {
                "subjectNatuurlijkPersoon__inpBsn",
                "subjectNietNatuurlijkPersoon__innNnpId",
                "subjectVestiging__vestigingsNummer",
            }
        )
    },
}
CONTACTMOMENTEN: dict[Flavour, dict[str, frozenset[str]]] = {
    "vng": {
        "contactmomenten": _CONTACTMOMENTEN_VNG,
        "klantcontactmomenten": frozenset({"contactmoment", "klant", "rol", "page"}),
        "objectcontactmomenten": frozenset({"object", "contactmoment", "objectType", "page"}),
    },
    "openklant": {
        "contactmomenten": _CONTACTMOMENTEN_OPENKLANT,
        "klantcontactmomenten": frozenset({"contactmoment", "klant", "rol", "page"}),
        "objectcontactmomenten": frozenset({"object", "contactmoment", "objectType", "page"}),
    },
    "esuite": {
        "contactmomenten": frozenset({"klant", "identificatie", "telefoonnummerOfEmailadres", "type", "page"}),
        "klantcontactmomenten": frozenset({"klant", "page"}),
        "objectcontactmomenten": frozenset({"object", "contactmoment"}),
    },
}
ZAKEN: dict[str, frozenset[str]] = {
    "zaken": frozenset({"identificatie", "page"}),  # of the many zaken filters, the one used here
    "klantcontacten": frozenset({"zaak", "page"}),
    "zaakcontactmomenten": frozenset({"zaak", "contactmoment"}),
}
DETAIL_PARAMETERS: dict[tuple[Flavour, str], frozenset[str]] = {("openklant", "contactmomenten"): frozenset({"expand"})}
"""Query parameters of detail endpoints (`GET /<collection>/{uuid}`); none unless listed."""

Api = Literal["klanten", "contactmomenten", "zaken"]


def declared(api: Api, flavour: Flavour) -> dict[str, frozenset[str]]:
    """List endpoint -> declared query parameters, for one API in one flavour."""
    if api == "klanten":
        return KLANTEN[flavour]
    if api == "contactmomenten":
        return CONTACTMOMENTEN[flavour]
    return ZAKEN


Method = Literal["POST", "PUT", "PATCH", "DELETE"]

_WRITES_VNG: dict[str, frozenset[Method]] = {
    "klanten": frozenset({"POST", "PUT", "PATCH", "DELETE"}),
    "contactmomenten": frozenset({"POST", "PUT", "PATCH", "DELETE"}),
    "klantcontactmomenten": frozenset({"POST", "DELETE"}),
    "objectcontactmomenten": frozenset({"POST", "DELETE"}),
}
WRITES: dict[Flavour, dict[str, frozenset[Method]]] = {
    "vng": _WRITES_VNG,
    # Open Klant 1 adds PUT/PATCH of klantcontactmomenten (its `gelezen` flag).
    "openklant": _WRITES_VNG | {"klantcontactmomenten": frozenset({"POST", "PUT", "PATCH", "DELETE"})},
    # e-Suite creates, and changes only a klant; it deletes nothing.
    "esuite": {
        "klanten": frozenset({"POST", "PATCH"}),
        "contactmomenten": frozenset({"POST"}),
        "klantcontactmomenten": frozenset({"POST"}),
        "objectcontactmomenten": frozenset({"POST"}),
    },
}
"""Which write methods each flavour declares, per collection (POST on the list, the others on
one object); the Zaken API is only read."""

_ACTIONS: dict[str, str] = {"GET": "lezen", "POST": "aanmaken", "PUT": "bijwerken", "PATCH": "bijwerken"}


def scope(api: Api, collection: str, method: str, flavour: Flavour) -> str:
    """The JWT scope (Autorisaties) a request needs, as the specs' `security` sections name it."""
    if flavour == "openklant" and collection == "klantcontactmomenten" and method in ("PUT", "PATCH"):
        return "contactmomenten.aanmaken"  # so Open Klant 1's spec says
    return f"{api}.{_ACTIONS.get(method, 'verwijderen')}"
