"""SIGTERM: the server stops accepting, finishes the requests in flight (bounded), closes its sources."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import yaml

from tests.conftest import IDENTITY_SECRET, TOKEN
from tests.support.server import free_port

API = "/klantinteracties/api/v1"


def start(tmp_path: Path, latency: float, shutdown_timeout: float) -> tuple[subprocess.Popen, str, Path]:
    config = {
        "identity_secret": {"env": "T_IDENTITY"},
        "clients": [{"name": "tests", "token": {"env": "T_TOKEN"}}],
        "sources": [{"name": "crm", "kind": "crm_stub", "settings": {"latency": latency}, "cache_ttl": 0}],
    }
    path = tmp_path / "facade.yaml"
    path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = tmp_path / "facade.log"
    command = [sys.executable, "-m", "facade.cli", "serve", "--config", str(path), "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--shutdown-timeout", str(shutdown_timeout)],
        env={**os.environ, "T_IDENTITY": IDENTITY_SECRET, "T_TOKEN": TOKEN},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base, log
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def request_in_background(url: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["response"] = httpx.get(url, headers={"Authorization": f"Token {TOKEN}"}, timeout=60)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def refuses_connections(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_finishes_requests_in_flight_and_stops_accepting(tmp_path):
    process, base, log = start(tmp_path, latency=1.5, shutdown_timeout=20)
    try:
        thread, outcome = request_in_background(f"{base}{API}/actoren")
        time.sleep(0.5)  # the request waits for the (slow) CRM
        process.send_signal(signal.SIGTERM)
        port = int(base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 10
        while not refuses_connections(port):
            assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
            time.sleep(0.05)
        assert process.poll() is None, "stopped before the request in flight was answered"
        thread.join(60)
        assert outcome.get("response") is not None, outcome
        assert outcome["response"].status_code == 200 and outcome["response"].json()["count"] > 0
        # a clean end; uvicorn re-raises the signal it stopped for, so the status may say SIGTERM
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    assert "closed the sources" in log.read_text()


def test_a_request_that_outlasts_the_shutdown_timeout_does_not_hold_the_process(tmp_path):
    process, base, _ = start(tmp_path, latency=60, shutdown_timeout=1)
    try:
        thread, outcome = request_in_background(f"{base}{API}/actoren")
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert time.monotonic() - started < 15
        thread.join(30)
        assert "response" not in outcome or outcome["response"].status_code >= 500
    finally:
        if process.poll() is None:
            process.kill()
