"""Another Klantinteracties API (Open Klant 2.x, or a façade) as a source.

Every contract filter is pushed down under its own name (`filters.py` says which exactly), the
client's `expand` is passed along and the expanded objects come back as `ListPage.related`, and
a window [offset, offset+limit) is read as the fewest upstream pages that cover it (`paging.py`).
Upstream URLs are always built here from the configured base URL and a uuid: `next` links and
`url` fields in answers are never followed. Writes are passed through (`writes.py`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated, Any, ClassVar

import httpx
from pydantic import AfterValidator, Field

from adapters.api import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Adapter,
    AdapterSettings,
    BaseUrl,
    ListPage,
    ListQuery,
    MaxResponseBytes,
    NotFoundUpstream,
    ResourceSupport,
    Secret,
    SourceGarbage,
    SourceRejected,
    UpstreamClient,
    UpstreamSettings,
    build_or_skip,
    concurrently,
)
from adapters.klantinteracties.dialect import (
    Dialect,
    DialectSetting,
    dialect_of,
    knows_every_filter,
    parse_version,
)
from adapters.klantinteracties.filters import RESOURCE_SUPPORT, part_of, upstream_params
from adapters.klantinteracties.paging import plan_pages
from adapters.klantinteracties.writes import KlantinteractiesWrites
from mapping.ki import KIObject
from mapping.klantinteracties import canonical_uuid, expanded, identificator_refs, key_of, to_model

log = logging.getLogger(__name__)

Raw = Mapping[str, Any]
MAX_QUERIES = 20
"""Upstream queries one list call may fan out to (one per combination of uuid-filter keys)."""
_PAGE_READERS = 4
"""Pages of one query read at the same time."""
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


class VersionedClient(UpstreamClient):
    """An `UpstreamClient` that also remembers the upstream's `API-version` response header."""

    api_version: str | None = None

    def _decode(self, response: httpx.Response, path: str, body: bytes | None, method: str = "GET") -> Any:
        if header := response.headers.get("API-version"):
            self.api_version = header
        return super()._decode(response, path, body, method)


