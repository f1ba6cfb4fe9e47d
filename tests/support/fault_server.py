"""A Klantinteracties-shaped upstream on loopback whose behaviour a test switches.

Modes: `ok`; `slow` (answers after `delay` seconds); `error` (500); `flap` (503 on every other
request); `invalid-json`; `bad-record` (one of its two klantcontacten lacks required fields);
and a separate raw socket server that resets every connection (`ResetServer`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.services import free_port

API = "/klantinteracties/api/v1"


def _klantcontact(base: str, uuid: str, onderwerp: str, when: str) -> dict:
    return {
        "uuid": uuid,
        "url": f"{base}{API}/klantcontacten/{uuid}",
        "gingOverOnderwerpobjecten": [],
        "hadBetrokkenActoren": [],
        "omvatteBijlagen": [],
        "hadBetrokkenen": [],
        "leiddeTotInterneTaken": [],
        "nummer": None,
        "kanaal": "telefoon",
        "onderwerp": onderwerp,
        "inhoud": "",
        "indicatieContactGelukt": None,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": when,
    }


class FaultyUpstream:
    def __init__(self):
        self.mode = "ok"
        self.delay = 2.0
        self.requests = 0
        self.base = ""
        self.headers_seen: list[dict[str, str]] = []
        """The headers of every request, as received."""

    def records(self) -> list[dict]:
        good = _klantcontact(
            self.base, "8f0b4a6e-2d59-4c1e-9a7b-3e2f1d0c9b8a", "Van het register", "2030-01-02T10:00:00Z"
        )
        other = _klantcontact(
            self.base, "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Ook van het register", "2030-01-01T10:00:00Z"
        )
        if self.mode == "bad-record":
            del other["kanaal"], other["taal"]
        return [good, other]

    async def klantcontacten(self, request: Request) -> Response:
        self.requests += 1
        self.headers_seen.append(dict(request.headers))
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "error" or (self.mode == "flap" and self.requests % 2 == 1):
            return JSONResponse({"detail": "kapot"}, status_code=500 if self.mode == "error" else 503)
        if self.mode == "invalid-json":
            return Response(b"<html>onderhoud</html>", media_type="application/json")
        records = self.records()
        return JSONResponse(
            {"count": len(records), "next": None, "previous": None, "results": records},
            headers={"API-version": "0.9.0"},
        )

    async def detail(self, request: Request) -> Response:
        answer = await self.klantcontacten(request)
        if answer.status_code != 200 or self.mode == "invalid-json":
            return answer
        wanted = request.path_params["uuid"]
        found = [r for r in self.records() if r["uuid"] == wanted]
        return JSONResponse(found[0], headers={"API-version": "0.9.0"}) if found else JSONResponse({}, status_code=404)

    async def empty(self, request: Request) -> Response:
        self.requests += 1
        self.headers_seen.append(dict(request.headers))
        if self.mode in ("error", "slow"):
            return await self.klantcontacten(request)
        return JSONResponse(
            {"count": 0, "next": None, "previous": None, "results": []}, headers={"API-version": "0.9.0"}
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"{API}/klantcontacten", self.klantcontacten),
                Route(f"{API}/klantcontacten/{{uuid}}", self.detail),
                Route(f"{API}/{{resource}}", self.empty),
            ]
        )


@contextmanager
def serving(app, port: int | None = None):
    """Run an ASGI app with uvicorn in a thread on loopback; yield its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def resetting_server():
    """Accepts connections and resets them at once (RST), like a crashed upstream behind a proxy."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)
