"""Klantinteracties writes onto the ZGW APIs: which upstream calls each write takes, per flavour.

The bodies come from the pure mappings (`mapping/zgw_writes.py`, `mapping/zgw_klant_writes.py`),
which refuse by field name what a flavour cannot hold. This module reads what a write needs,
sends the calls, undoes the done ones when a later one fails, and answers with the object as it
now reads (the adapter's own `get_many`, straight from the upstream):

========================  ==========================================================================
write                     upstream calls (VNG, Open Klant 1; e-Suite where it has the method)
========================  ==========================================================================
klantcontact              POST / PATCH / DELETE contactmomenten
betrokkene                POST klantcontactmomenten (+ PATCH the contactmoment's initiatiefnemer;
                          undone with DELETE when that fails); DELETE; an update changes the
                          initiator, or (Open Klant 1) the klant with PATCH
onderwerpobject (zaak)    POST / DELETE objectcontactmomenten
onderwerpobject (vorig)   PATCH the contactmoment's vorigContactmoment
actorklantcontact         PATCH the contactmoment's medewerkerIdentificatie (a medewerker of this
                          source: copied from the contactmoment the actor was read from)
partij                    POST / PATCH / DELETE klanten (a new klantnummer is drawn, again on a clash)
partij-identificator      PATCH the klant's subjectIdentificatie
digitaal adres            PATCH the klant's emailadres / telefoonnummer / telefoonnummerAlternatief
========================  ==========================================================================

An upstream's refusal (400 `invalidParams`) names the Klantinteracties fields the client wrote
(`mapping/zgw_rejections.py`), or, when it names something the client did not write (a setting),
becomes `SourceRejected`: a 502 naming the source. A 403 (no scope) or 412 (a header) is the
source's configuration, so a 502 too. Nothing of a body is logged.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapters.api import (
    Compensation,
    FieldProblem,
    InvalidWrite,
    Leftover,
    ObjectGone,
    SourceError,
    SourceGarbage,
    SourceRejected,
    WriteSupport,
    WriteValues,
    ki,
)
from adapters.zgw.reads import Reads
from adapters.zgw.settings import ZgwSettings
from adapters.zgw.upstream import Record, UpstreamRefusal, ZgwApi
from mapping import zgw as m
from mapping import zgw_klant_writes as kw
from mapping import zgw_writes as w
from mapping.zgw_rejections import invalid_params

T = TypeVar("T")
Read = Callable[[str, Collection[str]], Awaitable[Mapping[str, ki.KIObject]]]
NOT_WRITABLE = "not_writable"
KLANTNUMMER_ATTEMPTS = 3


def write_support(settings: ZgwSettings) -> dict[str, WriteSupport]:
    """What this source takes, per resource, given its APIs and their flavours (none unless `writes`)."""
    if not settings.writes:
        return {}
    found: dict[str, WriteSupport] = {}
    klanten, cms = settings.klanten, settings.contactmomenten
    if klanten is not None:
        changes = klanten.flavour != "esuite"
        found["partijen"] = WriteSupport(
            create=True,
            update=True,
            delete=changes,
            fields=frozenset(
                {
                    "soortPartij",
                    "nummer",
                    "partijIdentificatie",
                    "partijIdentificatoren",
                    "bezoekadres",
                    "indicatieActief",
                    "voorkeurstaal",
                }
            ),
        )
        found["partij-identificatoren"] = WriteSupport(
            create=True, update=True, delete=changes, fields=frozenset({"identificeerdePartij", "partijIdentificator"})
        )
        found["digitaleadressen"] = WriteSupport(
            create=True,
            update=True,
            delete=True,
            fields=frozenset(
                {
                    "verstrektDoorPartij",
                    "adres",
                    "soortDigitaalAdres",
                    "omschrijving",
                    "referentie",
                    "isStandaardAdres",
                    "verificatieDatum",
                }
            ),
        )
    if cms is not None:
        changes = cms.flavour != "esuite"
        values = {"kanaal", "onderwerp", "inhoud", "taal", "plaatsgevondenOp", "indicatieContactGelukt"}
        found["klantcontacten"] = WriteSupport(
            create=True,
            update=changes,
            delete=changes,
            fields=frozenset(values | ({"reactie"} if not changes else set())),
        )
        if klanten is not None:
            found["betrokkenen"] = WriteSupport(
                create=True,
                update=changes,
                delete=changes,
                fields=frozenset(
                    {"hadKlantcontact", "wasPartij", "rol", "initiator", "contactnaam", "organisatienaam"}
                ),
            )
        found["onderwerpobjecten"] = WriteSupport(
            create=True,
            update=changes,
            delete=changes,
            fields=frozenset({"klantcontact", "wasKlantcontact", "onderwerpobjectidentificator"}),
        )
        if changes:
            found["actorklantcontacten"] = WriteSupport(
                create=True, delete=True, fields=frozenset({"actor", "klantcontact"})
            )
    return found


def target_of(settings: ZgwSettings) -> w.Target:
    """The mappings' view of this source's settings."""
    k, c = settings.klanten, settings.contactmomenten
    return w.Target(
        klanten=k.flavour if k else None,
        contactmomenten=c.flavour if c else None,
        klanten_url=k.base_url if k else "",
        contactmomenten_url=c.base_url if c else "",
        zaak_url_base=str(settings.zaak_url_base or ""),
        zaak_register=settings.zaak_register,
        actor_register=settings.actor_register,
        onderwerp=settings.onderwerp,
        onderwerp_link_base=settings.onderwerp_link_base,
        bronorganisatie=settings.bronorganisatie,
        website_url=settings.klant_website_url,
    )


def _invalid(field: str, reason: str, code: str = NOT_WRITABLE) -> InvalidWrite:
    return InvalidWrite(FieldProblem(field, code, reason))


def _missing(field: str) -> InvalidWrite:
    return _invalid(field, "Het object waarnaar verwezen wordt bestaat niet.", "does_not_exist")


def _refused(problems: list[tuple[str, str]]) -> InvalidWrite:
    return InvalidWrite(*(FieldProblem(name, NOT_WRITABLE, reason) for name, reason in problems))


def _model(model: type[T], values: Mapping[str, Any], current: BaseModel | None = None) -> T:
    """The object a write asks for: the current one (or an empty new one) with the values set."""
    base: dict[str, Any] = current.model_dump() if current is not None else {"key": w.PLACEHOLDER}
    try:
        return model.model_validate(base | dict(values))  # type: ignore[attr-defined]
    except ValidationError as exc:  # the engine checked the contract: only a value this model refuses
        raise InvalidWrite(
            *(
                FieldProblem(".".join(str(p) for p in error["loc"]) or "nonFieldErrors", "invalid", "Ongeldige waarde.")
                for error in exc.errors()
            )
        ) from None


def _partij(values: Mapping[str, Any], current: ki.Partij | None) -> ki.Partij:
    """A partij from write values: `partijIdentificatie` in the shape its `soortPartij` names."""
    base = current.model_dump() if current is not None else {"key": w.PLACEHOLDER}
    merged = base | {k: v for k, v in values.items() if k != "partijIdentificatoren"}
    kinds = {"persoon": ki.Persoon, "organisatie": ki.Organisatie, "contactpersoon": ki.Contactpersoon}
    identificatie = merged.get("partijIdentificatie")
    shape = kinds.get(str(merged.get("soortPartij")))
    if shape is not None and isinstance(identificatie, Mapping):
        try:
            merged["partijIdentificatie"] = shape.model_validate(identificatie)
        except ValidationError:
            raise _invalid("partijIdentificatie", "Past niet bij de soort partij.", "invalid") from None
    merged["partijIdentificatoren"] = []
    return _model(ki.Partij, merged)


class ZgwWrites:
    """The write half of `ZgwAdapter`: one method per operation, dispatched per resource."""

    def __init__(self, settings: ZgwSettings, apis: Mapping[str, ZgwApi], reads: Reads, read: Read):
        self.target = target_of(settings)
        self.klanten = apis.get("klanten")
        self.cms = apis.get("contactmomenten")
        self.reads = reads
        self._read = read

    # --- the protocol --------------------------------------------------------------------------

    async def create(self, resource: str, values: WriteValues) -> ki.KIObject:
        key = await self._checked(resource, getattr(self, "_create_" + resource.replace("-", "_"))(values))
        return await self._answer(resource, key)

    async def update(self, resource: str, key: str, values: WriteValues) -> ki.KIObject:
        await self._checked(resource, getattr(self, "_update_" + resource.replace("-", "_"))(key, values))
        return await self._answer(resource, key)

    async def delete(self, resource: str, key: str) -> None:
        await self._checked(resource, getattr(self, "_delete_" + resource.replace("-", "_"))(key))

    async def _checked(self, resource: str, call: Awaitable[T]) -> T:
        """Run one write: a value the mappings refuse, or the upstream refuses, named by KI field."""
        try:
            return await call
        except w.Unstorable as refused:
            raise _refused(refused.problems) from None
        except UpstreamRefusal as refused:
            raise _translated(resource, refused) from None

    async def _answer(self, resource: str, key: str) -> ki.KIObject:
        found = (await self._read(resource, [key])).get(key)
        if found is None:
            raise SourceGarbage(f"zgw: the {resource} just written cannot be read back")
        return found

    async def _one(self, api: ZgwApi | None, collection: str, key: str) -> Record | None:
        return await api.one(collection, key) if api is not None and "#" not in key else None

    async def _current(self, resource: str, key: str) -> ki.KIObject:
        found = (await self._read(resource, [key])).get(key)
        if found is None:
            raise ObjectGone(f"zgw: no {resource} {key}")
        return found

    # --- klantcontacten ------------------------------------------------------------------------

    async def _create_klantcontacten(self, values: WriteValues) -> str:
        assert self.cms is not None
        # Open Klant's defaults; `vertrouwelijk` is not declared (it cannot be true here), so the
        # engine drops a false one
        defaults = {"plaatsgevondenOp": dt.datetime.now(dt.UTC), "vertrouwelijk": False}
        kc = _model(ki.Klantcontact, defaults | dict(values))
        body = w.contactmoment(kc, self.target).checked()
        return _uuid(await self.cms.send("POST", "contactmomenten", body.values))

    async def _update_klantcontacten(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        record = await self._one(self.cms, "contactmomenten", key)
        if record is None:
            raise _read_only(key) if "#" in key else ObjectGone(f"zgw: no contactmoment {key}")
        kc = _model(ki.Klantcontact, values, await self._current("klantcontacten", key))
        body = w.contactmoment(kc, self.target, record).checked()
        await self._patch(self.cms, f"contactmomenten/{key}", record, body.values)

    async def _delete_klantcontacten(self, key: str) -> None:
        assert self.cms is not None
        if "#" in key:
            raise _read_only(key)
        await self.cms.send("DELETE", f"contactmomenten/{key}")  # its links go with it

    # --- betrokkenen ---------------------------------------------------------------------------

    async def _moment(self, key: str, field: str) -> Record:
        record = await self._one(self.cms, "contactmomenten", key)
        if record is None:
            raise _missing(field)
        return record

    async def _create_betrokkenen(self, values: WriteValues) -> str:
        assert self.cms is not None
        b = _model(ki.Betrokkene, values)
        moment = await self._moment(b.hadKlantcontact.key, "hadKlantcontact")
        body, change = w.klantcontactmoment(b, self.target, moment)
        created = _uuid(await self.cms.send("POST", "klantcontactmomenten", body.checked().values))
        if change:
            undo = Compensation()
            path = f"klantcontactmomenten/{created}"
            undo.done(Leftover("betrokkenen", created), lambda: self.cms.send("DELETE", path))  # type: ignore[union-attr]
            await _step(undo, self.cms.send("PATCH", f"contactmomenten/{b.hadKlantcontact.key}", change))
        return created

    async def _update_betrokkenen(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        current = await self._current("betrokkenen", key)
        assert isinstance(current, ki.Betrokkene)
        b = _model(ki.Betrokkene, values, current)
        if b.hadKlantcontact != current.hadKlantcontact:
            raise _invalid("hadKlantcontact", "Een betrokkene gaat in deze bron niet over naar een ander klantcontact.")
        moment = await self._moment(b.hadKlantcontact.key, "hadKlantcontact")
        body, change = w.klantcontactmoment(b, self.target, moment)
        body.checked()
        undo = Compensation()
        if b.wasPartij != current.wasPartij:
            if self.target.contactmomenten != "openklant":  # only Open Klant 1 changes a klantcontactmoment
                raise _invalid("wasPartij", "De klant van een betrokkene kan in deze bron niet wijzigen.")
            path = f"klantcontactmomenten/{key}"
            await self.cms.send("PATCH", path, {"klant": body.values["klant"]})
            before = (
                {"klant": w.url(self.target.klanten_url, "klanten", current.wasPartij.key)} if current.wasPartij else {}
            )
            undo.done(Leftover("betrokkenen", key), lambda: self.cms.send("PATCH", path, before))  # type: ignore[union-attr]
        if change:
            await _step(undo, self.cms.send("PATCH", f"contactmomenten/{b.hadKlantcontact.key}", change))

    async def _delete_betrokkenen(self, key: str) -> None:
        assert self.cms is not None
        await self.cms.send("DELETE", f"klantcontactmomenten/{key}")

    # --- onderwerpobjecten ---------------------------------------------------------------------

    async def _create_onderwerpobjecten(self, values: WriteValues) -> str:
        assert self.cms is not None
        o = _model(ki.Onderwerpobject, values)
        collection, body = w.onderwerpobject(o, self.target)
        if collection == "objectcontactmomenten":
            return _uuid(await self.cms.send("POST", collection, body))
        assert o.klantcontact is not None and o.wasKlantcontact is not None
        moment = await self._moment(o.klantcontact.key, "klantcontact")
        if m.uuid_of(moment.get("vorigContactmoment")) not in (None, o.wasKlantcontact.key):
            raise _invalid("klantcontact", "Een klantcontact volgt in deze bron op hooguit één ander.")
        await self.cms.send("PATCH", f"contactmomenten/{o.klantcontact.key}", body)
        return m.derived(o.klantcontact.key, m.VORIG)

    async def _update_onderwerpobjecten(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        current = await self._current("onderwerpobjecten", key)
        o = _model(ki.Onderwerpobject, values, current)
        if m.suffix(key) == m.VORIG and o.klantcontact == current.klantcontact:  # type: ignore[attr-defined]
            _, body = w.onderwerpobject(o, self.target)
            await self.cms.send("PATCH", f"contactmomenten/{m.owner(key)}", body)
        elif o != current:
            reason = "Dit onderwerpobject kan in deze bron niet wijzigen: verwijder het en maak een nieuw."
            raise _invalid("onderwerpobjectidentificator", reason)

    async def _delete_onderwerpobjecten(self, key: str) -> None:
        assert self.cms is not None
        if m.suffix(key) == m.VORIG:
            await self.cms.send("PATCH", f"contactmomenten/{m.owner(key)}", {"vorigContactmoment": None})
        elif "#" in key:
            raise _read_only(key)
        else:
            await self.cms.send("DELETE", f"objectcontactmomenten/{key}")

    # --- actorklantcontacten -------------------------------------------------------------------

    async def _create_actorklantcontacten(self, values: WriteValues) -> str:
        assert self.cms is not None
        actor, klantcontact = values.get("actor"), values.get("klantcontact")
        if not isinstance(actor, ki.Ref) or m.suffix(actor.key) != m.MDW:
            raise _missing("actor")
        if not isinstance(klantcontact, ki.Ref):
            raise _missing("klantcontact")
        source = await self._moment(m.owner(actor.key), "actor")
        medewerker = source.get("medewerkerIdentificatie")
        if not isinstance(medewerker, Mapping) or not m.text(medewerker, "identificatie"):
            raise _missing("actor")
        moment = await self._moment(klantcontact.key, "klantcontact")
        present = moment.get("medewerkerIdentificatie")
        if isinstance(present, Mapping) and m.text(present, "identificatie") not in (
            "",
            m.text(medewerker, "identificatie"),
        ):
            raise _invalid("klantcontact", "Een contactmoment in deze bron heeft één medewerker.")
        await self.cms.send(
            "PATCH", f"contactmomenten/{klantcontact.key}", {"medewerkerIdentificatie": dict(medewerker)}
        )
        return m.derived(klantcontact.key, m.MDW)

    async def _delete_actorklantcontacten(self, key: str) -> None:
        assert self.cms is not None
        await self.cms.send("PATCH", f"contactmomenten/{m.owner(key)}", {"medewerkerIdentificatie": None})

    # --- partijen ------------------------------------------------------------------------------

    async def _unique(self, groepen: Collection[ki.PartijIdentificatorGroep], field: str, own: str = "") -> None:
        """Open Klant keeps an identificator unique: so does this source (one klant per BSN)."""
        for groep in groepen:
            wanted = {"codeSoortObjectId": groep.codeSoortObjectId, "objectId": groep.objectId}
            if any(m.record_uuid(k) != own for k in await self.reads.klanten_by_identificator(wanted)):
                raise _invalid(field, "Er is in deze bron al een partij met deze identificator.", "unique")

    async def _create_partijen(self, values: WriteValues) -> str:
        assert self.klanten is not None
        groepen = _groepen(values.get("partijIdentificatoren"))
        p = _partij(values, None)
        await self._unique(groepen, "partijIdentificatoren")
        for attempt in range(KLANTNUMMER_ATTEMPTS):
            body = kw.klant(p, groepen, self.target, _klantnummer()).checked()
            try:
                return _uuid(await self.klanten.send("POST", "klanten", body.values))
            except UpstreamRefusal as refused:
                clash = any(problem.code == "unique" for problem in refused.problems)
                if not clash or p.nummer or attempt == KLANTNUMMER_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _update_partijen(self, key: str, values: WriteValues) -> None:
        assert self.klanten is not None
        record = await self._one(self.klanten, "klanten", key)
        if record is None:
            raise ObjectGone(f"zgw: no klant {key}")
        current = await self._current("partijen", key)
        assert isinstance(current, ki.Partij)
        held = [i.partijIdentificator for i in current.partijIdentificatoren]
        groepen = _groepen(values["partijIdentificatoren"]) if "partijIdentificatoren" in values else held
        await self._unique([g for g in groepen if g not in held], "partijIdentificatoren", own=key)
        p = _partij(values, current)
        body = kw.klant(p, groepen, self.target, m.text(record, "klantnummer"), record).checked()
        await self._patch(self.klanten, f"klanten/{key}", record, body.values)

    async def _delete_partijen(self, key: str) -> None:
        assert self.klanten is not None
        await self.klanten.send("DELETE", f"klanten/{key}")

    # --- partij-identificatoren ----------------------------------------------------------------

    async def _klant(self, key: str | None, field: str) -> Record:
        record = await self._one(self.klanten, "klanten", key) if key else None
        if record is None:
            raise _missing(field) if key else _invalid(field, "Deze bron houdt een identificator alleen bij een klant.")
        return record

    async def _create_partij_identificatoren(self, values: WriteValues) -> str:
        assert self.klanten is not None
        partij = values.get("identificeerdePartij")
        record = await self._klant(partij.key if isinstance(partij, ki.Ref) else None, "identificeerdePartij")
        groep = ki.PartijIdentificatorGroep.model_validate(values.get("partijIdentificator"))
        klant_key = m.record_uuid(record) or ""
        await self._unique([groep], "partijIdentificator", own=klant_key)
        body = kw.identificator(groep, record, self.target, replace=False).checked()
        await self.klanten.send("PATCH", f"klanten/{klant_key}", body.values)
        return m.derived(klant_key, m.ID)

    async def _update_partij_identificatoren(self, key: str, values: WriteValues) -> None:
        assert self.klanten is not None
        partij = values.get("identificeerdePartij")
        if isinstance(partij, ki.Ref) and partij.key != m.owner(key):
            raise _invalid(
                "identificeerdePartij", "Een identificator gaat in deze bron niet over naar een andere klant."
            )
        record = await self._klant(m.owner(key), "identificeerdePartij")
        current = await self._current("partij-identificatoren", key)
        merged = _model(
            ki.PartijIdentificator, {k: v for k, v in values.items() if k == "partijIdentificator"}, current
        )
        await self._unique([merged.partijIdentificator], "partijIdentificator", own=m.owner(key))
        body = kw.identificator(merged.partijIdentificator, record, self.target, replace=True).checked()
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)

    async def _delete_partij_identificatoren(self, key: str) -> None:
        assert self.klanten is not None
        record = await self._klant(m.owner(key), "identificeerdePartij")
        body = kw.identificator(None, record, self.target, replace=True).checked()
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)

    # --- digitaleadressen ----------------------------------------------------------------------

    async def _create_digitaleadressen(self, values: WriteValues) -> str:
        assert self.klanten is not None
        a = _model(ki.DigitaalAdres, values)
        partij = a.verstrektDoorPartij.key if a.verstrektDoorPartij is not None else None
        record = await self._klant(partij, "verstrektDoorPartij") if partij else {}
        suffix, body = kw.digitaal_adres(a, record, self.target)
        body.checked()
        await self.klanten.send("PATCH", f"klanten/{partij}", body.values)
        return m.derived(str(partij), suffix)

    async def _update_digitaleadressen(self, key: str, values: WriteValues) -> None:
        assert self.klanten is not None
        current = await self._current("digitaleadressen", key)
        a = _model(ki.DigitaalAdres, values, current)
        if a.verstrektDoorPartij != current.verstrektDoorPartij:  # type: ignore[attr-defined]
            raise _invalid(
                "verstrektDoorPartij", "Een digitaal adres gaat in deze bron niet over naar een andere klant."
            )
        record = await self._klant(m.owner(key), "verstrektDoorPartij")
        _, body = kw.digitaal_adres(a, record, self.target, suffix=m.suffix(key))
        await self._patch(self.klanten, f"klanten/{m.owner(key)}", record, body.checked().values)

    async def _delete_digitaleadressen(self, key: str) -> None:
        assert self.klanten is not None
        record = await self._one(self.klanten, "klanten", m.owner(key))
        if record is None or not m.text(record, _slot_field(m.suffix(key))):
            raise ObjectGone(f"zgw: no digitaal adres {key}")
        body = kw.removed_adres(m.suffix(key), record, self.target)
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _patch(api: ZgwApi, path: str, record: Record, body: Mapping[str, Any]) -> None:
        """PATCH only what changes (nothing: no call)."""
        changed = {name: value for name, value in body.items() if record.get(name) != value}
        if changed:
            await api.send("PATCH", path, changed)


async def _step(undo: Compensation, call: Awaitable[Any]) -> None:
    """A later step of a write: when it fails, the done ones are undone (or reported exactly)."""
    try:
        await call
    except SourceError as failure:
        await undo.undo_or_raise(failure)
        raise


def _translated(resource: str, refused: UpstreamRefusal) -> SourceError:
    """An upstream's 400 in the client's terms, or the source's fault (a 502) when it names
    something the client did not write."""
    if any(p.code == "method_not_allowed" for p in refused.problems):
        return SourceRejected(f"zgw: the upstream does not take this write of {resource}")
    mapped = invalid_params(resource, [{"name": p.field, "code": p.code} for p in refused.problems])
    if mapped is None:
        codes = ", ".join(sorted({p.code for p in refused.problems}))
        return SourceRejected(f"zgw: the upstream refused a write of {resource} ({codes})")
    return InvalidWrite(*(FieldProblem(name, code, reason) for name, code, reason in mapped))


def _read_only(key: str) -> InvalidWrite:
    """A write of an object built from a Zaken API record (`<uuid>#zaak`, `#zcm`): read-only here."""
    return _invalid("nonFieldErrors", "Dit object komt uit de Zaken API en wordt via deze bron alleen gelezen.")


def _uuid(record: Any) -> str:
    key = m.record_uuid(record) if isinstance(record, Mapping) else None
    if key is None:
        raise SourceGarbage("zgw: a create answered no object with a url")
    return key


def _groepen(raw: Any) -> list[ki.PartijIdentificatorGroep]:
    """The identificator groups of inline `partijIdentificatoren` (a vestiging's KvK number is not
    held: the Klanten API's vestiging has none, the vestigingsnummer identifies it)."""
    groepen = [
        ki.PartijIdentificatorGroep.model_validate(item.get("partijIdentificator"))
        for item in raw or ()
        if isinstance(item, Mapping)
    ]
    if {g.codeSoortObjectId for g in groepen} == {"kvk_nummer", "vestigingsnummer"}:
        groepen = [g for g in groepen if g.codeSoortObjectId == "vestigingsnummer"]
    return groepen


def _klantnummer() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def _slot_field(suffix: str) -> str:
    return next((field for field, _, s in m.DIGITALE_ADRESSEN if s == suffix), "")
