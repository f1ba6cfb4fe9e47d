"""Klantinteracties objects -> ZGW write bodies, per flavour, and upstream refusals -> KI fields.

Pure functions (the last test sends their bodies to the local server). Each body is also read
back with the read mapping, the way the adapter will read the written record, so "what is
written reads back as asked" is checked here.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from adapters.zgw.jwt import ZgwJwt
from adapters.zgw.local_server import serve_in_thread
from mapping import zgw as m
from mapping import zgw_klant_writes as kw
from mapping import zgw_writes as w
from mapping.ki import (
    Actor,
    Adres,
    Betrokkene,
    Contactnaam,
    DigitaalAdres,
    Identificator,
    Klantcontact,
    Onderwerpobject,
    Organisatie,
    Partij,
    PartijIdentificatorGroep,
    Persoon,
    Ref,
)
from mapping.zgw_rejections import invalid_params, ki_field
from tests.zgw.support import CLIENT_ID, SECRET

KLANTEN = "https://zgw.example/klanten/api/v1"
CONTACTMOMENTEN = "https://zgw.example/contactmomenten/api/v1"
ZAKEN = "https://zgw.example/zaken/api/v1"
LINKS = "https://www.example.nl/onderwerp/"
ZAAK = ZAAK_VERGUNNING = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"
KLANT = "5d0b8a8e-3c4f-4e2a-9b1d-7a6c5e4f3d21"
MOMENT = "3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a911"
WHEN = dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC)
BSN = PartijIdentificatorGroep(
    codeObjecttype="natuurlijk_persoon", codeSoortObjectId="bsn", objectId="999993653", codeRegister="brp"
)
KVK = PartijIdentificatorGroep(
    codeObjecttype="niet_natuurlijk_persoon", codeSoortObjectId="kvk_nummer", objectId="12345678", codeRegister="hr"
)
RSIN = PartijIdentificatorGroep(
    codeObjecttype="niet_natuurlijk_persoon", codeSoortObjectId="rsin", objectId="002220647", codeRegister="hr"
)


def target(flavour: str = "vng", **extra) -> w.Target:
    return w.Target(
        klanten=flavour,  # type: ignore[arg-type]
        contactmomenten=flavour,  # type: ignore[arg-type]
        klanten_url=KLANTEN,
        contactmomenten_url=CONTACTMOMENTEN,
        zaak_url_base=ZAKEN,
        bronorganisatie="002220647",
        website_url="https://www.example.nl",
        **({"onderwerp_link_base": LINKS} | extra),
    )


def kiss_klantcontact(**extra) -> Klantcontact:
    """What KISS posts (J7): onderwerp, inhoud, indicatieContactGelukt true, nld, not confidential."""
    fields = {
        "key": "new",
        "kanaal": "telefoon",
        "onderwerp": "Afvalpas kwijt",
        "inhoud": "Meneer belt dat zijn afvalpas kwijt is.",
        "indicatieContactGelukt": True,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": WHEN,
    }
    return Klantcontact(**(fields | extra))


def _read_back(body: dict, t: w.Target) -> Klantcontact:
    return m.klantcontact(
        m.Contactmoment(body, MOMENT, onderwerp=t.onderwerp, onderwerp_link_base=t.onderwerp_link_base)
    )


def _problems(raised: pytest.ExceptionInfo[w.Unstorable]) -> list[str]:
    return [name for name, _ in raised.value.problems]


# --- klantcontact -> contactmoment -------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["vng", "openklant"])
def test_kiss_klantcontact_becomes_a_contactmoment_that_reads_back_the_same(flavour):
    t = target(flavour)
    body = w.contactmoment(kiss_klantcontact(), t).checked()
    assert body.values == {
        "kanaal": "telefoon",
        "tekst": "Meneer belt dat zijn afvalpas kwijt is.",
        "registratiedatum": "2025-03-04T10:30:00+00:00",
        "bronorganisatie": "002220647",
        "voorkeurstaal": "nld",
        "onderwerpLinks": [LINKS + "Afvalpas%20kwijt"],
    }
    assert body.not_stored == ("indicatieContactGelukt",)  # no place for it: the answer reads null
    read = _read_back(body.values, t)
    assert (read.onderwerp, read.inhoud, read.kanaal, read.plaatsgevondenOp) == (
        "Afvalpas kwijt",
        "Meneer belt dat zijn afvalpas kwijt is.",
        "telefoon",
        WHEN,
    )


def test_esuite_keeps_the_onderwerp_and_the_answer_in_its_own_fields():
    t = target("esuite")
    body = w.contactmoment(kiss_klantcontact(reactie="Nieuwe pas aangevraagd."), t).checked()
    assert body.values == {
        "kanaal": "telefoon",
        "tekst": "Meneer belt dat zijn afvalpas kwijt is.",
        "registratiedatum": "2025-03-04T10:30:00+00:00",
        "onderwerp": "Afvalpas kwijt",
        "antwoord": "Nieuwe pas aangevraagd.",
    }
    assert "bronorganisatie" not in body.values  # e-Suite fills it in (read-only there)
    assert _read_back(body.values, t).reactie == "Nieuwe pas aangevraagd."


def test_what_a_contactmoment_cannot_hold_is_refused_by_name():
    with pytest.raises(w.Unstorable) as refused:
        w.contactmoment(
            kiss_klantcontact(vertrouwelijk=True, reactie="Antwoord.", nummer="0000123"), target()
        ).checked()
    assert sorted(_problems(refused)) == ["nummer", "reactie", "vertrouwelijk"]
    assert "0000123" not in str(refused.value)  # reasons never echo a value
    with pytest.raises(w.Unstorable) as refused:
        w.contactmoment(kiss_klantcontact(taal="eng", inhoud=""), target("esuite")).checked()
    assert sorted(_problems(refused)) == ["inhoud", "taal"]


def test_an_onderwerp_needs_a_link_base_in_the_vng_api():
    t = target(onderwerp_link_base="")
    with pytest.raises(w.Unstorable) as refused:
        w.contactmoment(kiss_klantcontact(), t).checked()
    assert _problems(refused) == ["onderwerp"]
    assert "onderwerp_link_base" in str(refused.value)
    body = w.contactmoment(kiss_klantcontact(onderwerp=t.onderwerp), t).checked()  # the default needs none
    assert body.values["onderwerpLinks"] == []


def test_an_update_keeps_the_links_other_applications_set():
    t = target()
    current = {
        "bronorganisatie": "002220647",
        "registratiedatum": "2025-01-01T00:00:00+00:00",
        "onderwerpLinks": ["https://producten.example.nl/afval", LINKS + "Oud"],
    }
    body = w.contactmoment(kiss_klantcontact(onderwerp="Nieuw"), t, current).checked()
    assert body.values["onderwerpLinks"] == ["https://producten.example.nl/afval", LINKS + "Nieuw"]


# --- betrokkene, onderwerpobject, actor --------------------------------------------------------------


def betrokkene(**extra) -> Betrokkene:
    fields = {
        "key": "new",
        "wasPartij": Ref(KLANT),
        "hadKlantcontact": Ref(MOMENT),
        "rol": "klant",
        "initiator": True,
        "organisatienaam": "Open Inwoner Platform",
    }
    return Betrokkene(**(fields | extra))


def test_a_betrokkene_links_klant_and_contactmoment_by_configured_urls():
    body, change = w.klantcontactmoment(betrokkene(), target(), {"initiatiefnemer": ""})
    assert body.checked().values == {
        "contactmoment": f"{CONTACTMOMENTEN}/contactmomenten/{MOMENT}",
        "klant": f"{KLANTEN}/klanten/{KLANT}",
        "rol": "gesprekspartner",
    }
    assert change == {"initiatiefnemer": "klant"}  # the initiator is the contactmoment's
    assert body.not_stored == ("organisatienaam",)  # names are the klant's
    _, change = w.klantcontactmoment(betrokkene(), target(), {"initiatiefnemer": "klant"})
    assert change == {}
    body, change = w.klantcontactmoment(betrokkene(), target("esuite"), {})
    assert change == {} and "initiator" in body.not_stored  # e-Suite has no initiatiefnemer


def test_a_betrokkene_without_klant_or_as_representative_is_refused():
    body, _ = w.klantcontactmoment(betrokkene(wasPartij=None, rol="vertegenwoordiger"), target(), {})
    with pytest.raises(w.Unstorable) as refused:
        body.checked()
    assert _problems(refused) == ["wasPartij", "rol"]
    body, _ = w.klantcontactmoment(betrokkene(initiator=False), target(), {"initiatiefnemer": "klant"})
    with pytest.raises(w.Unstorable, match="initiator"):
        body.checked()


@pytest.mark.parametrize(
    ("objecttype", "register"), [("zaak", "open-zaak"), ("zgw-Zaak", "openzaak"), ("zaak", "my-zaken")]
)
def test_a_zaak_onderwerpobject_links_the_zaak_by_the_configured_base(objecttype, register):
    ident = Identificator(objectId=ZAAK, codeObjecttype=objecttype, codeRegister=register, codeSoortObjectId="uuid")
    o = Onderwerpobject(key="new", klantcontact=Ref(MOMENT), onderwerpobjectidentificator=ident)
    collection, body = w.onderwerpobject(o, target(zaak_register="my-zaken"))
    assert collection == "objectcontactmomenten"
    assert body == {
        "contactmoment": f"{CONTACTMOMENTEN}/contactmomenten/{MOMENT}",
        "object": f"{ZAKEN}/zaken/{ZAAK}",
        "objectType": "zaak",
    }


@pytest.mark.parametrize(
    "ident",
    [
        Identificator(objectId="OF-123", codeObjecttype="formulierinzending", codeRegister="Open Formulieren"),
        Identificator(
            objectId=f"https://evil.example/zaken/{ZAAK}",
            codeObjecttype="zaak",
            codeRegister="open-zaak",
            codeSoortObjectId="uuid",
        ),
        Identificator(
            objectId="ZAAK-2025-0000123", codeObjecttype="zaak", codeRegister="open-zaak", codeSoortObjectId="uuid"
        ),
    ],
)
def test_only_a_zaak_by_uuid_is_an_onderwerpobject_here(ident):
    o = Onderwerpobject(key="new", klantcontact=Ref(MOMENT), onderwerpobjectidentificator=ident)
    with pytest.raises(w.Unstorable) as refused:
        w.onderwerpobject(o, target())
    assert _problems(refused)[0].startswith("onderwerpobjectidentificator")


def test_a_follow_up_is_the_previous_contactmoment():
    o = Onderwerpobject(key="new", klantcontact=Ref(MOMENT), wasKlantcontact=Ref(ZAAK))
    assert w.onderwerpobject(o, target()) == (
        "contactmomenten",
        {"vorigContactmoment": f"{CONTACTMOMENTEN}/contactmomenten/{ZAAK}"},
    )
    with pytest.raises(w.Unstorable, match="wasKlantcontact"):
        w.onderwerpobject(o, target("esuite"))


def test_a_medewerker_fits_the_identificatie_of_its_flavour():
    kiss = Actor(
        key="a",
        naam="Sanne Visser",
        soortActor="medewerker",
        actoridentificator=Identificator(objectId="s.visser@gemeente.example.nl", codeObjecttype="mdw"),
    )
    with pytest.raises(w.Unstorable, match="24 tekens"):
        w.medewerker(kiss, target())
    assert w.medewerker(kiss, target("esuite")) == {"identificatie": "s.visser@gemeente.example.nl"}
    short = kiss.model_copy(update={"actoridentificator": Identificator(objectId="svisser")})
    assert w.medewerker(short, target())["identificatie"] == "svisser"


# --- partij -> klant --------------------------------------------------------------------------------


def persoon(**extra) -> Partij:
    fields = {
        "key": "new",
        "soortPartij": "persoon",
        "indicatieActief": True,
        "voorkeurstaal": "nld",
        "partijIdentificatie": Persoon(
            contactnaam=Contactnaam(voorletters="H.", voornaam="Henk", voorvoegselAchternaam="de", achternaam="Bruin")
        ),
        "bezoekadres": Adres(
            straatnaam="Dorpsstraat", huisnummer=12, postcode="1234 AB", stad="Voorbeeldstad", land="NL"
        ),
    }
    return Partij(**(fields | extra))


def test_a_persoon_becomes_a_vng_klant_that_reads_back_the_same():
    body = kw.klant(persoon(), [BSN], target(), klantnummer="00000042").checked()
    assert body.values["subjectType"] == "natuurlijk_persoon"
    assert body.values["subjectIdentificatie"] == {"voorletters": "H.", "inpBsn": "999993653"}
    assert body.values["websiteUrl"] == "https://www.example.nl"  # required by VNG 1.0.0
    assert body.values["klantnummer"] == "00000042"
    assert body.values["adres"]["postcode"] == "1234AB"
    assert body.not_stored == ("voorkeurstaal",)
    read = m.partij(body.values, KLANT)
    assert read.partijIdentificatie == persoon().partijIdentificatie
    assert [i.partijIdentificator for i in read.partijIdentificatoren] == [BSN]
    assert read.bezoekadres.adresregel1 == "Dorpsstraat 12"
    assert "websiteUrl" not in kw.klant(persoon(), [BSN], target("openklant"), "1").values


def test_esuite_takes_only_the_identificator_of_a_new_klant():
    body = kw.klant(persoon(bezoekadres=Adres()), [BSN], target("esuite"), klantnummer="ignored").checked()
    assert body.values == {"subjectIdentificatie": {"inpBsn": "999993653"}}
    assert set(body.not_stored) == {"voorkeurstaal", "partijIdentificatie"}


def test_a_partij_a_klant_cannot_be_is_refused_by_name():
    adres = persoon().bezoekadres.model_copy(update={"adresregel1": "Kerkplein 1"})  # contradicts the street
    cases = [
        (kw.klant(persoon(), [BSN, RSIN], target(), "1"), ["partijIdentificatoren"]),
        (kw.klant(persoon(soortPartij="contactpersoon"), [], target(), "1"), ["soortPartij"]),
        (
            kw.klant(persoon(indicatieGeheimhouding=True, interneNotitie="let op"), [BSN], target(), "1"),
            ["indicatieGeheimhouding", "interneNotitie"],
        ),
        (kw.klant(persoon(bezoekadres=adres), [BSN], target(), "1"), ["bezoekadres.adresregel1"]),
        (kw.klant(persoon(bezoekadres=Adres()), [], target("esuite"), "1"), ["partijIdentificatoren"]),
        (
            kw.klant(persoon(bezoekadres=persoon().bezoekadres), [BSN], target("esuite"), "1"),
            [
                "bezoekadres.straatnaam",
                "bezoekadres.huisnummer",
                "bezoekadres.postcode",
                "bezoekadres.stad",
                "bezoekadres.land",
            ],
        ),
    ]
    for body, names in cases:
        with pytest.raises(w.Unstorable) as refused:
            body.checked()
        assert sorted(_problems(refused)) == sorted(names)


def test_an_organisation_is_held_by_rsin_in_vng_and_by_kvk_in_esuite():
    org = Partij(
        key="new",
        soortPartij="organisatie",
        indicatieActief=True,
        partijIdentificatie=Organisatie(naam="Bakkerij B.V."),
    )
    vng = kw.klant(org, [RSIN], target(), "1").checked()
    assert vng.values["subjectIdentificatie"] == {"statutaireNaam": "Bakkerij B.V.", "innNnpId": "002220647"}
    assert m.partij(vng.values, KLANT).partijIdentificatie == Organisatie(naam="Bakkerij B.V.")
    with pytest.raises(w.Unstorable, match="RSIN, geen KvK"):
        kw.klant(org, [KVK], target(), "1").checked()
    assert kw.klant(org, [KVK], target("esuite"), "1").values == {"subjectIdentificatie": {"innNnpId": "12345678"}}
    with pytest.raises(w.Unstorable, match="KvK-nummer, geen RSIN"):
        kw.klant(org, [RSIN], target("esuite"), "1").checked()


# --- identificator, digitale adressen ------------------------------------------------------------------


def test_a_klant_gets_one_identificator():
    anonymous = {"subjectType": "natuurlijk_persoon", "subjectIdentificatie": {"voorletters": "H.", "inpBsn": ""}}
    body = kw.identificator(BSN, anonymous, target(), replace=False).checked()
    assert body.values == {
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"voorletters": "H.", "inpBsn": "999993653"},
    }
    known = {**anonymous, **body.values}
    other = BSN.model_copy(update={"objectId": "111222333"})
    with pytest.raises(w.Unstorable, match="identificeerdePartij"):
        kw.identificator(other, known, target(), replace=False).checked()
    assert (
        kw.identificator(other, known, target(), replace=True).checked().values["subjectIdentificatie"]["inpBsn"]
        == "111222333"
    )
    assert (
        kw.identificator(None, known, target(), replace=True).checked().values["subjectIdentificatie"]["inpBsn"] == ""
    )
    with pytest.raises(w.Unstorable):
        kw.identificator(
            None, {"subjectIdentificatie": {"inpBsn": "999993653"}}, target("esuite"), replace=True
        ).checked()


def adres(soort: str, value: str, **extra) -> DigitaalAdres:
    return DigitaalAdres(key="new", verstrektDoorPartij=Ref(KLANT), soortDigitaalAdres=soort, adres=value, **extra)


def test_digitale_adressen_fill_the_klants_slots():
    klant = {"emailadres": "", "telefoonnummer": ""}
    suffix, body = kw.digitaal_adres(adres("email", "h@example.nl", omschrijving="OIP profiel"), klant, target())
    assert (suffix, body.checked().values, body.not_stored) == (
        "email",
        {"emailadres": "h@example.nl"},
        ("omschrijving",),
    )
    klant |= body.values
    suffix, body = kw.digitaal_adres(adres("telefoonnummer", "0612345678"), klant, target())
    assert (suffix, body.checked().values) == ("tel", {"telefoonnummer": "0612345678"})
    klant |= body.values
    _, body = kw.digitaal_adres(adres("telefoonnummer", "0201234567"), klant, target())
    with pytest.raises(w.Unstorable, match="soortDigitaalAdres"):
        body.checked()
    suffix, body = kw.digitaal_adres(adres("telefoonnummer", "0201234567"), klant, target("esuite"))
    assert (suffix, body.checked().values) == ("tel2", {"telefoonnummerAlternatief": "0201234567"})
    read = m.digitale_adressen({**klant, **body.values}, KLANT)
    assert [(a.key.partition("#")[2], a.isStandaardAdres) for a in read] == [
        ("email", True),
        ("tel", True),
        ("tel2", False),
    ]
    suffix, body = kw.digitaal_adres(adres("email", "nieuw@example.nl"), klant, target(), suffix="email")
    assert body.checked().values == {"emailadres": "nieuw@example.nl"}
    assert kw.removed_adres("tel", klant, target()).values == {"telefoonnummer": ""}


def test_a_digitaal_adres_of_a_betrokkene_or_of_another_soort_is_refused():
    given = adres("overig", "https://example.nl").model_copy(update={"verstrektDoorBetrokkene": Ref("b")})
    _, body = kw.digitaal_adres(given, {}, target())
    with pytest.raises(w.Unstorable) as refused:
        body.checked()
    assert _problems(refused) == ["verstrektDoorBetrokkene", "soortDigitaalAdres"]


# --- upstream refusals -> Klantinteracties fields --------------------------------------------------------


def test_upstream_fields_map_back_to_the_fields_the_client_wrote():
    assert ki_field("klantcontacten", "onderwerpLinks.0") == "onderwerp"
    assert ki_field("klantcontacten", "tekst") == "inhoud"
    assert ki_field("partijen", "subjectIdentificatie.inpBsn") == "partijIdentificatoren"
    assert ki_field("partij-identificatoren", "subjectIdentificatie.inpBsn") == "partijIdentificator.objectId"
    assert ki_field("partijen", "adres.woonplaatsnaam") == "bezoekadres.stad"
    assert ki_field("actorklantcontacten", "medewerkerIdentificatie.identificatie") == "actor"
    assert ki_field("klantcontacten", "bronorganisatie") is None
    refused = [
        {"name": "klant", "code": "bad-url", "reason": f"{KLANTEN}/klanten/{KLANT} resolvet niet"},
        {"name": "rol", "code": "invalid_choice", "reason": '"x" is een ongeldige keuze.'},
    ]
    assert invalid_params("betrokkenen", refused) == [
        ("wasPartij", "does_not_exist", "bestaat niet in deze bron"),
        ("rol", "invalid_choice", "geen geldige keuze in deze bron"),
    ]
    # one problem the client did not cause (a setting): the whole answer is the source's fault
    setting = [{"name": "bronorganisatie", "code": "invalid", "reason": "Onjuist RSIN nummer"}]
    assert invalid_params("klantcontacten", refused[:1] + setting) is None
    assert invalid_params("klantcontacten", []) is None


# --- the bodies are what the local server (as strict as the real APIs) accepts ----------------------------


@pytest.mark.parametrize("flavour", ["vng", "openklant", "esuite"])
def test_mapped_bodies_are_accepted_and_read_back(flavour):
    with serve_in_thread(clients={CLIENT_ID: SECRET}, flavour=flavour) as server:
        t = w.Target(
            klanten=flavour,
            contactmomenten=flavour,
            klanten_url=f"{server.base}/klanten/api/v1",
            contactmomenten_url=f"{server.base}/contactmomenten/api/v1",
            zaak_url_base=f"{server.base}/zaken/api/v1",
            bronorganisatie="002220647",
            website_url="https://www.example.nl",
            onderwerp_link_base=LINKS,
        )

        def send(method: str, url: str, body: dict) -> dict:
            answer = httpx.request(method, url, json=body, headers=ZgwJwt(CLIENT_ID, SECRET)(), timeout=10)
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        partij = persoon(bezoekadres=Adres()) if flavour == "esuite" else persoon()
        other = BSN.model_copy(update={"objectId": "111222333"})
        klant = send("POST", f"{t.klanten_url}/klanten", kw.klant(partij, [other], t, "00000077").checked().values)
        klant_key = m.record_uuid(klant)
        read = m.partij(klant, klant_key)
        assert [i.partijIdentificator for i in read.partijIdentificatoren] == [other]
        if flavour != "esuite":
            assert read.partijIdentificatie == partij.partijIdentificatie
            assert read.bezoekadres.adresregel2 == "1234 AB Voorbeeldstad"
        for soort, value in (("email", "h@example.nl"), ("telefoonnummer", "0612345678")):
            _, body = kw.digitaal_adres(adres(soort, value), klant, t)
            klant = send("PATCH", klant["url"], body.checked().values)
        assert [a.adres for a in m.digitale_adressen(klant, klant_key)] == ["h@example.nl", "0612345678"]

        moment = send(
            "POST", f"{t.contactmomenten_url}/contactmomenten", w.contactmoment(kiss_klantcontact(), t).checked().values
        )
        moment_key = m.record_uuid(moment)
        link, change = w.klantcontactmoment(
            betrokkene(wasPartij=Ref(klant_key), hadKlantcontact=Ref(moment_key)), t, moment
        )
        kcm = send("POST", f"{t.contactmomenten_url}/klantcontactmomenten", link.checked().values)
        if change:
            moment = send("PATCH", moment["url"], change)
        ident = Identificator(
            objectId=ZAAK_VERGUNNING, codeObjecttype="zaak", codeRegister="open-zaak", codeSoortObjectId="uuid"
        )
        collection, about = w.onderwerpobject(
            Onderwerpobject(key="new", klantcontact=Ref(moment_key), onderwerpobjectidentificator=ident), t
        )
        ocm = send("POST", f"{t.contactmomenten_url}/{collection}", about)
        read_moment = m.klantcontact(m.Contactmoment(moment, moment_key, [kcm], [ocm], onderwerp_link_base=LINKS))
        assert (read_moment.onderwerp, read_moment.inhoud) == ("Afvalpas kwijt", kiss_klantcontact().inhoud)
        assert m.betrokkene(kcm, moment, klant).initiator is (flavour != "esuite")
        assert (
            m.onderwerpobjecten(m.Contactmoment(moment, moment_key, [kcm], [ocm]))[
                0
            ].onderwerpobjectidentificator.objectId
            == ZAAK_VERGUNNING
        )
