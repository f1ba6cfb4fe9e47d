"""The routes: every collection's list and detail, the API root, health, the served contract.

A path answers GET, and the writes some source takes for its collection (`Writer.operations`):
POST on a list, PUT/PATCH/DELETE on a detail, POST `maak-klantcontact` when klantcontacten can be
created; where it answers GET also HEAD (GET without a body), and everywhere OPTIONS (`Allow`), as
Open Klant does. One route per path, so a 405's `Allow` lists exactly what is routed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from facade.api.handlers import Api, allow_header, json_response, routed_methods
from facade.api.openapi import build_openapi
from facade.api.requests import BaseUrlPolicy
from facade.api.writes import WriteApi
from facade.engine.core import Engine
from facade.engine.writes import Writer
from facade.errors import ProblemError
from mapping.contract import API_PREFIX, MAAK_KLANTCONTACT, RESOURCES, ResourceDef


def _with_head_and_options(methods: list[str]) -> list[str]:
    """HEAD wherever GET is answered (the body is dropped in `facade.api.limits`), OPTIONS everywhere."""
    return [*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"]


def writes_routed(writer: Writer, resource: str) -> tuple[list[str], list[str]]:
    """The methods of a collection's list path and of its detail path."""
    operations = writer.operations(resource)
    on_list = ["GET"] + (["POST"] if "create" in operations else [])
    on_detail = ["GET"] + (["PUT", "PATCH"] if "update" in operations else [])
    return on_list, on_detail + (["DELETE"] if "delete" in operations else [])


def add_api_routes(app: FastAPI, api: Api, writes: WriteApi) -> None:
    def add(path: str, endpoint, methods: list[str]) -> None:
        for variant in (path, path + "/"):
            app.add_api_route(variant, endpoint, methods=methods, include_in_schema=False)

    async def root(request: Request) -> Response:
        return await (api.options(request) if request.method == "OPTIONS" else api.root(request))

    async def maak_klantcontact(request: Request) -> Response:
        return await (api.options(request) if request.method == "OPTIONS" else writes.maak_klantcontact(request))

    for path in (API_PREFIX, API_PREFIX + "/"):
        app.add_api_route(path, root, methods=_with_head_and_options(["GET"]), include_in_schema=False)
    for resource in RESOURCES.values():
        list_endpoint, detail_endpoint = _endpoints(api, writes, resource)
        on_list, on_detail = writes_routed(writes.writer, resource.name)
        add(f"{API_PREFIX}/{resource.name}", list_endpoint, _with_head_and_options(on_list))
        add(f"{API_PREFIX}/{resource.name}/{{uuid}}", detail_endpoint, _with_head_and_options(on_detail))
    if "create" in writes.writer.operations("klantcontacten"):
        add(f"{API_PREFIX}/{MAAK_KLANTCONTACT}", maak_klantcontact, ["POST", "OPTIONS"])
    else:  # the API root lists it, as Open Klant's does: it exists, and takes nothing here
        every = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        add(f"{API_PREFIX}/{MAAK_KLANTCONTACT}", _nothing_routed, every)


async def _nothing_routed(request: Request) -> Response:
    raise ProblemError(
        405,
        "method_not_allowed",
        "Methode niet toegestaan.",
        "Geen bron van deze façade legt klantcontacten vast.",
        headers={"Allow": ""},
    )


def _endpoints(api: Api, writes: WriteApi, resource: ResourceDef):
    """Handlers bound to one resource; their only parameters are the request and the path's uuid."""

    async def list_endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return await api.options(request, resource)
        if request.method == "POST":
            return await writes.create(request, resource)
        return await api.list(request, resource)

    async def detail_endpoint(request: Request, uuid: str) -> Response:
        if request.method == "OPTIONS":
            return await api.options(request, resource)
        if request.method in ("PUT", "PATCH"):
            return await writes.update(request, resource, uuid, partial=request.method == "PATCH")
        if request.method == "DELETE":
            return await writes.delete(request, resource, uuid)
        return await api.detail(request, resource, uuid)

    list_endpoint.__name__ = f"list_{resource.name}"
    detail_endpoint.__name__ = f"detail_{resource.name}"
    return list_endpoint, detail_endpoint


def add_health_routes(app: FastAPI, engine: Engine, cache_status: Callable[[], str] | None = None) -> None:
    """Outside the API prefix, no token, no data: for load balancers and orchestrators.

    With a shared cache, `/readyz` also says whether it answers (`up`, `degraded`); the façade
    stays ready without it.
    """

    async def healthz(request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(request: Request) -> Response:
        sources = {s.name: s.guard.status for s in engine.sources}
        ready = any(status != "breaker-open" for status in sources.values())
        body: dict[str, object] = {"status": "ready" if ready else "unavailable", "sources": sources}
        if cache_status is not None:
            body["cache"] = cache_status()
        return json_response(body, 200 if ready else 503)

    _add_readable(app, "/healthz", healthz)
    _add_readable(app, "/readyz", readyz)


def add_schema_routes(app: FastAPI, base_urls: BaseUrlPolicy, writer: Writer) -> None:
    routed = {name: writes_routed(writer, name) for name in RESOURCES}

    @functools.lru_cache(maxsize=8)
    def document_for(base_url: str) -> bytes:
        # the document states the URL filters' rule (an object of this API) with this API's URL
        return orjson.dumps(build_openapi(base_url, routed))

    async def openapi_json(request: Request) -> Response:
        return Response(document_for(base_urls.base_url(request)), media_type="application/json")

    async def docs(request: Request) -> Response:
        return HTMLResponse(_REDOC_PAGE.replace("{spec}", f"{API_PREFIX}/schema/openapi.json"))

    _add_readable(app, f"{API_PREFIX}/schema/openapi.json", openapi_json)
    for path in (f"{API_PREFIX}/schema", f"{API_PREFIX}/schema/"):
        _add_readable(app, path, docs)


def _add_readable(app: FastAPI, path: str, endpoint: Callable) -> None:
    """A route that needs no token: GET, HEAD, and OPTIONS saying so."""

    async def answer(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=200, headers={"Allow": allow_header(routed_methods(request))})
        return await endpoint(request)

    answer.__name__ = endpoint.__name__
    app.add_api_route(path, answer, methods=_with_head_and_options(["GET"]), include_in_schema=False)


_REDOC_PAGE = """<!DOCTYPE html>
<html><head><title>Klantinteracties façade API</title><meta charset="utf-8"/></head>
<body><redoc spec-url="{spec}"></redoc>
<script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script></body></html>"""
