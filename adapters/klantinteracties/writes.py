"""Writes passed through to the upstream Klantinteracties API, translated both ways.

The values the engine hands in are already in this source's terms: references are upstream
uuids (`Ref(key)`), so a body is the values as JSON with each reference as `{"uuid": key}`. A
create is a POST, an update a PATCH with the fields to change (a PUT's completeness was checked by
the façade), a delete a DELETE. The answer is mapped like any record read from the upstream, so
its uuids and urls become the façade's when it is rendered. The upstream's 400 comes back as the
façade's 400 with the same field names; a 404 as "gone".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from adapters.api import SourceGarbage, WriteValues, ki


def as_json(value: Any) -> Any:
    """Write values as the upstream's JSON: references as `{"uuid": ...}`, dates in ISO 8601."""
    if isinstance(value, ki.Ref):
        return {"uuid": value.key}
    if isinstance(value, Mapping):
        return {name: as_json(element) for name, element in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(element) for element in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


class KlantinteractiesWrites:
    """The write half of `KlantinteractiesAdapter`."""

    client: Any
    _build: Callable[..., Awaitable[tuple[list[ki.KIObject], list]]]

    async def create(self, resource: str, values: WriteValues) -> ki.KIObject:
        return await self._answer(resource, await self.client.send_json("POST", resource, as_json(values)))

    async def update(self, resource: str, key: str, values: WriteValues) -> ki.KIObject:
        answer = await self.client.send_json("PATCH", f"{resource}/{key}", as_json(values))
        return await self._answer(resource, answer)

    async def delete(self, resource: str, key: str) -> None:
        await self.client.send_json("DELETE", f"{resource}/{key}")

    async def _answer(self, resource: str, raw: Any) -> ki.KIObject:
        records: Sequence[ki.KIObject] = []
        if isinstance(raw, Mapping):
            records, _ = await self._build(resource, [raw], with_expanded=False)
        if not records:
            raise SourceGarbage(f"klantinteracties: the answer to a write of {resource} does not map")
        return records[0]
