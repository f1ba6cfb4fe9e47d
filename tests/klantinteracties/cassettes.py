"""Recorded Open Klant 2 traffic (../shared/acceptance/cassettes) served back through respx."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import respx
import yaml

from tests.conftest import SHARED

CASSETTES = SHARED / "acceptance" / "cassettes"


@dataclass(frozen=True)
class Recorded:
    cassette: str
    method: str
    base: str
    """The recorded API root, `http://localhost:<port>/klantinteracties/api/v1`."""
    path: str
    query: dict[str, str]
    status: int
    version: str
    body: Any


@cache
def recordings(cassette: str) -> tuple[Recorded, ...]:
    found = []
    for interaction in yaml.safe_load((CASSETTES / cassette).read_text())["interactions"]:
        request, response = interaction["request"], interaction["response"]
        url = urllib.parse.urlsplit(request["uri"])
        if "/api/v1" not in url.path:
            continue
        prefix, _, path = url.path.partition("/api/v1")
        try:
            body = json.loads(response["body"]["string"])
        except (TypeError, ValueError):
            body = None
        found.append(
            Recorded(
                cassette,
                request["method"],
                f"{url.scheme}://{url.netloc}{prefix}/api/v1",
                path.strip("/"),
                dict(urllib.parse.parse_qsl(url.query)),
                response["status"]["code"],
                response["headers"].get("API-version", [""])[0],
                body,
            )
        )
    return tuple(found)


def all_cassettes() -> list[str]:
    if not CASSETTES.exists():
        return []
    return sorted(str(p.relative_to(CASSETTES)) for p in CASSETTES.rglob("*.yaml"))


def recorded_gets() -> list[Recorded]:
    """Every recorded successful JSON GET of a list or an object."""
    return [
        r
        for cassette in all_cassettes()
        for r in recordings(cassette)
        if r.method == "GET" and r.status == 200 and r.path and isinstance(r.body, dict)
    ]


def identificatoren_in(cassette: str) -> dict[str, dict]:
    """Every partij-identificator the cassette shows in full (created, listed or read), by uuid."""
    found: dict[str, dict] = {}
    for r in recordings(cassette):
        if not r.path.startswith("partij-identificatoren") or not isinstance(r.body, dict):
            continue
        for record in r.body.get("results", [r.body]):
            if isinstance(record, dict) and "partijIdentificator" in record:
                found[record["uuid"]] = record
    return found


def reply(body: Any, version: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"API-version": version} if version else {})


def serve_identificatoren(router: respx.Router, cassette: str, version: str) -> None:
    """Detail GETs of partij-identificatoren answered from what the cassette recorded."""
    known = identificatoren_in(cassette)

    def detail(request: httpx.Request) -> httpx.Response:
        key = request.url.path.rstrip("/").rsplit("/", 1)[1]
        if key in known:
            return reply(known[key], version)
        return reply({"code": "not_found"}, version, 404)

    router.get(path__regex=r"/partij-identificatoren/[0-9a-f-]+$").mock(side_effect=detail)
