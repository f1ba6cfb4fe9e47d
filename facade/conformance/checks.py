"""Every check the kit runs, one async function each: `check(context, *what)` raises `CheckFailed`.

Each promise of the adapter protocol (adapters/protocol.py) that the engine builds on has a
check here; the test suite (`suite.py`) runs each once per resource, pushed-down filter or
failing application that the adapter's declaration implies.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import orjson

from adapters.protocol import Adapter, FilterValue, InvalidWrite, ListQuery, ObjectGone, Pushdown, SourceError
from facade.conformance.contract import contract_problems
from facade.conformance.faults import FAULTS, RAISES
from facade.conformance.kit import Check, query_text
from facade.conformance.samples import absent_key, condition_for, values_to_try
from facade.engine.render import Renderer, walk_refs
from mapping.contract import RESOURCES
from mapping.ki import Partij, Ref

TIME_ORDER = {name: definition.order for name, definition in RESOURCES.items() if definition.order != "source"}
"""Resources with a canonical order (newest first by this field); others need only a stable order."""
GET_MANY_BATCH = 50
GET_MANY_SAMPLE = 60
"""Keys of a larger resource `get_many` is asked for (every key is checked against its UUID)."""
PROBE_BSN = "999993653"
"""A BSN of the BRP's test range that the kit sends in filters while an application fails."""
BSN_LOOKUP = {"codeObjecttype": "natuurlijk_persoon", "codeSoortObjectId": "bsn", "codeRegister": "brp"}
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
PAGE_LIMITS = (7, 2)
"""Odd page sizes, unlike any application's own: a whole list is walked through with each."""
FILTERED_PAGE_LIMITS = (3,)
"""The same for the answer to one filter value (fewer calls: there are many values)."""


# --- records and keys ---------------------------------------------------------------------------


async def lists_its_records(check: Check, resource: str) -> None:
    """The resource lists records (the dataset's count, if given), each once, each of this resource."""
    records = await check.listing(resource)
    expected = check.run.dataset.records.get(resource)
    if expected is not None and len(records) != expected:
        raise check.fail(f"{resource} lists {len(records)} records; the dataset holds {expected}")
    if expected is None and not records:
        raise check.fail(
            f"{resource} lists no records: the kit checks a resource on its records "
            f"(give the application some, or Dataset.records={{{resource!r}: 0}} if it holds none)"
        )
    strangers = sorted({r.resource for r in records if r.resource != resource})
    if strangers:
        raise check.fail(f"{resource} lists records of another resource: {', '.join(strangers)}")
    twice = _repeated(r.key for r in records)
    if twice:
        raise check.fail(f"{resource} lists a record twice: {twice[:5]}")


async def keys_round_trip(check: Check, resource: str) -> None:
    """Every key fits a declared key format and survives the façade UUID both ways; `get_many`
    gives the same record back by its key (every key of a small resource, else a spread sample
    with every key format); a key nobody holds is simply absent."""
    records = await check.listing(resource)
    identities = check.engine.identities
    misfits = [r.key for r in records if not check.source.accepts(r)]
    if misfits:
        names = ", ".join(f.name for f in check.support(resource).key_formats)
        raise check.fail(f"{resource}: keys {misfits[:5]} fit none of its declared key formats ({names})")
    for record in records:
        published = identities.of(check.source, resource, record.key)
        back = [key for _, key in identities.candidates(resource, uuid.UUID(published))] if published else []
        if record.key not in back:
            raise check.fail(f"{resource}: key {record.key!r} does not come back from its façade UUID ({back[:3]})")
    absent = absent_key(check.support(resource).key_formats)
    listed = {r.key: r for r in records}
    keys = _sample(check, resource, records)
    for start in range(0, len(keys), GET_MANY_BATCH):
        batch = keys[start : start + GET_MANY_BATCH]
        asked = [*batch, absent] if absent and start == 0 else batch
        found = await check.adapter.get_many(resource, asked)
        missing = [key for key in batch if key not in found]
        if missing:
            raise check.fail(f"{resource}: get_many does not give back listed keys {missing[:5]}")
        unasked = sorted(set(found) - set(asked))
        if unasked:
            raise check.fail(f"{resource}: get_many answers keys it was not asked for: {unasked[:5]}")
        if absent in found:
            raise check.fail(f"{resource}: get_many answers {absent!r}, a key no record has")
        differ = [key for key in batch if found[key] != listed[key] or found[key].key != key]
        if differ:
            raise check.fail(f"{resource}: get_many gives other records than list for keys {differ[:5]}")


