"""Declarations checked at start-up: a name the contract does not have stops the façade, naming it.

A misspelled pushdown name used to be accepted: the adapter then never received the filter and a
BSN lookup became a full read. Now every resource, filter, `Pushdown` and key format of every
source is checked before the façade serves, and the message names the source, the resource, the
name and its nearest correct spelling.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection, Mapping
from typing import Any

import pytest
import yaml
from pydantic import Field, SecretStr

from adapters.api import (
    Adapter,
    AdapterSettings,
    ListPage,
    ListQuery,
    Pushdown,
    ResourceSupport,
    TextKey,
    UuidKey,
    WriteSupport,
    ki,
)
from adapters.crm_stub.adapter import CrmStubAdapter
from adapters.declarations import InvalidDeclaration, check_declaration, declaration_problems
from adapters.klantinteracties.adapter import KlantinteractiesAdapter
from adapters.zgw.adapter import declare
from adapters.zgw.settings import ZgwSettings
from facade.api.app import build_engine
from facade.cli import main
from facade.config import ConfigError
from tests.conftest import IDENTITY_SECRET, TOKEN, settings
from tests.test_layers import ROOT

E = Pushdown.EXACT


def test_a_sound_declaration_has_no_problems():
    assert declaration_problems({"partijen": ResourceSupport(pushdown={"partijIdentificator__objectId": E})}) == []


@pytest.mark.parametrize(
    ("declaration", "problem"),
    [
        (
            {"partijen": ResourceSupport(pushdown={"partijIdentificator__objectID": E})},
            "partijen pushes down the filter 'partijIdentificator__objectID', which the contract does not have "
            "(did you mean 'partijIdentificator__objectId'?)",
        ),
        (
            {"partij": ResourceSupport()},
            "declares the resource 'partij', which the contract does not have (did you mean 'partijen'?)",
        ),
        (
            {"klantcontacten": ResourceSupport(pushdown={"hadBetrokkene__wasPartij__url": E})},
            "klantcontacten pushes down 'hadBetrokkene__wasPartij__url': a __url filter reaches adapters as "
            "'hadBetrokkene__wasPartij__uuid' (declare that one)",
        ),
        (
            {"partijen": ResourceSupport(pushdown={"nummer": "exact"})},  # type: ignore[dict-item]
            "partijen pushes down 'nummer' as 'exact': give Pushdown.EXACT or Pushdown.LOOSE",
        ),
        (
            {"partijen": ResourceSupport(key_formats=("uuid",))},  # type: ignore[arg-type]
            "partijen declares the key format 'uuid', which is not a KeyFormat (did you mean 'UuidKey()'?)",
        ),
        (
            {"partijen": ResourceSupport(key_formats=UuidKey())},  # type: ignore[arg-type]
            "partijen declares key_formats as a UuidKey: give a tuple, e.g. (UuidKey(),)",
        ),
        (
            {"partijen": ResourceSupport(key_formats=(TextKey(), TextKey()))},
            "partijen declares two key formats named 'text': each needs a name of its own (its key space)",
        ),
        ({"partijen": ResourceSupport(key_formats=())}, "partijen declares no key format"),
        ({"partijen": ResourceSupport(max_page=0)}, "partijen declares max_page=0: give a whole number of at least 1"),
        ({"partijen": {"pushdown": {}}}, "partijen: declared as a dict, not a ResourceSupport"),
        ({}, "declares no resources"),
        ([ResourceSupport()], "declares its resources as a list"),
    ],
)
def test_each_wrong_name_is_named_with_the_nearest_spelling(declaration, problem):
    problems = declaration_problems(declaration)
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_writable_fields_are_checked_like_filter_names():
    writes = WriteSupport(create=True, update=True, fields=frozenset({"onderwerp", "inhoud", "onderwrp"}))
    assert declaration_problems({"klantcontacten": ResourceSupport(writes=writes)}) == [
        "klantcontacten declares the writable field 'onderwrp', which the contract does not have "
        "(did you mean 'onderwerp'?)"
    ]
    every_field = WriteSupport(create=True, update=True, delete=True)
    assert declaration_problems({"klantcontacten": ResourceSupport(writes=every_field)}) == []
    loose = {"klantcontacten": ResourceSupport(writes={"create": True})}  # type: ignore[arg-type]
    assert declaration_problems(loose) == ["klantcontacten declares writes as a dict: give a WriteSupport"]


def test_every_problem_of_a_declaration_is_named_at_once():
    with pytest.raises(InvalidDeclaration) as refused:
        check_declaration(
            {
                "partij": ResourceSupport(),
                "partijen": ResourceSupport(pushdown={"soortPartij": E, "indicatieActif": E, "nummr": E}),
            }
        )
    assert [line.split(" (did")[0] for line in refused.value.problems] == [
        "declares the resource 'partij', which the contract does not have",
        "partijen pushes down the filter 'indicatieActif', which the contract does not have",
        "partijen pushes down the filter 'nummr', which the contract does not have",
    ]


@pytest.mark.parametrize("flavour", ["vng", "openklant", "esuite"])
def test_the_bundled_adapters_declare_only_what_the_contract_has(flavour):
    credentials = {"client_id": "c", "secret": SecretStr("s")}
    zgw = ZgwSettings.model_validate(
        {
            "klanten": {"base_url": "https://zgw.example/klanten/api/v1", "flavour": flavour, **credentials},
            "contactmomenten": {"base_url": "https://zgw.example/cm/api/v1", "flavour": flavour, **credentials},
            "zaken": {"base_url": "https://zgw.example/zaken/api/v1", **credentials},
        }
    )
    assert declaration_problems(CrmStubAdapter.resources) == []
    assert declaration_problems(KlantinteractiesAdapter.resources) == []
    assert declaration_problems(declare(zgw)) == []


# --- at start-up ------------------------------------------------------------------------------


class MisdeclaredSettings(AdapterSettings):
    pushdown: dict[str, str] = Field(default_factory=lambda: {"partijIdentificator__objectID": "exact"})


class Misdeclared(Adapter):
    """An adapter with a one-letter slip in its declaration (it would get a BSN lookup as {})."""

    def __init__(self, pushdown: Mapping[str, str]):
        self.resources = {"partijen": ResourceSupport(pushdown={name: Pushdown(how) for name, how in pushdown.items()})}

    async def list(self, query: ListQuery) -> ListPage:
        return ListPage([], 0)

    async def get_many(self, resource: str, keys: Collection[str]) -> Mapping[str, ki.KIObject]:
        return {}


def misdeclared(settings: MisdeclaredSettings) -> Misdeclared:
    return Misdeclared(settings.pushdown)


KIND = f"{__name__}:misdeclared"


def _config(**source: Any) -> dict[str, Any]:
    return {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "kcc", "token": {"env": "T_TOKEN"}}],
        "sources": [{"name": "crm", "kind": "crm_stub"}, {"name": "eigen", "kind": KIND, **source}],
    }


def test_a_misspelled_declaration_stops_the_engine_naming_source_and_name():
    with pytest.raises(ConfigError) as refused:
        build_engine(settings([{"name": "crm", "kind": "crm_stub"}, {"name": "eigen", "kind": KIND}]))
    assert str(refused.value) == (
        "invalid configuration:\n"
        f"  sources.1: source 'eigen' (kind {KIND}): partijen pushes down the filter "
        "'partijIdentificator__objectID', which the contract does not have "
        "(did you mean 'partijIdentificator__objectId'?)"
    )


def test_the_same_adapter_spelled_right_starts():
    engine = build_engine(
        settings(
            [{"name": "eigen", "kind": KIND, "settings": {"pushdown": {"partijIdentificator__objectId": "exact"}}}]
        )
    )
    assert list(engine.sources[0].guard.resources["partijen"].pushdown) == ["partijIdentificator__objectId"]


def test_check_refuses_the_configuration(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("T_IDENTITY", IDENTITY_SECRET)
    monkeypatch.setenv("T_TOKEN", TOKEN)
    config = tmp_path / "facade.yaml"
    config.write_text(yaml.safe_dump(_config()))
    assert main(["check", "--config", str(config)]) == 2
    assert "did you mean 'partijIdentificator__objectId'?" in capsys.readouterr().err


def test_serve_stops_before_it_serves(tmp_path):
    """The real command, in its own process: exit status 2 and the message on stderr."""
    config = tmp_path / "facade.yaml"
    config.write_text(yaml.safe_dump(_config()))
    done = subprocess.run(
        [sys.executable, "-m", "facade.cli", "serve", "--config", str(config), "--port", "0"],
        env={"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,  # where `tests.adapters.test_declarations:misdeclared` is found
    )
    assert done.returncode == 2, done.stderr
    assert f"sources.1: source 'eigen' (kind {KIND}): partijen pushes down the filter" in done.stderr
