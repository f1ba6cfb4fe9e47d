"""Reading one ZGW API: declared parameters only, pages by number, objects by UUID.

Pages are requested as `?page=N` on the configured base URL, never by following the `next`
URL a server returns (that URL is data, and may point anywhere). The first page tells the
page size and the count; further pages of a read are fetched concurrently, bounded.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters.api import (
    FieldProblem,
    InvalidWrite,
    NotFoundUpstream,
    ObjectGone,
    SourceError,
    SourceGarbage,
    UpstreamClient,
    concurrently,
)
from adapters.zgw.flavours import DETAIL_PARAMETERS, Api, Flavour, declared

log = logging.getLogger("adapters.zgw")

Params = Mapping[str, str]
Record = dict[str, Any]


class UpstreamRefusal(Exception):
    """An upstream refused a write (a 400 with `invalidParams`, or a 405): its problems, named by
    the upstream's own fields. Never leaves the adapter: it becomes the client's or the source's fault."""

    def __init__(self, problems: Sequence[FieldProblem]):
        super().__init__(", ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = tuple(problems)


class UndeclaredParameter(ValueError):
    """The adapter tried to send a parameter the upstream does not declare (a bug, never sent)."""


class ZgwApi:
    """One configured ZGW API (Klanten, Contactmomenten or Zaken) in one flavour."""

    def __init__(self, api: Api, flavour: Flavour, client: UpstreamClient, semaphore: asyncio.Semaphore):
        self.api = api
        self.flavour = flavour
        self.client = client
        self._declared = declared(api, flavour)
        self._semaphore = semaphore

    def accepts(self, collection: str, *names: str) -> bool:
        """Does this upstream declare all these parameters on `GET /<collection>`?"""
        return set(names) <= self._declared.get(collection, frozenset())

    async def _get(self, path: str, params: Params, detail_of: str | None = None) -> Any:
        allowed = (
            DETAIL_PARAMETERS.get((self.flavour, detail_of), frozenset())
            if detail_of
            else self._declared.get(path, frozenset())
        )
        unknown = set(params) - allowed
        if unknown:
            raise UndeclaredParameter(f"{self.client.source}: {path} does not declare {sorted(unknown)}")
        async with self._semaphore:
            try:
                return await self.client.get_json(path, params=dict(params))
            except NotFoundUpstream:
                raise
            except SourceError as exc:
                # The message names the API and path, never the query (it may hold a BSN) or a credential.
                log.warning("%s", exc)
                raise

    async def send(self, method: str, path: str, body: Any = None) -> Any:
        """One write (never retried). The upstream's 400 comes as `UpstreamRefusal` (its own field
        names, for the caller to translate); other errors as `UpstreamClient.send_json` raises them."""
        async with self._semaphore:
            try:
                return await self.client.send_json(method, path, body)
            except InvalidWrite as refused:
                log.warning("%s: %s %s refused (%s)", self.client.source, method, path, refused)  # field names only
                raise UpstreamRefusal(refused.problems) from None
            except ObjectGone:
                raise
            except SourceError as exc:
                log.warning("%s", exc)  # names the API, method and path: never a body or a credential
                raise

    # --- single objects ------------------------------------------------------------------------

    async def one(self, collection: str, uuid: str, params: Params | None = None) -> Record | None:
        """`GET /<collection>/<uuid>`; None when the upstream does not have it (404)."""
        try:
            body = await self._get(f"{collection}/{uuid}", params or {}, detail_of=collection)
        except NotFoundUpstream:
            return None
        if not isinstance(body, dict):
            raise SourceGarbage(f"{self.client.source}: GET {collection}/{{uuid}} answered no object")
        return body

    async def many(self, collection: str, uuids: Iterable[str], params: Params | None = None) -> dict[str, Record]:
        """Several objects by UUID, concurrently (bounded by the shared semaphore)."""
        wanted = list(dict.fromkeys(uuids))
        found = await concurrently(self.one(collection, uuid, params) for uuid in wanted)
        return {uuid: record for uuid, record in zip(wanted, found, strict=True) if record is not None}

    # --- lists ---------------------------------------------------------------------------------

    async def _page(self, collection: str, params: Params, number: int) -> tuple[list[Record], int, bool]:
        """Results, count and whether a next page exists; a plain JSON array is one whole page."""
        query = dict(params)
        if number > 1 and not self.accepts(collection, "page"):
            return [], 0, False  # an endpoint without pages (e-Suite) answers everything at once
        if number > 1:
            query["page"] = str(number)
        try:
            body = await self._get(collection, query)
        except NotFoundUpstream:
            if number > 1:  # past the last page (the data changed between two requests)
                return [], 0, False
            raise
        if isinstance(body, list):
            return _records(body, self.client.source, collection), len(body), False
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise SourceGarbage(f"{self.client.source}: GET {collection} answered no list")
        results = _records(body["results"], self.client.source, collection)
        count = body.get("count")
        count = count if isinstance(count, int) and count >= 0 else len(results)
        return results, count, bool(body.get("next"))

    async def all(self, collection: str, params: Params | None = None) -> list[Record]:
        """Every record of a list, all pages."""
        params = params or {}
        first, count, more = await self._page(collection, params, 1)
        if not more or not first:
            return first
        size = len(first)
        last = math.ceil(count / size)
        pages = await concurrently(self._page(collection, params, n) for n in range(2, last + 1))
        records = first + [r for page, _, _ in pages for r in page]
        number = last
        while pages and pages[-1][2]:  # the count was too low: read on until the last page
            number += 1
            page = await self._page(collection, params, number)
            records += page[0]
            pages = [page]
        return records

    async def window(self, collection: str, params: Params, offset: int, limit: int) -> tuple[list[Record], int]:
        """Records [offset, offset+limit) of a list and its count, reading only the pages needed."""
        first, count, more = await self._page(collection, params, 1)
        if not more or not first:
            return first[offset : offset + limit], count
        size = len(first)
        if limit <= 0 or offset >= count:
            return [], count
        last = min((offset + limit - 1) // size + 1, math.ceil(count / size))
        numbers = range(offset // size + 1, last + 1)
        later = await concurrently(self._page(collection, params, n) for n in numbers if n > 1)
        pages = ([first] if numbers[0] == 1 else []) + [page for page, _, _ in later]
        records = [r for page in pages for r in page]
        start = offset - (numbers[0] - 1) * size
        return records[start : start + limit], count


def _records(values: Sequence[Any], source: str, collection: str) -> list[Record]:
    """The records of a page; an element that is no object breaks only itself: it stands as an
    empty record (no uuid: every mapping skips it), so page sizes and offsets still hold."""
    records = [v if isinstance(v, dict) else {} for v in values]
    if skipped := sum(1 for v in values if not isinstance(v, dict)):
        log.warning("%s: GET %s answered %d elements that are no object: skipped", source, collection, skipped)
    return records
