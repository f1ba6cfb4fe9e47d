"""Writes: each one routed to the application that owns the data (docs/decisions/0019-writes.md).

    check body (api) -> find the owner -> pick the source -> translate references into its keys
      -> check it declares the fields -> run the steps (compensated) -> forget affected cache

- An update or delete goes to the source that holds the object (its UUID says which); a partij
  merged across sources is updated in its highest-priority source, and deleted only when one
  source holds it.
- A create goes where it belongs: an object that hangs under another (a betrokkene under its
  klantcontact, a digitaal adres under its betrokkene or partij) to that object's source, when
  that source declares the create; an object without an owner to the collection's write target
  (the writing client's own, else the deployment's).
- Every other reference must name an object of that same source. A partij known only to other
  sources by a BSN, KvK number or vestigingsnummer is first created in the target source (with
  its name and that identificator: the merged view then shows one partij); anything else that
  points into another source is a 400 naming the field.
- A write the façade splits into steps (that partij, `maak-klantcontact`) is a saga: when a
  step fails the done ones are undone, newest first; when an undo fails too, the answer and the
  log name exactly what remains (`incomplete_write`, UUIDs only, never a BSN).
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.diagnostics import describe as describe_error
from adapters.protocol import (
    IncompleteWrite,
    InvalidWrite,
    Leftover,
    ObjectGone,
    SourceError,
    SourceGarbage,
    SourceTimeout,
    SourceUnavailable,
    WriteOperation,
)
from adapters.writes import Compensation
from facade.engine.core import Engine, Request
from facade.engine.fetching import SourceFailed
from facade.engine.graph import Item, MergedPartij, Node
from facade.engine.guard import BreakerOpen
from facade.engine.invalidation import affected_by
from facade.engine.render import walk_refs
from facade.engine.sources import Source, merge_key, merge_key_parts
from facade.errors import InvalidParam, ProblemError, not_found, validation_error
from mapping.bsn import bsns_of
from mapping.contract import RESOURCES, WRITES
from mapping.ki import KIObject, Partij, Ref
from mapping.refusals import code_name, field_name

log = logging.getLogger("facade.writes")

MAAK_PARTS = ("klantcontact", "betrokkene", "onderwerpobject")
_ELSEWHERE = "andere_bron"


class WriteConfigError(ValueError):
    """A write target that does not exist or does not take creates of its collection."""


@dataclass
class Written:
    """What a write made or changed, by part ("" for a plain write), and the BSNs it touched."""

    items: dict[str, Item | None] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    """BSNs of the partijen the write referred to or changed (for the processing log)."""
    may_copy: bool = True
    """May the write create a partij known only elsewhere in its target source (the client may
    write partijen)?"""
    client: str | None = None
    """Who writes: a client's own `write_targets` come before the deployment's."""


@dataclass
class _Pending:
    """A reference to a partij that the write first creates in the target source (step one)."""

    node: Node
    field: str
    """The first field that refers to it: problems of creating it are named after it."""
    key: str | None = None


@dataclass
class _Step:
    """One create of a write: in which source, what, and under which name its problems go."""

    source: Source
    resource: str
    values: dict[str, Any]
    prefix: str = ""


class Writer:
    """Routes and runs writes for one engine."""

    def __init__(
        self,
        engine: Engine,
        targets: Mapping[str, str] | None = None,
        client_targets: Mapping[str, Mapping[str, str]] | None = None,
    ):
        """`targets`: the deployment's `write_targets`; `client_targets`: per client name, that
        client's own, which override the deployment's collection by collection."""
        self.engine = engine
        self.identities = engine.identities
        self.targets = self._targets(targets or {})
        self.client_targets = {
            client: self.targets | self._targets(own, f"clients[{client}].write_targets", fallback=False)
            for client, own in (client_targets or {}).items()
        }

    # --- what is routed ------------------------------------------------------------------------

    def _targets(
        self, configured: Mapping[str, str], setting: str = "write_targets", fallback: bool = True
    ) -> dict[str, Source]:
        """The source new objects without an owner go to, per collection: as configured, else
        (with `fallback`) the first source (in priority order) that declares the create."""
        by_name = {source.name: source for source in self.engine.sources}
        targets = {}
        for resource in RESOURCES:
            name = configured.get(resource)
            if name is not None:
                source = by_name.get(name)
                if source is None or not _declares(source, resource, "create"):
                    raise WriteConfigError(f"{setting}.{resource}: source {name!r} does not create {resource}")
                targets[resource] = source
            elif fallback and (declaring := [s for s in self.engine.sources if _declares(s, resource, "create")]):
                targets[resource] = declaring[0]
        return targets

    def targets_of(self, client: str | None) -> Mapping[str, Source]:
        """Where this client's new objects without an owner go, per collection."""
        return self.client_targets.get(client, self.targets) if client is not None else self.targets

    def operations(self, resource: str) -> frozenset[WriteOperation]:
        """The writes some source takes for this collection (what the routes offer)."""
        return frozenset(
            operation
            for operation in ("create", "update", "delete")
            if any(_declares(source, resource, operation) for source in self.engine.sources)  # type: ignore[arg-type]
        )

    # --- the three writes ----------------------------------------------------------------------

    async def create(self, request: Request, resource: str, body: dict[str, Any], written: Written) -> Written:
        owner_field, owner = await self._owner(request, resource, body, written)
        target = self._target(resource, owner_field, owner, written.client)
        self._check_fields(target, resource, body, current=None)
        copies: list[_Pending] = []
        values = await self._translate(request, resource, body, target, written, copies)
        steps = [_Step(target, resource, values)]
        made = await self._run(request, copies, steps)
        written.items[""] = made[0]
        return written

    async def update(
        self,
        request: Request,
        resource: str,
        node: Node,
        body: dict[str, Any],
        current: Mapping[str, Any],
        written: Written,
    ) -> Written:
        item = _owning_item(node, resource, "update")
        written.touched |= await self._bsns_around(request, node)
        self._check_fields(item.source, resource, body, current)
        copies: list[_Pending] = []
        values = await self._translate(request, resource, body, item.source, written, copies)
        steps = Compensation()
        try:
            await self._copy(request, copies, item.source, steps)
            call = item.source.guard.update(request.context, resource, item.obj.key, _resolved(values))
            obj = await _write(item.source, "", call)
        except ProblemError as problem:
            raise await self._undone(steps, problem) from None
        finally:
            await self._forget(item.source, resource)
        written.items[""] = self._accepted(item.source, resource, obj, key=item.obj.key)
        return written

    async def delete(self, request: Request, resource: str, node: Node, written: Written) -> Written:
        item = _owning_item(node, resource, "delete")
        written.touched |= await self._bsns_around(request, node)
        try:
            await _write(item.source, "", item.source.guard.delete(request.context, resource, item.obj.key))
        except ProblemError as problem:
            raise await self._undone(Compensation(), problem) from None
        finally:
            await item.source.guard.invalidate(None)  # a delete may take dependent objects with it
        written.items[""] = None
        return written

    async def maak_klantcontact(
        self, request: Request, parts: Mapping[str, dict[str, Any] | None], written: Written
    ) -> Written:
        """klantcontact + betrokkene + onderwerpobject, each a step in the klantcontact's source."""
        target = self.targets_of(written.client).get("klantcontacten")
        if target is None:
            raise _not_allowed("klantcontacten", "create")
        copies: list[_Pending] = []
        steps = []
        for part, resource in zip(MAAK_PARTS, ("klantcontacten", "betrokkenen", "onderwerpobjecten"), strict=True):
            body = parts.get(part)
            if body is None:
                continue
            if not _declares(target, resource, "create"):
                raise validation_error(
                    InvalidParam(part, "not_writable", f"De bron van nieuwe klantcontacten legt geen {resource} vast.")
                )
            self._check_fields(target, resource, body, current=None, prefix=f"{part}.")
            values = await self._translate(request, resource, body, target, written, copies, prefix=f"{part}.")
            steps.append(_Step(target, resource, values, prefix=f"{part}."))
        made = await self._run(request, copies, steps, parent=True)
        for step, item in zip(steps, made, strict=True):
            written.items[step.prefix.rstrip(".")] = item
        for part in MAAK_PARTS:
            written.items.setdefault(part, None)
        return written

    # --- routing -------------------------------------------------------------------------------

    async def _owner(
        self, request: Request, resource: str, body: Mapping[str, Any], written: Written
    ) -> tuple[str | None, Node | None]:
        """The object the new one hangs under (its first owner field given), if any."""
        for name in WRITES[resource].owners:
            reference = body.get(name)
            if reference is not None:
                target = WRITES[resource].references[name]
                node = (await self._nodes(request, [(target, reference["uuid"])]))[(target, reference["uuid"])]
                if node is None:
                    raise validation_error(_missing(name))
                written.touched |= _bsns(node)
                return name, node
        return None, None

    def _target(self, resource: str, owner_field: str | None, owner: Node | None, client: str | None) -> Source:
        if owner is None:
            target = self.targets_of(client).get(resource)
            if target is None:
                raise _not_allowed(resource, "create")
            return target
        for item in _items(owner):
            if _declares(item.source, resource, "create"):
                return item.source
        raise validation_error(
            InvalidParam(
                owner_field or "nonFieldErrors",
                "not_writable",
                f"De bron van dit object legt geen {resource} vast.",
            )
        )

    async def _translate(
        self,
        request: Request,
        resource: str,
        body: dict[str, Any],
        target: Source,
        written: Written,
        copies: list[_Pending],
        prefix: str = "",
    ) -> dict[str, Any]:
        """The body with every `{"uuid"}` reference replaced by a `Ref` of the target source."""
        found: list[tuple[str, str, uuidlib.UUID, Callable[[Any], None]]] = []
        problems = []
        for path, resource_of in WRITES[resource].references.items():
            for name, value, put in _references(body, path.split(".")):
                if isinstance(value, dict) and isinstance(value.get("uuid"), uuidlib.UUID):
                    found.append((name, resource_of, value["uuid"], put))
                elif value is not None:  # a reference without its uuid (a PATCH checks no required field)
                    problems.append(InvalidParam(f"{prefix}{name}.uuid", "required", "Dit veld is vereist."))
        nodes = await self._nodes(request, [(resource_of, value) for _, resource_of, value, _ in found])
        for name, resource_of, value, put in found:
            node = nodes[(resource_of, value)]
            if node is None:
                problems.append(_missing(prefix + name))
                continue
            written.touched |= _bsns(node)
            local = next((item.obj.key for item in _items(node) if item.source is target), None)
            if local is not None:
                put(Ref(local))
            elif self._copyable(node, target):
                if not written.may_copy:
                    raise ProblemError(
                        403,
                        "permission_denied",
                        "U heeft geen toestemming om deze actie uit te voeren.",
                        f"De partij van '{prefix + name}' staat alleen in een andere bron; haar daar vastleggen "
                        "vraagt de toestemming om 'partijen' te wijzigen.",
                    )
                pending = next((p for p in copies if p.node is node), None)
                if pending is None:
                    pending = _Pending(node, prefix + name)
                    copies.append(pending)
                put(pending)
            else:
                problems.append(
                    InvalidParam(
                        prefix + name,
                        _ELSEWHERE,
                        f"Dit object staat in een andere bron dan '{target.name}', waar dit object wordt vastgelegd.",
                    )
                )
        if problems:
            raise validation_error(*problems)
        return body

    def _copyable(self, node: Node, target: Source) -> bool:
        """A partij known elsewhere by an identificator that makes it the same person or company
        can be created in the target source (and then merges with it), if the target can undo that."""
        items = _items(node)
        return (
            self.identities.merge_partijen
            and isinstance(items[0].obj, Partij)
            and merge_key(items[0].obj) is not None
            and _declares(target, "partijen", "create")
            and _declares(target, "partijen", "delete")
        )

    def _check_fields(
        self,
        source: Source,
        resource: str,
        values: dict[str, Any],
        current: Mapping[str, Any] | None,
        prefix: str = "",
    ) -> dict[str, Any]:
        """Only fields the source declares: another field is dropped when the client sends what
        the object holds anyway (an empty value on a create, the stored value on an update: clients
        resend what they read), and refused otherwise. Runs before references are translated."""
        support = source.support(resource)
        declared = support.writes.fields if support is not None else frozenset()
        if declared is None:
            return values
        problems = []
        for name in list(values):
            if name in declared:
                continue
            unchanged = _empty(values[name]) if current is None else _same(values[name], current.get(name))
            if unchanged:
                del values[name]
                continue
            problems.append(
                InvalidParam(
                    prefix + name, "not_writable", "Dit veld kan in de bron van dit object niet worden vastgelegd."
                )
            )
        if problems:
            raise validation_error(*problems)
        return values

    # --- running the steps ---------------------------------------------------------------------

    async def _run(
        self, request: Request, copies: list[_Pending], steps: list[_Step], parent: bool = False
    ) -> list[Item]:
        """The copies, then each step; with `parent`, later steps hang under the first one made."""
        for step in steps[:-1]:
            if not _declares(step.source, step.resource, "delete"):
                raise validation_error(
                    InvalidParam(
                        step.prefix.rstrip(".") or "nonFieldErrors",
                        "not_writable",
                        f"De bron '{step.source.name}' kan dit deel niet ongedaan maken als een volgende stap mislukt.",
                    )
                )
        compensation = Compensation()
        made: list[Item] = []
        try:
            if copies:
                await self._copy(request, copies, steps[0].source, compensation)
            for index, step in enumerate(steps):
                if parent and index > 0:  # hangs under the first object made (its first owner field)
                    step.values[WRITES[step.resource].owners[0]] = Ref(made[0].obj.key)
                values = _resolved(step.values)
                try:
                    obj = await _write(
                        step.source, step.prefix, step.source.guard.create(request.context, step.resource, values)
                    )
                finally:
                    await self._forget(step.source, step.resource)
                item = self._accepted(step.source, step.resource, obj)
                made.append(item)
                compensation.done(
                    Leftover(step.resource, item.obj.key, step.source.name),
                    _deleting(request, step.source, step.resource, item.obj.key),
                )
        except ProblemError as problem:
            raise await self._undone(compensation, problem) from None
        return made

    async def _copy(self, request: Request, copies: list[_Pending], target: Source, steps: Compensation) -> None:
        """Create each partij known only elsewhere in the target source, as the first steps."""
        for pending in copies:
            values = _partij_copy(pending.node)
            try:
                call = target.guard.create(request.context, "partijen", values)
                obj = await _write(target, f"{pending.field}.", call)
            finally:
                await self._forget(target, "partijen")
            item = self._accepted(target, "partijen", obj)
            pending.key = item.obj.key
            steps.done(
                Leftover("partijen", item.obj.key, target.name),
                _deleting(request, target, "partijen", item.obj.key),
            )

    async def _undone(self, steps: Compensation, problem: ProblemError) -> ProblemError:
        """Undo the done steps; the problem to answer: the original one, or the report of what remains."""
        undone = bool(steps.steps)
        remaining = await steps.undo()
        if isinstance(problem, _IncompleteInSource):
            remaining = problem.remaining + remaining
        if remaining:
            return self._incomplete(remaining, problem.detail or problem.title)
        if undone:
            problem.detail = (problem.detail + " " if problem.detail else "") + "Eerdere stappen zijn ongedaan gemaakt."
        return problem

    def _incomplete(self, remaining: list[Leftover], cause: str) -> ProblemError:
        by_name = {source.name: source for source in self.engine.sources}
        objects = []
        for leftover in remaining:
            source = by_name.get(leftover.where)
            found = self.identities.of(source, leftover.resource, leftover.key) if source else None
            objects.append({"resource": leftover.resource, "uuid": found, "source": leftover.where})
        listed = ", ".join(f"{o['resource']} {o['uuid']} in {o['source']}" for o in objects)
        log.error("incomplete write: a step failed and %d object(s) could not be undone: %s", len(objects), listed)
        return ProblemError(
            502,
            "incomplete_write",
            "De schrijfopdracht is maar gedeeltelijk uitgevoerd.",
            f"Een stap mislukte ({cause}) en niet alles kon ongedaan worden gemaakt. Nog aanwezig: {listed}.",
            extra={"remaining": objects},
        )

    def _accepted(self, source: Source, resource: str, obj: Any, key: str | None = None) -> Item:
        """The object a source says it wrote, checked as any answer of a source; for an update
        (`key`), the object updated and no other."""
        usable = isinstance(obj, KIObject) and obj.resource == resource and source.accepts(obj)
        if not usable or (key is not None and obj.key != key):
            log.warning("source %s answered a write of %s with no usable object", source.name, resource)
            raise _unusable_answer(source)
        return Item(source, obj)

    async def _forget(self, source: Source, resource: str) -> None:
        for affected in sorted(affected_by(resource)):
            await source.guard.invalidate(affected)

    # --- finding objects -----------------------------------------------------------------------

    async def _nodes(
        self, request: Request, wanted: list[tuple[str, uuidlib.UUID]]
    ) -> dict[tuple[str, uuidlib.UUID], Node | None]:
        """The objects behind these UUIDs, in one round per source; a failing source is a 503."""
        loads, merged_keys = [], []
        for resource, value in wanted:
            loads += [(source, resource, key) for source, key in self.identities.candidates(resource, value)]
            if (merged := self.identities.merged_candidate(resource, value)) is not None:
                merged_keys.append(merged)
        try:
            loaded, merged_nodes = await asyncio.gather(request.loader.load(loads), request.loader.merged(merged_keys))
        except SourceFailed as failure:
            raise failure.problem() from failure
        found: dict[tuple[str, uuidlib.UUID], Node | None] = {}
        for resource, value in wanted:
            expected = str(value)
            node: Node | None = next(
                (
                    item
                    for item in loaded.values()
                    if item is not None
                    and item.obj.resource == resource
                    and self.identities.object_uuid(item.source, item.obj) == expected
                ),
                None,
            )
            if node is None and (merged := self.identities.merged_candidate(resource, value)) is not None:
                node = merged_nodes.get(merged)
            if node is None and resource == "partijen":
                node = await self.engine.by_earlier_uuid(request, loaded.values(), expected)
            found[(resource, value)] = node
        return found

    async def _bsns_around(self, request: Request, node: Node) -> set[str]:
        """BSNs of an object to update or delete: its own, and those of the partijen it refers to."""
        found = _bsns(node)
        refs = [ref for item in _items(node) for ref in walk_refs(item.source, item.obj.resource, (), item.obj)]
        partijen = [ref for ref in refs if ref[1] == "partijen"]
        if partijen:
            try:
                resolved = await request.loader.resolve(partijen)
            except SourceFailed as failure:
                raise failure.problem() from failure
            for referred in resolved.values():
                if referred is not None:
                    found |= _bsns(referred)
        return found


