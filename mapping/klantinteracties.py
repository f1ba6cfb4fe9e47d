"""Klantinteracties JSON (Open Klant 2.x, or another façade) -> the model in `mapping.ki`.

Pure functions over decoded JSON, no I/O:

- a record's key is its upstream `uuid` (canonical lower case);
- a reference `{uuid, url}` becomes `Ref(uuid)`: the uuid is taken, the url is never fetched; a
  reference whose url names another resource or another uuid is inconsistent and is dropped
  with a warning;
- records of older API versions lack fields added since: those get the model's defaults
  (Open Klant's empties); fields the model does not know are ignored; old identificator codes
  (`inp`, `nnp`, `kvk`, `vtn`) are read as the current ones;
- an identificator that maps to no valid group is left out of its partij (with a warning)
  instead of losing the partij; a record that breaks the contract otherwise raises, and the
  adapter skips it with a warning.

Partijen of API versions before 0.2 list their `partijIdentificatoren` as references only; the
caller fetches those and passes them in `identificatoren` (by uuid).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import uuid as uuidlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from mapping.bsn import group_is_bsn
from mapping.codes import to_current
from mapping.contract import RESOURCES
from mapping.conventions import facts_from
from mapping.ki import (
    Actor,
    ActorFacts,
    ActorKlantcontact,
    Adres,
    Betrokkene,
    Bijlage,
    Categorie,
    CategorieRef,
    CategorieRelatie,
    CategorieRelatieRef,
    Contactnaam,
    Contactpersoon,
    DigitaalAdres,
    GeautomatiseerdeActor,
    Identificator,
    InterneTaak,
    KIObject,
    Klantcontact,
    Medewerker,
    Onderwerpobject,
    Organisatie,
    OrganisatorischeEenheid,
    Partij,
    PartijIdentificator,
    PartijIdentificatorGroep,
    Persoon,
    Ref,
    Rekeningnummer,
    Unmappable,
    Vertegenwoordiging,
    ZaakFacts,
)

log = logging.getLogger(__name__)

Raw = Mapping[str, Any]


# --- keys and references -----------------------------------------------------------------------


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def canonical_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value  # already canonical (the usual case): what str(UUID(value)) gives
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def key_of(raw: Any) -> str | None:
    return canonical_uuid(raw.get("uuid")) if isinstance(raw, Mapping) else None


def _key(raw: Raw, resource: str) -> str:
    key = key_of(raw)
    if key is None:
        raise Unmappable(f"a {resource} record without a valid uuid")
    return key


def _ref_key(value: Any, target: str) -> str | None:
    """The uuid of a `{uuid, url}` reference to `target`; None if absent or inconsistent."""
    if type(value) is not dict and not isinstance(value, Mapping):  # a dict, from JSON: checked fast
        return None
    url = value.get("url")
    key = canonical_uuid(value.get("uuid"))
    tail: list[str] = []
    if isinstance(url, str) and url:
        # the last two path segments; urlsplit only when there is a query or fragment to cut off
        path = urlsplit(url).path if "?" in url or "#" in url else url
        tail = path.rstrip("/").rsplit("/", 2)[-2:]
        if key is None and len(tail) == 2:
            key = canonical_uuid(tail[1])
    if key is None:
        return None
    if tail and (tail[0] != target or (tail[-1] != key and canonical_uuid(tail[-1]) != key)):
        log.warning("klantinteracties: dropped a reference to %s whose url names another object", target)
        return None
    return key


def ref(value: Any, target: str) -> Ref | None:
    key = _ref_key(value, target)
    return Ref(key) if key else None


def refs(values: Any, target: str) -> list[Ref]:
    if not isinstance(values, list):
        return []
    found = []
    segment = f"/{target}/"
    for value in values:
        # the usual shape first: {uuid, url: .../<target>/<uuid>} with a canonical uuid, no query
        if type(value) is dict:
            key, url = value.get("uuid"), value.get("url")
            if (
                type(key) is str
                and type(url) is str
                and url.endswith(key)
                and url.endswith(segment, 0, len(url) - len(key))
                and "?" not in url
                and "#" not in url
                and _CANONICAL_UUID.fullmatch(key)
            ):
                found.append(Ref(key))
                continue
        if key := _ref_key(value, target):
            found.append(Ref(key))
    return found


# --- values ------------------------------------------------------------------------------------


@functools.cache
def _null_allowed(model: type[BaseModel]) -> dict[str, bool]:
    """Per field of the model: may a null be passed on (its default is null)?"""
    return {name: info.default is None for name, info in model.model_fields.items()}


def _fields(model: type[BaseModel], raw: Raw, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The given fields that `raw` has; a null where the model has a non-null default is left out."""
    null_allowed = _null_allowed(model)
    found = {}
    for name in null_allowed if names is None else names:
        if name in raw and name in null_allowed and ((value := raw[name]) is not None or null_allowed[name]):
            found[name] = value
    return found


