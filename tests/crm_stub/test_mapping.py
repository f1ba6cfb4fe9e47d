"""The CRM stub as a source: every record maps, keys round-trip, pushdown is exact, the story holds."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter, CrmStubSettings, from_settings
from adapters.crm_stub.crm import Crm
from adapters.crm_stub.story import HENK_BSN
from adapters.protocol import ListQuery
from adapters.registry import InvalidAdapterSettings, create_adapter
from mapping import crm as m
from mapping.contract import RESOURCES
from mapping.keys import TextKey
from mapping.ki import MODELS, KIObject, Ref

World = dict[str, dict[str, KIObject]]


async def list_all(adapter: CrmStubAdapter, resource: str, filters: dict | None = None, size: int = 100):
    """Every record of a listing, page by page, checking that the total holds on every page."""
    records: list[KIObject] = []
    totals = set()
    while True:
        page = await adapter.list(ListQuery(resource, filters or {}, len(records), size))
        totals.add(page.total)
        records += page.records
        if not page.records or len(records) >= page.total:
            break
    assert len(totals) == 1 and len(records) == totals.pop(), resource
    return records


def _load(path) -> tuple[CrmStubAdapter, World]:
    adapter = from_settings(CrmStubSettings(dataset=path))

    async def everything() -> World:
        return {r: {o.key: o for o in await list_all(adapter, r)} for r in MODELS}

    return adapter, asyncio.run(everything())


@pytest.fixture(scope="module", params=["demo", "second"])
def source(request) -> tuple[CrmStubAdapter, World]:
    return _load(dataset.BUNDLED / f"{request.param}.json")


@pytest.fixture(scope="module")
def demo() -> tuple[CrmStubAdapter, World]:
    return _load(dataset.DEMO)


@pytest.fixture(scope="module")
def second() -> tuple[CrmStubAdapter, World]:
    return _load(dataset.BUNDLED / "second.json")


# --- every record, every resource ------------------------------------------------------------


def test_every_record_maps_with_a_unique_text_key(source) -> None:
    adapter, world = source
    data = adapter.crm
    assert len(world["partijen"]) == len(data._customers)
    assert len(world["klantcontacten"]) == len(data._contacts)
    assert len(world["internetaken"]) == len(data._tasks)
    for resource, records in world.items():
        assert records, resource
        for key, record in records.items():
            assert isinstance(record, MODELS[resource])
            assert TextKey().pack(key) is not None, key
            MODELS[resource].model_validate(record.model_dump())


def _refs(value: Any) -> Iterable[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _field(record: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        record = getattr(record, name, None)
    return record


def test_every_reference_resolves(source) -> None:
    """Each Ref names an object the same source serves: keys of parts are built consistently."""
    _, world = source
    for resource, records in world.items():
        for record in records.values():
            for field, target in RESOURCES[resource].relations.items():
                for ref in _refs(_field(record, field)):
                    assert ref.key in world[target], (resource, record.key, field, ref.key)
    for partij in world["partijen"].values():
        for identificator in partij.partijIdentificatoren:
            assert world["partij-identificatoren"][identificator.key] == identificator
            sub = identificator.subIdentificatorVan
            assert sub is None or sub.key in world["partij-identificatoren"]
    for contact in world["klantcontacten"].values():
        for actor in contact.hadBetrokkenActoren:
            assert world["actoren"][actor.key] == actor


async def test_get_many_returns_every_listed_object(source) -> None:
    adapter, world = source
    for resource, records in world.items():
        found = await adapter.get_many(resource, list(records))
        assert found == records, resource


@pytest.mark.parametrize(
    ("resource", "keys"),
    [
        ("partijen", ["999999", "", "100001:bsn", "x" * 40]),
        ("partij-identificatoren", ["100001", "100001:kvk", "100001:xyz", ":bsn", "999999:bsn"]),
        ("digitaleadressen", ["100001:fax", "500005:0:e", "500005:9:p", "500005:x:p", "100001:email:p"]),
        ("betrokkenen", ["500001", "500001:7", "500001:-1", "500001:a", "999999:0"]),
        ("onderwerpobjecten", ["500001:prev", "500002:z9", "500002:d0", "500002"]),
        ("klantcontacten", ["999999", "KC-00001", "500001:0"]),
        ("actoren", ["E999", "e014", ""]),
        ("actorklantcontacten", ["500001:E002", "500001", "500001:"]),
        ("internetaken", ["700999", "500001"]),
        ("vertegenwoordigingen", ["100009:r100001", "100009:100008", "100009"]),
        ("categorieen", ["CAT99"]),
        ("categorie-relaties", ["100001:c5", "100001:i0"]),
        ("rekeningnummers", ["100001:i1", "100001:c0"]),
        ("bijlagen", ["500001:d0", "500002:d9"]),
    ],
)
async def test_unknown_and_malformed_keys_are_absent(demo, resource: str, keys: list[str]) -> None:
    adapter, _ = demo
    assert await adapter.get_many(resource, keys) == {}


async def test_get_many_reads_in_batches(demo) -> None:
    adapter, world = demo
    adapter.crm.reset_calls()
    await adapter.get_many("klantcontacten", list(world["klantcontacten"])[:100])
    assert adapter.crm.calls == {"contacts": 1, "search_tasks": 1, "staff": 1}
    adapter.crm.reset_calls()
    await adapter.get_many("partijen", list(world["partijen"])[:100])
    assert adapter.crm.calls == {"customers": 1, "contact_items": 1, "categories": 1}
    adapter.crm.reset_calls()
    await adapter.get_many("digitaleadressen", list(world["digitaleadressen"]))
    assert adapter.crm.calls == {"customers": 1, "contacts": 1}


async def test_find_partijen_is_one_batch_call(demo) -> None:
    adapter, _ = demo
    adapter.crm.reset_calls()
    found = await adapter.find_partijen([("bsn", HENK_BSN), ("kvk_nummer", "68750110"), ("bsn", "111222333")])
    assert sorted(p.key for p in found) == ["100001", "100002"]
    assert adapter.crm.calls["customers_by_identifiers"] == 1
    assert await adapter.find_partijen([("onbekend", "1")]) == []


async def test_ordered_resources_are_newest_first(source) -> None:
    adapter, _ = source
    for resource, field in (("klantcontacten", "plaatsgevondenOp"), ("internetaken", "toegewezenOp")):
        assert adapter.resources[resource].ordered
        records = await list_all(adapter, resource, size=37)
        order = [(getattr(r, field), r.key) for r in records]
        assert order == sorted(order, reverse=True)


async def test_pages_are_slices_of_the_whole(demo) -> None:
    adapter, _ = demo
    for resource in ("partijen", "digitaleadressen", "betrokkenen", "actoren", "klantcontacten"):
        whole = await list_all(adapter, resource, size=500)
        for offset, limit in ((0, 7), (95, 10), (len(whole) - 3, 10), (len(whole) + 5, 10)):
            page = await adapter.list(ListQuery(resource, {}, offset, limit))
            assert list(page.records) == whole[offset : offset + limit] and page.total == len(whole)


# --- pushdown: every declared filter against a brute-force filter written here ---------------


def _identificator_matches(groups: Iterable[Any], parts: dict[str, str]) -> bool:
    """True if one identificator has every given part (the parts hold on one and the same)."""
    return any(all(getattr(g, name) == value for name, value in parts.items()) for g in groups)


def _partij_groups(world: World, partij_key: str | None) -> list[Any]:
    partij = world["partijen"].get(partij_key or "")
    return [] if partij is None else [i.partijIdentificator for i in partij.partijIdentificatoren]


def _betrokkene_partijen(world: World, contact: Any) -> list[str]:
    parties = (world["betrokkenen"][ref.key].wasPartij for ref in contact.hadBetrokkenen)
    return [p.key for p in parties if p is not None]


def _key(ref: Ref | None) -> str | None:
    return None if ref is None else ref.key


# resource -> filter -> (predicate(record, value, world), kind of value); kinds: text, bool, keys:<resource>
Predicate = Callable[[Any, Any, World], bool]
BRUTE_FORCE: dict[str, dict[str, tuple[Predicate, str]]] = {
    "partijen": {
        "nummer": (lambda r, v, w: r.nummer == v, "text"),
        "soortPartij": (lambda r, v, w: r.soortPartij == v, "text"),
        "indicatieActief": (lambda r, v, w: r.indicatieActief == v, "bool"),
    },
    "partij-identificatoren": {},
    "vertegenwoordigingen": {
        "vertegenwoordigendePartij__uuid": (lambda r, v, w: r.vertegenwoordigendePartij.key in v, "keys:partijen"),
        "vertegenwoordigdePartij__uuid": (lambda r, v, w: r.vertegenwoordigdePartij.key in v, "keys:partijen"),
    },
    "digitaleadressen": {
        "adres": (lambda r, v, w: r.adres == v, "text"),
        "soortDigitaalAdres": (lambda r, v, w: r.soortDigitaalAdres == v, "text"),
        "verstrektDoorPartij__uuid": (lambda r, v, w: _key(r.verstrektDoorPartij) in v, "keys:partijen"),
        "verstrektDoorBetrokkene__uuid": (lambda r, v, w: _key(r.verstrektDoorBetrokkene) in v, "keys:betrokkenen"),
    },
    "rekeningnummers": {"iban": (lambda r, v, w: r.iban == v, "text")},
    "klantcontacten": {
        "nummer": (lambda r, v, w: r.nummer == v, "text"),
        "referentienummer": (lambda r, v, w: r.referentienummer == v, "text"),
        "kanaal": (lambda r, v, w: r.kanaal == v, "text"),
        "hadBetrokkene__wasPartij__uuid": (
            lambda r, v, w: any(p in v for p in _betrokkene_partijen(w, r)),
            "keys:partijen",
        ),
        "onderwerpobject__onderwerpobjectidentificatorObjectId": (
            lambda r, v, w: any(
                w["onderwerpobjecten"][o.key].onderwerpobjectidentificator.objectId == v
                for o in r.gingOverOnderwerpobjecten
            ),
            "text",
        ),
    },
    "betrokkenen": {
        "hadKlantcontact__uuid": (lambda r, v, w: r.hadKlantcontact.key in v, "keys:klantcontacten"),
        "wasPartij__uuid": (lambda r, v, w: _key(r.wasPartij) in v, "keys:partijen"),
        "wasPartij__nummer": (
            lambda r, v, w: r.wasPartij is not None and w["partijen"][r.wasPartij.key].nummer == v,
            "text",
        ),
    },
    "onderwerpobjecten": {
        "klantcontact__uuid": (lambda r, v, w: _key(r.klantcontact) in v, "keys:klantcontacten"),
        "wasKlantcontact__uuid": (lambda r, v, w: _key(r.wasKlantcontact) in v, "keys:klantcontacten"),
        "onderwerpobjectidentificatorObjectId": (
            lambda r, v, w: r.onderwerpobjectidentificator.objectId == v,
            "text",
        ),
    },
    "bijlagen": {
        "klantcontact__uuid": (lambda r, v, w: _key(r.wasBijlageVanKlantcontact) in v, "keys:klantcontacten"),
        "bijlageidentificatorObjectId": (lambda r, v, w: r.bijlageidentificator.objectId == v, "text"),
    },
    "actoren": {
        "soortActor": (lambda r, v, w: r.soortActor == v, "text"),
        "actoridentificatorObjectId": (lambda r, v, w: r.actoridentificator.objectId == v, "text"),
    },
    "actorklantcontacten": {
        "klantcontact__uuid": (lambda r, v, w: r.klantcontact.key in v, "keys:klantcontacten"),
        "actor__uuid": (lambda r, v, w: r.actor.key in v, "keys:actoren"),
    },
    "internetaken": {
        "nummer": (lambda r, v, w: r.nummer == v, "text"),
        "referentienummer": (lambda r, v, w: r.referentienummer == v, "text"),
        "status": (lambda r, v, w: r.status == v, "text"),
        "toegewezenAanActor__uuid": (lambda r, v, w: any(a.key in v for a in r.toegewezenAanActoren), "keys:actoren"),
        "aanleidinggevendKlantcontact__uuid": (
            lambda r, v, w: r.aanleidinggevendKlantcontact.key in v,
            "keys:klantcontacten",
        ),
        "klantcontact__uuid": (lambda r, v, w: r.aanleidinggevendKlantcontact.key in v, "keys:klantcontacten"),
    },
    "categorieen": {},
    "categorie-relaties": {
        "partij__uuid": (lambda r, v, w: _key(r.partij) in v, "keys:partijen"),
        "partij__nummer": (lambda r, v, w: r.partij is not None and w["partijen"][r.partij.key].nummer == v, "text"),
        "categorie__uuid": (lambda r, v, w: _key(r.categorie) in v, "keys:categorieen"),
    },
}

# resource -> (filter name prefix, how to get the identificator groups a record is matched on)
IDENTIFICATOR_FILTERS: dict[str, tuple[str, Callable[[Any, World], list[Any]]]] = {
    "partijen": ("partijIdentificator__", lambda r, w: [i.partijIdentificator for i in r.partijIdentificatoren]),
    "partij-identificatoren": ("partijIdentificator", lambda r, w: [r.partijIdentificator]),
    "klantcontacten": (
        "hadBetrokkene__wasPartij__partijIdentificator__",
        lambda r, w: [g for p in _betrokkene_partijen(w, r) for g in _partij_groups(w, p)],
    ),
    "digitaleadressen": (
        "verstrektDoorPartij__partijIdentificator__",
        lambda r, w: _partij_groups(w, _key(r.verstrektDoorPartij)),
    ),
}
PARTS = ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")


def _filter_name(prefix: str, part: str) -> str:
    return prefix + (part[0].upper() + part[1:] if prefix == "partijIdentificator" else part)


def test_every_declared_pushdown_is_checked_here() -> None:
    for resource, support in CrmStubAdapter.resources.items():
        checked = set(BRUTE_FORCE[resource])
        if resource in IDENTIFICATOR_FILTERS:
            prefix = IDENTIFICATOR_FILTERS[resource][0]
            checked |= {_filter_name(prefix, part) for part in PARTS}
        assert set(support.pushdown) == checked, resource
        assert set(support.pushdown) <= set(RESOURCES[resource].filters), resource
    assert set(CrmStubAdapter.resources) == set(MODELS)


def _sample(values: Iterable[Any], n: int = 6) -> list[Any]:
    ordered = sorted(set(values), key=repr)
    step = max(1, len(ordered) // n)
    return ordered[::step][:n]


def _values(kind: str, present: list[Any], world: World, resource: str, predicate: Predicate) -> list[Any]:
    """Test values: some that match records, one that matches nothing, and sets of several keys."""
    if kind == "bool":
        return [True, False]
    if kind == "text":
        return [*_sample(present), "", "bestaat-niet"]
    keys = list(world[kind.removeprefix("keys:")])
    records = list(world[resource].values())
    hits = [k for k in keys if any(predicate(r, frozenset([k]), world) for r in records)]
    picked = _sample(hits, 4) + _sample(keys, 2)
    return [frozenset([k]) for k in picked] + [frozenset(picked[:3]), frozenset(["bestaat-niet", keys[0]])]


# Values present in the data, per text filter, to pick test values from.
TEXT_SOURCES: dict[tuple[str, str], Callable[[World], Iterable[str]]] = {
    ("partijen", "nummer"): lambda w: w["partijen"],
    ("partijen", "soortPartij"): lambda w: ["persoon", "organisatie", "contactpersoon", "onbekend"],
    ("digitaleadressen", "adres"): lambda w: (r.adres for r in w["digitaleadressen"].values()),
    ("digitaleadressen", "soortDigitaalAdres"): lambda w: ["email", "telefoonnummer", "overig"],
    ("rekeningnummers", "iban"): lambda w: (r.iban for r in w["rekeningnummers"].values()),
    ("klantcontacten", "nummer"): lambda w: (r.nummer for r in w["klantcontacten"].values()),
    ("klantcontacten", "referentienummer"): lambda w: (r.nummer for r in w["klantcontacten"].values()),
    ("klantcontacten", "kanaal"): lambda w: [*m.KANAAL.values(), "Telefoon", "post"],
    ("klantcontacten", "onderwerpobject__onderwerpobjectidentificatorObjectId"): lambda w: (
        r.onderwerpobjectidentificator.objectId for r in w["onderwerpobjecten"].values()
    ),
    ("betrokkenen", "wasPartij__nummer"): lambda w: w["partijen"],
    ("onderwerpobjecten", "onderwerpobjectidentificatorObjectId"): lambda w: (
        r.onderwerpobjectidentificator.objectId for r in w["onderwerpobjecten"].values()
    ),
    ("bijlagen", "bijlageidentificatorObjectId"): lambda w: (
        r.bijlageidentificator.objectId for r in w["bijlagen"].values()
    ),
    ("actoren", "soortActor"): lambda w: ["medewerker", "organisatorische_eenheid", "geautomatiseerde_actor"],
    ("actoren", "actoridentificatorObjectId"): lambda w: w["actoren"],
    ("internetaken", "nummer"): lambda w: w["internetaken"],
    ("internetaken", "referentienummer"): lambda w: w["internetaken"],
    ("internetaken", "status"): lambda w: ["te_verwerken", "verwerkt", "open"],
    ("categorie-relaties", "partij__nummer"): lambda w: (r.partij.key for r in w["categorie-relaties"].values()),
}


def _cases() -> list[tuple[str, str]]:
    return [(resource, name) for resource, filters in BRUTE_FORCE.items() for name in filters]


async def _check(adapter: CrmStubAdapter, world: World, resource: str, filters: dict, keep) -> int:
    expected = [key for key, record in world[resource].items() if keep(record)]
    got = await list_all(adapter, resource, filters, size=40)
    assert sorted(r.key for r in got) == sorted(expected), (resource, filters)
    return len(expected)


@pytest.mark.parametrize(("resource", "name"), _cases())
async def test_pushdown_matches_brute_force(source, resource: str, name: str) -> None:
    adapter, world = source
    predicate, kind = BRUTE_FORCE[resource][name]
    present = list(TEXT_SOURCES.get((resource, name), lambda w: [])(world))
    matched = 0
    for value in _values(kind, present, world, resource, predicate):
        matched += await _check(adapter, world, resource, {name: value}, lambda r, v=value: predicate(r, v, world))
    assert matched, "no test value matched anything"


@pytest.mark.parametrize("resource", sorted(IDENTIFICATOR_FILTERS))
async def test_identificator_pushdown_matches_brute_force(source, resource: str) -> None:
    adapter, world = source
    prefix, groups_of = IDENTIFICATOR_FILTERS[resource]
    groups = [i.partijIdentificator for i in world["partij-identificatoren"].values()]
    kvk = next(g for g in groups if g.codeSoortObjectId == "kvk_nummer")
    combinations: list[dict[str, str]] = [
        {"codeSoortObjectId": "bsn", "objectId": HENK_BSN},
        {"codeSoortObjectId": "kvk_nummer", "objectId": HENK_BSN},  # parts of different identificators
        {"objectId": kvk.objectId},
        {"objectId": kvk.objectId, "codeRegister": "hr", "codeObjecttype": "niet_natuurlijk_persoon"},
        {"codeObjecttype": "vestiging"},
        {"codeRegister": "hr"},
        {"codeSoortObjectId": "rsin"},
        {"codeRegister": "brp", "codeObjecttype": "vestiging"},
        {"objectId": "000000000"},
        *({"codeSoortObjectId": g.codeSoortObjectId, "objectId": g.objectId} for g in _sample(groups, 4)),
    ]
    for parts in combinations:
        filters = {_filter_name(prefix, part): value for part, value in parts.items()}
        await _check(
            adapter, world, resource, filters, lambda r, p=parts: _identificator_matches(groups_of(r, world), p)
        )


async def test_combined_pushdown(demo) -> None:
    adapter, world = demo
    cases = [
        ("klantcontacten", {"kanaal": "telefoon", "hadBetrokkene__wasPartij__uuid": frozenset({"100003", "100001"})}),
        ("klantcontacten", {"nummer": "KC-00003", "referentienummer": "KC-00004"}),
        ("internetaken", {"status": "te_verwerken", "toegewezenAanActor__uuid": frozenset({"D01", "E014"})}),
        (
            "betrokkenen",
            {"hadKlantcontact__uuid": frozenset({"500007", "500008"}), "wasPartij__uuid": frozenset({"100010"})},
        ),
        (
            "digitaleadressen",
            {"verstrektDoorPartij__uuid": frozenset({"100001"}), "soortDigitaalAdres": "telefoonnummer"},
        ),
        ("digitaleadressen", {"verstrektDoorBetrokkene__uuid": frozenset({"500005:0"}), "adres": "0307654321"}),
        (
            "digitaleadressen",
            {
                "verstrektDoorPartij__uuid": frozenset({"100001"}),
                "verstrektDoorBetrokkene__uuid": frozenset({"500005:0"}),
            },
        ),
        (
            "onderwerpobjecten",
            {"onderwerpobjectidentificatorObjectId": "", "wasKlantcontact__uuid": frozenset({"500002"})},
        ),
        (
            "onderwerpobjecten",
            {"klantcontact__uuid": frozenset({"500003"}), "onderwerpobjectidentificatorObjectId": ""},
        ),
        (
            "categorie-relaties",
            {
                "partij__uuid": frozenset({"100009"}),
                "partij__nummer": "100009",
                "categorie__uuid": frozenset({"CAT05"}),
            },
        ),
    ]
    for resource, filters in cases:
        checks = [(BRUTE_FORCE[resource][name][0], value) for name, value in filters.items()]
        await _check(adapter, world, resource, filters, lambda r, c=checks: all(p(r, v, world) for p, v in c))


# --- the story -------------------------------------------------------------------------------


async def test_henk_in_three_capacities(demo) -> None:
    adapter, world = demo
    [henk] = await list_all(adapter, "partijen", {"partijIdentificator__objectId": HENK_BSN})
    assert henk.key == "100001" and henk.soortPartij == "persoon"
    assert henk.partijIdentificatie.contactnaam.volledige_naam == "Henk de Bruin"
    assert henk.voorkeursDigitaalAdres == Ref("100001:mobile")
    assert [a.key for a in henk.digitaleAdressen] == ["100001:email", "100001:phone", "100001:mobile"]
    assert world["digitaleadressen"]["100001:mobile"].isStandaardAdres
    assert not world["digitaleadressen"]["100001:phone"].isStandaardAdres
    email = world["digitaleadressen"]["100001:email"]
    assert (email.referentie, str(email.verificatieDatum)) == ("email", "2024-05-02")
    assert world["digitaleadressen"]["100001:mobile"].referentie == "mobiel"
    capacities = {}
    for key in ("100003", "100005"):
        partij = world["partijen"][key]
        assert partij.soortPartij == "contactpersoon" and partij.partijIdentificatoren == []
        assert partij.partijIdentificatie.contactnaam.volledige_naam == "Henk de Bruin"
        employer = world["partijen"][partij.partijIdentificatie.werkteVoorPartij.key]
        contacts = await list_all(adapter, "klantcontacten", {"hadBetrokkene__wasPartij__uuid": frozenset({key})})
        capacities[employer.partijIdentificatie.naam] = {c.onderwerp for c in contacts}
    assert "Stand van zaken omgevingsvergunning graafwerkzaamheden" in capacities["Graafmachine Verhuur v.o.f."]
    assert "Huur sporthal voor zaalvoetbaltoernooi" in capacities["Lokale Zaalvoetbalvereniging"]


async def test_henk_in_the_second_crm(demo, second) -> None:
    second, _ = second
    [there] = await second.find_partijen([("bsn", HENK_BSN)])
    [here] = await demo[0].find_partijen([("bsn", HENK_BSN)])
    assert (
        there.key != here.key
        and there.digitaleAdressen
        and there.partijIdentificatoren[0].partijIdentificator == (here.partijIdentificatoren[0].partijIdentificator)
    )
    assert (await second.get_many("digitaleadressen", ["300001:email"]))[
        "300001:email"
    ].adres != "henk.debruin@example.nl"
    assert (
        len(await list_all(second, "klantcontacten", {"hadBetrokkene__wasPartij__uuid": frozenset({there.key})})) >= 2
    )


async def test_follow_up_answers_the_earlier_contact(demo) -> None:
    adapter, world = demo
    previous = world["onderwerpobjecten"]["500003:prev"]
    assert previous.klantcontact == Ref("500003") and previous.wasKlantcontact == Ref("500002")
    assert previous.onderwerpobjectidentificator.objectId == ""
    zaak = world["onderwerpobjecten"]["500002:z0"].onderwerpobjectidentificator
    assert (zaak.codeObjecttype, zaak.codeSoortObjectId, zaak.codeRegister) == ("zaak", "uuid", "open-zaak")
    history = await list_all(
        adapter, "klantcontacten", {"onderwerpobject__onderwerpobjectidentificatorObjectId": zaak.objectId}
    )
    assert [c.key for c in history] == ["500003", "500002"]
    by_number = world["onderwerpobjecten"]["500008:z0"].onderwerpobjectidentificator
    assert (by_number.objectId, by_number.codeSoortObjectId) == ("ZAAK-2025-0000456", "zaaknummer")
    task = world["internetaken"]["700001"]
    assert task.status == "verwerkt" and task.afgehandeldOp and task.toegewezenAanActoren == [Ref("E014")]


def test_unknown_caller_and_unknown_sender(demo) -> None:
    _, world = demo
    caller = world["betrokkenen"]["500005:0"]
    assert caller.wasPartij is None and caller.contactnaam.achternaam == "Koster" and caller.initiator
    assert [world["digitaleadressen"][a.key].adres for a in caller.digitaleAdressen] == ["0307654321"]
    assert world["digitaleadressen"]["500005:0:p"].verstrektDoorBetrokkene == Ref("500005:0")
    sender = world["betrokkenen"]["500010:0"]
    assert sender.wasPartij is None and world["digitaleadressen"]["500010:0:e"].soortDigitaalAdres == "email"
    email = world["klantcontacten"]["500010"]
    assert len(email.omvatteBijlagen) == 2 and [a.soortActor for a in email.hadBetrokkenActoren] == [
        "geautomatiseerde_actor"
    ]
    callback = world["internetaken"]["700003"]
    assert callback.status == "te_verwerken" and callback.toegewezenAanActoren == [Ref("D01")]


def test_every_channel_and_both_kinds_of_assignee(demo) -> None:
    _, world = demo
    story = {k: c for k, c in world["klantcontacten"].items() if k < "500100"}
    assert {c.kanaal for c in story.values()} == set(m.KANAAL.values())
    soort = {a.key: a.soortActor for a in world["actoren"].values()}
    assignments = {(soort[a.key], t.status) for t in world["internetaken"].values() for a in t.toegewezenAanActoren}
    assert assignments >= {
        (s, st) for s in ("medewerker", "organisatorische_eenheid") for st in ("te_verwerken", "verwerkt")
    }
    chat = world["klantcontacten"]["500009"]
    assert chat.kanaal == "chat" and len(chat.inhoud) == 1000
    assert chat.verdereActieOndernomen is False and world["klantcontacten"]["500002"].verdereActieOndernomen


def test_representation_branches_and_categories(demo) -> None:
    _, world = demo
    stichting = world["partijen"]["100009"]
    assert stichting.vertegenwoordigden == [Ref("100008")]
    assert world["vertegenwoordigingen"]["100009:r100008"].vertegenwoordigendePartij == Ref("100009")
    assert world["partijen"]["100011"].vertegenwoordigden == [Ref("100012")]
    webform = world["klantcontacten"]["500008"]
    roles = sorted(
        (world["betrokkenen"][b.key].rol, world["betrokkenen"][b.key].initiator) for b in webform.hadBetrokkenen
    )
    assert roles == [("klant", False), ("vertegenwoordiger", True)]
    assert world["partij-identificatoren"]["100002:vtn"].subIdentificatorVan == Ref("100002:kvk")
    assert world["partij-identificatoren"]["100007:vtn"].subIdentificatorVan == Ref("100006:kvk")
    [relation] = stichting.categorieRelaties
    assert (relation.categorieNaam, str(relation.eindDatum)) == ("Zorgaanbieder", "2026-12-31")
    assert world["rekeningnummers"]["100001:i0"].iban == "NL91ABNA0417164300"


# --- robustness and settings -----------------------------------------------------------------


async def test_a_record_breaking_the_contract_is_skipped_without_its_bsn(demo, caplog) -> None:
    data = dataset.load()
    henk = next(c for c in data.customers if c.number == "100001")
    broken = dataclasses.replace(henk, note="x" * 1001)  # interneNotitie allows 1000
    customers = tuple(broken if c is henk else c for c in data.customers)
    adapter = CrmStubAdapter(Crm(dataclasses.replace(data, customers=customers)))
    with caplog.at_level(logging.WARNING):
        found = await adapter.get_many("partijen", ["100001", "100002"])
    assert list(found) == ["100002"]
    assert "partijen 100001" in caplog.text and "interneNotitie" in caplog.text
    assert HENK_BSN not in caplog.text


def test_from_settings(tmp_path) -> None:
    with pytest.raises(InvalidAdapterSettings, match="datset: Extra inputs are not permitted"):
        create_adapter("crm_stub", {"datset": "demo.json"})
    with pytest.raises(InvalidAdapterSettings, match="latency: Input should be greater than or equal to 0"):
        create_adapter("crm_stub", {"latency": -1})
    with pytest.raises(InvalidAdapterSettings, match="dataset: Value error, no dataset file"):
        create_adapter("crm_stub", {"dataset": "second.json"}, config_dir=tmp_path)
    adapter = create_adapter(
        "crm_stub", {"dataset": dataset.BUNDLED / "second.json", "latency": "0.01", "zaak_register": "zaken-api"}
    )
    assert isinstance(adapter, CrmStubAdapter)
    assert adapter.crm.name == "Sociaal domein CRM" and adapter.crm.latency == 0.01
    relative = create_adapter("crm_stub", {"dataset": "second.json"}, config_dir=dataset.BUNDLED)
    assert isinstance(relative, CrmStubAdapter) and relative.crm.name == "Sociaal domein CRM"
    assert from_settings(CrmStubSettings()).crm.name == "KCC CRM Voorbeeldstad"


async def test_zaak_register_setting_is_used() -> None:
    adapter = from_settings(CrmStubSettings(zaak_register="zaken-api"))
    found = await adapter.get_many("onderwerpobjecten", ["500002:z0"])
    assert found["500002:z0"].onderwerpobjectidentificator.codeRegister == "zaken-api"
