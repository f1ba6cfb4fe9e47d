"""A fake municipal CRM: the query API a real CRM's REST API would offer over its native records.

Nothing here knows Klantinteracties. The records (`mapping/crm_records.py`) are what a typical
CRM stores (customers with flat contact fields, a contact log, tasks, staff), and the API is
what such a product exposes: batch reads by id, a few indexed searches, paged with a total.
`mapping/crm.py` turns the records into Klantinteracties objects; `adapter.py` decides which
native calls answer a query.

Every endpoint goes through `_endpoint`, which counts the call in `Crm.calls` and sleeps
`Crm.latency` seconds: tests count "upstream requests" with it, benchmarks simulate a network.
Searches use indexes built once at start-up, so a lookup costs O(result), not O(dataset).

Conventions of all searches: a filter of `None` means "no filter", an empty collection means
"matches nothing"; `limit=None` means "all" (used for relation lookups of one page of records).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Concatenate, Generic, ParamSpec, TypeVar

from adapters.crm_stub.dataset import DatasetError, check_contact, check_customer, check_staff, check_task
from mapping.crm_records import (
    CONTACT_ITEM_KINDS,
    CUSTOMER_ITEM_KINDS,
    Category,
    Contact,
    Customer,
    CustomerKind,
    Dataset,
    Department,
    Employee,
    IdentifierKind,
    Item,
    Staff,
    SystemUser,
    Task,
    TaskStatus,
    rows,
)

# --- query results ---------------------------------------------------------------------------

T = TypeVar("T")
S = TypeVar("S", Employee, Department, SystemUser)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int


def _customer_items(customer: Customer) -> Iterable[Item]:
    n = customer.number
    for kind, value in customer.identifiers().items():
        yield Item(n, kind, 0, value)
    for kind in ("email", "phone", "mobile"):
        if value := getattr(customer, kind):
            yield Item(n, kind, 0, value)
    yield from (Item(n, f"detail_{d.kind}", i, d.value) for i, d in rows(customer.contact_details))
    yield from (Item(n, "bank_account", i, a.iban) for i, a in rows(customer.bank_accounts))
    yield from (Item(n, "category", i, m.category) for i, m in rows(customer.categories))
    yield from (Item(n, "represents", i, other) for i, other in enumerate(customer.represents))


def _contact_items(contact: Contact) -> Iterable[Item]:
    c = contact.id
    for i, p in rows(contact.participants):
        yield Item(c, "participant", i, p.customer)
        if p.phone:
            yield Item(c, "participant_phone", i, p.phone)
        if p.email:
            yield Item(c, "participant_email", i, p.email)
    yield from (Item(c, "case", i, case.ref) for i, case in rows(contact.cases))
    if contact.follows_up:
        yield Item(c, "follow_up", 0, contact.follows_up)
    for i, link in rows(contact.links):
        yield Item(c, "link", i, link.object_id)
        if link.previous_contact:
            yield Item(c, "link_previous", i, link.previous_contact)
    yield from (Item(c, "document", i, d.document_uuid) for i, d in rows(contact.documents))
    yield from (Item(c, "handler", i, staff) for i, staff in enumerate(contact.handled_by))


def subject_ids(contact: Contact) -> set[str]:
    """The object ids a contact is about: its zaken's UUIDs and numbers, linked objects' ids, and ""
    for an onderwerpobject without one (a follow-up of an earlier contact)."""
    found = {ref for _, case in rows(contact.cases) for ref in case.refs()}
    found |= {link.object_id for _, link in rows(contact.links)}
    return found | ({""} if contact.follows_up else set())


class _ItemTable:
    """Item rows with indexes by kind and by (kind, target), in (owner, kind, index) order."""

    def __init__(self, rows: Iterable[Item], kinds: Sequence[str]):
        rank = {kind: i for i, kind in enumerate(kinds)}
        ordered = sorted(rows, key=lambda r: (r.owner, rank[r.kind], r.index))
        self._position = {row: i for i, row in enumerate(ordered)}
        self._by_kind: dict[str, list[Item]] = defaultdict(list)
        self._by_target: dict[tuple[str, str | None], list[Item]] = defaultdict(list)
        for row in ordered:
            self._by_kind[row.kind].append(row)
            self._by_target[(row.kind, row.target)].append(row)

    def select(self, kinds: Collection[str], targets: Collection[str | None] | None) -> list[Item]:
        if targets is None:
            groups = [self._by_kind.get(kind, []) for kind in kinds]
        else:
            groups = [self._by_target.get((kind, target), []) for kind in kinds for target in set(targets)]
        found = [row for group in groups for row in group]
        return found if len(groups) == 1 else sorted(found, key=self._position.__getitem__)


def _page(items: Sequence[T], offset: int, limit: int | None) -> Page[T]:
    end = None if limit is None else offset + limit
    return Page(list(items[offset:end]), len(items))


def _narrow(universe: Sequence[str], candidates: Sequence[list[str] | None], rank: dict[str, int]) -> list[str]:
    """The smallest candidate list (or the whole universe), in canonical order, before predicates."""
    given = [c for c in candidates if c is not None]
    if not given:
        return list(universe)
    smallest = min(given, key=len)
    return sorted(set(smallest), key=rank.__getitem__)


def _union(index: dict[str, list[str]], values: Collection[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [key for value in set(values) for key in index.get(value, [])]


# --- the API ---------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")


def _endpoint(method: Callable[Concatenate[Crm, P], R]) -> Callable[Concatenate[Crm, P], Awaitable[R]]:
    """Make `method` a remote call: counted in `calls`, delayed by `latency`."""

    @functools.wraps(method)
    async def call(self: Crm, *args: P.args, **kwargs: P.kwargs) -> R:
        self.calls[method.__name__] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        return method(self, *args, **kwargs)

    return call


class Crm:
    """The CRM's API over one dataset: queries, and writes into memory (the file is never changed)."""

    def __init__(self, data: Dataset, latency: float = 0.0):
        self.name = data.name
        self.latency = latency
        self.calls: Counter[str] = Counter()
        self._categories = {c.id: c for c in data.categories}
        self._employees = {e.id: e for e in data.employees}
        self._departments = {d.id: d for d in data.departments}
        self._system_users = {s.id: s for s in data.system_users}
        self._index_customers(data.customers)
        self._index_contacts(data.contacts)
        self._index_tasks(data.tasks)

    def reset_calls(self) -> None:
        self.calls.clear()

    # indexes

    def _index_customers(self, customers: Iterable[Customer]) -> None:
        self._customers = {c.number: c for c in sorted(customers, key=lambda c: c.number)}
        self._customer_order = list(self._customers)
        self._customer_rank = {n: i for i, n in enumerate(self._customer_order)}
        self._customers_by_kind: dict[str, list[str]] = defaultdict(list)
        self._customers_by_active: dict[bool, list[str]] = defaultdict(list)
        self._customers_by_id_kind: dict[str, list[str]] = defaultdict(list)
        self._customers_by_identifier: dict[tuple[str, str], list[str]] = defaultdict(list)
        for n, c in self._customers.items():
            self._customers_by_kind[c.kind].append(n)
            self._customers_by_active[c.active].append(n)
            for kind, value in c.identifiers().items():
                self._customers_by_id_kind[kind].append(n)
                self._customers_by_identifier[(kind, value)].append(n)
        items = (item for c in self._customers.values() for item in _customer_items(c))
        self._customer_items = _ItemTable(items, CUSTOMER_ITEM_KINDS)

    def _index_contacts(self, contacts: Iterable[Contact]) -> None:
        newest_first = sorted(contacts, key=lambda c: (c.at, c.id), reverse=True)
        self._contacts = {c.id: c for c in newest_first}
        self._contact_order = list(self._contacts)
        self._contact_rank = {cid: i for i, cid in enumerate(self._contact_order)}
        self._contacts_by_customer: dict[str, list[str]] = defaultdict(list)
        self._contacts_by_case: dict[str, list[str]] = defaultdict(list)
        self._contacts_by_channel: dict[str, list[str]] = defaultdict(list)
        self._contacts_by_reference: dict[str, list[str]] = defaultdict(list)
        self._follow_ups: list[str] = []
        for cid, c in self._contacts.items():
            for customer in dict.fromkeys(p.customer for _, p in rows(c.participants) if p.customer):
                self._contacts_by_customer[customer].append(cid)
            for ref in sorted(subject_ids(c)):
                self._contacts_by_case[ref].append(cid)
            self._contacts_by_channel[c.channel].append(cid)
            self._contacts_by_reference[c.reference].append(cid)
            if c.follows_up:
                self._follow_ups.append(cid)
        items = (item for c in self._contacts.values() for item in _contact_items(c))
        self._contact_items = _ItemTable(items, CONTACT_ITEM_KINDS)

    def _index_tasks(self, tasks: Iterable[Task]) -> None:
        newest_first = sorted(tasks, key=lambda t: (t.assigned_at, t.id), reverse=True)
        self._tasks = {t.id: t for t in newest_first}
        self._task_order = list(self._tasks)
        self._task_rank = {tid: i for i, tid in enumerate(self._task_order)}
        self._tasks_by_contact: dict[str, list[str]] = defaultdict(list)
        self._tasks_by_assignee: dict[str, list[str]] = defaultdict(list)
        self._tasks_by_status: dict[str, list[str]] = defaultdict(list)
        for tid, t in self._tasks.items():
            self._tasks_by_contact[t.contact].append(tid)
            self._tasks_by_status[t.status].append(tid)
            for assignee in dict.fromkeys(t.assignees):
                self._tasks_by_assignee[assignee].append(tid)

    # customers

    @_endpoint
    def customers(self, numbers: Collection[str]) -> list[Customer]:
        """Customers by number (batch), in number order; unknown numbers are left out."""
        return [self._customers[n] for n in sorted(set(numbers)) if n in self._customers]

    @_endpoint
    def customers_by_identifiers(self, identifiers: Collection[tuple[IdentifierKind, str]]) -> list[Customer]:
        """Customers holding any of these (identifier kind, value) pairs (batch), in number order."""
        found = {n for pair in identifiers for n in self._customers_by_identifier.get(pair, [])}
        return [self._customers[n] for n in sorted(found)]

    @_endpoint
    def search_customers(
        self,
        *,
        numbers: Collection[str] | None = None,
        kinds: Collection[CustomerKind] | None = None,
        active: bool | None = None,
        identifiers: Collection[tuple[IdentifierKind, str]] | None = None,
        identifier_kinds: Collection[IdentifierKind] | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> Page[Customer]:
        """Customers matching every given filter, in number order, paged with the total."""
        found = _narrow(
            self._customer_order,
            [
                None if numbers is None else [n for n in numbers if n in self._customers],
                _union(self._customers_by_kind, kinds),
                None if active is None else self._customers_by_active.get(active, []),
                None
                if identifiers is None
                else [n for p in identifiers for n in self._customers_by_identifier.get(p, [])],
                _union(self._customers_by_id_kind, identifier_kinds),
            ],
            self._customer_rank,
        )
        pairs = None if identifiers is None else set(identifiers)

        def keep(c: Customer) -> bool:
            held = c.identifiers()
            return (
                (numbers is None or c.number in numbers)
                and (kinds is None or c.kind in kinds)
                and (active is None or c.active == active)
                and (pairs is None or any(pair in pairs for pair in held.items()))
                and (identifier_kinds is None or any(kind in identifier_kinds for kind in held))
            )

        return _page([c for n in found if keep(c := self._customers[n])], offset, limit)

    @_endpoint
    def customer_items(
        self,
        kinds: Collection[str],
        targets: Collection[str] | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
    ) -> Page[Item]:
        """Rows of the customers' sub-collections (identifiers, addresses, accounts, ...), by kind and target."""
        return _page(self._customer_items.select(kinds, targets), offset, limit)

    # contacts

    @_endpoint
    def contacts(self, ids: Collection[str]) -> list[Contact]:
        """Contacts by id (batch), newest first; unknown ids are left out."""
        found = [cid for cid in set(ids) if cid in self._contacts]
        return [self._contacts[cid] for cid in sorted(found, key=self._contact_rank.__getitem__)]

    @_endpoint
    def search_contacts(
        self,
        *,
        customers: Collection[str] | None = None,
        case: str | None = None,
        channel: str | None = None,
        reference: str | None = None,
        is_follow_up: bool | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> Page[Contact]:
        """Contacts matching every filter, newest first (`at`, then id, descending), paged with the total.

        `customers`: contacts in which any of them took part; `case`: an id the contact is about
        (a zaak's UUID or number, a linked object's id, or "" for an
        earlier contact it answers); `is_follow_up`: whether it follows up another.
        """
        found = _narrow(
            self._contact_order,
            [
                _union(self._contacts_by_customer, customers),
                None if case is None else self._contacts_by_case.get(case, []),
                None if channel is None else self._contacts_by_channel.get(channel, []),
                None if reference is None else self._contacts_by_reference.get(reference, []),
                self._follow_ups if is_follow_up else None,
            ],
            self._contact_rank,
        )

        def keep(c: Contact) -> bool:
            return (
                (customers is None or any(p.customer in customers for _, p in rows(c.participants)))
                and (case is None or case in subject_ids(c))
                and (channel is None or c.channel == channel)
                and (reference is None or c.reference == reference)
                and (is_follow_up is None or (c.follows_up is not None) == is_follow_up)
            )

        return _page([c for cid in found if keep(c := self._contacts[cid])], offset, limit)

    @_endpoint
    def contact_items(
        self,
        kinds: Collection[str],
        targets: Collection[str] | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
    ) -> Page[Item]:
        """Rows of the contacts' sub-collections (participants, cases, documents, handlers, ...)."""
        return _page(self._contact_items.select(kinds, targets), offset, limit)

    # tasks

    @_endpoint
    def tasks(self, ids: Collection[str]) -> list[Task]:
        """Tasks by id (batch), newest first; unknown ids are left out."""
        found = [tid for tid in set(ids) if tid in self._tasks]
        return [self._tasks[tid] for tid in sorted(found, key=self._task_rank.__getitem__)]

    @_endpoint
    def search_tasks(
        self,
        *,
        ids: Collection[str] | None = None,
        contacts: Collection[str] | None = None,
        assignees: Collection[str] | None = None,
        status: TaskStatus | None = None,
        offset: int = 0,
        limit: int | None = 100,
    ) -> Page[Task]:
        """Tasks matching every filter, newest first (`assigned_at`, then id, descending), paged with the total."""
        found = _narrow(
            self._task_order,
            [
                None if ids is None else [t for t in ids if t in self._tasks],
                _union(self._tasks_by_contact, contacts),
                _union(self._tasks_by_assignee, assignees),
                None if status is None else self._tasks_by_status.get(status, []),
            ],
            self._task_rank,
        )

        def keep(t: Task) -> bool:
            return (
                (ids is None or t.id in ids)
                and (contacts is None or t.contact in contacts)
                and (assignees is None or any(a in assignees for a in t.assignees))
                and (status is None or t.status == status)
            )

        return _page([t for tid in found if keep(t := self._tasks[tid])], offset, limit)

    # staff and reference data: small tables, read whole or by id

    @_endpoint
    def staff(self, ids: Collection[str]) -> list[Staff]:
        """Employees, departments and system users by id (batch), in id order: who handled a contact."""
        tables: tuple[dict[str, Staff], ...] = (self._employees, self._departments, self._system_users)  # type: ignore[assignment]
        return [table[i] for i in sorted(set(ids)) for table in tables if i in table]

    @_endpoint
    def employees(self, ids: Collection[str] | None = None) -> list[Employee]:
        """Employees by id, or by the id another system knows them by (their `identity`)."""
        return _pick_staff(self._employees, ids)

    @_endpoint
    def employees_by_email(self, addresses: Collection[str]) -> list[Employee]:
        """Employees by work e-mail address (batch, case-insensitive), in id order (staff is a small table)."""
        wanted = {a.casefold() for a in addresses}
        return [e for _, e in sorted(self._employees.items()) if e.email and e.email.casefold() in wanted]

    @_endpoint
    def departments(self, ids: Collection[str] | None = None) -> list[Department]:
        return _pick_staff(self._departments, ids)

    @_endpoint
    def system_users(self, ids: Collection[str] | None = None) -> list[SystemUser]:
        return _pick_staff(self._system_users, ids)

    @_endpoint
    def categories(self, ids: Collection[str] | None = None) -> list[Category]:
        return _pick(self._categories, ids)

    # --- writes: what the CRM's REST API offers to create, replace and remove records ---------
    #
    # Every write is checked by the same constraints as a dataset (dataset.py), numbered by the
    # CRM itself, and indexed at once. `put_*` replaces a record read before: if it changed since
    # (`expected` is no longer current), `CrmConflict` asks the caller to read it again. A write
    # rebuilds the indexes of its table: O(records), simple, and fast enough for a stand-in
    # (~20 ms for the demo's contacts); a real CRM updates its indexes in place.

    @_endpoint
    def add_customer(self, customer: Customer) -> Customer:
        """Store a new customer under the next free number."""
        customer = dataclasses.replace(customer, number=_next_number(self._customers, 100001))
        self._store_customer(customer)
        return customer

    @_endpoint
    def put_customer(self, customer: Customer, expected: Customer) -> Customer:
        self._current(self._customers, customer.number, expected)
        self._store_customer(customer)
        return customer

    @_endpoint
    def remove_customer(self, number: str) -> None:
        """Remove a customer; contacts keep their participants, unknown from now on."""
        self._current(self._customers, number)
        if any(number in (c.works_for, c.branch_of) for c in self._customers.values()):
            raise CrmRefused(f"customer {number}: still the employer or company of another customer")
        customers = {n: c for n, c in self._customers.items() if n != number}
        for n, c in customers.items():
            if number in c.represents:
                customers[n] = dataclasses.replace(c, represents=tuple(r for r in c.represents if r != number))
        self._index_customers(customers.values())
        contacts = {cid: _without_customer(c, number) for cid, c in self._contacts.items()}
        self._index_contacts(contacts.values())

    @_endpoint
    def add_contact(self, contact: Contact) -> Contact:
        """Store a new contact under the next free id, with the next free reference."""
        number = int(_next_number(self._contacts, 500001))
        reference = max(
            (int(r[3:]) for r in self._contacts_by_reference if r.startswith("KC-") and r[3:].isdigit()), default=0
        )
        contact = dataclasses.replace(contact, id=str(number), reference=f"KC-{reference + 1:05d}")
        self._store_contact(contact)
        return contact

    @_endpoint
    def put_contact(self, contact: Contact, expected: Contact) -> Contact:
        self._current(self._contacts, contact.id, expected)
        self._store_contact(contact)
        return contact

    @_endpoint
    def remove_contact(self, contact_id: str) -> None:
        """Remove a contact with its tasks; other contacts that answer it answer nothing any more."""
        self._current(self._contacts, contact_id)
        contacts = [_without_previous(c, contact_id) for cid, c in self._contacts.items() if cid != contact_id]
        self._index_contacts(contacts)
        self._index_tasks(t for t in self._tasks.values() if t.contact != contact_id)
        customers = [_without_given_at(c, contact_id) for c in self._customers.values()]
        self._index_customers(customers)

    @_endpoint
    def add_task(self, task: Task) -> Task:
        task = dataclasses.replace(task, id=_next_number(self._tasks, 700001))
        self._store_task(task)
        return task

    @_endpoint
    def put_task(self, task: Task, expected: Task) -> Task:
        self._current(self._tasks, task.id, expected)
        self._store_task(task)
        return task

    @_endpoint
    def remove_task(self, task_id: str) -> None:
        self._current(self._tasks, task_id)
        self._index_tasks(t for tid, t in self._tasks.items() if tid != task_id)

    @_endpoint
    def add_staff(self, member: Staff) -> Staff:
        """Store a new employee (E...), department (D...) or system user (SYS...) under the next free id."""
        prefix, width = {Employee: ("E", 3), Department: ("D", 2), SystemUser: ("SYS", 2)}[type(member)]
        taken = {*self._employees, *self._departments, *self._system_users}
        number = 1 + max(
            (int(i[len(prefix) :]) for i in taken if i.startswith(prefix) and i[len(prefix) :].isdigit()), default=0
        )
        member = dataclasses.replace(member, id=f"{prefix}{number:0{width}d}")
        self._store_staff(member)
        return member

    @_endpoint
    def put_staff(self, member: Staff, expected: Staff) -> Staff:
        self._current(self._staff_table(member), member.id, expected)
        self._store_staff(member)
        return member

    @_endpoint
    def remove_staff(self, staff_id: str) -> None:
        """Remove a staff member; refused while it is the only assignee of a task."""
        table = next((t for t in (self._employees, self._departments, self._system_users) if staff_id in t), None)
        if table is None:
            raise CrmNotFound(f"staff member {staff_id} does not exist")
        if any(t.assignees == (staff_id,) for t in self._tasks.values()):
            raise CrmRefused(f"staff member {staff_id}: the only assignee of a task")
        if any(e.department == staff_id for e in self._employees.values()):
            raise CrmRefused(f"department {staff_id}: still has employees")
        del table[staff_id]
        self._index_tasks(
            dataclasses.replace(t, assignees=tuple(a for a in t.assignees if a != staff_id))
            for t in self._tasks.values()
        )
        self._index_contacts(
            dataclasses.replace(c, handled_by=tuple(h for h in c.handled_by if h != staff_id))
            for c in self._contacts.values()
        )

    @_endpoint
    def add_category(self, category: Category) -> Category:
        number = 1 + max((int(i[3:]) for i in self._categories if i[3:].isdigit()), default=0)
        category = dataclasses.replace(category, id=f"CAT{number:02d}")
        self._categories[category.id] = category
        return category

    @_endpoint
    def put_category(self, category: Category, expected: Category) -> Category:
        self._current(self._categories, category.id, expected)
        self._categories[category.id] = category
        return category

    @_endpoint
    def remove_category(self, category_id: str) -> None:
        self._current(self._categories, category_id)
        if any(m.category == category_id for c in self._customers.values() for _, m in rows(c.categories)):
            raise CrmRefused(f"category {category_id}: still has members")
        del self._categories[category_id]

    # write machinery

    @staticmethod
    def _current(table: dict[str, T], key: str, expected: T | None = None) -> T:
        found = table.get(key)
        if found is None:
            raise CrmNotFound(f"record {key} does not exist")
        if expected is not None and found is not expected:
            raise CrmConflict(f"record {key} changed since it was read")
        return found

    def _staff_table(self, member: Staff) -> dict[str, Staff]:
        return {Employee: self._employees, Department: self._departments, SystemUser: self._system_users}[type(member)]  # type: ignore[return-value]

    def _store_customer(self, customer: Customer) -> None:
        customers = {**self._customers, customer.number: customer}
        _refused_unless(lambda: check_customer(customer, customers, set(self._categories)))
        for pair in customer.identifiers().items():
            holders = [n for n in self._customers_by_identifier.get(pair, []) if n != customer.number]
            if holders:
                raise CrmRefused(f"customer {customer.number}: {pair[0]} held by another customer")
        self._index_customers(customers.values())

    def _store_contact(self, contact: Contact) -> None:
        contacts = {**self._contacts, contact.id: contact}
        staff = {*self._employees, *self._departments, *self._system_users}
        _refused_unless(lambda: check_contact(contact, self._customers, contacts, staff))
        if any(c.reference == contact.reference and c.id != contact.id for c in self._contacts.values()):
            raise CrmRefused(f"contact {contact.id}: reference held by another contact")
        self._index_contacts(contacts.values())

    def _store_task(self, task: Task) -> None:
        staff = {*self._employees, *self._departments, *self._system_users}
        _refused_unless(lambda: check_task(task, self._contacts, staff))
        self._index_tasks({**self._tasks, task.id: task}.values())

    def _store_staff(self, member: Staff) -> None:
        _refused_unless(lambda: check_staff(member, set(self._departments)))
        self._staff_table(member)[member.id] = member


class CrmNotFound(LookupError):
    """The record to change or remove does not exist."""


class CrmRefused(ValueError):
    """The CRM's constraints refuse a write; the message names the record, never a value."""


class CrmConflict(RuntimeError):
    """The record changed since it was read: read it again and retry."""


def _refused_unless(check: Callable[[], None]) -> None:
    try:
        check()
    except DatasetError as exc:
        raise CrmRefused(str(exc)) from None


def _next_number(table: Mapping[str, object], first: int) -> str:
    return str(max((int(key) for key in table if key.isdigit()), default=first - 1) + 1)


def _without_customer(contact: Contact, number: str) -> Contact:
    if not any(p.customer == number for _, p in rows(contact.participants)):
        return contact
    participants = tuple(
        dataclasses.replace(p, customer=None) if p is not None and p.customer == number else p
        for p in contact.participants
    )
    return dataclasses.replace(contact, participants=participants)


def _without_previous(contact: Contact, contact_id: str) -> Contact:
    links = tuple(
        dataclasses.replace(link, previous_contact=None)
        if link is not None and link.previous_contact == contact_id
        else link
        for link in contact.links
    )
    follows_up = None if contact.follows_up == contact_id else contact.follows_up
    return dataclasses.replace(contact, links=links, follows_up=follows_up)


def _without_given_at(customer: Customer, contact_id: str) -> Customer:
    if not any(d.given_at == contact_id for _, d in rows(customer.contact_details)):
        return customer
    details = tuple(
        dataclasses.replace(d, given_at=None, participant=None) if d is not None and d.given_at == contact_id else d
        for d in customer.contact_details
    )
    return dataclasses.replace(customer, contact_details=details)


def _pick(table: dict[str, T], ids: Collection[str] | None) -> list[T]:
    """All rows (ids None) or those with these ids, in id order."""
    keys = sorted(table) if ids is None else sorted(set(ids) & table.keys())
    return [table[k] for k in keys]


def _pick_staff(table: dict[str, S], ids: Collection[str] | None) -> list[S]:
    """Staff by the id their actoridentificator shows: another system's id if they have one, else the CRM's."""
    if ids is None:
        return _pick(table, None)
    wanted = set(ids)
    return [m for _, m in sorted(table.items()) if (m.identity.value if m.identity else m.id) in wanted]