def group(model: type[BaseModel], value: Any) -> Any:
    """A nested value group (address, name, identificator); unknown fields ignored."""
    if not isinstance(value, Mapping):
        return None
    if model in _SHARED_GROUPS and (content := _content_key(value)) is not None:
        return _shared_group(model, content)
    return model(**_fields(model, value))


_SHARED_GROUPS = frozenset({Adres, Contactnaam})
"""Value groups built once per content and shared (frozen models): a page repeats the same (often
empty) addresses and names many times. Never an identificator group: no BSN is kept here."""


@functools.lru_cache(maxsize=1024)
def _shared_group(model: type[BaseModel], content: tuple) -> BaseModel:
    """The validated group of this content (errors are raised each time, not kept)."""
    return model(**_fields(model, _from_content(content)))


def _groups(raw: Raw, **models: type[BaseModel]) -> dict[str, Any]:
    """Value groups by field name, only for the fields `raw` has (else the model default holds)."""
    return {name: group(model, raw[name]) for name, model in models.items() if name in raw}


# --- memoizing by content ----------------------------------------------------------------------

_PLAIN = frozenset({str, int, bool, type(None)})
"""Values a content key holds as they are; a float is left out on purpose (a non-finite number
from a lenient parse must break its record, never share another record's model)."""


def _content_key(value: Mapping) -> tuple | None:
    """A hashable key of a JSON object's content, with each value's type (`1` and `True` are equal
    keys otherwise); None when it holds anything but text, integers, booleans, nulls, objects and
    lists: such a record is mapped on its own."""
    content = []
    for name, field_value in value.items():
        kind = type(field_value)
        if kind in _PLAIN:
            content.append((name, kind, field_value))
        elif kind is dict or kind is list:
            nested = _content_key(field_value if kind is dict else dict(enumerate(field_value)))
            if nested is None:
                return None
            content.append((name, kind, nested))
        else:
            return None
    return tuple(content)


def _from_content(content: tuple) -> dict:
    """The JSON object a `_content_key` was made of."""
    found: dict = {}
    for name, kind, value in content:
        if kind is dict:
            found[name] = _from_content(value)
        elif kind is list:
            found[name] = list(_from_content(value).values())
        else:
            found[name] = value
    return found


# --- resources ---------------------------------------------------------------------------------


def partij_identificator(raw: Raw) -> PartijIdentificator:
    codes = raw.get("partijIdentificator")
    return PartijIdentificator(
        key=_key(raw, "partij-identificatoren"),
        identificeerdePartij=ref(raw.get("identificeerdePartij"), "partijen"),
        anderePartijIdentificator=raw.get("anderePartijIdentificator") or "",
        partijIdentificator=PartijIdentificatorGroep(**to_current(codes if isinstance(codes, Mapping) else {})),
        subIdentificatorVan=ref(raw.get("subIdentificatorVan"), "partij-identificatoren"),
    )


def identificator_refs(raw: Raw) -> list[str]:
    """Uuids of a partij's identificatoren that are listed as references only (API < 0.2)."""
    entries = raw.get("partijIdentificatoren") if isinstance(raw, Mapping) else None
    if not isinstance(entries, list):
        return []
    return [
        key
        for entry in entries
        if isinstance(entry, Mapping) and "partijIdentificator" not in entry and (key := key_of(entry))
    ]


