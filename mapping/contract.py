"""What the contract says about each resource: relations, filters, expand values, order.

Everything here is transcribed from Open Klant's API 0.9.0 (`GET` operations) and is the single
place the façade and its adapters read the contract from: the query parser, the engine's filter
re-check, the expand step, the served OpenAPI document and adapters that translate filters all
use these tables (so they live in `mapping/`, below both). A test compares them with the
upstream OpenAPI file, so a filter that is missing here fails the suite.

Filter semantics are written as *paths* over the model in `mapping.ki`:

- a hop is a field name; a field that holds a `Ref` (or a list of them) is followed to the
  referenced objects (``RELATIONS`` says of which resource); a nested value is walked into;
- a hop written ``~resource:field`` walks a relation backwards: the objects of ``resource``
  whose ``field`` refers to the current object;
- the last hop names the compared attribute (``None``: the object itself, for uuid filters).

Filters that share a ``group`` must hold for one and the same element at the group's
``prefix`` (e.g. all ``partijIdentificator__*`` parameters on one identificator). Open Klant
matches those parts independently; we are stricter on purpose (docs/decisions/0004).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ParamType = Literal["string", "boolean", "uuid", "uri", "date", "date-time", "integer"]
Operator = Literal[
    "exact",  # string/enum/date equality
    "icontains",  # case-insensitive substring
    "is",  # the object(s) at the path are the one given by uuid/url
    "not_null",  # boolean: the value at the path is (not) null
    "non_empty",  # boolean: the list at the path is (not) empty
    "gt",
    "gte",
    "lt",
    "lte",
    "any_of",  # comma-separated list of exact values
]


@dataclass(frozen=True)
class FilterDef:
    name: str
    type: ParamType
    prefix: tuple[str, ...]
    """Path from the object to the element all filters of the group are evaluated on."""
    attribute: tuple[str, ...]
    """Path from that element to the compared value (empty: the element itself)."""
    op: Operator
    enum: tuple[str, ...] | None = None
    group: str | None = None
    description: str = ""

    @property
    def is_identity(self) -> bool:
        """A `uuid`/`url` filter, whose value names an object of the façade."""
        return self.op == "is"


@dataclass(frozen=True)
class ResourceDef:
    name: str
    filters: dict[str, FilterDef]
    expand: tuple[str, ...] = ()
    order: Literal["source", "plaatsgevondenOp", "toegewezenOp"] = "source"
    relations: dict[str, str] = field(default_factory=dict)
    """Reference field -> resource it points at (fields of nested values use dotted names)."""


# --- helpers to write the tables compactly ---------------------------------------------------


def _f(name, type_, path, op="exact", enum=None, group=None, prefix=None, description=""):
    """One filter. Without a `prefix`, the whole path is the attribute of the object itself."""
    path = tuple(path.split(".")) if path else ()
    if prefix is None:
        return FilterDef(name, type_, (), path, op, enum, group, description)
    return FilterDef(name, type_, tuple(prefix.split(".")), path, op, enum, group, description)


def _identity(name_prefix: str, path: str, description: str) -> list[FilterDef]:
    """The `<x>__uuid` and `<x>__url` pair for one relation path."""
    return [
        _f(f"{name_prefix}__uuid", "uuid", path, "is", description=description),
        _f(f"{name_prefix}__url", "uri", path, "is", description=description),
    ]


def _identificator_group(name_prefix: str, prefix: str, group: str, separator: str = "__") -> list[FilterDef]:
    """The four `partijIdentificator` parts, matched on one identificator."""
    parts = ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")
    return [
        _f(
            f"{name_prefix}{separator}{part}",
            "string",
            f"partijIdentificator.{part}",
            group=group,
            prefix=prefix,
        )
        for part in parts
    ]


def _object_identificator_group(name_prefix: str, prefix: str, group_field: str, group: str) -> list[FilterDef]:
    """The four parts of an onderwerpobject/bijlage/actor identificator, on one object."""
    parts = ("CodeObjecttype", "CodeRegister", "CodeSoortObjectId", "ObjectId")
    return [
        _f(
            f"{name_prefix}{group_field}{part}",
            "string",
            f"{group_field}.{part[0].lower()}{part[1:]}",
            group=group,
            prefix=prefix or None,
        )
        for part in parts
    ]


def _adres(prefix: str) -> list[FilterDef]:
    return [
        _f(f"{prefix}NummeraanduidingId", "string", f"{prefix}.nummeraanduidingId"),
        _f(f"{prefix}Adresregel1", "string", f"{prefix}.adresregel1"),
        _f(f"{prefix}Adresregel2", "string", f"{prefix}.adresregel2"),
        _f(f"{prefix}Adresregel3", "string", f"{prefix}.adresregel3"),
        _f(f"{prefix}Land", "string", f"{prefix}.land"),
    ]


def _resource(name, filters, **kwargs) -> ResourceDef:
    return ResourceDef(name, {f.name: f for f in filters}, **kwargs)


SOORT_PARTIJ = ("contactpersoon", "organisatie", "persoon")
SOORT_ACTOR = ("geautomatiseerde_actor", "medewerker", "organisatorische_eenheid")

RESOURCES: dict[str, ResourceDef] = {
    r.name: r
    for r in (
        _resource(
            "partijen",
            [
                _f("nummer", "string", "nummer"),
                _f("soortPartij", "string", "soortPartij", enum=SOORT_PARTIJ),
                _f("indicatieActief", "boolean", "indicatieActief"),
                _f("indicatieGeheimhouding", "boolean", "indicatieGeheimhouding"),
                *_adres("bezoekadres"),
                *_adres("correspondentieadres"),
                *_identificator_group("partijIdentificator", "partijIdentificatoren", "identificator"),
                *[
                    _f(
                        f"subIdentificatorVan__{part}",
                        "string",
                        f"subIdentificatorVan.partijIdentificator.{part}",
                        group="identificator",
                        prefix="partijIdentificatoren",
                    )
                    for part in ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")
                ],
                # Open Klant: the partijen *represented by* the given partij, despite the name.
                *_identity(
                    "vertegenwoordigdePartij",
                    "~vertegenwoordigingen:vertegenwoordigdePartij.vertegenwoordigendePartij",
                    "De partijen die door de opgegeven partij vertegenwoordigd worden.",
                ),
                _f("categorierelatie__categorie__naam", "string", "categorieRelaties.categorieNaam", "any_of"),
            ],
            expand=("betrokkenen", "betrokkenen.hadKlantcontact", "categorieRelaties", "digitaleAdressen"),
            relations={
                "betrokkenen": "betrokkenen",
                "categorieRelaties": "categorie-relaties",
                "digitaleAdressen": "digitaleadressen",
                "voorkeursDigitaalAdres": "digitaleadressen",
                "vertegenwoordigden": "partijen",
                "rekeningnummers": "rekeningnummers",
                "voorkeursRekeningnummer": "rekeningnummers",
                "partijIdentificatie.werkteVoorPartij": "partijen",
            },
        ),
        _resource(
            "partij-identificatoren",
            [
                _f(
                    "partijIdentificatorCodeObjecttype",
                    "string",
                    "partijIdentificator.codeObjecttype",
                    enum=("natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"),
                    group="identificator",
                ),
                _f(
                    "partijIdentificatorCodeSoortObjectId",
                    "string",
                    "partijIdentificator.codeSoortObjectId",
                    enum=("bsn", "kvk_nummer", "rsin", "vestigingsnummer"),
                    group="identificator",
                ),
                _f("partijIdentificatorObjectId", "string", "partijIdentificator.objectId", group="identificator"),
                _f(
                    "partijIdentificatorCodeRegister",
                    "string",
                    "partijIdentificator.codeRegister",
                    enum=("brp", "hr"),
                    group="identificator",
                ),
                _f("anderePartijIdentificator", "string", "anderePartijIdentificator"),
            ],
            relations={"identificeerdePartij": "partijen", "subIdentificatorVan": "partij-identificatoren"},
        ),
        _resource(
            "vertegenwoordigingen",
            [
                *_identity("vertegenwoordigendePartij", "vertegenwoordigendePartij", ""),
                *_identity("vertegenwoordigdePartij", "vertegenwoordigdePartij", ""),
            ],
            relations={"vertegenwoordigendePartij": "partijen", "vertegenwoordigdePartij": "partijen"},
        ),
        _resource(
            "digitaleadressen",
            [
                _f("adres", "string", "adres"),
                _f("adres__icontains", "string", "adres", "icontains"),
                _f("soortDigitaalAdres", "string", "soortDigitaalAdres", enum=("email", "overig", "telefoonnummer")),
                _f("isStandaardAdres", "boolean", "isStandaardAdres"),
                _f("omschrijving", "string", "omschrijving", "icontains"),
                _f("referentie", "string", "referentie"),
                _f("isGeverifieerd", "boolean", "verificatieDatum", "not_null"),
                _f("verificatieDatum", "date", "verificatieDatum"),
                _f("verificatieDatum__gt", "date", "verificatieDatum", "gt"),
                _f("verificatieDatum__gte", "date", "verificatieDatum", "gte"),
                _f("verificatieDatum__lt", "date", "verificatieDatum", "lt"),
                _f("verificatieDatum__lte", "date", "verificatieDatum", "lte"),
                _f(
                    "verstrektDoorBetrokkene__rol",
                    "string",
                    "verstrektDoorBetrokkene.rol",
                    enum=("klant", "vertegenwoordiger"),
                ),
                *_identity("verstrektDoorBetrokkene", "verstrektDoorBetrokkene", ""),
                *_identity("verstrektDoorPartij", "verstrektDoorPartij", ""),
                _f("verstrektDoorPartij__soortPartij", "string", "verstrektDoorPartij.soortPartij", enum=SOORT_PARTIJ),
                *_identificator_group(
                    "verstrektDoorPartij__partijIdentificator",
                    "verstrektDoorPartij.partijIdentificatoren",
                    "identificator",
                ),
            ],
            expand=(
                "verstrektDoorBetrokkene",
                "verstrektDoorBetrokkene.hadKlantcontact",
                "verstrektDoorBetrokkene.hadKlantcontact.leiddeTotInterneTaken",
            ),
            relations={"verstrektDoorBetrokkene": "betrokkenen", "verstrektDoorPartij": "partijen"},
        ),
        _resource(
            "rekeningnummers",
            [
                _f("uuid", "uuid", "", "is"),
                _f("iban", "string", "iban"),
                _f("bic", "string", "bic"),
            ],
            relations={"partij": "partijen"},
        ),
        _resource(
            "klantcontacten",
            [
                _f("nummer", "string", "nummer"),
                _f("referentienummer", "string", "referentienummer"),
                _f("kanaal", "string", "kanaal"),
                _f("onderwerp", "string", "onderwerp", "icontains"),
                _f("inhoud", "string", "inhoud", "icontains"),
                _f("reactie", "string", "reactie", "icontains"),
                _f("indicatieContactGelukt", "boolean", "indicatieContactGelukt"),
                _f("vertrouwelijk", "boolean", "vertrouwelijk"),
                _f("plaatsgevondenOp", "date-time", "plaatsgevondenOp"),
                _f("leiddeTotInterneTaken", "boolean", "leiddeTotInterneTaken", "non_empty"),
                *_identity("hadBetrokkene", "hadBetrokkenen", ""),
                _f("hadBetrokkene__wasPartij", "boolean", "hadBetrokkenen.wasPartij", "not_null"),
                *_identity("hadBetrokkene__wasPartij", "hadBetrokkenen.wasPartij", ""),
                *_identificator_group(
                    "hadBetrokkene__wasPartij__partijIdentificator",
                    "hadBetrokkenen.wasPartij.partijIdentificatoren",
                    "identificator",
                ),
                _f(
                    "hadBetrokkene__digitaaladres__adres__icontains",
                    "string",
                    "hadBetrokkenen.digitaleAdressen.adres",
                    "icontains",
                ),
                *_identity("onderwerpobject", "gingOverOnderwerpobjecten", ""),
                *_object_identificator_group(
                    "onderwerpobject__", "gingOverOnderwerpobjecten", "onderwerpobjectidentificator", "onderwerpobject"
                ),
                *_identity("wasOnderwerpobject", "~onderwerpobjecten:wasKlantcontact", ""),
                *_object_identificator_group(
                    "wasOnderwerpobject__",
                    "~onderwerpobjecten:wasKlantcontact",
                    "onderwerpobjectidentificator",
                    "wasOnderwerpobject",
                ),
            ],
            expand=(
                "gingOverOnderwerpobjecten",
                "hadBetrokkenen",
                "hadBetrokkenen.digitaleAdressen",
                "hadBetrokkenen.wasPartij",
                "leiddeTotInterneTaken",
                "omvatteBijlagen",
            ),
            order="plaatsgevondenOp",
            relations={
                "gingOverOnderwerpobjecten": "onderwerpobjecten",
                "omvatteBijlagen": "bijlagen",
                "hadBetrokkenen": "betrokkenen",
                "leiddeTotInterneTaken": "internetaken",
            },
        ),
        _resource(
            "betrokkenen",
            [
                _f("contactnaamVoorletters", "string", "contactnaam.voorletters"),
                _f("contactnaamVoornaam", "string", "contactnaam.voornaam"),
                _f("contactnaamVoorvoegselAchternaam", "string", "contactnaam.voorvoegselAchternaam"),
                _f("contactnaamAchternaam", "string", "contactnaam.achternaam"),
                _f("organisatienaam", "string", "organisatienaam"),
                *_identity("hadKlantcontact", "hadKlantcontact", ""),
                _f("hadKlantcontact__nummer", "string", "hadKlantcontact.nummer"),
                _f("hadKlantcontact__referentienummer", "string", "hadKlantcontact.referentienummer"),
                _f("verstrektedigitaalAdres__adres", "string", "digitaleAdressen.adres"),
                *_identity("verstrektedigitaalAdres", "digitaleAdressen", ""),
                *_identity("wasPartij", "wasPartij", ""),
                _f("wasPartij__nummer", "string", "wasPartij.nummer"),
                *_identificator_group(
                    "wasPartij__partijIdentificator", "wasPartij.partijIdentificatoren", "identificator"
                ),
            ],
            expand=("digitaleAdressen",),
            relations={
                "wasPartij": "partijen",
                "hadKlantcontact": "klantcontacten",
                "digitaleAdressen": "digitaleadressen",
            },
        ),
        _resource(
            "onderwerpobjecten",
            [
                *_identity("klantcontact", "klantcontact", ""),
                *_identity("wasKlantcontact", "wasKlantcontact", ""),
                *_object_identificator_group("", "", "onderwerpobjectidentificator", "identificator"),
            ],
            relations={"klantcontact": "klantcontacten", "wasKlantcontact": "klantcontacten"},
        ),
        _resource(
            "bijlagen",
            [
                _f("klantcontact__uuid", "uuid", "wasBijlageVanKlantcontact", "is"),
                *_object_identificator_group("", "", "bijlageidentificator", "identificator"),
            ],
            relations={"wasBijlageVanKlantcontact": "klantcontacten"},
        ),
        _resource(
            "actoren",
            [
                _f("naam", "string", "naam", "icontains"),
                _f("soortActor", "string", "soortActor", enum=SOORT_ACTOR),
                _f("indicatieActief", "boolean", "indicatieActief"),
                *_object_identificator_group("", "", "actoridentificator", "identificator"),
            ],
        ),
        _resource(
            "actorklantcontacten",
            [*_identity("actor", "actor", ""), *_identity("klantcontact", "klantcontact", "")],
            relations={"actor": "actoren", "klantcontact": "klantcontacten"},
        ),
        _resource(
            "internetaken",
            [
                _f("nummer", "string", "nummer"),
                _f("referentienummer", "string", "referentienummer"),
                _f("status", "string", "status", enum=("te_verwerken", "verwerkt")),
                _f("toegewezenOp", "date-time", "toegewezenOp"),
                *_identity("toegewezenAanActor", "toegewezenAanActoren", ""),
                *_identity("aanleidinggevendKlantcontact", "aanleidinggevendKlantcontact", ""),
                _f("klantcontact__uuid", "uuid", "aanleidinggevendKlantcontact", "is"),
                _f("klantcontact__nummer", "string", "aanleidinggevendKlantcontact.nummer"),
                _f("klantcontact__referentienummer", "string", "aanleidinggevendKlantcontact.referentienummer"),
                _f("actoren__naam", "string", "toegewezenAanActoren.naam"),
            ],
            order="toegewezenOp",
            relations={"aanleidinggevendKlantcontact": "klantcontacten", "toegewezenAanActoren": "actoren"},
        ),
        _resource("categorieen", []),
        _resource(
            "categorie-relaties",
            [
                *_identity("partij", "partij", ""),
                _f("partij__nummer", "string", "partij.nummer"),
                *_identity("categorie", "categorie", ""),
                _f("categorie__naam", "string", "categorie.naam"),
                _f("beginDatum", "date", "beginDatum"),
                _f("eindDatum", "date", "eindDatum"),
            ],
            relations={"partij": "partijen", "categorie": "categorieen"},
        ),
    )
}

# Relations of objects embedded inline in another resource (they are rendered as full objects).
EMBEDDED_RELATIONS: dict[str, dict[str, str]] = {
    "partij-identificatoren": RESOURCES["partij-identificatoren"].relations,
}

PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 500
API_VERSION = "0.9.0"
API_PREFIX = "/klantinteracties/api/v1"


# --- writes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteDef:
    """What the contract's write bodies of one resource refer to."""

    owners: tuple[str, ...] = ()
    """Reference fields naming the object this one hangs under, in order: a create goes to the
    source of the first one given (a betrokkene to its klantcontact's source). Without any, a
    create goes to the collection's configured write target."""
    references: dict[str, str] = field(default_factory=dict)
    """Writable reference fields (dotted inside a value group or an inline list) -> the resource
    they name. Lists of references are included."""


