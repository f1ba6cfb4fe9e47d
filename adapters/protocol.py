"""The adapter protocol: the one class an integrator implements to plug in an application.

An adapter answers two questions about the application behind it, on plain values:

- ``list(query)``: which objects of one resource match these filters, from this offset?
- ``get_many(resource, keys)``: give me these objects by their upstream keys.

It returns objects of the Klantinteracties model (``mapping.ki``) that hold *upstream keys*,
never façade UUIDs or URLs. It declares, once, which resources it serves and which filters of
the contract it can hand to its application (*pushdown*); every other filter, the merge of
several sources, paging across them, ``expand``, identities and rendering are the engine's
job. The engine also re-checks every pushed-down filter on what comes back, so an
application that applies a filter loosely never leaks records; declaring a filter ``EXACT``
only lets the engine trust the application's *count* and skip records by offset.

Example: a read-only adapter over an application that can find customers by BSN (integrators
import all of this from the public module `adapters.api`)::

    from adapters.api import Adapter, ListPage, ListQuery, Pushdown, ResourceSupport, TextKey

    class MyCrm(Adapter):
        resources = {
            "partijen": ResourceSupport(
                pushdown={"partijIdentificator__objectId": Pushdown.EXACT},
                key_formats=(TextKey(),),
            ),
        }

        async def list(self, query: ListQuery) -> ListPage:
            bsn = query.filters.get("partijIdentificator__objectId")
            rows, total = await self.api.customers(bsn=bsn, skip=query.offset, take=query.limit)
            return ListPage([map_customer(row) for row in rows], total)

        async def get_many(self, resource, keys):
            rows = await self.api.customers_by_number(list(keys))
            return {row["number"]: map_customer(row) for row in rows}

Filter values the engine passes in ``ListQuery.filters``, by the contract's parameter names:

- text, enum and identificator parts as ``str``; booleans as ``bool``; dates as
  ``datetime.date``; date-times as aware ``datetime.datetime``;
- every ``<relation>__uuid``/``<relation>__url`` filter as ``<relation>__uuid`` with a
  ``frozenset`` of this source's upstream keys (usually one). A ``__url`` value is checked and
  translated by the engine: adapters never see a URL given by a client;
- ``partijIdentificator__*`` parts given together must match one and the same identificator;
- an actor's or onderwerpobject's identificator (``actoridentificator*``,
  ``onderwerpobjectidentificator*``, ``onderwerpobject__onderwerpobjectidentificator*``) arrives
  by its ``objectId`` only, never its codes: clients spell actors and zaken in different codes
  (``mapping/conventions.py``), so match the value against the record's own ``objectId`` *and*
  each fact it reports (``ki.ActorFacts.identificatie``/``emailadres``, ``ki.ZaakFacts.uuid``/
  ``identificatie``). The engine matches the codes, and never takes such a filter as exact.

Facts: an ``Actor`` may carry ``facts`` (a medewerker's id and e-mail, an afdeling's or groep's
code) and an ``Onderwerpobject`` about a zaak its ``zaak`` (UUID, identificatie). They are not
rendered as such: the engine publishes them in the codes of the caller's profile. And give every
klantcontact, internetaak and partij a ``nummer`` (``mapping/nummers.py`` derives one where the
application has none that fits).

Errors: raise one of the ``SourceError`` subclasses below; anything else raised by an adapter
is treated as ``SourceUnavailable``.

Writes (optional, API 1.1): an adapter that can write declares it per resource in
``ResourceSupport.writes`` (which operations, which fields) and implements ``create``, ``update``
and ``delete``. The engine routes a write to the source that owns the object, refuses what no
source declared, validates the body against the contract and hands the adapter plain values
(``WriteValues``) with references already translated into this source's keys:

- only fields the client sent, by the contract's names, read-only and unknown ones left out, and
  only fields the resource declares writable (an empty value for any other is dropped, a value
  equal to the stored one on an update too; anything else is refused before the adapter is asked);
- text, ``bool``, ``int`` and ``None`` as they are; dates as ``datetime.date``, date-times as aware
  ``datetime.datetime``;
- a reference as ``ki.Ref(key)`` of *this* source (or ``None``), a list of references as a list;
- a value group (an address, a name, an identificator, ``partijIdentificatie``,
  ``actorIdentificatie``) as a dict of the parts sent: a group replaces the whole group, parts
  not sent are empty; inline ``partijIdentificatoren`` as a list of such dicts;
- internetaken: always ``toegewezenAanActoren`` (the older single ``toegewezenAanActor`` is
  folded into it); identificator codes in their current spelling (``inp`` -> ``natuurlijk_persoon``).

A write that takes several upstream calls undoes the done ones when a later one fails
(``adapters.writes.Compensation``) and raises ``IncompleteWrite`` naming what remains when an undo
fails too: a write is done, undone, or reported exactly.
"""

from __future__ import annotations

import datetime as dt
import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from mapping.keys import KeyFormat, TextKey
from mapping.ki import KIObject, Partij

FilterValue = str | bool | dt.date | dt.datetime | frozenset[str]
WriteValues = Mapping[str, Any]
"""The fields of one write, as described in this module's docstring."""


class Pushdown(enum.Enum):
    EXACT = "exact"
    """The application applies the filter exactly: its counts and offsets can be trusted."""
    LOOSE = "loose"
    """The application narrows by the filter but may return extra records (or ignores it)."""


WriteOperation = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class WriteSupport:
    """Which writes an adapter takes for one resource: nothing by default (read-only)."""

    create: bool = False
    update: bool = False
    delete: bool = False
    fields: frozenset[str] | None = None
    """Top-level contract fields the application can hold on create and update; None: every
    writable field of the contract. A value the application cannot hold within a field (one
    e-mail address too many) is refused by the adapter with `InvalidWrite`."""

    def allows(self, operation: WriteOperation) -> bool:
        return bool(getattr(self, operation))


