"""One conformance suite for every adapter, driven by what each adapter declares.

Like a dialect test suite: an adapter declares resources, key formats, order and pushdown; this
suite reads that declaration and checks, for each declared resource and pushed-down filter,
that the adapter keeps its word:

- every record is of the resource asked, has a key that fits a declared key format, and comes
  back by that key through `get_many`;
- a resource declared `ordered` comes newest first;
- a pushed-down filter never drops a record that matches (the engine could not get it back),
  and one declared EXACT returns exactly the matching records, with the right `total`.

"Matching" is the engine's own evaluation of the contract's filter (tested separately against
hand-written expectations over HTTP). Add an adapter to the `adapter` fixture to run the suite on it.
"""

from __future__ import annotations

import itertools

import pytest

from adapters.crm_stub.adapter import CrmStubSettings
from adapters.crm_stub.adapter import from_settings as crm_stub
from adapters.klantinteracties.adapter import KlantinteractiesSettings
from adapters.klantinteracties.adapter import from_settings as klantinteracties
from adapters.protocol import Adapter, ListQuery, Pushdown
from facade.engine.graph import Item
from facade.engine.params import Condition
from facade.engine.paths import node_pos
from mapping.contract import RESOURCES, FilterDef
from mapping.ki import Ref
from tests.conftest import IDENTITY_SECRET, TOKEN, engine_over
from tests.support.server import running_facade
from tests.zgw.support import CLIENT_ID, SECRET, SECRET_ENV, zgw_adapter

TIME_FIELDS = {"klantcontacten": "plaatsgevondenOp", "internetaken": "toegewezenOp"}
SAMPLE_VALUES = 3
"""Filter values tried per pushed-down filter (taken from the records themselves)."""


@pytest.fixture(scope="module")
def local_zgw():
    from adapters.zgw.local_server import serve_in_thread

    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour="vng", page_size=3) as server:
        yield server


@pytest.fixture(scope="module")
def upstream_facade(tmp_path_factory):
    """A façade serving the CRM demo, on loopback: the upstream of the klantinteracties adapter."""
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "downstream", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "stdout", "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    env = {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}
    with running_facade(config, env, tmp_path_factory.mktemp("upstream")) as base:
        yield base


@pytest.fixture(params=["crm_stub", "zgw", "klantinteracties"])
def adapter(request, monkeypatch) -> Adapter:
    if request.param == "crm_stub":
        return crm_stub(CrmStubSettings())
    if request.param == "zgw":
        monkeypatch.setenv(SECRET_ENV, SECRET)
        return zgw_adapter(request.getfixturevalue("local_zgw").base, "vng")
    monkeypatch.setenv("T_UPSTREAM_TOKEN", TOKEN)
    base = request.getfixturevalue("upstream_facade")
    return klantinteracties(
        KlantinteractiesSettings.model_validate(
            {"base_url": f"{base}/klantinteracties/api/v1", "token": {"env": "T_UPSTREAM_TOKEN"}, "dialect": "current"}
        )
    )


async def everything(adapter: Adapter, resource: str) -> tuple[list, int | None]:
    records, total, offset = [], None, 0
    while True:
        page = await adapter.list(ListQuery(resource, {}, offset, 50))
        total = page.total if page.total is not None else total
        records.extend(page.records)
        offset += 50
        if len(page.records) < 50:
            return records, total


def _filter_def(resource: str, name: str) -> FilterDef:
    return RESOURCES[resource].filters[name]


async def sample_values(engine, records, definition: FilterDef) -> list:
    """Values of this filter that some records have: keys for `is` filters, values otherwise."""
    request = engine.request()
    source = engine.sources[0]
    starts = [[node_pos(Item(source, record))] for record in records[:60]]
    path = (*definition.prefix, *definition.attribute)
    if definition.op == "not_null" or definition.op == "non_empty":
        return [True, False]
    if not path:  # the object itself (e.g. rekeningnummers?uuid)
        return [frozenset({record.key}) for record in records[:SAMPLE_VALUES]]
    groups = await request.walker.walk(starts, path, load_last=definition.op != "is")
    values = []
    for position in (pos for group in groups for pos in group):
        value = position.value
        if definition.op == "is":
            key = value.key if isinstance(value, Ref) else getattr(value, "key", None)
            value = frozenset({key}) if key else None
        elif definition.op == "icontains" and isinstance(value, str) and len(value) >= 3:
            value = value[1:4]
        if value not in (None, "") and value not in values:
            values.append(value)
        if len(values) >= SAMPLE_VALUES:
            break
    return values


def condition_for(engine, definition: FilterDef, resource: str, value) -> Condition:
    """The engine's own condition for a pushed-down value (an `is` filter compares UUIDs)."""
    if definition.op != "is":
        return Condition(definition, tuple(value.split(",")) if definition.op == "any_of" else value)
    from facade.engine.core import target_of

    target = target_of(resource, definition.attribute)
    (key,) = value
    return Condition(definition, engine.identities.of(engine.sources[0], target, key))


async def test_records_keys_and_order(adapter):
    engine = engine_over([("bron", adapter)], merge_partijen=False)
    source = engine.sources[0]
    for resource, support in adapter.resources.items():
        records, total = await everything(adapter, resource)
        assert all(r.resource == resource for r in records), resource
        assert all(source.accepts(r) for r in records), f"{resource}: a key fits none of the declared formats"
        keys = [r.key for r in records]
        assert len(keys) == len(set(keys)), f"{resource}: a record is listed twice"
        if total is not None:
            assert total == len(records), f"{resource}: total {total} but {len(records)} records"
        sample = keys[:: max(1, len(keys) // 10)][:10]
        found = await adapter.get_many(resource, [*sample, "no-such-key"])
        assert set(found) == set(sample), f"{resource}: get_many does not give back every listed key"
        assert all(found[k] == r for k, r in zip(keys, records, strict=True) if k in found)
        if support.ordered and resource in TIME_FIELDS:
            moments = [getattr(r, TIME_FIELDS[resource]) for r in records]
            assert all(a >= b for a, b in itertools.pairwise(moments)), f"{resource}: declared ordered, is not"


async def test_pushed_down_filters_keep_their_word(adapter):
    engine = engine_over([("bron", adapter)], merge_partijen=False)
    checked = 0
    for resource, support in adapter.resources.items():
        records, _ = await everything(adapter, resource)
        for name, how in support.pushdown.items():
            definition = _filter_def(resource, name)
            for value in await sample_values(engine, records, definition):
                page = await adapter.list(ListQuery(resource, {name: value}, 0, 500))
                request = engine.request()
                items = [Item(engine.sources[0], r) for r in records]
                verdict = await request.matcher.matches(items, [condition_for(engine, definition, resource, value)])
                expected = {item.obj.key for item, ok in zip(items, verdict, strict=True) if ok}
                answered = {r.key for r in page.records}
                missing = expected - answered
                assert not missing, f"{resource}?{name}={value!r} drops matching records {sorted(missing)[:5]}"
                if how is Pushdown.EXACT:
                    assert answered == expected, f"{resource}?{name}={value!r} declared exact, answers extra"
                    if page.total is not None:
                        assert page.total == len(expected), f"{resource}?{name}={value!r}: wrong total"
                checked += 1
    assert checked > 20
