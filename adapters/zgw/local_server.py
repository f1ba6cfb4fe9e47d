"""A small ZGW-shaped server on loopback: the demo's and the integration tests' upstream.

It answers the subset of the Klanten, Contactmomenten and Zaken APIs the adapter uses, from
seed data (`demo/seed.json`, built on recorded real responses), and is as strict as the real
servers where that matters to a client:

- every request needs a valid ZGW JWT (HS256, known `client_id`, `iat` within the hour): 403;
- zaak endpoints need `Accept-Crs: EPSG:4326`: 412 when absent, 406 when another value;
- query parameters the flavour does not declare: 400 `unknown-parameters`; a declared one this
  server does not implement: 400 as well (so a test notices instead of getting everything);
- pages of `page_size` with absolute `next`/`previous`; a page past the end: 404;
- writes as the flavour declares them (`flavours.WRITES`; others 405), in memory, with the
  real APIs' checks and 400 shapes (`local_writes.py`, `local_bodies.py`); a client needs the
  scope of the action (`klanten.aanmaken`, ...): 403 without it; a body must be JSON: 415.

Every request is recorded in `requests` (method, path, query, client id) for tests to inspect;
`fail_next` makes the next matching requests fail, so tests can break one step of a write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from adapters.zgw.flavours import DETAIL_PARAMETERS, WRITES, Api, Flavour, declared, scope
from adapters.zgw.local_writes import LocalWrites, Rejected

JWT_EXPIRY = 3600
LEEWAY = 60
Record = dict[str, Any]
Check = Callable[[Record, str], bool]
BRONORGANISATIE = "002220647"
"""The RSIN the seed's records carry; e-Suite gives it to what it creates."""
_ESUITE_CODES = {400: "VALIDATION", 403: "NOT_AUTHORISED", 404: "NOT_FOUND", 409: "CONFLICT"}


