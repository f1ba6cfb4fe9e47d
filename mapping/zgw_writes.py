"""Klantinteracties objects as ZGW write bodies (Contactmomenten API v1): pure functions, no I/O.

The reverse of `mapping/zgw.py`, per flavour (`vng`, `openklant`, `esuite`):

=======================  =====================================================================
Klantinteracties         Contactmomenten API
=======================  =====================================================================
klantcontact             contactmoment: kanaal, tekst, registratiedatum, voorkeurstaal, the
                         onderwerp as an `onderwerpLinks` entry (e-Suite: `onderwerp`), e-Suite
                         `antwoord` for `reactie`; `bronorganisatie` from the settings
betrokkene               klantcontactmoment (klant + rol); `initiator` is the contactmoment's
                         `initiatiefnemer`
onderwerpobject (zaak)   objectcontactmoment: `object` = the configured zaak URL base + the UUID
onderwerpobject (vorig)  the contactmoment's `vorigContactmoment`
actor (medewerker)       the contactmoment's `medewerkerIdentificatie`
=======================  =====================================================================

Every body is checked by reading it back: the record the upstream would hold is mapped with the
read mapping, and each field that would read back other than asked is either refused
(`Unstorable`, naming the Klantinteracties field) or, for the few fields a ZGW API has no place
for and that carry no content, accepted and listed in `Body.not_stored` (the answer to the
write shows what is held). So what the façade answers after a write is what was asked, or the
client is told why not (docs/decisions/0021-zgw-writes.md).

References are upstream keys (`Ref.key`): a klant or contactmoment UUID. URLs are built here from
the configured base URLs only, never taken from a client.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel

from mapping import nummers
from mapping import zgw as m
from mapping.ki import Actor, Betrokkene, Identificator, Klantcontact, Onderwerpobject

Flavour = Literal["vng", "openklant", "esuite"]
Record = Mapping[str, Any]
PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
"""The key of an object not yet created, for reading a body back before it is sent."""
ZAAK_TYPES = frozenset({"zaak", "zgw-zaak"})
"""`codeObjecttype` values that mean a zaak (Open Klant, ZAC: `zaak`; KISS: `zgw-Zaak`)."""


@dataclass(frozen=True)
class Target:
    """Where one ZGW source keeps what is written, and its fixed values (from its settings)."""

    klanten: Flavour | None = None
    contactmomenten: Flavour | None = None
    klanten_url: str = ""
    """Base URL of the Klanten API (`.../klanten/api/v1`): klant URLs are built on it."""
    contactmomenten_url: str = ""
    zaak_url_base: str = ""
    zaak_register: str = "open-zaak"
    actor_register: str = "zgw"
    onderwerp: str = "Contactmoment"
    """The onderwerp a contactmoment without one reads as (the VNG API has no such field)."""
    onderwerp_link_base: str = ""
    """URL prefix of the `onderwerpLinks` entry that holds a klantcontact's onderwerp ("" = none)."""
    bronorganisatie: str = ""
    """RSIN of the organisation that writes (required by VNG and Open Klant 1; e-Suite fills it in)."""
    website_url: str = ""
    """A klant's `websiteUrl`, which the VNG Klanten API 1.0.0 requires."""


class Unstorable(ValueError):
    """This source cannot hold a value as asked: (Klantinteracties field, reason) pairs.

    Reasons name fields and the source's limits, never a value: the message may be logged and
    is shown to the client.
    """

    def __init__(self, problems: Iterable[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.problems))


@dataclass(frozen=True)
class Body:
    """A write body, and the Klantinteracties fields accepted but not held as sent."""

    values: dict[str, Any]
    not_stored: tuple[str, ...] = ()
    problems: list[tuple[str, str]] = field(default_factory=list, compare=False)

    def checked(self) -> Body:
        """This body, or `Unstorable` with every problem found."""
        if self.problems:
            first = {name: reason for name, reason in reversed(self.problems)}  # one reason per field
            raise Unstorable((name, first[name]) for name in dict.fromkeys(n for n, _ in self.problems))
        return self


def url(base: str, collection: str, key: str) -> str:
    """An upstream URL from a configured base URL and an upstream key (never from client input)."""
    return f"{base.rstrip('/')}/{collection}/{key}"


def differences(asked: Any, held: Any, prefix: str = "") -> list[str]:
    """Dotted names of the fields whose held value is not the asked one (nested groups by leaf);
    an asked None is "not given" and matches anything."""
    if asked is None:
        return []
    if isinstance(asked, BaseModel):
        asked = asked.model_dump()
    if isinstance(held, BaseModel):
        held = held.model_dump()
    if isinstance(asked, dict) and isinstance(held, dict):
        return [d for name in asked for d in differences(asked[name], held.get(name), f"{prefix}{name}.")]
    return [] if asked == held else [prefix.rstrip(".")]


