"""Klantinteracties writes as the CRM's own writes: each resource onto the native record it is part of.

The worked example of the write side of the adapter API. A write reads the native record, builds
the changed record, and stores it with `Crm.put_*` (retried when the record changed in between);
objects that are a *part* of a record (an identificator, an address, a participant) are written
by changing that record. The CRM numbers new records itself (`nummer` is its customer number,
contact reference or task id), and a removed part keeps its row number, so no key ever changes.

Where the CRM's model cannot hold a value the contract allows (a second telephone number for an
unknown caller, an address line that is not its street and number, a fax number), the write is
refused with `InvalidWrite` naming the field: never stored half, never changed silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from adapters.api import (
    FieldProblem,
    InvalidWrite,
    ObjectGone,
    SourceGarbage,
    WriteSupport,
    WriteValues,
    conventions,
    ki,
)
from adapters.crm_stub.crm import Crm, CrmConflict, CrmNotFound, CrmRefused
from mapping import crm as m
from mapping.crm_records import (
    Address,
    BankAccount,
    CaseLink,
    Category,
    CategoryMembership,
    Contact,
    ContactDetail,
    Customer,
    Department,
    DocumentLink,
    Employee,
    ExternalId,
    ObjectLink,
    Participant,
    Staff,
    SystemUser,
    Task,
)

T = TypeVar("T")
Ref = ki.Ref
ATTEMPTS = 3
"""Read-modify-write attempts when a record changes in between (another write to the same record)."""

ALL, NO_UPDATE = WriteSupport(create=True, update=True, delete=True), WriteSupport(create=True, delete=True)


def _only(*fields: str, update: bool = True) -> WriteSupport:
    return WriteSupport(create=True, update=update, delete=True, fields=frozenset(fields))


WRITE_SUPPORT: dict[str, WriteSupport] = {
    "partijen": _only(
        "soortPartij",
        "partijIdentificatie",
        "partijIdentificatoren",
        "interneNotitie",
        "indicatieGeheimhouding",
        "voorkeurstaal",
        "indicatieActief",
        "bezoekadres",
        "correspondentieadres",
        "voorkeursDigitaalAdres",
        "digitaleAdressen",
        "rekeningnummers",
    ),
    "partij-identificatoren": _only(
        "identificeerdePartij", "partijIdentificator", "subIdentificatorVan", "anderePartijIdentificator"
    ),
    "vertegenwoordigingen": NO_UPDATE,
    "digitaleadressen": ALL,
    "rekeningnummers": ALL,
    "klantcontacten": _only(
        "kanaal",
        "onderwerp",
        "inhoud",
        "reactie",
        "indicatieContactGelukt",
        "taal",
        "vertrouwelijk",
        "plaatsgevondenOp",
    ),
    "betrokkenen": _only(
        "hadKlantcontact", "wasPartij", "rol", "initiator", "contactnaam", "organisatienaam", "correspondentieadres"
    ),
    "onderwerpobjecten": ALL,
    "bijlagen": ALL,
    "actoren": ALL,
    "actorklantcontacten": NO_UPDATE,
    "internetaken": _only(
        "gevraagdeHandeling",
        "aanleidinggevendKlantcontact",
        "toegewezenAanActoren",
        "toelichting",
        "status",
        "afgehandeldOp",
    ),
    "categorieen": ALL,
    "categorie-relaties": ALL,
}
"""What the CRM takes per resource: every resource; fields it numbers or derives itself are left out."""

ROLE_BY_ROL = {rol: role for role, rol in m.ROL.items()}
KIND_BY_SOORT_OBJECT_ID = {codes[1]: kind for kind, codes in m.IDENTIFIER_CODES.items()}
KIND_BY_SUFFIX = {suffix: kind for kind, suffix in m.IDENTIFIER_SUFFIX.items()}
STAFF_BY_SOORT = {"medewerker": Employee, "organisatorische_eenheid": Department, "geautomatiseerde_actor": SystemUser}
DOCUMENT_CODES = ("informatieobject", "open-zaak", "uuid")
"""(codeObjecttype, codeRegister, codeSoortObjectId) of the documents the CRM links (as it shows them)."""


def refuse(field: str, reason: str, code: str = "invalid") -> InvalidWrite:
    return InvalidWrite(FieldProblem(field, code, reason))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class CrmWrites:
    """The write half of `CrmStubAdapter`: `create`, `update` and `delete` of the adapter protocol."""

    crm: Crm
    zaak_register: str
    get_many: Callable[..., Awaitable[Mapping[str, ki.KIObject]]]

    async def create(self, resource: str, values: WriteValues) -> ki.KIObject:
        key = await self._attempt(lambda: getattr(self, f"_create_{_name(resource)}")(values))
        return await self._read_back(resource, key)

    async def update(self, resource: str, key: str, values: WriteValues) -> ki.KIObject:
        await self._attempt(lambda: getattr(self, f"_update_{_name(resource)}")(key, values))
        return await self._read_back(resource, key)

    async def delete(self, resource: str, key: str) -> None:
        await self.get_many(resource, [key]) or _gone()
        await self._attempt(lambda: getattr(self, f"_delete_{_name(resource)}")(key))

    async def _attempt(self, write: Callable[[], Awaitable[T]]) -> T:
        """One native write: read the record, change it, store it; again if it changed in between."""
        for attempt in range(ATTEMPTS):
            try:
                return await write()
            except CrmConflict:
                if attempt == ATTEMPTS - 1:
                    reason = "Het CRM kon dit door gelijktijdige wijzigingen niet vastleggen."
                    raise refuse("nonFieldErrors", reason) from None
            except CrmNotFound:
                raise ObjectGone("crm_stub: the record does not exist") from None
            except CrmRefused as refused:
                raise refuse("nonFieldErrors", f"Het CRM weigert dit ({refused}).") from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read_back(self, resource: str, key: str) -> ki.KIObject:
        found = (await self.get_many(resource, [key])).get(key)
        if found is None:
            raise SourceGarbage(f"crm_stub: a written {resource} does not map")
        return found

    async def _customer(self, number: str) -> Customer:
        found = await self.crm.customers([number])
        return found[0] if found else _gone()

    async def _contact(self, contact_id: str) -> Contact:
        found = await self.crm.contacts([contact_id])
        return found[0] if found else _gone()

    async def _remove_row(self, key: str, separator: str, table: str) -> None:
        """Remove one row of a record's sub-table (it keeps its number: see `rows`)."""
        owner, _, index = key.partition(separator)
        if table in ("bank_accounts", "categories"):
            customer = await self._customer(owner)
            _row(getattr(customer, table), int(index)) or _gone()
            await self.crm.put_customer(_with_row(customer, table, int(index), None), customer)
        else:
            contact = await self._contact(owner)
            _row(getattr(contact, table), int(index)) or _gone()
            await self.crm.put_contact(_with_row(contact, table, int(index), None), contact)

    # --- partijen -------------------------------------------------------------------------------

    async def _create_partijen(self, values: WriteValues) -> str:
        kind = m.KIND_BY_SOORT_PARTIJ[values["soortPartij"]]
        customer = _customer_fields(Customer(number="", kind=kind), values, creating=True)  # type: ignore[arg-type]
        return (await self.crm.add_customer(customer)).number

    async def _update_partijen(self, key: str, values: WriteValues) -> str:
        current = await self._customer(key)
        if "soortPartij" in values and m.KIND_BY_SOORT_PARTIJ[values["soortPartij"]] != current.kind:
            raise refuse("soortPartij", "Het CRM kan de soort van een partij niet wijzigen.")
        await self.crm.put_customer(_customer_fields(current, values, creating=False), current)
        return key

    async def _delete_partijen(self, key: str) -> None:
        await self.crm.remove_customer(key)

    # --- partij-identificatoren: the customer's identifier fields ------------------------------

    async def _create_partij_identificatoren(self, values: WriteValues) -> str:
        partij = values.get("identificeerdePartij")
        if partij is None:
            raise refuse("identificeerdePartij", "Het CRM legt alleen identificatoren van een partij vast.")
        current = await self._customer(partij.key)
        kind = KIND_BY_SOORT_OBJECT_ID[values["partijIdentificator"]["codeSoortObjectId"]]
        if getattr(current, kind):
            raise refuse("partijIdentificator", "Deze partij heeft al een identificator van deze soort.", "unique")
        changed = _identifier(current, kind, values, "")
        await self.crm.put_customer(changed, current)
        return m.identificator_key(current.number, kind)

    async def _update_partij_identificatoren(self, key: str, values: WriteValues) -> str:
        number, _, suffix = key.partition(":")
        kind = KIND_BY_SUFFIX[suffix]
        current = await self._customer(number)
        partij = values.get("identificeerdePartij", Ref(number))
        if partij is None or partij.key != number:
            raise refuse(
                "identificeerdePartij", "Het CRM kan een identificator niet naar een andere partij verplaatsen."
            )
        group = values.get("partijIdentificator")
        if group is not None and KIND_BY_SOORT_OBJECT_ID[group["codeSoortObjectId"]] != kind:
            raise refuse(
                "partijIdentificator.codeSoortObjectId", "Het CRM kan de soort van een identificator niet wijzigen."
            )
        await self.crm.put_customer(_identifier(current, kind, values, getattr(current, kind)), current)
        return key

    async def _delete_partij_identificatoren(self, key: str) -> None:
        number, _, suffix = key.partition(":")
        current = await self._customer(number)
        kind = KIND_BY_SUFFIX[suffix]
        branch = {"branch_of": None} if kind == "vestigingsnummer" else {}
        await self.crm.put_customer(dataclasses.replace(current, **{kind: ""}, **branch), current)

    # --- vertegenwoordigingen: whom a customer represents --------------------------------------

    async def _create_vertegenwoordigingen(self, values: WriteValues) -> str:
        current = await self._customer(values["vertegenwoordigendePartij"].key)
        represented = values["vertegenwoordigdePartij"].key
        if represented in current.represents:
            raise refuse("vertegenwoordigdePartij", "Deze vertegenwoordiging bestaat al.", "unique")
        await self.crm.put_customer(
            dataclasses.replace(current, represents=(*current.represents, represented)), current
        )
        return f"{current.number}:r{represented}"

    async def _delete_vertegenwoordigingen(self, key: str) -> None:
        number, _, represented = key.partition(":r")
        current = await self._customer(number)
        changed = tuple(other for other in current.represents if other != represented)
        await self.crm.put_customer(dataclasses.replace(current, represents=changed), current)

    # --- digitaleadressen: a customer's fields and details, or a participant's one-off ones ----

    async def _create_digitaleadressen(self, values: WriteValues) -> str:
        by_betrokkene, by_partij = values.get("verstrektDoorBetrokkene"), values.get("verstrektDoorPartij")
        if by_partij is not None:
            customer = await self._customer(by_partij.key)
            given_at = None
            if by_betrokkene is not None:
                contact_id, _, index = by_betrokkene.key.partition(":")
                participant = _row((await self._contact(contact_id)).participants, int(index))
                if participant is None or participant.customer != customer.number:
                    raise refuse("verstrektDoorBetrokkene", "Deze betrokkene was niet deze partij.")
                given_at = (contact_id, int(index))
            detail = _detail(ContactDetail(kind=m.DETAIL_KIND_BY_SOORT[values["soortDigitaalAdres"]], value=""), values)
            if given_at is not None:
                detail = dataclasses.replace(detail, given_at=given_at[0], participant=given_at[1])
            details = _defaults_cleared(customer.contact_details, detail)
            changed = dataclasses.replace(customer, contact_details=(*details, detail))
            await self.crm.put_customer(changed, customer)
            return m.detail_key(customer.number, len(details))
        if by_betrokkene is None:
            raise refuse("verstrektDoorPartij", "Het CRM legt alleen adressen van een partij of betrokkene vast.")
        contact_id, _, index = by_betrokkene.key.partition(":")
        kind = {"email": "email", "telefoonnummer": "phone"}.get(values["soortDigitaalAdres"])
        if kind is None:
            raise refuse("soortDigitaalAdres", "Het CRM legt bij een contact alleen telefoon en e-mail vast.")
        await self._participant_detail(contact_id, int(index), kind, values, creating=True)
        return m.los_adres_key(contact_id, int(index), kind)  # type: ignore[arg-type]

    async def _update_digitaleadressen(self, key: str, values: WriteValues) -> str:
        parts = key.split(":")
        if len(parts) == 3:  # a participant's one-off address
            if _moved(values, "verstrektDoorBetrokkene", f"{parts[0]}:{parts[1]}") or values.get("verstrektDoorPartij"):
                raise refuse("verstrektDoorBetrokkene", "Het CRM kan een adres niet naar een ander verplaatsen.")
            kind = "phone" if parts[2] == "p" else "email"
            await self._participant_detail(parts[0], int(parts[1]), kind, values, creating=False)
            return key
        number, field = parts
        customer = await self._customer(number)
        if _moved(values, "verstrektDoorPartij", number):
            raise refuse("verstrektDoorPartij", "Het CRM kan een adres niet naar een andere partij verplaatsen.")
        if field.startswith("a"):
            detail = _row(customer.contact_details, int(field[1:])) or _gone()
            changed = _detail(detail, values)
            details = list(_defaults_cleared(customer.contact_details, changed))
            details[int(field[1:])] = changed
            await self.crm.put_customer(dataclasses.replace(customer, contact_details=tuple(details)), customer)
        else:
            await self.crm.put_customer(_fixed_address(customer, field, values), customer)
        return key

    async def _delete_digitaleadressen(self, key: str) -> None:
        parts = key.split(":")
        if len(parts) == 3:
            kind = "phone" if parts[2] == "p" else "email"
            contact = await self._contact(parts[0])
            participant = _row(contact.participants, int(parts[1])) or _gone()
            changed = dataclasses.replace(participant, **{kind: "", f"{kind}_label": ""})
            await self.crm.put_contact(_with_row(contact, "participants", int(parts[1]), changed), contact)
            return
        number, field = parts
        customer = await self._customer(number)
        if field.startswith("a"):
            changed = _with_row(customer, "contact_details", int(field[1:]), None)
        else:
            cleared: dict[str, Any] = {field: ""}
            if customer.preferred_channel == field:
                cleared["preferred_channel"] = None
            if field == "email":
                cleared["email_verified_on"] = None
            changed = dataclasses.replace(customer, **cleared)
        await self.crm.put_customer(changed, customer)

    async def _participant_detail(
        self, contact_id: str, index: int, kind: str, values: WriteValues, creating: bool
    ) -> None:
        contact = await self._contact(contact_id)
        participant = _row(contact.participants, index) or _gone()
        if creating and getattr(participant, kind):
            raise refuse(
                "soortDigitaalAdres", "Deze betrokkene heeft in het CRM al een adres van deze soort.", "unique"
            )
        soort = "email" if kind == "email" else "telefoonnummer"
        if values.get("soortDigitaalAdres", soort) != soort:
            raise refuse("soortDigitaalAdres", "Het CRM kan de soort van dit adres niet wijzigen.")
        for field in ("referentie", "verificatieDatum", "isStandaardAdres"):
            if values.get(field):
                raise refuse(field, "Het CRM legt dit niet vast bij een adres van een betrokkene.")
        changes: dict[str, Any] = {}
        if "adres" in values:
            changes[kind] = values["adres"]
        if "omschrijving" in values:
            changes[f"{kind}_label"] = values["omschrijving"]
        changed = dataclasses.replace(participant, **changes)
        await self.crm.put_contact(_with_row(contact, "participants", index, changed), contact)

    # --- rekeningnummers, categorie-relaties: rows of the customer -----------------------------

    async def _create_rekeningnummers(self, values: WriteValues) -> str:
        partij = values.get("partij") or _required("partij")
        customer = await self._customer(partij.key)
        account = BankAccount(iban=values["iban"], bic=values.get("bic", ""))
        await self.crm.put_customer(
            dataclasses.replace(customer, bank_accounts=(*customer.bank_accounts, account)), customer
        )
        return f"{customer.number}:i{len(customer.bank_accounts)}"

    async def _update_rekeningnummers(self, key: str, values: WriteValues) -> str:
        number, _, index = key.partition(":i")
        customer = await self._customer(number)
        if _moved(values, "partij", number):
            raise refuse("partij", "Het CRM kan een rekeningnummer niet naar een andere partij verplaatsen.")
        account = _row(customer.bank_accounts, int(index)) or _gone()
        changed = dataclasses.replace(
            account, iban=values.get("iban", account.iban), bic=values.get("bic", account.bic)
        )
        await self.crm.put_customer(_with_row(customer, "bank_accounts", int(index), changed), customer)
        return key

    async def _delete_rekeningnummers(self, key: str) -> None:
        await self._remove_row(key, ":i", "bank_accounts")

    async def _create_categorie_relaties(self, values: WriteValues) -> str:
        partij = values.get("partij") or _required("partij")
        categorie = values.get("categorie") or _required("categorie")
        customer = await self._customer(partij.key)
        membership = CategoryMembership(categorie.key, values.get("beginDatum"), values.get("eindDatum"))
        await self.crm.put_customer(
            dataclasses.replace(customer, categories=(*customer.categories, membership)), customer
        )
        return f"{customer.number}:c{len(customer.categories)}"

    async def _update_categorie_relaties(self, key: str, values: WriteValues) -> str:
        number, _, index = key.partition(":c")
        customer = await self._customer(number)
        if _moved(values, "partij", number):
            raise refuse("partij", "Het CRM kan een categorie-relatie niet naar een andere partij verplaatsen.")
        membership = _row(customer.categories, int(index)) or _gone()
        categorie = values.get("categorie", Ref(membership.category)) or _required("categorie")
        changed = CategoryMembership(
            categorie.key, values.get("beginDatum", membership.start), values.get("eindDatum", membership.end)
        )
        await self.crm.put_customer(_with_row(customer, "categories", int(index), changed), customer)
        return key

    async def _delete_categorie_relaties(self, key: str) -> None:
        await self._remove_row(key, ":c", "categories")

    # --- klantcontacten ------------------------------------------------------------------------

    async def _create_klantcontacten(self, values: WriteValues) -> str:
        base = Contact(id="", at=_now(), channel="", subject="")
        return (await self.crm.add_contact(_contact_fields(base, values))).id

    async def _update_klantcontacten(self, key: str, values: WriteValues) -> str:
        current = await self._contact(key)
        await self.crm.put_contact(_contact_fields(current, values), current)
        return key

    async def _delete_klantcontacten(self, key: str) -> None:
        await self.crm.remove_contact(key)

    # --- betrokkenen: the contact's participants -----------------------------------------------

    async def _create_betrokkenen(self, values: WriteValues) -> str:
        contact = await self._contact(values["hadKlantcontact"].key)
        participant = _participant_fields(Participant(), values)
        await self.crm.put_contact(
            dataclasses.replace(contact, participants=(*contact.participants, participant)), contact
        )
        return m.betrokkene_key(contact.id, len(contact.participants))

    async def _update_betrokkenen(self, key: str, values: WriteValues) -> str:
        contact_id, _, index = key.partition(":")
        if _moved(values, "hadKlantcontact", contact_id):
            raise refuse("hadKlantcontact", "Het CRM kan een betrokkene niet naar een ander klantcontact verplaatsen.")
        contact = await self._contact(contact_id)
        participant = _row(contact.participants, int(index)) or _gone()
        changed = _participant_fields(participant, values)
        await self.crm.put_contact(_with_row(contact, "participants", int(index), changed), contact)
        return key

    async def _delete_betrokkenen(self, key: str) -> None:
        contact_id, _, index = key.partition(":")
        contact = await self._contact(contact_id)
        participant = _row(contact.participants, int(index)) or _gone()
        await self.crm.put_contact(_with_row(contact, "participants", int(index), None), contact)
        if participant.customer:  # addresses the customer gave as this participant stay the customer's
            customer = await self._customer(participant.customer)
            details = tuple(
                dataclasses.replace(d, given_at=None, participant=None)
                if d is not None and d.given_at == contact_id and d.participant == int(index)
                else d
                for d in customer.contact_details
            )
            await self.crm.put_customer(dataclasses.replace(customer, contact_details=details), customer)

    # --- onderwerpobjecten: cases, follow-ups and links of the contact -------------------------

    async def _create_onderwerpobjecten(self, values: WriteValues) -> str:
        owner = values.get("klantcontact")
        if owner is None:
            raise refuse("klantcontact", "Het CRM legt alleen onderwerpobjecten van een klantcontact vast.")
        contact = await self._contact(owner.key)
        identificator = values.get("onderwerpobjectidentificator") or {}
        previous = values.get("wasKlantcontact")
        if previous is not None and not any(identificator.values()) and contact.follows_up is None:
            await self.crm.put_contact(dataclasses.replace(contact, follows_up=previous.key), contact)
            return f"{contact.id}:prev"
        if previous is None and (case := _case(identificator, self.zaak_register)) is not None:
            await self.crm.put_contact(dataclasses.replace(contact, cases=(*contact.cases, case)), contact)
            return f"{contact.id}:z{len(contact.cases)}"
        link = _link(ObjectLink(), identificator, previous)
        await self.crm.put_contact(dataclasses.replace(contact, links=(*contact.links, link)), contact)
        return f"{contact.id}:x{len(contact.links)}"

    async def _update_onderwerpobjecten(self, key: str, values: WriteValues) -> str:
        contact_id, _, part = key.partition(":")
        if _moved(values, "klantcontact", contact_id):
            raise refuse(
                "klantcontact", "Het CRM kan een onderwerpobject niet naar een ander klantcontact verplaatsen."
            )
        contact = await self._contact(contact_id)
        identificator = values.get("onderwerpobjectidentificator")
        if part == "prev":
            if identificator and any(identificator.values()):
                raise refuse(
                    "onderwerpobjectidentificator",
                    "Het CRM legt bij een vervolg op een contact geen identificator vast.",
                )
            previous = values.get("wasKlantcontact", Ref(contact.follows_up or "")) or _required("wasKlantcontact")
            await self.crm.put_contact(dataclasses.replace(contact, follows_up=previous.key), contact)
        elif part.startswith("z"):
            case = (
                _case(identificator, self.zaak_register)
                if identificator is not None
                else _row(contact.cases, int(part[1:]))
            )
            if case is None or values.get("wasKlantcontact"):
                raise refuse(
                    "onderwerpobjectidentificator", "Het CRM kan van een zaak geen ander soort onderwerp maken."
                )
            await self.crm.put_contact(_with_row(contact, "cases", int(part[1:]), case), contact)
        else:
            link = _row(contact.links, int(part[1:])) or _gone()
            previous = values.get("wasKlantcontact", Ref(link.previous_contact) if link.previous_contact else None)
            changed = (
                _link(link, identificator, previous)
                if identificator is not None
                else _link(link, {}, previous, keep=True)
            )
            await self.crm.put_contact(_with_row(contact, "links", int(part[1:]), changed), contact)
        return key

    async def _delete_onderwerpobjecten(self, key: str) -> None:
        contact_id, _, part = key.partition(":")
        contact = await self._contact(contact_id)
        if part == "prev":
            changed = dataclasses.replace(contact, follows_up=None)
        else:
            changed = _with_row(contact, "cases" if part.startswith("z") else "links", int(part[1:]), None)
        await self.crm.put_contact(changed, contact)

    # --- bijlagen: documents of the contact ----------------------------------------------------

    async def _create_bijlagen(self, values: WriteValues) -> str:
        owner = values.get("wasBijlageVanKlantcontact") or _required("wasBijlageVanKlantcontact")
        contact = await self._contact(owner.key)
        document = DocumentLink(_document_id(values.get("bijlageidentificator")))
        await self.crm.put_contact(dataclasses.replace(contact, documents=(*contact.documents, document)), contact)
        return f"{contact.id}:d{len(contact.documents)}"

    async def _update_bijlagen(self, key: str, values: WriteValues) -> str:
        contact_id, _, index = key.partition(":d")
        if _moved(values, "wasBijlageVanKlantcontact", contact_id):
            raise refuse(
                "wasBijlageVanKlantcontact", "Het CRM kan een bijlage niet naar een ander klantcontact verplaatsen."
            )
        contact = await self._contact(contact_id)
        document = _row(contact.documents, int(index)) or _gone()
        if "bijlageidentificator" in values:
            document = dataclasses.replace(document, document_uuid=_document_id(values["bijlageidentificator"]))
        await self.crm.put_contact(_with_row(contact, "documents", int(index), document), contact)
        return key

    async def _delete_bijlagen(self, key: str) -> None:
        await self._remove_row(key, ":d", "documents")

    # --- actoren: staff --------------------------------------------------------------------------

    async def _create_actoren(self, values: WriteValues) -> str:
        kind = STAFF_BY_SOORT[values["soortActor"]]
        blank = kind(id="X00", name="") if kind is not Employee else Employee(id="X00")  # type: ignore[call-arg]
        return (await self.crm.add_staff(_staff_fields(blank, values))).id

    async def _update_actoren(self, key: str, values: WriteValues) -> str:
        found = await self.crm.staff([key])
        current = found[0] if found else _gone()
        if "soortActor" in values and not isinstance(current, STAFF_BY_SOORT[values["soortActor"]]):
            raise refuse("soortActor", "Het CRM kan de soort van een actor niet wijzigen.")
        await self.crm.put_staff(_staff_fields(current, values), current)
        return key

    async def _delete_actoren(self, key: str) -> None:
        await self.crm.remove_staff(key)

    # --- actorklantcontacten: who handled the contact --------------------------------------------

    async def _create_actorklantcontacten(self, values: WriteValues) -> str:
        contact = await self._contact(values["klantcontact"].key)
        actor = values["actor"].key
        if actor in contact.handled_by:
            raise refuse("actor", "Deze actor is al aan dit klantcontact gekoppeld.", "unique")
        await self.crm.put_contact(dataclasses.replace(contact, handled_by=(*contact.handled_by, actor)), contact)
        return f"{contact.id}:{actor}"

    async def _delete_actorklantcontacten(self, key: str) -> None:
        contact_id, _, actor = key.partition(":")
        contact = await self._contact(contact_id)
        handled = tuple(staff for staff in contact.handled_by if staff != actor)
        await self.crm.put_contact(dataclasses.replace(contact, handled_by=handled), contact)

    # --- internetaken: tasks ---------------------------------------------------------------------

    async def _create_internetaken(self, values: WriteValues) -> str:
        base = Task(id="", contact="", action="", assigned_at=_now())
        return (await self.crm.add_task(_task_fields(base, values))).id

    async def _update_internetaken(self, key: str, values: WriteValues) -> str:
        found = await self.crm.tasks([key])
        current = found[0] if found else _gone()
        await self.crm.put_task(_task_fields(current, values), current)
        return key

    async def _delete_internetaken(self, key: str) -> None:
        await self.crm.remove_task(key)

    # --- categorieen -------------------------------------------------------------------------------

    async def _create_categorieen(self, values: WriteValues) -> str:
        return (await self.crm.add_category(Category(id="", name=values.get("naam", "")))).id

    async def _update_categorieen(self, key: str, values: WriteValues) -> str:
        found = await self.crm.categories([key])
        current = found[0] if found else _gone()
        await self.crm.put_category(dataclasses.replace(current, name=values.get("naam", current.name)), current)
        return key

    async def _delete_categorieen(self, key: str) -> None:
        await self.crm.remove_category(key)


