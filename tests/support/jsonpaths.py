"""A test-side way to read values out of API answers, following references over HTTP.

Written independently of the engine: a path like ``hadBetrokkenen[]->wasPartij->nummer`` reads
the list `hadBetrokkenen`, GETs each referenced betrokkene by its `url`, then its `wasPartij`,
then reads `nummer`. ``<-onderwerpobjecten:wasKlantcontact`` lists the onderwerpobjecten whose
`wasKlantcontact` is the current object (through the API's own filter).
"""

from __future__ import annotations

from typing import Any

import httpx

API_HOST = "http://testserver"


class Follower:
    def __init__(self, client: httpx.AsyncClient):
        self.client = client
        self._cache: dict[str, Any] = {}

    async def get(self, url: str) -> Any:
        if url not in self._cache:
            response = await self.client.get(url.replace(API_HOST, ""))
            assert response.status_code == 200, (url, response.text)
            self._cache[url] = response.json()
        return self._cache[url]

    async def all_pages(self, url: str, params: dict[str, str] | None = None) -> list[dict]:
        response = await self.client.get(url.replace(API_HOST, ""), params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        results = list(body["results"])
        while body["next"]:
            body = (await self.client.get(body["next"].replace(API_HOST, ""))).json()
            results.extend(body["results"])
        return results

    async def values(self, obj: Any, path: str) -> list[Any]:
        """All values at `path` from `obj` (a list: paths fan out over lists)."""
        current = [obj]
        for step in _steps(path):
            following = step.startswith("->")
            name = step.removeprefix("->")
            nxt: list[Any] = []
            for value in current:
                if name.startswith("<-"):
                    resource, _, field = name[2:].partition(":")
                    nxt.extend(
                        await self.all_pages(f"/klantinteracties/api/v1/{resource}", {f"{field}__uuid": value["uuid"]})
                    )
                    continue
                if following:
                    if value is None:
                        continue
                    value = await self.get(value["url"])
                many = name.endswith("[]")
                raw = value.get(name.removesuffix("[]")) if isinstance(value, dict) else None
                if many:
                    nxt.extend(raw or [])
                else:
                    nxt.append(raw)
            current = nxt
        return current


def _steps(path: str) -> list[str]:
    """`a[]->b.c` -> ["a[]", "->b", "c"]; a reverse step is written `<-resource:field`."""
    return [("->" + token[1:]) if token.startswith(">") else token for token in path.replace("->", ".>").split(".")]
