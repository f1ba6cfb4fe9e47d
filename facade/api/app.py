"""The HTTP API: Open Klant's read contract under /klantinteracties/api/v1, at the host root."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlencode

import orjson
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from adapters.registry import create_adapter
from facade.api.openapi import build_openapi
from facade.api.privacy import ProcessingLog, bsns_in, refuse_bsn_search, searched_bsns, searches_by_bsn, withhold_bsns
from facade.api.problems import problem_for_status, problem_response
from facade.api.requests import BaseUrlPolicy, Client, ClientAuth, resolve_url_filters
from facade.config import ConfigError, Settings
from facade.contract.resources import API_PREFIX, API_VERSION, RESOURCES, ResourceDef
from facade.engine.core import Engine, target_of
from facade.engine.expand import expand, expand_tree
from facade.engine.fetching import SourceFailed, sources_asked
from facade.engine.guard import GuardedAdapter, SourcePolicy, bypass_cache, request_deadline
from facade.engine.params import ParsedQuery, parse_query
from facade.engine.render import Renderer
from facade.engine.sources import Identities, Source
from facade.errors import InvalidParam, ProblemError, not_found
from facade.identity import IdentityCodec

log = logging.getLogger("facade.api")
access_log = logging.getLogger("facade.access")


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), status_code=status, media_type="application/json")


def build_engine(settings: Settings) -> Engine:
    """Create every source's adapter, guarded; a bad `kind` or setting is a `ConfigError` naming it."""
    secret = settings.identity_secret.get_secret_value().encode()
    sources = []
    for priority, config in enumerate(settings.sources):
        try:
            adapter = create_adapter(config.kind, config.settings)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"invalid configuration:\n  sources.{priority}.settings ({config.name}): {exc}") from None
        policy = SourcePolicy(
            timeout=config.timeout,
            failure_threshold=config.failure_threshold,
            cooldown=config.cooldown,
            cache_size=config.cache_size,
            cache_ttl=config.cache_ttl,
            stale_if_error=config.stale_if_error,
        )
        sources.append(Source(config.name, priority, GuardedAdapter(config.name, adapter, policy, secret)))
    return Engine(sources, Identities(IdentityCodec(secret), sources, settings.merge_partijen))


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

    def _begin(self, request: Request, resource: ResourceDef) -> tuple[str, Client]:
        base_url = self.base_urls.base_url(request)
        request.state.base_url = base_url
        client = self.auth.authenticate(request)
        request.state.client = client.name
        if not client.permissions.may_read(resource.name):
            raise _forbidden(f"Deze client mag '{resource.name}' niet lezen.")
        request.state.strict = client.strict or not self.settings.partial_answers
        request_deadline.set(time.monotonic() + self.settings.request_deadline)
        bypass_cache.set("no-cache" in request.headers.get("cache-control", "").lower())
        sources_asked.set(set())
        return base_url, client

    @staticmethod
    def _check_query(client: Client, query: ParsedQuery) -> None:
        for path in query.expand:
            target = _expand_target(query.resource.name, path)
            if not client.permissions.may_read(target):
                raise _forbidden(f"Deze client mag '{target}' niet lezen (expand={path}).")
        if not client.permissions.bsn and searches_by_bsn(query):
            raise refuse_bsn_search()

    def _privacy(self, request: Request, client: Client, query: ParsedQuery, body: object) -> None:
        """Write the processing-log record, then withhold BSNs from a client that may not see them."""
        searched = searched_bsns(query)
        returned = bsns_in(body)
        if (searched or returned) and self.processing_log is not None:
            self.processing_log.record(
                request_id=request.state.request_id,
                client=client.name,
                operation=f"{request.method} {_route_of(request)}",
                purpose=request.headers.get("doelbinding"),
                sources=sorted(sources_asked.get() or ()),
                searched=searched,
                returned=returned if client.permissions.bsn else set(),
                status=200,
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
        base_url, client = self._begin(request, resource)
        query = parse_query(resource, request.query_params.multi_items(), detail=False)
        self._check_query(client, query)
        query = resolve_url_filters(query, base_url, self.url_targets)
        engine_request = self.engine.request(strict=request.state.strict)
        result = await self.engine.list(engine_request, query)
        renderer = Renderer(self.engine.identities, base_url)
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
        self._privacy(request, client, query, body)
        return self._respond(body, engine_request)

    async def detail(self, request: Request, resource: ResourceDef, raw_uuid: str) -> Response:
        base_url, client = self._begin(request, resource)
        query = parse_query(resource, request.query_params.multi_items(), detail=True)
        self._check_query(client, query)
        try:
            value = uuid.UUID(raw_uuid)
        except ValueError:
            raise not_found() from None
        engine_request = self.engine.request(strict=True)
        node = await self.engine.detail(engine_request, resource, value)
        renderer = Renderer(self.engine.identities, base_url)
        await renderer.prepare(engine_request.loader, [node])
        rendered = renderer.node(node)
        try:
            await expand(engine_request, renderer, [(node, rendered)], expand_tree(query.expand))
        except SourceFailed as failure:
            raise failure.problem() from failure
        self._privacy(request, client, query, rendered)
        return json_response(rendered)


def _forbidden(detail: str) -> ProblemError:
    return ProblemError(403, "permission_denied", "U heeft geen toestemming om deze actie uit te voeren.", detail)


def _expand_target(resource: str, path: str) -> str:
    """The resource an expand path ends in (`hadBetrokkenen.wasPartij` on klantcontacten: partijen)."""
    return target_of(resource, tuple(path.split(".")))


def _routes(app: FastAPI, api: Api) -> None:
    def add(path: str, endpoint) -> None:
        for variant in (path, path + "/"):
            app.add_api_route(variant, endpoint, methods=["GET"], include_in_schema=False)

    app.add_api_route(API_PREFIX, api.root, methods=["GET"], include_in_schema=False)
    app.add_api_route(API_PREFIX + "/", api.root, methods=["GET"], include_in_schema=False)
    for resource in RESOURCES.values():
        list_endpoint, detail_endpoint = _endpoints(api, resource)
        add(f"{API_PREFIX}/{resource.name}", list_endpoint)
        add(f"{API_PREFIX}/{resource.name}/{{uuid}}", detail_endpoint)


def _endpoints(api: Api, resource: ResourceDef):
    """Handlers bound to one resource; their only parameters are the request and the path's uuid."""

    async def list_endpoint(request: Request) -> Response:
        return await api.list(request, resource)

    async def detail_endpoint(request: Request, uuid: str) -> Response:
        return await api.detail(request, resource, uuid)

    list_endpoint.__name__ = f"list_{resource.name}"
    detail_endpoint.__name__ = f"detail_{resource.name}"
    return list_endpoint, detail_endpoint


def _add_health_routes(app: FastAPI, engine: Engine) -> None:
    """Outside the API prefix, no token, no data: for load balancers and orchestrators."""

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(request: Request) -> Response:
        sources = {s.name: getattr(s.adapter, "status", "up") for s in engine.sources}
        ready = any(status != "breaker-open" for status in sources.values())
        return json_response({"status": "ready" if ready else "unavailable", "sources": sources}, 200 if ready else 503)

    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)


