"""The Klantinteracties model that every mapping produces.

These are the objects of Open Klant's API 0.9.0 as *values*: a mapping turns an upstream
record into one of these models and knows nothing of HTTP, URLs or façade UUIDs. Where the
contract has a reference (`{uuid, url}`), a model holds a `Ref` with the **upstream key** of
the referenced object in the same source; the façade turns keys into its own UUIDs and URLs
when it renders the answer.

Defaults follow what a real Open Klant returns for empty values ("" for an empty string,
`null` for an empty nullable, `[]` for an empty list, an address object with empty fields),
so that an object mapped from a sparse upstream has the same shape as one from Open Klant.

Constraints (lengths, enums, patterns) mirror the contract: a mapping that produces a value
the contract forbids fails validation, and the engine skips that record with a warning instead
of serving an answer that breaks a client.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


class Unmappable(ValueError):
    """A mapping's refusal of one upstream record (no usable key, a required field missing).

    Its message is written by the mapping and names no value from the record: it is logged as is
    when the record is skipped (`adapters.records.build_or_skip`).
    """


# --- references ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another object of the same source, by its upstream key."""

    key: str


@dataclass(frozen=True, slots=True)
class CategorieRef(Ref):
    """`CategorieForeignKey`: a reference that also carries the category's name."""

    naam: str = ""


@dataclass(frozen=True, slots=True)
class CategorieRelatieRef(Ref):
    """`CategorieRelatieForeignKey`: carries the category name and the validity period."""

    categorieNaam: str | None = None
    beginDatum: dt.date | None = None
    eindDatum: dt.date | None = None


# --- shared value groups ---------------------------------------------------------------------

# Open Klant answers "" for these optional fields although their patterns forbid it; clients
# are built on that, so we allow "" too (see docs/decisions/0003-empty-strings.md).
Postcode = Annotated[str, StringConstraints(pattern=r"^$|^[1-9][0-9]{3} [A-Z]{2}$", max_length=7)]
Landcode = Annotated[str, StringConstraints(pattern=r"^$|^[A-Z]{2}$", max_length=2)]
NummeraanduidingId = Annotated[str, StringConstraints(pattern=r"^$|^[0-9]{16}$", max_length=16)]
Telefoonnummer = Annotated[
    str, StringConstraints(pattern=r"^$|^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$", max_length=20)
]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


Moment = Annotated[dt.datetime, AfterValidator(_aware)]
"""A point in time, always with an offset: one without is read as UTC (as the mappings do), so
that moments of any record compare and sort with those of every other."""


def _s(max_length: int) -> type[str]:
    return Annotated[str, StringConstraints(max_length=max_length)]  # type: ignore[return-value]


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Adres(_Value):
    """Bezoekadres / correspondentieadres of a partij or betrokkene."""

    nummeraanduidingId: NummeraanduidingId = ""
    straatnaam: _s(255) = ""
    huisnummer: Annotated[int, Field(ge=1, le=99999)] | None = None
    huisnummertoevoeging: _s(20) = ""
    postcode: Postcode = ""
    stad: _s(255) = ""
    adresregel1: _s(80) = ""
    adresregel2: _s(80) = ""
    adresregel3: _s(80) = ""
    land: Landcode = ""


class Contactnaam(_Value):
    voorletters: _s(10) = ""
    voornaam: _s(200) = ""
    voorvoegselAchternaam: _s(10) = ""
    achternaam: _s(200) = ""

    @property
    def volledige_naam(self) -> str:
        """As Open Klant builds `volledigeNaam`: the non-empty name parts joined by spaces."""
        parts = (self.voornaam, self.voorvoegselAchternaam, self.achternaam)
        return " ".join(p for p in parts if p)


class Identificator(_Value):
    """The shared identificator group (onderwerpobject, bijlage, actor)."""

    objectId: _s(200) = ""
    codeObjecttype: _s(200) = ""
    codeRegister: _s(200) = ""
    codeSoortObjectId: _s(200) = ""


CodeObjecttype = Literal["natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"]
CodeSoortObjectId = Literal["bsn", "vestigingsnummer", "kvk_nummer", "rsin"]
CodeRegister = Literal["brp", "hr"]


class PartijIdentificatorGroep(_Value):
    codeObjecttype: CodeObjecttype
    codeSoortObjectId: CodeSoortObjectId
    objectId: _s(200)
    codeRegister: CodeRegister


