"""BSNs in requests and answers: who may search by them, withholding them, and the processing log.

Rules (docs/decisions/0011-bsn-and-processing-log.md):
- A client without the `bsn` permission may not filter on a BSN: a filter on an identificator
  whose kind is `bsn`, or whose kind is not given (its `objectId` could be a BSN), is a 403.
- In answers to such a client every BSN value is replaced by `WITHHELD` (nine asterisks: a
  string, so the answer stays valid against the contract; the identificator and its codes stay).
- Every request that searches by or returns a BSN, and every write that carries or touches one
  (a partij with a BSN created, changed or referred to), writes one processing-log record, with each
  BSN as a keyed hash (HMAC-SHA256 under a configured key): "who looked at my data" can be
  answered by hashing a citizen's BSN, but the log cannot be read back into BSNs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, TextIO

from facade.engine.params import ParsedQuery
from facade.errors import ProblemError

WITHHELD = "*********"

log = logging.getLogger("facade.privacy")


def _identificator_groups(query: ParsedQuery) -> Iterator[dict[str, Any]]:
    """The identificator parts a query filters on, one dict per group: {part: value}."""
    groups: dict[tuple, dict[str, Any]] = {}
    for condition in query.conditions:
        attribute = condition.filter.attribute
        if "partijIdentificator" not in attribute:
            continue
        part = attribute[-1]
        if part not in ("objectId", "codeSoortObjectId"):
            continue
        key = (condition.filter.group, condition.filter.prefix, attribute[:-1])
        groups.setdefault(key, {})[part] = condition.value
    yield from groups.values()


def searched_bsns(query: ParsedQuery) -> list[str]:
    """BSN values this query searches by (an objectId of kind bsn, or of no given kind)."""
    return [
        str(group["objectId"])
        for group in _identificator_groups(query)
        if "objectId" in group and group.get("codeSoortObjectId", "bsn") == "bsn"
    ]


def searches_by_bsn(query: ParsedQuery) -> bool:
    return any(
        group.get("codeSoortObjectId", "bsn") == "bsn" and "objectId" in group for group in _identificator_groups(query)
    )


def refuse_bsn_search() -> ProblemError:
    return ProblemError(
        403,
        "permission_denied",
        "U heeft geen toestemming om deze actie uit te voeren.",
        "Deze client mag niet zoeken op BSN. Geef bij een zoekvraag op objectId ook een andere "
        "codeSoortObjectId (zoals kvk_nummer) mee, of vraag de beheerder om BSN-toegang.",
    )


def _bsn_groups(body: Any) -> Iterator[dict[str, Any]]:
    """Every identificator group of kind `bsn` with a value in an answer (inline or expanded)."""
    if isinstance(body, dict):
        group = body.get("partijIdentificator")
        if isinstance(group, dict) and group.get("codeSoortObjectId") == "bsn" and group.get("objectId"):
            yield group
        for child in body.values():
            yield from _bsn_groups(child)
    elif isinstance(body, list):
        for child in body:
            yield from _bsn_groups(child)


def bsns_in(body: Any) -> set[str]:
    """Every BSN value an answer holds."""
    return {group["objectId"] for group in _bsn_groups(body)} - {WITHHELD}


def withhold_bsns(body: Any) -> None:
    """Replace every BSN value in an answer, in place, by `WITHHELD`."""
    for group in _bsn_groups(body):
        group["objectId"] = WITHHELD


class ProcessingLog:
    """Writes one JSON line per request that searched by or returned a BSN."""

    def __init__(self, key: bytes, sink: str = "stdout", path: Path | None = None):
        self._key = key
        self.records = 0
        """Lines written (a metric)."""
        self._stream: TextIO = sys.stdout if sink == "stdout" else open(path, "a", buffering=1)  # noqa: SIM115

    def pseudonym(self, bsn: str) -> str:
        return hmac.new(self._key, bsn.encode(), hashlib.sha256).hexdigest()

    def record(
        self,
        *,
        request_id: str,
        client: str,
        operation: str,
        purpose: str | None,
        sources: list[str],
        searched: list[str],
        returned: set[str],
        status: int,
        written: Collection[str] = (),
    ) -> None:
        entry = {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "trace_id": request_id,
            "client": client,
            "operation": operation,
            "purpose": purpose,
            "status": status,
            "sources": sources,
            "data_subjects": [
                {"type": "bsn", "id_hash": self.pseudonym(bsn), "role": role}
                for role, values in (
                    ("searched", sorted(set(searched))),
                    ("written", sorted(set(written))),
                    ("returned", sorted(returned)),
                )
                for bsn in values
            ],
        }
        self._stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._stream.flush()
        self.records += 1

    def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()
