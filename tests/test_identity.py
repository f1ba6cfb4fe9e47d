"""Identities: stable, reversible, separated per source, and revealing nothing (ADR 2)."""

from __future__ import annotations

import gc
import uuid

import pytest

from adapters.crm_stub.adapter import CrmStubSettings, from_settings
from adapters.crm_stub.dataset import DEMO
from facade.api.app import create_app
from facade.identity import IdentityCodec, KeySpace
from mapping.keys import TextKey, UuidKey
from tests.conftest import client_for, engine_over, settings

API = "/klantinteracties/api/v1"
SECRET = b"a-secret-for-the-identity-tests!"


def test_round_trip_for_text_and_uuid_keys_and_versions_kept():
    codec = IdentityCodec(SECRET)
    text = KeySpace("crm", "partijen", TextKey())
    encoded = uuid.UUID(codec.encode(text, "100001"))
    assert encoded.version == 4 and encoded.variant == uuid.RFC_4122
    assert codec.decode(text, encoded) == "100001"
    for upstream in (str(uuid.uuid4()), "6ba7b810-9dad-11d1-80b4-00c04fd430c8"):
        space = KeySpace("zgw", "partijen", UuidKey())
        out = uuid.UUID(codec.encode(space, upstream))
        assert out.version == uuid.UUID(upstream).version
        assert out != uuid.UUID(upstream)
        assert codec.decode(space, out) == upstream


def test_key_spaces_never_share_uuids():
    codec = IdentityCodec(SECRET)
    spaces = [
        KeySpace("crm", "partijen", TextKey()),
        KeySpace("crm2", "partijen", TextKey()),
        KeySpace("crm", "actoren", TextKey()),
    ]
    assert len({codec.encode(space, "100001") for space in spaces}) == 3
    # a UUID of one source presented as another's decodes to nothing usable
    other = codec.decode(spaces[1], uuid.UUID(codec.encode(spaces[0], "100001")))
    assert other != "100001"


def test_derived_keys_have_their_own_space():
    codec = IdentityCodec(SECRET)
    klant = str(uuid.uuid4())
    email = KeySpace("zgw", "digitaleadressen", UuidKey("email"))
    phone = KeySpace("zgw", "digitaleadressen", UuidKey("telefoonnummer"))
    a, b = codec.encode(email, f"{klant}#email"), codec.encode(phone, f"{klant}#telefoonnummer")
    assert a != b
    assert codec.decode(email, uuid.UUID(a)) == f"{klant}#email"
    assert codec.encode(email, klant) is None, "a key without the suffix is not of this format"


def test_text_keys_reject_most_random_uuids_without_io():
    codec = IdentityCodec(SECRET)
    space = KeySpace("crm", "partijen", TextKey())
    accepted = sum(codec.decode(space, uuid.uuid4()) is not None for _ in range(2000))
    assert accepted < 20


def test_the_secret_must_not_be_short():
    with pytest.raises(ValueError):
        IdentityCodec(b"short")


def two_instances():
    return [
        create_app(settings(), engine_over([("crm", from_settings(CrmStubSettings(dataset=DEMO)))])) for _ in range(2)
    ]


async def test_every_object_resolves_from_a_cold_start_on_another_instance():
    first, second = two_instances()
    async with client_for(first) as a, client_for(second) as b:
        for resource in (
            "partijen",
            "partij-identificatoren",
            "digitaleadressen",
            "betrokkenen",
            "klantcontacten",
            "onderwerpobjecten",
            "actorklantcontacten",
            "internetaken",
            "categorie-relaties",
            "rekeningnummers",
            "vertegenwoordigingen",
            "bijlagen",
            "actoren",
            "categorieen",
        ):
            listing = (await a.get(f"{API}/{resource}", params={"pageSize": 20})).json()["results"]
            assert listing, resource
            for obj in listing:
                detail = await b.get(obj["url"].replace("http://testserver", ""))
                assert detail.status_code == 200, (resource, obj["url"])
                assert detail.json()["uuid"] == obj["uuid"]


async def test_a_uuid_never_handed_out_is_404_and_a_uuid_of_another_resource_too():
    (app, _) = two_instances()
    async with client_for(app) as client:
        for _ in range(20):
            assert (await client.get(f"{API}/partijen/{uuid.uuid4()}")).status_code == 404
        kc = (await client.get(f"{API}/klantcontacten", params={"pageSize": 1})).json()["results"][0]
        assert (await client.get(f"{API}/partijen/{kc['uuid']}")).status_code == 404


async def test_two_sources_of_the_same_kind_do_not_collide():
    adapters = [("crm", from_settings(CrmStubSettings())), ("crm-kopie", from_settings(CrmStubSettings()))]
    app = create_app(
        settings([{"name": n, "kind": "crm_stub"} for n, _ in adapters]), engine_over(adapters, merge_partijen=False)
    )
    async with client_for(app) as client:
        body = (await client.get(f"{API}/actoren", params={"pageSize": 500})).json()
        single = body["count"] // 2
        uuids = [a["uuid"] for a in body["results"]]
        assert len(set(uuids)) == len(uuids) == 2 * single
        for url in (body["results"][0]["url"], body["results"][single]["url"]):
            assert (await client.get(url.replace("http://testserver", ""))).status_code == 200


def _strings_held_by(root: object) -> list[str]:
    """Every text (and bytes) reachable from `root`, for a search of what it keeps."""
    seen, found, todo = set(), [], [root]
    while todo:
        value = todo.pop()
        if id(value) in seen or isinstance(value, type):
            continue
        seen.add(id(value))
        if isinstance(value, str | bytes):
            found.append(value if isinstance(value, str) else value.decode("latin-1"))
            continue
        todo.extend(gc.get_referents(value))
    return found


def test_a_merged_partijs_uuid_is_remembered_without_its_bsn():
    codec = IdentityCodec(SECRET)
    merged = KeySpace("", "partijen", TextKey(name="merged"))
    first = codec.encode(merged, "pb999993653", personal=True)
    again = codec.encode(merged, "pb999993653", personal=True)
    assert first == again == IdentityCodec(SECRET).encode(merged, "pb999993653")  # remembered or not: the same
    assert codec.encode(merged, "pb111222333", personal=True) != first
    held = _strings_held_by(codec)
    assert not [text for text in held if "999993653" in text or "111222333" in text]
    codec.encode(merged, "pb999993653")  # without `personal` a key is remembered as it is
    assert any("999993653" in text for text in _strings_held_by(codec))
