"""The configuration is validated at start-up with messages that name the setting."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from adapters.crm_stub import dataset
from adapters.crm_stub.adapter import CrmStubAdapter
from facade.api.app import build_engine
from facade.config import ConfigError, load_settings

GOOD = {
    "identity_secret": {"env": "T_SECRET"},
    "clients": [{"name": "kiss", "token": {"env": "T_TOKEN"}}],
    "sources": [{"name": "crm", "kind": "crm_stub", "settings": {"dataset": "data.json"}}],
}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("T_SECRET", "identity-secret-of-enough-length")
    monkeypatch.setenv("T_TOKEN", "token-of-kiss-0123")


def write(tmp_path, config) -> str:
    path = tmp_path / "facade.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def test_a_good_file_loads_and_resolves_secrets(tmp_path, env):
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.clients[0].token.get_secret_value() == "token-of-kiss-0123"
    assert settings.sources[0].settings == {"dataset": "data.json"}, "a source's settings are its adapter's business"
    assert settings.config_dir == tmp_path
    assert settings.merge_partijen is True


def test_an_adapter_takes_a_relative_path_from_the_configuration_folder(tmp_path, env):
    (tmp_path / "data.json").write_text((dataset.BUNDLED / "second.json").read_text())
    engine = build_engine(load_settings(write(tmp_path, GOOD)))
    adapter = engine.sources[0].guard.inner
    assert isinstance(adapter, CrmStubAdapter) and adapter.crm.name == "Sociaal domein CRM"


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ({"kind": "crm_stub", "settings": {"latency": -1}}, "sources.1.settings.latency: Input should be greater"),
        ({"kind": "crm_stub", "settings": {"dataset": "elsewhere.json"}}, "sources.1.settings.dataset: Value error"),
        (
            {"kind": "zgw", "settings": {"klanten": {"base_url": "ftp://x", "token": {"env": "T_TOKEN"}}}},
            "sources.1.settings.klanten.base_url: Value error, give an http(s) URL",
        ),
        (
            {"kind": "klantinteracties", "settings": {"base_url": "https://ok.example", "token": "literal-token"}},
            "sources.1.settings.token: Value error, secrets are not written in the configuration",
        ),
        ({"kind": "nonsense", "settings": {}}, "sources.1.kind: unknown adapter kind 'nonsense'"),
    ],
)
def test_a_wrong_adapter_setting_is_named_by_its_path(tmp_path, env, source, named):
    config = {**GOOD, "sources": [*GOOD["sources"], {"name": "second", **source}]}
    (tmp_path / "data.json").write_text((dataset.BUNDLED / "second.json").read_text())
    with pytest.raises(ConfigError) as error:
        build_engine(load_settings(write(tmp_path, config)))
    assert named in str(error.value)
    assert "literal-token" not in str(error.value)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"sources": [{"name": "CRM!", "kind": "crm_stub"}]}, "sources.0.name"),
        ({"clients": []}, "clients"),
        ({"identity_secret": "written-in-the-file-0123456789"}, "identity_secret"),
        ({"identity_secret": {"env": "NOT_SET_ANYWHERE"}}, "identity_secret"),
        ({"public_base_url": "ftp://x"}, "public_base_url"),
        ({"trusted_proxies": ["not-an-ip"]}, "trusted_proxies"),
        ({"mystery": 1}, "mystery"),
        ({"sources": [{"name": "crm", "kind": "crm_stub"}, {"name": "crm", "kind": "crm_stub"}]}, "duplicate"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path, env, change, named):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, {**GOOD, **change}))
    assert named in str(error.value)
    assert "written-in-the-file" not in str(error.value)


def test_environment_overrides(tmp_path, env, monkeypatch):
    monkeypatch.setenv("FACADE_MERGE_PARTIJEN", "false")
    monkeypatch.setenv("FACADE_PUBLIC_BASE_URL", "https://kcc.example/")
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.merge_partijen is False
    assert settings.public_base_url == "https://kcc.example"


def test_secret_from_a_file(tmp_path, env):
    secret = tmp_path / "identity"
    secret.write_text("identity-secret-from-a-file-0001\n")
    settings = load_settings(write(tmp_path, {**GOOD, "identity_secret": {"file": str(secret)}}))
    assert settings.identity_secret.get_secret_value() == "identity-secret-from-a-file-0001"


def test_every_wrong_adapter_setting_of_every_source_is_named_at_once(tmp_path, env):
    sources = [
        {"name": "crm", "kind": "crm_stub", "settings": {"latency": -1, "colour": "blue"}},
        {"name": "zgw", "kind": "zgw", "settings": {"zaken": {"base_url": "https://zaken.example", "client_id": "c"}}},
    ]
    with pytest.raises(ConfigError) as error:
        build_engine(load_settings(write(tmp_path, {**GOOD, "sources": sources})))
    assert str(error.value).splitlines()[1:] == [
        "  sources.0.settings.latency: Input should be greater than or equal to 0",
        "  sources.0.settings.colour: Extra inputs are not permitted",
        "  sources.1.settings.zaken: Value error, secret is required, as {env: NAME} or {file: PATH}",
    ]


def test_the_service_refuses_to_start_with_a_bad_adapter_setting(tmp_path, env):
    bad = {**GOOD, "sources": [{"name": "crm", "kind": "crm_stub", "settings": {"latncy": 1}}]}
    completed = subprocess.run(
        [sys.executable, "-m", "facade.cli", "serve", "--config", write(tmp_path, bad), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode != 0
    assert "sources.0.settings.latncy: Extra inputs are not permitted" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_check_command(tmp_path, env):
    completed = subprocess.run(
        [sys.executable, "-m", "facade.cli", "check", "--config", write(tmp_path, {**GOOD, "clients": []})],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "clients" in completed.stderr
