"""What the adapter asks its upstream: pages, filters in the upstream's dialect, trust in counts."""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import pytest
import respx

from adapters.klantinteracties.paging import plan_pages
from adapters.protocol import ListQuery, SourceRejected
from adapters.registry import InvalidAdapterSettings, create_adapter
from tests.conftest import TOKEN
from tests.klantinteracties.federation import UPSTREAM_TOKEN_ENV

BASE = "http://openklant.example/klantinteracties/api/v1"
K1, K2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


@pytest.fixture(autouse=True)
def upstream_token(monkeypatch):
    monkeypatch.setenv(UPSTREAM_TOKEN_ENV, TOKEN)


@pytest.fixture
def router():
    """The upstream, mocked for the whole test (its call log lives until the test ends)."""
    mocked = respx.mock(base_url=BASE)
    mocked.start()
    yield mocked
    mocked.stop()


def adapter(**settings):
    return create_adapter("klantinteracties", {"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, **settings})


def page(results: list[dict], count: int | None = None, version: str = "0.9.0") -> httpx.Response:
    body = {"count": len(results) if count is None else count, "next": None, "previous": None, "results": results}
    return httpx.Response(200, json=body, headers={"API-version": version})


def contact(key: str, when: str) -> dict:
    return {
        "uuid": key,
        "url": f"{BASE}/klantcontacten/{key}",
        "kanaal": "telefoon",
        "onderwerp": "vraag",
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": when,
    }


def sent(router: respx.Router) -> list[dict[str, str]]:
    return [dict(call.request.url.params) for call in router.calls]


# --- paging ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "limit", "max_size", "expected"),
    [
        (0, 10, 500, (10, 1, 1)),
        (20, 10, 500, (10, 3, 3)),  # aligned: page 3 of 10
        (15, 10, 500, (13, 2, 2)),  # records 13..25 in one page beats pages 2 and 3 of 10
        (0, 21, 500, (21, 1, 1)),
        (0, 500, 100, (100, 1, 5)),  # a window larger than the upstream's page: 5 pages
        (499, 2, 500, (3, 167, 167)),
    ],
)
def test_a_window_is_the_fewest_pages_that_cover_it(offset, limit, max_size, expected):
    plan = plan_pages(offset, limit, max_size)
    assert (plan.size, plan.first, plan.last) == expected
    covered = range((plan.first - 1) * plan.size, plan.last * plan.size)
    assert offset in covered and offset + limit - 1 in covered


def test_every_window_is_covered_by_a_minimal_plan():
    for offset in range(0, 120, 7):
        for limit in (1, 3, 10, 25):
            plan = plan_pages(offset, limit, 50)
            assert (plan.first - 1) * plan.size <= offset
            assert plan.last * plan.size >= offset + limit
            if plan.pages == range(plan.first, plan.first + 1):
                assert plan.size <= offset + limit


async def test_a_window_across_two_pages_reads_the_second_only_when_the_count_says_it_exists(router):
    source = adapter(max_page_size=10)
    router.get("/actoren").mock(side_effect=[page([{"uuid": K1, "naam": "A", "soortActor": "medewerker"}], 11)])
    result = await source.list(ListQuery("actoren", {}, 10, 10))
    assert sent(router) == [{"page": "2", "pageSize": "10"}]
    assert [r.key for r in result.records] == [K1] and result.total == 11


async def test_a_page_past_the_end_is_empty(router):
    source = adapter()
    router.get("/actoren").mock(return_value=httpx.Response(404, json={"code": "not_found"}))
    result = await source.list(ListQuery("actoren", {}, 100, 100))
    assert list(result.records) == [] and sent(router) == [{"page": "2", "pageSize": "100"}]


# --- filters -----------------------------------------------------------------------------------


async def test_legacy_dialect_sends_the_old_codes(router):
    source = adapter(dialect="legacy")
    filters = {
        "partijIdentificatorCodeObjecttype": "vestiging",
        "partijIdentificatorCodeSoortObjectId": "vestigingsnummer",
        "partijIdentificatorCodeRegister": "hr",
    }
    router.get("/partij-identificatoren").mock(return_value=page([], version="0.0.3"))
    await source.list(ListQuery("partij-identificatoren", filters, 0, 10))
    (params,) = sent(router)
    assert params["partijIdentificatorCodeObjecttype"] == "nnp"
    assert params["partijIdentificatorCodeSoortObjectId"] == "vtn"
    assert params["partijIdentificatorCodeRegister"] == "hr"


async def test_a_number_is_looked_up_by_value_whatever_codes_an_old_upstream_holds(router):
    source = adapter(dialect="legacy")
    filters = {"partijIdentificatorCodeSoortObjectId": "bsn", "partijIdentificatorObjectId": "999993653"}
    router.get("/partij-identificatoren").mock(return_value=page([], version="0.0.3"))
    await source.list(ListQuery("partij-identificatoren", filters, 0, 10))
    assert sent(router) == [{"partijIdentificatorObjectId": "999993653", "page": "1", "pageSize": "10"}]


async def test_identificator_parts_through_a_relation_go_upstream_as_one_part(router):
    """Open Klant joins each part separately (duplicates, loose matches): send the most selective one."""
    source = adapter(dialect="current")
    filters = {
        "verstrektDoorPartij__partijIdentificator__codeObjecttype": "natuurlijk_persoon",
        "verstrektDoorPartij__partijIdentificator__codeSoortObjectId": "bsn",
        "verstrektDoorPartij__partijIdentificator__objectId": "999993653",
        "soortDigitaalAdres": "email",
    }
    router.get("/digitaleadressen").mock(return_value=page([]))
    await source.list(ListQuery("digitaleadressen", filters, 0, 10))
    assert sent(router) == [
        {
            "verstrektDoorPartij__partijIdentificator__objectId": "999993653",
            "soortDigitaalAdres": "email",
            "page": "1",
            "pageSize": "10",
        }
    ]


@pytest.mark.parametrize(("version", "expected"), [("0.0.3", "inp"), ("0.1.2", "inp"), ("0.4.1", "natuurlijk_persoon")])
async def test_auto_dialect_asks_the_api_root_for_its_version_once(version, expected, router):
    source = adapter()
    root = router.get("/").mock(return_value=httpx.Response(200, json={}, headers={"API-version": version}))
    listed = router.get("/partij-identificatoren").mock(return_value=page([], version=version))
    for _ in range(2):
        await source.list(
            ListQuery("partij-identificatoren", {"partijIdentificatorCodeObjecttype": "natuurlijk_persoon"}, 0, 5)
        )
    assert root.call_count == 1
    assert listed.calls[0].request.url.params["partijIdentificatorCodeObjecttype"] == expected


@pytest.mark.parametrize(("version", "trusted"), [("0.0.3", False), ("0.4.1", False), ("0.9.0", True), ("", False)])
async def test_counts_of_filtered_lists_are_trusted_from_versions_that_know_every_filter(version, trusted, router):
    """An older Open Klant ignores a filter it lacks; then the engine must read and check everything."""
    source = adapter()
    record = {"uuid": K1, "naam": "A", "soortActor": "medewerker"}
    router.get("/actoren").mock(return_value=page([record], 40, version))
    filtered = await source.list(ListQuery("actoren", {"soortActor": "medewerker"}, 0, 1))
    unfiltered = await source.list(ListQuery("actoren", {}, 0, 1))
    assert filtered.total == (40 if trusted else None)
    assert unfiltered.total == 40


async def test_several_keys_for_one_filter_are_one_query_each_merged_newest_first(router):
    source = adapter()

    def answer(request: httpx.Request) -> httpx.Response:
        partij = request.url.params["hadBetrokkene__wasPartij__uuid"]
        if partij == K1:
            return page([contact(K1, "2024-03-01T10:00:00Z"), contact(K2, "2024-01-01T10:00:00Z")])
        return page([contact("33333333-3333-4333-8333-333333333333", "2024-02-01T10:00:00+01:00")])

    router.get("/klantcontacten").mock(side_effect=answer)
    result = await source.list(
        ListQuery("klantcontacten", {"hadBetrokkene__wasPartij__uuid": frozenset({K1, K2})}, 1, 5)
    )
    assert sorted(p["hadBetrokkene__wasPartij__uuid"] for p in sent(router)) == [K1, K2]
    assert result.total == 3
    assert [r.plaatsgevondenOp for r in result.records] == [  # type: ignore[attr-defined]
        dt.datetime(2024, 2, 1, 9, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 10, tzinfo=dt.UTC),
    ]


async def test_filter_values_are_sent_as_the_contract_writes_them(router):
    source = adapter()
    moment = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
    filters = {"vertrouwelijk": False, "plaatsgevondenOp": moment, "hadBetrokkene__uuid": frozenset({K1})}
    router.get("/klantcontacten").mock(return_value=page([]))
    await source.list(ListQuery("klantcontacten", filters, 0, 10))
    (params,) = sent(router)
    assert params["vertrouwelijk"] == "false"
    assert dt.datetime.fromisoformat(params["plaatsgevondenOp"]) == moment
    assert params["hadBetrokkene__uuid"] == K1


# --- expand, details, errors -------------------------------------------------------------------


async def test_an_expand_the_upstream_refuses_is_dropped(router):
    source = adapter()
    refused = httpx.Response(400, json={"code": "invalid", "detail": "expand"})
    router.get("/partijen").mock(side_effect=[refused, page([])])
    result = await source.list(ListQuery("partijen", {}, 0, 10, frozenset({"categorieRelaties"})))
    assert [p.get("expand") for p in sent(router)] == ["categorieRelaties", None]
    assert list(result.records) == []


async def test_a_refusal_without_expand_is_an_error(router):
    source = adapter()
    router.get("/partijen").mock(return_value=httpx.Response(403, json={"code": "permission_denied"}))
    with pytest.raises(SourceRejected):
        await source.list(ListQuery("partijen", {}, 0, 10))


async def test_details_are_fetched_by_computed_url_concurrently_and_missing_ones_are_absent(caplog, router):
    source = adapter(concurrency=2)
    router.get(f"/actoren/{K1}").mock(
        return_value=httpx.Response(200, json={"uuid": K1, "naam": "A", "soortActor": "medewerker"})
    )
    router.get(f"/actoren/{K2}").mock(return_value=httpx.Response(404, json={}))
    bad = "33333333-3333-4333-8333-333333333333"
    router.get(f"/actoren/{bad}").mock(
        return_value=httpx.Response(200, json={"uuid": bad, "naam": "B", "soortActor": "robot"})
    )
    with caplog.at_level(logging.WARNING):
        found = await source.get_many("actoren", [K1, K2, bad, "../partijen"])
    assert set(found) == {K1}
    assert f"skipped actoren {bad}, it breaks the contract at: soortActor" in caplog.text
    assert router.calls.call_count == 3, "a key that is no uuid is never put in a path"
    assert all(call.request.headers["Authorization"] == f"Token {TOKEN}" for call in router.calls)


async def test_urls_in_answers_are_never_followed(router):
    source = adapter()
    elsewhere = "http://elsewhere.example/klantinteracties/api/v1/actoren"
    router.get("/actoren").mock(
        return_value=httpx.Response(
            200,
            json={"count": 2, "next": elsewhere + "?page=2", "previous": None, "results": []},
            headers={"API-version": "0.9.0"},
        )
    )
    await source.list(ListQuery("actoren", {}, 0, 10))
    assert [str(call.request.url).split("?")[0] for call in router.calls] == [f"{BASE}/actoren"]


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"token": {"env": UPSTREAM_TOKEN_ENV}}, "base_url: Field required"),
        (
            {"base_url": "http://openklant.example", "token": {"env": UPSTREAM_TOKEN_ENV}},
            "base_url: Value error, must be the API root",
        ),
        ({"base_url": BASE, "token": "literal-token"}, "token: Value error, secrets are not written"),
        ({"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, "dialect": "old"}, "dialect: Input should be"),
        ({"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, "max_page_size": 501}, "max_page_size: Input should"),
        ({"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, "concurrency": 0}, "concurrency: Input should"),
        ({"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, "timeout": "10"}, "timeout: Input should be a valid"),
        ({"base_url": BASE, "token": {"env": UPSTREAM_TOKEN_ENV}, "retries": 3}, "retries: Extra inputs are not"),
    ],
)
def test_settings_are_checked_naming_the_setting(settings, message):
    with pytest.raises(InvalidAdapterSettings, match=message) as error:
        create_adapter("klantinteracties", settings)
    assert TOKEN not in str(error.value)
