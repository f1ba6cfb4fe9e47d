"""An adapter's declaration, checked against the contract before the façade serves anything.

An adapter declares, per resource, what it serves (`Adapter.resources`). The engine trusts those
names: a resource it does not know is never asked for, and a pushed-down filter it does not
know is never passed on, so a misspelling does not fail, it silently reads more. A partij
lookup by `partijIdentificator__objectID` (one capital too many) would become a full read of
the application with the BSN checked afterwards. So every name is checked at start-up and in
the conformance kit, and a wrong one stops the service naming the adapter, the resource, the
name and the nearest correct spelling::

    source 'crm' (kind crm_stub): partijen pushes down 'partijIdentificator__objectID', which the
    contract does not have (did you mean 'partijIdentificator__objectId'?)

Checked: resource names, pushed-down filter names and how (`Pushdown`), key formats (a
`KeyFormat` each, at least one, distinct names), `ordered` and `max_page`, and the write
declaration (`writes`: a `WriteSupport` whose writable fields the contract's model has).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from adapters.protocol import Pushdown, ResourceSupport, WriteSupport
from mapping.contract import RESOURCES
from mapping.ki import MODELS

KEY_FORMAT_NAMES = ("TextKey()", "UuidKey()", "UuidKey(suffix=...)")
"""What a key format is written as, for the hint on a key format that is not one."""


class InvalidDeclaration(ValueError):
    """An adapter declared names the contract does not have; `problems` holds one line per name."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def nearest(name: str, known: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest known spelling, case ignored; '' when none is close."""
    by_folded = {candidate.casefold(): candidate for candidate in known}
    close = difflib.get_close_matches(name.casefold(), by_folded, n=1, cutoff=0.6)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""


def unknown_name(what: str, name: Any, known: Iterable[str]) -> str:
    """`<what> 'name', which the contract does not have (did you mean ...?)`."""
    known = list(known)
    hint = nearest(name, known) if isinstance(name, str) else ""
    return f"{what} {name!r}, which the contract does not have{hint}"


def declaration_problems(resources: Any) -> list[str]:
    """Every name in a declaration that the contract does not have, one line each; [] when sound."""
    if not isinstance(resources, Mapping):
        return [f"declares its resources as a {type(resources).__name__}: give a mapping of name to ResourceSupport"]
    if not resources:
        return ["declares no resources: give at least one, e.g. {'partijen': ResourceSupport(...)}"]
    problems: list[str] = []
    for resource, support in resources.items():
        if resource not in RESOURCES:
            problems.append(unknown_name("declares the resource", resource, RESOURCES))
        elif not isinstance(support, ResourceSupport):
            problems.append(f"{resource}: declared as a {type(support).__name__}, not a ResourceSupport")
        else:
            problems += [f"{resource} {problem}" for problem in _support_problems(resource, support)]
    return problems


def check_declaration(resources: Any) -> None:
    """Raise `InvalidDeclaration` naming every problem of a declaration."""
    problems = declaration_problems(resources)
    if problems:
        raise InvalidDeclaration(problems)


def _support_problems(resource: str, support: ResourceSupport) -> Iterator[str]:
    yield from pushdown_problems(resource, support.pushdown)
    yield from key_format_problems(support.key_formats)
    if not isinstance(support.ordered, bool):
        yield f"declares ordered={support.ordered!r}: give True or False"
    if not isinstance(support.max_page, int) or isinstance(support.max_page, bool) or support.max_page < 1:
        yield f"declares max_page={support.max_page!r}: give a whole number of at least 1"
    yield from write_problems(resource, support)


def pushdown_problems(resource: str, pushdown: Any) -> Iterator[str]:
    if not isinstance(pushdown, Mapping):
        yield f"declares pushdown as a {type(pushdown).__name__}: give a mapping of filter name to Pushdown"
        return
    filters = RESOURCES[resource].filters
    for name, how in pushdown.items():
        if isinstance(name, str) and name.endswith("__url") and name in filters:
            uuid_name = name.removesuffix("__url") + "__uuid"
            yield f"pushes down {name!r}: a __url filter reaches adapters as {uuid_name!r} (declare that one)"
        elif name not in filters:
            yield "pushes down " + unknown_name("the filter", name, _pushable(filters))
        elif not isinstance(how, Pushdown):
            yield f"pushes down {name!r} as {how!r}: give Pushdown.EXACT or Pushdown.LOOSE"


def _pushable(filters: Mapping[str, Any]) -> list[str]:
    return [name for name in filters if not name.endswith("__url")]


def key_format_problems(key_formats: Any) -> Iterator[str]:
    if not isinstance(key_formats, tuple | list):
        yield f"declares key_formats as a {type(key_formats).__name__}: give a tuple, e.g. (UuidKey(),)"
        return
    if not key_formats:
        yield "declares no key format: give at least one, e.g. (TextKey(),)"
    names: list[str] = []
    for key_format in key_formats:
        if not _is_key_format(key_format):
            hint = nearest(key_format, KEY_FORMAT_NAMES) if isinstance(key_format, str) else ""
            yield f"declares the key format {key_format!r}, which is not a KeyFormat{hint}"
        elif key_format.name in names:
            yield f"declares two key formats named {key_format.name!r}: each needs a name of its own (its key space)"
        else:
            names.append(key_format.name)


def _is_key_format(value: Any) -> bool:
    return (
        isinstance(getattr(value, "name", None), str)
        and callable(getattr(value, "pack", None))
        and callable(getattr(value, "unpack", None))
    )


def write_problems(resource: str, support: ResourceSupport) -> Iterator[str]:
    """What a resource declares it takes in writes (`ResourceSupport.writes`): a `WriteSupport`,
    whose writable fields (None: every writable field) are fields of the resource in the
    contract's model, checked like filter names."""
    writes = support.writes
    if not isinstance(writes, WriteSupport):
        yield f"declares writes as a {type(writes).__name__}: give a WriteSupport"
        return
    if writes.fields is None:
        return
    if not isinstance(writes.fields, frozenset | set):
        yield f"declares its writable fields as a {type(writes.fields).__name__}: give a frozenset of field names"
        return
    known = [name for name in MODELS[resource].model_fields if name != "key"]
    for name in sorted(writes.fields, key=str):
        if name not in known:
            yield "declares " + unknown_name("the writable field", name, known)
