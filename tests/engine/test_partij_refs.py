"""`partij_refs` (the references to partijen that `Renderer.prepare` resolves) walks a plan per
class instead of every field. A reference the plan misses is published under the wrong UUID (a
merged partij's source UUID instead of its merged one), so the plan is checked against the
generic `walk_refs` on objects of every class of the model, every field filled, every
alternative of a union taken."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from facade.engine.render import partij_refs, walk_refs
from mapping.ki import MODELS, Adres, Contactnaam, Contactpersoon, Partij, PartijIdentificator, Ref

SOURCE: Any = object()
"""`walk_refs` only passes its source on."""

_PLAIN = {str: "x", int: 1, float: 1.0, bool: True, type(None): None, dt.date: dt.date(2024, 1, 2)}


@st.composite
def _value(draw: st.DrawFn, annotation: Any, depth: int = 0) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return draw(_value(args[0], depth))
    if origin in (typing.Union, types.UnionType):
        return draw(_value(draw(st.sampled_from(args)), depth))
    if origin is list:
        return [draw(_value(args[0], depth + 1)) for _ in range(draw(st.integers(0, 2 if depth < 3 else 0)))]
    if origin is dict:
        return {}
    if origin is typing.Literal:
        return draw(st.sampled_from(args))
    if annotation in _PLAIN:
        return _PLAIN[annotation]
    if annotation is dt.datetime:
        return dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    if isinstance(annotation, type) and issubclass(annotation, Ref):
        return annotation(key=draw(st.sampled_from(["k1", "k2"])))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = {name: draw(_value(info.annotation, depth + 1)) for name, info in annotation.model_fields.items()}
        return annotation.model_construct(**fields)
    raise AssertionError(f"no value for {annotation!r}: teach this test the new type")


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data(), model=st.sampled_from(sorted(MODELS.values(), key=lambda model: model.resource)))
def test_partij_refs_finds_every_reference_to_a_partij_that_walk_refs_finds(data, model):
    obj = data.draw(_value(model))
    expected = [found for found in walk_refs(SOURCE, obj.resource, (), obj) if found[1] == "partijen"]
    assert list(partij_refs(SOURCE, obj)) == expected


def test_references_to_partijen_are_found_in_value_groups_and_embedded_objects():
    """Hand-built: the places where a partij is referred to other than by a field of its own."""
    identificator = PartijIdentificator.model_construct(
        key="pi", identificeerdePartij=Ref("p-identified"), subIdentificatorVan=Ref("pi-other")
    )
    contactpersoon = Partij.model_construct(
        key="cp",
        partijIdentificatie=Contactpersoon(werkteVoorPartij=Ref("p-employer"), contactnaam=Contactnaam()),
        partijIdentificatoren=[identificator],
        vertegenwoordigden=[Ref("p-represented")],
        betrokkenen=[Ref("b")],
        digitaleAdressen=[Ref("d")],
        bezoekadres=Adres(),
    )
    found = [ref.key for _, target, ref in partij_refs(SOURCE, contactpersoon)]
    assert sorted(found) == ["p-employer", "p-identified", "p-represented"]
    assert {target for _, target, _ in partij_refs(SOURCE, contactpersoon)} == {"partijen"}