# --- from contract values to native records (pure) ----------------------------------------------


def _name(resource: str) -> str:
    return resource.replace("-", "_")


def _gone() -> Any:
    raise ObjectGone("crm_stub: the record does not exist")


def _required(field: str) -> Any:
    raise refuse(field, "Dit veld is in het CRM vereist.", "required")


def _row(table: tuple[T | None, ...], index: int) -> T | None:
    return table[index] if 0 <= index < len(table) else None


def _with_row(record: T, field: str, index: int, row: Any) -> T:
    table = list(getattr(record, field))
    table[index] = row
    return dataclasses.replace(record, **{field: tuple(table)})  # type: ignore[type-var]


def _moved(values: WriteValues, field: str, owner: str) -> bool:
    """Does the write point the part at another owner record than the one it is part of?"""
    if field not in values:
        return False
    reference = values[field]
    return reference is None or m.owner(reference.key) != owner


def _contactnaam(values: Mapping[str, Any] | None) -> dict[str, str]:
    values = values or {}
    return {
        "initials": values.get("voorletters", ""),
        "first_name": values.get("voornaam", ""),
        "prefix": values.get("voorvoegselAchternaam", ""),
        "last_name": values.get("achternaam", ""),
    }


def _address(value: Mapping[str, Any] | None, field: str) -> Address | None:
    """A structured address; free address lines only as the CRM writes them (street and number,
    postcode and city), since it derives them from those."""
    if not value or not any(value.values()):
        return None
    address = Address(
        street=value.get("straatnaam", ""),
        house_number=value.get("huisnummer"),
        addition=value.get("huisnummertoevoeging", ""),
        postcode=value.get("postcode", ""),
        city=value.get("stad", ""),
        country=value.get("land") or "NL",
        bag_id=value.get("nummeraanduidingId", ""),
    )
    derived = m.adres(address)
    for line in ("adresregel1", "adresregel2", "adresregel3"):
        if value.get(line) and value[line] != getattr(derived, line):
            raise refuse(f"{field}.{line}", "Het CRM leidt adresregels af uit straat, huisnummer, postcode en stad.")
    return address


