"""Identificator conventions and profiles (mapping/conventions.py), and derived nummers (mapping/nummers.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from mapping import conventions as c
from mapping import nummers
from mapping.ki import Actor, ActorFacts, Identificator, Onderwerpobject, ZaakFacts

ZAAK = "0f3a3c2e-5b7d-4c1a-9e2f-7a8b9c0d1e2f"


def medewerker(**facts) -> Actor:
    return Actor(
        key="E014",
        naam="Pieter de Wit",
        soortActor="medewerker",
        actoridentificator=Identificator(
            objectId="E014", codeObjecttype="mdw", codeRegister="crm", codeSoortObjectId="idf"
        ),
        facts=ActorFacts(soort="medewerker", **facts) if facts else None,
    )


def zaak(**facts) -> Onderwerpobject:
    own = Identificator(objectId=ZAAK, codeObjecttype="zaak", codeRegister="zaaksysteem", codeSoortObjectId="uuid")
    return Onderwerpobject(key="z", onderwerpobjectidentificator=own, zaak=ZaakFacts(**facts) if facts else None)


def codes(identificator: Identificator | None) -> tuple[str, ...] | None:
    if identificator is None:
        return None
    return (
        identificator.codeObjecttype,
        identificator.codeRegister,
        identificator.codeSoortObjectId,
        identificator.objectId,
    )


def test_a_profile_publishes_the_first_convention_whose_fact_is_known():
    kiss = c.READY_MADE["kiss"]
    assert codes(kiss.identificator(medewerker(identificatie="E014", emailadres="p@x.nl"))) == (
        "mdw",
        "msei",
        "email",
        "p@x.nl",
    )
    # no e-mail known (a ZGW medewerker): the next convention, by id
    assert codes(kiss.identificator(medewerker(identificatie="E014"))) == ("mdw", "obj", "idf", "E014")
    assert codes(kiss.identificator(zaak(uuid=ZAAK, identificatie="ZAAK-1"))) == ("zgw-Zaak", "openzaak", "uuid", ZAAK)
    # a zaak known by number only is not written as if it had a UUID
    assert codes(kiss.identificator(zaak(identificatie="ZAAK-1"))) == ("zaak", "open-zaak", "zaaknummer", "ZAAK-1")
    oip = c.READY_MADE["open-inwoner"]
    assert codes(oip.identificator(zaak(uuid=ZAAK, identificatie="ZAAK-1"))) == (
        "zaak",
        "open-zaak",
        "zaaknummer",
        "ZAAK-1",
    )
    assert codes(c.READY_MADE["zac"].identificator(zaak(uuid=ZAAK))) == ("zaak", "open-zaak", "uuid", ZAAK)


def test_without_facts_or_conventions_the_source_s_own_identificator_stays():
    assert c.READY_MADE["kiss"].identificator(medewerker()) is None
    assert c.Profile("eigen").identificator(medewerker(identificatie="E014")) is None
    assert c.READY_MADE["kiss"].identificator(zaak()) is None


def test_forms_are_the_own_identificator_and_every_known_convention_of_the_facts():
    found = {codes(f) for f in c.forms(medewerker(identificatie="E014", emailadres="p@x.nl"), c.WELL_KNOWN)}
    assert found == {
        ("mdw", "crm", "idf", "E014"),
        ("mdw", "msei", "email", "p@x.nl"),
        ("mdw", "handmatig", "email", "p@x.nl"),
        ("mdw", "obj", "idf", "E014"),
    }
    # an afdeling's conventions only: a medewerker is never found as afd/obj/idf
    afdeling = medewerker().model_copy(update={"facts": ActorFacts(soort="afdeling", identificatie="D01")})
    assert ("afd", "obj", "idf", "D01") in {codes(f) for f in c.forms(afdeling, c.WELL_KNOWN)}
    assert ("mdw", "obj", "idf", "D01") not in {codes(f) for f in c.forms(afdeling, c.WELL_KNOWN)}


def test_configured_conventions_join_the_well_known_ones():
    mine = c.Profile("eigen", {"medewerker": (c.Convention("mdw", "ad", "upn", "emailadres"),)})
    known = c.known([mine])
    assert c.Convention("mdw", "ad", "upn", "emailadres") in known["medewerker"]
    assert set(c.WELL_KNOWN["medewerker"]) <= set(known["medewerker"])
    assert len(known["zaak"]) == len(set(known["zaak"]))


@pytest.mark.parametrize(
    ("identificator", "facts"),
    [
        (("mdw", "msei", "email", "p@x.nl"), ActorFacts(soort="medewerker", emailadres="p@x.nl")),
        (("mdw", "obj", "idf", "E014"), ActorFacts(soort="medewerker", identificatie="E014")),
        (("grp", "obj", "idf", "G1"), ActorFacts(soort="groep", identificatie="G1")),
        (("zgw-Zaak", "openzaak", "uuid", ZAAK), ZaakFacts(uuid=ZAAK)),
        (("zaak", "open-zaak", "zaaknummer", "ZAAK-1"), ZaakFacts(identificatie="ZAAK-1")),
        (("zaak", "open-zaak", "uuid", "not-a-uuid"), None),  # a value its fact cannot hold states nothing
        (("zaak", "other", "uuid", ZAAK), None),  # an unknown spelling
        (("mdw", "msei", "email", ""), None),
    ],
)
def test_facts_from_an_identificator_in_a_known_convention(identificator, facts):
    objecttype, register, soort, object_id = identificator
    given = Identificator(objectId=object_id, codeObjecttype=objecttype, codeRegister=register, codeSoortObjectId=soort)
    assert c.facts_from(given) == facts


def test_facts_are_data_of_the_model_but_not_of_the_contract():
    from facade.engine.render import _field_names

    assert "facts" not in _field_names(Actor) and "zaak" not in _field_names(Onderwerpobject)
    # they survive a round trip (the shared cache stores objects as their dump)
    actor = medewerker(identificatie="E014", emailadres="p@x.nl")
    assert Actor.model_validate(actor.model_dump(mode="json")) == actor


# --- derived nummers ---------------------------------------------------------------------------

MOMENT = dt.datetime(2025, 1, 16, 9, 5, 7, 500_000, tzinfo=dt.UTC)


def test_an_own_identifier_that_fits_is_the_nummer():
    assert nummers.nummer("KC-0001", "key", MOMENT) == "KC-0001"
    assert nummers.nummer(" BA321 ", "key", MOMENT) == "BA321"


@pytest.mark.parametrize("identifier", ["", "CMO-2025-0000000012", "ABCDEFGHIJ"])
def test_otherwise_a_nummer_is_derived_from_the_moment_and_the_key(identifier):
    value = nummers.nummer(identifier, "3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a911", MOMENT)
    assert nummers.is_derived(value) and len(value) == 10
    assert value == nummers.nummer(identifier, "3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a911", MOMENT)  # stable
    assert value != nummers.nummer(identifier, "3e1f0a9b-8c7d-4e6f-a5b4-c3d2e1f0a912", MOMENT)
    start = MOMENT.replace(microsecond=0)
    assert nummers.moment_window(value) == (start, start + dt.timedelta(seconds=1))


def test_the_window_of_moments_beyond_the_range_is_open():
    early = nummers.derived("k", dt.datetime(1990, 1, 1, tzinfo=dt.UTC))
    late = nummers.derived("k", dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    assert nummers.moment_window(early) == (None, nummers.EPOCH + dt.timedelta(seconds=1))
    start, end = nummers.moment_window(late)  # type: ignore[misc]
    assert end is None and start < dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    assert nummers.moment_window("KC-0001") is None


def test_derived_nummers_of_one_second_differ_by_key():
    # four hash characters: two records of one second share a nummer with a chance of 1 in 36**4
    found = {nummers.derived(f"key-{i}", MOMENT) for i in range(100)}
    assert len(found) == 100
    assert len({value[:6] for value in found}) == 1
