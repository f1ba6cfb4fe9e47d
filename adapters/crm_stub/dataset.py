"""Read a CRM dataset from JSON and check it the way the CRM's own database constraints would.

The JSON mirrors the native records of `mapping/crm_records.py` field by field (empty fields may be left out;
a category membership's dates are spelled `from`/`to`). Checks are about integrity (ids,
references, identifier formats), so that the CRM's indexes and the mapping can rely on them;
error messages name the record, never an identifier's value (a BSN is personal data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from mapping.codes import eleven_test
from mapping.crm_records import (
    CHANNELS,
    Address,
    BankAccount,
    CaseLink,
    Category,
    CategoryMembership,
    Contact,
    Customer,
    Dataset,
    Department,
    DocumentLink,
    Employee,
    Participant,
    SystemUser,
    Task,
    rows,
)

BUNDLED = Path(__file__).parent / "data"
DEMO = BUNDLED / "demo.json"

PHONE = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
POSTCODE = re.compile(r"^[1-9][0-9]{3} [A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
# Id shapes keep every derived Klantinteracties key within 15 bytes (see mapping/crm.py).
CUSTOMER_NUMBER = re.compile(r"^[0-9]{6}$")
RECORD_ID = re.compile(r"^[0-9]{6,7}$")
STAFF_ID = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
MAX_LINKS = 99


class DatasetError(ValueError):
    """The dataset breaks one of the CRM's constraints."""


def load(path: str | Path = DEMO) -> Dataset:
    """The dataset in the JSON file at `path` (default: the bundled demo)."""
    with Path(path).open(encoding="utf-8") as handle:
        return from_dict(json.load(handle))


def from_dict(raw: Mapping[str, Any]) -> Dataset:
    """A validated `Dataset` from its JSON form (also used for datasets generated in memory)."""
    _no_unknown(raw, Dataset, "dataset")
    data = Dataset(
        name=str(raw.get("name", "")),
        categories=_all(raw, "categories", lambda r, w: _record(Category, r, w)),
        departments=_all(raw, "departments", lambda r, w: _record(Department, r, w)),
        employees=_all(raw, "employees", lambda r, w: _record(Employee, r, w)),
        system_users=_all(raw, "system_users", lambda r, w: _record(SystemUser, r, w)),
        customers=_all(raw, "customers", _customer),
        contacts=_all(raw, "contacts", _contact),
        tasks=_all(raw, "tasks", _task),
    )
    validate(data)
    return data


# --- parsing ---------------------------------------------------------------------------------

T = TypeVar("T")


def _no_unknown(raw: Mapping[str, Any], cls: type, where: str, renamed: Mapping[str, str] | None = None) -> None:
    known = {f.name for f in dataclasses.fields(cls)} | set(renamed or {})
    if unknown := sorted(set(raw) - known):
        raise DatasetError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _record(cls: type[T], raw: Mapping[str, Any], where: str, **nested: Any) -> T:
    _no_unknown(raw, cls, where)
    try:
        return cls(**{**raw, **nested})
    except TypeError as exc:
        raise DatasetError(f"{where}: {exc}") from None


def _all(raw: Mapping[str, Any], name: str, parse: Callable[[Mapping[str, Any], str], T]) -> tuple[T, ...]:
    return tuple(parse(item, f"{name}[{i}]") for i, item in enumerate(raw.get(name, [])))


def _address(raw: Mapping[str, Any] | None, where: str) -> Address | None:
    return None if raw is None else _record(Address, raw, where)


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _datetime(value: str | None, where: str) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise DatasetError(f"{where}: date-time without a time zone")
    return moment


def _customer(raw: Mapping[str, Any], where: str) -> Customer:
    where = f"customer {raw.get('number', where)}"
    memberships = []
    for item in raw.get("categories", []):
        _no_unknown(item, CategoryMembership, where, {"id": "", "from": "", "to": ""})
        memberships.append(CategoryMembership(item["id"], _date(item.get("from")), _date(item.get("to"))))
    return _record(
        Customer,
        raw,
        where,
        visit_address=_address(raw.get("visit_address"), where),
        postal_address=_address(raw.get("postal_address"), where),
        email_verified_on=_date(raw.get("email_verified_on")),
        represents=tuple(raw.get("represents", ())),
        categories=tuple(memberships),
        bank_accounts=tuple(_record(BankAccount, b, where) for b in raw.get("bank_accounts", [])),
    )