def _cannot(names: Iterable[str], reason: str) -> list[tuple[str, str]]:
    return [(name, reason) for name in names]


# --- klantcontact -> contactmoment -----------------------------------------------------------------

_RELATIONS = (
    "gingOverOnderwerpobjecten",
    "hadBetrokkenActoren",
    "omvatteBijlagen",
    "hadBetrokkenen",
    "leiddeTotInterneTaken",
)
_KLANTCONTACT_HELD = tuple(name for name in Klantcontact.model_fields if name != "key" and name not in _RELATIONS)
"""The values of a klantcontact (its relations are written as objects of their own)."""
_NOT_HELD_KLANTCONTACT = frozenset({"indicatieContactGelukt"})
"""No Contactmomenten API has a place for it and it carries no content: the answer reads null."""


def _assigned(name: str, value: Any) -> bool:
    """A nummer the source assigns (none asked, or one derived from the moment: mapping/nummers.py)
    is not a value a client writes; another one is compared with what the source can hold."""
    return name in ("nummer", "referentienummer") and (not value or nummers.is_derived(value))


def onderwerp_links(onderwerp: str, target: Target, existing: Iterable[Any] = ()) -> list[str]:
    """`onderwerpLinks`: the links another application set, and the one that holds the onderwerp."""
    base = target.onderwerp_link_base
    kept = [link for link in existing if isinstance(link, str) and not (base and link.startswith(base))]
    if base and onderwerp and onderwerp != target.onderwerp:
        kept.append(base + quote(onderwerp, safe=""))
    return kept


def contactmoment(kc: Klantcontact, target: Target, current: Record | None = None) -> Body:
    """The contactmoment of a klantcontact; `current` is the upstream record it replaces, if any."""
    flavour = target.contactmomenten
    body: dict[str, Any] = {
        "kanaal": kc.kanaal,
        "tekst": kc.inhoud,
        "registratiedatum": kc.plaatsgevondenOp.isoformat(),
    }
    if flavour == "esuite":
        body |= {"onderwerp": kc.onderwerp, "antwoord": kc.reactie}
    else:
        body |= {
            "bronorganisatie": target.bronorganisatie,
            "voorkeurstaal": kc.taal,
            "onderwerpLinks": onderwerp_links(kc.onderwerp, target, (current or {}).get("onderwerpLinks") or ()),
        }
    held = {**(current or {}), **body}
    read = m.klantcontact(
        m.Contactmoment(
            held,
            PLACEHOLDER,
            onderwerp=target.onderwerp,
            onderwerp_link_base=target.onderwerp_link_base,
        )
    )
    asked = {name: getattr(kc, name) for name in _KLANTCONTACT_HELD if not _assigned(name, getattr(kc, name))}
    held_values = {name: getattr(read, name) for name in asked}
    changed = differences(asked, held_values)
    problems = []
    if flavour == "esuite" and not kc.inhoud:
        problems += _cannot(["inhoud"], "e-Suite legt een contactmoment alleen vast met een vraag (inhoud)")
    problems += _cannot(
        [name for name in changed if name not in _NOT_HELD_KLANTCONTACT],
        _reason_klantcontact(target),
    )
    not_stored = tuple(name for name in changed if name in _NOT_HELD_KLANTCONTACT)
    return Body(body, not_stored, problems)


def _reason_klantcontact(target: Target) -> str:
    if target.contactmomenten != "esuite" and not target.onderwerp_link_base:
        return (
            "de Contactmomenten API van deze bron kan deze waarde niet vastleggen"
            " (een ander onderwerp dan het standaardonderwerp vraagt de instelling onderwerp_link_base)"
        )
    return "de Contactmomenten API van deze bron kan deze waarde niet vastleggen"


def medewerker(actor: Actor, target: Target) -> dict[str, Any]:
    """`medewerkerIdentificatie` of a contactmoment, for a medewerker actor that took part."""
    problems = []
    if actor.soortActor != "medewerker":
        problems.append(("actor", "een contactmoment in deze bron kent alleen een medewerker als actor"))
    code = actor.actoridentificator.objectId if actor.actoridentificator else ""
    limit = 128 if target.contactmomenten == "esuite" else 24
    if not code:
        problems.append(("actor", "een medewerker in deze bron heeft een actoridentificator (objectId) nodig"))
    elif len(code) > limit:
        problems.append(("actor", f"deze bron houdt een medewerker-identificatie van ten hoogste {limit} tekens"))
    if problems:
        raise Unstorable(problems)
    if target.contactmomenten == "esuite":
        return {"identificatie": code}  # e-Suite fills in the name of its own user
    return {"identificatie": code, "achternaam": actor.naam[:200], "voorletters": "", "voorvoegselAchternaam": ""}


