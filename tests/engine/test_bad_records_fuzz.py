"""Any record a register can send breaks only itself (issue 13, item 7), found by generating them.

A Klantinteracties register on loopback answers each list with one good record and one record
that is a good one with any field, at any depth, replaced by any JSON value (or any JSON value
instead of a record). Whatever it is, the façade answers 200 for that list, with the good
record, without dropping the source; every client, with or without the BSN permission.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facade.api.app import build_engine, create_app
from tests.conftest import client_for
from tests.conftest import settings as facade_settings
from tests.support.fault_server import serving
from tests.support.hostile_upstream import API, HostileUpstream, identificator, klantcontact, persoon, register_source

GOOD = "00000000-0000-4000-8000-000000000001"
BAD = "00000000-0000-4000-8000-000000000002"

TEMPLATES: dict[str, dict[str, Any]] = {
    "partijen": persoon(BAD, "999990019"),
    "klantcontacten": klantcontact(
        BAD,
        "2031-01-01T10:00:00Z",
        hadBetrokkenActoren=[
            {
                "uuid": GOOD[:-1] + "9",
                "naam": "A",
                "soortActor": "medewerker",
                "actoridentificator": identificator("bsn", "999990019"),
            }
        ],
    ),
    "onderwerpobjecten": {"uuid": BAD, "onderwerpobjectidentificator": identificator("bsn", "999990019")},
    "actoren": {"uuid": BAD, "naam": "A", "soortActor": "medewerker", "actoridentificator": identificator("", "1")},
    "internetaken": {
        "uuid": BAD,
        "gevraagdeHandeling": "Bellen",
        "aanleidinggevendKlantcontact": {"uuid": GOOD},
        "toegewezenAanActoren": [{"uuid": GOOD}],
        "status": "te_verwerken",
        "toegewezenOp": "2031-01-01T10:00:00Z",
    },
    "digitaleadressen": {
        "uuid": BAD,
        "adres": "a@b.nl",
        "soortDigitaalAdres": "email",
        "verstrektDoorPartij": {"uuid": GOOD},
    },
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["\ud800", "٩٩٩٩٩٣٦٥٣", "9" * 40, "2031-01-01T10:00:00", "", " "]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)


@st.composite
def broken(draw, template: dict[str, Any]) -> Any:
    """`template` with one field somewhere replaced by any JSON value, or any JSON value."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    record = copy.deepcopy(template)
    holder: Any = record
    while True:
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        key = draw(st.sampled_from(keys))
        if isinstance(holder[key], dict | list) and holder[key] and draw(st.booleans()):
            holder = holder[key]
            continue
        holder[key] = draw(json_values)
        return record


def good(resource: str) -> dict[str, Any]:
    record = copy.deepcopy(TEMPLATES[resource])
    record["uuid"] = GOOD
    return record


def test_no_generated_record_breaks_more_than_itself(monkeypatch):
    monkeypatch.setenv("T_REGISTER_TOKEN", "register-token-0123456789")
    upstream = HostileUpstream()
    with serving(upstream.app()) as base:
        config = facade_settings([register_source(base, failure_threshold=1_000_000)])
        engine = build_engine(config)
        app = create_app(config, engine)
        (source,) = engine.sources

        loop = asyncio.new_event_loop()  # one loop for every example: the adapter's connections live on it

        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(data=st.data(), resource=st.sampled_from(sorted(TEMPLATES)))
        def check(data, resource: str) -> None:
            bad = data.draw(broken(TEMPLATES[resource]))
            upstream.records = {resource: [good(resource), bad]}

            async def ask() -> None:
                async with client_for(app) as client:
                    response = await client.get(f"{API}/{resource}", params={"pageSize": 500})
                    assert response.status_code == 200, (resource, bad, response.text)
                    assert "facade-incomplete" not in response.headers, (resource, bad)
                    published = engine.identities.of(source, resource, GOOD)
                    if resource == "partijen":  # published under the merged UUID of its BSN
                        published = engine.identities.merged("pb999990019")
                    assert published in response.text, (resource, bad)

            loop.run_until_complete(ask())

        try:
            check()
        finally:
            loop.run_until_complete(source.guard.aclose())
            loop.close()
