"""Run the façade as a real server (uvicorn, loopback) for tests that speak real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

from bench.services import free_port, stop_process


@contextmanager
def running_process(command: list[str], ready_path: str, env: dict[str, str], log_path: Path, timeout: float = 60):
    """Run `python <command> --port <free>` until `ready_path` answers 200; yield the base URL."""
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, *command, "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}{ready_path}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:3]} did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        stop_process(process, grace=15)
        log.close()


@contextmanager
def running_cli(arguments: list[str], env: dict[str, str], log_path: Path, timeout: float = 60):
    """Run `python -m facade.cli <arguments> --port <free>` until it answers; yield the base URL."""
    with running_process(["-m", "facade.cli", *arguments], "/klantinteracties/api/v1/", env, log_path, timeout) as base:
        yield base


@contextmanager
def running_facade(config: dict, env: dict[str, str], tmp_path: Path, log_file: Path | None = None):
    """Start `klantinteracties-facade serve` with this configuration; yield its base URL."""
    config_file = tmp_path / "facade.yaml"
    config_file.write_text(yaml.safe_dump(config))
    with running_cli(["serve", "--config", str(config_file)], env, log_file or tmp_path / "facade.log") as base:
        yield base


@contextmanager
def running_register(config: dict, env: dict[str, str], tmp_path: Path):
    """A counting Klantinteracties register (`bench/servers.py ki`: this façade serving `config`,
    no added latency) that answers `GET /_bench/requests` with its request count and recent targets."""
    config_file = tmp_path / "register.yaml"
    config_file.write_text(yaml.safe_dump(config))
    command = ["-m", "bench.servers", "ki", "--config", str(config_file), "--latency", "0"]
    with running_process(command, "/healthz", env, tmp_path / "register.log") as base:
        yield base
