"""The public adapter API: everything an integrator needs to write an adapter, from one module.

An adapter package imports from here only (docs/adapters.md walks through one)::

    from adapters.api import Adapter, AdapterSettings, ListPage, ListQuery, Pushdown, ResourceSupport, Secret, ki

- the protocol: `Adapter`, `ResourceSupport`, `Pushdown`, `ListQuery`, `ListPage`, `FilterValue`
  and the closed set of errors an adapter raises (`SourceError` and its subclasses);
- the model every adapter returns: `ki` (the Klantinteracties objects, `ki.Partij`, `ki.Ref`, ...)
  and `Unmappable`, a mapping's refusal of one record;
- key formats, the shapes of upstream keys an adapter declares: `KeyFormat`, `TextKey`, `UuidKey`;
- the filter reader `QueryFilters` (typed access to `ListQuery.filters`) and `IDENTIFIER_PARTS`;
- settings: `AdapterSettings`, the base of every kind's settings model, and its field types
  `Secret` (`{env: NAME}` / `{file: PATH}`), `BaseUrl`, `ConfigPath` and `MaxResponseBytes`;
- HTTP tooling: `UpstreamClient`, `UpstreamSettings`, `NotFoundUpstream`, `AuthHeaders`,
  `DEFAULT_MAX_RESPONSE_BYTES` (the size limit of an upstream answer, 1.4);
- `build_or_skip`: build one mapped object, or skip the record with a warning that names no value;
- writes (1.1, optional): `WriteSupport` (declared per resource), `WriteValues`, the errors
  `InvalidWrite` (with `FieldProblem`s), `ObjectGone` and `IncompleteWrite` (with `Leftover`s),
  and `Compensation`, the undo log of a write that takes several upstream calls;
- identificator conventions and derived nummers (1.3): `conventions` (`facts_from`, what an upstream
  identificator in a client's codes says about an actor or zaak) and `nummers` (a `nummer` of
  at most 10 characters for a record whose application has none that fits, and back);
- `concurrently` (1.5): run upstream reads at the same time; when one fails the others are
  cancelled, so no read outlives the call (use it instead of `asyncio.gather`).

Nothing else of this package, and nothing of `facade`, is public: it may change without notice.

Versioning: `ADAPTER_API_VERSION` is ``MAJOR.MINOR``. A change that breaks adapters written
against this module (a name removed or renamed, a signature, a type or a promise changed, a new
method an adapter must implement) bumps the major and is listed in docs/adapters.md; an
addition that existing adapters can ignore (a new optional hook or helper) bumps the minor.
An adapter that works with 1.x keeps working with every later 1.y.
"""

from __future__ import annotations

from adapters.concurrency import concurrently
from adapters.filters import IDENTIFIER_PARTS, QueryFilters
from adapters.http import DEFAULT_MAX_RESPONSE_BYTES, AuthHeaders, NotFoundUpstream, UpstreamClient, UpstreamSettings
from adapters.protocol import (
    Adapter,
    FieldProblem,
    FilterValue,
    IncompleteWrite,
    InvalidWrite,
    Leftover,
    ListPage,
    ListQuery,
    ObjectGone,
    Pushdown,
    ResourceSupport,
    SourceError,
    SourceGarbage,
    SourceRejected,
    SourceTimeout,
    SourceUnavailable,
    WriteSupport,
    WriteValues,
)
from adapters.records import build_or_skip
from adapters.settings import AdapterSettings, BaseUrl, ConfigPath, MaxResponseBytes, Secret
from adapters.writes import Compensation
from mapping import conventions, ki, nummers
from mapping.keys import KeyFormat, TextKey, UuidKey
from mapping.ki import Unmappable

ADAPTER_API_VERSION = "1.5"
"""The version of this module's promises: a change that breaks adapters bumps the major."""

__all__ = [
    "ADAPTER_API_VERSION",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "IDENTIFIER_PARTS",
    "Adapter",
    "AdapterSettings",
    "AuthHeaders",
    "BaseUrl",
    "Compensation",
    "ConfigPath",
    "FieldProblem",
    "FilterValue",
    "IncompleteWrite",
    "InvalidWrite",
    "KeyFormat",
    "Leftover",
    "ListPage",
    "ListQuery",
    "MaxResponseBytes",
    "NotFoundUpstream",
    "ObjectGone",
    "Pushdown",
    "QueryFilters",
    "ResourceSupport",
    "Secret",
    "SourceError",
    "SourceGarbage",
    "SourceRejected",
    "SourceTimeout",
    "SourceUnavailable",
    "TextKey",
    "Unmappable",
    "UpstreamClient",
    "UpstreamSettings",
    "UuidKey",
    "WriteSupport",
    "WriteValues",
    "build_or_skip",
    "concurrently",
    "conventions",
    "ki",
    "nummers",
]
