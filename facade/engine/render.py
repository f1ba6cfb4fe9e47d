"""Engine nodes -> JSON-ready dicts in Open Klant's shape, with façade UUIDs and URLs.

Rendering is two steps: `prepare` resolves, in one batch, the published UUIDs of every partij
referenced by the objects (a partij merged across sources is published under its merged UUID,
which needs its identificators); `render` then builds the dicts without further I/O.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from facade.engine.graph import Item, Loader, MergedPartij, Node
from facade.engine.paths import relation_target
from facade.engine.sources import Identities, Source
from facade.identity import KeySpace
from mapping.contract import API_PREFIX, EMBEDDED_RELATIONS, RESOURCES
from mapping.conventions import IDENTIFICATOR_FIELDS, Profile
from mapping.ki import (
    CategorieRef,
    CategorieRelatieRef,
    Contactpersoon,
    InterneTaak,
    KIObject,
    Organisatie,
    Partij,
    Persoon,
    Ref,
)

_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types of values that hold no reference and render as they are (the common case: checked first)."""


@functools.cache
def _field_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields an object publishes: not its key, not the facts a source reports beside it."""
    hidden = getattr(model, "unpublished", frozenset({"key"}))
    return tuple(name for name in model.model_fields if name not in hidden)


@functools.cache
def _special_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields that `Renderer.object` renders other than as they are (with a field beside them, or
    in another shape); every other field is a plain one."""
    special = {"toegewezenAanActoren"} if issubclass(model, InterneTaak) else set()
    special |= {"partijIdentificatie"} if issubclass(model, Partij) else set()
    special |= {"contactnaam"} if getattr(model, "resource", None) == "betrokkenen" else set()
    return frozenset(special)


def _fields(model: BaseModel) -> Iterator[tuple[str, Any]]:
    for name in _field_names(type(model)):
        yield name, getattr(model, name)


def _classes_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    for argument in typing.get_args(annotation):
        yield from _classes_in(argument)


@functools.cache
def may_refer_to_partijen(model: type[BaseModel]) -> bool:
    """Can an object of this class hold a reference to a partij (directly, in a value group, or
    in an embedded object)? False lets `Renderer.prepare` skip walking it. Unknown: True."""
    resource = getattr(model, "resource", None)
    targets = set(RESOURCES[resource].relations.values()) if resource in RESOURCES else {"partijen"}
    targets |= set(EMBEDDED_RELATIONS.get(resource or "", {}).values())
    if "partijen" in targets:
        return True
    for info in model.model_fields.values():
        for kind in _classes_in(info.annotation):
            if kind is Any or kind is object:
                return True
            nested = isinstance(kind, type) and issubclass(kind, KIObject) and kind is not model
            if nested and may_refer_to_partijen(kind):
                return True
    return False


def walk_refs(source: Source, resource: str, subpath: tuple[str, ...], value: Any) -> Iterator[tuple[Source, str, Ref]]:
    """Every reference inside a value, with the resource it points at."""
    if type(value) in _SCALARS:
        return
    if isinstance(value, Ref):
        target = relation_target(resource, subpath)
        if target:
            yield source, target, value
    elif isinstance(value, list):
        for element in value:
            yield from walk_refs(source, resource, subpath, element)
    elif isinstance(value, KIObject):
        for name, field_value in _fields(value):
            yield from walk_refs(source, value.resource, (name,), field_value)
    elif isinstance(value, BaseModel):
        for name, field_value in _fields(value):
            yield from walk_refs(source, resource, (*subpath, name), field_value)


def _may_hold_ref(annotation: Any, owner: type[BaseModel]) -> bool:
    for kind in _classes_in(annotation):
        if kind is Any or kind is object:
            return True
        if isinstance(kind, type) and (
            issubclass(kind, Ref | KIObject)
            or (issubclass(kind, BaseModel) and kind is not owner and _may_hold_refs(kind))
        ):
            return True
    return False