@dataclass(frozen=True)
class ResourceSupport:
    """What an adapter offers for one resource."""

    pushdown: Mapping[str, Pushdown] = field(default_factory=dict)
    key_formats: tuple[KeyFormat, ...] = (TextKey(),)
    """Shapes of this resource's upstream keys; each gets its own UUID key space."""
    ordered: bool = False
    """True if `list` returns records in the resource's canonical order (klantcontacten by
    `plaatsgevondenOp`, internetaken by `toegewezenOp`, newest first); otherwise the engine reads
    all matching records and sorts them. For other resources any stable order is fine."""
    max_page: int = 500
    """The largest `limit` the adapter answers in one call."""
    writes: WriteSupport = WriteSupport()
    """Which writes the application takes for this resource; nothing by default (read-only)."""


@dataclass(frozen=True)
class ListQuery:
    resource: str
    filters: Mapping[str, FilterValue]
    offset: int = 0
    limit: int = 100
    expand: frozenset[str] = frozenset()
    """The client's `expand` values: a hint for applications that can return related objects
    in the same call (return them in `ListPage.related`); ignoring it is always correct."""


@dataclass
class ListPage:
    records: Sequence[KIObject]
    total: int | None = None
    """How many records match the pushed-down filters in all, if the application says."""
    related: Sequence[KIObject] = ()
    """Objects of any resource the application returned along (e.g. through its own expand);
    the engine uses them instead of fetching them again in the same request."""
    skipped: int = 0
    """Records of this window the adapter left out because they do not map (`build_or_skip`).
    They still take their places: `len(records) + skipped` records of the window were read, so
    a page with a bad record is not taken for the last one and the next window starts where
    this one ended."""


class SourceError(Exception):
    """Base of the closed set of errors an adapter raises; messages name no secrets or BSNs."""

    reason = "error"


class SourceUnavailable(SourceError):
    """The application could not be reached, timed out or answered 5xx."""

    reason = "unavailable"


class SourceTimeout(SourceUnavailable):
    reason = "timeout"


class SourceRejected(SourceError):
    """The application refused the request (4xx): usually configuration or credentials."""

    reason = "rejected"


class SourceGarbage(SourceError):
    """The application answered something that is not what its API promises."""

    reason = "invalid-response"


@dataclass(frozen=True)
class FieldProblem:
    """One refused field of a write: the contract's dotted field name, a code, a reason in Dutch.
    Neither may quote the value (it can be a BSN)."""

    field: str
    code: str
    reason: str


class InvalidWrite(SourceRejected):
    """The application refuses the values of a write: the client gets a 400 naming each field.

    Not a failure of the source: it does not count towards its circuit breaker.
    """

    reason = "invalid-write"

    def __init__(self, *problems: FieldProblem):
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems) or "refused")
        self.problems = problems


class ObjectGone(SourceError):
    """The object to update or delete does not exist (any more): a 404 for the client."""

    reason = "not-found"


@dataclass(frozen=True)
class Leftover:
    """An object a failed write could not undo: its resource and key, and where it lives."""

    resource: str
    key: str
    where: str = ""
    """The source's name, filled in by the engine."""


class IncompleteWrite(SourceError):
    """A write of several upstream calls failed halfway and could not undo all of them: `remaining`
    names exactly what stays behind. The engine reports it to the client and the log."""

    reason = "incomplete-write"

    def __init__(self, cause: str, remaining: Sequence[Leftover]):
        super().__init__(f"incomplete write ({cause}): {len(remaining)} object(s) remain")
        self.cause = cause
        self.remaining = tuple(remaining)


class Adapter(ABC):
    """Base class of every adapter. Subclasses set `resources` and implement the two reads.

    `resources` may be a class attribute or, when what an adapter serves depends on its
    settings (which APIs are configured), set per instance in `__init__`; the engine reads it
    from the instance once, at start-up.
    """

    resources: Mapping[str, ResourceSupport] = {}  # read-only by convention

    @abstractmethod
    async def list(self, query: ListQuery) -> ListPage:
        """Records of `query.resource` matching the pushed-down filters, from `offset`, at most `limit`."""

    @abstractmethod
    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, KIObject]:
        """The records with these upstream keys; keys that do not exist are simply absent."""

    async def find_partijen(self, identificatoren: Collection[tuple[str, str]]) -> Sequence[Partij] | None:
        """Optional batch lookup of partijen by (codeSoortObjectId, objectId) pairs.

        Return None (the default) when the application has no such query; the engine then
        calls `list` once per identificator.
        """
        return None

    async def create(self, resource: str, values: WriteValues) -> KIObject:
        """Create one object of `resource` (declared `writes.create`); return it as now stored.

        Raise `InvalidWrite` for values the application refuses (a 400 naming the fields).
        """
        raise NotImplementedError(f"{type(self).__name__} declares no creates of {resource}")

    async def update(self, resource: str, key: str, values: WriteValues) -> KIObject:
        """Set the given fields of one object (declared `writes.update`); return it as now stored.

        `values` holds only the fields to change (a PUT's required fields are checked by the
        engine). Raise `ObjectGone` when the object does not exist, `InvalidWrite` for refused values.
        """
        raise NotImplementedError(f"{type(self).__name__} declares no updates of {resource}")

    async def delete(self, resource: str, key: str) -> None:
        """Delete one object (declared `writes.delete`); raise `ObjectGone` when it does not exist."""
        raise NotImplementedError(f"{type(self).__name__} declares no deletes of {resource}")

    async def aclose(self) -> None:  # noqa: B027  # optional hook, a no-op unless overridden
        """Release connections; called once when the façade stops."""
