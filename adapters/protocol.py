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
- ``partijIdentificator__*`` parts given together must match one and the same identificator.

Errors: raise one of the ``SourceError`` subclasses below; anything else raised by an adapter
is treated as ``SourceUnavailable``.
"""

from __future__ import annotations

import datetime as dt
import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from mapping.keys import KeyFormat, TextKey
from mapping.ki import KIObject, Partij

FilterValue = str | bool | dt.date | dt.datetime | frozenset[str]


class Pushdown(enum.Enum):
    EXACT = "exact"
    """The application applies the filter exactly: its counts and offsets can be trusted."""
    LOOSE = "loose"
    """The application narrows by the filter but may return extra records (or ignores it)."""


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

    async def aclose(self) -> None:  # noqa: B027  # optional hook, a no-op unless overridden
        """Release connections; called once when the façade stops."""
