"""Run the façade as a real server (uvicorn, loopback) for tests that speak real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_cli(arguments: list[str], env: dict[str, str], log_path: Path, timeout: float = 60):
    """Run `python -m facade.cli <arguments> --port <free>` until it answers; yield the base URL."""
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "facade.cli", *arguments, "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/klantinteracties/api/v1/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the façade did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def running_facade(config: dict, env: dict[str, str], tmp_path: Path, log_file: Path | None = None):
    """Start `klantinteracties-facade serve` with this configuration; yield its base URL."""
    config_file = tmp_path / "facade.yaml"
    config_file.write_text(yaml.safe_dump(config))
    with running_cli(["serve", "--config", str(config_file)], env, log_file or tmp_path / "facade.log") as base:
        yield base
