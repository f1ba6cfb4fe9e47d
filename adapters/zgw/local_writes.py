"""Writes of the local ZGW server, in memory: what the real APIs do with a valid body.

Creates, updates and deletes of klanten, contactmomenten, klantcontactmomenten and
objectcontactmomenten, as far as the server's flavour declares them (`flavours.WRITES`). On top
of the field checks of `local_bodies`, as the real APIs do:

- a reference must resolve (`bad-url`): a klantcontactmoment's `contactmoment` and `klant`, an
  objectcontactmoment's `contactmoment` and `object` (a zaak of this server), a
  `vorigContactmoment`;
- uniqueness (`unique`, under `nonFieldErrors`): a klant's (bronorganisatie, klantnummer), a
  klantcontactmoment's (contactmoment, klant), an objectcontactmoment's (contactmoment, object);
- a klant's `subjectIdentificatie` takes the shape of its `subjectType` (VNG, Open Klant 1); e-Suite
  takes exactly one identifier and fills in the rest itself (type, klantnummer, bronorganisatie);
- e-Suite gives a contactmoment its `identificatie`, `bronorganisatie` and `status`;
- deleting a contactmoment deletes its klant- and objectcontactmomenten (a database cascade in the
  real APIs) and clears the `vorigContactmoment` that pointed at it.

Only the in-memory data changes: the seed file is never written, so the demo starts clean.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from adapters.zgw.flavours import Flavour
from adapters.zgw.local_bodies import ESUITE_SUBJECT, SCHEMAS, SUBJECTS, Problem, defaults, validate

Record = dict[str, Any]
APIS = {
    "klanten": "klanten",
    "contactmomenten": "contactmomenten",
    "klantcontactmomenten": "contactmomenten",
    "objectcontactmomenten": "contactmomenten",
}
"""The API each writable collection belongs to."""
_ESUITE_TYPES = {"inpBsn": "natuurlijk_persoon", "innNnpId": "niet_natuurlijk_persoon", "vestigingsNummer": "vestiging"}


class Rejected(Exception):
    """A write the server refuses: status, error code, and for a 400 the problems per field."""

    def __init__(self, status: int, code: str, detail: str, problems: list[Problem] | None = None):
        super().__init__(detail)
        self.status, self.code, self.detail, self.problems = status, code, detail, problems or []


def _bad_url(name: str) -> Problem:
    return {"name": name, "code": "bad-url", "reason": "De URL resolvet niet naar een bestaand object."}


def _unique(fields: str) -> Problem:
    return {"name": "nonFieldErrors", "code": "unique", "reason": f"De velden {fields} moeten een unieke set zijn."}


class LocalWrites:
    """The write operations on one server's data (`data` is the server's own, mutated in place)."""

    def __init__(self, data: dict[str, list[Record]], base: str, flavour: Flavour, bronorganisatie: str):
        self.data = data
        self.base = base
        self.flavour = flavour
        self.bronorganisatie = bronorganisatie
        """What e-Suite fills in as `bronorganisatie` (its own organisation)."""

    # --- the three operations ------------------------------------------------------------------

    def create(self, collection: str, body: Any) -> Record:
        clean = self._checked(collection, body, None, partial=False)
        uuid = str(uuidlib.uuid4())
        record = {"url": f"{self.base}/{APIS[collection]}/api/v1/{collection}/{uuid}"}
        record |= self._server_fields(collection, None) | clean
        self.data.setdefault(collection, []).append(record)
        self._derive(collection, record, None)
        return record

    def update(self, collection: str, uuid: str, body: Any, partial: bool) -> Record:
        current = self.find(collection, uuid)
        if current is None:
            raise Rejected(404, "not_found", "Niet gevonden.")
        clean = self._checked(collection, body, current, partial=partial)
        previous = current.get("vorigContactmoment")
        if partial:
            current.update(clean)
        else:
            kept = {k: current[k] for k in ("url", *self._filled_by_server(collection)) if k in current}
            current.clear()
            current.update(self._server_fields(collection, kept) | kept | clean)
        self._derive(collection, current, previous)
        return current

    def delete(self, collection: str, uuid: str) -> None:
        record = self.find(collection, uuid)
        if record is None:
            raise Rejected(404, "not_found", "Niet gevonden.")
        self.data[collection].remove(record)
        if collection == "contactmomenten":
            url = record["url"]
            for links in ("klantcontactmomenten", "objectcontactmomenten"):
                self.data[links] = [r for r in self.data.get(links, []) if r.get("contactmoment") != url]
            for cm in self.data["contactmomenten"]:
                for name in ("vorigContactmoment", "volgendContactmoment"):
                    if cm.get(name) == url:
                        cm[name] = None

    # --- lookups -----------------------------------------------------------------------------

    def find(self, collection: str, uuid: str) -> Record | None:
        return next((r for r in self.data.get(collection, []) if r["url"].rstrip("/").endswith("/" + uuid)), None)

    def _resolves(self, collection: str, url: Any) -> bool:
        return isinstance(url, str) and any(r.get("url") == url for r in self.data.get(collection, []))

    # --- checks ---------------------------------------------------------------------------------

    def _checked(self, collection: str, body: Any, current: Record | None, partial: bool) -> dict[str, Any]:
        clean, problems = validate(SCHEMAS[(self.flavour, collection)], body, partial)
        if collection == "klanten":
            problems += self._subject(body, clean, current, partial)
        merged = {**(current or {}), **clean}
        problems += self._references(collection, clean) if not problems else []
        problems += self._uniqueness(collection, merged, current) if not problems else []
        if problems:
            raise Rejected(400, "invalid", "Ongeldige invoer.", problems)
        return clean

    def _subject(self, body: Any, clean: dict[str, Any], current: Record | None, partial: bool) -> list[Problem]:
        """`subjectIdentificatie` in the shape of the klant's `subjectType` (e-Suite: one identifier)."""
        if not isinstance(body, Mapping) or (partial and "subjectIdentificatie" not in body):
            return []
        if self.flavour == "esuite":
            ident = clean.get("subjectIdentificatie") or {}
            given = [name for name in ESUITE_SUBJECT if ident.get(name)]
            if "subjectIdentificatie" in clean and len(given) != 1:
                reason = "Geef precies één van inpBsn, innNnpId en vestigingsNummer."
                return [{"name": "subjectIdentificatie", "code": "invalid", "reason": reason}]
            if "subjectIdentificatie" in clean:
                clean["subjectIdentificatie"] = defaults(ESUITE_SUBJECT) | ident
            return []
        kind = clean.get("subjectType", (current or {}).get("subjectType"))
        shape = SUBJECTS.get(kind or "")
        value = body.get("subjectIdentificatie")
        if shape is None or value is None:
            clean["subjectIdentificatie"] = None  # without a type, the polymorphic serializer drops it
            return []
        ident, problems = validate(shape, value, partial=False, prefix="subjectIdentificatie.")
        clean["subjectIdentificatie"] = defaults(shape) | ident
        return problems

    def _references(self, collection: str, clean: Mapping[str, Any]) -> list[Problem]:
        targets = {
            "vorigContactmoment": "contactmomenten",
            "contactmoment": "contactmomenten",
            "klant": "klanten",
            "object": "zaken",
        }
        return [
            _bad_url(name)
            for name, target in targets.items()
            if clean.get(name) is not None and name in clean and not self._resolves(target, clean[name])
        ]

    def _uniqueness(self, collection: str, merged: Mapping[str, Any], current: Record | None) -> list[Problem]:
        together = {
            "klanten": ("bronorganisatie", "klantnummer"),
            "klantcontactmomenten": ("contactmoment", "klant"),
            "objectcontactmomenten": ("contactmoment", "object"),
        }.get(collection)
        if together is None:
            return []
        for other in self.data.get(collection, []):
            if other is not current and all(other.get(f) == merged.get(f) for f in together):
                return [_unique(", ".join(together))]
        return []

    # --- what the server fills in ------------------------------------------------------------------

    def _filled_by_server(self, collection: str) -> tuple[str, ...]:
        if self.flavour != "esuite":
            return ()
        return {
            "klanten": ("bronorganisatie", "klantnummer"),
            "contactmomenten": ("bronorganisatie", "identificatie"),
        }.get(collection, ())

    def _server_fields(self, collection: str, kept: Mapping[str, Any] | None) -> Record:
        """Defaults of a new (or wholly replaced) record, and the numbers the server gives it."""
        fields = defaults(SCHEMAS[(self.flavour, collection)])
        if collection == "contactmomenten":
            fields["registratiedatum"] = dt.datetime.now(dt.UTC).isoformat()
            if self.flavour != "esuite":
                fields["volgendContactmoment"] = None
        if collection == "klanten" and self.flavour != "esuite":
            fields["subjectIdentificatie"] = None
        if self.flavour != "esuite":
            return fields
        kept = kept or {}
        if collection == "klanten":
            names = dict.fromkeys(("voornaam", "voorvoegselAchternaam", "achternaam", "bedrijfsnaam"), "")
            number = kept.get("klantnummer") or self._next_number("klanten", "klantnummer", "")
            fields |= names | {"bronorganisatie": self.bronorganisatie, "klantnummer": number}
        elif collection == "contactmomenten":
            number = kept.get("identificatie") or self._next_number("contactmomenten", "identificatie", "CM")
            fields |= {"bronorganisatie": self.bronorganisatie, "identificatie": number, "voorlopigeAntwoorden": []}
        elif collection == "klantcontactmomenten":
            fields["rol"] = "gesprekspartner"  # e-Suite keeps no rol and always answers this one
        return fields

    def _next_number(self, collection: str, field: str, prefix: str) -> str:
        taken = {r.get(field) for r in self.data.get(collection, [])}
        number = len(taken) + 1
        while f"{prefix}{number:08d}" in taken:
            number += 1
        return f"{prefix}{number:08d}"

    def _derive(self, collection: str, record: Record, previous: Any) -> None:
        """What the server derives after a write: e-Suite's subjectType from the identifier given,
        and `volgendContactmoment` (read-only) as the mirror of `vorigContactmoment`."""
        if collection == "klanten" and self.flavour == "esuite":
            ident = record.get("subjectIdentificatie") or {}
            record["subjectType"] = next((t for f, t in _ESUITE_TYPES.items() if ident.get(f)), None)
        if collection == "contactmomenten":
            self._link_previous(record, previous)

    def _link_previous(self, record: Record, previous: Any) -> None:
        if record.get("vorigContactmoment") == previous:
            return
        for cm in self.data.get("contactmomenten", []):
            if cm["url"] == previous and cm.get("volgendContactmoment") == record["url"]:
                cm["volgendContactmoment"] = None
            if cm["url"] == record.get("vorigContactmoment"):
                cm["volgendContactmoment"] = record["url"]