# --- helpers -------------------------------------------------------------------------------------


def _declares(source: Source, resource: str, operation: WriteOperation) -> bool:
    support = source.support(resource)
    return support is not None and support.writes.allows(operation)


def _items(node: Node) -> tuple[Item, ...]:
    return node.items if isinstance(node, MergedPartij) else (node,)


def _owning_item(node: Node, resource: str, operation: WriteOperation) -> Item:
    """The one object an update or delete goes to (ADR 19 for a partij merged across sources)."""
    items = _items(node)
    if operation == "delete" and len(items) > 1:
        names = ", ".join(sorted({item.source.name for item in items}))
        raise ProblemError(
            409,
            "held_by_several_sources",
            "Deze partij staat in meerdere bronnen.",
            f"Deze partij is samengesteld uit partijen van meerdere bronnen ({names}); "
            "verwijderen via de façade kan alleen als één bron haar bevat.",
        )
    item = items[0]  # the highest-priority source: the one whose values the partij shows
    if not _declares(item.source, resource, operation):
        raise _not_allowed(resource, operation, item.source)
    return item


def _not_allowed(resource: str, operation: WriteOperation, source: Source | None = None) -> ProblemError:
    verbs = {"create": "aangemaakt", "update": "gewijzigd", "delete": "verwijderd"}
    allowed = ["GET"]  # in Open Klant's order: GET, PUT, PATCH, DELETE, HEAD, OPTIONS
    if source is not None:
        writes = source.support(resource).writes  # type: ignore[union-attr]
        allowed += (["PUT", "PATCH"] if writes.update else []) + (["DELETE"] if writes.delete else [])
    allowed += ["HEAD", "OPTIONS"]
    where = "dit object" if source is not None else f"de collectie '{resource}'"
    return ProblemError(
        405,
        "method_not_allowed",
        "Methode niet toegestaan.",
        f"In {where} kan via deze façade niets worden {verbs[operation]}.",
        headers={"Allow": ", ".join(allowed)},
    )


