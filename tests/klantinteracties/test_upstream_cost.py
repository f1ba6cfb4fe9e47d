"""Cost follows the page, not the source (issue 12): upstream requests per façade request.

A Klantinteracties register (this façade serving a generated CRM dataset, not merging, as Open
Klant) counts every request it gets; the façade under test runs as production does (`serve`,
default settings, merging on) with the register as its only source. The five requests of issue
12's table must cost the same number of upstream requests whether the register holds a few
dozen partijen or ten times as many, and no more than the page needs. Each request is sent with
`Cache-Control: no-cache`: the façade's answer cache would otherwise hide the plan's cost.

The five are sent twice. The first time, the klantcontacten page refers to partijen the façade
has not read yet: to publish those references under their (merged) UUIDs it asks the page again
with `hadBetrokkenen.wasPartij` expanded (ADR 14). The second time it knows them: one request.
"""

from __future__ import annotations

import json

import httpx
import pytest

from adapters.crm_stub import story
from adapters.crm_stub.generate import generate
from mapping.contract import API_PREFIX
from tests.conftest import AUTH, TOKEN
from tests.support.server import running_facade, running_register

SIZES = (60, 600)
HENK_BSN = story.HENK_BSN
KISS_LOOKUP = (
    "partijen?expand=digitaleAdressen&soortPartij=persoon"
    f"&partijIdentificator__codeSoortObjectId=bsn&partijIdentificator__objectId={HENK_BSN}"
)
REQUESTS = {
    # name: (path, upstream requests the first time, and again)
    "klantcontacten?expand": ("klantcontacten?expand=hadBetrokkenen,gingOverOnderwerpobjecten", (2, 1)),
    "partijen?page=1": ("partijen?page=1", (1, 1)),
    "internetaken?pageSize=2": ("internetaken?pageSize=2", (1, 1)),
    "partij-detail?expand": ("partijen/{henk}?expand=digitaleAdressen", (1, 1)),
    "BSN lookup (KISS)": (KISS_LOOKUP, (1, 1)),
}
ENV = {"COST_IDENTITY": "identity-secret-of-the-cost-test-0123", "COST_TOKEN": TOKEN}


def _clients() -> list[dict]:
    return [{"name": "tests", "token": {"env": "COST_TOKEN"}, "permissions": {"bsn": True}}]


@pytest.fixture(scope="module", params=SIZES, ids=[f"{size}-partijen" for size in SIZES])
def counted(request, tmp_path_factory) -> dict[tuple[str, int], tuple[int, list[str]]]:
    """Per (request of issue 12's table, time sent): (upstream requests, their targets), at one register size."""
    size = request.param
    folder = tmp_path_factory.mktemp(f"register-{size}")
    dataset = folder / "crm.json"
    generated = size - len(story.DEMO["customers"])
    dataset.write_text(json.dumps(generate(customers=generated, contacts=4 * size, seed=12)))
    register_config = {
        "identity_secret": {"env": "COST_IDENTITY"},
        "clients": _clients(),
        "processing_log": {"sink": "file", "path": str(folder / "register.jsonl"), "key": {"env": "COST_IDENTITY"}},
        "merge_partijen": False,
        "sources": [{"name": "crm", "kind": "crm_stub", "settings": {"dataset": str(dataset)}, "cache_ttl": 0}],
    }
    with running_register(register_config, ENV, folder) as register:
        facade_config = {
            "identity_secret": {"env": "COST_IDENTITY"},
            "clients": _clients(),
            "processing_log": {"sink": "file", "path": str(folder / "facade.jsonl"), "key": {"env": "COST_IDENTITY"}},
            "sources": [
                {
                    "name": "register",
                    "kind": "klantinteracties",
                    "settings": {"base_url": register + API_PREFIX, "token": {"env": "COST_TOKEN"}},
                }
            ],
        }
        with running_facade(facade_config, ENV, folder) as facade:
            yield _count(register, facade)


def _count(register: str, facade: str) -> dict[tuple[str, int], tuple[int, list[str]]]:
    headers = {**AUTH, "Cache-Control": "no-cache"}
    with httpx.Client(base_url=facade + API_PREFIX, headers=headers, timeout=120) as client:
        (henk,) = client.get(KISS_LOOKUP).json()["results"]
        assert henk["partijIdentificatoren"], "the story's Henk, found by his BSN"
        found = {}
        for time in (0, 1):
            for name, (path, _) in REQUESTS.items():
                before = httpx.get(register + "/_bench/requests").json()["requests"]
                response = client.get(path.replace("{henk}", henk["uuid"]))
                assert response.status_code == 200, (name, response.text)
                assert "Facade-Incomplete" not in response.headers, name
                log = httpx.get(register + "/_bench/requests").json()
                made = log["requests"] - before
                found[(name, time)] = (made, log["recent"][-made:] if made else [])
    return found


@pytest.mark.parametrize("time", [0, 1], ids=["first", "again"])
@pytest.mark.parametrize("name", list(REQUESTS))
def test_each_request_costs_what_its_page_needs(counted, name, time):
    made, targets = counted[(name, time)]
    assert made == REQUESTS[name][1][time], f"{name}: {made} upstream requests: {targets[:10]}"
    if time:  # the façade knows the partijen referred to: nothing expanded that the answer does not show
        assert not any("wasPartij" in target for target in targets), targets
