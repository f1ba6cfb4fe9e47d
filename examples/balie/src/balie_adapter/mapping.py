"""Balie records -> Klantinteracties objects: pure functions on plain data, no I/O.

Keys are Balie's own ids (``k-1001``, ``c-2001``). Objects derived from a record get the
record's id with a suffix: the e-mail address of klant ``k-1001`` is ``k-1001:email``, its BSN
identificator ``k-1001:bsn``, the klant's part in contact ``c-2001`` is betrokkene
``c-2001:klant``. All fit `TextKey` (at most 15 bytes). Never a BSN as a key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from adapters.api import Unmappable, ki

Record = dict[str, Any]

KANALEN = {"TEL": "telefoon", "MAIL": "e-mail", "BALIE": "balie"}
"""Balie's channel codes -> the `kanaal` the façade serves (and filters on)."""
IDENTIFICATOR = {"codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn", "codeRegister": "brp"}
"""The only kind of identificator Balie holds: a BSN from the BRP."""
EMAIL, TELEFOON, BSN, KLANT = "email", "tel", "bsn", "klant"
"""Suffixes of the keys of derived objects."""


def derived_key(record_id: str, suffix: str) -> str:
    return f"{record_id}:{suffix}"


def record_id(key: str) -> str:
    """The Balie id a derived object's key was built from ('' if it is not such a key)."""
    head, separator, _ = key.rpartition(":")
    return head if separator else ""


# --- klanten ------------------------------------------------------------------------------------


def partij(klant: Record, contact_ids: list[str]) -> ki.Partij:
    """A klant as a persoon; `contact_ids` are the contacten it had (its betrokkenen)."""
    klant_id = _id(klant)
    adressen = digitale_adressen(klant)
    return ki.Partij(
        key=klant_id,
        soortPartij="persoon",
        indicatieActief=bool(klant.get("actief")),
        partijIdentificatoren=partij_identificatoren(klant),
        partijIdentificatie=ki.Persoon(
            contactnaam=ki.Contactnaam(
                voornaam=klant.get("voornaam") or "",
                voorvoegselAchternaam=klant.get("tussenvoegsel") or "",
                achternaam=klant.get("achternaam") or "",
            )
        ),
        digitaleAdressen=[ki.Ref(adres.key) for adres in adressen],
        voorkeursDigitaalAdres=ki.Ref(adressen[0].key) if adressen else None,
        betrokkenen=[ki.Ref(derived_key(contact_id, KLANT)) for contact_id in contact_ids],
    )


def partij_identificatoren(klant: Record) -> list[ki.PartijIdentificator]:
    """The klant's BSN as a partij-identificator (none without a BSN)."""
    if not klant.get("bsn"):
        return []
    klant_id = _id(klant)
    return [
        ki.PartijIdentificator(
            key=derived_key(klant_id, BSN),
            identificeerdePartij=ki.Ref(klant_id),
            partijIdentificator=ki.PartijIdentificatorGroep(objectId=klant["bsn"], **IDENTIFICATOR),
        )
    ]


def digitale_adressen(klant: Record) -> list[ki.DigitaalAdres]:
    """The klant's e-mail address (its preferred one) and phone number, each if it has one."""
    klant_id = _id(klant)
    adressen = []
    if klant.get("email"):
        adressen.append(
            ki.DigitaalAdres(
                key=derived_key(klant_id, EMAIL),
                verstrektDoorPartij=ki.Ref(klant_id),
                adres=klant["email"],
                soortDigitaalAdres="email",
                isStandaardAdres=True,
            )
        )
    if klant.get("telefoon"):
        adressen.append(
            ki.DigitaalAdres(
                key=derived_key(klant_id, TELEFOON),
                verstrektDoorPartij=ki.Ref(klant_id),
                adres=klant["telefoon"],
                soortDigitaalAdres="telefoonnummer",
            )
        )
    return adressen


# --- contacten ----------------------------------------------------------------------------------


def klantcontact(contact: Record) -> ki.Klantcontact:
    kanaal = KANALEN.get(contact.get("kanaal") or "")
    if kanaal is None:
        raise Unmappable("its kanaal code is not one Balie documents")
    moment = contact.get("tijdstip")
    if not isinstance(moment, str):
        raise Unmappable("it has no tijdstip")
    return ki.Klantcontact(
        key=_id(contact),
        kanaal=kanaal,
        onderwerp=contact.get("onderwerp") or "",
        inhoud=contact.get("tekst") or "",
        taal="nld",
        vertrouwelijk=False,
        plaatsgevondenOp=dt.datetime.fromisoformat(moment),
        hadBetrokkenen=[ki.Ref(b.key) for b in betrokkenen(contact)],
    )


def betrokkenen(contact: Record) -> list[ki.Betrokkene]:
    """The klant of a contact as its betrokkene (an anonymous contact has none)."""
    if not contact.get("klant"):
        return []
    contact_id = _id(contact)
    return [
        ki.Betrokkene(
            key=derived_key(contact_id, KLANT),
            wasPartij=ki.Ref(contact["klant"]),
            hadKlantcontact=ki.Ref(contact_id),
            rol="klant",
            initiator=True,
        )
    ]


def _id(record: Record) -> str:
    value = record.get("id")
    if not isinstance(value, str) or not value:
        raise Unmappable("it has no id")
    return value