def demo_seed() -> dict[str, Any]:
    return json.loads(resources.files("adapters.zgw.demo").joinpath("seed.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Recorded:
    path: str
    query: tuple[tuple[str, str], ...]
    client_id: str
    status: int
    accept_crs: str | None
    method: str = "GET"
    body: Any = None


def _last(url: Any) -> str:
    return url.rstrip("/").rpartition("/")[2] if isinstance(url, str) else ""


def _ident(name: str) -> Check:
    return lambda r, v: isinstance(r.get("subjectIdentificatie"), dict) and r["subjectIdentificatie"].get(name) == v


def _moment(value: Any) -> dt.datetime:
    """A date-time as the Django servers parse it (the local server is strict: a bad value is a 400)."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _field(name: str) -> Check:
    return lambda r, v: r.get(name) == v


class ZgwServer:
    """The three APIs over one seed; `app` is the ASGI application."""

    def __init__(
        self,
        seed: Mapping[str, Any],
        clients: Mapping[str, str],
        base: str,
        flavour: Flavour = "vng",
        page_size: int = 100,
        scopes: Mapping[str, Collection[str]] | None = None,
    ):
        text = json.dumps(seed).replace("{base}", base.rstrip("/"))
        self.data: dict[str, list[Record]] = {k: v for k, v in json.loads(text).items() if isinstance(v, list)}
        self.clients = dict(clients)
        self.scopes = {client: frozenset(granted) for client, granted in (scopes or {}).items()}
        """Scopes per client id; a client not listed has every scope."""
        self.base = base.rstrip("/")
        self.flavour = flavour
        self.page_size = page_size
        self.requests: list[Recorded] = []
        self.writes = LocalWrites(self.data, self.base, flavour, BRONORGANISATIE)
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        routes = []
        for api, collections in (
            ("klanten", ("klanten",)),
            ("contactmomenten", ("contactmomenten", "klantcontactmomenten", "objectcontactmomenten")),
            ("zaken", ("zaken", "klantcontacten", "zaakcontactmomenten")),
        ):
            for collection in collections:
                prefix = f"/{api}/api/v1/{collection}"
                routes.append(Route(prefix, self._endpoint(api, collection, detail=False), methods=["GET", "POST"]))
                routes.append(
                    Route(
                        prefix + "/{uuid}",
                        self._endpoint(api, collection, detail=True),
                        methods=["GET", "PUT", "PATCH", "DELETE"],
                    )
                )
        self.app = Starlette(routes=routes)

    def fail_next(self, method: str, collection: str, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` `method` requests on `collection` with `status` (tests break a step)."""
        with self._lock:
            self._failures.append(_Failure(method, collection, status, times))

    def records(self, collection: str) -> list[Record]:
        """A copy of what the server holds now (tests read it directly)."""
        with self._lock:
            return json.loads(json.dumps(self.data.get(collection, [])))

    # --- filters this server implements, per collection ----------------------------------------

    def _filters(self, collection: str) -> dict[str, Check]:
        links = self.data.get("klantcontactmomenten", [])
        objects = self.data.get("objectcontactmomenten", [])
        if collection == "klanten":
            return {
                "subjectNatuurlijkPersoon__inpBsn": _ident("inpBsn"),
                "subjectNietNatuurlijkPersoon__innNnpId": _ident("innNnpId"),
                "subjectVestiging__vestigingsNummer": _ident("vestigingsNummer"),
                "klantnummer": _field("klantnummer"),
                "emailadres": _field("emailadres"),
                "telefoonnummer": _field("telefoonnummer"),
                "subjectType": _field("subjectType"),
            }
        if collection == "contactmomenten":
            return {
                "kanaal": _field("kanaal"),
                "identificatie": _field("identificatie"),
                "registratiedatum__gte": lambda r, v: _moment(r.get("registratiedatum")) >= _moment(v),
                "registratiedatum__lt": lambda r, v: _moment(r.get("registratiedatum")) < _moment(v),
                "vorigContactmoment": _field("vorigContactmoment"),
                "medewerkerIdentificatie__identificatie": lambda r, v: (
                    (r.get("medewerkerIdentificatie") or {}).get("identificatie") == v
                ),
                "klant": lambda r, v: any(k["contactmoment"] == r["url"] and k["klant"] in v.split(",") for k in links),
                "object": lambda r, v: any(
                    o["contactmoment"] == r["url"] and o["object"] in v.split(",") for o in objects
                ),
            }
        if collection == "klantcontactmomenten":
            return {"contactmoment": _field("contactmoment"), "klant": _field("klant"), "rol": _field("rol")}
        if collection in ("objectcontactmomenten", "zaakcontactmomenten"):
            return {
                "contactmoment": _field("contactmoment"),
                "object": _field("object"),
                "zaak": _field("zaak"),
                "objectType": _field("objectType"),
            }
        if collection == "klantcontacten":
            return {"zaak": _field("zaak")}
        return {"identificatie": _field("identificatie")}

    # --- the endpoint ----------------------------------------------------------------------------

    def _endpoint(self, api: str, collection: str, detail: bool):
        async def endpoint(request: Request) -> Response:
            client_id, problem = self._authenticate(request)
            if problem is None:
                problem = self._authorise(api, collection, request.method, client_id) or self._injected(
                    request.method, collection
                )
            if problem is None and api == "zaken" and collection == "zaken":
                problem = self._crs(request)
            body: Any = None
            if problem is not None:
                response: Response = problem
            elif request.method != "GET":
                body, response = await self._write(api, collection, detail, request)
            else:
                problem = self._parameters(api, collection, detail, request)
                response = problem or (
                    self._detail(collection, request) if detail else self._list(api, collection, request)
                )
            with self._lock:
                self.requests.append(
                    Recorded(
                        request.url.path,
                        tuple(request.query_params.multi_items()),
                        client_id,
                        response.status_code,
                        request.headers.get("accept-crs"),
                        request.method,
                        body,
                    )
                )
            return response

        return endpoint

    def _authenticate(self, request: Request) -> tuple[str, JSONResponse | None]:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return "", _fout(403, "not_authenticated", "Authenticatiegegevens zijn niet opgegeven.")
        token = header.removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "", _fout(403, "jwt-decode-error", "Het JWT kon niet gedecodeerd worden.")
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            return "", _fout(403, "missing-client-identifier", "Het JWT bevat geen client_id.")
        secret = self.clients.get(client_id)
        if secret is None:
            return client_id, _fout(403, "invalid-client-identifier", "Onbekende client_id.")
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["iat"]})
        except jwt.InvalidSignatureError:
            return client_id, _fout(403, "invalid-jwt-signature", "De handtekening van het JWT is ongeldig.")
        except jwt.PyJWTError:
            return client_id, _fout(403, "jwt-decode-error", "Het JWT is ongeldig.")
        if not isinstance(claims.get("iat"), int) or claims["iat"] < time.time() - JWT_EXPIRY - LEEWAY:
            return client_id, _fout(403, "jwt-expired", "Het JWT is verlopen.")
        return client_id, None

    def _authorise(self, api: str, collection: str, method: str, client_id: str) -> JSONResponse | None:
        flavour: Flavour = self.flavour if api != "zaken" else "vng"
        granted = self.scopes.get(client_id)
        if granted is None or scope(api, collection, method, flavour) in granted:  # type: ignore[arg-type]
            return None
        detail = "Je hebt geen toestemming om deze actie uit te voeren."
        if method == "GET":
            return _fout(403, "permission_denied", detail)
        return self._write_fout(403, "permission_denied", detail)

    def _injected(self, method: str, collection: str) -> JSONResponse | None:
        with self._lock:
            for failure in self._failures:
                if failure.method == method and failure.collection == collection and failure.times > 0:
                    failure.times -= 1
                    return self._write_fout(failure.status, "injected", "Een door de test veroorzaakte fout.")
        return None

    async def _write(self, api: Api, collection: str, detail: bool, request: Request) -> tuple[Any, Response]:
        """A POST on a list, a PUT/PATCH/DELETE on one object: (the body sent, the answer)."""
        flavour: Flavour = self.flavour if api != "zaken" else "vng"
        allowed = WRITES[flavour].get(collection, frozenset()) if api != "zaken" else frozenset()
        if request.method not in allowed or detail == (request.method == "POST"):
            return None, self._write_fout(405, "method_not_allowed", f'Methode "{request.method}" niet toegestaan.')
        if request.method == "DELETE":
            try:
                with self._lock:
                    self.writes.delete(collection, request.path_params["uuid"])
            except Rejected as refused:
                return None, self._write_fout(refused.status, refused.code, refused.detail)
            return None, Response(status_code=204)
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return None, self._write_fout(415, "unsupported_media_type", "Media type wordt niet ondersteund.")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return None, self._write_fout(400, "parse_error", "JSON parse error.")
        try:
            with self._lock:
                if request.method == "POST":
                    record = self.writes.create(collection, body)
                else:
                    record = self.writes.update(
                        collection, request.path_params["uuid"], body, partial=request.method == "PATCH"
                    )
                shown = self._expand(record, request) if collection == "contactmomenten" else record
                answer = json.loads(json.dumps(shown))  # a copy: later writes do not change this answer
        except Rejected as refused:
            return body, self._write_fout(refused.status, refused.code, refused.detail, refused.problems)
        if request.method == "POST":
            return body, JSONResponse(answer, status_code=201, headers={"Location": answer["url"]})
        return body, JSONResponse(answer)

    def _write_fout(
        self, status: int, code: str, detail: str, problems: list[dict[str, str]] | None = None
    ) -> JSONResponse:
        """An error of a write, in the flavour's shape: e-Suite has its own codes and no `invalidParams`."""
        if self.flavour == "esuite":
            if problems:
                detail = "; ".join(f"{p['name']}: {p['reason']}" for p in problems)
            return _fout(status, _ESUITE_CODES.get(status, "INTERNAL"), detail)
        return _fout(status, code, detail, problems if status == 400 else None)

    @staticmethod
    def _crs(request: Request) -> JSONResponse | None:
        value = request.headers.get("accept-crs")
        if value is None:
            return _fout(412, "precondition_failed", "'Accept-Crs' header ontbreekt")
        if value != "EPSG:4326":
            return _fout(406, "not_acceptable", "CRS-waarde wordt niet ondersteund")
        return None

    def _parameters(self, api: str, collection: str, detail: bool, request: Request) -> JSONResponse | None:
        flavour: Flavour = self.flavour if api != "zaken" else "vng"
        if detail:
            allowed = DETAIL_PARAMETERS.get((flavour, collection), frozenset())
            if api == "zaken":
                allowed |= {"expand"}
        else:
            allowed = declared(api, flavour).get(collection, frozenset())  # type: ignore[arg-type]
            if collection == "zaken":
                allowed = allowed | {"expand"}
        names = set(request.query_params.keys())
        unknown = sorted(names - allowed)
        if unknown:
            return _fout(400, "unknown-parameters", "Onbekende query parameters: " + ", ".join(unknown))
        implemented = set(self._filters(collection)) | {"page", "ordering", "expand"}
        if names - implemented:
            return _fout(
                400, "unsupported-by-local-server", "Niet ondersteund: " + ", ".join(sorted(names - implemented))
            )
        return None

    def _expand(self, cm: Record, request: Request) -> Record:
        """Open Klant 1: the link URLs on every contactmoment, the link records under `_expand`."""
        if self.flavour != "openklant":
            return cm
        kcms = [k for k in self.data.get("klantcontactmomenten", []) if k["contactmoment"] == cm["url"]]
        ocms = [o for o in self.data.get("objectcontactmomenten", []) if o["contactmoment"] == cm["url"]]
        out = {
            **cm,
            "klantcontactmomenten": [k["url"] for k in kcms],
            "objectcontactmomenten": [o["url"] for o in ocms],
        }
        wanted = set(filter(None, request.query_params.get("expand", "").split(",")))
        if wanted:
            out["_expand"] = {
                name: records
                for name, records in (("klantcontactmomenten", kcms), ("objectcontactmomenten", ocms))
                if name in wanted
            }
        return out

    def _detail(self, collection: str, request: Request) -> JSONResponse:
        uuid = request.path_params["uuid"]
        for record in self.data.get(collection, []):
            if _last(record.get("url")) == uuid:
                return JSONResponse(self._expand(record, request) if collection == "contactmomenten" else record)
        return _fout(404, "not_found", "Niet gevonden.")

    def _list(self, api: str, collection: str, request: Request) -> JSONResponse:
        params = request.query_params
        checks = self._filters(collection)
        active = {n: v for n, v in params.items() if n in checks}
        # a test may seed elements that are no object (a broken upstream): only unfiltered lists hold them
        records = [
            r
            for r in self.data.get(collection, [])
            if (all(checks[n](r, v) for n, v in active.items()) if isinstance(r, dict) else not active)
        ]
        ordering = params.get("ordering")
        if ordering:
            records.sort(key=lambda r: str(r.get(ordering.lstrip("-"), "")), reverse=ordering.startswith("-"))
        if collection == "contactmomenten":
            records = [self._expand(r, request) for r in records]
        if collection == "zaakcontactmomenten":
            return JSONResponse(records)  # a plain array in the Zaken API
        flavour: Flavour = self.flavour if api != "zaken" else "vng"
        if "page" not in declared(api, flavour).get(collection, frozenset()):  # type: ignore[arg-type]
            return JSONResponse({"count": len(records), "next": None, "previous": None, "results": records})
        try:
            number = int(params.get("page", "1"))
        except ValueError:
            return _fout(400, "invalid", "Ongeldige pagina.")
        pages = max(1, math.ceil(len(records) / self.page_size))
        if not 1 <= number <= pages:
            return _fout(404, "not_found", "Ongeldige pagina.")
        start = (number - 1) * self.page_size

        def link(page: int) -> str:
            query = [(k, v) for k, v in params.multi_items() if k != "page"] + (
                [("page", str(page))] if page > 1 else []
            )
            return f"{self.base}{request.url.path}" + (f"?{urlencode(query)}" if query else "")

        return JSONResponse(
            {
                "count": len(records),
                "next": link(number + 1) if number < pages else None,
                "previous": link(number - 1) if number > 1 else None,
                "results": records[start : start + self.page_size],
            }
        )