# --- betrokkene -> klantcontactmoment ------------------------------------------------------------------

_NOT_HELD_BETROKKENE = ("contactnaam", "organisatienaam")
"""Read from the klant: a klantcontactmoment holds no names of its own."""


def klantcontactmoment(b: Betrokkene, target: Target, moment: Record) -> tuple[Body, dict[str, Any]]:
    """The klantcontactmoment of a betrokkene, and the change its `initiator` asks of the contactmoment
    (`moment`, the upstream record of its klantcontact) — empty when none is needed."""
    problems: list[tuple[str, str]] = []
    if b.wasPartij is None:
        problems.append(("wasPartij", "deze bron legt een betrokkene alleen vast als klant (wasPartij)"))
    if b.rol != "klant":
        problems.append(("rol", "deze bron kent alleen de rol klant (belanghebbende of gesprekspartner)"))
    for name in ("digitaleAdressen", "bezoekadres", "correspondentieadres"):
        if getattr(b, name) != Betrokkene.model_fields[name].default:
            problems.append((name, "deze bron houdt adressen bij de klant, niet bij een betrokkene"))
    body = {
        "contactmoment": url(target.contactmomenten_url, "contactmomenten", b.hadKlantcontact.key),
        "klant": url(target.klanten_url, "klanten", b.wasPartij.key if b.wasPartij else PLACEHOLDER),
        "rol": "gesprekspartner",
    }
    change: dict[str, Any] = {}
    not_stored = [name for name in _NOT_HELD_BETROKKENE if getattr(b, name) != Betrokkene.model_fields[name].default]
    if target.contactmomenten == "esuite":
        if b.initiator:
            not_stored.append("initiator")  # e-Suite has no initiatiefnemer: reads as false
    else:
        wanted = "klant" if b.initiator else "gemeente"
        now = m.text(moment, "initiatiefnemer")
        if b.initiator and now != "klant":
            change = {"initiatiefnemer": wanted}
        elif not b.initiator and now == "klant":
            problems.append(
                (
                    "initiator",
                    "in deze bron is de initiatiefnemer een eigenschap van het contactmoment: "
                    "de andere betrokkene(n) begonnen dit contact",
                )
            )
    return Body(body, tuple(not_stored), problems), change


# --- onderwerpobject -> objectcontactmoment or vorigContactmoment ----------------------------------------


def is_zaak(ident: Identificator | None, target: Target) -> bool:
    """Does this identificator name a zaak by UUID, in a convention this source accepts?"""
    return (
        ident is not None
        and ident.codeObjecttype.lower() in ZAAK_TYPES
        and ident.codeSoortObjectId == "uuid"
        and ident.codeRegister in {target.zaak_register, "open-zaak", "openzaak"}
    )


def onderwerpobject(o: Onderwerpobject, target: Target) -> tuple[str, dict[str, Any]]:
    """("objectcontactmomenten", body) for a zaak, or ("contactmomenten", change of its
    `vorigContactmoment`) for a follow-up of another klantcontact."""
    if o.klantcontact is None:
        raise Unstorable([("klantcontact", "deze bron houdt een onderwerpobject alleen bij een klantcontact")])
    moment = url(target.contactmomenten_url, "contactmomenten", o.klantcontact.key)
    empty = o.onderwerpobjectidentificator in (None, Identificator())
    if o.wasKlantcontact is not None:
        if not empty:
            # ITA sends the previous klantcontact as identificator too, to find the chain by it; the
            # Contactmomenten API holds only `vorigContactmoment`, so that search could not find it
            reason = (
                "een vervolg op een klantcontact heeft in deze bron geen identificator: alleen "
                "wasKlantcontact wordt vastgelegd, zoeken op de identificator kan hier niet"
            )
            raise Unstorable([("onderwerpobjectidentificator", reason)])
        if target.contactmomenten == "esuite":
            raise Unstorable([("wasKlantcontact", "e-Suite kent geen vorig contactmoment")])
        return "contactmomenten", {
            "vorigContactmoment": url(target.contactmomenten_url, "contactmomenten", o.wasKlantcontact.key)
        }
    ident = o.onderwerpobjectidentificator
    if not is_zaak(ident, target) or not target.zaak_url_base:
        reason = "deze bron houdt als onderwerp alleen een zaak (objectId: de UUID van de zaak)"
        raise Unstorable([("onderwerpobjectidentificator", reason)])
    assert ident is not None
    try:
        zaak = str(uuidlib.UUID(ident.objectId))
    except ValueError:
        zaak = ""
    if zaak != ident.objectId.lower():
        raise Unstorable([("onderwerpobjectidentificator.objectId", "geen UUID van een zaak")])
    body = {"contactmoment": moment, "object": url(target.zaak_url_base, "zaken", zaak), "objectType": "zaak"}
    return "objectcontactmomenten", body