def _customer_fields(c: Customer, v: WriteValues, creating: bool) -> Customer:
    changes: dict[str, Any] = {}
    if "partijIdentificatie" in v:
        identificatie = v["partijIdentificatie"] or {}
        if c.kind == "organisation":
            changes["org_name"] = identificatie.get("naam", "")
        else:
            changes.update(_contactnaam(identificatie.get("contactnaam")))
        if c.kind == "contact_person":
            works_for = identificatie.get("werkteVoorPartij")
            changes["works_for"] = works_for.key if works_for is not None else None
    if "partijIdentificatoren" in v:
        changes.update(_identifiers(c, v["partijIdentificatoren"] or []))
    simple = {"interneNotitie": "note", "indicatieGeheimhouding": "confidential", "voorkeurstaal": "language"}
    changes.update({field: v[name] for name, field in simple.items() if name in v})
    if "indicatieActief" in v:
        changes["active"] = v["indicatieActief"]
    for name, field in (("bezoekadres", "visit_address"), ("correspondentieadres", "postal_address")):
        if name in v:
            changes[field] = _address(v[name], name)
    for name, lazies in (("digitaleAdressen", m.adressen_of(c)), ("rekeningnummers", m.rekeningnummers_of(c))):
        given = v.get(name)
        if given is not None and {ref.key for ref in given} != {key for key, _ in lazies}:
            raise refuse(name, "Het CRM koppelt adressen en rekeningnummers bij het vastleggen ervan, niet hier.")
    if "voorkeursDigitaalAdres" in v:
        preferred = v["voorkeursDigitaalAdres"]
        kind = preferred.key.partition(":")[2] if preferred is not None else None
        if preferred is not None and (creating or kind not in m.ADDRESS_KINDS):
            raise refuse("voorkeursDigitaalAdres", "Het CRM kent als voorkeur alleen zijn e-mail, telefoon of mobiel.")
        changes["preferred_channel"] = kind
    return dataclasses.replace(c, **changes)


