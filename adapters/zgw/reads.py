"""The upstream reads the adapter combines: klanten by identificator, contactmomenten with
their link records, zaak links. Each method is one step of a query plan (zgw-upstreams §8);
`adapter.py` decides which steps answer which Klantinteracties query.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

from adapters.api import concurrently
from adapters.zgw.settings import ZgwSettings
from adapters.zgw.upstream import Record, ZgwApi
from mapping import zgw as m
from mapping.ki import PartijIdentificatorGroep

# codeSoortObjectId -> the Klanten API filter that finds it
KLANT_FILTER = {
    "bsn": "subjectNatuurlijkPersoon__inpBsn",
    "kvk_nummer": "subjectNietNatuurlijkPersoon__innNnpId",
    "rsin": "subjectNietNatuurlijkPersoon__innNnpId",
    "vestigingsnummer": "subjectVestiging__vestigingsNummer",
}
KINDS = (
    ("natuurlijk_persoon", "bsn", "brp"),
    ("niet_natuurlijk_persoon", "kvk_nummer", "hr"),
    ("niet_natuurlijk_persoon", "rsin", "hr"),
    ("vestiging", "vestigingsnummer", "hr"),
)
EXPAND = "klantcontactmomenten,objectcontactmomenten"


def identificator_matches(groep: PartijIdentificatorGroep | None, wanted: Mapping[str, str]) -> bool:
    return groep is not None and all(getattr(groep, part) == value for part, value in wanted.items())


def _by_uuid(records: Iterable[Record]) -> dict[str, Record]:
    return {key: r for r in records if (key := m.record_uuid(r))}


class KlantenAlong:
    """The klanten named by klantcontactmomenten, read as each list of links comes in (not after
    the whole round), each klant once per request, with its own klantcontactmomenten (the
    klant's URL is in the link, so both go at the same time)."""

    def __init__(self, reads: Reads):
        self._reads = reads
        self._asked: set[str] = set()
        self.klanten: dict[str, Record] = {}
        self.links: dict[str, list[Record]] = {}
        """Per klant UUID: its klantcontactmomenten."""

    async def read(self, kcms: Iterable[Record]) -> None:
        urls = {
            key: url
            for r in kcms
            if (key := m.uuid_of(url := r.get("klant"))) and isinstance(url, str) and key not in self._asked
        }
        self._asked |= urls.keys()
        klanten, links = await concurrently(
            [self._reads.klanten_by_keys(set(urls)), self._reads.klantcontactmomenten_of(urls)]
        )
        self.klanten |= klanten
        self.links |= links


class Reads:
    """Upstream reads of one source; instances hold no data between calls."""

    def __init__(
        self,
        settings: ZgwSettings,
        klanten: ZgwApi | None,
        contactmomenten: ZgwApi | None,
        zaken: ZgwApi | None,
    ):
        self.settings = settings
        self.klanten = klanten
        self.contactmomenten = contactmomenten
        self.zaken = zaken

    # --- klanten -------------------------------------------------------------------------------

    async def klanten_by_identificator(self, wanted: Mapping[str, str]) -> list[Record]:
        """Klanten whose mapped identificator matches every given part (checked here, exactly)."""
        if self.klanten is None:
            return []
        codes = ("codeObjecttype", "codeSoortObjectId", "codeRegister")
        kinds = [kind for kind in KINDS if all(wanted.get(c, v) == v for c, v in zip(codes, kind, strict=True))]
        if not kinds:
            return []
        value = wanted.get("objectId")
        queries: set[tuple[str, str]] = set()
        scan = value is None
        for _, soort, _ in kinds:
            name = KLANT_FILTER[soort]
            if value is None or not self.klanten.accepts("klanten", name):
                scan = True
                break
            queries.add((name, value))
            if soort == "bsn" and len(value) == 9 and value.startswith("0"):
                queries.add((name, value[1:]))  # stored without its leading zero (8 digits)
        if scan:
            found = await self.klanten.all("klanten")
        else:
            answers = await concurrently(self.klanten.all("klanten", {n: v}) for n, v in sorted(queries))
            found = [k for answer in answers for k in answer]
        return [k for k in _by_uuid(found).values() if identificator_matches(m.identificator_groep(k), wanted)]

    async def klanten_by_keys(self, keys: Collection[str]) -> dict[str, Record]:
        if self.klanten is None or not keys:
            return {}
        return {k: v for k, v in (await self.klanten.many("klanten", keys)).items() if m.record_uuid(v) == k}

    async def klanten_by_adres(self, adres: str) -> list[Record]:
        assert self.klanten is not None
        names = [n for n in ("emailadres", "telefoonnummer") if self.klanten.accepts("klanten", n)]
        if len(names) < 2:
            return await self.klanten.all("klanten")
        answers = await concurrently(self.klanten.all("klanten", {n: adres}) for n in names)
        return list(_by_uuid(k for answer in answers for k in answer).values())

    async def klantcontactmomenten_of_klanten(self, klanten: Sequence[Record]) -> dict[str, list[Record]]:
        """Per klant UUID: its klantcontactmomenten (one list call per klant)."""
        urls = {key: k.get("url") for k in klanten if (key := m.record_uuid(k))}
        return await self.klantcontactmomenten_of({key: url for key, url in urls.items() if isinstance(url, str)})

    async def klantcontactmomenten_of(self, urls: Mapping[str, str]) -> dict[str, list[Record]]:
        """Per klant UUID: its klantcontactmomenten, by the klant's URL (one list call per klant).

        Needs only the URL, which a klantcontactmoment already holds: the links of a klant can
        be read in the same round as the klant itself."""
        result: dict[str, list[Record]] = {key: [] for key in urls}
        if self.contactmomenten is None or not result:
            return result
        answers = await concurrently(
            self.contactmomenten.all("klantcontactmomenten", {"klant": url}) for url in urls.values()
        )
        for key, answer in zip(urls, answers, strict=True):
            # e-Suite may ignore a filter: keep only the links that name this klant
            result[key] = [r for r in answer if m.uuid_of(r.get("klant")) == key]
        return result

    # --- contactmomenten -----------------------------------------------------------------------

    def cm_params(self) -> dict[str, str]:
        assert self.contactmomenten is not None
        return {"expand": EXPAND} if self.contactmomenten.accepts("contactmomenten", "expand") else {}

    async def contactmomenten_by_keys(self, keys: Collection[str]) -> dict[str, Record]:
        if self.contactmomenten is None or not keys:
            return {}
        found = await self.contactmomenten.many("contactmomenten", keys, self.cm_params())
        return {k: v for k, v in found.items() if m.record_uuid(v) == k}

    async def contactmomenten_of_klanten(self, klanten: Sequence[Record], kanaal: str | None) -> list[Record]:
        """Contactmomenten of these klanten: one list call (Open Klant 1), one per klant
        (e-Suite), or through their klantcontactmomenten (VNG)."""
        api = self.contactmomenten
        if api is None or not klanten:
            return []
        urls = [k["url"] for k in klanten if isinstance(k.get("url"), str)]
        extra = {"kanaal": kanaal} if kanaal is not None and api.accepts("contactmomenten", "kanaal") else {}
        if api.accepts("contactmomenten", "klant", "expand"):
            return await api.all("contactmomenten", {"klant": ",".join(urls), **extra, **self.cm_params()})
        if api.accepts("contactmomenten", "klant"):
            answers = await concurrently(api.all("contactmomenten", {"klant": url, **extra}) for url in urls)
            return list(_by_uuid(r for answer in answers for r in answer).values())
        links = await self.klantcontactmomenten_of_klanten(klanten)
        keys = {m.uuid_of(r.get("contactmoment")) for rs in links.values() for r in rs}
        return list((await self.contactmomenten_by_keys({k for k in keys if k})).values())

    async def contactmoment_keys_about_zaak(self, zaak_url: str) -> set[str]:
        """Contactmomenten linked to a zaak in the Contactmomenten API or (mirrored) in the Zaken API."""
        keys: set[str] = set()
        api = self.contactmomenten
        if api is None:
            return keys
        zaak = m.uuid_of(zaak_url)
        reads = []
        if api.accepts("contactmomenten", "object"):
            reads.append(api.all("contactmomenten", {"object": zaak_url}))
        else:
            reads.append(self.objectcontactmomenten({"object": zaak_url}))
        if self.zaken is not None:
            reads.append(self.zaken.all("zaakcontactmomenten", {"zaak": zaak_url}))
        answers = await concurrently(reads)
        if api.accepts("contactmomenten", "object"):
            keys |= {k for r in answers[0] if (k := m.record_uuid(r))}
        else:
            keys |= {
                k for r in answers[0] if m.uuid_of(r.get("object")) == zaak and (k := m.uuid_of(r.get("contactmoment")))
            }
        if self.zaken is not None:
            keys |= {
                k for r in answers[-1] if m.uuid_of(r.get("zaak")) == zaak and (k := m.uuid_of(r.get("contactmoment")))
            }
        return keys

    async def objectcontactmomenten(self, params: Mapping[str, str]) -> list[Record]:
        assert self.contactmomenten is not None
        sent = {k: v for k, v in params.items() if self.contactmomenten.accepts("objectcontactmomenten", k)}
        return await self.contactmomenten.all("objectcontactmomenten", sent)

    async def bundles(self, cms: Sequence[Record], along: KlantenAlong | None = None) -> list[m.Contactmoment]:
        """Contactmomenten with their klant-, object- and zaakcontactmomenten (zgw-upstreams §8:
        from Open Klant 1's expand, else one list call per contactmoment and link kind), and,
        when `along` is given, the klanten those links name (read into it).

        One flat set of reads, no rounds: each contactmoment's klantcontactmomenten are asked
        first (so they take the first slots of `max_concurrency`), and the klanten they name
        are asked as soon as they are in, while the other link lists are still out."""
        if not cms:
            return []
        api = self.contactmomenten
        assert api is not None
        keyed = [(key, cm) for cm in cms if (key := m.record_uuid(cm))]
        kcms: dict[str, list[Record]] = defaultdict(list)
        ocms: dict[str, list[Record]] = defaultdict(list)
        zcms: dict[str, list[Record]] = defaultdict(list)
        missing = []
        for key, cm in keyed:
            if (expanded := _expanded(cm)) is None:
                missing.append((key, cm))
            else:
                kcms[key], ocms[key] = expanded
        everything: asyncio.Future[list[Record]] | None = None
        if missing and not api.accepts("klantcontactmomenten", "contactmoment"):
            # e-Suite lists klantcontactmomenten only by klant: read them once for this call
            everything = asyncio.ensure_future(api.all("klantcontactmomenten"))

        async def klant_links(key: str, url: str) -> None:
            answer = await (
                asyncio.shield(everything)
                if everything is not None
                else api.all("klantcontactmomenten", {"contactmoment": url})
            )
            kcms[key] = [r for r in answer if m.uuid_of(r.get("contactmoment")) == key]
            if along is not None:
                await along.read(kcms[key])

        async def object_links(key: str, url: str) -> None:
            answer = await self.objectcontactmomenten({"contactmoment": url})
            ocms[key] = [r for r in answer if m.uuid_of(r.get("contactmoment")) == key]

        async def zaak_links(key: str, url: str, zaken: ZgwApi) -> None:
            answer = await zaken.all("zaakcontactmomenten", {"contactmoment": url})
            zcms[key] = [z for z in answer if m.uuid_of(z.get("contactmoment")) == key]

        expanded_klanten = [] if along is None else [along.read(kcms[key]) for key, _ in keyed if key in kcms]
        try:
            await concurrently(
                [
                    *(klant_links(key, cm["url"]) for key, cm in missing),
                    *expanded_klanten,
                    *(object_links(key, cm["url"]) for key, cm in missing),
                    *(zaak_links(key, cm["url"], self.zaken) for key, cm in keyed if self.zaken is not None),
                ]
            )
        finally:
            if everything is not None:
                everything.cancel()  # shielded for its readers: ended here if the call ends first
        s = self.settings
        return [
            m.Contactmoment(
                cm,
                key,
                kcms.get(key, []),
                ocms.get(key, []),
                zcms.get(key, []),
                zaak_register=s.zaak_register,
                actor_register=s.actor_register,
                onderwerp=s.onderwerp,
                onderwerp_link_base=s.onderwerp_link_base,
            )
            for key, cm in keyed
        ]

    # --- Zaken API -----------------------------------------------------------------------------

    async def zaak_klantcontacten(self, zaak_url: str | None = None) -> list[Record]:
        if self.zaken is None:
            return []
        return await self.zaken.all("klantcontacten", {"zaak": zaak_url} if zaak_url else {})

    async def zaak_klantcontacten_by_keys(self, keys: Collection[str]) -> dict[str, Record]:
        if self.zaken is None or not keys:
            return {}
        return {k: v for k, v in (await self.zaken.many("klantcontacten", keys)).items() if m.record_uuid(v) == k}

    def zaak_url(self, zaak_uuid: str) -> str:
        return f"{self.settings.zaak_url_base}/zaken/{zaak_uuid}"


def _expanded(cm: Record) -> tuple[list[Record], list[Record]] | None:
    """Open Klant 1's expanded link records, inline or under `_expand`; None when not expanded."""
    found = []
    for name in ("klantcontactmomenten", "objectcontactmomenten"):
        holder = cm.get("_expand") if isinstance(cm.get("_expand"), Mapping) else {}
        values = holder.get(name, cm.get(name))
        if not isinstance(values, list) or not all(isinstance(v, Mapping) for v in values):
            return None
        found.append([dict(v) for v in values])
    return found[0], found[1]