def _missing(name: str) -> InvalidParam:
    return InvalidParam(name, "does_not_exist", "Het object waarnaar verwezen wordt bestaat niet.")


def _references(value: Any, path: list[str], name: str = ""):
    """(dotted name, reference value, setter) for each reference at `path` inside `value`."""
    if not isinstance(value, dict) or path[0] not in value:
        return
    head, rest = path[0], path[1:]
    here = f"{name}.{head}" if name else head
    child = value[head]
    if not rest:
        if isinstance(child, list):
            for index, element in enumerate(child):
                yield f"{here}.{index}", element, _setter(child, index)
        else:
            yield here, child, _setter(value, head)
        return
    if isinstance(child, list):
        for index, element in enumerate(child):
            yield from _references(element, rest, f"{here}.{index}")
    else:
        yield from _references(child, rest, here)


def _setter(container: Any, key: Any) -> Callable[[Any], None]:
    def put(new: Any) -> None:
        container[key] = new

    return put


def _resolved(value: Any) -> Any:
    """Values with every pending partij replaced by the `Ref` of the partij just created."""
    if isinstance(value, _Pending):
        assert value.key is not None
        return Ref(value.key)
    if isinstance(value, dict):
        return {key: _resolved(element) for key, element in value.items()}
    if isinstance(value, list):
        return [_resolved(element) for element in value]
    return value