def _fout(status: int, code: str, detail: str, problems: list[dict[str, str]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://local-zgw/fouten/{code}",
        "code": code,
        "title": detail,
        "status": status,
        "detail": detail,
        "instance": "urn:uuid:00000000-0000-0000-0000-000000000000",
    }
    if problems is not None:
        body["invalidParams"] = problems
    return JSONResponse(body, status_code=status)


@dataclass
class _Failure:
    method: str
    collection: str
    status: int
    times: int


@contextlib.contextmanager
def serve_in_thread(
    seed: Mapping[str, Any] | None = None,
    clients: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    flavour: Flavour = "vng",
    page_size: int = 100,
    scopes: Mapping[str, Collection[str]] | None = None,
    wrap: Callable[[ASGIApp], ASGIApp] | None = None,
) -> Iterator[ZgwServer]:
    """Run a `ZgwServer` with uvicorn in a background thread until the block ends.

    Port 0 takes a free port; the server's `base` says which. The socket is bound before the
    thread starts, so the server is reachable as soon as this yields. `wrap` puts an ASGI layer
    around the server's app (tests that watch the traffic).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    server = ZgwServer(
        seed if seed is not None else demo_seed(), clients or {}, f"http://{host}:{bound}", flavour, page_size, scopes
    )
    app = server.app if wrap is None else wrap(server.app)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, kwargs={"sockets": [sock]}, name="local-zgw", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not runner.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the local ZGW server did not start")
            time.sleep(0.01)
        yield server
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        sock.close()
