"""Write steps on the Klanten API: partijen, their identificator and digitale adressen become
klanten and changes of a klant (docs/decisions/0021-zgw-writes.md)."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from adapters.api import ObjectGone, WriteValues, ki
from adapters.zgw.upstream import Record, UpstreamRefusal
from adapters.zgw.write_steps import Steps, invalid, missing, model, uuid
from mapping import zgw as m
from mapping import zgw_klant_writes as kw
from mapping import zgw_writes as w

KLANTNUMMER_ATTEMPTS = 3


class KlantWrites(Steps):
    """partijen, partij-identificatoren, digitaleadressen."""

    # --- partijen ------------------------------------------------------------------------------

    async def _unique(self, groepen: Collection[ki.PartijIdentificatorGroep], field: str, own: str = "") -> None:
        """Open Klant keeps an identificator unique: so does this source (one klant per BSN)."""
        for groep in groepen:
            wanted = {"codeSoortObjectId": groep.codeSoortObjectId, "objectId": groep.objectId}
            if any(m.record_uuid(k) != own for k in await self.reads.klanten_by_identificator(wanted)):
                raise invalid(field, "Er is in deze bron al een partij met deze identificator.", "unique")

    async def _create_partijen(self, values: WriteValues) -> str:
        assert self.klanten is not None
        groepen = _groepen(values.get("partijIdentificatoren"))
        p = _partij(values, None)
        await self._unique(groepen, "partijIdentificatoren")
        for attempt in range(KLANTNUMMER_ATTEMPTS):
            body = kw.klant(p, groepen, self.target, _klantnummer()).checked()
            try:
                return uuid(await self.klanten.send("POST", "klanten", body.values))
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
        current = m.partij(record, key)
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
            raise missing(field) if key else invalid(field, "Deze bron houdt een identificator alleen bij een klant.")
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
            raise invalid(
                "identificeerdePartij", "Een identificator gaat in deze bron niet over naar een andere klant."
            )
        record = await self._klant(m.owner(key), "identificeerdePartij")
        current = m.partij_identificator(record, m.owner(key))
        if current is None:
            raise ObjectGone(f"zgw: no partij-identificator {key}")
        merged = model(ki.PartijIdentificator, {k: v for k, v in values.items() if k == "partijIdentificator"}, current)
        await self._unique([merged.partijIdentificator], "partijIdentificator", own=m.owner(key))
        body = kw.identificator(merged.partijIdentificator, record, self.target, replace=True).checked()
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)

    async def _delete_partij_identificatoren(self, key: str) -> None:
        assert self.klanten is not None
        record = await self._one(self.klanten, "klanten", m.owner(key))
        if record is None or m.identificator_groep(record) is None:
            raise ObjectGone(f"zgw: no partij-identificator {key}")
        body = kw.identificator(None, record, self.target, replace=True).checked()
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)

    # --- digitaleadressen ----------------------------------------------------------------------

    async def _create_digitaleadressen(self, values: WriteValues) -> str:
        assert self.klanten is not None
        a = model(ki.DigitaalAdres, values)
        partij = a.verstrektDoorPartij.key if a.verstrektDoorPartij is not None else None
        record = await self._klant(partij, "verstrektDoorPartij") if partij else {}
        suffix, body = kw.digitaal_adres(a, record, self.target)
        body.checked()
        await self.klanten.send("PATCH", f"klanten/{partij}", body.values)
        return m.derived(str(partij), suffix)

    async def _update_digitaleadressen(self, key: str, values: WriteValues) -> None:
        assert self.klanten is not None
        record = await self._one(self.klanten, "klanten", m.owner(key))
        current = next((a for a in m.digitale_adressen(record or {}, m.owner(key)) if a.key == key), None)
        if record is None or current is None:
            raise ObjectGone(f"zgw: no digitaal adres {key}")
        a = model(ki.DigitaalAdres, values, current)
        if a.verstrektDoorPartij != current.verstrektDoorPartij:
            raise invalid(
                "verstrektDoorPartij", "Een digitaal adres gaat in deze bron niet over naar een andere klant."
            )
        _, body = kw.digitaal_adres(a, record, self.target, suffix=m.suffix(key))
        await self._patch(self.klanten, f"klanten/{m.owner(key)}", record, body.checked().values)

    async def _delete_digitaleadressen(self, key: str) -> None:
        assert self.klanten is not None
        record = await self._one(self.klanten, "klanten", m.owner(key))
        if record is None or not m.text(record, _slot_field(m.suffix(key))):
            raise ObjectGone(f"zgw: no digitaal adres {key}")
        body = kw.removed_adres(m.suffix(key), record, self.target)
        await self.klanten.send("PATCH", f"klanten/{m.owner(key)}", body.values)


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
            raise invalid("partijIdentificatie", "Past niet bij de soort partij.", "invalid") from None
    merged["partijIdentificatoren"] = []
    return model(ki.Partij, merged)


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
