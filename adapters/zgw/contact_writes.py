"""Write steps on the Contactmomenten API: klantcontacten, betrokkenen, onderwerpobjecten and
actorklantcontacten become contactmomenten, klantcontactmomenten, objectcontactmomenten and
changes of a contactmoment (docs/decisions/0021-zgw-writes.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from adapters.api import Compensation, Leftover, ObjectGone, WriteValues, ki
from adapters.zgw.upstream import Record
from adapters.zgw.write_steps import Steps, invalid, missing, model, read_only, step, uuid
from mapping import zgw as m
from mapping import zgw_writes as w


class ContactWrites(Steps):
    """klantcontacten, betrokkenen, onderwerpobjecten, actorklantcontacten."""

    # --- klantcontacten ------------------------------------------------------------------------

    async def _create_klantcontacten(self, values: WriteValues) -> str:
        assert self.cms is not None
        # Open Klant's defaults; `vertrouwelijk` is not declared (it cannot be true here), so the
        # engine drops a false one
        defaults = {"plaatsgevondenOp": dt.datetime.now(dt.UTC), "vertrouwelijk": False}
        kc = model(ki.Klantcontact, defaults | dict(values))
        body = w.contactmoment(kc, self.target).checked()
        return uuid(await self.cms.send("POST", "contactmomenten", body.values))

    async def _update_klantcontacten(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        record = await self._one(self.cms, "contactmomenten", key)
        if record is None:
            raise read_only() if "#" in key else ObjectGone(f"zgw: no contactmoment {key}")
        moment = m.Contactmoment(
            record, key, onderwerp=self.target.onderwerp, onderwerp_link_base=self.target.onderwerp_link_base
        )
        kc = model(ki.Klantcontact, values, m.klantcontact(moment))  # its values: the links are not written here
        body = w.contactmoment(kc, self.target, record).checked()
        await self._patch(self.cms, f"contactmomenten/{key}", record, body.values)

    async def _delete_klantcontacten(self, key: str) -> None:
        assert self.cms is not None
        if "#" in key:
            raise read_only()
        await self.cms.send("DELETE", f"contactmomenten/{key}")  # its links go with it

    # --- betrokkenen ---------------------------------------------------------------------------

    async def _moment(self, key: str, field: str) -> Record:
        record = await self._one(self.cms, "contactmomenten", key)
        if record is None:
            raise missing(field)
        return record

    async def _create_betrokkenen(self, values: WriteValues) -> str:
        assert self.cms is not None
        b = model(ki.Betrokkene, values)
        moment = await self._moment(b.hadKlantcontact.key, "hadKlantcontact")
        body, change = w.klantcontactmoment(b, self.target, moment)
        created = uuid(await self.cms.send("POST", "klantcontactmomenten", body.checked().values))
        if change:
            undo = Compensation()
            path = f"klantcontactmomenten/{created}"
            undo.done(Leftover("betrokkenen", created), lambda: self.cms.send("DELETE", path))  # type: ignore[union-attr]
            await step(undo, self.cms.send("PATCH", f"contactmomenten/{b.hadKlantcontact.key}", change))
        return created

    async def _update_betrokkenen(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        current = await self._current("betrokkenen", key)
        assert isinstance(current, ki.Betrokkene)
        b = model(ki.Betrokkene, values, current)
        if b.hadKlantcontact != current.hadKlantcontact:
            raise invalid("hadKlantcontact", "Een betrokkene gaat in deze bron niet over naar een ander klantcontact.")
        moment = await self._moment(b.hadKlantcontact.key, "hadKlantcontact")
        body, change = w.klantcontactmoment(b, self.target, moment)
        body.checked()
        undo = Compensation()
        if b.wasPartij != current.wasPartij:
            if self.target.contactmomenten != "openklant":  # only Open Klant 1 changes a klantcontactmoment
                raise invalid("wasPartij", "De klant van een betrokkene kan in deze bron niet wijzigen.")
            path = f"klantcontactmomenten/{key}"
            await self.cms.send("PATCH", path, {"klant": body.values["klant"]})
            before = (
                {"klant": w.url(self.target.klanten_url, "klanten", current.wasPartij.key)} if current.wasPartij else {}
            )
            undo.done(Leftover("betrokkenen", key), lambda: self.cms.send("PATCH", path, before))  # type: ignore[union-attr]
        if change:
            await step(undo, self.cms.send("PATCH", f"contactmomenten/{b.hadKlantcontact.key}", change))

    async def _delete_betrokkenen(self, key: str) -> None:
        assert self.cms is not None
        await self.cms.send("DELETE", f"klantcontactmomenten/{key}")

    # --- onderwerpobjecten ---------------------------------------------------------------------

    async def _create_onderwerpobjecten(self, values: WriteValues) -> str:
        assert self.cms is not None
        o = model(ki.Onderwerpobject, values)
        collection, body = w.onderwerpobject(o, self.target)
        if collection == "objectcontactmomenten":
            return uuid(await self.cms.send("POST", collection, body))
        assert o.klantcontact is not None and o.wasKlantcontact is not None
        moment = await self._moment(o.klantcontact.key, "klantcontact")
        if m.uuid_of(moment.get("vorigContactmoment")) not in (None, o.wasKlantcontact.key):
            raise invalid("klantcontact", "Een klantcontact volgt in deze bron op hooguit één ander.")
        await self.cms.send("PATCH", f"contactmomenten/{o.klantcontact.key}", body)
        return m.derived(o.klantcontact.key, m.VORIG)

    async def _update_onderwerpobjecten(self, key: str, values: WriteValues) -> None:
        assert self.cms is not None
        current = await self._current("onderwerpobjecten", key)
        o = model(ki.Onderwerpobject, values, current)
        if m.suffix(key) == m.VORIG and o.klantcontact == current.klantcontact:  # type: ignore[attr-defined]
            _, body = w.onderwerpobject(o, self.target)
            await self.cms.send("PATCH", f"contactmomenten/{m.owner(key)}", body)
        elif o != current:
            reason = "Dit onderwerpobject kan in deze bron niet wijzigen: verwijder het en maak een nieuw."
            raise invalid("onderwerpobjectidentificator", reason)

    async def _delete_onderwerpobjecten(self, key: str) -> None:
        assert self.cms is not None
        if m.suffix(key) == m.VORIG:
            await self._clear(key, "vorigContactmoment")
        elif "#" in key:
            raise read_only()
        else:
            await self.cms.send("DELETE", f"objectcontactmomenten/{key}")

    # --- actorklantcontacten -------------------------------------------------------------------

    async def _create_actorklantcontacten(self, values: WriteValues) -> str:
        assert self.cms is not None
        actor, klantcontact = values.get("actor"), values.get("klantcontact")
        if not isinstance(actor, ki.Ref) or m.suffix(actor.key) != m.MDW:
            raise missing("actor")
        if not isinstance(klantcontact, ki.Ref):
            raise missing("klantcontact")
        source = await self._moment(m.owner(actor.key), "actor")
        medewerker = source.get("medewerkerIdentificatie")
        if not isinstance(medewerker, Mapping) or not m.text(medewerker, "identificatie"):
            raise missing("actor")
        moment = await self._moment(klantcontact.key, "klantcontact")
        present = moment.get("medewerkerIdentificatie")
        if isinstance(present, Mapping) and m.text(present, "identificatie") not in (
            "",
            m.text(medewerker, "identificatie"),
        ):
            raise invalid("klantcontact", "Een contactmoment in deze bron heeft één medewerker.")
        await self.cms.send(
            "PATCH", f"contactmomenten/{klantcontact.key}", {"medewerkerIdentificatie": dict(medewerker)}
        )
        return m.derived(klantcontact.key, m.MDW)

    async def _delete_actorklantcontacten(self, key: str) -> None:
        await self._clear(key, "medewerkerIdentificatie")

    async def _clear(self, key: str, field: str) -> None:
        """Delete an object held in one field of a contactmoment (`<contactmoment>#<suffix>`)."""
        assert self.cms is not None
        moment = await self._one(self.cms, "contactmomenten", m.owner(key))
        if moment is None or not moment.get(field):
            raise ObjectGone(f"zgw: no {m.suffix(key)} of contactmoment {m.owner(key)}")
        await self.cms.send("PATCH", f"contactmomenten/{m.owner(key)}", {field: None})
