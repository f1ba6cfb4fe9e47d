"""Small adapters with one defect each, for the tests that show each check of the kit catches its defect.

`kind = "tests.conformance.defects:in_memory"` with `{"defect": name}`: a sound adapter over a
few partijen, klantcontacten and betrokkenen, but for that one defect. `over_http` reads
partijen from an upstream over HTTP and fails in the ways the failure checks look for.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping
from typing import ClassVar, Literal

import httpx

from adapters.api import (
    Adapter,
    AdapterSettings,
    BaseUrl,
    ListPage,
    ListQuery,
    ObjectGone,
    Pushdown,
    QueryFilters,
    ResourceSupport,
    Secret,
    SourceError,
    SourceUnavailable,
    UpstreamClient,
    UpstreamSettings,
    WriteSupport,
    WriteValues,
    ki,
)

E = Pushdown.EXACT
Defect = Literal[
    "none",
    "drops-a-match",
    "exact-ignores-value",
    "exact-wrong-total",
    "ignores-offset",
    "unstable-order",
    "oldest-first",
    "get-many-misses",
    "key-too-long",
    "dangling-reference",
    "undeclared-reference",
    "over-limit",
    "write-not-read-back",
    "write-drops-a-field",
    "delete-keeps-it",
    "second-delete-silent",
]
BSN_HENK, BSN_FATMA = "999993653", "999990019"


def _partij(key: str, bsn: str | None) -> ki.Partij:
    idents = (
        [
            ki.PartijIdentificator(
                key=f"{key}:bsn",
                identificeerdePartij=ki.Ref(key),
                partijIdentificator=ki.PartijIdentificatorGroep(
                    codeObjecttype="natuurlijk_persoon", codeSoortObjectId="bsn", objectId=bsn, codeRegister="brp"
                ),
            )
        ]
        if bsn
        else []
    )
    return ki.Partij(
        key=key,
        soortPartij="persoon",
        indicatieActief=True,
        partijIdentificatoren=idents,
        partijIdentificatie=ki.Persoon(),
    )


def _contact(key: str, kanaal: str, day: int, betrokkene: str, taak: str | None = None) -> ki.Klantcontact:
    return ki.Klantcontact(
        key=key,
        kanaal=kanaal,
        onderwerp=f"Vraag {key}",
        taal="nld",
        vertrouwelijk=False,
        plaatsgevondenOp=dt.datetime(2024, 5, day, 10, tzinfo=dt.UTC),
        hadBetrokkenen=[ki.Ref(betrokkene)],
        leiddeTotInterneTaken=[ki.Ref(taak)] if taak else [],
    )


def _records(defect: Defect) -> dict[str, list[ki.KIObject]]:
    long = "p3-with-a-long-key" if defect == "key-too-long" else "p3"
    partijen = [_partij("p1", BSN_HENK), _partij("p2", BSN_FATMA), _partij(long, None)]
    taak = "t1" if defect == "undeclared-reference" else None
    contacten = [
        _contact("c1", "telefoon", 3, "b1", taak),
        _contact("c2", "e-mail", 2, "b2"),
        _contact("c3", "telefoon", 1, "b3"),
    ]
    if defect == "oldest-first":
        contacten.reverse()
    wie = "p9" if defect == "dangling-reference" else "p1"
    betrokkenen = [
        ki.Betrokkene(key=b, wasPartij=ki.Ref(p), hadKlantcontact=ki.Ref(c), rol="klant", initiator=True)
        for b, p, c in (("b1", wie, "c1"), ("b2", "p2", "c2"), ("b3", "p1", "c3"))
    ]
    identificatoren = [i for p in partijen for i in p.partijIdentificatoren]
    return {
        "partijen": partijen,
        "partij-identificatoren": identificatoren,
        "klantcontacten": contacten,
        "betrokkenen": betrokkenen,
    }


def _matches(obj: ki.KIObject, name: str, value) -> bool:
    if name == "partijIdentificator__objectId":
        return any(i.partijIdentificator.objectId == value for i in obj.partijIdentificatoren)
    if name == "soortPartij":
        return obj.soortPartij == value
    if name == "kanaal":
        return obj.kanaal == value
    if name in ("wasPartij__uuid", "hadKlantcontact__uuid"):
        return getattr(obj, name.removesuffix("__uuid")).key in value
    raise AssertionError(name)


CONTACT_FIELDS = ("kanaal", "onderwerp", "inhoud", "taal", "vertrouwelijk", "plaatsgevondenOp")


class DefectSettings(AdapterSettings):
    defect: Defect = "none"


class InMemory(Adapter):
    resources: ClassVar[Mapping[str, ResourceSupport]] = {
        "partijen": ResourceSupport(pushdown={"partijIdentificator__objectId": E, "soortPartij": E}),
        "partij-identificatoren": ResourceSupport(),
        "klantcontacten": ResourceSupport(
            pushdown={"kanaal": E},
            ordered=True,
            writes=WriteSupport(create=True, update=True, delete=True, fields=frozenset(CONTACT_FIELDS)),
        ),
        "betrokkenen": ResourceSupport(pushdown={"wasPartij__uuid": E, "hadKlantcontact__uuid": Pushdown.LOOSE}),
    }

    def __init__(self, defect: Defect):
        self.defect = defect
        self.records = _records(defect)
        self.reads = 0

    async def list(self, query: ListQuery) -> ListPage:
        records = list(self.records[query.resource])
        if self.defect == "unstable-order" and query.resource == "partijen":
            self.reads += 1
            records = records[self.reads % 3 :] + records[: self.reads % 3]  # another order each read
        for name, value in query.filters.items():
            if not (self.defect == "exact-ignores-value" and name == "kanaal"):
                records = [r for r in records if _matches(r, name, value)]
            if self.defect == "drops-a-match" and name == "kanaal":
                records = records[:1]
        total = len(records) + (1 if self.defect == "exact-wrong-total" and query.filters else 0)
        offset = 0 if self.defect == "ignores-offset" else query.offset
        limit = query.limit + 1 if self.defect == "over-limit" else query.limit
        return ListPage(records[offset : offset + limit], total)

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, ki.KIObject]:
        found = {r.key: r for r in self.records[resource] if r.key in keys}
        if self.defect == "get-many-misses":
            found.pop(sorted(found)[0], None)
        return found

    async def create(self, resource: str, values: WriteValues) -> ki.KIObject:
        kept = {k: v for k, v in values.items() if not (self.defect == "write-drops-a-field" and k == "inhoud")}
        created = ki.Klantcontact(key=f"c{len(self.records[resource]) + 1}", **kept)
        if self.defect != "write-not-read-back":
            self.records[resource].insert(0, created)
        return created

    async def update(self, resource: str, key: str, values: WriteValues) -> ki.KIObject:
        (current,) = [r for r in self.records[resource] if r.key == key] or [None]
        if current is None:
            raise ObjectGone("in memory: no such record")
        updated = current.model_copy(update=dict(values))
        self.records[resource] = [updated if r.key == key else r for r in self.records[resource]]
        return updated

    async def delete(self, resource: str, key: str) -> None:
        if not any(r.key == key for r in self.records[resource]):
            if self.defect == "second-delete-silent":
                return
            raise ObjectGone("in memory: no such record")
        if self.defect != "delete-keeps-it":
            self.records[resource] = [r for r in self.records[resource] if r.key != key]


def in_memory(settings: DefectSettings) -> InMemory:
    return InMemory(settings.defect)


# --- over HTTP: how it fails ----------------------------------------------------------------------

log = logging.getLogger("tests.defects")


class HttpSettings(AdapterSettings):
    base_url: BaseUrl
    token: Secret
    failing: Literal["well", "quoting-the-answer", "raising-httpx", "answering-empty", "logging-the-url"] = "well"


class OverHttp(Adapter):
    resources: ClassVar[Mapping[str, ResourceSupport]] = {
        "partijen": ResourceSupport(pushdown={"partijIdentificator__objectId": E})
    }

    def __init__(self, settings: HttpSettings):
        self.settings = settings
        token = settings.token.get_secret_value()
        self.client = UpstreamClient(
            "overhttp", UpstreamSettings(settings.base_url, retries=0), auth=lambda: {"Authorization": f"Token {token}"}
        )

    async def list(self, query: ListQuery) -> ListPage:
        params = {"bsn": QueryFilters(query.filters).text("partijIdentificator__objectId") or ""}
        how = self.settings.failing
        if how == "well":
            await self.client.get_json("partijen", params)
        elif how == "answering-empty":
            try:
                await self.client.get_json("partijen", params)
            except SourceError:
                return ListPage([], 0)
        else:
            headers = {"Authorization": f"Token {self.settings.token.get_secret_value()}"}
            async with httpx.AsyncClient() as raw:
                try:
                    response = await raw.get(f"{self.settings.base_url}/partijen", params=params, headers=headers)
                except httpx.TransportError as exc:
                    raise SourceUnavailable("overhttp: unreachable") from exc
            if how == "raising-httpx":
                response.raise_for_status()
            if how == "logging-the-url" and response.status_code >= 400:
                log.warning("overhttp: %s answered %s", response.request.url, response.status_code)
                raise SourceUnavailable("overhttp: failed")
            if response.status_code >= 400:
                raise SourceUnavailable(f"overhttp: {response.status_code} {response.text}")
        raise SourceUnavailable("overhttp: no partijen here")  # the kit only fails this one

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, ki.KIObject]:
        return {}

    async def aclose(self) -> None:
        await self.client.aclose()


def over_http(settings: HttpSettings) -> OverHttp:
    return OverHttp(settings)
