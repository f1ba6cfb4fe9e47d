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

The steps live in `contact_writes.py` (Contactmomenten API) and `klant_writes.py` (Klanten API),
on what they share (`write_steps.py`); this module declares what the source takes and runs a write.

An upstream's refusal (400 `invalidParams`) names the Klantinteracties fields the client wrote
(`mapping/zgw_rejections.py`), or, when it names something the client did not write (a setting),
becomes `SourceRejected`: a 502 naming the source. A 403 (no scope) or 412 (a header) is the
source's configuration, so a 502 too. Nothing of a body is logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from adapters.api import (
    FieldProblem,
    InvalidWrite,
    SourceError,
    SourceGarbage,
    SourceRejected,
    WriteSupport,
    WriteValues,
    ki,
)
from adapters.zgw.contact_writes import ContactWrites
from adapters.zgw.klant_writes import KlantWrites
from adapters.zgw.reads import Reads
from adapters.zgw.settings import ZgwSettings
from adapters.zgw.upstream import UpstreamRefusal, ZgwApi
from adapters.zgw.write_steps import Read, Steps
from adapters.zgw.write_steps import refused as refused_fields
from mapping import zgw_writes as w
from mapping.zgw_rejections import invalid_params

T = TypeVar("T")
CONTACT_RESOURCES = ("klantcontacten", "betrokkenen", "onderwerpobjecten", "actorklantcontacten")
KLANT_RESOURCES = ("partijen", "partij-identificatoren", "digitaleadressen")


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


class ZgwWrites:
    """The write half of `ZgwAdapter`: each resource's steps, its refusals named by field."""

    def __init__(self, settings: ZgwSettings, apis: Mapping[str, ZgwApi], reads: Reads, read: Read):
        target = target_of(settings)
        contacts, klanten = ContactWrites(target, apis, reads, read), KlantWrites(target, apis, reads, read)
        self._steps: dict[str, Steps] = {resource: contacts for resource in CONTACT_RESOURCES} | {
            resource: klanten for resource in KLANT_RESOURCES
        }
        self._read = read

    async def create(self, resource: str, values: WriteValues) -> ki.KIObject:
        key = await self._checked(resource, self._handler("create", resource)(values))
        return await self._answer(resource, key)

    async def update(self, resource: str, key: str, values: WriteValues) -> ki.KIObject:
        await self._checked(resource, self._handler("update", resource)(key, values))
        return await self._answer(resource, key)

    async def delete(self, resource: str, key: str) -> None:
        await self._checked(resource, self._handler("delete", resource)(key))

    def _handler(self, operation: str, resource: str) -> Callable[..., Awaitable[Any]]:
        return getattr(self._steps[resource], f"_{operation}_{resource.replace('-', '_')}")

    async def _checked(self, resource: str, call: Awaitable[T]) -> T:
        """Run one write: a value the mappings refuse, or the upstream refuses, named by KI field."""
        try:
            return await call
        except w.Unstorable as refused:
            raise refused_fields(refused.problems) from None
        except UpstreamRefusal as refused:
            raise _translated(resource, refused) from None

    async def _answer(self, resource: str, key: str) -> ki.KIObject:
        found = (await self._read(resource, [key])).get(key)
        if found is None:
            raise SourceGarbage(f"zgw: the {resource} just written cannot be read back")
        return found


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
