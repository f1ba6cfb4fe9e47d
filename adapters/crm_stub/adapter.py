"""The CRM stub as a Klantinteracties source: which native calls answer which query.

Top-level resources map one native record each (customer -> partij, contact -> klantcontact,
task -> internetaak, staff member -> actor, category -> categorie). The other resources are
*parts* of a customer or contact (see the key table in `mapping/crm.py`) and are read in one
of two ways:

- filtered by their owner (``klantcontact__uuid``, ``verstrektDoorPartij__uuid``, ...): read
  those few owners in one batch call and filter their parts here, exactly;
- otherwise: page through the CRM's item rows (`Crm.customer_items` / `Crm.contact_items`),
  which carry the total, then read the owners of that page in one batch call.

Only filters the CRM answers natively are declared as pushdown, all of them exactly; the
engine applies every other filter. Klantcontacten and internetaken come newest first, ties by
key descending: the CRM's own order. Other resources come in a stable order.

Writes (`writes.py`) go into the CRM's in-memory records through its own write API; the dataset
file is never changed, so every start begins from it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from adapters.api import (
    IDENTIFIER_PARTS,
    Adapter,
    AdapterSettings,
    ConfigPath,
    ListPage,
    ListQuery,
    Pushdown,
    QueryFilters,
    ResourceSupport,
    build_or_skip,
    concurrently,
)
from adapters.crm_stub import dataset
from adapters.crm_stub.crm import Crm, Page
from adapters.crm_stub.writes import WRITE_SUPPORT, CrmWrites
from mapping import crm as m
from mapping.crm_records import Category, Contact, Customer, IdentifierKind, Item, rows
from mapping.ki import (
    ActorKlantcontact,
    Betrokkene,
    Bijlage,
    CategorieRelatie,
    DigitaalAdres,
    KIObject,
    Onderwerpobject,
    Partij,
    Vertegenwoordiging,
)

Owner = Literal["customer", "contact"]
ItemSearch = Callable[..., Awaitable[Page[Item]]]
KIND_BY_SOORT_OBJECT_ID: dict[str, IdentifierKind] = {codes[1]: kind for kind, codes in m.IDENTIFIER_CODES.items()}
# soortDigitaalAdres ("*": any) -> the CRM's item kinds: customer fields, one-off participant details
ADDRESS_ITEM_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "email": (("email", "detail_email"), ("participant_email",)),
    "telefoonnummer": (("phone", "mobile", "detail_phone"), ("participant_phone",)),
    "overig": (("detail_other",), ()),
    "*": (
        (*m.ADDRESS_KINDS, "detail_email", "detail_phone", "detail_other"),
        ("participant_phone", "participant_email"),
    ),
}
CUSTOMER_PARTS = (
    "partij-identificatoren",
    "digitaleadressen",
    "rekeningnummers",
    "categorie-relaties",
    "vertegenwoordigingen",
)
CONTACT_PARTS = ("betrokkenen", "digitaleadressen", "onderwerpobjecten", "bijlagen", "actorklantcontacten")

E = Pushdown.EXACT


def _identificator_pushdown(prefix: str) -> dict[str, Pushdown]:
    return {f"{prefix}{part}": E for part in IDENTIFIER_PARTS}


class _Filters(QueryFilters):
    """The query's filters, plus their translation into the CRM's identifier search."""

    def identificator(self, prefix: str) -> dict[str, Any] | None:
        """`Crm.search_customers` arguments for the `<prefix>*` parts, which must hold on one identificator."""
        parts = [self.text(prefix + part) for part in IDENTIFIER_PARTS]
        if all(p is None for p in parts):
            return None
        codeObjecttype, codeSoortObjectId, objectId, codeRegister = parts
        kinds = m.identifier_kinds(codeObjecttype, codeSoortObjectId, codeRegister)
        if objectId is None:
            return {"identifier_kinds": kinds}
        return {"identifiers": [(kind, objectId) for kind in kinds]}


def _intersect(*sets: Collection[str] | None) -> set[str] | None:
    """The values allowed by every given filter (None: no filter given)."""
    given = [set(s) for s in sets if s is not None]
    return set.intersection(*given) if given else None


def _everything(record: Any) -> bool:
    return True


def _names(onderwerpobject: Onderwerpobject, object_id: str) -> bool:
    """Does this onderwerpobject name `object_id`: as its own objectId, or as its zaak's UUID or number?"""
    own = onderwerpobject.onderwerpobjectidentificator
    zaak = onderwerpobject.zaak
    return (own is not None and own.objectId == object_id) or (
        zaak is not None and object_id in (zaak.uuid, zaak.identificatie)
    )