def _partij_copy(node: Node) -> dict[str, Any]:
    """What the target source gets of a partij known elsewhere: its kind, its name and the
    identificator that makes it the same person or company (for a vestiging, its KvK number too)."""
    first: Partij = _items(node)[0].obj  # type: ignore[assignment]
    key = merge_key(first)
    parts = merge_key_parts(key) if key else None
    wanted = {parts[1]} if parts else set()
    if "vestigingsnummer" in wanted:
        wanted.add("kvk_nummer")
    identificatoren = [
        {"partijIdentificator": ident.partijIdentificator.model_dump(), "anderePartijIdentificator": ""}
        for ident in first.partijIdentificatoren
        if ident.partijIdentificator.codeSoortObjectId in wanted
    ]
    identificatie = first.partijIdentificatie.model_dump(exclude={"werkteVoorPartij"})
    return {
        "soortPartij": first.soortPartij,
        "indicatieActief": True,
        "partijIdentificatie": identificatie,
        "partijIdentificatoren": identificatoren,
    }


def _deleting(request: Request, source: Source, resource: str, key: str) -> Callable[[], Awaitable]:
    async def undo() -> None:
        try:
            await source.guard.delete(request.context, resource, key)
        except ObjectGone:
            pass  # already gone: nothing remains
        finally:
            await source.guard.invalidate(None)

    return undo