def _partij_identificatoren(raw: Raw, resolved: Mapping[str, Raw]) -> list[PartijIdentificator]:
    found = []
    entries = raw.get("partijIdentificatoren")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        full = entry if "partijIdentificator" in entry else resolved.get(key_of(entry) or "")
        try:
            if full is None:
                raise Unmappable("not found upstream")
            found.append(partij_identificator(full))
        except ValueError:  # pydantic's ValidationError is a ValueError
            # field names only: the message would quote the values, which may be a BSN
            log.warning(
                "klantinteracties: left identificator %s out of partij %s: no valid identificator group",
                key_of(entry),
                key_of(raw),
            )
    return found


def _partij_identificatie(soort: Any, value: Any) -> Persoon | Organisatie | Contactpersoon:
    value = value if isinstance(value, Mapping) else {}
    if soort == "organisatie":
        return Organisatie(**_fields(Organisatie, value, ("naam",)))
    contactnaam = group(Contactnaam, value.get("contactnaam"))
    if soort == "contactpersoon":
        return Contactpersoon(werkteVoorPartij=ref(value.get("werkteVoorPartij"), "partijen"), contactnaam=contactnaam)
    return Persoon(contactnaam=contactnaam)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _categorie_relatie_ref(value: Any) -> CategorieRelatieRef | None:
    """A partij's `categorieRelaties` entry: a reference carrying the name and validity period."""
    key = _ref_key(value, "categorie-relaties")
    if key is None:
        return None
    naam = value.get("categorieNaam")
    return CategorieRelatieRef(
        key, naam if isinstance(naam, str) else None, _date(value.get("beginDatum")), _date(value.get("eindDatum"))
    )


def partij(raw: Raw, identificatoren: Mapping[str, Raw] | None = None) -> Partij:
    names = ("nummer", "interneNotitie", "soortPartij", "indicatieGeheimhouding", "voorkeurstaal", "indicatieActief")
    relaties = raw.get("categorieRelaties")
    return Partij(
        key=_key(raw, "partijen"),
        **_fields(Partij, raw, names),
        betrokkenen=refs(raw.get("betrokkenen"), "betrokkenen"),
        categorieRelaties=[found for value in relaties if (found := _categorie_relatie_ref(value)) is not None]
        if isinstance(relaties, list)
        else [],
        digitaleAdressen=refs(raw.get("digitaleAdressen"), "digitaleadressen"),
        voorkeursDigitaalAdres=ref(raw.get("voorkeursDigitaalAdres"), "digitaleadressen"),
        vertegenwoordigden=refs(raw.get("vertegenwoordigden"), "partijen"),
        rekeningnummers=refs(raw.get("rekeningnummers"), "rekeningnummers"),
        voorkeursRekeningnummer=ref(raw.get("voorkeursRekeningnummer"), "rekeningnummers"),
        partijIdentificatoren=_partij_identificatoren(raw, identificatoren or {}),
        **_groups(raw, bezoekadres=Adres, correspondentieadres=Adres),
        partijIdentificatie=_partij_identificatie(raw.get("soortPartij"), raw.get("partijIdentificatie")),
    )


def vertegenwoordiging(raw: Raw) -> Vertegenwoordiging:
    return Vertegenwoordiging(
        key=_key(raw, "vertegenwoordigingen"),
        vertegenwoordigendePartij=ref(raw.get("vertegenwoordigendePartij"), "partijen"),
        vertegenwoordigdePartij=ref(raw.get("vertegenwoordigdePartij"), "partijen"),
    )


def digitaal_adres(raw: Raw) -> DigitaalAdres:
    return DigitaalAdres(
        key=_key(raw, "digitaleadressen"),
        verstrektDoorBetrokkene=ref(raw.get("verstrektDoorBetrokkene"), "betrokkenen"),
        verstrektDoorPartij=ref(raw.get("verstrektDoorPartij"), "partijen"),
        **_fields(
            DigitaalAdres,
            raw,
            ("adres", "soortDigitaalAdres", "isStandaardAdres", "omschrijving", "referentie", "verificatieDatum"),
        ),
    )


def rekeningnummer(raw: Raw) -> Rekeningnummer:
    return Rekeningnummer(
        key=_key(raw, "rekeningnummers"),
        partij=ref(raw.get("partij"), "partijen"),
        **_fields(Rekeningnummer, raw, ("iban", "bic")),
    )