class KlantinteractiesAdapter(KlantinteractiesWrites, Adapter):
    resources: ClassVar[Mapping[str, ResourceSupport]] = RESOURCE_SUPPORT

    def __init__(
        self, client: VersionedClient, *, dialect: str = "auto", max_page_size: int = 500, concurrency: int = 10
    ):
        self.client = client
        self.dialect_setting = dialect
        self.max_page_size = max_page_size
        self._slots = asyncio.Semaphore(concurrency)

    # --- the protocol ------------------------------------------------------------------------

    async def list(self, query: ListQuery) -> ListPage:
        if query.resource not in self.resources:
            raise ValueError(f"klantinteracties does not serve {query.resource!r}")
        dialect = await self.dialect() if any(part_of(name) for name in query.filters) else "current"
        queries = upstream_params(query.resource, query.filters, dialect)
        if not queries:
            return ListPage([], 0)
        if len(queries) > MAX_QUERIES:
            raise SourceRejected(f"klantinteracties: a filter names more than {MAX_QUERIES} objects of one source")
        expand = ",".join(sorted(query.expand))
        if len(queries) == 1:
            raws, total = await self._window(query.resource, queries[0], query.offset, query.limit, expand)
        else:
            raws, total = await self._union(query.resource, queries, query.offset, query.limit, expand)
        if query.filters and not knows_every_filter(parse_version(self.client.api_version)):
            total = None  # an older version ignores filters it lacks: the engine reads and checks all
        records, related = await self._build(query.resource, raws, with_expanded=bool(expand))
        return ListPage(records, total, related, skipped=len(raws) - len(records))

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        wanted = sorted({key for key in keys if canonical_uuid(key) == key})
        found = await concurrently(self._detail(resource, key) for key in wanted)
        records, _ = await self._build(resource, [raw for raw in found if raw is not None], with_expanded=False)
        return {record.key: record for record in records}

    async def aclose(self) -> None:
        await self.client.aclose()

    async def dialect(self) -> Dialect:
        """The identificator codes the upstream holds; `auto` asks its API root once for its version."""
        if self.dialect_setting != "auto":
            return self.dialect_setting  # type: ignore[return-value]
        if self.client.api_version is None:
            await self._get("", None)
        return dialect_of(parse_version(self.client.api_version))

    # --- reading pages -----------------------------------------------------------------------

    async def _get(self, path: str, params: Mapping[str, str] | None) -> Any:
        async with self._slots:
            return await self.client.get_json(path, params)

    async def _page(
        self, resource: str, params: Mapping[str, str], page: int, size: int, expand: str
    ) -> tuple[list[Raw], int] | None:
        """One upstream list page: (records, count), or None for a page past the end (404)."""
        query = {**params, "page": str(page), "pageSize": str(size)} | ({"expand": expand} if expand else {})
        try:
            body = await self._get(resource, query)
        except NotFoundUpstream:
            if page > 1:
                return None
            raise
        except SourceRejected:
            if not expand:
                raise
            # an older version may not know this expand value: it is only a hint
            log.warning("klantinteracties: %s refused expand=%s; asking without", resource, expand)
            return await self._page(resource, params, page, size, "")
        results = body.get("results") if isinstance(body, Mapping) else None
        count = body.get("count") if isinstance(body, Mapping) else None
        if not isinstance(results, list) or not isinstance(count, int) or isinstance(count, bool):
            raise SourceGarbage(f"klantinteracties: GET {resource} answered no paginated list")
        return results, count

    async def _window(
        self, resource: str, params: Mapping[str, str], offset: int, limit: int, expand: str
    ) -> tuple[list[Raw], int | None]:
        """Records [offset, offset+limit): the first page, then the others the window needs."""
        plan = plan_pages(offset, limit, self.max_page_size)
        first = await self._page(resource, params, plan.first, plan.size, expand)
        if first is None:
            return [], None
        records, count = first
        more = range(plan.first + 1, min(plan.last, -(-count // plan.size)) + 1)
        records = await self._pages(resource, params, records, more, plan.size, expand)
        start = plan.skip(offset)
        return records[start : start + limit], count

    async def _everything(self, resource: str, params: Mapping[str, str], expand: str) -> list[Raw]:
        """Every page of one query."""
        first = await self._page(resource, params, 1, self.max_page_size, expand)
        if first is None:
            return []
        records, count = first
        more = range(2, -(-count // self.max_page_size) + 1)
        return await self._pages(resource, params, records, more, self.max_page_size, expand)

    async def _pages(
        self, resource: str, params: Mapping[str, str], first: list[Raw], more: range, size: int, expand: str
    ) -> list[Raw]:
        """The first page's records and those of the pages `more` (as the first page's count
        says), a few at a time and created as they are read, until a short or missing page: an
        upstream that claims a count it does not hold costs a few pages more, not a page per
        claimed record (and what the request's budget allows)."""
        found: dict[int, list[Raw]] = {0: first}
        numbers = iter(more)
        ended = len(first) < size

        async def reader() -> None:
            nonlocal ended
            for number in numbers:  # shared by the readers: each page is read once
                if ended:
                    return
                try:
                    page = await self._page(resource, params, number, size, expand)
                except BaseException:
                    ended = True  # the others stop at their next page
                    raise
                if page is None or len(page[0]) < size:
                    ended = True
                if page is not None:
                    found[number] = page[0]

        await concurrently(reader() for _ in range(min(_PAGE_READERS, len(more))))
        return [record for number in sorted(found) for record in found[number]]

    async def _union(
        self, resource: str, queries: Sequence[Mapping[str, str]], offset: int, limit: int, expand: str
    ) -> tuple[list[Raw], int]:
        """Several uuid keys for one filter: one upstream query per key, read whole and merged."""
        answers = await concurrently(self._everything(resource, params, expand) for params in queries)
        merged: dict[str, Raw] = {}
        for record in (record for answer in answers for record in answer):
            merged.setdefault(key_of(record) or f"#{len(merged)}", record)
        records = list(merged.values())
        if resource in ("klantcontacten",):
            records.sort(key=_moment, reverse=True)  # keep the declared order across the queries
        return records[offset : offset + limit], len(records)

    async def _detail(self, resource: str, key: str) -> Raw | None:
        try:
            body = await self._get(f"{resource}/{key}", None)
        except NotFoundUpstream:
            return None
        if not isinstance(body, Mapping):
            raise SourceGarbage(f"klantinteracties: GET {resource}/{{uuid}} answered no object")
        return body

    # --- mapping -----------------------------------------------------------------------------

    async def _build(self, resource: str, raws: Sequence[Raw], with_expanded: bool) -> tuple[list[KIObject], list]:
        """Map records (and what came along under `_expand`); fetch identificatoren listed by reference."""
        related_raws = [pair for raw in raws for pair in expanded(resource, raw)] if with_expanded else []
        partijen = [raw for r, raw in [(resource, raw) for raw in raws] + related_raws if r == "partijen"]
        wanted = sorted({key for raw in partijen for key in identificator_refs(raw)})
        fetched = await concurrently(self._detail("partij-identificatoren", key) for key in wanted)
        identificatoren = {key: raw for key, raw in zip(wanted, fetched, strict=True) if raw is not None}
        records = [obj for raw in raws if (obj := _model(resource, raw, identificatoren)) is not None]
        related = [obj for r, raw in related_raws if (obj := _model(r, raw, identificatoren)) is not None]
        return records, related


def _moment(raw: Raw) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw["plaatsgevondenOp"])
    except (KeyError, TypeError, ValueError):
        return _EPOCH
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _model(resource: str, raw: Raw, identificatoren: Mapping[str, Raw]) -> KIObject | None:
    return build_or_skip("klantinteracties", resource, key_of(raw), lambda: to_model(resource, raw, identificatoren))


# --- settings ----------------------------------------------------------------------------------

API_ROOT_SUFFIX = "/klantinteracties/api/v1"


def _api_root(value: str) -> str:
    if not value.endswith(API_ROOT_SUFFIX):
        raise ValueError(f"must be the API root, ending in {API_ROOT_SUFFIX}")
    return value


class KlantinteractiesSettings(AdapterSettings):
    """Settings of source kind ``klantinteracties`` (docs/configuration.md)."""

    base_url: Annotated[BaseUrl, AfterValidator(_api_root)]
    token: Secret
    timeout: float = Field(default=10.0, ge=0.1, le=300, strict=True)
    connect_timeout: float = Field(default=2.0, ge=0.1, le=60, strict=True)
    dialect: DialectSetting = "auto"
    max_page_size: int = Field(default=500, ge=1, le=500, strict=True)
    concurrency: int = Field(default=10, ge=1, le=100, strict=True)
    max_response_bytes: MaxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES


def from_settings(
    settings: KlantinteractiesSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> KlantinteractiesAdapter:
    """The adapter for source kind ``klantinteracties``."""
    upstream = UpstreamSettings(
        base_url=settings.base_url,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        max_connections=max(20, settings.concurrency),
        max_response_bytes=settings.max_response_bytes,
    )
    # httpx logs every request line at INFO, query string included: a BSN filter would end up in the log
    httpx_log = logging.getLogger("httpx")
    if httpx_log.getEffectiveLevel() < logging.WARNING:
        httpx_log.setLevel(logging.WARNING)
    token = settings.token.get_secret_value()
    client = VersionedClient(
        "klantinteracties", upstream, auth=lambda: {"Authorization": f"Token {token}"}, transport=transport
    )
    return KlantinteractiesAdapter(
        client,
        dialect=settings.dialect,
        max_page_size=settings.max_page_size,
        concurrency=settings.concurrency,
    )
