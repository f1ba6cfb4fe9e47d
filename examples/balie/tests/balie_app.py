"""A stand-in for the Balie application: its JSON API over the records in data.json, on loopback.

Balie is a (made-up) front-desk application: it registers klanten and their contacten. Its API,
as the adapter uses it (every request needs ``Authorization: Bearer <token>``)::

    GET /api/v1/klanten?id=k-1,k-2&bsn=...&actief=true&offset=0&limit=20
    GET /api/v1/contacten?id=...&klant=k-1,k-2&kanaal=TEL&onderwerp=...&zoek=...&offset=0&limit=20

Both answer ``{"total": n, "items": [...]}``: klanten by id, contacten newest first. `zoek`
finds text in a contact's onderwerp *or* tekst, case ignored; `onderwerp` is an exact match.
An unknown parameter is a 400, as a strict API would answer.

Run it by hand for the walk-through in docs/adapters.md::

    python examples/balie/tests/balie_app.py --port 8100 --token balie-demo-token
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).with_name("data.json")
MAX_LIMIT = 50
Record = dict[str, Any]


def _ids(value: str) -> set[str]:
    return {part for part in value.split(",") if part}


KLANT_FILTERS: dict[str, Callable[[Record, str], bool]] = {
    "id": lambda klant, value: klant["id"] in _ids(value),
    "bsn": lambda klant, value: klant["bsn"] == value,
    "actief": lambda klant, value: klant["actief"] == (value == "true"),
}
CONTACT_FILTERS: dict[str, Callable[[Record, str], bool]] = {
    "id": lambda contact, value: contact["id"] in _ids(value),
    "klant": lambda contact, value: contact["klant"] in _ids(value),
    "kanaal": lambda contact, value: contact["kanaal"] == value,
    "onderwerp": lambda contact, value: contact["onderwerp"] == value,
    "zoek": lambda contact, value: value.casefold() in f"{contact['onderwerp']} {contact['tekst']}".casefold(),
}


class Balie:
    def __init__(self, data: Record, token: str):
        self.token = token
        self.klanten = sorted(data["klanten"], key=lambda klant: klant["id"])
        by_id = sorted(data["contacten"], key=lambda contact: contact["id"])
        self.contacten = sorted(by_id, key=lambda contact: contact["tijdstip"], reverse=True)

    def answer(self, path: str, query: dict[str, str], authorization: str) -> tuple[int, Record]:
        if authorization != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}
        collections = {
            "/api/v1/klanten": (self.klanten, KLANT_FILTERS),
            "/api/v1/contacten": (self.contacten, CONTACT_FILTERS),
        }
        if path not in collections:
            return 404, {"error": "not found"}
        records, filters = collections[path]
        unknown = sorted(set(query) - set(filters) - {"offset", "limit"})
        if unknown:
            return 400, {"error": f"unknown parameter {unknown[0]}"}
        try:
            offset = int(query.get("offset", "0"))
            limit = min(int(query.get("limit", "20")), MAX_LIMIT)
        except ValueError:
            return 400, {"error": "offset and limit are whole numbers"}
        found = [r for r in records if all(filters[name](r, value) for name, value in query.items() if name in filters)]
        return 200, {"total": len(found), "items": found[offset : offset + limit]}


@contextmanager
def serve(token: str, data_path: Path = DATA, port: int = 0) -> Iterator[str]:
    """Serve Balie on 127.0.0.1 (port 0: a free one) until the block ends; yield its root URL."""
    balie = Balie(json.loads(data_path.read_text(encoding="utf-8")), token)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(url.query).items()}
            status, body = balie.answer(url.path, query, self.headers.get("Authorization", ""))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: object) -> None:  # the stdlib's name
            """Quiet: query strings hold BSNs."""

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, name="balie", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Balie stand-in on loopback.")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    with serve(args.token, port=args.port) as url:
        print(f"Balie API: {url}/api/v1 (Ctrl-C stops it)", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
