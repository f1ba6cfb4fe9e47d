"""Request handlers: parse, authorise, ask the engine, render, expand, apply privacy rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from facade.api.permissions import collections_read
from facade.api.privacy import (
    BsnObserver,
    ProcessingLog,
    bsn_groups,
    bsns_of_groups,
    refuse_bsn_search,
    searched_bsns,
    withhold_bsns,
)
from facade.api.requests import BaseUrlPolicy, Client, ClientAuth, resolve_url_filters
from facade.config import Settings
from facade.engine.budget import Budget
from facade.engine.core import Engine
from facade.engine.expand import expand, expand_tree
from facade.engine.fetching import SourceFailed
from facade.engine.guard import CallContext
from facade.engine.params import ParsedQuery, parse_query, parse_uuid
from facade.engine.paths import target_of
from facade.engine.render import Renderer
from facade.errors import ProblemError, not_found
from mapping.contract import API_PREFIX, RESOURCES, ResourceDef
from mapping.conventions import known


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), status_code=status, media_type="application/json")


def _page_link(request: Request, base_url: str, page: int | None) -> str:
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    if page is not None and page > 1:
        items.append(("page", str(page)))
    query = urlencode(items)
    return f"{base_url}{request.url.path}" + (f"?{query}" if query else "")


class Api:
    """Request handlers; one instance per app, holding the engine and the policies."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self.profiles = settings.all_profiles()
        self.conventions = known(self.profiles.values())
        self.base_urls = BaseUrlPolicy(settings)
        self.auth = ClientAuth(settings)
        log_config = settings.processing_log
        self.processing_log = (
            ProcessingLog(log_config.key.get_secret_value().encode(), log_config.sink, log_config.path)
            if log_config
            else None
        )
        self.url_targets = {
            name: target_of(resource.name, definition.attribute)
            for resource in RESOURCES.values()
            for name, definition in resource.filters.items()
            if definition.type == "uri"
        }

    def _begin(self, request: Request, resource: ResourceDef) -> tuple[str, Client, CallContext]:
        base_url = self.base_urls.base_url(request)
        request.state.base_url = base_url
        client = self.auth.authenticate(request)
        request.state.client = client.name
        if not client.permissions.may_read(resource.name):
            raise forbidden(f"Deze client mag '{resource.name}' niet lezen.")
        request.state.strict = client.strict or not self.settings.partial_answers
        context = CallContext(
            bypass_cache="no-cache" in request.headers.get("cache-control", "").lower(),
            observer=BsnObserver() if self.processing_log is not None else None,
            budget=self.budget(),
        )
        return base_url, client, context

    def budget(self) -> Budget:
        """A fresh budget of one request, as configured (`request_budget`)."""
        budget = self.settings.request_budget
        return Budget(budget.upstream_requests, budget.tasks)

    @asynccontextmanager
    async def _within_deadline(self) -> AsyncIterator[None]:
        """The request's work ends at `request_deadline`: cancelled, charged to no source, a 503."""
        seconds = self.settings.request_deadline
        try:
            async with asyncio.timeout(seconds) as deadline:
                yield
        except TimeoutError:
            if not deadline.expired():
                raise
            raise ProblemError(
                503,
                "request_deadline",
                "Het verzoek duurde te lang.",
                f"Het antwoord was niet binnen {seconds:g} seconden klaar; het verzoek is afgebroken.",
                headers={"Retry-After": "5"},
            ) from None

    @staticmethod
    def _check_query(client: Client, query: ParsedQuery) -> None:
        """A query reads every collection it expands or filters into: each must be readable
        (a filter is a question about that collection's data); a BSN search needs `bsn`."""
        for path in sorted(query.expand):
            target = _expand_target(query.resource.name, path)
            if not client.permissions.may_read(target):
                raise forbidden(f"Deze client mag '{target}' niet lezen (expand).")
        for collection, parameter in sorted(collections_read(query).items()):
            if not client.permissions.may_read(collection):
                raise forbidden(f"Deze client mag '{collection}' niet lezen (filter {parameter}).")
        if not client.permissions.bsn and searched_bsns(query):
            raise refuse_bsn_search()

    async def _processed(
        self,
        request: Request,
        client: Client,
        query: ParsedQuery,
        context: CallContext,
        answer: Callable[[], Awaitable[Any]],
    ) -> Any:
        """The body `answer()` builds, after the request's processing-log record (written however
        it ends: the sources were asked all the same), with BSNs withheld from a client that may
        not see them."""
        body, status = None, 500
        try:
            body = await answer()
            status = 200
            return body
        except ProblemError as problem:
            status = problem.status
            raise
        finally:
            groups = bsn_groups(body)  # one walk: what was shown, and what to withhold
            shown = bsns_of_groups(groups)
            if self.processing_log is not None:
                observed = context.observer.bsns if isinstance(context.observer, BsnObserver) else set()
                self.processing_log.record(
                    request_id=request.state.request_id,
                    client=client.name,
                    operation=f"{request.method} {route_of(request)}",
                    purpose=request.headers.get("doelbinding"),
                    sources=sorted(context.asked),
                    searched=searched_bsns(query),
                    returned=shown if client.permissions.bsn else (),
                    processed=observed | shown,
                    status=status,
                )
            if not client.permissions.bsn:
                withhold_bsns(body, groups)

    @staticmethod
    def _respond(body: object, engine_request, context: CallContext) -> Response:
        response = json_response(body)
        warnings = []
        if engine_request.failures:
            # a partial answer says so: which sources are missing, and the class of reason
            failed = ", ".join(f"{name};reason={reason}" for name, reason in sorted(engine_request.failures.items()))
            response.headers["Facade-Incomplete"] = failed
            names = ", ".join(sorted(engine_request.failures))
            warnings.append(f'299 - "Onvolledig antwoord: niet bevraagd: {names}"')
        if context.stale:
            # a cached answer served because its source failed: stale, and not revalidated
            warnings += ['110 - "Response is Stale"', '111 - "Revalidation Failed"']
            response.headers["Age"] = str(int(max(context.stale.values())))
        if warnings:
            response.headers["Warning"] = ", ".join(warnings)
        return response

    async def root(self, request: Request) -> Response:
        base_url = self.base_urls.base_url(request)
        request.state.base_url = base_url
        names = [*RESOURCES, "maak-klantcontact"]
        return json_response({name: f"{base_url}{API_PREFIX}/{name}" for name in names})

    async def list(self, request: Request, resource: ResourceDef) -> Response:
        base_url, client, context = self._begin(request, resource)
        query = parse_query(resource, request.query_params.multi_items(), detail=False)
        self._check_query(client, query)
        query = resolve_url_filters(query, base_url, self.url_targets)
        engine_request = self.engine.request(request.state.strict, context, self.conventions)

        async def answer() -> dict[str, Any]:
            async with self._within_deadline():
                result = await self.engine.list(engine_request, query)
                renderer = Renderer(self.engine.identities, base_url, self.profiles[client.profile])
                await renderer.prepare(engine_request.loader, result.nodes)
                rendered = [renderer.node(node) for node in result.nodes]
                try:
                    await expand(
                        engine_request,
                        renderer,
                        list(zip(result.nodes, rendered, strict=True)),
                        expand_tree(query.expand),
                    )
                except SourceFailed as failure:  # a strict request whose related objects could not be read
                    raise failure.problem() from failure
            if resource.expand:  # as Open Klant: list items of expandable resources always carry `_expand`
                for item in rendered:
                    item.setdefault("_expand", {})
            last_page = max(1, -(-result.count // query.page_size))
            return {
                "count": result.count,
                "next": _page_link(request, base_url, query.page + 1) if query.page < last_page else None,
                "previous": _page_link(request, base_url, query.page - 1) if query.page > 1 else None,
                "results": rendered,
            }

        body = await self._processed(request, client, query, context, answer)
        return self._respond(body, engine_request, context)

    async def detail(self, request: Request, resource: ResourceDef, raw_uuid: str) -> Response:
        base_url, client, context = self._begin(request, resource)
        query = parse_query(resource, request.query_params.multi_items(), detail=True)
        self._check_query(client, query)
        value = parse_uuid(raw_uuid)
        if value is None:  # only the canonical spelling names an object (not urn:uuid:, braces, no dashes)
            raise not_found()
        engine_request = self.engine.request(True, context, self.conventions)

        async def answer() -> dict[str, Any]:
            async with self._within_deadline():
                node = await self.engine.detail(engine_request, resource, value, query.expand)
                renderer = Renderer(self.engine.identities, base_url, self.profiles[client.profile])
                await renderer.prepare(engine_request.loader, [node])
                rendered = renderer.node(node)
                try:
                    await expand(engine_request, renderer, [(node, rendered)], expand_tree(query.expand))
                except SourceFailed as failure:
                    raise failure.problem() from failure
            return rendered

        body = await self._processed(request, client, query, context, answer)
        return self._respond(body, engine_request, context)

    async def options(self, request: Request, resource: ResourceDef | None = None) -> Response:
        """As Open Klant (Django REST framework) answers OPTIONS: `Allow`, and a short description;
        on a collection only for a client that may read it."""
        if resource is not None:
            self._begin(request, resource)
        name = resource.name if resource is not None else "Klantinteracties API"
        body = {"name": name, "description": "", "renders": ["application/json"], "parses": ["application/json"]}
        response = json_response(body)
        response.headers["Allow"] = allow_header(routed_methods(request))
        return response


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "permission_denied", "U heeft geen toestemming om deze actie uit te voeren.", detail)


def _expand_target(resource: str, path: str) -> str:
    """The resource an expand path ends in (`hadBetrokkenen.wasPartij` on klantcontacten: partijen)."""
    return target_of(resource, tuple(path.split(".")))


_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
"""Open Klant's order in `Allow` (`GET, POST, HEAD, OPTIONS`)."""
KNOWN_METHODS = frozenset({*_METHOD_ORDER, "TRACE", "CONNECT", "QUERY"})


def allow_header(methods: Iterable[str]) -> str:
    """`Allow` for these methods, in Open Klant's order."""
    known = {method for method in methods if method}
    return ", ".join(sorted(known, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))


def routed_methods(request: Request) -> set[str]:
    """The methods of the route this request matched: one route per path, so exactly what the
    path answers (`facade/api/routes.py`)."""
    route = request.scope.get("route")
    return set(getattr(route, "methods", None) or ())


def route_of(request: Request) -> str:
    """The matched route's template: never the raw path, which can hold a BSN."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "<unmatched>"