# --- resources -------------------------------------------------------------------------------


class KIObject(BaseModel):
    """Base of every resource: `key` is the upstream key, unique per source and resource."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    resource: ClassVar[str]
    unpublished: ClassVar[frozenset[str]] = frozenset({"key"})
    """Fields that are data of the object but not of the contract: never rendered as such."""

    key: Annotated[str, StringConstraints(min_length=1)]


class PartijIdentificator(KIObject):
    resource: ClassVar[str] = "partij-identificatoren"

    identificeerdePartij: Ref | None = None
    anderePartijIdentificator: _s(200) = ""
    partijIdentificator: PartijIdentificatorGroep
    subIdentificatorVan: Ref | None = None


class Persoon(_Value):
    contactnaam: Contactnaam | None = None


class Organisatie(_Value):
    naam: _s(200) = ""


class Contactpersoon(_Value):
    werkteVoorPartij: Ref | None = None
    contactnaam: Contactnaam | None = None


class Partij(KIObject):
    resource: ClassVar[str] = "partijen"

    nummer: _s(10) | None = None
    interneNotitie: _s(1000) = ""
    betrokkenen: list[Ref] = []
    categorieRelaties: list[CategorieRelatieRef] = []
    digitaleAdressen: list[Ref] = []
    voorkeursDigitaalAdres: Ref | None = None
    vertegenwoordigden: list[Ref] = []
    rekeningnummers: list[Ref] = []
    voorkeursRekeningnummer: Ref | None = None
    partijIdentificatoren: list[PartijIdentificator] = []
    soortPartij: Literal["persoon", "organisatie", "contactpersoon"]
    indicatieGeheimhouding: bool | None = None
    voorkeurstaal: _s(3) = ""
    indicatieActief: bool
    bezoekadres: Adres | None = Adres()
    correspondentieadres: Adres | None = Adres()
    partijIdentificatie: Persoon | Organisatie | Contactpersoon


class Vertegenwoordiging(KIObject):
    resource: ClassVar[str] = "vertegenwoordigingen"

    vertegenwoordigendePartij: Ref
    vertegenwoordigdePartij: Ref


class DigitaalAdres(KIObject):
    resource: ClassVar[str] = "digitaleadressen"

    verstrektDoorBetrokkene: Ref | None = None
    verstrektDoorPartij: Ref | None = None
    adres: _s(80)
    soortDigitaalAdres: Literal["email", "telefoonnummer", "overig"]
    isStandaardAdres: bool = False
    omschrijving: _s(40) = ""
    referentie: Annotated[str, StringConstraints(pattern=r"^$|^[-a-zA-Z0-9_]+$", max_length=50)] = ""
    verificatieDatum: dt.date | None = None


class Rekeningnummer(KIObject):
    resource: ClassVar[str] = "rekeningnummers"

    partij: Ref | None = None
    iban: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]{1,30}$", max_length=34)]
    bic: Annotated[str, StringConstraints(pattern=r"^$|^[\S]{8,11}$", max_length=11)] = ""


class Medewerker(_Value):
    functie: _s(40) = ""
    emailadres: _s(254) = ""
    telefoonnummer: Telefoonnummer = ""


class GeautomatiseerdeActor(_Value):
    functie: _s(40) = ""
    omschrijving: _s(200) = ""


class OrganisatorischeEenheid(_Value):
    omschrijving: _s(200) = ""
    emailadres: _s(254) = ""
    faxnummer: _s(20) = ""
    telefoonnummer: Telefoonnummer = ""


class ActorFacts(_Value):
    """Who an actor is, as its source knows it: the values that clients' identificator
    conventions publish (`mapping/conventions.py`: KISS finds a medewerker by e-mail under
    `mdw/msei/email`, ITA also by id under `mdw/obj/idf`). Facts are never rendered as such
    (`KIObject.unpublished`): the façade publishes them in the codes of the caller's profile, and
    matches identificator filters in any known convention against them."""

    soort: Literal["medewerker", "afdeling", "groep"]
    """The kind of actor in the conventions' terms (`mdw`, `afd`, `grp`)."""
    identificatie: _s(200) = ""
    """The employee's id (personeelsnummer, account name), or the afdeling's or groep's code."""
    emailadres: _s(254) = ""
    """A medewerker's work e-mail address."""


