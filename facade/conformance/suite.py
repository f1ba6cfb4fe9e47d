"""The conformance suite an adapter package runs in its own tests, by subclassing `AdapterConformance`.

Like a dialect suite of SQLAlchemy: the integrator names the adapter kind and how to configure
it, starts the application (or a stand-in) in a fixture, and describes the data; the suite reads
the adapter's declaration and runs one test per (check, resource) and per (check, resource,
filter) it implies, so a failure names exactly what is wrong::

    FAILED tests/test_conformance.py::TestBalie::test_filter_keeps_every_match[klantcontacten?onderwerp]
      balie: klantcontacten?onderwerp=ark drops records that match it: ['c-2009', 'c-2002'] ...

The declaration is read once at collection, from an adapter built with `settings_for(OFFLINE)`:
like the façade at start-up, the kit reads it before any call to the application, so it may
depend on the settings but not on the application.

Adding a check: a `test_*` method here that takes `kit` and one of the parameters `AXES` knows
(`resource`, `pushed`, `exact`, `failing`, `writable`), or a new axis (a function of the class
and its declaration).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import pytest

from adapters.declarations import declaration_problems
from adapters.protocol import Pushdown, ResourceSupport
from facade.conformance import checks
from facade.conformance.faults import FAULTS, failing_applications
from facade.conformance.kit import CheckFailed, Dataset, KitRun, Target
from facade.engine.filtering import convention_part
from mapping.contract import RESOURCES

OFFLINE = "http://upstream.invalid"
"""The upstream URL the declaration is read with: `.invalid` never resolves (RFC 6761)."""

Declared = Mapping[str, ResourceSupport]
Axis = Callable[[type["AdapterConformance"], Declared], list[Any]]


class AdapterConformance:
    """Subclass as ``Test<YourAdapter>``; set `kind`, override `settings_for` and `upstream`."""

    kind: ClassVar[str] = ""
    """The adapter kind as a configuration names it: an entry-point name, or ``package.module:factory``."""
    dataset: ClassVar[Dataset] = Dataset()
    """What the kit may expect of the application's data."""
    speaks_http: ClassVar[bool] = True
    """The adapter calls its application at the URL `settings_for` puts in its settings; the
    kit then also points it at failing applications. False for an adapter without one."""

    def settings_for(self, upstream: str | None) -> Mapping[str, Any]:
        """The source's `settings` (as in a configuration) for an application at `upstream`.
        Give secrets as `pydantic.SecretStr` or `{env: NAME}` of a variable set at import."""
        return {}

    @pytest.fixture(scope="class")
    @classmethod
    def upstream(cls) -> Iterator[str | None]:
        """Override (a class-scoped fixture, a classmethod): start the application, or a stand-in
        holding the dataset, and yield its root URL."""
        yield None

    @pytest.fixture(scope="class")
    @classmethod
    def kit(cls, upstream: str | None) -> Iterator[KitRun]:
        run = KitRun(_target(cls), upstream, cls.dataset)
        yield run
        run.close()

    # --- the declaration -----------------------------------------------------------------------

    def test_declaration(self) -> None:
        """The declaration names only resources, filters and key formats the contract has, and the
        dataset description only what the adapter declares."""
        resources, problem = _declared(type(self))
        if problem:
            pytest.fail(f"{self.kind}: {problem}", pytrace=False)
        problems = declaration_problems(resources) + _dataset_problems(self.dataset, resources)
        if problems:
            pytest.fail("\n".join(f"{self.kind}: {line}" for line in problems), pytrace=False)

    # --- per resource --------------------------------------------------------------------------

    def test_lists_its_records(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.lists_its_records, resource)

    def test_keys_round_trip(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.keys_round_trip, resource)

    def test_declared_order_holds(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.declared_order_holds, resource)

    def test_paging_is_exhaustive(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.paging_is_exhaustive, resource)

    def test_objects_fit_the_contract(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.objects_fit_the_contract, resource)

    def test_references_resolve(self, kit: KitRun, resource: str) -> None:
        _check(kit, checks.references_resolve, resource)

    # --- per pushed-down filter ----------------------------------------------------------------

    def test_filter_keeps_every_match(self, kit: KitRun, pushed: tuple[str, str]) -> None:
        _check(kit, checks.filter_keeps_every_match, *pushed)

    def test_exact_filter_answers_exactly(self, kit: KitRun, exact: tuple[str, str]) -> None:
        _check(kit, checks.exact_filter_answers_exactly, *exact)

    # --- per failing application ---------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def failing_upstreams(cls) -> Iterator[dict[str, str]]:
        """Fault name -> the root URL of an application failing that way (`faults.FAULTS`)."""
        with failing_applications() as urls:
            yield urls

    def test_failure_is_closed_and_clean(
        self, kit: KitRun, failing_upstreams: dict[str, str], failing: tuple[str, str]
    ) -> None:
        resource, fault = failing
        _check(kit, checks.probe_key, resource)
        _check(kit, checks.failure_is_closed_and_clean, resource, fault, upstream=failing_upstreams[fault])

    # --- per resource that takes writes (last: they change the application) ----------------------

    def test_declared_writes_round_trip(self, kit: KitRun, writable: str) -> None:
        if writable not in self.dataset.writes:
            pytest.skip(
                f"{self.kind}: {writable} takes writes; give Dataset.writes[{writable!r}] = Write(create=...) "
                "to check them"
            )
        _check(kit, checks.declared_writes_round_trip, writable)

    # --- parametrisation from the declaration ----------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        cls = type(self)
        resources, problem = _declared(cls)
        for name in metafunc.fixturenames:
            axis = AXES.get(name)
            if axis is None:
                continue
            values = axis(cls, resources) if resources is not None else []
            if not values:
                reason = problem or _EMPTY.get(name, "nothing to check")
                values = [pytest.param(None, id="none", marks=pytest.mark.skip(reason=f"{cls.kind}: {reason}"))]
            metafunc.parametrize(name, values, scope="function")