_ACTOR_IDENTIFICATIE: dict[str, type[BaseModel]] = {
    "medewerker": Medewerker,
    "geautomatiseerde_actor": GeautomatiseerdeActor,
    "organisatorische_eenheid": OrganisatorischeEenheid,
}


def actor(raw: Raw) -> Actor:
    soort = raw.get("soortActor")
    model = _ACTOR_IDENTIFICATIE.get(soort) if isinstance(soort, str) else None
    identificatie = group(model, raw.get("actorIdentificatie")) if model else None
    groups = _groups(raw, actoridentificator=Identificator)
    return Actor(
        key=_key(raw, "actoren"),
        **_fields(Actor, raw, ("naam", "soortActor", "indicatieActief")),
        **groups,
        actorIdentificatie=identificatie,
        facts=actor_facts(groups.get("actoridentificator")),
    )


def actor_facts(identificator: Identificator | None) -> ActorFacts | None:
    """What an upstream actor's identificator says in a well-known convention (`mdw/msei/email`:
    the medewerker's e-mail). Only the identificator counts: it is what the upstream can be
    searched by, so every convention the façade publishes it in finds it again."""
    facts = facts_from(identificator)
    return facts if isinstance(facts, ActorFacts) else None


@functools.lru_cache(maxsize=1024)
def _shared_actor(content: tuple) -> Actor:
    return actor(_from_content(content))


def _actor(value: Any) -> Actor:
    """`actor`, memoized by content: a page of klantcontacten names the same few employees many
    times, and a (frozen) model can be shared. Errors are not memoized: they are raised each time.
    An actor whose identificator could hold a BSN is not memoized (no BSN is kept here)."""
    if isinstance(value, Mapping):
        identificator = value.get("actoridentificator")
        if not (isinstance(identificator, Mapping) and group_is_bsn(identificator)):
            content = _content_key(value)
            if content is not None:
                return _shared_actor(content)
    return actor(value)


def _actoren(values: Any, owner: str | None) -> list[Actor]:
    found = []
    for value in values if isinstance(values, list) else []:
        try:
            found.append(_actor(value))
        except (ValueError, TypeError):
            log.warning("klantinteracties: left an actor out of klantcontact %s: it breaks the contract", owner)
    return found


def klantcontact(raw: Raw) -> Klantcontact:
    key = _key(raw, "klantcontacten")
    names = (
        "nummer",
        "referentienummer",
        "kanaal",
        "onderwerp",
        "inhoud",
        "reactie",
        "indicatieContactGelukt",
        "hoofdOnderwerpType",
        "verdereActieOndernomen",
        "taal",
        "vertrouwelijk",
        "plaatsgevondenOp",
        "metadata",
    )
    return Klantcontact(
        key=key,
        gingOverOnderwerpobjecten=refs(raw.get("gingOverOnderwerpobjecten"), "onderwerpobjecten"),
        hadBetrokkenActoren=_actoren(raw.get("hadBetrokkenActoren"), key),
        omvatteBijlagen=refs(raw.get("omvatteBijlagen"), "bijlagen"),
        hadBetrokkenen=refs(raw.get("hadBetrokkenen"), "betrokkenen"),
        leiddeTotInterneTaken=refs(raw.get("leiddeTotInterneTaken"), "internetaken"),
        **_fields(Klantcontact, raw, names),
    )


def betrokkene(raw: Raw) -> Betrokkene:
    return Betrokkene(
        key=_key(raw, "betrokkenen"),
        wasPartij=ref(raw.get("wasPartij"), "partijen"),
        hadKlantcontact=ref(raw.get("hadKlantcontact"), "klantcontacten"),
        digitaleAdressen=refs(raw.get("digitaleAdressen"), "digitaleadressen"),
        **_groups(raw, bezoekadres=Adres, correspondentieadres=Adres, contactnaam=Contactnaam),
        **_fields(Betrokkene, raw, ("rol", "organisatienaam", "initiator")),
    )


