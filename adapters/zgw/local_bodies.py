"""Request bodies of the local ZGW server's writes, checked as the real APIs check them.

Transcribed from the OpenAPI documents in `shared/spec/` (VNG Klanten and Contactmomenten
1.0.0, Open Klant 1.0.0, e-Suite 1.3.0/1.7.0) and from how their servers validate:

- VNG and Open Klant 1 run on vng-api-common (Django REST framework): every problem of a body
  is one `invalidParams` entry `{name, code, reason}` (nested names dotted:
  `subjectIdentificatie.inpBsn`, `onderwerpLinks.0`), with DRF's codes (`required`, `null`,
  `blank`, `max_length`, `min_length`, `invalid`, `invalid_choice`) and vng-api-common's
  (`bad-url`, `unique`); an RSIN or BSN must pass the eleven test ("Onjuist RSIN nummer", as
  recorded from Open Zaak). Unknown and read-only fields are ignored; a PATCH checks only
  what it sends.
- e-Suite answers a `ValidatieFout` without `invalidParams` (code `VALIDATION`): this module
  still finds the problems, the server only words them differently.

The references of a body (which klant, which contactmoment, which zaak) and uniqueness need the
server's data: `adapters/zgw/local_writes.py` checks those.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.zgw.flavours import Flavour
from mapping.zgw import elfproef

Problem = dict[str, str]
"""One `invalidParams` entry: name, code, reason."""

_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _rsin(value: str) -> str | None:
    return None if elfproef(value) else "Onjuist RSIN nummer"


def _bsn(value: str) -> str | None:
    return None if elfproef(value) else "Onjuist BSN nummer"


def _a_nummer(value: str) -> str | None:
    return None if re.fullmatch(r"[1-9][0-9]{9}", value) else "Ongeldig A-nummer"


@dataclass(frozen=True)
class Field:
    """One writable field of a body, and what the real API accepts in it."""

    kind: str = "text"
    """text | url | email | datetime | bool | int | choice | urls | texts | group"""
    max_length: int | None = None
    min_length: int = 0
    required: bool = False
    blank: bool = True
    """May the text be empty (a DRF CharField of a model field with `blank=True`)?"""
    nullable: bool = False
    choices: tuple[str, ...] = ()
    group: Mapping[str, Field] | None = None
    check: Callable[[str], str | None] | None = None
    """An extra validator of a non-empty text: the reason it is wrong, or None."""
    default: Any = ""


def _text(max_length: int | None = None, **kw: Any) -> Field:
    return Field("text", max_length, **kw)


def _url(max_length: int = 1000, **kw: Any) -> Field:
    return Field("url", max_length, **kw)


Schema = Mapping[str, Field]


def validate(schema: Schema, body: Any, partial: bool, prefix: str = "") -> tuple[dict[str, Any], list[Problem]]:
    """The clean values of the fields `schema` declares, and the problems found (none: valid)."""
    if not isinstance(body, Mapping):
        reason = "Ongeldige data. Verwacht een dictionary."
        return {}, [{"name": prefix.rstrip(".") or "nonFieldErrors", "code": "invalid", "reason": reason}]
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, field in schema.items():
        where = prefix + name
        if name not in body:
            if field.required and not partial:
                problems.append({"name": where, "code": "required", "reason": "Dit veld is vereist."})
            continue
        value, found = _value(field, body[name], where, partial)
        problems += found
        if not found:
            clean[name] = value
    return clean, problems


def _problem(name: str, code: str, reason: str) -> list[Problem]:
    return [{"name": name, "code": code, "reason": reason}]


def _value(field: Field, value: Any, where: str, partial: bool) -> tuple[Any, list[Problem]]:
    if value is None:
        return (None, []) if field.nullable else (None, _problem(where, "null", "Dit veld mag niet leeg zijn."))
    if field.kind == "group":
        assert field.group is not None
        return validate(field.group, value, partial=False, prefix=where + ".")
    if field.kind in ("urls", "texts"):
        if not isinstance(value, list):
            return None, _problem(where, "not_a_list", "Verwachtte een lijst met items.")
        item = Field("url" if field.kind == "urls" else "text", field.max_length, min_length=1, blank=False)
        found = [_value(item, v, f"{where}.{i}", partial) for i, v in enumerate(value)]
        return [v for v, _ in found], [p for _, ps in found for p in ps]
    if field.kind == "bool":
        ok = isinstance(value, bool)
        return value, [] if ok else _problem(where, "invalid", "Moet een geldige boolean zijn.")
    if field.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return value, [] if ok else _problem(where, "invalid", "Een geldig getal is vereist.")
    if not isinstance(value, str):
        return None, _problem(where, "invalid", "Geen geldige string.")
    return _text_value(field, value.strip(), where)


def _text_value(field: Field, value: str, where: str) -> tuple[Any, list[Problem]]:
    if value == "":
        if not field.blank or field.min_length:
            return None, _problem(where, "blank", "Dit veld mag niet leeg zijn.")
        return value, []
    if field.max_length is not None and len(value) > field.max_length:
        reason = f"Zorg ervoor dat dit veld niet meer dan {field.max_length} karakters bevat."
        return None, _problem(where, "max_length", reason)
    if len(value) < field.min_length:
        reason = f"Zorg ervoor dat dit veld ten minste {field.min_length} karakters bevat."
        return None, _problem(where, "min_length", reason)
    if field.kind == "choice" and value not in field.choices:
        return None, _problem(where, "invalid_choice", "Dit is een ongeldige keuze.")
    if field.kind == "url" and not _URL.match(value):
        return None, _problem(where, "invalid", "Voer een geldige URL in.")
    if field.kind == "email" and not _EMAIL.match(value):
        return None, _problem(where, "invalid", "Voer een geldig e-mailadres in.")
    if field.kind == "datetime":
        moment = _moment(value)
        if moment is None:
            return None, _problem(where, "invalid", "Datetime heeft een ongeldig formaat.")
        return moment.isoformat(), []
    if field.check is not None and (reason := field.check(value)):
        return None, _problem(where, "invalid", reason)
    return value, []


def _moment(value: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- Klanten API -------------------------------------------------------------------------------

_VERBLIJFSADRES = {
    "aoaIdentificatie": _text(100, required=True, blank=False),
    "wplWoonplaatsNaam": _text(80),
    "gorOpenbareRuimteNaam": _text(80, required=True, blank=False),
    "aoaPostcode": _text(7),
    "aoaHuisnummer": Field("int", nullable=True, default=None),
    "aoaHuisletter": _text(1),
    "aoaHuisnummertoevoeging": _text(4),
    "inpLocatiebeschrijving": _text(1000),
}
_BUITENLAND = {
    "lndLandcode": _text(4, required=True, blank=False),
    "lndLandnaam": _text(40, required=True, blank=False),
    "subAdresBuitenland1": _text(35),
    "subAdresBuitenland2": _text(35),
    "subAdresBuitenland3": _text(35),
}
_ADRESSEN = {
    "verblijfsadres": Field("group", group=_VERBLIJFSADRES, nullable=True, default=None),
    "subVerblijfBuitenland": Field("group", group=_BUITENLAND, nullable=True, default=None),
}
_RECHTSVORMEN = (
    "besloten_vennootschap",
    "cooperatie_europees_economische_samenwerking",
    "europese_cooperatieve_venootschap",
    "europese_naamloze_vennootschap",
    "kerkelijke_organisatie",
    "naamloze_vennootschap",
    "onderlinge_waarborg_maatschappij",
    "overig_privaatrechtelijke_rechtspersoon",
    "stichting",
    "vereniging",
    "vereniging_van_eigenaars",
    "publiekrechtelijke_rechtspersoon",
    "vennootschap_onder_firma",
    "maatschap",
    "rederij",
    "commanditaire_vennootschap",
    "kapitaalvennootschap_binnen_eer",
    "overige_buitenlandse_rechtspersoon_vennootschap",
    "kapitaalvennootschap_buiten_eer",
)
SUBJECTS: dict[str, Schema] = {
    "natuurlijk_persoon": {
        "inpBsn": _text(9, check=_bsn),
        "anpIdentificatie": _text(17),
        "inpANummer": _text(10, check=_a_nummer),
        "geslachtsnaam": _text(200),
        "voorvoegselGeslachtsnaam": _text(80),
        "voorletters": _text(20),
        "voornamen": _text(200),
        "geslachtsaanduiding": Field("choice", choices=("m", "v", "o")),
        "geboortedatum": _text(18),
        **_ADRESSEN,
    },
    "niet_natuurlijk_persoon": {
        "innNnpId": _text(9, check=_rsin),
        "annIdentificatie": _text(17),
        "statutaireNaam": _text(500),
        "innRechtsvorm": Field("choice", choices=_RECHTSVORMEN),
        "bezoekadres": _text(1000),
        "subVerblijfBuitenland": _ADRESSEN["subVerblijfBuitenland"],
    },
    "vestiging": {
        "vestigingsNummer": _text(24),
        "handelsnaam": Field("texts", 625, default=[]),
        **_ADRESSEN,
    },
}
"""`subjectIdentificatie` by `subjectType` (VNG and Open Klant 1)."""

_KLANT_ADRES = {
    "straatnaam": _text(100),
    "huisnummer": Field("int", nullable=True, default=None),
    "huisletter": _text(1),
    "huisnummertoevoeging": _text(4),
    "postcode": _text(7),
    "woonplaatsnaam": _text(80),
    "landcode": _text(4),
}
_KLANT_VNG: Schema = {
    "bronorganisatie": _text(9, required=True, blank=False, check=_rsin),
    "klantnummer": _text(8, required=True, blank=False),
    "bedrijfsnaam": _text(200),
    "functie": _text(200),
    "websiteUrl": _url(required=True, blank=False),
    "voornaam": _text(200),
    "voorvoegselAchternaam": _text(10),
    "achternaam": _text(200),
    "telefoonnummer": _text(20),
    "emailadres": Field("email", 254),
    "adres": Field("group", group=_KLANT_ADRES, nullable=True, default=None),
    "subject": _url(),
    "subjectType": Field("choice", choices=tuple(SUBJECTS), nullable=True, default=None),
}
_KLANT_OPENKLANT: Schema = {
    **_KLANT_VNG,
    "websiteUrl": _url(),
    "aanmaakkanaal": _text(50),
    "geverifieerd": Field("bool", default=False),
}
ESUITE_SUBJECT: Schema = {
    "inpBsn": _text(9, min_length=9),
    "innNnpId": _text(8, min_length=8),
    "vestigingsNummer": _text(12, min_length=12),
}
_KLANT_ESUITE: Schema = {
    "emailadres": Field("email", nullable=True, default=None),
    "telefoonnummer": _text(nullable=True, default=None),
    "telefoonnummerAlternatief": _text(nullable=True, default=None),
    "subjectIdentificatie": Field("group", group=ESUITE_SUBJECT, required=True),
}

# --- Contactmomenten API -------------------------------------------------------------------------

_MEDEWERKER = {
    "identificatie": _text(24),
    "achternaam": _text(200),
    "voorletters": _text(20),
    "voorvoegselAchternaam": _text(10),
}
_CONTACTMOMENT_VNG: Schema = {
    "vorigContactmoment": _url(nullable=True, default=None, blank=False),
    "bronorganisatie": _text(9, required=True, blank=False, check=_rsin),
    "registratiedatum": Field("datetime", default=None),
    "kanaal": _text(50),
    "voorkeurskanaal": _text(50),
    "voorkeurstaal": _text(3),
    "tekst": _text(),
    "onderwerpLinks": Field("urls", 1000, default=[]),
    "initiatiefnemer": Field("choice", choices=("gemeente", "klant")),
    "medewerker": _url(),
    "medewerkerIdentificatie": Field("group", group=_MEDEWERKER, nullable=True, default=None),
}
_CONTACTMOMENT_ESUITE: Schema = {
    "registratiedatum": Field("datetime", default=None),
    "kanaal": _text(255),
    "onderwerp": _text(255),
    "type": _text(255),
    "tekst": _text(required=True, blank=False),
    "antwoord": _text(),
    "toelichting": _text(),
    "status": Field("choice", choices=("nieuw", "in_behandeling", "afgehandeld"), default="nieuw"),
    "afdeling": _text(128),
    "groep": _text(128),
    "behandelaar": Field(
        "group", group={"gebruikersnaam": _text(128, required=True, blank=False)}, nullable=True, default=None
    ),
    "contactgegevens": Field(
        "group",
        group={"emailadres": Field("email"), "telefoonnummer": _text(), "telefoonnummerAlternatief": _text()},
        nullable=True,
        default=None,
    ),
    "medewerkerIdentificatie": Field(
        "group", group={"identificatie": _text(128, required=True, blank=False)}, nullable=True, default=None
    ),
}
_KCM_VNG: Schema = {
    "contactmoment": _url(required=True, blank=False),
    "klant": _url(required=True, blank=False),
    "rol": Field("choice", choices=("belanghebbende", "gesprekspartner"), required=True, blank=False),
}
_KCM_ESUITE: Schema = {"contactmoment": _url(required=True, blank=False), "klant": _url(required=True, blank=False)}
_OCM: Schema = {
    "contactmoment": _url(required=True, blank=False),
    "object": _url(required=True, blank=False),
    "objectType": Field("choice", choices=("zaak",), required=True, blank=False),
}

SCHEMAS: dict[tuple[Flavour, str], Schema] = {
    ("vng", "klanten"): _KLANT_VNG,
    ("openklant", "klanten"): _KLANT_OPENKLANT,
    ("esuite", "klanten"): _KLANT_ESUITE,
    ("vng", "contactmomenten"): _CONTACTMOMENT_VNG,
    ("openklant", "contactmomenten"): _CONTACTMOMENT_VNG,
    ("esuite", "contactmomenten"): _CONTACTMOMENT_ESUITE,
    ("vng", "klantcontactmomenten"): _KCM_VNG,
    ("openklant", "klantcontactmomenten"): {**_KCM_VNG, "gelezen": Field("bool", default=False)},
    ("esuite", "klantcontactmomenten"): _KCM_ESUITE,
    ("vng", "objectcontactmomenten"): _OCM,
    ("openklant", "objectcontactmomenten"): _OCM,
    ("esuite", "objectcontactmomenten"): {**_OCM, "objectType": Field("choice", choices=("zaak",), default="zaak")},
}


def defaults(schema: Schema) -> dict[str, Any]:
    """A record's value of every field it does not get: what the real API answers for it."""
    found = {}
    for name, field in schema.items():
        if field.kind == "group" and not field.nullable and field.group is not None:
            found[name] = defaults(field.group)
        elif isinstance(field.default, list):
            found[name] = list(field.default)
        else:
            found[name] = field.default
    return found
