"""System services some tests run on loopback: redis-server and nginx (Debian's packages).

`make test` installs them when they are missing (Makefile, target `services`); where they
cannot be installed the tests that need them skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.server import free_port

_SBIN = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"))


def executable(name: str) -> str | None:
    return shutil.which(name, path=_SBIN)


def unavailable(name: str) -> str | None:
    """Why a test cannot use this program, or None when it can."""
    if executable(name) is None:
        return f"{name} is not installed (`make test` installs it from Debian's packages when it may, as root)"
    return None


def requires(name: str):
    return pytest.mark.skipif(unavailable(name) is not None, reason=unavailable(name) or "")


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{process.args[0]} did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)


class RedisServer:
    """A throw-away redis-server on a free loopback port: no persistence, stoppable and restartable."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = folder / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            executable("redis-server") or "redis-server",
            *("--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"),
            *("--dir", str(self.folder), "--protected-mode", "yes", "--daemonize", "no"),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
