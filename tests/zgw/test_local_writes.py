"""The local ZGW server's writes, over HTTP: as strict as the real APIs, per flavour, in memory.

The adapter's write tests rely on this server refusing what a real Klanten or Contactmomenten
API refuses (with the same 400 shapes), so these tests pin that behaviour down.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from adapters.zgw.jwt import ZgwJwt
from adapters.zgw.local_server import BRONORGANISATIE, demo_seed, serve_in_thread
from tests.zgw.support import CLIENT_ID, HENK_BSN, SECRET, ZAAK_VERGUNNING

READER = "facade-reader"
KLANT = {
    "bronorganisatie": BRONORGANISATIE,
    "klantnummer": "90000001",
    "websiteUrl": "https://www.example.nl",
    "voornaam": "Anna",
    "achternaam": "Jansen",
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": "111222333", "voorletters": "A."},
    "emailadres": "anna@example.nl",
}
ESUITE_KLANT = {"subjectIdentificatie": {"inpBsn": "111222333"}, "emailadres": "anna@example.nl", "voornaam": "X"}


@pytest.fixture(params=["vng", "openklant", "esuite"])
def server(request):
    clients = {CLIENT_ID: SECRET, READER: SECRET}
    scopes = {READER: {"klanten.lezen", "contactmomenten.lezen", "zaken.lezen"}}
    with serve_in_thread(clients=clients, flavour=request.param, scopes=scopes) as local:
        yield local


class Api:
    def __init__(self, server, client_id: str = CLIENT_ID):
        self.server, self.client_id = server, client_id

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        url = path if path.startswith("http") else f"{self.server.base}{path}"
        headers = dict(ZgwJwt(self.client_id, SECRET)()) | kwargs.pop("headers", {})
        return httpx.request(method, url, json=body, headers=headers, timeout=10, **kwargs)

    def klant(self) -> str:
        body = ESUITE_KLANT if self.server.flavour == "esuite" else KLANT
        created = self("POST", "/klanten/api/v1/klanten", body)
        assert created.status_code == 201, created.text
        return created.json()["url"]

    def contactmoment(self, **fields: Any) -> str:
        body = {"bronorganisatie": BRONORGANISATIE, "kanaal": "telefoon", "tekst": "Een vraag."} | fields
        created = self("POST", "/contactmomenten/api/v1/contactmomenten", body)
        assert created.status_code == 201, created.text
        return created.json()["url"]


def _zaak(server) -> str:
    return f"{server.base}/zaken/api/v1/zaken/{ZAAK_VERGUNNING}"


def _problems(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


def test_a_created_klant_is_there_and_located(server):
    api = Api(server)
    url = api.klant()
    read = api("GET", url)
    assert read.status_code == 200
    klant = read.json()
    assert klant["subjectType"] == "natuurlijk_persoon"
    assert klant["subjectIdentificatie"]["inpBsn"] == "111222333"
    assert klant["emailadres"] == "anna@example.nl"
    found = api("GET", "/klanten/api/v1/klanten", params={"subjectNatuurlijkPersoon__inpBsn": "111222333"})
    assert [k["url"] for k in found.json()["results"]] == [url]
    created = [r for r in server.requests if r.method == "POST"]
    assert created[-1].status == 201


def test_esuite_fills_in_what_it_owns(server):
    if server.flavour != "esuite":
        pytest.skip("e-Suite only")
    klant = Api(server)("GET", Api(server).klant()).json()
    assert klant["bronorganisatie"] == BRONORGANISATIE
    assert len(klant["klantnummer"]) == 8
    assert klant["voornaam"] == ""  # read-only in e-Suite: the name sent is not taken
    moment = Api(server)("GET", Api(server).contactmoment()).json()
    assert moment["status"] == "nieuw"
    assert moment["identificatie"].startswith("CM")


def test_a_klant_body_is_checked_as_the_real_api_does(server):
    api = Api(server)
    if server.flavour == "esuite":
        refused = api("POST", "/klanten/api/v1/klanten", {"subjectIdentificatie": {"inpBsn": "1234"}})
        assert refused.status_code == 400
        assert refused.json()["code"] == "VALIDATION"
        assert "invalidParams" not in refused.json()  # e-Suite's ValidatieFout has none
        both = {"subjectIdentificatie": {"inpBsn": "111222333", "innNnpId": "12345678"}}
        assert api("POST", "/klanten/api/v1/klanten", both).status_code == 400
        return
    body = KLANT | {
        "bronorganisatie": "123456789",
        "klantnummer": "",
        "emailadres": "not-an-address",
        "subjectIdentificatie": {"inpBsn": "123456789"},
    }
    body.pop("websiteUrl")
    problems = _problems(api("POST", "/klanten/api/v1/klanten", body))
    expected = [
        ("bronorganisatie", "invalid"),
        ("klantnummer", "blank"),
        ("emailadres", "invalid"),
        ("subjectIdentificatie.inpBsn", "invalid"),
    ]
    if server.flavour == "vng":
        expected.insert(2, ("websiteUrl", "required"))  # required in VNG 1.0.0, not in Open Klant 1
    assert problems == expected


def test_a_second_klant_with_the_same_klantnummer_is_refused(server):
    if server.flavour == "esuite":
        pytest.skip("e-Suite numbers its klanten itself")
    api = Api(server)
    api.klant()
    assert _problems(api("POST", "/klanten/api/v1/klanten", KLANT)) == [("nonFieldErrors", "unique")]


def test_links_must_resolve_and_be_unique(server):
    api = Api(server)
    klant, moment = api.klant(), api.contactmoment()
    missing = klant.rpartition("/")[0] + "/00000000-0000-4000-8000-000000000000"
    link = {"contactmoment": moment, "klant": missing, "rol": "gesprekspartner"}
    refused = api("POST", "/contactmomenten/api/v1/klantcontactmomenten", link)
    if server.flavour == "esuite":
        assert refused.status_code == 400
    else:
        assert _problems(refused) == [("klant", "bad-url")]
    linked = api("POST", "/contactmomenten/api/v1/klantcontactmomenten", link | {"klant": klant})
    assert linked.status_code == 201
    assert linked.json()["rol"] == "gesprekspartner"
    again = api("POST", "/contactmomenten/api/v1/klantcontactmomenten", link | {"klant": klant})
    assert again.status_code == 400
    unknown_zaak = _zaak(server).replace(ZAAK_VERGUNNING, "00000000-0000-4000-8000-000000000000")
    about = {"contactmoment": moment, "object": unknown_zaak, "objectType": "zaak"}
    refused = api("POST", "/contactmomenten/api/v1/objectcontactmomenten", about)
    assert refused.status_code == 400
    if server.flavour != "esuite":
        assert _problems(refused) == [("object", "bad-url")]
    assert (
        api("POST", "/contactmomenten/api/v1/objectcontactmomenten", about | {"object": _zaak(server)}).status_code
        == 201
    )
    listed = api("GET", "/contactmomenten/api/v1/objectcontactmomenten", params={"object": _zaak(server)})
    assert moment in [o["contactmoment"] for o in listed.json()["results"]]


def test_a_contactmoment_body_is_checked(server):
    api = Api(server)
    if server.flavour == "esuite":
        refused = api("POST", "/contactmomenten/api/v1/contactmomenten", {"kanaal": "telefoon", "tekst": ""})
        assert (refused.status_code, refused.json()["code"]) == (400, "VALIDATION")
        return
    body = {
        "kanaal": "k" * 51,
        "initiatiefnemer": "burger",
        "onderwerpLinks": ["https://www.example.nl/afval", "no url"],
        "registratiedatum": "gisteren",
        "medewerkerIdentificatie": {"identificatie": "x" * 25},
    }
    assert _problems(api("POST", "/contactmomenten/api/v1/contactmomenten", body)) == [
        ("bronorganisatie", "required"),
        ("registratiedatum", "invalid"),
        ("kanaal", "max_length"),
        ("onderwerpLinks.1", "invalid"),
        ("initiatiefnemer", "invalid_choice"),
        ("medewerkerIdentificatie.identificatie", "max_length"),
    ]


def test_updates_and_deletes_as_the_flavour_declares(server):
    api = Api(server)
    klant = api.klant()
    patched = api("PATCH", klant, {"telefoonnummer": "0612345678"})
    assert patched.status_code == 200
    assert patched.json()["emailadres"] == "anna@example.nl"  # a PATCH keeps what it does not name
    assert api("GET", klant).json()["telefoonnummer"] == "0612345678"
    moment = api.contactmoment()
    link = api("POST", "/contactmomenten/api/v1/klantcontactmomenten", {"contactmoment": moment, "klant": klant})
    if server.flavour != "esuite":
        assert link.status_code == 400  # rol is required in VNG and Open Klant 1
        link = api(
            "POST",
            "/contactmomenten/api/v1/klantcontactmomenten",
            {"contactmoment": moment, "klant": klant, "rol": "belanghebbende"},
        )
    assert link.status_code == 201
    if server.flavour == "esuite":
        for method, url in (("PUT", klant), ("DELETE", klant), ("PATCH", moment), ("DELETE", moment)):
            assert api(method, url, {} if method != "DELETE" else None).status_code == 405
        return
    assert api("PUT", klant, {"voornaam": "Anna"}).status_code == 400  # a PUT is whole: required fields
    gelezen = api("PATCH", link.json()["url"], {"gelezen": True})
    assert gelezen.status_code == (200 if server.flavour == "openklant" else 405)
    put = api("PUT", moment, {"bronorganisatie": BRONORGANISATIE, "tekst": "Anders."})
    assert (put.status_code, put.json()["tekst"], put.json()["kanaal"]) == (200, "Anders.", "")
    assert api("DELETE", moment).status_code == 204
    assert api("GET", moment).status_code == 404
    assert link.json()["url"] not in [r["url"] for r in server.records("klantcontactmomenten")]  # cascaded
    assert api("DELETE", klant).status_code == 204
    assert api("DELETE", klant).status_code == 404


def test_a_follow_up_names_its_previous_contactmoment(server):
    if server.flavour == "esuite":
        pytest.skip("e-Suite has no vorigContactmoment")
    api = Api(server)
    first = api.contactmoment()
    second = api.contactmoment(vorigContactmoment=first)
    assert api("GET", first).json()["volgendContactmoment"] == second
    missing = first.rpartition("/")[0] + "/00000000-0000-4000-8000-000000000000"
    refused = api(
        "POST",
        "/contactmomenten/api/v1/contactmomenten",
        {"bronorganisatie": BRONORGANISATIE, "vorigContactmoment": missing},
    )
    assert _problems(refused) == [("vorigContactmoment", "bad-url")]
    assert api("DELETE", first).status_code == 204
    assert api("GET", second).json()["vorigContactmoment"] is None


def test_a_client_without_the_scope_gets_403_and_nothing_is_written(server):
    reader = Api(server, READER)
    before = len(server.records("klanten"))
    refused = reader("POST", "/klanten/api/v1/klanten", KLANT)
    assert refused.status_code == 403
    assert refused.json()["code"] == ("NOT_AUTHORISED" if server.flavour == "esuite" else "permission_denied")
    assert len(server.records("klanten")) == before
    assert reader("GET", "/klanten/api/v1/klanten").status_code == 200


def test_a_body_must_be_json(server):
    api = Api(server)
    sent = api("POST", "/klanten/api/v1/klanten", content=b"bronorganisatie=1", headers={"Content-Type": "text/plain"})
    assert sent.status_code == 415
    broken = api("POST", "/klanten/api/v1/klanten", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400


def test_the_zaken_api_is_only_read(server):
    api = Api(server)
    answer = api("POST", "/zaken/api/v1/zaakcontactmomenten", {"zaak": _zaak(server), "contactmoment": "x"})
    assert answer.status_code == 405


def test_a_test_can_break_the_next_request(server):
    api = Api(server)
    server.fail_next("POST", "klantcontactmomenten", status=503)
    moment, klant = api.contactmoment(), api.klant()
    body = {"contactmoment": moment, "klant": klant, "rol": "gesprekspartner"}
    assert api("POST", "/contactmomenten/api/v1/klantcontactmomenten", body).status_code == 503
    assert api("POST", "/contactmomenten/api/v1/klantcontactmomenten", body).status_code == 201


def test_writes_stay_in_memory():
    with serve_in_thread(clients={CLIENT_ID: SECRET}) as first:
        Api(first).klant()
        assert len(first.records("klanten")) == len(demo_seed()["klanten"]) + 1
    with serve_in_thread(clients={CLIENT_ID: SECRET}) as second:  # the demo starts clean every time
        assert len(second.records("klanten")) == len(demo_seed()["klanten"])
        henk = Api(second)("GET", "/klanten/api/v1/klanten", params={"subjectNatuurlijkPersoon__inpBsn": HENK_BSN})
        assert henk.json()["count"] == 1
