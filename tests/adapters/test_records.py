"""One record that does not map is skipped, logged by resource, key and field paths: never a value."""

from __future__ import annotations

import datetime as dt
import logging

from adapters.records import build_or_skip
from mapping.ki import Identificator, Unmappable

BSN = "999993653"


def test_a_valid_record_is_built():
    built = build_or_skip("test", "partijen", "p1", lambda: Identificator(objectId=BSN))
    assert built is not None and built.objectId == BSN


def test_a_record_breaking_the_contract_is_named_by_its_field_paths_only(caplog):
    with caplog.at_level(logging.WARNING):
        assert build_or_skip("test", "partijen", "p1", lambda: Identificator(objectId=BSN + "x" * 200)) is None
    assert "test: skipped partijen p1, it breaks the contract at: objectId" in caplog.text
    assert BSN not in caplog.text


def test_the_mappings_own_refusal_is_logged_with_its_message(caplog):
    def refuse():
        raise Unmappable("contactmoment without registratiedatum")

    with caplog.at_level(logging.WARNING):
        assert build_or_skip("test", "klantcontacten", "k1", refuse) is None
    assert "skipped klantcontacten k1: contactmoment without registratiedatum" in caplog.text


def test_any_other_value_error_is_logged_without_its_message(caplog):
    """Python's own messages quote the input: `Invalid isoformat string: '999993653'`."""
    with caplog.at_level(logging.WARNING):
        assert build_or_skip("test", "partijen", "p1", lambda: dt.date.fromisoformat(BSN)) is None
    assert "skipped partijen p1: it does not map (ValueError (raised in" in caplog.text
    assert BSN not in caplog.text


def test_a_mapping_that_trips_over_a_value_skips_only_that_record(caplog):
    """A `TypeError` on an unexpected value (a list where a text should be) is one record's bug."""
    with caplog.at_level(logging.WARNING):
        assert build_or_skip("test", "actoren", "a1", lambda: {"medewerker": 1}[[BSN]]) is None  # type: ignore[index]
    assert "skipped actoren a1: it does not map (TypeError" in caplog.text
    assert BSN not in caplog.text