async def _write(source: Source, prefix: str, call: Awaitable[Any]) -> Any:
    """Await one guarded write; what the source raises becomes the client's Problem, which says
    exactly what is known: refused (nothing written), not sent (breaker open), or written or
    perhaps written with an answer that is lost or unusable (read the object again)."""
    try:
        return await call
    except InvalidWrite as refused:
        raise validation_error(
            *(
                InvalidParam(prefix + (field_name(p.field) or "nonFieldErrors"), code_name(p.code), p.reason)
                for p in refused.problems
            )
        ) from None
    except ObjectGone:
        raise not_found() from None
    except IncompleteWrite as incomplete:
        remaining = [Leftover(left.resource, left.key, left.where or source.name) for left in incomplete.remaining]
        raise _IncompleteInSource(remaining, incomplete.cause) from None
    except SourceTimeout:
        raise ProblemError(
            504,
            "write_timeout",
            "Een bronapplicatie antwoordde niet op tijd.",
            f"De bron '{source.name}' antwoordde niet op tijd: onbekend is of de wijziging is vastgelegd. "
            "Lees het object opnieuw voordat u het nog eens probeert.",
        ) from None
    except BreakerOpen as failure:
        problem = SourceFailed(source, failure.reason).problem()
        problem.detail = f"De bron '{source.name}' is tijdelijk niet beschikbaar; er is niets vastgelegd."
        raise problem from None
    except SourceUnavailable as failure:  # a 5xx or a lost connection: the write may have been done
        problem = SourceFailed(source, failure.reason).problem()
        problem.detail = (
            f"De bron '{source.name}' gaf een fout ({failure.reason}): onbekend is of de wijziging is "
            "vastgelegd. Lees het object opnieuw voordat u het nog eens probeert."
        )
        raise problem from None
    except SourceGarbage:  # the source took the write and answered something unusable
        log.warning("source %s answered a write with no usable object", source.name)
        raise _unusable_answer(source) from None
    except SourceError as failure:
        log.warning("source %s refused a write (%s)", source.name, failure.reason)
        raise ProblemError(
            502,
            "source_refused",
            "Een bronapplicatie weigerde de wijziging.",
            f"De bron '{source.name}' weigerde de wijziging ({failure.reason}).",
        ) from None
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # an adapter bug: never a 500 without a word, never its text in the log
        log.error("source %s raised an unexpected error while writing: %s", source.name, describe_error(exc))
        raise ProblemError(
            502, "source_refused", "Een bronapplicatie weigerde de wijziging.", f"De bron '{source.name}' faalde."
        ) from exc