def onderwerpobject(raw: Raw) -> Onderwerpobject:
    groups = _groups(raw, onderwerpobjectidentificator=Identificator)
    zaak = facts_from(groups.get("onderwerpobjectidentificator"))
    return Onderwerpobject(
        key=_key(raw, "onderwerpobjecten"),
        klantcontact=ref(raw.get("klantcontact"), "klantcontacten"),
        wasKlantcontact=ref(raw.get("wasKlantcontact"), "klantcontacten"),
        **groups,
        zaak=zaak if isinstance(zaak, ZaakFacts) else None,
    )


def bijlage(raw: Raw) -> Bijlage:
    return Bijlage(
        key=_key(raw, "bijlagen"),
        wasBijlageVanKlantcontact=ref(raw.get("wasBijlageVanKlantcontact"), "klantcontacten"),
        **_groups(raw, bijlageidentificator=Identificator),
    )


def actor_klantcontact(raw: Raw) -> ActorKlantcontact:
    return ActorKlantcontact(
        key=_key(raw, "actorklantcontacten"),
        actor=ref(raw.get("actor"), "actoren"),
        klantcontact=ref(raw.get("klantcontact"), "klantcontacten"),
    )


def interne_taak(raw: Raw) -> InterneTaak:
    actoren = refs(raw.get("toegewezenAanActoren"), "actoren")
    if "toegewezenAanActoren" not in raw and (single := ref(raw.get("toegewezenAanActor"), "actoren")):
        actoren = [single]  # API versions before the list of actors
    names = ("nummer", "referentienummer", "gevraagdeHandeling", "toelichting", "status", "toegewezenOp")
    return InterneTaak(
        key=_key(raw, "internetaken"),
        aanleidinggevendKlantcontact=ref(raw.get("aanleidinggevendKlantcontact"), "klantcontacten"),
        toegewezenAanActoren=actoren,
        afgehandeldOp=raw.get("afgehandeldOp"),
        **_fields(InterneTaak, raw, names),
    )


def categorie(raw: Raw) -> Categorie:
    return Categorie(key=_key(raw, "categorieen"), **_fields(Categorie, raw, ("naam",)))


def categorie_relatie(raw: Raw) -> CategorieRelatie:
    value = raw.get("categorie")
    key = _ref_key(value, "categorieen")
    naam = value.get("naam") if isinstance(value, Mapping) else None
    return CategorieRelatie(
        key=_key(raw, "categorie-relaties"),
        partij=ref(raw.get("partij"), "partijen"),
        categorie=CategorieRef(key, naam or "") if key else None,
        **_fields(CategorieRelatie, raw, ("beginDatum", "eindDatum")),
    )


MAPPERS = {
    "partij-identificatoren": partij_identificator,
    "vertegenwoordigingen": vertegenwoordiging,
    "digitaleadressen": digitaal_adres,
    "rekeningnummers": rekeningnummer,
    "klantcontacten": klantcontact,
    "betrokkenen": betrokkene,
    "onderwerpobjecten": onderwerpobject,
    "bijlagen": bijlage,
    "actoren": actor,
    "actorklantcontacten": actor_klantcontact,
    "internetaken": interne_taak,
    "categorieen": categorie,
    "categorie-relaties": categorie_relatie,
}


def to_model(resource: str, raw: Raw, identificatoren: Mapping[str, Raw] | None = None) -> KIObject:
    """One upstream record as a model object; raises ValueError (incl. ValidationError) if it cannot be."""
    if not isinstance(raw, Mapping):
        raise Unmappable(f"a {resource} record that is not an object")
    if resource == "partijen":
        return partij(raw, identificatoren)
    return MAPPERS[resource](raw)


def expanded(resource: str, raw: Raw) -> Iterator[tuple[str, Raw]]:
    """Every (resource, record) the upstream returned under `_expand`, at any depth."""
    found = raw.get("_expand") if isinstance(raw, Mapping) else None
    if not isinstance(found, Mapping) or resource not in RESOURCES:
        return
    relations = RESOURCES[resource].relations
    for name, value in found.items():
        target = relations.get(name)
        if target is None:
            continue
        for record in value if isinstance(value, list) else [value]:
            if isinstance(record, Mapping):
                yield target, record
                yield from expanded(target, record)