def _slice(records: Sequence[KIObject], query: ListQuery) -> ListPage:
    return ListPage(list(records[query.offset : query.offset + query.limit]), len(records))


def _build(resource: str, lazies: Iterable[m.Lazy], wanted: Collection[str] | None = None) -> dict[str, KIObject]:
    """Build the objects (only the `wanted` keys), skipping any that break the contract."""
    built: dict[str, KIObject] = {}
    for key, build in lazies:
        if wanted is not None and key not in wanted:
            continue
        if (obj := build_or_skip("crm_stub", resource, key, build)) is not None:
            built[key] = obj
    return built


class CrmStubAdapter(CrmWrites, Adapter):
    """Serves all fourteen resources from one `Crm`, and writes them into it."""

    resources: ClassVar[Mapping[str, ResourceSupport]] = {
        "partijen": ResourceSupport(
            pushdown={
                "nummer": E,
                "soortPartij": E,
                "indicatieActief": E,
                **_identificator_pushdown("partijIdentificator__"),
            }
        ),
        "partij-identificatoren": ResourceSupport(
            pushdown={
                "partijIdentificatorCodeObjecttype": E,
                "partijIdentificatorCodeSoortObjectId": E,
                "partijIdentificatorObjectId": E,
                "partijIdentificatorCodeRegister": E,
            }
        ),
        "vertegenwoordigingen": ResourceSupport(
            pushdown={"vertegenwoordigendePartij__uuid": E, "vertegenwoordigdePartij__uuid": E}
        ),
        "digitaleadressen": ResourceSupport(
            pushdown={
                "adres": E,
                "soortDigitaalAdres": E,
                "verstrektDoorPartij__uuid": E,
                "verstrektDoorBetrokkene__uuid": E,
                **_identificator_pushdown("verstrektDoorPartij__partijIdentificator__"),
            }
        ),
        "rekeningnummers": ResourceSupport(pushdown={"iban": E}),
        "klantcontacten": ResourceSupport(
            pushdown={
                "nummer": E,
                "referentienummer": E,
                "kanaal": E,
                "hadBetrokkene__wasPartij__uuid": E,
                **_identificator_pushdown("hadBetrokkene__wasPartij__partijIdentificator__"),
                "onderwerpobject__onderwerpobjectidentificatorObjectId": E,
            },
            ordered=True,
        ),
        "betrokkenen": ResourceSupport(
            pushdown={"hadKlantcontact__uuid": E, "wasPartij__uuid": E, "wasPartij__nummer": E}
        ),
        "onderwerpobjecten": ResourceSupport(
            pushdown={"klantcontact__uuid": E, "wasKlantcontact__uuid": E, "onderwerpobjectidentificatorObjectId": E}
        ),
        "bijlagen": ResourceSupport(pushdown={"klantcontact__uuid": E, "bijlageidentificatorObjectId": E}),
        "actoren": ResourceSupport(pushdown={"soortActor": E, "actoridentificatorObjectId": E}),
        "actorklantcontacten": ResourceSupport(pushdown={"klantcontact__uuid": E, "actor__uuid": E}),
        "internetaken": ResourceSupport(
            pushdown={
                "nummer": E,
                "referentienummer": E,
                "status": E,
                "toegewezenAanActor__uuid": E,
                "aanleidinggevendKlantcontact__uuid": E,
                "klantcontact__uuid": E,
            },
            ordered=True,
        ),
        "categorieen": ResourceSupport(),
        "categorie-relaties": ResourceSupport(pushdown={"partij__uuid": E, "partij__nummer": E, "categorie__uuid": E}),
    }
    resources = {name: dataclasses.replace(support, writes=WRITE_SUPPORT[name]) for name, support in resources.items()}

    def __init__(self, crm: Crm, *, zaak_register: str = m.DEFAULT_ZAAK_REGISTER):
        self.crm = crm
        self.zaak_register = zaak_register

    # --- the protocol ------------------------------------------------------------------------

    async def list(self, query: ListQuery) -> ListPage:
        handler = getattr(self, "_list_" + query.resource.replace("-", "_"), None)
        if handler is None or query.resource not in self.resources:
            raise ValueError(f"crm_stub does not serve {query.resource!r}")
        return await handler(query)

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        wanted = set(keys)
        if not wanted:
            return {}
        if resource == "partijen":
            return await self._partijen(await self.crm.customers(wanted))
        if resource == "klantcontacten":
            return await self._klantcontacten(await self.crm.contacts(wanted))
        if resource == "internetaken":
            return _build(resource, ((t.id, partial(m.interne_taak, t)) for t in await self.crm.tasks(wanted)))
        if resource == "actoren":
            return _build(resource, ((s.id, partial(m.actor, s)) for s in await self.crm.staff(wanted)))
        if resource == "categorieen":
            return _build(resource, ((c.id, partial(m.categorie, c)) for c in await self.crm.categories(wanted)))
        return await self._parts_by_keys(resource, wanted)

    async def find_partijen(self, identificatoren: Collection[tuple[str, str]]) -> Sequence[Partij] | None:
        pairs = [
            (KIND_BY_SOORT_OBJECT_ID[soort], value)
            for soort, value in identificatoren
            if soort in KIND_BY_SOORT_OBJECT_ID
        ]
        if not pairs:
            return []
        found = await self._partijen(await self.crm.customers_by_identifiers(pairs))
        return list(found.values())  # type: ignore[arg-type]

    # --- mapping native records, with the relations they need --------------------------------

    async def _partijen(self, customers: Sequence[Customer]) -> dict[str, KIObject]:
        if not customers:
            return {}
        participations, categories = await concurrently(
            [
                self.crm.contact_items(["participant"], [c.number for c in customers], limit=None),
                self._categories({mm.category for c in customers for _, mm in rows(c.categories)}),
            ]
        )
        betrokkenen: dict[str | None, list[str]] = defaultdict(list)
        for item in participations.items:
            betrokkenen[item.target].append(m.item_key(item))
        lazies = ((c.number, partial(m.partij, c, betrokkenen[c.number], categories)) for c in customers)
        return _build("partijen", lazies)

    async def _klantcontacten(self, contacts: Sequence[Contact]) -> dict[str, KIObject]:
        if not contacts:
            return {}
        staff_ids = {s for c in contacts for s in c.handled_by}
        tasks, staff = await concurrently(
            [self.crm.search_tasks(contacts=[c.id for c in contacts], limit=None), self.crm.staff(staff_ids)]
        )
        taken: dict[str, list[str]] = defaultdict(list)
        for task in tasks.items:
            taken[task.contact].append(task.id)
        actoren = _build("actoren", ((s.id, partial(m.actor, s)) for s in staff))
        lazies = (
            (c.id, partial(m.klantcontact, c, taken[c.id], [actoren[s] for s in c.handled_by if s in actoren]))
            for c in contacts
        )
        return _build("klantcontacten", lazies)

    async def _categories(self, ids: Collection[str]) -> dict[str, Category]:
        return {c.id: c for c in await self.crm.categories(ids)} if ids else {}

    async def _customer_parts(
        self, resource: str, customers: Sequence[Customer], wanted: Collection[str] | None = None
    ) -> dict[str, KIObject]:
        if resource == "categorie-relaties":
            categories = await self._categories({mm.category for c in customers for _, mm in rows(c.categories)})
            return _build(
                resource, (lazy for c in customers for lazy in m.categorie_relaties_of(c, categories)), wanted
            )
        parts: Callable[[Customer], list[m.Lazy]] = {
            "partij-identificatoren": m.identificatoren_of,
            "digitaleadressen": m.adressen_of,
            "rekeningnummers": m.rekeningnummers_of,
            "vertegenwoordigingen": m.vertegenwoordigingen_of,
        }[resource]
        return _build(resource, (lazy for c in customers for lazy in parts(c)), wanted)

    async def _contact_parts(
        self, resource: str, contacts: Sequence[Contact], wanted: Collection[str] | None = None
    ) -> dict[str, KIObject]:
        if resource == "betrokkenen":
            numbers = {p.customer for c in contacts for _, p in rows(c.participants) if p.customer}
            customers = {c.number: c for c in await self.crm.customers(numbers)} if numbers else {}
            return _build(resource, (lazy for c in contacts for lazy in m.betrokkenen_of(c, customers)), wanted)
        if resource == "digitaleadressen":
            return await self._contact_addresses(contacts, wanted)
        parts: Callable[[Contact], list[m.Lazy]] = {
            "onderwerpobjecten": partial(m.onderwerpobjecten_of, register=self.zaak_register),
            "bijlagen": m.bijlagen_of,
            "actorklantcontacten": m.actorklantcontacten_of,
        }[resource]
        return _build(resource, (lazy for c in contacts for lazy in parts(c)), wanted)

    async def _contact_addresses(
        self, contacts: Sequence[Contact], wanted: Collection[str] | None
    ) -> dict[str, KIObject]:
        """Addresses given at these contacts: one-off ones of their participants, and those their
        customers gave as participants (which stay the customers' own)."""
        ids = {c.id for c in contacts}
        numbers = {p.customer for c in contacts for _, p in rows(c.participants) if p.customer}
        customers = await self.crm.customers(numbers) if numbers else []
        given = [
            (m.detail_key(c.number, i), partial(m.detail_adres, c, i))
            for c in customers
            for i, d in rows(c.contact_details)
            if d.given_at in ids
        ]
        lazies = [lazy for c in contacts for lazy in m.los_adressen_of(c)]
        return _build("digitaleadressen", [*lazies, *given], wanted)

    async def _parts_of(
        self, resource: str, owner: Owner, ids: Collection[str], wanted: Collection[str] | None = None
    ) -> dict[str, KIObject]:
        """Parts of these customers or contacts (one batch read of the owners)."""
        if not ids:
            return {}
        if owner == "customer":
            return await self._customer_parts(resource, await self.crm.customers(ids), wanted)
        return await self._contact_parts(resource, await self.crm.contacts(ids), wanted)

    async def _parts_by_keys(self, resource: str, keys: Collection[str]) -> dict[str, KIObject]:
        """Parts by key; a digitaal adres of a participant has one more `:` than a customer's."""
        wanted = set(keys)
        by_owner: dict[Owner, set[str]] = {"customer": set(), "contact": set()}
        for key in wanted:
            if resource in CONTACT_PARTS and (resource != "digitaleadressen" or key.count(":") == 2):
                by_owner["contact"].add(m.owner(key))
            elif resource in CUSTOMER_PARTS:
                by_owner["customer"].add(m.owner(key))
        found = await concurrently(self._parts_of(resource, o, ids, wanted) for o, ids in by_owner.items() if ids)
        return {key: record for part in found for key, record in part.items()}

    async def _from_items(self, resource: str, pages: Sequence[Page[Item]]) -> ListPage:
        """The objects behind pages of item rows, in row order, with their summed total."""
        keys = [m.item_key(item) for page in pages for item in page.items]
        records = await self._parts_by_keys(resource, keys)
        return ListPage([records[k] for k in keys if k in records], sum(page.total for page in pages))

    async def _parts(
        self,
        query: ListQuery,
        owner: Owner,
        owners: Collection[str] | None,
        keep: Callable[[Any], bool],
        kinds: Collection[str],
        targets: Collection[str] | None,
    ) -> ListPage:
        """A part resource: from the given owners (filtered by `keep`), else from the CRM's item rows."""
        if owners is not None:
            records = await self._parts_of(query.resource, owner, owners)
            return _slice([r for r in records.values() if keep(r)], query)
        search = self.crm.customer_items if owner == "customer" else self.crm.contact_items
        page = await self._items(search, kinds, targets, query.offset, query.limit)
        return await self._from_items(query.resource, [page])

    # --- list, per resource ------------------------------------------------------------------

    async def _list_partijen(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        soort = f.text("soortPartij")
        page = await self.crm.search_customers(
            numbers=f.texts("nummer"),
            kinds=None if soort is None else [m.KIND_BY_SOORT_PARTIJ.get(soort, "")],
            active=f.flag("indicatieActief"),
            **(f.identificator("partijIdentificator__") or {}),
            offset=q.offset,
            limit=q.limit,
        )
        records = await self._partijen(page.items)
        return ListPage([records[c.number] for c in page.items if c.number in records], page.total)

    async def _list_klantcontacten(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        customers = await self._customers_filter(f, "hadBetrokkene__wasPartij__uuid", "hadBetrokkene__wasPartij__")
        references = f.texts("nummer", "referentienummer")
        if references is not None and len(references) > 1:
            return ListPage([], 0)
        kanaal = f.text("kanaal")
        object_id = f.text("onderwerpobject__onderwerpobjectidentificatorObjectId")
        page = await self.crm.search_contacts(
            customers=customers,
            # The CRM's code for this kanaal, or its name; a kanaal spelled as a code matches nothing.
            channel=None if kanaal is None else (m.channel_of(kanaal) or ""),
            reference=None if references is None else references.pop(),
            # A follow-up's onderwerpobject has an empty identificator: objectId "" finds follow-ups.
            case=object_id,
            offset=q.offset,
            limit=q.limit,
        )
        records = await self._klantcontacten(page.items)
        return ListPage([records[c.id] for c in page.items if c.id in records], page.total)

    async def _list_internetaken(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        ids = f.texts("nummer", "referentienummer")
        if ids is not None and len(ids) > 1:
            return ListPage([], 0)
        status = f.text("status")
        page = await self.crm.search_tasks(
            ids=ids,
            contacts=_intersect(f.keys("aanleidinggevendKlantcontact__uuid"), f.keys("klantcontact__uuid")),
            assignees=f.keys("toegewezenAanActor__uuid"),
            status=None if status is None else m.STATUS_BY_KI.get(status, ""),  # type: ignore[arg-type]
            offset=q.offset,
            limit=q.limit,
        )
        records = _build("internetaken", ((t.id, partial(m.interne_taak, t)) for t in page.items))
        return ListPage([records[t.id] for t in page.items if t.id in records], page.total)

    async def _list_actoren(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        soort = f.text("soortActor")
        # an objectId is a staff id, or an employee's e-mail address (the facts clients look for)
        ids = f.texts("actoridentificatorObjectId")
        tables = {
            "medewerker": self.crm.employees,
            "organisatorische_eenheid": self.crm.departments,
            "geautomatiseerde_actor": self.crm.system_users,
        }
        reads = [read(ids) for name, read in tables.items() if soort in (None, name)]
        if ids is not None and soort in (None, "medewerker"):
            reads.append(self.crm.employees_by_email(ids))
        found = {s.id: s for answer in await concurrently(reads) for s in answer}
        staff = [found[i] for i in sorted(found)]
        records = _build("actoren", ((s.id, partial(m.actor, s)) for s in staff))
        return _slice(list(records.values()), q)

    async def _list_categorieen(self, q: ListQuery) -> ListPage:
        records = _build("categorieen", ((c.id, partial(m.categorie, c)) for c in await self.crm.categories()))
        return _slice(list(records.values()), q)

    async def _list_partij_identificatoren(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        kinds = m.identifier_kinds(
            f.text("partijIdentificatorCodeObjecttype"),
            f.text("partijIdentificatorCodeSoortObjectId"),
            f.text("partijIdentificatorCodeRegister"),
        )
        return await self._parts(q, "customer", None, _everything, kinds, f.texts("partijIdentificatorObjectId"))

    async def _list_vertegenwoordigingen(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        represented = f.keys("vertegenwoordigdePartij__uuid")

        def keep(r: Vertegenwoordiging) -> bool:
            return represented is None or r.vertegenwoordigdePartij.key in represented

        owners = f.keys("vertegenwoordigendePartij__uuid")
        return await self._parts(q, "customer", owners, keep, ["represents"], represented)

    async def _list_rekeningnummers(self, q: ListQuery) -> ListPage:
        ibans = _Filters(q.filters).texts("iban")
        return await self._parts(q, "customer", None, _everything, ["bank_account"], ibans)

    async def _list_categorie_relaties(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        categories = f.keys("categorie__uuid")

        def keep(r: CategorieRelatie) -> bool:
            return categories is None or (r.categorie is not None and r.categorie.key in categories)

        owners = _intersect(f.keys("partij__uuid"), f.texts("partij__nummer"))
        return await self._parts(q, "customer", owners, keep, ["category"], categories)

    async def _list_betrokkenen(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        customers = _intersect(f.keys("wasPartij__uuid"), f.texts("wasPartij__nummer"))

        def keep(r: Betrokkene) -> bool:
            return customers is None or (r.wasPartij is not None and r.wasPartij.key in customers)

        return await self._parts(q, "contact", f.keys("hadKlantcontact__uuid"), keep, ["participant"], customers)

    async def _list_onderwerpobjecten(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        object_id = f.text("onderwerpobjectidentificatorObjectId")
        previous = f.keys("wasKlantcontact__uuid")

        def keep(r: Onderwerpobject) -> bool:
            return (object_id is None or _names(r, object_id)) and (
                previous is None or (r.wasKlantcontact is not None and r.wasKlantcontact.key in previous)
            )

        owners = f.keys("klantcontact__uuid")
        if object_id:  # a zaak by its UUID or number, or a linked object: the contacts about it, checked here
            about = await self.crm.search_contacts(case=object_id, limit=None)
            owners = _intersect(owners, [c.id for c in about.items])
        if owners is not None or (previous is None and object_id is None):
            return await self._parts(q, "contact", owners, keep, ["case", "follow_up", "link"], None)
        # by the earlier contact, or by an empty objectId: the few candidate rows, checked here; a
        # follow-up's (objectId "") and a link's to an earlier contact ("link_previous") target is that contact
        search = self.crm.contact_items
        if previous is not None:
            pages = [await self._items(search, ["follow_up", "link_previous"], previous, 0, None)]
        else:
            pages = [
                await self._items(search, ["follow_up"], None, 0, None),
                await self._items(search, ["link"], {""}, 0, None),
            ]
        candidates = await self._from_items(q.resource, pages)
        return _slice([r for r in candidates.records if keep(r)], q)  # type: ignore[arg-type]

    async def _list_bijlagen(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        object_ids = f.texts("bijlageidentificatorObjectId")

        def keep(r: Bijlage) -> bool:
            return object_ids is None or (
                r.bijlageidentificator is not None and r.bijlageidentificator.objectId in object_ids
            )

        return await self._parts(q, "contact", f.keys("klantcontact__uuid"), keep, ["document"], object_ids)

    async def _list_actorklantcontacten(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        actors = f.keys("actor__uuid")

        def keep(r: ActorKlantcontact) -> bool:
            return actors is None or r.actor.key in actors

        return await self._parts(q, "contact", f.keys("klantcontact__uuid"), keep, ["handler"], actors)

    async def _list_digitaleadressen(self, q: ListQuery) -> ListPage:
        f = _Filters(q.filters)
        soort, adres = f.text("soortDigitaalAdres"), f.text("adres")
        betrokkenen = f.keys("verstrektDoorBetrokkene__uuid")
        partijen = await self._customers_filter(f, "verstrektDoorPartij__uuid", "verstrektDoorPartij__")

        def keep(r: DigitaalAdres) -> bool:
            by = r.verstrektDoorBetrokkene
            return (
                (soort is None or r.soortDigitaalAdres == soort)
                and (adres is None or r.adres == adres)
                and (betrokkenen is None or (by is not None and by.key in betrokkenen))
            )

        if partijen is not None:
            # an address given by both is the partij's: its customer's parts hold it
            return await self._parts(q, "customer", partijen, keep, (), None)
        if betrokkenen is not None:
            return await self._parts(q, "contact", {m.owner(k) for k in betrokkenen}, keep, (), None)
        # Customers' addresses first, then one-off ones: page through both row sets in turn.
        customer_kinds, contact_kinds = ADDRESS_ITEM_KINDS.get("*" if soort is None else soort, ((), ()))
        targets = None if adres is None else {adres}
        first = await self._items(self.crm.customer_items, customer_kinds, targets, q.offset, q.limit)
        offset, rest = max(0, q.offset - first.total), q.limit - len(first.items)
        second = await self._items(self.crm.contact_items, contact_kinds, targets, offset, rest)
        return await self._from_items(q.resource, [first, second])

    async def _customers_filter(self, f: _Filters, uuid_filter: str, prefix: str) -> set[str] | None:
        """Customer numbers allowed by a `<relation>__uuid` filter and `<relation>__partijIdentificator__*`."""
        numbers = f.keys(uuid_filter)
        arguments = f.identificator(prefix + "partijIdentificator__")
        if arguments is None:
            return None if numbers is None else set(numbers)
        identified = await self.crm.search_customers(**arguments, limit=None)
        return _intersect(numbers, [c.number for c in identified.items])

    @staticmethod
    async def _items(search: ItemSearch, kinds: Collection[str], targets, offset: int, limit: int | None) -> Page[Item]:
        """One page of item rows; no call when no kind can match."""
        if not kinds:
            return Page([], 0)
        return await search(kinds, targets, offset=offset, limit=limit)


class CrmStubSettings(AdapterSettings):
    """Settings of source kind ``crm_stub``."""

    dataset: ConfigPath | None = None
    """Path of a dataset JSON file (relative: from the configuration file's folder); default the bundled demo."""
    latency: float = Field(default=0.0, ge=0)
    """Seconds each CRM call takes (to simulate a network)."""
    zaak_register: str = m.DEFAULT_ZAAK_REGISTER
    """The ``codeRegister`` of zaak onderwerpobjecten."""

    @field_validator("dataset")
    @classmethod
    def _exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError("no dataset file at this path")
        return path


def from_settings(settings: CrmStubSettings) -> CrmStubAdapter:
    """The adapter for source kind ``crm_stub``."""
    data = dataset.load(settings.dataset or dataset.DEMO)
    return CrmStubAdapter(Crm(data, settings.latency), zaak_register=settings.zaak_register)
