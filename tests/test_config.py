"""The configuration is validated at start-up with messages that name the setting."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

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


def test_a_good_file_loads_and_resolves_paths_and_secrets(tmp_path, env):
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.clients[0].token.get_secret_value() == "token-of-kiss-0123"
    assert settings.sources[0].settings["dataset"] == str(tmp_path / "data.json")
    assert settings.merge_partijen is True


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
    assert "sources.0.settings" in completed.stderr and "latncy" in completed.stderr
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