def _identifiers(c: Customer, entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The identifier fields of a customer from a full list of inline identificatoren."""
    changes: dict[str, Any] = {"bsn": "", "kvk": "", "vestigingsnummer": "", "rsin": "", "branch_of": None}
    for index, entry in enumerate(entries):
        if entry.get("anderePartijIdentificator"):
            raise refuse(f"partijIdentificatoren.{index}.anderePartijIdentificator", "Het CRM legt dit niet vast.")
        group = entry["partijIdentificator"]
        kind = KIND_BY_SOORT_OBJECT_ID[group["codeSoortObjectId"]]
        changes[kind] = group["objectId"]
        sub = entry.get("subIdentificatorVan")
        if sub is not None and m.owner(sub.key) != c.number:
            changes["branch_of"] = m.owner(sub.key)
    return changes


def _identifier(c: Customer, kind: str, v: WriteValues, value: str) -> Customer:
    if v.get("anderePartijIdentificator"):
        raise refuse("anderePartijIdentificator", "Het CRM legt dit niet vast.")
    changes: dict[str, Any] = {kind: v["partijIdentificator"]["objectId"] if "partijIdentificator" in v else value}
    if "subIdentificatorVan" in v:
        sub = v["subIdentificatorVan"]
        if sub is not None and (kind != "vestigingsnummer" or not sub.key.endswith(":kvk")):
            raise refuse(
                "subIdentificatorVan", "Het CRM kent dit alleen voor een vestigingsnummer onder een KvK-nummer."
            )
        changes["branch_of"] = m.owner(sub.key) if sub is not None and m.owner(sub.key) != c.number else None
    return dataclasses.replace(c, **changes)


def _detail(detail: ContactDetail, v: WriteValues) -> ContactDetail:
    kind = m.DETAIL_KIND_BY_SOORT[v.get("soortDigitaalAdres", m.DETAIL_SOORT[detail.kind])]
    return dataclasses.replace(
        detail,
        kind=kind,
        value=v.get("adres", detail.value),
        label=v.get("omschrijving", detail.label),
        reference=v.get("referentie", detail.reference),
        verified_on=v.get("verificatieDatum", detail.verified_on),
        default=v.get("isStandaardAdres", detail.default),
    )


def _defaults_cleared(details: tuple[ContactDetail | None, ...], chosen: ContactDetail) -> tuple:
    """One default per kind: choosing one clears the others (as Open Klant does)."""
    if not chosen.default:
        return details
    return tuple(
        dataclasses.replace(d, default=False) if d is not None and d.default and d.kind == chosen.kind else d
        for d in details
    )


def _fixed_address(c: Customer, field: str, v: WriteValues) -> Customer:
    """A change of the customer's e-mail, phone or mobile field."""
    current = m.digitaal_adres(c, field)
    for name in ("soortDigitaalAdres", "omschrijving", "referentie"):
        if name in v and v[name] != getattr(current, name):
            raise refuse(name, "Het CRM legt dit vast als een vast gegeven van dit adres.")
    changes: dict[str, Any] = {}
    if "adres" in v:
        changes[field] = v["adres"]
    if "verificatieDatum" in v:
        if field != "email" and v["verificatieDatum"] is not None:
            raise refuse("verificatieDatum", "Het CRM legt alleen van het e-mailadres een verificatie vast.")
        changes["email_verified_on"] = v["verificatieDatum"] if field == "email" else c.email_verified_on
    details = c.contact_details
    if v.get("isStandaardAdres"):
        kind = m.DETAIL_KIND_BY_SOORT[current.soortDigitaalAdres]
        details = tuple(
            dataclasses.replace(d, default=False) if d is not None and d.kind == kind else d for d in details
        )
        if field in ("phone", "mobile") and c.preferred_channel in ("phone", "mobile"):
            changes["preferred_channel"] = field
    elif "isStandaardAdres" in v and current.isStandaardAdres:
        raise refuse("isStandaardAdres", "Kies een ander adres als standaard; dan vervalt dit.")
    return dataclasses.replace(c, **changes, contact_details=details)


def _contact_fields(c: Contact, v: WriteValues) -> Contact:
    changes: dict[str, Any] = {}
    if "kanaal" in v:
        channel = m.channel_of(v["kanaal"])
        if channel is None:
            raise refuse("kanaal", "Deze naam van een kanaal gebruikt het CRM als code van een ander kanaal.")
        changes["channel"] = channel
    simple = {
        "onderwerp": "subject",
        "inhoud": "notes",
        "reactie": "answer",
        "indicatieContactGelukt": "successful",
        "taal": "language",
        "vertrouwelijk": "confidential",
        "plaatsgevondenOp": "at",
    }
    changes.update({field: v[name] for name, field in simple.items() if name in v})
    return dataclasses.replace(c, **changes)


def _participant_fields(p: Participant, v: WriteValues) -> Participant:
    changes: dict[str, Any] = {}
    if "wasPartij" in v:
        changes["customer"] = v["wasPartij"].key if v["wasPartij"] is not None else None
    if "rol" in v:
        changes["role"] = ROLE_BY_ROL[v["rol"]]
    if "initiator" in v:
        changes["initiated"] = v["initiator"]
    if "contactnaam" in v:
        changes.update(_contactnaam(v["contactnaam"]))
    if "organisatienaam" in v:
        changes["org_name"] = v["organisatienaam"]
    if "correspondentieadres" in v:
        changes["address"] = _address(v["correspondentieadres"], "correspondentieadres")
    return dataclasses.replace(p, **changes)


def _case(identificator: Mapping[str, Any] | None, register: str) -> CaseLink | None:
    """A zaak, as the CRM links cases: in the CRM's own zaak register, or in any client's known
    convention (`zgw-Zaak/openzaak/uuid` from KISS, ...: ADR 18), so that it reads back in every
    client's codes; None for anything else."""
    identificator = identificator or {}
    kind, object_id = identificator.get("codeSoortObjectId"), identificator.get("objectId", "")
    if identificator.get("codeObjecttype") == "zaak" and identificator.get("codeRegister") == register and object_id:
        if kind == "uuid":
            return CaseLink(zaaknummer="", zaak_uuid=object_id)
        return CaseLink(zaaknummer=object_id) if kind == "zaaknummer" else None
    parts = {part: identificator.get(part) or "" for part in ki.Identificator.model_fields}
    try:
        facts = conventions.facts_from(ki.Identificator(**parts))
    except ValueError:  # a value the model refuses is no zaak of any convention
        return None
    if isinstance(facts, ki.ZaakFacts):
        return CaseLink(zaaknummer=facts.identificatie, zaak_uuid=facts.uuid)
    return None


def _link(link: ObjectLink, identificator: Mapping[str, Any], previous: Any, keep: bool = False) -> ObjectLink:
    if keep:
        return dataclasses.replace(link, previous_contact=previous.key if previous is not None else None)
    return ObjectLink(
        register=identificator.get("codeRegister", ""),
        object_type=identificator.get("codeObjecttype", ""),
        id_kind=identificator.get("codeSoortObjectId", ""),
        object_id=identificator.get("objectId", ""),
        previous_contact=previous.key if previous is not None else None,
    )


def _document_id(identificator: Mapping[str, Any] | None) -> str:
    identificator = identificator or {}
    codes = (
        identificator.get("codeObjecttype"),
        identificator.get("codeRegister"),
        identificator.get("codeSoortObjectId"),
    )
    if codes != DOCUMENT_CODES or not identificator.get("objectId"):
        raise refuse("bijlageidentificator", "Het CRM koppelt alleen documenten (informatieobject, open-zaak, uuid).")
    return identificator["objectId"]


def _staff_fields(s: Staff, v: WriteValues) -> Staff:
    changes: dict[str, Any] = {}
    if "naam" in v:
        changes["display_name" if isinstance(s, Employee) else "name"] = v["naam"]
    if "indicatieActief" in v:
        if isinstance(s, Employee):
            changes["active"] = v["indicatieActief"]
        elif not v["indicatieActief"]:
            raise refuse("indicatieActief", "Het CRM kent alleen inactieve medewerkers.")
    if "actoridentificator" in v:
        found = v["actoridentificator"] or {}
        changes["identity"] = (
            ExternalId(
                found.get("codeRegister", ""),
                found.get("codeObjecttype", ""),
                found.get("codeSoortObjectId", ""),
                found.get("objectId", ""),
            )
            if any(found.values())
            else None
        )
    if "actorIdentificatie" in v:
        identificatie = v["actorIdentificatie"] or {}
        if identificatie.get("faxnummer"):
            raise refuse("actorIdentificatie.faxnummer", "Het CRM legt geen faxnummer vast.")
        names = {"functie": "function", "emailadres": "email", "telefoonnummer": "phone", "omschrijving": "description"}
        fields = {f.name for f in dataclasses.fields(s)}
        for name, field in names.items():
            if field in fields:
                changes[field] = identificatie.get(name, "")
            elif identificatie.get(name):
                raise refuse(f"actorIdentificatie.{name}", "Het CRM legt dit voor deze soort actor niet vast.")
    return dataclasses.replace(s, **changes)


def _task_fields(t: Task, v: WriteValues) -> Task:
    changes: dict[str, Any] = {}
    if "aanleidinggevendKlantcontact" in v:
        changes["contact"] = v["aanleidinggevendKlantcontact"].key
    if "gevraagdeHandeling" in v:
        changes["action"] = v["gevraagdeHandeling"]
    if "toelichting" in v:
        changes["note"] = v["toelichting"]
    if "toegewezenAanActoren" in v:
        changes["assignees"] = tuple(ref.key for ref in v["toegewezenAanActoren"])
    status = m.STATUS_BY_KI[v["status"]] if "status" in v else t.status
    changes["status"] = status
    if status == "done":
        # as Open Klant: handled when it becomes `verwerkt`, unless the client says when
        changes["done_at"] = v.get("afgehandeldOp") or (t.done_at if t.status == "done" else None) or _now()
    else:
        changes["done_at"] = None
    return dataclasses.replace(t, **changes)
