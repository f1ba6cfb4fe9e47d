"""Small hand-written Klantinteracties worlds for engine tests (two or three independent sources)."""

from __future__ import annotations

import datetime as dt

from mapping.ki import (
    Betrokkene,
    Contactnaam,
    DigitaalAdres,
    Klantcontact,
    Partij,
    PartijIdentificator,
    PartijIdentificatorGroep,
    Persoon,
    Ref,
)

HENK_BSN = "999993653"


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=dt.UTC)


def persoon(key: str, voornaam: str, achternaam: str, bsn: str | None = None, **fields) -> Partij:
    identificatoren = []
    if bsn:
        identificatoren.append(
            PartijIdentificator(
                key=f"{key}:bsn",
                identificeerdePartij=Ref(key),
                partijIdentificator=PartijIdentificatorGroep(
                    codeObjecttype="natuurlijk_persoon", codeSoortObjectId="bsn", objectId=bsn, codeRegister="brp"
                ),
            )
        )
    return Partij(
        key=key,
        nummer=key,
        soortPartij="persoon",
        indicatieActief=True,
        partijIdentificatoren=identificatoren,
        partijIdentificatie=Persoon(contactnaam=Contactnaam(voornaam=voornaam, achternaam=achternaam)),
        **fields,
    )


def email(key: str, partij: str, adres: str) -> DigitaalAdres:
    return DigitaalAdres(key=key, verstrektDoorPartij=Ref(partij), adres=adres, soortDigitaalAdres="email")


def contact(key: str, when: dt.datetime, kanaal: str = "telefoon", betrokkenen: tuple[str, ...] = ()) -> Klantcontact:
    return Klantcontact(
        key=key,
        kanaal=kanaal,
        onderwerp=f"Onderwerp {key}",
        taal="nld",
        vertrouwelijk=False,
        plaatsgevondenOp=when,
        hadBetrokkenen=[Ref(b) for b in betrokkenen],
    )


def betrokkene(key: str, klantcontact: str, partij: str | None) -> Betrokkene:
    return Betrokkene(
        key=key,
        hadKlantcontact=Ref(klantcontact),
        wasPartij=Ref(partij) if partij else None,
        rol="klant",
        initiator=True,
    )