def _unusable_answer(source: Source) -> ProblemError:
    return ProblemError(
        502,
        "source_invalid_response",
        "Een bronapplicatie gaf een ongeldig antwoord.",
        f"De bron '{source.name}' gaf na het vastleggen geen bruikbaar object terug; "
        "lees het object opnieuw om te zien of het is vastgelegd.",
    )


class _IncompleteInSource(ProblemError):
    """An adapter's own multi-call write left objects behind; reported like a failed saga."""

    def __init__(self, remaining: list[Leftover], cause: str):
        super().__init__(502, "incomplete_write", "De schrijfopdracht is maar gedeeltelijk uitgevoerd.", cause)
        self.remaining = remaining


def _bsns(node: Node) -> set[str]:
    """Every BSN an object holds, in any identificator (a partij's, an actor's, an onderwerpobject's)."""
    return {bsn for item in _items(node) for bsn in bsns_of(item.obj)}


def _empty(value: Any) -> bool:
    """Nothing given: null, "", false, an empty list, or a group of such."""
    if value is None or value is False or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, dict) and all(_empty(element) for element in value.values())


def _same(value: Any, stored: Any) -> bool:
    """Is a body value what the object holds now (a client resending what it read)?"""
    if isinstance(value, dict):
        if not isinstance(stored, dict):
            return False
        return all(_same(element, stored.get(key)) for key, element in value.items())
    if isinstance(value, list):
        return isinstance(stored, list) and len(value) == len(stored) and all(map(_same, value, stored))
    if isinstance(value, uuidlib.UUID):
        return str(value) == stored
    if hasattr(value, "isoformat"):
        return stored is not None and value.isoformat() == str(stored)
    return value == stored
