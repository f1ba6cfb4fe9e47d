"""A few hand-made records for filters the CRM demo cannot show (its model has no such data).

Used next to the CRM demo by the spec-driven filter tests: a foreign company with address lines
and an old-style identificator note, a follow-up link carrying an identificator (as ITA writes
them), an attachment in the objects register and an employee known by e-mail in the identity
provider (as KISS looks employees up).
"""

from __future__ import annotations

import datetime as dt

from mapping.ki import (
    Actor,
    Adres,
    Bijlage,
    Identificator,
    Klantcontact,
    Onderwerpobject,
    Organisatie,
    Partij,
    PartijIdentificator,
    PartijIdentificatorGroep,
    Ref,
)
from tests.support.memory_adapter import MemoryAdapter

_ABROAD = Adres(
    straatnaam="Domstraße",
    huisnummer=1,
    adresregel1="Domstraße 1",
    adresregel2="50667 Köln",
    adresregel3="Duitsland",
    land="DE",
)


def supplement() -> MemoryAdapter:
    when = dt.datetime(2025, 4, 1, 10, 0, tzinfo=dt.UTC)
    identificator = PartijIdentificator(
        key="s1:kvk",
        identificeerdePartij=Ref("s1"),
        anderePartijIdentificator="HRB 4711 Amtsgericht Köln",
        partijIdentificator=PartijIdentificatorGroep(
            codeObjecttype="niet_natuurlijk_persoon",
            codeSoortObjectId="kvk_nummer",
            objectId="99887766",
            codeRegister="hr",
        ),
    )
    return MemoryAdapter(
        [
            identificator,
            Partij(
                key="s1",
                nummer="S1",
                soortPartij="organisatie",
                indicatieActief=True,
                bezoekadres=_ABROAD,
                correspondentieadres=_ABROAD,
                partijIdentificatie=Organisatie(naam="Kölner Bau GmbH"),
                partijIdentificatoren=[identificator],
            ),
            Klantcontact(
                key="v1",
                kanaal="telefoon",
                onderwerp="Vraag",
                taal="nld",
                vertrouwelijk=False,
                plaatsgevondenOp=when,
                omvatteBijlagen=[Ref("b1")],
            ),
            Klantcontact(
                key="v2",
                kanaal="telefoon",
                onderwerp="Antwoord",
                taal="nld",
                vertrouwelijk=False,
                plaatsgevondenOp=when + dt.timedelta(days=1),
                gingOverOnderwerpobjecten=[Ref("o1")],
            ),
            Onderwerpobject(
                key="o1",
                klantcontact=Ref("v2"),
                wasKlantcontact=Ref("v1"),
                onderwerpobjectidentificator=Identificator(
                    objectId="v1-in-openklant",
                    codeObjecttype="klantcontact",
                    codeRegister="openklant",
                    codeSoortObjectId="uuid",
                ),
            ),
            Bijlage(
                key="b1",
                wasBijlageVanKlantcontact=Ref("v1"),
                bijlageidentificator=Identificator(
                    objectId="OF-2025-00042",
                    codeObjecttype="formulierinzending",
                    codeRegister="Open Formulieren",
                    codeSoortObjectId="public_registration_reference",
                ),
            ),
            Actor(
                key="a1",
                naam="Piet Pieters",
                soortActor="medewerker",
                actoridentificator=Identificator(
                    objectId="piet@gemeente.example",
                    codeObjecttype="mdw",
                    codeRegister="msei",
                    codeSoortObjectId="email",
                ),
            ),
        ]
    )
