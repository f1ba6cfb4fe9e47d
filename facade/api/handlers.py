"""Request handlers: parse, authorise, ask the engine, render, expand, apply privacy rules."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from facade.api.privacy import ProcessingLog, bsns_in, refuse_bsn_search, searched_bsns, searches_by_bsn, withhold_bsns
from facade.api.requests import BaseUrlPolicy, Client, ClientAuth, resolve_url_filters
from facade.config import Settings
from facade.engine.core import Engine, target_of
from facade.engine.expand import expand, expand_tree
from facade.engine.fetching import SourceFailed
from facade.engine.guard import CallContext
from facade.engine.params import ParsedQuery, parse_query
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
        self.base_urls = BaseUrlPolicy(settings)
        self.auth = ClientAuth(settings)
        self.profiles = settings.all_profiles()
        self.conventions = known(self.profiles.values())
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
            deadline=time.monotonic() + self.settings.request_deadline,
            bypass_cache="no-cache" in request.headers.get("cache-control", "").lower(),
        )
        return base_url, client, context

    @staticmethod
    def _check_query(client: Client, query: ParsedQuery) -> None:
        for path in query.expand:
            target = _expand_target(query.resource.name, path)
            if not client.permissions.may_read(target):
                raise forbidden(f"Deze client mag '{target}' niet lezen (expand={path}).")
        if not client.permissions.bsn and searches_by_bsn(query):
            raise refuse_bsn_search()

    def _privacy(
        self,
        request: Request,
        client: Client,
        query: ParsedQuery,
        context: CallContext,
        body: object,
        status: int = 200,
    ) -> None:
        """Write the processing-log record, then withhold BSNs from a client that may not see them."""
        searched = searched_bsns(query)
        returned = bsns_in(body)
        if (searched or returned) and self.processing_log is not None:
            self.processing_log.record(
                request_id=request.state.request_id,
                client=client.name,
                operation=f"{request.method} {route_of(request)}",
                purpose=request.headers.get("doelbinding"),
                sources=sorted(context.asked),
                searched=searched,
                returned=returned if client.permissions.bsn else set(),
                status=status,
            )
        if not client.permissions.bsn:
            withhold_bsns(body)

    @staticmethod
    def _respond(body: object, engine_request) -> Response:
        response = json_response(body)
        if engine_request.failures:
            # a partial answer says so: which sources are missing, and the class of reason
            failed = ", ".join(f"{name};reason={reason}" for name, reason in sorted(engine_request.failures.items()))
            response.headers["Facade-Incomplete"] = failed
            names = ", ".join(sorted(engine_request.failures))
            response.headers["Warning"] = f'299 - "Onvolledig antwoord: niet bevraagd: {names}"'
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
        try:
            result = await self.engine.list(engine_request, query)
        except ProblemError as problem:  # the sources were asked for the BSN all the same
            self._privacy(request, client, query, context, None, problem.status)
            raise
        renderer = Renderer(self.engine.identities, base_url, self.profiles[client.profile])
        await renderer.prepare(engine_request.loader, result.nodes)
        rendered = [renderer.node(node) for node in result.nodes]
        await expand(
            engine_request, renderer, list(zip(result.nodes, rendered, strict=True)), expand_tree(query.expand)
        )
        if resource.expand:  # as Open Klant: list items of expandable resources always carry `_expand`
            for item in rendered:
                item.setdefault("_expand", {})
        last_page = max(1, -(-result.count // query.page_size))
        body = {
            "count": result.count,
            "next": _page_link(request, base_url, query.page + 1) if query.page < last_page else None,
            "previous": _page_link(request, base_url, query.page - 1) if query.page > 1 else None,
            "results": rendered,
        }
        self._privacy(request, client, query, context, body)
        return self._respond(body, engine_request)

    async def detail(self, request: Request, resource: ResourceDef, raw_uuid: str) -> Response:
        base_url, client, context = self._begin(request, resource)
        query = parse_query(resource, request.query_params.multi_items(), detail=True)
        self._check_query(client, query)
        try:
            value = uuid.UUID(raw_uuid)
        except ValueError:
            raise not_found() from None
        engine_request = self.engine.request(True, context, self.conventions)
        node = await self.engine.detail(engine_request, resource, value)
        renderer = Renderer(self.engine.identities, base_url, self.profiles[client.profile])
        await renderer.prepare(engine_request.loader, [node])
        rendered = renderer.node(node)
        try:
            await expand(engine_request, renderer, [(node, rendered)], expand_tree(query.expand))
        except SourceFailed as failure:
            raise failure.problem() from failure
        self._privacy(request, client, query, context, rendered)
        return json_response(rendered)


def forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "permission_denied", "U heeft geen toestemming om deze actie uit te voeren.", detail)


def _expand_target(resource: str, path: str) -> str:
    """The resource an expand path ends in (`hadBetrokkenen.wasPartij` on klantcontacten: partijen)."""
    return target_of(resource, tuple(path.split(".")))


def route_of(request: Request) -> str:
    """The matched route's template: never the raw path, which can hold a BSN."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "<unmatched>"
