"""The ASGI application: engine and sources from the configuration, routes, errors, middleware."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from adapters.declarations import InvalidDeclaration
from adapters.diagnostics import describe as describe_error
from adapters.registry import InvalidAdapterSettings, UnknownAdapterKind, create_adapter
from facade.api.bodies import BodySchemas
from facade.api.handlers import KNOWN_METHODS, Api, allow_header, route_of
from facade.api.idempotency import IdempotencyKeys, SharedSlots
from facade.api.limits import RequestLimits
from facade.api.observe import RequestObserver, add_metrics_route
from facade.api.openapi import contract_document
from facade.api.problems import problem_for_status, problem_response
from facade.api.routes import add_api_routes, add_health_routes, add_schema_routes
from facade.api.writes import WriteApi
from facade.cache.redis_store import RedisBackend
from facade.config import ConfigError, Settings, describe
from facade.engine.core import Engine
from facade.engine.guard import GuardedAdapter, SourcePolicy
from facade.engine.published import PublishedPartijen
from facade.engine.sources import Identities, Source
from facade.engine.writes import WriteConfigError, Writer
from facade.errors import ProblemError
from facade.identity import IdentityCodec
from facade.observability.metrics import Metrics
from facade.observability.sources import NO_OBSERVER, SourceObserver
from facade.observability.tracing import Tracing
from mapping.contract import API_VERSION

log = logging.getLogger("facade.api")


def shared_cache(settings: Settings, metrics: Metrics | None = None) -> RedisBackend | None:
    """The Redis backend of `cache: {backend: redis}` (it connects on first use), or None."""
    config = settings.cache
    if config.backend != "redis" or config.url is None:
        return None
    return RedisBackend(
        config.url.get_secret_value(),
        settings.identity_secret.get_secret_value().encode(),
        prefix=config.key_prefix,
        timeout=config.timeout,
        retry_interval=config.retry_interval,
        max_connections=config.max_connections,
        on_error=metrics.observe_cache_backend_error if metrics is not None else None,
    )


def build_engine(
    settings: Settings, observer: SourceObserver = NO_OBSERVER, cache: RedisBackend | None = None
) -> Engine:
    """Create every source's adapter, guarded; bad kinds or settings are one `ConfigError` naming
    each of them, in every source."""
    secret = settings.identity_secret.get_secret_value().encode()
    sources = []
    problems: list[tuple[str, str]] = []
    for priority, config in enumerate(settings.sources):
        try:
            adapter = create_adapter(config.kind, config.settings, settings.config_dir)
        except Exception as exc:  # only the refusals below; anything else is re-raised
            problems += _problems(priority, config.name, config.kind, exc)
            continue
        policy = SourcePolicy(
            timeout=config.timeout,
            failure_threshold=config.failure_threshold,
            cooldown=config.cooldown,
            cache_size=config.cache_size,
            cache_ttl=config.cache_ttl,
            stale_if_error=config.stale_if_error,
        )
        store = cache.store(config.name, config.cache_ttl + config.stale_if_error) if cache is not None else None
        guard = GuardedAdapter(config.name, adapter, policy, secret, store, observer)
        sources.append(Source(config.name, priority, guard))
    if problems:
        raise ConfigError(describe(problems))
    published = PublishedPartijen(settings.partij_identity_ttl)
    return Engine(sources, Identities(IdentityCodec(secret), sources, settings.merge_partijen, published))


def build_writer(settings: Settings, engine: Engine) -> Writer:
    """The engine's write routing; a write target that cannot take its collection is a `ConfigError`."""
    try:
        own = {client.name: client.write_targets for client in settings.clients if client.write_targets}
        return Writer(engine, settings.write_targets, own)
    except WriteConfigError as exc:
        raise ConfigError(describe([("", str(exc))])) from None


