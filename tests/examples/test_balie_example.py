"""The worked example of an adapter package (examples/balie), as docs/adapters.md walks through it.

- A broken copy of the package (a filter that drops matches, a key that does not round-trip, a
  misspelled declaration) fails its own conformance run, and each failure names its problem.
- Installed next to the façade, its kind `balie` serves a running façade from its
  configuration (examples/balie/facade.yaml), over real HTTP.

`make` installs the package (as an integrator's package would be) and runs its own tests.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys

import httpx
import pytest
import yaml

from facade.cli import main
from tests.conftest import IDENTITY_SECRET, PROCESSING_LOG_KEY, TOKEN
from tests.support.server import running_facade
from tests.test_layers import ROOT

EXAMPLE = ROOT / "examples" / "balie"
BALIE_TOKEN = "balie-walkthrough-token-0123"

BREAKAGES = [
    # (file, as shipped, broken): each a slip an integrator could make
    (  # a filter that drops matches: `onderwerp` is a substring filter, Balie's `onderwerp` an exact one
        "src/balie_adapter/adapter.py",
        'params["zoek"] = onderwerp  # onderwerp or tekst: LOOSE',
        'params["onderwerp"] = onderwerp',
    ),
    (  # a key that does not round-trip: get_many reads `<klant>:email`, list now writes `<klant>-email`
        "src/balie_adapter/mapping.py",
        "key=derived_key(klant_id, EMAIL),",
        'key=f"{klant_id}-{EMAIL}",',
    ),
    (  # a misspelled declaration
        "src/balie_adapter/adapter.py",
        'parts = ("objectId", *m.IDENTIFICATOR)',
        'parts = ("objectID", *m.IDENTIFICATOR)',
    ),
]


def test_a_broken_copy_fails_the_kit_naming_each_problem(tmp_path):
    copy = tmp_path / "balie"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    for file, shipped, broken in BREAKAGES:
        text = (copy / file).read_text()
        assert shipped in text, f"the example changed: {file} no longer holds {shipped!r}"
        (copy / file).write_text(text.replace(shipped, broken))

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:asyncio", "-p", "no:cacheprovider"],
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy / "src")},  # the broken copy before the installed one
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout
    failed = sorted(re.findall(r"^FAILED tests/test_conformance\.py::TestBalie::(\S+)", output, re.MULTILINE))
    assert failed == [
        "test_declaration",
        "test_filter_keeps_every_match[klantcontacten?onderwerp]",
        "test_keys_round_trip[digitaleadressen]",
    ], output[-3000:]
    assert re.search(r"balie: klantcontacten\?onderwerp=\S+ drops records that match it: \['c-", output)
    assert "balie: digitaleadressen: get_many does not give back listed keys ['k-100" in output
    assert (
        "balie: partijen pushes down the filter 'partijIdentificator__objectID', which the contract does not "
        "have (did you mean 'partijIdentificator__objectId'?)"
    ) in output


def _balie_app():
    """The example's stand-in of Balie's API (its tests' module, loaded by path)."""
    spec = importlib.util.spec_from_file_location("balie_app", EXAMPLE / "tests" / "balie_app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENV = {
    "FACADE_IDENTITY_SECRET": IDENTITY_SECRET,
    "FACADE_KCC_TOKEN": TOKEN,
    "FACADE_PROCESSING_LOG_KEY": PROCESSING_LOG_KEY,
    "BALIE_TOKEN": BALIE_TOKEN,
}


@pytest.fixture(scope="module")
def walkthrough_config():
    """examples/balie/facade.yaml, pointed at Balie's stand-in (on a free port)."""
    with _balie_app().serve(BALIE_TOKEN) as balie:
        config = yaml.safe_load((EXAMPLE / "facade.yaml").read_text())
        config["sources"][0]["settings"]["base_url"] = f"{balie}/api/v1"
        yield config


@pytest.fixture(scope="module")
def balie_facade(walkthrough_config, tmp_path_factory):
    """A façade serving the walk-through's configuration."""
    with running_facade(walkthrough_config, ENV, tmp_path_factory.mktemp("balie")) as base:
        yield f"{base}/klantinteracties/api/v1"


def test_the_walkthrough_configuration_checks_and_probes(walkthrough_config, tmp_path, monkeypatch, capsys):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "facade.yaml"
    config.write_text(yaml.safe_dump(walkthrough_config))
    assert main(["check", "--config", str(config), "--probe"]) == 0
    assert "source balie (balie): reachable, authorised;" in capsys.readouterr().out


def test_the_walkthrough_facade_finds_a_citizen_and_their_contacts(balie_facade):
    auth = {"Authorization": f"Token {TOKEN}"}
    henk = {"partijIdentificator__codeSoortObjectId": "bsn", "partijIdentificator__objectId": "999993653"}
    partijen = httpx.get(f"{balie_facade}/partijen", params=henk, headers=auth, timeout=30).json()
    assert partijen["count"] == 1  # Balie registered Henk twice (k-1001, k-1005): one merged partij
    assert partijen["results"][0]["partijIdentificatie"]["volledigeNaam"] == "Henk de Vries"

    by_bsn = {f"hadBetrokkene__wasPartij__{name}": value for name, value in henk.items()}
    contacten = httpx.get(f"{balie_facade}/klantcontacten", params=by_bsn, headers=auth, timeout=30).json()
    assert [c["onderwerp"] for c in contacten["results"]] == [
        "Paspoort ophalen",
        "Vraag over de afvalpas",
        "Verhuizing doorgeven",
    ]
    assert {c["kanaal"] for c in contacten["results"]} == {"balie", "telefoon", "e-mail"}
