"""Schemathesis against the served OpenAPI document, every phase and every check: 0 failures.

The façade runs as `serve` runs it (uvicorn on loopback); the schemathesis command line drives it
the way a municipality's test team would. Every check includes the strict ones: a request the
document allows is answered (`positive_data_acceptance`), one it forbids is a 4xx
(`negative_data_rejection`), an undeclared method is a 405 with `Allow`, a request without a
token is refused. So the document states every limit the façade holds (ADR 5, issue 13).

Bounded for CI (10 examples per operation and phase, deterministic: about 3000 cases in well
under a minute); a full run is the same command without `--max-examples` and
`--generation-deterministic` (about 6000 cases).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import running_facade

PHASES = "examples,coverage,fuzzing,stateful"


def test_every_phase_and_every_check_pass(tmp_path):
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "fuzz", "token": {"env": "T_TOKEN"}, "permissions": {"bsn": True}}],
        "processing_log": {"sink": "file", "path": str(tmp_path / "verwerkingen.jsonl"), "key": {"env": "T_IDENTITY"}},
        "sources": [{"name": "crm", "kind": "crm_stub"}],
    }
    report = tmp_path / "report.json"
    with running_facade(config, {"T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN}, tmp_path) as base:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{base}/klantinteracties/api/v1/schema/openapi.json",
                "--checks=all",
                f"--phases={PHASES}",
                f"--header=Authorization: Token {TOKEN}",
                "--max-examples=10",
                "--generation-deterministic",
                "--continue-on-failure",
                "--workers=2",
                "--report=json",
                f"--report-json-path={report}",
                "--no-color",
            ],
            cwd=tmp_path,  # its cache stays out of the checkout
            capture_output=True,
            text=True,
            timeout=900,
        )
    summary = json.loads(report.read_text()) if report.exists() else {}
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert summary["complete"] and not summary["failures"] and not summary["errors"]
    assert summary["test_cases"]["generated"] >= 2000 and summary["test_cases"]["with_failures"] == 0
