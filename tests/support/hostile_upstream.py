"""A Klantinteracties register on loopback that serves whatever a test gives it, and lies on demand.

`records[resource]` is served as Open Klant pages it (`page`, `pageSize`, `count`), ignoring every
filter (the façade re-checks them all) and finding details by `uuid`. Elements need not be
objects: a test puts in what a broken upstream would. Misbehaviours a test switches on:

- `huge`: every list answers a valid JSON page of about this many bytes, streamed as it is
  generated (the server never holds it), `Content-Length` announced or not (`announce`);
- `gzip_bomb`: every list answers a small gzip body that unpacks to about this many bytes;
- `raw`: every list answers these bytes as they are (JSON or not);
- `count`: the `count` every list claims, whatever it holds;
- `failing`: every list and detail answers this status (a register that is down);
- `write_answer`: every POST, PUT, PATCH and DELETE answers this (status, body bytes) as it is,
  after noting the request in `writes` (a register that lies about what it wrote).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

API = "/klantinteracties/api/v1"
HEADERS = {"API-version": "0.9.0"}
_CHUNK = 256 * 1024


def persoon(uuid: str, bsn: str, achternaam: str = "Jansen", soort: str = "bsn") -> dict[str, Any]:
    """A persoon as Open Klant 0.9 answers it, with one identificator inline."""
    return {
        "uuid": uuid,
        "nummer": "",
        "soortPartij": "persoon",
        "indicatieActief": True,
        "partijIdentificatoren": [
            {
                "uuid": uuid[:-4] + "1d1d",
                "identificeerdePartij": {"uuid": uuid},
                "partijIdentificator": {
                    "codeObjecttype": "natuurlijk_persoon",
                    "codeSoortObjectId": soort,
                    "objectId": bsn,
                    "codeRegister": "brp",
                },
                "anderePartijIdentificator": "",
                "subIdentificatorVan": None,
            }
        ],
        "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": achternaam}},
    }


def identificator(code_soort: str, object_id: str, objecttype: str = "", register: str = "") -> dict[str, str]:
    return {
        "codeObjecttype": objecttype,
        "codeSoortObjectId": code_soort,
        "objectId": object_id,
        "codeRegister": register,
    }


def klantcontact(uuid: str, when: str, onderwerp: str = "Vraag", **extra: Any) -> dict[str, Any]:
    return {
        "uuid": uuid,
        "kanaal": "telefoon",
        "onderwerp": onderwerp,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": when,
        "hadBetrokkenen": [],
        "gingOverOnderwerpobjecten": [],
        "hadBetrokkenActoren": [],
        **extra,
    }


class HostileUpstream:
    def __init__(self) -> None:
        self.records: dict[str, list[Any]] = {}
        self.huge: int | None = None
        self.announce = False
        self.gzip_bomb: int | None = None
        self.count: int | None = None
        self.failing: int | None = None
        self.raw: bytes | None = None
        self.write_answer: tuple[int, bytes] = (405, b"")
        self.writes: list[tuple[str, str]] = []
        self.requests: Counter[str] = Counter()
        self.base = ""

    # --- answers ---------------------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        return JSONResponse({}, headers=HEADERS)

    async def collection(self, request: Request) -> Response:
        resource = request.path_params["resource"]
        self.requests[resource] += 1
        if self.failing is not None:
            return JSONResponse({"detail": "onderhoud"}, status_code=self.failing)
        if self.huge is not None:
            return self._huge(resource)
        if self.gzip_bomb is not None:
            return self._bomb()
        if self.raw is not None:
            return Response(self.raw, media_type="application/json", headers=HEADERS)
        records = self.records.get(resource, [])
        page, size = int(request.query_params.get("page", 1)), int(request.query_params.get("pageSize", 100))
        body = {
            "count": self.count if self.count is not None else len(records),
            "next": None,
            "previous": None,
            "results": records[(page - 1) * size : page * size],
        }
        if page > 1 and not body["results"]:
            return JSONResponse({"detail": "Ongeldige pagina."}, status_code=404, headers=HEADERS)
        return Response(_dumps(body), media_type="application/json", headers=HEADERS)

    async def detail(self, request: Request) -> Response:
        resource, wanted = request.path_params["resource"], request.path_params["uuid"]
        self.requests[f"{resource}/detail"] += 1
        if self.failing is not None:
            return JSONResponse({"detail": "onderhoud"}, status_code=self.failing)
        for record in self.records.get(resource, []):
            if isinstance(record, dict) and record.get("uuid") == wanted:
                return Response(_dumps(record), media_type="application/json", headers=HEADERS)
        return JSONResponse({"detail": "Niet gevonden."}, status_code=404, headers=HEADERS)

    async def write(self, request: Request) -> Response:
        self.writes.append((request.method, request.url.path))
        status, body = self.write_answer
        return Response(body, status_code=status, media_type="application/json", headers=HEADERS)

    # --- misbehaviour ------------------------------------------------------------------------------

    def _huge(self, resource: str) -> Response:
        """A valid JSON page of about `huge` bytes: real records, generated as it is sent."""
        record = orjson.dumps(klantcontact("9e0f5c3a-2b1d-4c8e-9f7a-6b5d4c3b2a10", "2030-01-01T10:00:00Z", "x" * 200))
        head = b'{"count":1,"next":null,"previous":null,"results":['
        repeats = max(1, (self.huge or 0) // (len(record) + 1))
        total = len(head) + repeats * (len(record) + 1) - 1 + 2

        async def body() -> AsyncIterator[bytes]:
            yield head
            per_chunk = max(1, _CHUNK // (len(record) + 1))
            for start in range(0, repeats, per_chunk):
                count = min(per_chunk, repeats - start)
                chunk = b",".join([record] * count)
                yield (b"," + chunk) if start else chunk
            yield b"]}"

        headers = {**HEADERS, **({"Content-Length": str(total)} if self.announce else {})}
        return StreamingResponse(body(), media_type="application/json", headers=headers)

    def _bomb(self) -> Response:
        """A gzip body of a few hundred KB that unpacks to `gzip_bomb` bytes of valid JSON."""
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        parts = [packer.compress(b'{"count":0,"next":null,"previous":null,"results":[')]
        spaces = b" " * _CHUNK
        parts += [packer.compress(spaces) for _ in range((self.gzip_bomb or 0) // _CHUNK)]
        parts += [packer.compress(b"]}"), packer.flush()]
        return Response(b"".join(parts), media_type="application/json", headers={**HEADERS, "Content-Encoding": "gzip"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(API, self.root),
                Route(f"{API}/", self.root),
                Route(f"{API}/{{resource}}", self.collection),
                Route(f"{API}/{{resource}}", self.write, methods=["POST"]),
                Route(f"{API}/{{resource}}/{{uuid}}", self.detail),
                Route(f"{API}/{{resource}}/{{uuid}}", self.write, methods=["PUT", "PATCH", "DELETE"]),
            ]
        )


@contextmanager
def served(records: dict[str, list[Any]]) -> Iterator[HostileUpstream]:
    """A register holding these records, on a free loopback port (`base` set)."""
    from tests.support.fault_server import serving

    upstream = HostileUpstream()
    upstream.records = records
    with serving(upstream.app()) as base:
        upstream.base = base
        yield upstream


def _dumps(value: Any) -> bytes:
    """Any JSON a broken upstream may write: integers beyond 64 bits, `\\ud800`, infinity as 1e400."""
    return json.dumps(value).replace("Infinity", "1e400").encode()


def register_source(base: str, name: str = "register", **source: Any) -> dict[str, Any]:
    """A `klantinteracties` source over this upstream, uncached (each test sees every call)."""
    return {
        "name": name,
        "kind": "klantinteracties",
        "settings": {"base_url": f"{base}{API}", "token": {"env": "T_REGISTER_TOKEN"}, "dialect": "current"},
        "cache_ttl": 0,
        **source,
    }
