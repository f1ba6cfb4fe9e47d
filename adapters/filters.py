"""Reading the pushed-down filters of a `ListQuery`, typed as `adapters.protocol` promises them."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.protocol import FilterValue

IDENTIFIER_PARTS = ("codeObjecttype", "codeSoortObjectId", "objectId", "codeRegister")
"""The parts of a partij identificator group, as the contract's filter names spell them."""


class QueryFilters:
    """Typed access to one query's pushed-down filters; a filter not given reads as None."""

    def __init__(self, filters: Mapping[str, FilterValue]):
        self._filters = filters

    def text(self, name: str) -> str | None:
        value = self._filters.get(name)
        return value if isinstance(value, str) else None

    def flag(self, name: str) -> bool | None:
        value = self._filters.get(name)
        return value if isinstance(value, bool) else None

    def keys(self, name: str) -> frozenset[str] | None:
        """A `<relation>__uuid` filter: upstream keys of this source."""
        value = self._filters.get(name)
        return value if isinstance(value, frozenset) else None

    def texts(self, *names: str) -> set[str] | None:
        """Text filters on one and the same field: the values given (two different ones match nothing)."""
        values = {value for name in names if (value := self.text(name)) is not None}
        return values or None

    def identificator_parts(self, prefix: str, capitalised: bool = False) -> dict[str, str] | None:
        """The given parts of one identificator group (`partijIdentificator__objectId`, or with
        `capitalised` `partijIdentificatorObjectId`), by part name; None when none is given."""
        found = {}
        for part in IDENTIFIER_PARTS:
            name = prefix + (part[0].upper() + part[1:] if capitalised else part)
            if (value := self.text(name)) is not None:
                found[part] = value
        return found or None
