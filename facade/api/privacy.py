"""BSNs in requests and answers: who may search by them, withholding them, and the processing log.

Rules (docs/decisions/0011-bsn-and-processing-log.md); which identificator holds a BSN is decided
in one place for every identificator kind (`mapping.bsn`):
- A client without the `bsn` permission may not search by a BSN: a filter on any identificator
  group (partij, sub-identificator, onderwerpobject, bijlage, actor) whose value is or could be a
  BSN is a 403.
- In answers to such a client every BSN value is replaced by `WITHHELD` (nine asterisks: a
  string, so the answer stays valid against the contract; the identificator and its codes stay).
- Every request that processes a BSN writes one processing-log record, with each BSN as a keyed
  hash (HMAC-SHA256 under a configured key): the BSNs the client searched by, those a write
  carried or touched (a partij with a BSN created, changed or referred to), those it was shown,
  and every other one the façade handled for it (searched upstream on its behalf to merge
  partijen or to resolve a merged partij's UUID, read from a source, withheld). "Who looked at
  my data" can be answered by hashing a citizen's BSN; the log cannot be read back into BSNs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from facade.engine.params import ParsedQuery
from facade.errors import ProblemError
from mapping.bsn import IDENTIFICATOR_GROUPS, bsns_of, canonical_bsn, group_is_bsn
from mapping.contract import RESOURCES, FilterDef
from mapping.ki import KIObject

WITHHELD = "*********"

log = logging.getLogger("facade.privacy")

_PARTS = ("objectId", "codeSoortObjectId", "codeObjecttype")


def _identificator_groups(filters: Iterable[tuple[FilterDef, Any]]) -> Iterator[dict[str, Any]]:
    """The identificator parts a set of filters searches by, one dict per group: {part: value}."""
    groups: dict[tuple, dict[str, Any]] = {}
    for definition, value in filters:
        attribute = definition.attribute
        if len(attribute) < 2 or attribute[-2] not in IDENTIFICATOR_GROUPS or attribute[-1] not in _PARTS:
            continue
        key = (definition.group, definition.prefix, attribute[:-1])
        groups.setdefault(key, {})[attribute[-1]] = value
    yield from groups.values()


def _bsns_searched(filters: Iterable[tuple[FilterDef, Any]]) -> set[str]:
    return {str(group["objectId"]) for group in _identificator_groups(filters) if group_is_bsn(group)}


def searched_bsns(query: ParsedQuery) -> set[str]:
    """BSN values this query searches by (in any identificator group, of a BSN kind or of a kind
    that does not rule a BSN out)."""
    return _bsns_searched((condition.filter, condition.value) for condition in query.conditions)


def bsns_in_filters(resource: str, filters: Mapping[str, Any]) -> set[str]:
    """BSN values in the filters of a call to a source (named as the contract names them)."""
    definitions = RESOURCES[resource].filters if resource in RESOURCES else {}
    return _bsns_searched(
        (definitions[name], value) for name, value in filters.items() if name in definitions and isinstance(value, str)
    )


def refuse_bsn_search() -> ProblemError:
    return ProblemError(
        403,
        "permission_denied",
        "U heeft geen toestemming om deze actie uit te voeren.",
        "Deze client mag niet zoeken op BSN. Geef bij een zoekvraag op een objectId ook een soort die "
        "geen BSN is (codeSoortObjectId, zoals kvk_nummer), of vraag de beheerder om BSN-toegang.",
    )


def bsn_groups(body: Any) -> list[dict[str, Any]]:
    """Every identificator group that holds a BSN in an answer (inline, embedded or expanded).

    One walk over the answer's dicts and lists with an explicit stack, a list's elements taken
    as they are met: a page with expansions holds tens of thousands of values, and a generator
    per value cost more than the checks."""
    found: list[dict[str, Any]] = []
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(child for child in value if isinstance(child, (dict, list)))
            continue
        if not isinstance(value, dict):
            continue
        for name, child in value.items():
            if isinstance(child, dict):
                if name in IDENTIFICATOR_GROUPS and group_is_bsn(child):
                    found.append(child)
                else:
                    pending.append(child)
            elif isinstance(child, list):
                for element in child:
                    if isinstance(element, (dict, list)):
                        pending.append(element)
    return found


def bsns_of_groups(groups: Iterable[dict[str, Any]]) -> set[str]:
    """The BSN values of `bsn_groups` (not those already withheld)."""
    return {group["objectId"] for group in groups} - {WITHHELD}


def bsns_in(body: Any) -> set[str]:
    """Every BSN value an answer holds."""
    return bsns_of_groups(bsn_groups(body))


def withhold_bsns(body: Any, groups: Iterable[dict[str, Any]] | None = None) -> None:
    """Replace every BSN value in an answer, in place, by `WITHHELD` (`groups`: the answer's
    `bsn_groups`, when the caller has them already)."""
    for group in bsn_groups(body) if groups is None else groups:
        group["objectId"] = WITHHELD


class BsnObserver:
    """Collects the BSNs of one request's calls to sources: searched there (by the client's
    filters or on its behalf) and received from them (`facade.engine.guard.CallObserver`)."""

    def __init__(self) -> None:
        self.bsns: set[str] = set()

    def asked(self, resource: str, filters: Mapping[str, Any]) -> None:
        self.bsns |= bsns_in_filters(resource, filters)

    def received(self, objects: Iterable[KIObject]) -> None:
        for obj in objects:
            self.bsns.update(bsns_of(obj))


class ProcessingLog:
    """Writes one JSON line per request that processed a BSN."""

    def __init__(self, key: bytes, sink: str = "stdout", path: Path | None = None):
        self._key = key
        self.records = 0
        """Lines written (a metric)."""
        self._stream: TextIO = sys.stdout if sink == "stdout" else open(path, "a", buffering=1)  # noqa: SIM115

    def pseudonym(self, bsn: str) -> str:
        """The keyed hash of a BSN, in the one form a BSN is hashed in (`canonical_bsn`)."""
        return hmac.new(self._key, canonical_bsn(bsn).encode(), hashlib.sha256).hexdigest()

    def record(
        self,
        *,
        request_id: str,
        client: str,
        operation: str,
        purpose: str | None,
        sources: list[str],
        searched: Iterable[str],
        returned: Iterable[str],
        processed: Iterable[str] = (),
        status: int,
        written: Iterable[str] = (),
    ) -> bool:
        """Write the record of one request if it processed any BSN; each BSN once per role, a BSN
        in another role is not repeated as processed. Returns whether a line was written."""
        roles: dict[str, set[str]] = {
            "searched": {canonical_bsn(bsn) for bsn in searched},
            "written": {canonical_bsn(bsn) for bsn in written},
            "returned": {canonical_bsn(bsn) for bsn in returned},
        }
        roles["processed"] = {canonical_bsn(bsn) for bsn in processed}.difference(*roles.values())
        if not any(roles.values()):
            return False
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
                for role, values in roles.items()
                for bsn in sorted(values)
            ],
        }
        self._stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._stream.flush()
        self.records += 1
        return True

    def close(self) -> None:
        if self._stream is not sys.stdout:
            self._stream.close()