class ZaakFacts(_Value):
    """The zaak an onderwerpobject is about, as its source knows it (at least one value): published
    by UUID or by identificatie (zaaknummer), as the caller's profile says."""

    uuid: Annotated[
        str, StringConstraints(pattern=r"^$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ] = ""
    identificatie: _s(200) = ""


class Actor(KIObject):
    resource: ClassVar[str] = "actoren"

    naam: _s(200)
    soortActor: Literal["medewerker", "geautomatiseerde_actor", "organisatorische_eenheid"]
    indicatieActief: bool = True
    actoridentificator: Identificator | None = None
    actorIdentificatie: Medewerker | GeautomatiseerdeActor | OrganisatorischeEenheid | None = None
    unpublished: ClassVar[frozenset[str]] = frozenset({"key", "facts"})
    facts: ActorFacts | None = None
    """Not part of the contract: what the source knows about who this actor is."""


class Klantcontact(KIObject):
    resource: ClassVar[str] = "klantcontacten"

    gingOverOnderwerpobjecten: list[Ref] = []
    # Open Klant embeds the full actor objects here, not references.
    hadBetrokkenActoren: list[Actor] = []
    omvatteBijlagen: list[Ref] = []
    hadBetrokkenen: list[Ref] = []
    leiddeTotInterneTaken: list[Ref] = []
    nummer: _s(10) | None = None
    referentienummer: _s(10) | None = None
    kanaal: _s(50)
    onderwerp: _s(200)
    inhoud: _s(1000) = ""
    reactie: _s(4000) = ""
    indicatieContactGelukt: bool | None = None
    hoofdOnderwerpType: _s(200) = ""
    verdereActieOndernomen: bool = False
    taal: _s(3)
    vertrouwelijk: bool
    plaatsgevondenOp: Moment
    metadata: dict[str, _s(255)] = {}


class Betrokkene(KIObject):
    resource: ClassVar[str] = "betrokkenen"

    wasPartij: Ref | None = None
    hadKlantcontact: Ref
    digitaleAdressen: list[Ref] = []
    bezoekadres: Adres | None = Adres()
    correspondentieadres: Adres | None = Adres()
    contactnaam: Contactnaam | None = Contactnaam()
    rol: Literal["vertegenwoordiger", "klant"]
    organisatienaam: _s(200) = ""
    initiator: bool


class Onderwerpobject(KIObject):
    resource: ClassVar[str] = "onderwerpobjecten"

    klantcontact: Ref | None = None
    wasKlantcontact: Ref | None = None
    onderwerpobjectidentificator: Identificator | None = Identificator()
    unpublished: ClassVar[frozenset[str]] = frozenset({"key", "zaak"})
    zaak: ZaakFacts | None = None
    """Not part of the contract: the zaak this onderwerpobject is about, if it is about one."""


class Bijlage(KIObject):
    resource: ClassVar[str] = "bijlagen"

    wasBijlageVanKlantcontact: Ref | None = None
    bijlageidentificator: Identificator | None = Identificator()


class ActorKlantcontact(KIObject):
    resource: ClassVar[str] = "actorklantcontacten"

    actor: Ref
    klantcontact: Ref


class InterneTaak(KIObject):
    resource: ClassVar[str] = "internetaken"

    nummer: _s(10) | None = None
    referentienummer: _s(10) | None = None
    gevraagdeHandeling: _s(200)
    aanleidinggevendKlantcontact: Ref
    toegewezenAanActoren: list[Ref] = []
    toelichting: _s(1000) = ""
    status: Literal["te_verwerken", "verwerkt"]
    toegewezenOp: Moment
    afgehandeldOp: Moment | None = None


class Categorie(KIObject):
    resource: ClassVar[str] = "categorieen"

    naam: _s(80) = ""


class CategorieRelatie(KIObject):
    resource: ClassVar[str] = "categorie-relaties"

    partij: Ref | None = None
    categorie: CategorieRef | None = None
    beginDatum: dt.date | None = None
    eindDatum: dt.date | None = None


MODELS: dict[str, type[KIObject]] = {
    model.resource: model
    for model in (
        Partij,
        PartijIdentificator,
        Vertegenwoordiging,
        DigitaalAdres,
        Rekeningnummer,
        Klantcontact,
        Betrokkene,
        Onderwerpobject,
        Bijlage,
        Actor,
        ActorKlantcontact,
        InterneTaak,
        Categorie,
        CategorieRelatie,
    )
}
"""Every resource of the contract, by its collection name."""
