"""Write handlers: POST, PUT, PATCH, DELETE and `maak-klantcontact`, answered as Open Klant does.

    authorise (write permission) -> read and check the body (contract, Open Klant's rules)
      -> find the stored object (update, delete) -> the engine's `Writer` -> read back, render
      -> processing log, BSNs withheld

Answers: 201 with the object and `Location` (a create; `maak-klantcontact` without `Location`,
as Open Klant), 200 with the object (PUT, PATCH), 204 (DELETE). The object is read back through
the engine after the write, so the answer is what the next GET shows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from facade.api.bodies import BodySchemas, Mode, parse_error
from facade.api.handlers import Api, forbidden, json_response, route_of
from facade.api.idempotency import HEADER, IdempotencyKeys, Outcome
from facade.api.privacy import BsnObserver, bsns_in, withhold_bsns
from facade.api.requests import Client
from facade.engine.core import Request as EngineRequest
from facade.engine.graph import Item, Node
from facade.engine.guard import CallContext
from facade.engine.params import check_known, parse_uuid
from facade.engine.render import Renderer
from facade.engine.write_rules import apply, with_current_codes
from facade.engine.writes import MAAK_PARTS, Writer, Written
from facade.errors import InvalidParam, ProblemError, not_found, validation_error
from mapping.contract import API_PREFIX, MAAK_KLANTCONTACT, RESOURCES, ResourceDef

MAX_BODY_BYTES = 64 * 1024
MAAK_RESOURCES = dict(zip(MAAK_PARTS, ("klantcontacten", "betrokkenen", "onderwerpobjecten"), strict=True))


class _Call:
    """One write request: who asks, where answers are built from, what it carried and touched."""

    def __init__(self, request: Request, client: Client, base_url: str, context: CallContext):
        self.request = request
        self.client = client
        self.base_url = base_url
        self.context = context
        self.written = Written(may_copy=client.permissions.may_write("partijen"), client=client.name)
        self.carried: set[str] = set()
        """BSNs in the body, and those of the object as it was (an update or delete)."""


class WriteApi:
    """The write handlers of one app."""

    def __init__(self, api: Api, writer: Writer, bodies: BodySchemas, keys: IdempotencyKeys):
        self.api = api
        self.engine = api.engine
        self.writer = writer
        self.bodies = bodies
        self.keys = keys

    # --- handlers ------------------------------------------------------------------------------

    async def create(self, request: Request, resource: ResourceDef) -> Response:
        call = self._begin(request, [resource.name])
        raw = await _json_body(request)
        body = self.bodies.check(resource.name, "create", with_current_codes(raw))
        body = apply(resource.name, body, None, replace=True)
        self._carries(call, body)

        async def run() -> Outcome:
            await self.writer.create(self._engine_request(call), resource.name, body, call.written)
            return self._outcome(call.written)

        rendered = await self._posted(call, raw, run)
        return self._answer(call, rendered[""], 201, location=True)

    async def maak_klantcontact(self, request: Request) -> Response:
        call = self._begin(request, ["klantcontacten"])
        raw = await _json_body(request)
        # as Open Klant: a part sent as null is a part not sent
        parts = {part: value for part, value in raw.items() if value is not None} if isinstance(raw, dict) else raw
        for part in MAAK_PARTS[1:]:
            if (
                isinstance(parts, dict)
                and part in parts
                and not call.client.permissions.may_write(MAAK_RESOURCES[part])
            ):
                raise forbidden(f"Deze client mag '{MAAK_RESOURCES[part]}' niet wijzigen.")
        body = self.bodies.check(MAAK_KLANTCONTACT, "create", with_current_codes(parts))
        for part, resource in MAAK_RESOURCES.items():
            if part in body:
                body[part] = apply(resource, body[part], None, replace=True)
        self._carries(call, body)

        async def run() -> Outcome:
            await self.writer.maak_klantcontact(self._engine_request(call), body, call.written)
            return self._outcome(call.written)

        rendered = await self._posted(call, raw, run)
        return self._answer(call, rendered, 201, location=False)

    async def update(self, request: Request, resource: ResourceDef, raw_uuid: str, partial: bool) -> Response:
        call = self._begin(request, [resource.name])
        self._may_read(call, resource)
        raw = await _json_body(request)
        engine_request = self._engine_request(call)
        node, current = await self._stored(call, engine_request, resource, raw_uuid)
        mode: Mode = "partial" if partial else "replace"
        kinds = {name: current[name] for name in ("soortPartij", "soortActor") if name in current}
        body = self.bodies.check(resource.name, mode, with_current_codes(raw), kinds)
        body = apply(resource.name, body, current, replace=not partial)
        self._carries(call, body)

        async def run() -> dict[str, Any]:
            await self.writer.update(engine_request, resource.name, node, body, current, call.written)
            return await self._render(call, remembered=True)

        rendered = await self._logged(call, run)
        return self._answer(call, rendered[""], 200)

    async def delete(self, request: Request, resource: ResourceDef, raw_uuid: str) -> Response:
        call = self._begin(
            request, [resource.name], query={"cascade"} if resource.name == "onderwerpobjecten" else set()
        )
        self._may_read(call, resource)
        if request.query_params.get("cascade", "false").lower() not in ("false", "0"):
            raise validation_error(
                InvalidParam("cascade", "not_supported", "Verwijderen met cascade=true biedt deze façade niet aan.")
            )
        engine_request = self._engine_request(call)
        node, _ = await self._stored(call, engine_request, resource, raw_uuid)

        async def run() -> dict[str, Any]:
            await self.writer.delete(engine_request, resource.name, node, call.written)
            return {}

        await self._logged(call, run, status=204)
        return Response(status_code=204)

    # --- the steps every write shares ----------------------------------------------------------

    def _authenticate(self, request: Request) -> tuple[str, Client]:
        base_url = self.api.base_urls.base_url(request)
        request.state.base_url = base_url
        client = self.api.auth.authenticate(request)
        request.state.client = client.name
        return base_url, client

    def _begin(self, request: Request, resources: list[str], query: set[str] | None = None) -> _Call:
        base_url, client = self._authenticate(request)
        for resource in resources:
            if not client.permissions.may_write(resource):
                raise forbidden(f"Deze client mag '{resource}' niet wijzigen.")
        check_known(request.query_params.multi_items(), query or set())
        # a write sees the sources as they are now: no cached answer is used
        context = CallContext(
            deadline=time.monotonic() + self.api.settings.request_deadline,
            bypass_cache=True,
            observer=BsnObserver() if self.api.processing_log is not None else None,
            budget=self.api.budget(),
        )
        return _Call(request, client, base_url, context)

    @staticmethod
    def _may_read(call: _Call, resource: ResourceDef) -> None:
        """An update answers the object as stored, a delete says whether it exists: both read it,
        so a write permission gives no more sight than the client's read permissions do."""
        if not call.client.permissions.may_read(resource.name):
            raise forbidden(f"Deze client mag '{resource.name}' niet lezen (wijzigen en verwijderen lezen het object).")

    def _engine_request(self, call: _Call) -> EngineRequest:
        return self.engine.request(True, call.context, self.api.conventions)

    @staticmethod
    def _carries(call: _Call, body: Any) -> None:
        found = bsns_in(body)
        if found and not call.client.permissions.bsn:
            raise forbidden("Deze client mag geen BSN vastleggen (de BSN-toestemming ontbreekt).")
        call.carried |= found

    async def _stored(
        self, call: _Call, engine_request: EngineRequest, resource: ResourceDef, raw_uuid: str
    ) -> tuple[Node, dict[str, Any]]:
        """The object an update or delete is about, and how it reads now."""
        value = parse_uuid(raw_uuid)
        if value is None:  # only the canonical spelling names an object, as for reads
            raise not_found()
        node = await self.engine.detail(engine_request, resource, value)
        current = await self._rendered(call, engine_request, node)
        call.carried |= bsns_in(current)
        return node, current

    async def _posted(self, call: _Call, raw: Any, run: Callable[[], Awaitable[Outcome]]) -> dict[str, Any]:
        """Run a POST once per `Idempotency-Key` (if given); the objects it made, read back."""
        key = call.request.headers.get(HEADER)

        async def once() -> dict[str, Any]:
            if key is None:
                await run()
                return await self._render(call, remembered=True)
            slot = self.keys.slot(call.client.name, route_of(call.request), key)
            outcome, replayed = await self.keys.once(slot, self.keys.fingerprint(raw), run)
            if replayed:
                call.request.state.replayed = True
                return await self._replay(call, outcome)
            return await self._render(call, remembered=True)

        return await self._logged(call, once, status=201)

    async def _logged(self, call: _Call, run: Callable[[], Awaitable[dict[str, Any]]], status: int = 200):
        """Run the write; record it in the processing log when it carried or touched a BSN."""
        try:
            rendered = await run()
        except ProblemError as problem:
            for left in problem.extra.get("remaining", ()):  # what an incomplete write left, with its URL
                left["url"] = f"{call.base_url}{API_PREFIX}/{left['resource']}/{left['uuid']}" if left["uuid"] else None
            self._log(call, set(), problem.status)
            raise
        self._log(call, bsns_in(rendered), status)
        return rendered

    def _log(self, call: _Call, returned: set[str], status: int) -> None:
        written = call.carried | call.written.touched
        processing_log = self.api.processing_log
        if processing_log is None:
            return
        observed = call.context.observer.bsns if isinstance(call.context.observer, BsnObserver) else set()
        processing_log.record(
            request_id=call.request.state.request_id,
            client=call.client.name,
            operation=f"{call.request.method} {route_of(call.request)}",
            purpose=call.request.headers.get("doelbinding"),
            sources=sorted(call.context.asked),
            searched=[],
            written=written,
            returned=returned if call.client.permissions.bsn else set(),
            processed=observed | returned,
            status=status,
        )

    def _answer(self, call: _Call, body: Any, status: int, location: bool = False) -> Response:
        if not call.client.permissions.bsn:
            withhold_bsns(body)
        response = json_response(body, status)
        if getattr(call.request.state, "replayed", False):
            response.headers["Idempotent-Replayed"] = "true"
        if location and isinstance(body, dict) and body.get("url"):
            response.headers["Location"] = body["url"]
        return response

    # --- reading back --------------------------------------------------------------------------

    def _outcome(self, written: Written) -> Outcome:
        objects = tuple((part, self._identity(item)) for part, item in written.items.items())
        return Outcome(201, objects)

    def _identity(self, item: Item | None) -> tuple[str, str] | None:
        if item is None:
            return None
        return item.obj.resource, self.engine.identities.object_uuid(item.source, item.obj) or ""

    async def _render(self, call: _Call, remembered: bool) -> dict[str, Any]:
        """The written objects as the next GET shows them. What a source answered to the write is
        used as is, except a `maak-klantcontact`'s klantcontact: read again, with its new parts."""
        items = call.written.items
        seeds = [item for part, item in items.items() if item is not None and part != "klantcontact"]
        return await self._read(call, {part: self._identity(item) for part, item in items.items()}, seeds)

    async def _replay(self, call: _Call, outcome: Outcome) -> dict[str, Any]:
        return await self._read(call, dict(outcome.objects), [])

    async def _read(
        self, call: _Call, wanted: Mapping[str, tuple[str, str] | None], seeds: list[Item]
    ) -> dict[str, Any]:
        context = CallContext(
            deadline=call.context.deadline,
            bypass_cache=True,
            observer=call.context.observer,
            budget=call.context.budget,
        )
        fresh = self.engine.request(True, context, self.api.conventions)
        fresh.loader.remember(seeds)
        out: dict[str, Any] = {}
        for part, found in wanted.items():
            if found is None:
                out[part] = None
                continue
            resource, value = found
            try:
                node = await self.engine.detail(fresh, RESOURCES[resource], uuid.UUID(value))
            except ProblemError as problem:
                if problem.status != 404:
                    raise
                raise ProblemError(
                    409, "gone", "Het object bestaat niet meer.", "Het vastgelegde object is inmiddels verwijderd."
                ) from None
            out[part] = await self._rendered(call, fresh, node)
        call.context.asked |= fresh.context.asked
        return out

    async def _rendered(self, call: _Call, engine_request: EngineRequest, node: Node) -> dict[str, Any]:
        renderer = Renderer(self.engine.identities, call.base_url, self.api.profiles[call.client.profile])
        await renderer.prepare(engine_request.loader, [node])
        return renderer.node(node)


async def _json_body(request: Request) -> Any:
    """The request's JSON body, at most MAX_BODY_BYTES (also without a Content-Length)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise ProblemError(
            415, "unsupported_media_type", "Niet-ondersteund mediatype.", "Stuur de body als application/json."
        )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ProblemError(
                413, "request_too_large", "Het verzoek is te groot.", f"Een body is hoogstens {MAX_BODY_BYTES} bytes."
            )
        chunks.append(chunk)
    try:
        return orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        raise parse_error() from None
