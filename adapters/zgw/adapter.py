"""The ZGW source as a Klantinteracties adapter: which upstream reads answer which query.

Three optional APIs (Klanten, Contactmomenten, Zaken), each configured on its own; the
resources served and the filters pushed down follow from which are configured and in which
flavour (see the pushdown table in docs/decisions/0008-zgw-source.md). Every filter declared
here is applied exactly: by the upstream where it can, and re-checked on the mapped objects
here, so that counts and offsets can be trusted; the engine re-checks it once more.

Two shapes of read:

- *windowed*: an unfiltered list of a resource that maps one upstream record to one object
  (partijen, betrokkenen, klantcontacten) reads only the upstream pages the window needs;
- *collected*: a filtered list reads every upstream record that can match (few: one
  citizen's klanten, one zaak's contacts), maps, filters and slices here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid as uuidlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import httpx

from adapters.api import (
    IDENTIFIER_PARTS,
    Adapter,
    ListPage,
    ListQuery,
    Pushdown,
    QueryFilters,
    ResourceSupport,
    UpstreamClient,
    UpstreamSettings,
    UuidKey,
    WriteSupport,
    WriteValues,
    build_or_skip,
    concurrently,
)
from adapters.zgw import settings as zgw_settings
from adapters.zgw.jwt import ZgwJwt, bearer
from adapters.zgw.reads import KlantenAlong, Reads, _by_uuid
from adapters.zgw.settings import ApiSettings, ZgwSettings
from adapters.zgw.upstream import Record, ZgwApi
from adapters.zgw.writes import ZgwWrites, write_support
from adapters.zgw.zaaknummers import Zaaknummers
from mapping import nummers
from mapping import zgw as m
from mapping.ki import KIObject, Onderwerpobject, Partij

E = Pushdown.EXACT
CRS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
Entry = tuple[str, Record]
"""("cm", contactmoment) or ("kc", Zaken API klantcontact)."""


def _numbered(entry: Entry, nummer: str | None, referentienummer: str | None) -> bool:
    """Does the klantcontact this entry maps to have this nummer and referentienummer (if given)?"""
    kind, record = entry
    key = m.record_uuid(record) or ""
    if kind == "cm":
        found = m.contactmoment_nummer(record, key)
    else:
        found = m.zaak_klantcontact_nummer(record, m.derived(key, m.ZAAK))
    return nummer in (None, found[0]) and referentienummer in (None, found[1])


def _zaak_uuid(value: str) -> str | None:
    """A zaak objectId as this source writes it (a canonical UUID), or None: matches nothing here."""
    try:
        canonical = str(uuidlib.UUID(value))
    except ValueError:
        return None
    return canonical if canonical == value else None


def _build(resource: str, key: str, build: Callable[[], Any]) -> Any:
    """Build one object (or the list of objects derived from one record); None when it breaks the contract."""
    return build_or_skip("zgw", resource, key, build)


def _slice(records: Sequence[KIObject], query: ListQuery) -> ListPage:
    ordered = sorted(records, key=lambda r: r.key)
    return ListPage(ordered[query.offset : query.offset + query.limit], len(ordered))


def _moment(entry: Entry) -> dt.datetime:
    kind, record = entry
    return m.parse_moment(record.get("registratiedatum" if kind == "cm" else "datumtijd")) or _EPOCH


def _newest_first(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=_moment, reverse=True)


def declare(s: ZgwSettings) -> dict[str, ResourceSupport]:
    """What this source serves, given which APIs are configured (docs/decisions/0008)."""
    klanten, cms, zaken = s.klanten, s.contactmomenten, s.zaken
    resources: dict[str, ResourceSupport] = {}
    ident = dict.fromkeys(IDENTIFIER_PARTS, E)
    if klanten:
        partij_filters = {f"partijIdentificator__{p}": E for p in ident} | {"indicatieActief": E}
        if klanten.flavour != "esuite":
            partij_filters["nummer"] = E
        resources["partijen"] = ResourceSupport(pushdown=partij_filters, key_formats=(UuidKey(),))
        resources["partij-identificatoren"] = ResourceSupport(
            pushdown={f"partijIdentificator{p[0].upper()}{p[1:]}": E for p in ident},
            key_formats=(UuidKey(suffix=m.ID),),
        )
        resources["digitaleadressen"] = ResourceSupport(
            pushdown={
                "verstrektDoorPartij__uuid": E,
                "soortDigitaalAdres": E,
                "adres": E,
                **{f"verstrektDoorPartij__partijIdentificator__{p}": E for p in ident},
            },
            key_formats=(UuidKey(suffix=m.EMAIL), UuidKey(suffix=m.TEL))
            + ((UuidKey(suffix=m.TEL2),) if klanten.flavour == "esuite" else ()),  # telefoonnummerAlternatief
        )
    zaak_filter = bool(s.zaak_url_base)
    if cms or zaken:
        pushdown: dict[str, Pushdown] = {}
        if cms and klanten:
            pushdown["hadBetrokkene__wasPartij__uuid"] = E
            pushdown |= {f"hadBetrokkene__wasPartij__partijIdentificator__{p}": E for p in ident}
        if zaak_filter:
            pushdown["onderwerpobject__onderwerpobjectidentificatorObjectId"] = E
        if cms is None or cms.flavour != "esuite":
            pushdown["kanaal"] = E
        pushdown |= {"nummer": E, "referentienummer": E}  # derived ones by moment (mapping/nummers.py)
        formats = ((UuidKey(),) if cms else ()) + ((UuidKey(suffix=m.ZAAK),) if zaken else ())
        resources["klantcontacten"] = ResourceSupport(
            pushdown=pushdown, key_formats=formats, ordered=cms is None or cms.flavour != "esuite"
        )
        onderwerp_formats = ((UuidKey(), UuidKey(suffix=m.VORIG)) if cms else ()) + (
            (UuidKey(suffix=m.ZCM), UuidKey(suffix=m.ZAAK)) if zaken else ()
        )
        resources["onderwerpobjecten"] = ResourceSupport(
            pushdown={"klantcontact__uuid": E} | ({"onderwerpobjectidentificatorObjectId": E} if zaak_filter else {}),
            key_formats=onderwerp_formats,
        )
    if cms:
        betrokkene_filters = {"hadKlantcontact__uuid": E}
        if klanten:
            betrokkene_filters |= {"wasPartij__uuid": E} | {f"wasPartij__partijIdentificator__{p}": E for p in ident}
        resources["betrokkenen"] = ResourceSupport(pushdown=betrokkene_filters, key_formats=(UuidKey(),))
        resources["actoren"] = ResourceSupport(
            pushdown={"actoridentificatorObjectId": E}, key_formats=(UuidKey(suffix=m.MDW),)
        )
        resources["actorklantcontacten"] = ResourceSupport(
            pushdown={"klantcontact__uuid": E, "actor__uuid": E}, key_formats=(UuidKey(suffix=m.MDW),)
        )
    return resources


class ZgwAdapter(Adapter):
    """Klanten, Contactmomenten and Zaken API v1 as one Klantinteracties source."""

    def __init__(self, settings: ZgwSettings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        writes = write_support(settings)
        self.resources = {  # per instance: depends on the APIs configured and their flavours
            name: dataclasses.replace(support, writes=writes.get(name, WriteSupport()))
            for name, support in declare(settings).items()
        }
        self.apis: dict[str, ZgwApi] = {}
        for name in zgw_settings.APIS:
            api_settings: ApiSettings | None = getattr(settings, name)
            if api_settings is not None:
                client = UpstreamClient(
                    f"zgw {name}",
                    UpstreamSettings(
                        base_url=api_settings.base_url,
                        timeout=api_settings.timeout,
                        headers=CRS if name == "zaken" else {},
                        max_response_bytes=api_settings.max_response_bytes,
                    ),
                    auth=_auth(api_settings),
                    transport=transport,
                )
                # one bound per API: each is its own application's load (Open Klant 1, Open Zaak, e-Suite)
                semaphore = asyncio.Semaphore(settings.max_concurrency)
                self.apis[name] = ZgwApi(name, api_settings.flavour, client, semaphore)  # type: ignore[arg-type]
        self.reads = Reads(settings, self.apis.get("klanten"), self.apis.get("contactmomenten"), self.apis.get("zaken"))
        self.writes = ZgwWrites(settings, self.apis, self.reads, self.get_many)
        self.zaaknummers = Zaaknummers(self.apis.get("zaken"))

    @property
    def requests(self) -> int:
        """Upstream requests sent so far (tests and benchmarks count them)."""
        return sum(api.client.requests for api in self.apis.values())

    async def aclose(self) -> None:
        for api in self.apis.values():
            await api.client.aclose()

    # --- the protocol ----------------------------------------------------------------------------

    async def list(self, query: ListQuery) -> ListPage:
        if query.resource not in self.resources:
            raise ValueError(f"zgw does not serve {query.resource!r}")
        handler = getattr(self, "_list_" + query.resource.replace("-", "_"))
        page = await handler(query)
        completed = await self.zaaknummers.complete([*page.records, *page.related])  # one round for both
        return ListPage(completed[: len(page.records)], page.total, completed[len(page.records) :])

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        wanted = set(keys)
        if not wanted or resource not in self.resources:
            return {}
        found: Sequence[KIObject]
        if resource in ("partijen", "partij-identificatoren", "digitaleadressen"):
            klanten = await self.reads.klanten_by_keys({m.owner(k) for k in wanted})
            found = await self._klant_objects(resource, list(klanten.values()))
        elif resource == "klantcontacten":
            found = await self._klantcontacten_by_keys(wanted)
        elif resource == "betrokkenen":
            kcms = await self.apis["contactmomenten"].many("klantcontactmomenten", wanted)
            found = await self._betrokkenen([r for k, r in kcms.items() if m.record_uuid(r) == k])
        elif resource == "onderwerpobjecten":
            found = await self._onderwerpobjecten_by_keys(wanted)
        else:  # actoren, actorklantcontacten: read back from their contactmoment
            cms = await self.reads.contactmomenten_by_keys({m.owner(k) for k in wanted})
            found = self._actor_objects(resource, cms.values())
        found = await self.zaaknummers.complete(found)
        return {obj.key: obj for obj in found if obj.key in wanted}

    async def create(self, resource: str, values: WriteValues) -> KIObject:
        return await self.writes.create(resource, values)

    async def update(self, resource: str, key: str, values: WriteValues) -> KIObject:
        return await self.writes.update(resource, key, values)

    async def delete(self, resource: str, key: str) -> None:
        await self.writes.delete(resource, key)

    async def find_partijen(self, identificatoren: Collection[tuple[str, str]]) -> Sequence[Partij] | None:
        answers = await concurrently(
            self.reads.klanten_by_identificator({"codeSoortObjectId": soort, "objectId": value})
            for soort, value in set(identificatoren)
        )
        klanten = list(_by_uuid(k for answer in answers for k in answer).values())
        return await self._partijen(klanten)  # type: ignore[return-value]

    # --- klanten ---------------------------------------------------------------------------------

    async def _partijen(
        self, klanten: Sequence[Record], links: Mapping[str, list[Record]] | None = None
    ) -> list[KIObject]:
        """Partijen of these klanten, with their betrokkenen (the klanten's klantcontactmomenten,
        read here unless given)."""
        if links is None:
            links = await self.reads.klantcontactmomenten_of_klanten(klanten)
        built = []
        for klant in klanten:
            key = m.record_uuid(klant)
            if key is None:
                continue
            betrokkenen = [k for r in links.get(key, []) if (k := m.record_uuid(r))]
            if partij := _build("partijen", key, lambda k=klant, key=key, b=betrokkenen: m.partij(k, key, b)):
                built.append(partij)
        return built

    async def _klant_objects(self, resource: str, klanten: Sequence[Record]) -> list[KIObject]:
        if resource == "partijen":
            return await self._partijen(klanten)
        built: list[KIObject] = []
        for klant in klanten:
            key = m.record_uuid(klant)
            if key is None:
                continue
            if resource == "partij-identificatoren":
                found = _build(resource, key, lambda k=klant, key=key: m.partij_identificator(k, key))
                built += [found] if found else []
            else:
                built += _build(resource, key, lambda k=klant, key=key: m.digitale_adressen(k, key)) or []
        return built

    async def _list_partijen(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        if f.flag("indicatieActief") is False:
            return ListPage([], 0)
        ident, nummer = f.identificator_parts("partijIdentificator__"), f.text("nummer")
        api = self.apis["klanten"]
        if ident is None and nummer is None:
            klanten, total = await api.window("klanten", {}, q.offset, q.limit)
            return ListPage(await self._partijen(klanten), total)
        if ident is not None:
            found = await self.reads.klanten_by_identificator(ident)
        elif nummer is not None and nummers.is_derived(nummer):
            found = await api.all("klanten")  # a derived nummer: no klantnummer to ask for (mapping/nummers.py)
        else:
            found = await api.all("klanten", {"klantnummer": nummer or ""})
        if nummer is not None:
            found = [k for k in found if (key := m.record_uuid(k)) and m.partij_nummer(k, key) == nummer]
        found.sort(key=lambda k: m.record_uuid(k) or "")
        return ListPage(await self._partijen(found[q.offset : q.offset + q.limit]), len(found))

    async def _list_partij_identificatoren(self, q: ListQuery) -> ListPage:
        ident = QueryFilters(q.filters).identificator_parts("partijIdentificator", capitalised=True)
        api = self.apis["klanten"]
        klanten = await (self.reads.klanten_by_identificator(ident) if ident else api.all("klanten"))
        return _slice(await self._klant_objects(q.resource, klanten), q)

    async def _list_digitaleadressen(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        soort, adres = f.text("soortDigitaalAdres"), f.text("adres")
        keys, ident = (
            f.keys("verstrektDoorPartij__uuid"),
            f.identificator_parts("verstrektDoorPartij__partijIdentificator__"),
        )
        sets: list[dict[str, Record]] = []
        if keys is not None:
            sets.append(await self.reads.klanten_by_keys(keys))
        if ident is not None:
            sets.append(_by_uuid(await self.reads.klanten_by_identificator(ident)))
        if adres is not None:
            sets.append(_by_uuid(await self.reads.klanten_by_adres(adres)))
        if not sets:
            sets.append(_by_uuid(await self.apis["klanten"].all("klanten")))
        common = set.intersection(*(set(s) for s in sets))
        found = await self._klant_objects(q.resource, [sets[0][k] for k in common])
        found = [
            a
            for a in found
            if (soort is None or a.soortDigitaalAdres == soort) and (adres is None or a.adres == adres)  # type: ignore[attr-defined]
        ]
        return _slice(found, q)

    async def _klanten_filter(self, keys: frozenset[str] | None, ident: dict[str, str] | None) -> list[Record] | None:
        """Klanten allowed by a `<partij>__uuid` filter and a partij identificator filter (None: no filter)."""
        sets = []
        if keys is not None:
            sets.append(await self.reads.klanten_by_keys(keys))
        if ident is not None:
            sets.append(_by_uuid(await self.reads.klanten_by_identificator(ident)))
        if not sets:
            return None
        common = set.intersection(*(set(s) for s in sets))
        return [sets[0][k] for k in sorted(common)]

    # --- klantcontacten --------------------------------------------------------------------------

    async def _list_klantcontacten(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        kanaal = f.text("kanaal")
        parties = await self._klanten_filter(
            f.keys("hadBetrokkene__wasPartij__uuid"),
            f.identificator_parts("hadBetrokkene__wasPartij__partijIdentificator__"),
        )
        object_id = f.text("onderwerpobject__onderwerpobjectidentificatorObjectId")
        zaken = await self._zaken_named(object_id) if object_id is not None else None
        if zaken is not None and not zaken:
            return ListPage([], 0)
        nummer, referentienummer = f.text("nummer"), f.text("referentienummer")
        if parties is None and zaken is None:
            if nummer is None and referentienummer is None:
                return await self._klantcontacten_window(q, kanaal)
            entries = await self._entries_numbered(nummer or referentienummer or "")
        else:
            entries = await self._entries_of(parties, zaken, kanaal)
        if nummer is not None or referentienummer is not None:
            entries = [e for e in entries if _numbered(e, nummer, referentienummer)]
        if kanaal is not None:
            entries = [e for e in entries if m.clip(m.text(e[1], "kanaal"), 50) == kanaal]
        entries = _newest_first(entries)
        window = entries[q.offset : q.offset + q.limit]
        records, related = await self._klantcontacten(window, q.expand)
        return ListPage(records, len(entries), related)

    async def _entries_of(
        self, parties: list[Record] | None, zaken: set[str] | None, kanaal: str | None
    ) -> list[Entry]:
        """Contactmomenten (and Zaken API klantcontacten) of these klanten and/or about these zaken."""
        cms: dict[str, Record] = {}
        if parties is not None:
            cms = _by_uuid(await self.reads.contactmomenten_of_klanten(parties, kanaal))
        kcs: list[Record] = []
        if zaken is not None:
            answers = await concurrently(self._about_zaak(zaak) for zaak in sorted(zaken))
            about = {k for keys, _ in answers for k in keys}
            kcs = [kc for _, found in answers for kc in found]
            if parties is not None:
                cms = {k: v for k, v in cms.items() if k in about}
            else:
                cms = await self.reads.contactmomenten_by_keys(about)
        if parties is not None:
            kcs = []  # a Zaken API klantcontact names no betrokkene
        return [("cm", cm) for cm in cms.values()] + [("kc", kc) for kc in kcs]

    async def _about_zaak(self, zaak: str) -> tuple[set[str], list[Record]]:
        """The keys of the contactmomenten about a zaak, and its Zaken API klantcontacten."""
        zaak_url = self.reads.zaak_url(zaak)
        about, kcs = await concurrently(
            [self.reads.contactmoment_keys_about_zaak(zaak_url), self.reads.zaak_klantcontacten(zaak_url)]
        )
        return about, [kc for kc in kcs if m.uuid_of(kc.get("zaak")) == zaak]

    async def _zaken_named(self, object_id: str) -> set[str]:
        """The zaken an onderwerpobject's objectId names: a zaak UUID as this source writes it, or
        an identificatie, resolved through the configured Zaken API."""
        zaak = _zaak_uuid(object_id)
        if zaak is not None:
            return {zaak}
        return await self.zaaknummers.named(object_id) if object_id else set()

    async def _entries_numbered(self, value: str) -> list[Entry]:
        """Records that can have this nummer: a derived one was registered in one known second
        (asked by `registratiedatum`), another is an e-Suite identificatie; else read them all."""
        api = self.apis.get("contactmomenten")
        cms: list[Record] = []
        if api is not None:
            window = nummers.moment_window(value)
            params: dict[str, str] = {}
            if window is not None and api.accepts("contactmomenten", "registratiedatum__gte", "registratiedatum__lt"):
                start, end = window
                params |= {"registratiedatum__gte": start.isoformat()} if start else {}
                params |= {"registratiedatum__lt": end.isoformat()} if end else {}
            elif window is None and api.accepts("contactmomenten", "identificatie"):
                params["identificatie"] = value
            cms = await api.all("contactmomenten", params | self.reads.cm_params())
        kcs = await self.reads.zaak_klantcontacten()
        return [("cm", cm) for cm in cms] + [("kc", kc) for kc in kcs]

    async def _klantcontacten_window(self, q: ListQuery, kanaal: str | None) -> ListPage:
        """Unfiltered (or by kanaal): contactmomenten page by page, merged newest first with the
        Zaken API's klantcontacten (few: that API deprecated them), which are read whole."""
        api = self.apis.get("contactmomenten")
        params = {"kanaal": kanaal} if kanaal is not None else {}
        ordered = api is not None and api.accepts("contactmomenten", "ordering")
        if ordered:
            params = {**params, "ordering": "-registratiedatum", **self.reads.cm_params()}
            offset, limit = 0, q.offset + q.limit
        else:
            offset, limit = q.offset, q.limit
        # one round: the Zaken API's klantcontacten and the page of contactmomenten
        zaak_klantcontacten, (found, count) = await concurrently(
            [
                self.reads.zaak_klantcontacten(),
                api.window("contactmomenten", params, offset, limit) if api is not None else _nothing(),
            ]
        )
        kcs = [("kc", kc) for kc in zaak_klantcontacten]
        if kanaal is not None:
            kcs = [e for e in kcs if m.clip(m.text(e[1], "kanaal"), 50) == kanaal]
        cms: list[Entry] = [("cm", cm) for cm in found]
        if ordered:
            entries = _newest_first(cms + kcs)[q.offset : q.offset + q.limit]
        else:  # no upstream order: contactmomenten first, then the zaak klantcontacten
            rest = max(0, q.offset - count)
            entries = cms + kcs[rest : rest + q.limit - len(cms)]
        records, related = await self._klantcontacten(entries, q.expand)
        return ListPage(records, count + len(kcs), related)

    async def _klantcontacten(
        self, entries: Sequence[Entry], expand: frozenset[str]
    ) -> tuple[list[KIObject], list[KIObject]]:
        """Klantcontacten in entry order, and the related objects read along (onderwerpobjecten;
        betrokkenen and their partijen when the client expands them)."""
        with_partijen = any(e == "hadBetrokkenen" or e.startswith("hadBetrokkenen.") for e in expand)
        along = KlantenAlong(self.reads) if with_partijen else None
        bundles = {b.key: b for b in await self.reads.bundles([r for kind, r in entries if kind == "cm"], along)}
        records: list[KIObject] = []
        related: list[KIObject] = []
        contactmomenten = "contactmomenten" in self.apis
        register = self.settings.zaak_register
        for kind, record in entries:
            key = m.record_uuid(record) or ""
            if kind == "cm" and key in bundles:
                b = bundles[key]
                built = _build("klantcontacten", key, lambda b=b: m.klantcontact(b))
                related += _build("onderwerpobjecten", key, lambda b=b: m.onderwerpobjecten(b, contactmomenten)) or []
            elif kind == "kc":
                built = _build("klantcontacten", key, lambda r=record: m.zaak_klantcontact(r))
                ow = _build("onderwerpobjecten", key, lambda r=record: m.zaak_klantcontact_onderwerpobject(r, register))
                related += [ow] if ow else []
            else:
                built = None
            if built is not None:
                records.append(built)
        if along is not None:
            kcms = [r for b in bundles.values() for r in b.klantcontactmomenten]
            cms = {k: b.record for k, b in bundles.items()}
            related += await self._betrokkenen(kcms, cms, along)
        return records, related

    async def _klantcontacten_by_keys(self, keys: set[str]) -> list[KIObject]:
        plain = {k for k in keys if "#" not in k}
        zaak = {m.owner(k) for k in keys if m.suffix(k) == m.ZAAK}
        cms, kcs = await concurrently(
            [self.reads.contactmomenten_by_keys(plain), self.reads.zaak_klantcontacten_by_keys(zaak)]
        )
        entries = [("cm", r) for r in cms.values()] + [("kc", r) for r in kcs.values()]
        records, _ = await self._klantcontacten(entries, frozenset())
        return records

    # --- betrokkenen -----------------------------------------------------------------------------

    async def _betrokkenen(
        self, kcms: Sequence[Record], cms: Mapping[str, Record] | None = None, along: KlantenAlong | None = None
    ) -> list[KIObject]:
        """Betrokkenen of these klantcontactmomenten: reads their contactmomenten (for the
        initiator) unless given, and their klanten (for the names). With the klanten already
        read `along` with their links, the partijen too."""
        known = dict(cms or {})
        missing = {k for r in kcms if (k := m.uuid_of(r.get("contactmoment"))) and k not in known}
        klant_keys = {k for r in kcms if (k := m.uuid_of(r.get("klant")))}
        # one round: the contactmomenten and the klanten
        more, klanten = await concurrently(
            [
                self.reads.contactmomenten_by_keys(missing),
                _given(along.klanten) if along is not None else self.reads.klanten_by_keys(klant_keys),
            ]
        )
        known |= more
        built: list[KIObject] = []
        for kcm in kcms:
            key = m.record_uuid(kcm) or ""
            cm = known.get(m.uuid_of(kcm.get("contactmoment")) or "")
            klant = klanten.get(m.uuid_of(kcm.get("klant")) or "")
            if b := _build("betrokkenen", key, lambda r=kcm, c=cm, k=klant: m.betrokkene(r, c, k)):
                built.append(b)
        if along is not None:
            built += await self._partijen(list(klanten.values()), along.links)
        return built

    async def _list_betrokkenen(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        moments = f.keys("hadKlantcontact__uuid")
        parties = await self._klanten_filter(
            f.keys("wasPartij__uuid"), f.identificator_parts("wasPartij__partijIdentificator__")
        )
        api = self.apis["contactmomenten"]
        if moments is None and parties is None:
            kcms, total = await api.window("klantcontactmomenten", {}, q.offset, q.limit)
            return ListPage(await self._betrokkenen(kcms), total)
        found: dict[str, Record] | None = None
        cms: dict[str, Record] = {}
        if moments is not None:
            cms = await self.reads.contactmomenten_by_keys({k for k in moments if "#" not in k})
            bundles = await self.reads.bundles(list(cms.values()))
            found = _by_uuid(r for b in bundles for r in b.klantcontactmomenten)
        if parties is not None:
            links = await self.reads.klantcontactmomenten_of_klanten(parties)
            of_parties = _by_uuid(r for rs in links.values() for r in rs)
            found = of_parties if found is None else {k: v for k, v in found.items() if k in of_parties}
        assert found is not None
        ordered = [found[k] for k in sorted(found)]
        window = ordered[q.offset : q.offset + q.limit]
        return ListPage(await self._betrokkenen(window, cms), len(ordered))

    # --- onderwerpobjecten -----------------------------------------------------------------------

    async def _list_onderwerpobjecten(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        moments = f.keys("klantcontact__uuid")
        object_id = f.text("onderwerpobjectidentificatorObjectId")
        zaken = await self._zaken_named(object_id) if object_id is not None else None
        if zaken is not None and not zaken:
            return ListPage([], 0)
        if moments is not None:
            found = await self._onderwerpobjecten_of_klantcontacten(moments)
        elif zaken is None:
            found = await self._onderwerpobjecten_about(None)
        else:
            answers = await concurrently(self._onderwerpobjecten_about(zaak) for zaak in sorted(zaken))
            found = [o for answer in answers for o in answer]
        if zaken is not None:
            found = [o for o in found if isinstance(o, Onderwerpobject) and o.zaak and o.zaak.uuid in zaken]
        return _slice(found, q)

    async def _onderwerpobjecten_of_klantcontacten(self, keys: Collection[str]) -> list[KIObject]:
        plain = {k for k in keys if "#" not in k}
        zaak = {m.owner(k) for k in keys if m.suffix(k) == m.ZAAK}
        cms, kcs = await concurrently(
            [self.reads.contactmomenten_by_keys(plain), self.reads.zaak_klantcontacten_by_keys(zaak)]
        )
        entries = [("cm", r) for r in cms.values()] + [("kc", r) for r in kcs.values()]
        _, related = await self._klantcontacten(entries, frozenset())
        return [o for o in related if isinstance(o, Onderwerpobject)]

    async def _onderwerpobjecten_about(self, zaak: str | None) -> list[KIObject]:
        """Every onderwerpobject (about one zaak, if given): object- and zaakcontactmomenten,
        de-duplicated, the Zaken API's klantcontacten and (unfiltered) the follow-up links."""
        register = self.settings.zaak_register
        zaak_url = self.reads.zaak_url(zaak) if zaak else None
        cm_api, zaken = self.apis.get("contactmomenten"), self.apis.get("zaken")
        ocms: list[Record] = []
        zcms: list[Record] = []
        vorige: list[KIObject] = []
        if cm_api is not None:
            ocms = await self.reads.objectcontactmomenten({"object": zaak_url} if zaak_url else {})
            if zaak is None:
                for cm in await cm_api.all("contactmomenten"):
                    if (key := m.record_uuid(cm)) and (v := m.onderwerpobject_vorig(m.Contactmoment(cm, key))):
                        vorige.append(v)
        if zaken is not None:
            zcms = await zaken.all("zaakcontactmomenten", {"zaak": zaak_url} if zaak_url else {})
        linked = {(m.uuid_of(o.get("contactmoment")), m.uuid_of(o.get("object"))) for o in ocms}
        found: list[KIObject] = vorige
        for o in ocms:
            found += (
                [b]
                if (b := _build("onderwerpobjecten", "?", lambda o=o: m.onderwerpobject_object(o, register)))
                else []
            )
        for z in zcms:
            if (m.uuid_of(z.get("contactmoment")), m.uuid_of(z.get("zaak"))) in linked:
                continue  # the same link, mirrored into the Contactmomenten API
            build = lambda z=z: m.onderwerpobject_zaakcontactmoment(z, register, cm_api is not None)  # noqa: E731
            found += [b] if (b := _build("onderwerpobjecten", "?", build)) else []
        for kc in await self.reads.zaak_klantcontacten(zaak_url):
            found += (
                [b]
                if (
                    b := _build(
                        "onderwerpobjecten", "?", lambda kc=kc: m.zaak_klantcontact_onderwerpobject(kc, register)
                    )
                )
                else []
            )
        return found

    async def _onderwerpobjecten_by_keys(self, keys: set[str]) -> list[KIObject]:
        register = self.settings.zaak_register
        by_suffix: dict[str, set[str]] = {}
        for key in keys:
            by_suffix.setdefault(m.suffix(key), set()).add(m.owner(key))
        cm_api, zaken = self.apis.get("contactmomenten"), self.apis.get("zaken")
        ocms = await cm_api.many("objectcontactmomenten", by_suffix.get("", ())) if cm_api else {}
        zcms = await zaken.many("zaakcontactmomenten", by_suffix.get(m.ZCM, ())) if zaken else {}
        kcs = await self.reads.zaak_klantcontacten_by_keys(by_suffix.get(m.ZAAK, set()))
        cms = await self.reads.contactmomenten_by_keys(by_suffix.get(m.VORIG, set()))
        found: list[KIObject | None] = [
            *(
                _build("onderwerpobjecten", k, lambda o=o: m.onderwerpobject_object(o, register))
                for k, o in ocms.items()
            ),
            *(
                _build(
                    "onderwerpobjecten",
                    k,
                    lambda z=z: m.onderwerpobject_zaakcontactmoment(z, register, cm_api is not None),
                )
                for k, z in zcms.items()
            ),
            *(
                _build("onderwerpobjecten", k, lambda r=r: m.zaak_klantcontact_onderwerpobject(r, register))
                for k, r in kcs.items()
            ),
            *(
                _build("onderwerpobjecten", k, lambda c=c, k=k: m.onderwerpobject_vorig(m.Contactmoment(c, k)))
                for k, c in cms.items()
            ),
        ]
        return [o for o in found if o is not None]

    # --- actoren ---------------------------------------------------------------------------------

    def _actor_objects(self, resource: str, cms: Iterable[Record]) -> list[KIObject]:
        build = m.actor if resource == "actoren" else m.actorklantcontact
        found = []
        for cm in cms:
            if (key := m.record_uuid(cm)) is None:
                continue
            moment = m.Contactmoment(cm, key, actor_register=self.settings.actor_register)
            if (obj := _build(resource, key, lambda b=moment: build(b))) is not None:
                found.append(obj)
        return found

    async def _list_actoren(self, q: ListQuery) -> ListPage:
        object_id = QueryFilters(q.filters).text("actoridentificatorObjectId")
        api = self.apis["contactmomenten"]
        params = {}
        if object_id is not None and api.accepts("contactmomenten", "medewerkerIdentificatie__identificatie"):
            params = {"medewerkerIdentificatie__identificatie": object_id}
        found = self._actor_objects(q.resource, await api.all("contactmomenten", params))
        if object_id is not None:
            found = [a for a in found if a.actoridentificator and a.actoridentificator.objectId == object_id]  # type: ignore[attr-defined]
        return _slice(found, q)

    async def _list_actorklantcontacten(self, q: ListQuery) -> ListPage:
        f = QueryFilters(q.filters)
        keys = [k for k in (f.keys("klantcontact__uuid"), f.keys("actor__uuid")) if k is not None]
        if keys:
            wanted = set.intersection(*({m.owner(k) for k in ks if m.suffix(k) in ("", m.MDW)} for ks in keys))
            cms = list((await self.reads.contactmomenten_by_keys(wanted)).values())
        else:
            cms = await self.apis["contactmomenten"].all("contactmomenten")
        return _slice(self._actor_objects(q.resource, cms), q)


async def _nothing() -> tuple[list[Record], int]:
    return [], 0


async def _given(klanten: dict[str, Record]) -> dict[str, Record]:
    return klanten


def _auth(api: ApiSettings):
    if api.token is not None:
        return bearer(api.token.get_secret_value())
    assert api.secret is not None  # the settings model requires a token or a secret
    return ZgwJwt(api.client_id, api.secret.get_secret_value(), api.user_id, api.user_representation)


def from_settings(settings: ZgwSettings) -> ZgwAdapter:
    """The adapter for source kind ``zgw`` (settings: docs/configuration.md)."""
    return ZgwAdapter(settings)