def _sample(check: Check, resource: str, records: list) -> list[str]:
    """The keys `get_many` is asked for: all of a small resource; else `GET_MANY_SAMPLE` spread
    over the list, with at least one key of every declared format that occurs."""
    keys = [r.key for r in records]
    if len(keys) <= GET_MANY_SAMPLE:
        return keys
    sample = keys[:: len(keys) // GET_MANY_SAMPLE + 1]
    for key_format in check.support(resource).key_formats:
        if not any(key_format.pack(key) for key in sample):
            sample += [key for key in keys if key_format.pack(key)][:1]
    return sample


async def declared_order_holds(check: Check, resource: str) -> None:
    """A resource declared `ordered` comes newest first; every resource comes in a stable order
    (the engine pages through a source by offset)."""
    records = await check.listing(resource)
    field = TIME_ORDER.get(resource)
    if check.support(resource).ordered and field:
        for newer, older in itertools.pairwise(records):
            if _moment(getattr(newer, field)) < _moment(getattr(older, field)):
                raise check.fail(
                    f"{resource} is declared ordered (newest {field} first), but {newer.key!r} "
                    f"({getattr(newer, field)}) comes before {older.key!r} ({getattr(older, field)})"
                )
    again = [r.key for r in await check.read_all(resource, {})]
    if again != [r.key for r in records]:
        raise check.fail(f"{resource} lists its records in another order on a second read: the order must be stable")


async def paging_is_exhaustive(check: Check, resource: str) -> None:
    """Pages of any size, read by offset, give every record once, in the same order; the total
    is the same on every page; a page past the end is empty."""
    keys = [r.key for r in await check.listing(resource)]
    await _pages_add_up(check, resource, {}, keys, PAGE_LIMITS)


async def _pages_add_up(
    check: Check, resource: str, filters: Mapping[str, FilterValue], keys: list[str], limits: Iterable[int]
) -> None:
    query = query_text(resource, filters)
    for limit in limits:
        paged, totals = await check.read_pages(resource, filters, limit)
        got = [r.key for r in paged]
        twice = _repeated(got)
        if twice:
            raise check.fail(f"{query} in pages of {limit}: records come on two pages: {twice[:5]}")
        missing = [key for key in keys if key not in got]
        if missing:
            raise check.fail(f"{query} in pages of {limit} misses records: {missing[:5]}")
        if got != keys:
            raise check.fail(f"{query} in pages of {limit} gives the records in another order than in pages of 100")
        wrong = sorted({total for total in totals if total is not None and total != len(keys)})
        if wrong:
            raise check.fail(f"{query} in pages of {limit}: a page says total {wrong[0]}, there are {len(keys)}")
    past = await check.adapter.list(ListQuery(resource, dict(filters), len(keys) + 5, 10))
    if past.records:
        raise check.fail(f"{query}: a page past the end answers records {[r.key for r in past.records][:5]}")


# --- what the records hold ----------------------------------------------------------------------


async def objects_fit_the_contract(check: Check, resource: str) -> None:
    """Every record, rendered as the façade serves it, validates against the 0.9.0 contract."""
    renderer = Renderer(check.engine.identities, "http://facade.example")
    for record in await check.listing(resource):
        served = orjson.loads(orjson.dumps(renderer.object(check.source, record), option=orjson.OPT_UTC_Z))
        problems = contract_problems(served, f"/{resource}/{{uuid}}", most=3)
        if problems:
            raise check.fail(f"{resource} {record.key!r} breaks the contract as served: " + "; ".join(problems))


async def references_resolve(check: Check, resource: str) -> None:
    """Every reference in a record names a record the adapter serves: a declared resource, a key
    of a declared format, listed or given back by `get_many` (else a client follows it into a 404)."""
    unlisted: dict[str, set[str]] = {}
    for record in await check.listing(resource):
        for _, target, ref in walk_refs(check.source, resource, (), record):
            if target not in check.adapter.resources:
                raise check.fail(
                    f"{resource} {record.key!r} refers to {target} {ref.key!r}, a resource it does not declare"
                )
            if check.engine.identities.of(check.source, target, ref.key) is None:
                raise check.fail(
                    f"{resource} {record.key!r} refers to {target} {ref.key!r}, a key of no declared format"
                )
            if ref.key not in {r.key for r in await check.listing(target)}:
                unlisted.setdefault(target, set()).add(ref.key)
    for target, keys in sorted(unlisted.items()):
        ordered = sorted(keys)
        for start in range(0, len(ordered), GET_MANY_BATCH):
            batch = ordered[start : start + GET_MANY_BATCH]
            found = await check.adapter.get_many(target, batch)
            missing = [key for key in batch if key not in found]
            if missing:
                raise check.fail(f"{resource} records refer to {target} that get_many does not know: {missing[:5]}")


# --- pushed-down filters ------------------------------------------------------------------------


async def filter_keeps_every_match(check: Check, resource: str, name: str) -> None:
    """A pushed-down filter never drops a record that matches it: the engine re-checks what comes
    back, but cannot get back what never came."""
    for value, expected, answered in await _tried(check, resource, name):
        missing = [key for key in expected if key not in answered]
        if missing:
            raise check.fail(
                f"{query_text(resource, {name: value})} drops records that match it: {missing[:5]} "
                f"(a pushed-down filter must keep every match; declare LOOSE only if it may add some)"
            )


async def exact_filter_answers_exactly(check: Check, resource: str, name: str) -> None:
    """A filter declared EXACT answers exactly the matching records, with their count as `total`,
    in the resource's order, page by page: the engine trusts its counts and offsets."""
    tried = await _tried(check, resource, name)
    for value, expected, answered in tried:
        query = query_text(resource, {name: value})
        extra = [key for key in answered if key not in expected]
        if extra:
            raise check.fail(f"{query} is declared EXACT but answers records that do not match: {extra[:5]}")
        missing = [key for key in expected if key not in answered]
        if missing:
            raise check.fail(f"{query} is declared EXACT but drops records that match: {missing[:5]}")
        listed = [r.key for r in await check.listing(resource) if r.key in expected]
        if (TIME_ORDER.get(resource) and check.support(resource).ordered) and answered != listed:
            raise check.fail(f"{query} does not keep the declared order (newest first) of the resource")
    if tried:  # paged through for the value with the most matches: the most pages
        value, _, answered = max(tried, key=lambda entry: len(entry[2]))
        await _pages_add_up(check, resource, {name: value}, answered, FILTERED_PAGE_LIMITS)


async def _tried(check: Check, resource: str, name: str) -> list[tuple[FilterValue, list[str], list[str]]]:
    """(value, keys the contract says match it, keys the adapter answers) per value tried; once
    per run (both filter checks look at the same answers)."""
    cached = check.run.tried.get((resource, name))
    if cached is not None:
        return cached
    records = await check.listing(resource)
    tried = []
    for value in await values_to_try(check, resource, name):
        request = await check.seeded_request()
        verdict = await request.matcher.matches(check.items(records), [condition_for(check, resource, name, value)])
        expected = [r.key for r, ok in zip(records, verdict, strict=True) if ok]
        answered = [r.key for r in await check.read_all(resource, {name: value})]
        tried.append((value, expected, answered))
    check.run.tried[(resource, name)] = tried
    return tried


# --- failures -----------------------------------------------------------------------------------


async def probe_key(check: Check, resource: str) -> None:
    """A listed key that `get_many` gives back, for the failure checks to ask for (none if no
    key round-trips: `keys_round_trip` names that)."""
    if resource not in check.run.probe_keys:
        records = await check.listing(resource)
        found = await check.adapter.get_many(resource, [records[0].key]) if records else {}
        check.run.probe_keys[resource] = records[0].key if records and records[0].key in found else None


async def failure_is_closed_and_clean(check: Check, resource: str, fault: str) -> None:
    """Against an application that fails (`faults.FAULTS`), every read raises one of the closed
    set of `SourceError`s (or, for a wrong shape, answers), and no error text or log line holds
    a secret, a credential the adapter sent, or a BSN. `get_many` asks for a key the adapter
    must look up (`probe_key` runs first)."""
    forbidden = _forbidden(check, await _bsns_known(check))
    calls = _calls(check, resource)
    for what, call in calls:
        with _captured_logs() as logged:
            try:
                answer = await call()
            except SourceError as exc:
                _clean(check, fault, what, _texts(exc), forbidden)
            except Exception as exc:
                raise check.fail(
                    f"{what} against an application that {FAULTS[fault]} raises {type(exc).__name__}, outside "
                    "the closed set: raise SourceUnavailable, SourceTimeout, SourceRejected or SourceGarbage"
                ) from None
            else:
                no_batch = what == "find_partijen" and answer is None  # the engine asks `list` instead
                if fault in RAISES and not no_batch:
                    raise check.fail(
                        f"{what} against an application that {FAULTS[fault]} answers as if nothing were wrong: "
                        "raise a SourceError (an empty answer would say 'nothing found', silently wrong)"
                    )
        _clean(check, fault, f"{what} (its log)", logged, forbidden)


def _calls(check: Check, resource: str) -> list[tuple[str, Callable[[], Any]]]:
    adapter: Adapter = check.adapter
    filters = bsn_filters(check.support(resource).pushdown, resource)
    key = check.run.probe_keys.get(resource)
    calls: list[tuple[str, Callable[[], Any]]] = [
        (f"list {query_text(resource, filters)}", lambda: adapter.list(ListQuery(resource, filters, 0, 10))),
    ]
    if key is not None:
        calls.append((f"get_many {resource}", lambda: adapter.get_many(resource, [key])))
    if resource == "partijen":
        calls.append(("find_partijen", lambda: adapter.find_partijen([("bsn", PROBE_BSN)])))
    return calls


def bsn_filters(pushdown: Mapping[str, Pushdown], resource: str) -> dict[str, FilterValue]:
    """The pushed-down identificator parts of a BSN lookup, as a client's lookup sends them."""
    filters = RESOURCES[resource].filters
    lookup = {**BSN_LOOKUP, "objectId": PROBE_BSN}
    found: dict[str, FilterValue] = {}
    for name in pushdown:
        definition = filters.get(name)
        if definition and len(definition.attribute) == 2 and definition.attribute[0] == "partijIdentificator":
            found[name] = lookup[definition.attribute[1]]
    return found


async def _bsns_known(check: Check) -> set[str]:
    """The probe BSN, the dataset's, and every BSN on a listed partij (when the upstream is up)."""
    bsns = {PROBE_BSN, *check.run.dataset.bsns}
    for record in check.run.listings.get("partijen", []):
        if isinstance(record, Partij):
            bsns |= {
                i.partijIdentificator.objectId
                for i in record.partijIdentificatoren
                if i.partijIdentificator.codeSoortObjectId == "bsn"
            }
    return {bsn for bsn in bsns if bsn}


def _forbidden(check: Check, bsns: Iterable[str]) -> dict[str, str]:
    """What may not appear in an error text -> what to call it in the message (never the value)."""
    forbidden = {bsn: "a BSN" for bsn in bsns}
    for secret in check.run.target.secrets(check.upstream):
        if len(secret) >= 4:
            forbidden[secret] = "a secret from its settings"
    return forbidden


def _clean(check: Check, fault: str, what: str, texts: Iterable[str], forbidden: Mapping[str, str]) -> None:
    for text in texts:
        for value, called in forbidden.items():
            if value in text:
                raise check.fail(f"{what} against an application that {FAULTS[fault]}: its error text holds {called}")
        if _echoed_credential(text):
            raise check.fail(
                f"{what} against an application that {FAULTS[fault]}: its error text holds the credential it sent"
            )


def _echoed_credential(text: str) -> bool:
    """The fault applications echo the Authorization header after the path: `Bearer x`, `Token x`."""
    return any(f"{scheme} " in text for scheme in ("Bearer", "Token", "Basic"))


def _texts(exc: BaseException) -> list[str]:
    """The texts of an error and of every error it was raised from or during."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current)]
        current = current.__cause__ or current.__context__
    return texts


class _Collect(logging.Handler):
    def __init__(self, into: list[str]):
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            self.into += _texts(record.exc_info[1])


@contextmanager
def _captured_logs() -> Iterator[list[str]]:
    """Every log line (INFO and up) written meanwhile, with the texts of errors logged along."""
    lines: list[str] = []
    handler = _Collect(lines)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO) if level else logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# --- writes -------------------------------------------------------------------------------------


async def declared_writes_round_trip(check: Check, resource: str) -> None:
    """What a resource declares it takes in writes (`ResourceSupport.writes`) round-trips with the
    dataset's `Write`: a create answers an object of a declared key format holding what was sent,
    which `get_many` then gives back the same; so does an update; after a delete `get_many` has it
    no more and a second delete raises `ObjectGone`. Runs last: it changes the application."""
    writes = check.support(resource).writes
    case = check.run.dataset.writes[resource]
    if writes.create:
        created = await _refused_as_failure(
            check, f"a create of {resource}", check.adapter.create(resource, case.create)
        )
        await _written(check, resource, "a create", created, case.create)
        key = created.key
    else:
        records = await check.listing(resource)
        if not records:
            raise check.fail(f"{resource} takes updates or deletes but lists no record to write to")
        key = records[0].key
    if writes.update and case.update:
        write = check.adapter.update(resource, key, case.update)
        updated = await _refused_as_failure(check, f"an update of {resource} {key!r}", write)
        if updated.key != key:
            raise check.fail(f"an update of {resource} {key!r} answers the object {updated.key!r}")
        await _written(check, resource, "an update", updated, case.update)
    if writes.delete:
        await check.adapter.delete(resource, key)
        if key in await check.adapter.get_many(resource, [key]):
            raise check.fail(f"after a delete of {resource} {key!r}, get_many still gives it")
        try:
            await check.adapter.delete(resource, key)
        except ObjectGone:
            return
        raise check.fail(f"a second delete of {resource} {key!r} does not raise ObjectGone")


async def _refused_as_failure(check: Check, what: str, write: Awaitable[Any]) -> Any:
    try:
        return await write
    except InvalidWrite as refused:
        problems = "; ".join(f"{p.field}: {p.reason}" for p in refused.problems)
        raise check.fail(f"{what} with the dataset's values is refused ({problems})") from None


async def _written(check: Check, resource: str, what: str, obj: Any, values: Mapping[str, Any]) -> None:
    """The object a write answered holds what was written, and `get_many` gives it back the same."""
    if getattr(obj, "resource", None) != resource or not check.source.accepts(obj):
        raise check.fail(f"{what} of {resource} answers no {resource} object with a key of a declared format")
    lost = [name for name, value in values.items() if not _holds(value, getattr(obj, name, None))]
    if lost:
        raise check.fail(f"{what} of {resource} answers {obj.key!r} without what was written to {lost}")
    found = (await check.adapter.get_many(resource, [obj.key])).get(obj.key)
    if found is None:
        raise check.fail(f"after {what} of {resource}, get_many does not give {obj.key!r} back")
    differ = [name for name in type(obj).model_fields if getattr(found, name) != getattr(obj, name)]
    if differ:
        raise check.fail(f"after {what} of {resource}, get_many gives {obj.key!r} back other than written: {differ}")


def _holds(sent: Any, stored: Any) -> bool:
    """Does a stored value hold a written one (a reference by key, a value group by its parts sent)?"""
    if isinstance(sent, Ref):
        return isinstance(stored, Ref) and stored.key == sent.key
    if isinstance(sent, Mapping):
        part = stored.get if isinstance(stored, Mapping) else (lambda name: getattr(stored, name, None))
        return stored is not None and all(_holds(value, part(name)) for name, value in sent.items())
    if isinstance(sent, list | tuple):
        return (
            isinstance(stored, list | tuple)
            and len(stored) == len(sent)
            and all(any(_holds(element, candidate) for candidate in stored) for element in sent)
        )
    return sent == stored


# --- helpers ------------------------------------------------------------------------------------


def _repeated(keys: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    twice: list[str] = []
    for key in keys:
        if key in seen and key not in twice:
            twice.append(key)
        seen.add(key)
    return twice


def _moment(value: Any) -> Any:
    return value if value is not None else _EPOCH