@functools.cache
def _group_fields_with_refs(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a value group that can hold a reference (where it points depends on where
    the group is: `partijIdentificatie.werkteVoorPartij`)."""
    return tuple(name for name in _field_names(model) if _may_hold_ref(model.model_fields[name].annotation, model))


@functools.cache
def _may_hold_refs(model: type[BaseModel]) -> bool:
    """Can a value group of this class hold a reference (a plain address or name cannot)?"""
    return bool(_group_fields_with_refs(model))


@functools.cache
def _fields_toward_partijen(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a class in which a reference to a partij can be: a reference whose relation
    points at partijen, a value group that can hold references, an embedded object that may
    refer to one, an unknown type. A list of references to betrokkenen or digitale adressen, an
    address or a name is not walked to find none."""
    resource = getattr(model, "resource", None)
    found = []
    for name in _field_names(model):
        for kind in _classes_in(model.model_fields[name].annotation):
            if kind is Any or kind is object:
                break
            if isinstance(kind, type) and issubclass(kind, KIObject):
                if kind is model or may_refer_to_partijen(kind):
                    break
            elif isinstance(kind, type) and issubclass(kind, BaseModel) and _may_hold_refs(kind):
                break
        else:
            if resource is None or relation_target(resource, (name,)) != "partijen":
                continue
        found.append(name)
    return tuple(found)


def partij_refs(source: Source, obj: KIObject) -> Iterator[tuple[Source, str, Ref]]:
    """The references to partijen of an object (`walk_refs`, only where such a reference can be)."""
    if may_refer_to_partijen(type(obj)):
        yield from _partij_refs_in(source, obj.resource, (), obj)


def _partij_refs_in(
    source: Source, resource: str, subpath: tuple[str, ...], value: Any
) -> Iterator[tuple[Source, str, Ref]]:
    if isinstance(value, Ref):
        if relation_target(resource, subpath) == "partijen":
            yield source, "partijen", value
    elif isinstance(value, list):
        for element in value:
            if type(element) not in _SCALARS:
                yield from _partij_refs_in(source, resource, subpath, element)
    elif isinstance(value, KIObject):
        for name in _fields_toward_partijen(type(value)):
            field_value = getattr(value, name)
            if type(field_value) not in _SCALARS:
                yield from _partij_refs_in(source, value.resource, (name,), field_value)
    elif isinstance(value, BaseModel):
        for name in _group_fields_with_refs(type(value)):
            field_value = getattr(value, name)
            if type(field_value) not in _SCALARS:
                yield from _partij_refs_in(source, resource, (*subpath, name), field_value)


def node_items(node: Node) -> tuple[Item, ...]:
    return node.items if isinstance(node, MergedPartij) else (node,)


class Renderer:
    def __init__(self, identities: Identities, base_url: str, profile: Profile | None = None):
        self.identities = identities
        self.api_root = base_url.rstrip("/") + API_PREFIX
        self.profile = profile
        """The caller's identificator conventions (None: every identificator as its source gave it)."""
        self._partij_uuids: dict[tuple[str, str, str], str | None] = {}

    def url(self, resource: str, uuid: str) -> str:
        return f"{self.api_root}/{resource}/{uuid}"

    async def prepare(self, loader: Loader, nodes: Iterable[Node]) -> None:
        """Resolve the published UUIDs of all partij references of these nodes in one batch."""
        if not self.identities.merge_partijen:
            return
        refs = [ref for node in nodes for item in node_items(node) for ref in partij_refs(item.source, item.obj)]
        if refs:
            self._partij_uuids.update(await loader.ref_uuids(refs))

    # --- references ------------------------------------------------------------------------

    def _ref_uuid(self, source: Source, resource: str, ref: Ref) -> str | None:
        if resource == "partijen" and self.identities.merge_partijen:
            known = self._partij_uuids.get((source.name, resource, ref.key))
            if known is not None:
                return known
        return self.identities.of(source, resource, ref.key)

    def _plain_ref(self, source: Source, resource: str, ref: Ref) -> dict[str, Any]:
        uuid = self._ref_uuid(source, resource, ref)
        return {"uuid": uuid, "url": self.url(resource, uuid) if uuid else None}

    def ref(self, source: Source, resource: str, ref: Ref | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        rendered = self._plain_ref(source, resource, ref)
        if isinstance(ref, CategorieRef):
            rendered["naam"] = ref.naam
        elif isinstance(ref, CategorieRelatieRef):
            rendered.update(categorieNaam=ref.categorieNaam, beginDatum=ref.beginDatum, eindDatum=ref.eindDatum)
        return rendered

    # --- values ----------------------------------------------------------------------------

    def _value(self, source: Source, resource: str, subpath: tuple[str, ...], value: Any) -> Any:
        if type(value) in _SCALARS:
            return value
        if isinstance(value, Ref):
            target = relation_target(resource, subpath)
            return self.ref(source, target, value) if target else None
        if isinstance(value, list):
            if value and type(value[0]) is Ref:  # a relation list: its target worked out once
                target = relation_target(resource, subpath)
                if target:
                    return [
                        self._plain_ref(source, target, element)
                        if type(element) is Ref
                        else self._value(source, resource, subpath, element)
                        for element in value
                    ]
            return [
                element if type(element) in _SCALARS else self._value(source, resource, subpath, element)
                for element in value
            ]
        if isinstance(value, KIObject):
            return self.object(source, value)
        if isinstance(value, BaseModel):
            group: dict[str, Any] = {}
            for name in _field_names(type(value)):
                field_value = getattr(value, name)
                group[name] = (
                    field_value
                    if type(field_value) in _SCALARS
                    else self._value(source, resource, (*subpath, name), field_value)
                )
            return group
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC)
        return value

    def _partij_identificatie(self, source: Source, partij: Partij) -> dict[str, Any]:
        ident = partij.partijIdentificatie
        if isinstance(ident, Organisatie):
            return {"naam": ident.naam}
        naam = ident.contactnaam.volledige_naam if ident.contactnaam else ""
        contactnaam = self._value(source, "partijen", ("partijIdentificatie", "contactnaam"), ident.contactnaam)
        if isinstance(ident, Contactpersoon):
            return {
                "uuid": self._contactpersoon_uuid(source, partij.key),
                "werkteVoorPartij": self.ref(source, "partijen", ident.werkteVoorPartij),
                "contactnaam": contactnaam,
                "volledigeNaam": naam,
            }
        assert isinstance(ident, Persoon)
        return {"contactnaam": contactnaam, "volledigeNaam": naam}

    def _contactpersoon_uuid(self, source: Source, key: str) -> str | None:
        """The contactpersoon part has a UUID of its own in Open Klant: derived from the partij's
        key in a key space of its own, with the partij's key formats."""
        for space in source.spaces.get("partijen", ()):
            encoded = self.identities.codec.encode(KeySpace(source.name, "contactpersoon", space.format), key)
            if encoded is not None:
                return encoded
        return None

    def object(self, source: Source, obj: KIObject, uuid: str | None = None) -> dict[str, Any]:
        resource = obj.resource
        uuid = uuid or self.identities.object_uuid(source, obj)
        out: dict[str, Any] = {"uuid": uuid, "url": self.url(resource, uuid) if uuid else None}
        published = self._published_identificator(obj)
        special = _special_fields(type(obj))
        for name in _field_names(type(obj)):
            value = getattr(obj, name)
            if name not in special and published is None:  # the common case: a plain field
                out[name] = value if type(value) in _SCALARS else self._value(source, resource, (name,), value)
                continue
            if published is not None and name == published[0]:
                value = published[1]
            if name == "toegewezenAanActoren" and isinstance(obj, InterneTaak):
                first = value[0] if value else None
                out["toegewezenAanActor"] = self.ref(source, "actoren", first)
            if name == "partijIdentificatie" and isinstance(obj, Partij):
                out[name] = self._partij_identificatie(source, obj)
                continue
            out[name] = value if type(value) in _SCALARS else self._value(source, resource, (name,), value)
            if name == "contactnaam" and resource == "betrokkenen":
                out["volledigeNaam"] = value.volledige_naam if value else ""
        return out

    def _published_identificator(self, obj: KIObject) -> tuple[str, Any] | None:
        """(field, identificator) in the caller's codes for an actor or a zaak onderwerpobject."""
        field_name = IDENTIFICATOR_FIELDS.get(type(obj))
        if field_name is None or self.profile is None:
            return None
        identificator = self.profile.identificator(obj)
        return None if identificator is None else (field_name, identificator)

    def merged(self, node: MergedPartij) -> dict[str, Any]:
        """A partij known in several sources: fields from the highest-priority source that has
        them, relation lists as the union over all sources."""
        first_item = node.items[0]
        out = self.object(first_item.source, first_item.obj, node.uuid)
        if len(node.items) == 1:  # one record: its own fields; only its identificatoren de-duplicated
            identificatoren = first_item.obj.partijIdentificatoren  # type: ignore[attr-defined]
            seen_groups: set[tuple] = set()
            out["partijIdentificatoren"] = [
                rendered
                for ident, rendered in zip(identificatoren, out["partijIdentificatoren"], strict=True)
                if not _seen_before(_group(ident), seen_groups)
            ]
            return out
        for name, value in _fields(first_item.obj):
            if name == "partijIdentificatie":
                chosen = node.first("partijIdentificatie")
                owner = next(i for i in node.items if i.obj.partijIdentificatie is chosen)  # type: ignore[attr-defined]
                out[name] = self._partij_identificatie(owner.source, owner.obj)  # type: ignore[arg-type]
            elif name == "partijIdentificatoren":
                seen: set[tuple] = set()
                out[name] = [
                    self.object(item.source, ident)
                    for item in node.items
                    for ident in item.obj.partijIdentificatoren  # type: ignore[attr-defined]
                    if not _seen_before(_group(ident), seen)
                ]
            elif isinstance(value, list):
                out[name] = [
                    self._value(item.source, "partijen", (name,), element)
                    for item in node.items
                    for element in getattr(item.obj, name)
                ]
            else:
                chosen = node.first(name)
                owner = next((i for i in node.items if getattr(i.obj, name) is chosen), first_item)
                out[name] = self._value(owner.source, "partijen", (name,), chosen)
        return out

    def node(self, node: Node) -> dict[str, Any]:
        if isinstance(node, MergedPartij):
            return self.merged(node)
        return self.object(node.source, node.obj)


def _group(identificator) -> tuple:
    """What makes two partij-identificatoren the same (kind and number, ADR 6)."""
    codes = identificator.partijIdentificator
    return tuple(getattr(codes, name) for name in _field_names(type(codes)))


def _seen_before(group: tuple, seen: set[tuple]) -> bool:
    if group in seen:
        return True
    seen.add(group)
    return False
