"""Each check of the conformance kit fails on the defect it is there for, and passes a sound adapter.

The adapters with one defect each are in `defects.py`; the examples' broken copies
(tests/examples) show the same from an adapter package's own test run.
"""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import SecretStr

from facade.conformance import AdapterConformance, CheckFailed, Dataset, Write
from facade.conformance import checks as c
from facade.conformance.faults import FAULTS, failing_applications
from facade.conformance.kit import KitRun, Target

IN_MEMORY = "tests.conformance.defects:in_memory"
OVER_HTTP = "tests.conformance.defects:over_http"
TOKEN = "defects-token-0123456789"


CONTACT = Write(
    create={
        "kanaal": "telefoon",
        "onderwerp": "Nieuw",
        "inhoud": "Over de pas",
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": dt.datetime(2024, 5, 9, tzinfo=dt.UTC),
    },
    update={"onderwerp": "Gewijzigd"},
)
WRITES = Dataset(writes={"klantcontacten": CONTACT})


def run(check, *arguments, defect: str = "none", dataset: Dataset | None = None) -> None:
    kit = KitRun(Target(IN_MEMORY, lambda upstream: {"defect": defect}), None, dataset or Dataset())
    try:
        kit.run(check, *arguments)
    finally:
        kit.close()


@pytest.mark.parametrize(
    ("defect", "check", "arguments", "message"),
    [
        (
            "drops-a-match",
            c.filter_keeps_every_match,
            ("klantcontacten", "kanaal"),
            r"klantcontacten\?kanaal=telefoon drops records that match it: \['c3'\]",
        ),
        (
            "exact-ignores-value",
            c.exact_filter_answers_exactly,
            ("klantcontacten", "kanaal"),
            r"klantcontacten\?kanaal=telefoon is declared EXACT but answers records that do not match: \['c2'\]",
        ),
        (
            "exact-wrong-total",
            c.exact_filter_answers_exactly,
            ("partijen", "soortPartij"),
            r"partijen\?soortPartij=persoon in pages of 3: a page says total 4, there are 3",
        ),
        (
            "ignores-offset",
            c.paging_is_exhaustive,
            ("partijen",),
            r"partijen: the page at offset 2 repeats records read before \['p1', 'p2'\]",
        ),
        ("over-limit", c.paging_is_exhaustive, ("partijen",), r"partijen answered 3 records to limit 2"),
        ("unstable-order", c.declared_order_holds, ("partijen",), r"partijen lists its records in another order on a"),
        (
            "oldest-first",
            c.declared_order_holds,
            ("klantcontacten",),
            r"klantcontacten is declared ordered \(newest plaatsgevondenOp first\), but 'c3' \(2024-05-01 10:00:00"
            r"\+00:00\) comes before 'c2'",
        ),
        (
            "get-many-misses",
            c.keys_round_trip,
            ("partijen",),
            r"partijen: get_many does not give back listed keys \['p1'\]",
        ),
        (
            "key-too-long",
            c.keys_round_trip,
            ("partijen",),
            r"partijen: keys \['p3-with-a-long-key'\] fit none of its declared key formats \(text\)",
        ),
        (
            "dangling-reference",
            c.references_resolve,
            ("betrokkenen",),
            r"betrokkenen records refer to partijen that get_many does not know: \['p9'\]",
        ),
        (
            "undeclared-reference",
            c.references_resolve,
            ("klantcontacten",),
            r"klantcontacten 'c1' refers to internetaken 't1', a resource it does not declare",
        ),
        (
            "undeclared-reference",
            c.objects_fit_the_contract,
            ("klantcontacten",),
            r"klantcontacten 'c1' breaks the contract as served: \['leiddeTotInterneTaken', 0, 'uuid'\]: None for not",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " not in value and "\\" not in value else None,
)
def test_each_check_catches_its_defect(defect, check, arguments, message):
    with pytest.raises(CheckFailed, match=f"^tests.conformance.defects:in_memory: {message}"):
        run(check, *arguments, defect=defect)
    run(check, *arguments)  # the same check passes the sound adapter


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        ("write-not-read-back", r"after a create of klantcontacten, get_many does not give 'c4' back"),
        ("write-drops-a-field", r"a create of klantcontacten answers 'c4' without what was written to \['inhoud'\]"),
        ("delete-keeps-it", r"after a delete of klantcontacten 'c4', get_many still gives it"),
        ("second-delete-silent", r"a second delete of klantcontacten 'c4' does not raise ObjectGone"),
    ],
)
def test_the_write_check_catches(defect, message):
    with pytest.raises(CheckFailed, match=message):
        run(c.declared_writes_round_trip, "klantcontacten", defect=defect, dataset=WRITES)
    run(c.declared_writes_round_trip, "klantcontacten", dataset=WRITES)


def test_a_resource_losing_records_fails_on_the_dataset_count():
    with pytest.raises(CheckFailed, match="partijen lists 3 records; the dataset holds 4"):
        run(c.lists_its_records, "partijen", dataset=Dataset(records={"partijen": 4}))


class TestTheSoundAdapterPassesEveryCheck(AdapterConformance):
    kind = IN_MEMORY
    speaks_http = False
    dataset = Dataset(
        records={"partijen": 3, "partij-identificatoren": 2, "klantcontacten": 3, "betrokkenen": 3},
        writes={"klantcontacten": CONTACT},
    )


# --- failures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def applications():
    with failing_applications() as urls:
        yield urls


def fail(applications, failing: str, fault: str) -> None:
    target = Target(OVER_HTTP, lambda upstream: {"base_url": upstream, "token": SecretStr(TOKEN), "failing": failing})
    kit = KitRun(target, None, Dataset())
    try:
        kit.run(c.failure_is_closed_and_clean, "partijen", fault, upstream=applications[fault])
    finally:
        kit.close()


@pytest.mark.parametrize("fault", FAULTS)
def test_an_adapter_that_fails_well_passes(applications, fault):
    fail(applications, "well", fault)


@pytest.mark.parametrize(
    ("failing", "fault", "message"),
    [
        ("quoting-the-answer", "status-500", "list partijen.* answers 500 .*: its error text holds a BSN"),
        ("quoting-the-answer", "status-401", "list partijen.* answers 401 .*: its error text holds a BSN"),
        ("raising-httpx", "status-500", "raises HTTPStatusError, outside the closed set: raise SourceUnavailable"),
        ("answering-empty", "status-401", "answers as if nothing were wrong: raise a SourceError"),
        ("answering-empty", "unreachable", "nothing listens on its port answers as if nothing were wrong"),
        ("logging-the-url", "status-500", r"list partijen.* \(its log\) against .*: its error text holds a BSN"),
    ],
)
def test_the_failure_check_catches(applications, failing, fault, message):
    with pytest.raises(CheckFailed, match=message):
        fail(applications, failing, fault)