def _problems(index: int, name: str, kind: str, refusal: ValueError | TypeError) -> list[tuple[str, str]]:
    """(setting, message) of why source `index` could not be built: its kind's settings model
    names each wrong setting by its path; a wrong declaration names the source and the name."""
    settings = f"sources.{index}.settings"
    if isinstance(refusal, InvalidAdapterSettings):
        return [(f"{settings}.{path}" if path else settings, message) for path, message in refusal.problems]
    if isinstance(refusal, UnknownAdapterKind):
        return [(f"sources.{index}.kind", str(refusal))]
    if isinstance(refusal, InvalidDeclaration):
        return [(f"sources.{index}", f"source {name!r} (kind {kind}): {line}") for line in refusal.problems]
    return [(settings, str(refusal))]  # the factory's own refusal, e.g. a dataset that fails its checks


def create_app(settings: Settings, engine: Engine | None = None, tracing: Tracing | None = None) -> FastAPI:
    """The ASGI application. Tests may pass in an `engine` built from their own sources, and a
    `tracing` that keeps its spans."""
    metrics = Metrics()
    tracing = tracing or Tracing.from_config(settings.tracing)
    cache = shared_cache(settings, metrics)
    engine = engine or build_engine(settings, SourceObserver(metrics, tracing), cache)
    api = Api(settings, engine)
    writer = build_writer(settings, engine)
    secret = settings.identity_secret.get_secret_value().encode()
    shared = SharedSlots(cache, settings.idempotency.ttl, settings.request_deadline) if cache is not None else None
    keys = IdempotencyKeys(
        secret, settings.idempotency.ttl, settings.idempotency.max_keys, shared, settings.request_deadline
    )
    writes = WriteApi(api, writer, BodySchemas(contract_document()), keys)
    observe = RequestObserver(metrics, tracing, api.base_urls.from_trusted_proxy)
    metrics.watch_breakers(lambda: {source.name: source.guard.breaker.state for source in engine.sources})
    if cache is not None:
        metrics.watch_cache_backend(lambda: cache.status == "up")
    if api.processing_log is not None:
        metrics.watch_processing_log(lambda: api.processing_log.records)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        asyncio.get_running_loop().set_exception_handler(_log_without_values)
        yield
        if api.processing_log is not None:
            api.processing_log.close()
        for source in engine.sources:
            try:
                await source.guard.aclose()
            except Exception as exc:
                log.error("closing source %s failed: %s", source.name, describe_error(exc))
        log.info("closed the sources (their upstream connections)")
        if cache is not None:
            await cache.aclose()
        tracing.shutdown()

    app = FastAPI(
        title="Klantinteracties façade",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        redirect_slashes=False,
    )
    app.state.engine = engine
    add_api_routes(app, api, writes)
    add_schema_routes(app, api.base_urls, writer)
    add_health_routes(app, engine, (lambda: cache.status) if cache is not None else None)
    add_metrics_route(app, settings.metrics, metrics)

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        problem = problem_for_status(exc.status_code)
        if exc.status_code == 405:
            # the methods of the one route of this path: exactly what is answered there
            routed = (exc.headers or {}).get("Allow", "")
            problem.headers["Allow"] = allow_header(method.strip() for method in routed.split(","))
            # the method is named only when it is a known one: it is what the client sent
            method = request.method if request.method in KNOWN_METHODS else "Deze methode"
            problem.detail = f"Methode '{method}' is hier niet toegestaan."
        return problem_response(request, problem)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer (422) would quote the input
        return problem_response(request, problem_for_status(400))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error handling %s: %s", route_of(request), describe_error(exc))
        return problem_response(request, problem_for_status(500))

    app.add_middleware(RequestLimits)

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        async def answer() -> Response:
            try:
                response = await call_next(request)
            except Exception as exc:  # the handler above answered; log the type, never the values
                log.error("unhandled error: %s", describe_error(exc))
                response = problem_response(request, problem_for_status(500))
            response.headers["API-version"] = API_VERSION
            return response

        return await observe(request, answer)  # request id, span, metrics, access log

    return app


def _log_without_values(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """asyncio's own report of an error nobody awaited (a task's exception never retrieved),
    without the exception's text: that can be data from a source."""
    exc = context.get("exception")
    detail = describe_error(exc) if isinstance(exc, BaseException) else "no exception"
    log.error("asyncio: %s: %s", context.get("message", "unhandled error"), detail)
