"""The fake CRM itself: its datasets, generator and native query API."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

from adapters.crm_stub import dataset
from adapters.crm_stub.crm import Crm
from adapters.crm_stub.dataset import DatasetError, eleven_test
from adapters.crm_stub.generate import generate
from adapters.crm_stub.story import HENK_BSN
from mapping.crm_records import CHANNELS

PHONE = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
POSTCODE = re.compile(r"^[1-9][0-9]{3} [A-Z]{2}$")
BUNDLED = {"demo": (150, 250, 1), "second": (27, 57, 2)}


@pytest.fixture(scope="module")
def demo() -> dataset.Dataset:
    return dataset.load()


@pytest.fixture
def crm(demo: dataset.Dataset) -> Crm:
    return Crm(demo)


# --- datasets --------------------------------------------------------------------------------


def test_eleven_test() -> None:
    assert eleven_test(HENK_BSN)
    assert eleven_test("111222333")
    assert not eleven_test("123456789")
    assert not eleven_test("99999365")
    assert not eleven_test("000000000")


@pytest.mark.parametrize("profile", sorted(BUNDLED))
def test_bundled_dataset_is_the_generator_output(profile: str) -> None:
    """The committed files are exactly what `generate` makes, so regenerating changes nothing."""
    path = dataset.BUNDLED / f"{profile}.json"
    customers, contacts, seed = BUNDLED[profile]
    expected = json.loads(json.dumps(generate(customers, contacts, seed, profile)))
    assert json.loads(path.read_text(encoding="utf-8")) == expected
    assert path.stat().st_size < 1_000_000


def test_generator_is_deterministic() -> None:
    assert generate(40, 60, seed=7) == generate(40, 60, seed=7)
    assert generate(40, 60, seed=7) != generate(40, 60, seed=8)


@pytest.mark.parametrize("profile", sorted(BUNDLED))
def test_bundled_data_formats(profile: str) -> None:
    data = dataset.load(dataset.BUNDLED / f"{profile}.json")
    assert len(data.customers) >= 25 and len(data.contacts) >= 55
    for c in data.customers:
        assert not c.bsn or eleven_test(c.bsn)
        assert not c.rsin or eleven_test(c.rsin)
        assert not c.kvk or re.fullmatch(r"[0-9]{8}", c.kvk)
        assert not c.vestigingsnummer or re.fullmatch(r"[0-9]{12}", c.vestigingsnummer)
        assert all(PHONE.match(p) for p in (c.phone, c.mobile) if p)
        for address in (c.visit_address, c.postal_address):
            assert address is None or POSTCODE.match(address.postcode)
    for contact in data.contacts:
        assert len(contact.reference) <= 10
        assert all(PHONE.match(p.phone) for p in contact.participants if p.phone)
    generated = [c.bsn for c in data.customers if c.bsn and c.number[3:] > "100"]
    assert generated and all(bsn.startswith("9999") for bsn in generated)


def test_demo_has_enough_records_to_page(demo: dataset.Dataset) -> None:
    assert len(demo.customers) > 150 and len(demo.contacts) > 250 and len(demo.tasks) > 40
    assert {c.channel for c in demo.contacts} == set(CHANNELS)


def _raw() -> dict:
    return json.loads((dataset.BUNDLED / "second.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["customers"][0].update(bsn="999993654"), "BSN fails the eleven test"),
        (lambda d: d["customers"][0].update(colour="blue"), "unknown field(s) colour"),
        (lambda d: d["customers"][1].update(bsn=HENK_BSN), "bsn held by another customer"),
        (lambda d: d["customers"][0].update(phone="0800-1234"), "invalid phone number"),
        (lambda d: d["contacts"][0]["participants"].append({"customer": "123456"}), "unknown participant"),
        (lambda d: d["contacts"][0].update(follows_up="999999"), "follows up an unknown contact"),
        (lambda d: d["contacts"][0].update(at="2025-01-01T10:00:00"), "without a time zone"),
        (lambda d: d["tasks"][0].update(assignees=["NOBODY"]), "unknown staff member"),
        (lambda d: d["customers"].append({**d["customers"][0], "bsn": ""}), "duplicate id"),
    ],
)
def test_dataset_constraints(change, message: str) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(DatasetError, match=re.escape(message)) as caught:
        dataset.from_dict(raw)
    assert HENK_BSN not in str(caught.value) and "999993654" not in str(caught.value)


# --- the native API --------------------------------------------------------------------------


async def test_customers_by_number_and_identifier(crm: Crm) -> None:
    found = await crm.customers(["100003", "100001", "999999", "100001"])
    assert [c.number for c in found] == ["100001", "100003"]
    found = await crm.customers_by_identifiers([("bsn", HENK_BSN), ("kvk", "68750110"), ("rsin", HENK_BSN)])
    assert [c.number for c in found] == ["100001", "100002"]
    assert await crm.customers_by_identifiers([]) == []


async def test_search_customers_pages_with_total(crm: Crm, demo: dataset.Dataset) -> None:
    persons = sorted(c.number for c in demo.customers if c.kind == "person" and c.active)
    first = await crm.search_customers(kinds=["person"], active=True, limit=10)
    rest = await crm.search_customers(kinds=["person"], active=True, offset=10, limit=None)
    assert first.total == rest.total == len(persons)
    assert [c.number for c in first.items + rest.items] == persons
    assert (await crm.search_customers(kinds=[], limit=None)).total == 0
    assert (await crm.search_customers(identifier_kinds=["vestigingsnummer"], limit=None)).total == sum(
        1 for c in demo.customers if c.vestigingsnummer
    )
    both = await crm.search_customers(numbers=["100001", "100002"], identifiers=[("bsn", HENK_BSN)])
    assert [c.number for c in both.items] == ["100001"]


async def test_search_contacts_newest_first(crm: Crm, demo: dataset.Dataset) -> None:
    mine = [c for c in demo.contacts if any(p.customer in ("100003", "100005") for p in c.participants)]
    page = await crm.search_contacts(customers=["100003", "100005"], limit=None)
    assert page.total == len(mine) >= 3
    assert [c.id for c in page.items] == [c.id for c in sorted(mine, key=lambda c: (c.at, c.id), reverse=True)]
    everything = await crm.search_contacts(limit=None)
    assert everything.total == len(demo.contacts)
    assert [(c.at, c.id) for c in everything.items] == sorted(((c.at, c.id) for c in demo.contacts), reverse=True)
    second_page = await crm.search_contacts(offset=100, limit=100)
    assert second_page.items == everything.items[100:200] and second_page.total == len(demo.contacts)


async def test_search_contacts_by_case_channel_reference(crm: Crm, demo: dataset.Dataset) -> None:
    zaak = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"
    assert [c.id for c in (await crm.search_contacts(case=zaak)).items] == ["500003", "500002"]
    assert [c.id for c in (await crm.search_contacts(case="ZAAK-2025-0000456")).items] == ["500008"]
    # linked with a UUID: found by the UUID and by the zaaknummer alike
    assert [c.id for c in (await crm.search_contacts(case="ZAAK-2025-0000123")).items] == ["500003", "500002"]
    chats = await crm.search_contacts(channel="CHAT", limit=None)
    assert chats.total == sum(1 for c in demo.contacts if c.channel == "CHAT")
    assert [c.id for c in (await crm.search_contacts(reference="KC-00005")).items] == ["500005"]
    follow_ups = await crm.search_contacts(is_follow_up=True, customers=["100003"])
    assert [c.id for c in follow_ups.items] == ["500003"]


async def test_search_tasks(crm: Crm, demo: dataset.Dataset) -> None:
    open_kcc = await crm.search_tasks(assignees=["D01"], status="open", limit=None)
    expected = [t for t in demo.tasks if "D01" in t.assignees and t.status == "open"]
    assert open_kcc.total == len(expected) >= 2
    assert [t.id for t in open_kcc.items] == [
        t.id for t in sorted(expected, key=lambda t: (t.assigned_at, t.id), reverse=True)
    ]
    assert [t.id for t in (await crm.search_tasks(contacts=["500002", "500007"])).items] == ["700004", "700001"]
    assert (await crm.search_tasks(ids=["700001"], status="open")).total == 0
    assert [t.id for t in await crm.tasks(["700002", "nope"])] == ["700002"]


async def test_items_by_kind_and_target(crm: Crm) -> None:
    henk = await crm.customer_items(["bsn"], [HENK_BSN])
    assert [(i.owner, i.kind, i.target) for i in henk.items] == [("100001", "bsn", HENK_BSN)]
    participations = await crm.contact_items(["participant"], ["100003"], limit=None)
    assert [(i.owner, i.index) for i in participations.items] == [("500002", 0), ("500003", 0)]
    first = await crm.contact_items(["case", "follow_up"], limit=5)
    everything = await crm.contact_items(["case", "follow_up"], limit=None)
    assert first.items == everything.items[:5] and first.total == everything.total
    assert everything.items == sorted(everything.items, key=lambda i: (i.owner, i.kind != "case", i.index))


async def test_staff_and_reference_data(crm: Crm) -> None:
    assert [s.id for s in await crm.staff(["SYS01", "E014", "D03", "X"])] == ["D03", "E014", "SYS01"]
    assert [e.id for e in await crm.employees()][:2] == ["E001", "E002"]
    assert [d.id for d in await crm.departments(["D07"])] == ["D07"]
    assert len(await crm.system_users()) == 3
    assert [c.name for c in await crm.categories(["CAT03"])] == ["Vereniging"]


async def test_every_call_is_counted(crm: Crm) -> None:
    await crm.customers(["100001"])
    await crm.customers(["100002"])
    await crm.search_contacts(channel="PHONE")
    assert crm.calls == {"customers": 2, "search_contacts": 1}
    crm.reset_calls()
    assert sum(crm.calls.values()) == 0


async def test_latency_is_applied_per_call(demo: dataset.Dataset) -> None:
    crm = Crm(demo, latency=0.05)
    started = time.perf_counter()
    await crm.customers(["100001"])
    assert time.perf_counter() - started >= 0.05
    started = time.perf_counter()
    await asyncio.gather(*(crm.contacts(["500001"]) for _ in range(10)))
    assert time.perf_counter() - started < 0.4  # concurrent calls overlap, as on a network


def test_lookups_cost_the_result_not_the_dataset() -> None:
    """A by-customer search on 100,000 contacts is as fast as on a small CRM (indexes, no scans)."""
    small = Crm(dataset.from_dict(generate(200, 1_000, seed=3)))
    large = Crm(dataset.from_dict(generate(5_000, 100_000, seed=3)))

    def per_query(crm: Crm) -> float:
        loop = asyncio.new_event_loop()
        try:
            started = time.perf_counter()
            for number in ("100101", "100102", "100103", "100001", "100003") * 40:
                loop.run_until_complete(crm.search_contacts(customers=[number], limit=100))
                loop.run_until_complete(crm.search_tasks(contacts=["500101", "500002"], limit=10))
            return (time.perf_counter() - started) / 200
        finally:
            loop.close()

    per_query(small)  # warm up
    # A scan of 100,000 contacts takes tens of milliseconds in Python; an index lookup far less.
    assert per_query(large) < max(10 * per_query(small), 0.003)
