"""Adapter kinds installed as packages are found through an entry-point group, and listed.

`make` installs the worked example (examples/balie) next to the façade, as an integrator
installs an adapter package: it registers kind `balie` in `klantinteracties_facade.adapters`.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
import yaml
from pydantic import SecretStr

from adapters import registry
from adapters.protocol import ResourceSupport, WriteSupport
from adapters.registry import ENTRY_POINT_GROUP, UnknownAdapterKind, installed_kinds, load_factory
from facade.adapter_kinds import declaration_lines
from facade.api.app import build_engine
from facade.cli import main
from tests.conftest import IDENTITY_SECRET, TOKEN, settings


def _with_entry_points(monkeypatch, *entries: tuple[str, str]) -> None:
    installed = [*registry.entry_points(group=ENTRY_POINT_GROUP)]
    fake = [EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in entries]
    monkeypatch.setattr(registry, "entry_points", lambda group: [*installed, *fake])


def test_an_installed_package_registers_its_kind():
    balie = installed_kinds()["balie"]
    assert (balie.target, balie.origin) == ("balie_adapter.adapter:from_settings", "balie-adapter 0.1.0")
    assert load_factory("balie").__module__ == "balie_adapter.adapter"


def test_a_source_of_an_installed_kind_is_built_by_name():
    balie = {"base_url": "https://balie.example/api/v1", "token": SecretStr(TOKEN)}
    engine = build_engine(settings([{"name": "balie", "kind": "balie", "settings": balie}]))
    assert engine.sources[0].guard.resources["klantcontacten"].ordered


def test_a_package_cannot_take_a_built_in_name(monkeypatch):
    _with_entry_points(monkeypatch, ("zgw", "somebody.else:factory"))
    assert installed_kinds()["zgw"].target == "adapters.zgw.adapter:from_settings"


def test_an_unknown_kind_names_the_installed_ones_and_the_nearest():
    with pytest.raises(UnknownAdapterKind) as refused:
        load_factory("bali")
    assert str(refused.value) == (
        "unknown adapter kind 'bali' (did you mean 'balie'?) "
        "(known: balie, crm_stub, klantinteracties, zgw, or 'module:factory')"
    )


# --- klantinteracties-facade adapters ----------------------------------------------------------------


def test_adapters_lists_every_kind_with_its_settings_and_declaration(capsys):
    assert main(["adapters"]) == 0
    out = capsys.readouterr().out
    balie = out[out.index("balie  (") :]
    assert balie.startswith("balie  (balie-adapter 0.1.0: balie_adapter.adapter:from_settings)\n")
    assert "    token: secret ({env: NAME} or {file: PATH}), required  The façade's Balie API token" in balie
    assert "    timeout: number, default 10.0  Seconds one Balie call may take." in balie
    assert "    klantcontacten\n      pushdown: kanaal (exact), onderwerp (loose)," in balie
    assert "      ordered: True\n      max_page: 50\n" in balie
    assert "crm_stub  (built in: adapters.crm_stub.adapter:from_settings)" in out
    assert "zgw  (built in" in out
    assert "resources: depend on its settings" in out[out.index("zgw  (") : out.index("klantinteracties  (")]


def test_adapters_with_a_configuration_lists_each_source(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("T_IDENTITY", IDENTITY_SECRET)
    monkeypatch.setenv("T_TOKEN", TOKEN)
    monkeypatch.setenv("T_ZGW", "zgw-secret")
    zgw = {"klanten": {"base_url": "https://zgw.example/klanten/api/v1", "client_id": "f", "secret": {"env": "T_ZGW"}}}
    config = tmp_path / "facade.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "identity_secret": {"env": "T_IDENTITY"},
                "clients": [{"name": "kcc", "token": {"env": "T_TOKEN"}}],
                "sources": [{"name": "klanten", "kind": "zgw", "settings": zgw}],
            }
        )
    )
    assert main(["adapters", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    listed = out[out.index(f"sources in {config}:") :]
    assert listed.startswith(f"sources in {config}:\n  klanten\n    partijen\n      pushdown: partijIdentificator__")
    assert "klantcontacten" not in listed  # no Contactmomenten API configured: not served


def test_a_plug_in_that_cannot_load_is_reported_and_the_rest_listed(monkeypatch, capsys):
    _with_entry_points(monkeypatch, ("kapot", "no_such_package.adapter:from_settings"))
    assert main(["adapters"]) == 1
    out = capsys.readouterr().out
    assert "kapot  (an installed package: no_such_package.adapter:from_settings)\n  cannot be loaded:" in out
    assert "balie  (balie-adapter 0.1.0" in out


def test_a_write_declaration_is_listed_too():
    writes = WriteSupport(create=True, delete=True, fields=frozenset({"onderwerp", "kanaal"}))
    lines = list(declaration_lines({"klantcontacten": ResourceSupport(ordered=True, writes=writes)}, ""))
    assert lines == [
        "klantcontacten",
        "  pushdown: -",
        "  key_formats: text",
        "  ordered: True",
        "  writes: create, delete; fields: kanaal, onderwerp",
    ]
