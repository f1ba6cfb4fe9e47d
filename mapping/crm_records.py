"""The CRM's native records: what a typical municipal CRM stores, as plain frozen dataclasses.

Nothing here knows Klantinteracties or any API: customers with flat contact fields, a contact
log, tasks and staff, and `Item`, one row of a customer's or contact's sub-collection (the CRM's
link tables). `mapping/crm.py` maps these records to Klantinteracties objects; the CRM stand-in
(`adapters/crm_stub/crm.py`) stores and queries them; `adapters/crm_stub/dataset.py` reads and
validates them from JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

CustomerKind = Literal["person", "organisation", "contact_person"]
IdentifierKind = Literal["bsn", "kvk", "vestigingsnummer", "rsin"]
IDENTIFIER_KINDS: tuple[IdentifierKind, ...] = ("bsn", "kvk", "vestigingsnummer", "rsin")
PreferredChannel = Literal["email", "phone", "mobile"]
CHANNELS = ("PHONE", "DESK", "EMAIL", "LETTER", "HOME_VISIT", "WEBFORM", "CHAT")
TaskStatus = Literal["open", "done"]

DetailKind = Literal["email", "phone", "other"]
DETAIL_KINDS: tuple[DetailKind, ...] = ("email", "phone", "other")

# Kinds of item rows (see `Item`), in the order they are listed within one owner.
CUSTOMER_ITEM_KINDS = (
    *IDENTIFIER_KINDS,
    "email",
    "phone",
    "mobile",
    *(f"detail_{kind}" for kind in DETAIL_KINDS),
    "bank_account",
    "category",
    "represents",
)
CONTACT_ITEM_KINDS = (
    "participant",
    "participant_phone",
    "participant_email",
    "case",
    "follow_up",
    "link",
    "link_previous",
    "document",
    "handler",
)

T = TypeVar("T")


def rows(table: Sequence[T | None]) -> Iterator[tuple[int, T]]:
    """(row number, row) of a sub-table's rows that were not removed.

    Rows of a record's sub-tables (its participants, accounts, ...) are numbered by position, and
    a removed row keeps its place as None: a row's number never changes, so neither does the key
    derived from it.
    """
    for index, row in enumerate(table):
        if row is not None:
            yield index, row


# --- native records --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    house_number: int | None = None
    addition: str = ""
    postcode: str = ""
    city: str = ""
    country: str = "NL"
    bag_id: str = ""


@dataclass(frozen=True, slots=True)
class CategoryMembership:
    category: str
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class BankAccount:
    iban: str
    bic: str = ""


@dataclass(frozen=True, slots=True)
class ContactDetail:
    """An e-mail address or telephone number of a customer beyond the three fixed fields."""

    kind: DetailKind
    value: str
    label: str = ""
    reference: str = ""
    verified_on: dt.date | None = None
    default: bool = False
    """The customer's default of its kind (one at most; it wins over a fixed field's default)."""
    given_at: str | None = None
    """The contact at which the customer gave it, if any ..."""
    participant: int | None = None
    """... as which participant of that contact."""


@dataclass(frozen=True, slots=True)
class ExternalId:
    """How another system (an identity provider, an HR system) identifies a staff member."""

    register: str
    object_type: str
    id_kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Customer:
    number: str
    kind: CustomerKind
    initials: str = ""
    first_name: str = ""
    prefix: str = ""
    last_name: str = ""
    org_name: str = ""
    bsn: str = ""
    kvk: str = ""
    vestigingsnummer: str = ""
    rsin: str = ""
    branch_of: str | None = None
    """For a branch (vestiging) without a KvK number of its own: the customer holding the KvK number."""
    visit_address: Address | None = None
    postal_address: Address | None = None
    email: str = ""
    email_verified_on: dt.date | None = None
    """When the customer confirmed the e-mail address (via a link the CRM sent)."""
    phone: str = ""
    mobile: str = ""
    preferred_channel: PreferredChannel | None = None
    language: str = "nld"
    confidential: bool | None = None
    active: bool = True
    note: str = ""
    works_for: str | None = None
    represents: tuple[str, ...] = ()
    categories: tuple[CategoryMembership | None, ...] = ()
    bank_accounts: tuple[BankAccount | None, ...] = ()
    contact_details: tuple[ContactDetail | None, ...] = ()

    def identifiers(self) -> dict[IdentifierKind, str]:
        """The register identifiers this customer holds, in a fixed order."""
        return {kind: value for kind in IDENTIFIER_KINDS if (value := getattr(self, kind))}


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Employee:
    id: str
    initials: str = ""
    first_name: str = ""
    prefix: str = ""
    last_name: str = ""
    function: str = ""
    email: str = ""
    phone: str = ""
    department: str | None = None
    active: bool = True
    display_name: str = ""
    """A name given as one text (the name parts left empty); shown instead of the parts."""
    identity: ExternalId | None = None

    @property
    def full_name(self) -> str:
        return self.display_name or " ".join(p for p in (self.first_name, self.prefix, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: str
    description: str = ""
    email: str = ""
    phone: str = ""
    identity: ExternalId | None = None


@dataclass(frozen=True, slots=True)
class SystemUser:
    """An automated actor, e.g. the intake of the general e-mail box."""

    id: str
    name: str
    function: str = ""
    description: str = ""
    identity: ExternalId | None = None


Staff = Employee | Department | SystemUser


@dataclass(frozen=True, slots=True)
class Participant:
    """Who took part in a contact: a known customer, or an unknown person with one-off details."""

    customer: str | None = None
    role: Literal["customer", "representative"] = "customer"
    initiated: bool = True
    initials: str = ""
    first_name: str = ""
    prefix: str = ""
    last_name: str = ""
    org_name: str = ""
    phone: str = ""
    email: str = ""
    address: Address | None = None
    phone_label: str = ""
    email_label: str = ""
    """How the participant described the one-off phone number or e-mail address, if at all."""

    @property
    def has_name(self) -> bool:
        return any((self.initials, self.first_name, self.prefix, self.last_name))


@dataclass(frozen=True, slots=True)
class CaseLink:
    zaaknummer: str
    zaak_uuid: str = ""

    @property
    def ref(self) -> str:
        """How the CRM names a case: by its UUID, or by number if it was linked without one."""
        return self.zaak_uuid or self.zaaknummer

    def refs(self) -> tuple[str, ...]:
        """Everything the CRM finds a case by: its UUID and its number."""
        return tuple(r for r in (self.zaak_uuid, self.zaaknummer) if r)


@dataclass(frozen=True, slots=True)
class DocumentLink:
    document_uuid: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class ObjectLink:
    """A link from a contact to an object in another system (a form submission, a case in another
    register), or to an earlier contact it answers."""

    register: str = ""
    object_type: str = ""
    id_kind: str = ""
    object_id: str = ""
    previous_contact: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    at: dt.datetime
    channel: str
    subject: str
    notes: str = ""
    answer: str = ""
    successful: bool | None = None
    confidential: bool = False
    language: str = "nld"
    reference: str = ""
    participants: tuple[Participant | None, ...] = ()
    handled_by: tuple[str, ...] = ()
    cases: tuple[CaseLink | None, ...] = ()
    documents: tuple[DocumentLink | None, ...] = ()
    follows_up: str | None = None
    links: tuple[ObjectLink | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    contact: str
    action: str
    assigned_at: dt.datetime
    status: TaskStatus = "open"
    note: str = ""
    assignees: tuple[str, ...] = ()
    done_at: dt.datetime | None = None


@dataclass(frozen=True)
class Dataset:
    """Everything one CRM holds; `adapters/crm_stub/dataset.py` reads and validates it from JSON."""

    name: str
    categories: tuple[Category, ...] = ()
    departments: tuple[Department, ...] = ()
    employees: tuple[Employee, ...] = ()
    system_users: tuple[SystemUser, ...] = ()
    customers: tuple[Customer, ...] = ()
    contacts: tuple[Contact, ...] = ()
    tasks: tuple[Task, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One row of a customer's or contact's sub-collection (the CRM's link tables).

    `target` is what the row points at or holds: an identifier value, an e-mail address, an
    IBAN, a category id, a represented customer, a participant's customer, a case ref, the
    previous contact, a document UUID or a staff id.
    """

    owner: str
    kind: str
    index: int
    target: str | None