def _add_schema_routes(app: FastAPI, settings: Settings) -> None:
    document = build_openapi(settings)
    document_bytes = orjson.dumps(document)

    async def openapi_json(request: Request) -> Response:
        return Response(document_bytes, media_type="application/json")

    async def docs(request: Request) -> Response:
        return HTMLResponse(_REDOC_PAGE.replace("{spec}", f"{API_PREFIX}/schema/openapi.json"))

    app.add_api_route(f"{API_PREFIX}/schema/openapi.json", openapi_json, methods=["GET"], include_in_schema=False)
    for path in (f"{API_PREFIX}/schema", f"{API_PREFIX}/schema/"):
        app.add_api_route(path, docs, methods=["GET"], include_in_schema=False)


_REDOC_PAGE = """<!DOCTYPE html>
<html><head><title>Klantinteracties façade API</title><meta charset="utf-8"/></head>
<body><redoc spec-url="{spec}"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script></body></html>"""


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The ASGI application. `engine` may be passed in by tests that build sources themselves."""
    engine = engine or build_engine(settings)
    api = Api(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if api.processing_log is not None:
            api.processing_log.close()
        for source in engine.sources:
            try:
                await source.adapter.aclose()
            except Exception:
                log.exception("closing source %s failed", source.name)

    app = FastAPI(
        title="Klantinteracties façade",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
    )
    app.state.engine = engine
    _routes(app, api)
    _add_schema_routes(app, settings)
    _add_health_routes(app, engine)

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        problem = problem_for_status(exc.status_code)
        if exc.status_code == 405:
            problem.headers["Allow"] = "GET, HEAD"
            problem.detail = f"Methode '{request.method}' niet toegestaan: deze façade biedt alleen lezen aan."
        return problem_response(request, problem)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error (%s) handling %s", type(exc).__name__, _route_of(request))
        return problem_response(request, problem_for_status(500))

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        started = time.perf_counter()
        request.state.request_id = str(uuid.uuid4())
        try:
            response = _over_limits(request) or await call_next(request)
        except Exception as exc:  # the handler above answered; log the type, never the values
            log.error("unhandled %s", type(exc).__name__)
            response = problem_response(request, problem_for_status(500))
        response.headers["API-version"] = API_VERSION
        response.headers["X-Request-ID"] = request.state.request_id
        # never the query string or the raw path: both can hold a BSN
        access_log.info(
            "%s %s %s %.1fms client=%s request_id=%s",
            request.method,
            _route_of(request),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            getattr(request.state, "client", "-"),
            request.state.request_id,
        )
        return response

    return app


MAX_QUERY_LENGTH = 4096
MAX_BODY_BYTES = 64 * 1024


def _over_limits(request: Request) -> Response | None:
    """A query string or body too large for any honest read request: refused before routing."""
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_LENGTH:
        problem = ProblemError(
            400,
            "invalid",
            "Invalid input.",
            "",
            [InvalidParam("nonFieldErrors", "query_too_long", f"De query is langer dan {MAX_QUERY_LENGTH} tekens.")],
        )
        return problem_response(request, problem)
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return problem_response(request, problem_for_status(413, f"Een body is hoogstens {MAX_BODY_BYTES} bytes."))
    return None


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", None) or "<unmatched>"
