"""A façade that writes into the ZGW source, over real HTTP: the local ZGW server of one flavour
behind `klantinteracties-facade serve`, next to a CRM stand-in (where actoren and internetaken go)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import httpx

from adapters.zgw.jwt import ZgwJwt
from tests.support.server import running_facade
from tests.writes.support import ENV, facade_config
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV, zgw_settings

LINKS = "https://www.example.nl/onderwerpen/"


class Writer(NamedTuple):
    """A façade that writes into a local ZGW server: its base URL, the server, its log file."""

    base: str
    server: Any
    log: Path


RSIN = "002220647"


def zgw_write_settings(base: str, flavour: str) -> dict[str, Any]:
    return zgw_settings(base, flavour) | {
        "writes": True,
        "bronorganisatie": RSIN,
        "klant_website_url": "https://www.example.nl",
        "onderwerp_link_base": LINKS,
    }


@contextmanager
def zgw_facade(tmp_path: Path, server: Any, log_file: Path | None = None) -> Iterator[str]:
    """Sources `crm` and `zgw` (the local server); klantcontacten and partijen go to `zgw`."""
    sources = [
        {"name": "crm", "kind": "crm_stub"},
        {"name": "zgw", "kind": "zgw", "settings": zgw_write_settings(server.base, server.flavour)},
    ]
    config = facade_config(sources, {"klantcontacten": "zgw", "partijen": "zgw"})
    folder = tmp_path / f"zgw-{server.flavour}-{id(server)}"
    folder.mkdir(exist_ok=True)
    with running_facade(config, ENV | {SECRET_ENV: SECRET}, folder, log_file) as base:
        yield base


def upstream(server: Any, collection: str, **params: str) -> list[dict[str, Any]]:
    """What the ZGW server holds, read as any ZGW client reads it (its own API, a JWT)."""
    api = "klanten" if collection == "klanten" else "contactmomenten"
    answer = httpx.get(
        f"{server.base}/{api}/api/v1/{collection}",
        params=params,
        headers=ZgwJwt(CLIENT_ID, SECRET)(),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


def bsn_identificator(bsn: str) -> dict[str, Any]:
    """An inline partij-identificator as clients send it."""
    return {
        "partijIdentificator": {
            "codeSoortObjectId": "bsn",
            "codeRegister": "brp",
            "codeObjecttype": "natuurlijk_persoon",
            "objectId": bsn,
        }
    }


def open_forms_partij(bsn: str) -> dict[str, Any]:
    """Open Forms' get-or-create body of a citizen (real-clients.md J2)."""
    return {
        "soortPartij": "persoon",
        "voorkeurstaal": "nld",
        "indicatieActief": True,
        "digitaleAdressen": None,
        "voorkeursDigitaalAdres": None,
        "rekeningnummers": None,
        "voorkeursRekeningnummer": None,
        "indicatieGeheimhouding": False,
        "partijIdentificatoren": [bsn_identificator(bsn)],
        "partijIdentificatie": {"contactnaam": None},
    }