def _check(kit: KitRun, check: Callable, *arguments: Any, upstream: str | None = None) -> None:
    """Run one check; its failure is the test's, told in the check's words (no kit traceback)."""
    try:
        kit.run(check, *arguments, upstream=upstream)
    except CheckFailed as failure:
        message = str(failure)
    else:
        return
    pytest.fail(message, pytrace=False)


# --- axes: what the declaration implies -----------------------------------------------------------


def _resources(cls: type[AdapterConformance], resources: Declared) -> list[Any]:
    """The declared resources the contract has (the others are `test_declaration`'s)."""
    return [
        pytest.param(name, id=name)
        for name, support in resources.items()
        if name in RESOURCES and isinstance(support, ResourceSupport)
    ]


def _pushed(cls: type[AdapterConformance], resources: Declared, only: Pushdown | None = None) -> list[Any]:
    """Declared filters as the engine pushes them: never the codes of an actor's or onderwerpobject's
    identificator, and their `objectId` never as exact (it also names facts: ADR 18)."""
    return [
        pytest.param((resource, name), id=f"{resource}?{name}")
        for resource, support in resources.items()
        if resource in RESOURCES and isinstance(support, ResourceSupport)
        for name, how in support.pushdown.items()
        if name in RESOURCES[resource].filters
        and (part := convention_part(RESOURCES[resource].filters[name])) in (None, "objectId")
        and (only is None or (how is only and part is None))
    ]


def _exact(cls: type[AdapterConformance], resources: Declared) -> list[Any]:
    return _pushed(cls, resources, Pushdown.EXACT)


def _failing(cls: type[AdapterConformance], resources: Declared) -> list[Any]:
    if not cls.speaks_http:
        return []
    return [
        pytest.param((resource, fault), id=f"{resource}:{fault}")
        for resource in (param.values[0] for param in _resources(cls, resources))
        for fault in FAULTS
    ]


def _writable(cls: type[AdapterConformance], resources: Declared) -> list[Any]:
    return [
        param
        for param in _resources(cls, resources)
        if any(resources[param.values[0]].writes.allows(operation) for operation in ("create", "update", "delete"))
    ]


AXES: dict[str, Axis] = {
    "resource": _resources,
    "pushed": _pushed,
    "exact": _exact,
    "failing": _failing,
    "writable": _writable,
}
"""Test parameter name -> its values for a declaration (one test each)."""
_EMPTY = {
    "pushed": "it pushes down no filter",
    "exact": "it declares no filter EXACT",
    "failing": "it has no application to fail (speaks_http = False)",
    "resource": "it declares no resource",
    "writable": "it takes no writes",
}


# --- the declaration, read once per class at collection ------------------------------------------

_DECLARED: dict[type, tuple[Declared | None, str]] = {}


def _target(cls: type[AdapterConformance]) -> Target:
    instance = cls()
    return Target(cls.kind, instance.settings_for)


def _declared(cls: type[AdapterConformance]) -> tuple[Declared | None, str]:
    """(the adapter's declaration, '') or (None, why it could not be read)."""
    if cls not in _DECLARED:
        _DECLARED[cls] = _read_declaration(cls)
    return _DECLARED[cls]


def _read_declaration(cls: type[AdapterConformance]) -> tuple[Declared | None, str]:
    if not cls.kind:
        return None, f"{cls.__name__}: set `kind` to the adapter kind (an entry-point name or 'module:factory')"
    try:
        adapter = _target(cls).build(OFFLINE)
    except Exception as exc:
        return None, f"the adapter could not be built with settings_for({OFFLINE!r}): {type(exc).__name__}: {exc}"
    try:
        resources = adapter.resources
        if not isinstance(resources, Mapping):
            return None, declaration_problems(resources)[0]
        return dict(resources), ""
    finally:
        asyncio.run(adapter.aclose())


def _dataset_problems(dataset: Dataset, resources: Declared | None) -> list[str]:
    if not isinstance(resources, Mapping):
        return []
    problems = [
        f"Dataset.records names {resource!r}, which the adapter does not declare"
        for resource in dataset.records
        if resource not in resources
    ]
    for entry in dataset.values:
        resource, _, name = entry.partition("?")
        support = resources.get(resource)
        if not isinstance(support, ResourceSupport) or name not in support.pushdown:
            problems.append(f"Dataset.values names {entry!r}, which the adapter does not push down")
    for resource, write in dataset.writes.items():
        support = resources.get(resource)
        declared = support.writes if isinstance(support, ResourceSupport) else None
        if declared is None or not any(declared.allows(op) for op in ("create", "update", "delete")):
            problems.append(f"Dataset.writes names {resource!r}, which takes no writes")
        elif declared.fields is not None:
            undeclared = sorted((set(write.create) | set(write.update)) - declared.fields)
            if undeclared:
                problems.append(f"Dataset.writes[{resource!r}] writes {undeclared}, which it does not declare writable")
    return problems
