"""The Balie adapter: which Balie API calls answer which Klantinteracties query.

Two reads per resource, as the protocol asks (docs/adapters.md):

- ``list``: one Balie query per page where a Balie record is one object (partijen,
  klantcontacten); objects *derived* from records (identificatoren, digitale adressen,
  betrokkenen: none or a few per record) are collected from the records from the start until
  the page is full, so their offsets are exact too.
- ``get_many``: one Balie query for a batch of ids.

Every filter declared here is applied exactly (by Balie, or on the records here), except
``onderwerp``: Balie's `zoek` also searches a contact's text, so it may answer more (LOOSE; the
engine re-checks).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar

from pydantic import Field

from adapters.api import (
    Adapter,
    AdapterSettings,
    BaseUrl,
    ListPage,
    ListQuery,
    Pushdown,
    QueryFilters,
    ResourceSupport,
    Secret,
    SourceGarbage,
    UpstreamClient,
    UpstreamSettings,
    build_or_skip,
    ki,
)
from balie_adapter import mapping as m

E, LOOSE = Pushdown.EXACT, Pushdown.LOOSE
MAX_PAGE = 50
"""Balie answers at most 50 records per call."""
Record = dict[str, Any]
Derive = Callable[[Record], Sequence[ki.KIObject]]


def _identificator(prefix: str, capitalised: bool = False) -> dict[str, Pushdown]:
    parts = ("objectId", *m.IDENTIFICATOR)
    return {prefix + (part[0].upper() + part[1:] if capitalised else part): E for part in parts}


class BalieSettings(AdapterSettings):
    """Settings of source kind ``balie``."""

    base_url: BaseUrl
    """Balie's API root, e.g. https://balie.gemeente.example/api/v1."""
    token: Secret
    """The façade's Balie API token: {env: NAME} or {file: PATH}."""
    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds one Balie call may take."""


class BalieAdapter(Adapter):
    resources: ClassVar[Mapping[str, ResourceSupport]] = {
        "partijen": ResourceSupport(
            pushdown={**_identificator("partijIdentificator__"), "indicatieActief": E, "soortPartij": E},
            max_page=MAX_PAGE,
        ),
        "partij-identificatoren": ResourceSupport(
            pushdown=_identificator("partijIdentificator", capitalised=True), max_page=MAX_PAGE
        ),
        "digitaleadressen": ResourceSupport(
            pushdown={"verstrektDoorPartij__uuid": E, "soortDigitaalAdres": E}, max_page=MAX_PAGE
        ),
        "klantcontacten": ResourceSupport(
            pushdown={
                "kanaal": E,
                "onderwerp": LOOSE,
                "hadBetrokkene__wasPartij__uuid": E,
                **_identificator("hadBetrokkene__wasPartij__partijIdentificator__"),
            },
            ordered=True,  # Balie answers contacten newest first
            max_page=MAX_PAGE,
        ),
        "betrokkenen": ResourceSupport(pushdown={"hadKlantcontact__uuid": E, "wasPartij__uuid": E}, max_page=MAX_PAGE),
    }

    def __init__(self, client: UpstreamClient):
        self.client = client

    # --- the protocol ---------------------------------------------------------------------------

    async def list(self, query: ListQuery) -> ListPage:
        filters = QueryFilters(query.filters)
        if query.resource == "partijen":
            return await self._partijen(filters, query.offset, query.limit)
        if query.resource == "partij-identificatoren":
            klanten = await self._klanten_query(filters.identificator_parts("partijIdentificator", capitalised=True))
            if klanten is None:
                return ListPage([], 0)
            return await self._derived("klanten", klanten, m.partij_identificatoren, query.offset, query.limit)
        if query.resource == "digitaleadressen":
            return await self._digitale_adressen(filters, query.offset, query.limit)
        if query.resource == "klantcontacten":
            return await self._klantcontacten(filters, query.offset, query.limit)
        return await self._betrokkenen(filters, query.offset, query.limit)

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, ki.KIObject]:
        wanted = set(keys)
        derived = resource not in ("partijen", "klantcontacten")
        ids = {m.record_id(key) for key in wanted} - {""} if derived else wanted
        path = "contacten" if resource in ("klantcontacten", "betrokkenen") else "klanten"
        records = [
            record for chunk in _chunks(sorted(ids)) for record in await self._all(path, {"id": ",".join(chunk)})
        ]
        objects = await self._objects(resource, records)
        return {obj.key: obj for obj in objects if obj.key in wanted}

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- resources ------------------------------------------------------------------------------

    async def _partijen(self, filters: QueryFilters, offset: int, limit: int) -> ListPage:
        if filters.text("soortPartij") not in (None, "persoon"):
            return ListPage([], 0)  # Balie knows persons only
        params = await self._klanten_query(filters.identificator_parts("partijIdentificator__"))
        if params is None:
            return ListPage([], 0)
        if (actief := filters.flag("indicatieActief")) is not None:
            params["actief"] = "true" if actief else "false"
        if "bsn" not in params and filters.identificator_parts("partijIdentificator__"):
            # the kind of identificator without its number: every klant with a BSN (a rare query)
            klanten = [klant for klant in await self._all("klanten", params) if klant.get("bsn")]
            return ListPage(await self._objects("partijen", klanten[offset : offset + limit]), len(klanten))
        page = await self._get("klanten", params, offset, limit)
        return ListPage(await self._objects("partijen", page["items"]), page["total"])

    async def _digitale_adressen(self, filters: QueryFilters, offset: int, limit: int) -> ListPage:
        params = {}
        if (partijen := filters.keys("verstrektDoorPartij__uuid")) is not None:
            params["id"] = ",".join(sorted(partijen))
        soort = filters.text("soortDigitaalAdres")

        def adressen(klant: Record) -> list[ki.DigitaalAdres]:
            return [a for a in m.digitale_adressen(klant) if soort is None or a.soortDigitaalAdres == soort]

        return await self._derived("klanten", params, adressen, offset, limit)

    async def _klantcontacten(self, filters: QueryFilters, offset: int, limit: int) -> ListPage:
        params: dict[str, str] = {}
        if (kanaal := filters.text("kanaal")) is not None:
            codes = [code for code, name in m.KANALEN.items() if name == kanaal]
            if not codes:
                return ListPage([], 0)
            params["kanaal"] = codes[0]
        if (onderwerp := filters.text("onderwerp")) is not None:
            params["zoek"] = onderwerp  # onderwerp or tekst: LOOSE
        klant_ids = filters.keys("hadBetrokkene__wasPartij__uuid")
        parts = filters.identificator_parts("hadBetrokkene__wasPartij__partijIdentificator__")
        if parts:
            klanten = await self._klanten_query(parts)
            found = (
                {k["id"] for k in await self._all("klanten", klanten) if k.get("bsn")} if klanten is not None else set()
            )
            klant_ids = found if klant_ids is None else klant_ids & found
        if klant_ids is not None:
            if not klant_ids:
                return ListPage([], 0)
            params["klant"] = ",".join(sorted(klant_ids))
        page = await self._get("contacten", params, offset, limit)
        return ListPage(await self._objects("klantcontacten", page["items"]), page["total"])

    async def _betrokkenen(self, filters: QueryFilters, offset: int, limit: int) -> ListPage:
        params = {}
        if (contacten := filters.keys("hadKlantcontact__uuid")) is not None:
            params["id"] = ",".join(sorted(contacten))
        if (partijen := filters.keys("wasPartij__uuid")) is not None:
            params["klant"] = ",".join(sorted(partijen))
        return await self._derived("contacten", params, m.betrokkenen, offset, limit)

    # --- reading Balie --------------------------------------------------------------------------

    @staticmethod
    async def _klanten_query(parts: Mapping[str, str] | None) -> dict[str, str] | None:
        """Balie's klanten query for the identificator parts asked; None when Balie holds no such
        identificator (another kind than a BSN from the BRP)."""
        parts = parts or {}
        if any(parts.get(part, value) != value for part, value in m.IDENTIFICATOR.items()):
            return None
        return {"bsn": parts["objectId"]} if "objectId" in parts else {}

    async def _get(self, path: str, params: Mapping[str, str], offset: int, limit: int) -> Record:
        """One page; its shape checked: Balie's answer is trusted no further than that."""
        body = await self.client.get_json(path, {**params, "offset": str(offset), "limit": str(limit)})
        if not (isinstance(body, dict) and isinstance(body.get("items"), list) and isinstance(body.get("total"), int)):
            raise SourceGarbage(f"balie: GET {path} answered no page of {path}")
        return body

    async def _all(self, path: str, params: Mapping[str, str]) -> list[Record]:
        """Every record of a query, page after page."""
        records: list[Record] = []
        while True:
            page = await self._get(path, params, len(records), MAX_PAGE)
            records += page["items"]
            if not page["items"] or len(records) >= page["total"]:
                return records

    async def _derived(self, path: str, params: Mapping[str, str], derive: Derive, offset: int, limit: int) -> ListPage:
        """A page of objects derived from Balie records (none or a few each), read from the start
        until the page is full; the total is known once the records ran out."""
        objects: list[ki.KIObject] = []
        read = 0
        while len(objects) < offset + limit:
            page = await self._get(path, params, read, MAX_PAGE)
            for record in page["items"]:
                objects += build_or_skip("balie", path, record.get("id"), lambda r=record: derive(r)) or []
            read += len(page["items"])
            if not page["items"] or read >= page["total"]:
                return ListPage(objects[offset : offset + limit], len(objects))
        return ListPage(objects[offset : offset + limit])

    async def _objects(self, resource: str, records: list[Record]) -> list[ki.KIObject]:
        """The objects of `resource` the records hold (the partijen with their contacten)."""
        if resource == "partijen":
            contact_ids = await self._contact_ids([r["id"] for r in records if isinstance(r.get("id"), str)])

            def derive(klant: Record) -> list[ki.KIObject]:
                return [m.partij(klant, contact_ids.get(klant.get("id"), []))]
        else:
            derive = {
                "partij-identificatoren": m.partij_identificatoren,
                "digitaleadressen": m.digitale_adressen,
                "klantcontacten": lambda r: [m.klantcontact(r)],
                "betrokkenen": m.betrokkenen,
            }[resource]
        return [
            obj for r in records for obj in build_or_skip("balie", resource, r.get("id"), lambda r=r: derive(r)) or []
        ]

    async def _contact_ids(self, klant_ids: list[str]) -> dict[str, list[str]]:
        """Klant id -> the ids of its contacten, for a page of klanten in one query."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks(klant_ids):
            for contact in await self._all("contacten", {"klant": ",".join(chunk)}):
                found.setdefault(contact.get("klant"), []).append(contact.get("id"))
        return found


def _chunks(ids: Sequence[str], size: int = MAX_PAGE) -> list[Sequence[str]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def from_settings(settings: BalieSettings) -> BalieAdapter:
    """The adapter for source kind ``balie`` (registered as an entry point in pyproject.toml)."""
    token = settings.token
    client = UpstreamClient(
        "balie",
        UpstreamSettings(settings.base_url, timeout=settings.timeout),
        auth=lambda: {"Authorization": f"Bearer {token.get_secret_value()}"},
    )
    return BalieAdapter(client)
