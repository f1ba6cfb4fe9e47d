"""The ZGW chain (bench figure 2): what one page of klantcontacten with its betrokkenen costs the
ZGW APIs, in upstream calls and in dependent rounds, over real HTTP.

The local ZGW server (VNG flavour: no `expand`) sits behind a layer that holds every request
until no new one has come for a while, then lets them all through at once: one *round*. A
request the façade can only send after an earlier answer lands in a later round, and so does a
request that waits for a free slot of the source's `max_concurrency`. The number of rounds is
the page's critical path in upstream latencies: what a 20 ms ZGW API makes the client wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.zgw.local_server import serve_in_thread
from mapping.contract import API_PREFIX
from tests.conftest import AUTH, TOKEN
from tests.support.server import running_facade
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV, zgw_settings

PAGE = "klantcontacten?expand=hadBetrokkenen,gingOverOnderwerpobjecten"
QUIET = 0.5
"""Seconds without a new request that end a round: far longer than the façade needs between the
requests of one round (microseconds), so a busy machine does not split a round."""
ENV = {"CHAIN_IDENTITY": "identity-secret-of-the-chain-test-0123", "CHAIN_TOKEN": TOKEN, SECRET_ENV: SECRET}


class Rounds:
    """ASGI layer: holds each request until the traffic has been quiet for `quiet` seconds, then
    releases everything held as one round (its paths, in `rounds`)."""

    def __init__(self, app: ASGIApp, quiet: float = QUIET):
        self.app = app
        self.quiet = quiet
        self.rounds: list[list[str]] = []
        self._held: list[tuple[asyncio.Future[None], str]] = []
        self._timer: asyncio.TimerHandle | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            loop = asyncio.get_running_loop()
            gate = loop.create_future()
            self._held.append((gate, scope["path"]))
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_later(self.quiet, self._release)
            await gate
        await self.app(scope, receive, send)

    def _release(self) -> None:
        held, self._held = self._held, []
        self.rounds.append(sorted(path for _, path in held))
        for gate, _ in held:
            gate.set_result(None)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Iterator[tuple[str, Rounds]]:
    """A façade (`serve`, default settings but no cache) whose only source is the local ZGW server."""
    layers: list[Rounds] = []

    def wrap(app: ASGIApp) -> ASGIApp:
        layers.append(Rounds(app))
        return layers[-1]

    folder: Path = tmp_path_factory.mktemp("zgw-chain")
    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="vng", wrap=wrap) as server:
        config = {
            "identity_secret": {"env": "CHAIN_IDENTITY"},
            "clients": [{"name": "tests", "token": {"env": "CHAIN_TOKEN"}, "permissions": {"bsn": True}}],
            "processing_log": {"sink": "file", "path": str(folder / "log.jsonl"), "key": {"env": "CHAIN_IDENTITY"}},
            "sources": [{"name": "zgw", "kind": "zgw", "settings": zgw_settings(server.base), "cache_ttl": 0}],
        }
        with running_facade(config, ENV, folder) as facade:
            yield facade + API_PREFIX, layers[0]


def _rounds_of_one_request(chain: tuple[str, Rounds]) -> list[list[str]]:
    base, layer = chain
    with httpx.Client(base_url=base, headers={**AUTH, "Cache-Control": "no-cache"}, timeout=120) as client:
        first = client.get(PAGE)  # reads the zaken' identificaties once (remembered by the source)
        assert first.status_code == 200, first.text
        layer.rounds.clear()
        again = client.get(PAGE)
    assert again.status_code == 200, again.text
    assert "Facade-Incomplete" not in again.headers
    results = again.json()["results"]
    assert len(results) == 7  # the demo seed: 6 contactmomenten and 1 klantcontact of the Zaken API
    assert sum(len(r["_expand"]["hadBetrokkenen"]) for r in results) == 5
    return layer.rounds


def test_a_page_of_the_zgw_chain_costs_26_calls_in_3_rounds(chain):
    rounds = _rounds_of_one_request(chain)
    calls = [path for found in rounds for path in found]
    assert len(calls) == 26, rounds
    # 1: the page of contactmomenten and the Zaken API's klantcontacten. Then the 18 link lists of
    # the contactmomenten, the klantcontactmomenten first, and the klanten they name (with the
    # klanten's own links) as soon as those are in: 24 calls, at most 8 at a time per API
    # (`max_concurrency`): 2: 6 klant- and 2 objectcontactmomenten lists, 6 zaakcontactmomenten
    # lists; 3: the other 4 objectcontactmomenten lists, the 3 klanten and their 3 link lists.
    assert [len(found) for found in rounds] == [2, 14, 10], rounds
    assert rounds[0] == ["/contactmomenten/api/v1/contactmomenten", "/zaken/api/v1/klantcontacten"]
    assert rounds[1].count("/contactmomenten/api/v1/klantcontactmomenten") == 6
    assert len([p for p in rounds[2] if p.startswith("/klanten/api/v1/klanten/")]) == 3
    for found in rounds:  # the load bound holds: never more than 8 calls at a time to one API
        assert all(sum(p.startswith(f"/{api}/") for p in found) <= 8 for api in ("klanten", "contactmomenten", "zaken"))
