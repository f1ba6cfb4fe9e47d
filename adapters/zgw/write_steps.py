"""What every ZGW write step shares: reading the records a write needs, the object a write asks
for, patching only what changes, and the errors a step raises (named by Klantinteracties field)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapters.api import Compensation, FieldProblem, InvalidWrite, ObjectGone, SourceError, SourceGarbage, ki
from adapters.zgw.reads import Reads
from adapters.zgw.upstream import Record, ZgwApi
from mapping import zgw as m
from mapping import zgw_writes as w

T = TypeVar("T")
Read = Callable[[str, Collection[str]], Awaitable[Mapping[str, ki.KIObject]]]
NOT_WRITABLE = "not_writable"


class Steps:
    """The upstream APIs and reads one group of write steps uses."""

    def __init__(self, target: w.Target, apis: Mapping[str, ZgwApi], reads: Reads, read: Read):
        self.target = target
        self.klanten = apis.get("klanten")
        self.cms = apis.get("contactmomenten")
        self.reads = reads
        self._read = read

    async def _one(self, api: ZgwApi | None, collection: str, key: str) -> Record | None:
        return await api.one(collection, key) if api is not None and "#" not in key else None

    async def _current(self, resource: str, key: str) -> ki.KIObject:
        found = (await self._read(resource, [key])).get(key)
        if found is None:
            raise ObjectGone(f"zgw: no {resource} {key}")
        return found

    @staticmethod
    async def _patch(api: ZgwApi, path: str, record: Record, body: Mapping[str, Any]) -> None:
        """PATCH only what changes (nothing: no call)."""
        changed = {name: value for name, value in body.items() if record.get(name) != value}
        if changed:
            await api.send("PATCH", path, changed)


async def step(undo: Compensation, call: Awaitable[Any]) -> None:
    """A later step of a write: when it fails, the done ones are undone (or reported exactly)."""
    try:
        await call
    except SourceError as failure:
        await undo.undo_or_raise(failure)
        raise


def invalid(field: str, reason: str, code: str = NOT_WRITABLE) -> InvalidWrite:
    return InvalidWrite(FieldProblem(field, code, reason))


def missing(field: str) -> InvalidWrite:
    return invalid(field, "Het object waarnaar verwezen wordt bestaat niet.", "does_not_exist")


def refused(problems: list[tuple[str, str]]) -> InvalidWrite:
    return InvalidWrite(*(FieldProblem(name, NOT_WRITABLE, reason) for name, reason in problems))


def model(kind: type[T], values: Mapping[str, Any], current: BaseModel | None = None) -> T:
    """The object a write asks for: the current one (or an empty new one) with the values set."""
    base: dict[str, Any] = current.model_dump() if current is not None else {"key": w.PLACEHOLDER}
    try:
        return kind.model_validate(base | dict(values))  # type: ignore[attr-defined]
    except ValidationError as exc:  # the engine checked the contract: only a value this model refuses
        raise InvalidWrite(
            *(
                FieldProblem(".".join(str(p) for p in error["loc"]) or "nonFieldErrors", "invalid", "Ongeldige waarde.")
                for error in exc.errors()
            )
        ) from None


def read_only() -> InvalidWrite:
    """A write of an object built from a Zaken API record (`<uuid>#zaak`, `#zcm`): read-only here."""
    return invalid("nonFieldErrors", "Dit object komt uit de Zaken API en wordt via deze bron alleen gelezen.")


def uuid(record: Any) -> str:
    """The UUID of the record a create answered."""
    key = m.record_uuid(record) if isinstance(record, Mapping) else None
    if key is None:
        raise SourceGarbage("zgw: a create answered no object with a url")
    return key