MAAK_KLANTCONTACT = "maak-klantcontact"

WRITES: dict[str, WriteDef] = {
    "partijen": WriteDef(
        references={
            "digitaleAdressen": "digitaleadressen",
            "voorkeursDigitaalAdres": "digitaleadressen",
            "rekeningnummers": "rekeningnummers",
            "voorkeursRekeningnummer": "rekeningnummers",
            "partijIdentificatie.werkteVoorPartij": "partijen",
            "partijIdentificatoren.subIdentificatorVan": "partij-identificatoren",
        }
    ),
    "partij-identificatoren": WriteDef(
        owners=("identificeerdePartij",),
        references={"identificeerdePartij": "partijen", "subIdentificatorVan": "partij-identificatoren"},
    ),
    "vertegenwoordigingen": WriteDef(
        owners=("vertegenwoordigendePartij",),
        references={"vertegenwoordigendePartij": "partijen", "vertegenwoordigdePartij": "partijen"},
    ),
    "digitaleadressen": WriteDef(
        # an address given at a contact belongs with that contact's betrokkene first
        owners=("verstrektDoorBetrokkene", "verstrektDoorPartij"),
        references={"verstrektDoorBetrokkene": "betrokkenen", "verstrektDoorPartij": "partijen"},
    ),
    "rekeningnummers": WriteDef(owners=("partij",), references={"partij": "partijen"}),
    "klantcontacten": WriteDef(),
    "betrokkenen": WriteDef(
        owners=("hadKlantcontact",), references={"hadKlantcontact": "klantcontacten", "wasPartij": "partijen"}
    ),
    "onderwerpobjecten": WriteDef(
        owners=("klantcontact", "wasKlantcontact"),
        references={"klantcontact": "klantcontacten", "wasKlantcontact": "klantcontacten"},
    ),
    "bijlagen": WriteDef(
        owners=("wasBijlageVanKlantcontact",), references={"wasBijlageVanKlantcontact": "klantcontacten"}
    ),
    "actoren": WriteDef(),
    "actorklantcontacten": WriteDef(
        owners=("klantcontact",), references={"klantcontact": "klantcontacten", "actor": "actoren"}
    ),
    "internetaken": WriteDef(
        owners=("aanleidinggevendKlantcontact",),
        references={
            "aanleidinggevendKlantcontact": "klantcontacten",
            "toegewezenAanActoren": "actoren",
            "toegewezenAanActor": "actoren",
        },
    ),
    "categorieen": WriteDef(),
    "categorie-relaties": WriteDef(owners=("partij",), references={"partij": "partijen", "categorie": "categorieen"}),
}
"""Per resource: its owners and its writable references (a test compares them with the contract)."""
