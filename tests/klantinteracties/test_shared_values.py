"""Values the Klantinteracties mapping builds once per content and shares (actors, addresses,
names): a record never gets another record's model when their contents differ in a way the
contract cares about, and no BSN is kept in the memo."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from mapping import klantinteracties as ki_mapping
from mapping.ki import Adres


def _actor(**extra) -> dict:
    return {
        "uuid": "4b0e1a7c-2f3d-4e5a-9b8c-7d6e5f4a3b2c",
        "naam": "Medewerker",
        "soortActor": "medewerker",
        "indicatieActief": True,
        "actoridentificator": {"objectId": "m.jansen@gemeente.example", "codeObjecttype": "mdw"},
        **extra,
    }


def test_an_equal_actor_is_shared_and_a_different_one_is_not():
    first, again = ki_mapping._actor(_actor()), ki_mapping._actor(_actor())
    assert first is again
    other = ki_mapping._actor(_actor(naam="Andere medewerker"))
    assert other.naam == "Andere medewerker"


def test_a_non_finite_number_breaks_its_actor_even_after_an_equal_looking_valid_one():
    ki_mapping._actor(_actor(indicatieActief=None))  # mapped and kept: null -> the default
    with pytest.raises(ValidationError):
        ki_mapping._actor(_actor(indicatieActief=math.inf))  # a lenient parse's huge number


def test_an_actor_whose_identificator_could_hold_a_bsn_is_not_kept():
    bsn_actor = _actor(actoridentificator={"objectId": "999993653", "codeSoortObjectId": "bsn"})
    before = ki_mapping._shared_actor.cache_info()
    mapped = ki_mapping._actor(bsn_actor)
    after = ki_mapping._shared_actor.cache_info()
    assert mapped.actoridentificator.objectId == "999993653"
    assert (after.hits, after.misses) == (before.hits, before.misses)


@pytest.mark.parametrize(
    ("valid", "other"),
    [
        ({"huisnummer": 1}, {"huisnummer": 1.5}),  # a float is never taken from another record
        ({"postcode": "1234 AB"}, {"postcode": "1234AB"}),
        ({"huisnummer": 1}, {"huisnummer": "x"}),
    ],
)
def test_a_shared_address_is_only_the_same_content(valid, other):
    assert ki_mapping.group(Adres, valid) is ki_mapping.group(Adres, dict(valid))
    try:
        expected = Adres(**other)
    except ValidationError:
        with pytest.raises(ValidationError):
            ki_mapping.group(Adres, other)
    else:
        assert ki_mapping.group(Adres, other) == expected