def _contact(raw: Mapping[str, Any], where: str) -> Contact:
    where = f"contact {raw.get('id', where)}"
    participants = tuple(
        _record(Participant, p, where, address=_address(p.get("address"), where)) for p in raw.get("participants", [])
    )
    return _record(
        Contact,
        raw,
        where,
        at=_datetime(raw.get("at"), where),
        participants=participants,
        handled_by=tuple(raw.get("handled_by", ())),
        cases=tuple(_record(CaseLink, c, where) for c in raw.get("cases", [])),
        documents=tuple(_record(DocumentLink, d, where) for d in raw.get("documents", [])),
    )


def _task(raw: Mapping[str, Any], where: str) -> Task:
    where = f"task {raw.get('id', where)}"
    return _record(
        Task,
        raw,
        where,
        assigned_at=_datetime(raw.get("assigned_at"), where),
        done_at=_datetime(raw.get("done_at"), where),
        assignees=tuple(raw.get("assignees", ())),
    )


# --- checks ----------------------------------------------------------------------------------


def _check(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise DatasetError(f"{where}: {problem}")


def _unique(ids: Iterable[str], what: str) -> set[str]:
    seen: set[str] = set()
    for value in ids:
        _check(value not in seen, f"{what} {value}", "duplicate id")
        seen.add(value)
    return seen


def validate(data: Dataset) -> None:
    """Raise `DatasetError` for the first broken constraint."""
    categories = _unique((c.id for c in data.categories), "category")
    departments = _unique((d.id for d in data.departments), "department")
    staff = _unique([*(e.id for e in data.employees), *departments, *(s.id for s in data.system_users)], "staff member")
    for member in (*data.employees, *data.departments, *data.system_users):
        check_staff(member, departments)
    customers = {c.number: c for c in data.customers}
    _unique((c.number for c in data.customers), "customer")
    seen_identifiers: set[tuple[str, str]] = set()
    for customer in data.customers:
        check_customer(customer, customers, categories)
        for pair in customer.identifiers().items():
            _check(pair not in seen_identifiers, f"customer {customer.number}", f"{pair[0]} held by another customer")
            seen_identifiers.add(pair)
    contacts = {c.id: c for c in data.contacts}
    _unique((c.id for c in data.contacts), "contact")
    _unique((c.reference for c in data.contacts), "contact reference")
    for contact in data.contacts:
        check_contact(contact, customers, contacts, staff)
    _unique((t.id for t in data.tasks), "task")
    for task in data.tasks:
        check_task(task, contacts, staff)


def check_staff(member: Employee | Department | SystemUser, departments: Collection[str]) -> None:
    where = f"staff member {member.id}"
    _check(bool(STAFF_ID.match(member.id)), where, "id must be a letter and 1-5 more")
    if isinstance(member, Employee):
        _check(member.department is None or member.department in departments, where, "unknown department")
        _check(bool(member.full_name), where, "an employee needs a name")
    if isinstance(member, Employee | Department):
        _check(not member.phone or bool(PHONE.match(member.phone)), where, "invalid phone number")


def _check_address(address: Address | None, where: str) -> None:
    if address is None:
        return
    _check(not address.postcode or bool(POSTCODE.match(address.postcode)), where, "postcode must look like 1234 AB")
    _check(not address.bag_id or bool(re.fullmatch(r"[0-9]{16}", address.bag_id)), where, "BAG id must be 16 digits")
    _check(bool(re.fullmatch(r"[A-Z]{2}", address.country)), where, "country must be an ISO 3166 alpha-2 code")


def check_customer(c: Customer, customers: Mapping[str, Customer], categories: set[str]) -> None:
    where = f"customer {c.number}"
    _check(bool(CUSTOMER_NUMBER.match(c.number)), where, "number must be 6 digits")
    _check(c.kind in ("person", "organisation", "contact_person"), where, "unknown kind")
    # names are optional: a customer may be known by an identifier only (registered without consent)
    if c.kind == "organisation":
        _check(not c.bsn, where, "an organisation has no BSN")
    else:
        _check(not (c.kvk or c.rsin or c.vestigingsnummer), where, "a person has no KvK, RSIN or vestigingsnummer")
    if c.kind == "contact_person":
        _check(not c.bsn, where, "a contact person has no identifiers")
        works_for = customers.get(c.works_for or "")
        _check(works_for is not None and works_for.kind == "organisation", where, "works_for must be an organisation")
    else:
        _check(c.works_for is None, where, "only a contact person works for an organisation")
    _check(not c.bsn or eleven_test(c.bsn), where, "BSN fails the eleven test")
    _check(not c.rsin or eleven_test(c.rsin), where, "RSIN fails the eleven test")
    _check(not c.kvk or bool(re.fullmatch(r"[0-9]{8}", c.kvk)), where, "KvK number must be 8 digits")
    _check(
        not c.vestigingsnummer or bool(re.fullmatch(r"[0-9]{12}", c.vestigingsnummer)), where, "bad vestigingsnummer"
    )
    if c.branch_of is not None:
        parent = customers.get(c.branch_of)
        _check(bool(c.vestigingsnummer) and not c.kvk, where, "branch_of is for a branch without its own KvK number")
        _check(parent is not None and bool(parent.kvk), where, "branch_of must be a customer with a KvK number")
    for field in ("phone", "mobile"):
        value = getattr(c, field)
        _check(not value or bool(PHONE.match(value)), where, f"invalid {field} number")
    _check(not c.email or bool(EMAIL.match(c.email)), where, "invalid e-mail address")
    _check(c.email_verified_on is None or bool(c.email), where, "a verified e-mail address needs an address")
    _check(c.preferred_channel is None or bool(getattr(c, c.preferred_channel)), where, "preferred channel is empty")
    _check_address(c.visit_address, where)
    _check_address(c.postal_address, where)
    _check(len(c.represents) == len(set(c.represents)), where, "represents a customer twice")
    for other in c.represents:
        _check(other in customers and other != c.number, where, f"represents unknown customer {other}")
    for _, membership in rows(c.categories):
        _check(membership.category in categories, where, f"unknown category {membership.category}")
    for _, detail in rows(c.contact_details):
        check = EMAIL if detail.kind == "email" else PHONE if detail.kind == "phone" else None
        _check(check is None or bool(check.match(detail.value)), where, f"invalid {detail.kind} detail")
    longest = max(len(c.categories), len(c.bank_accounts), len(c.contact_details))
    _check(longest <= MAX_LINKS, where, "too many categories, accounts or contact details")


def check_contact(c: Contact, customers: Mapping[str, Customer], contacts: Mapping[str, Contact], staff: set[str]):
    where = f"contact {c.id}"
    _check(bool(RECORD_ID.match(c.id)), where, "id must be 6 or 7 digits")
    _check(isinstance(c.at, dt.datetime), where, "a contact needs `at`")
    # a code, or the name of a channel the CRM has no code for (written through the API)
    _check(c.channel in CHANNELS or 0 < len(c.channel) <= 50, where, "channel must be a code or a name")
    _check(0 < len(c.reference) <= 10, where, "reference must be 1-10 characters")
    longest = max(len(c.participants), len(c.cases), len(c.documents), len(c.links))
    _check(longest <= MAX_LINKS, where, "too many links")
    for _, p in rows(c.participants):
        _check(p.customer is None or p.customer in customers, where, f"unknown participant {p.customer}")
        _check(p.role in ("customer", "representative"), where, "unknown participant role")
        _check(not p.phone or bool(PHONE.match(p.phone)), where, "invalid participant phone number")
        _check(not p.email or bool(EMAIL.match(p.email)), where, "invalid participant e-mail address")
        _check_address(p.address, where)
    for actor in c.handled_by:
        _check(actor in staff, where, f"handled by unknown staff member {actor}")
    _check(len(c.handled_by) == len(set(c.handled_by)), where, "handled twice by one staff member")
    for _, case in rows(c.cases):
        _check(bool(case.ref), where, "a case needs a zaaknummer or zaak_uuid")
    if c.follows_up is not None:
        _check(c.follows_up in contacts and c.follows_up != c.id, where, "follows up an unknown contact")
    for _, link in rows(c.links):
        previous = link.previous_contact
        _check(previous is None or (previous in contacts and previous != c.id), where, "links an unknown contact")


def check_task(t: Task, contacts: Mapping[str, Contact], staff: set[str]) -> None:
    where = f"task {t.id}"
    _check(bool(RECORD_ID.match(t.id)), where, "id must be 6 or 7 digits")
    _check(t.contact in contacts, where, "unknown contact")
    _check(isinstance(t.assigned_at, dt.datetime), where, "a task needs `assigned_at`")
    _check(t.status in ("open", "done"), where, "status must be open or done")
    _check(bool(t.assignees), where, "a task is assigned to someone")
    for assignee in t.assignees:
        _check(assignee in staff, where, f"assigned to unknown staff member {assignee}")
    _check(t.done_at is None or t.status == "done", where, "only a done task has done_at")
