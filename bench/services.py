"""System services the benchmarks and tests run on loopback: redis-server and nginx (Debian's packages).

`make test` and `make bench` install them when they are missing (Makefile, target `services`);
where they cannot be installed the tests that need them skip, saying so
(`tests/support/services.py`). Every service binds 127.0.0.1 on a free port and keeps its
files in a folder of the caller's.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen | None, grace: float, stop_signal: int = signal.SIGTERM) -> None:
    """Ask a running process to stop (`stop_signal`), give it `grace` seconds, then kill it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


_SBIN = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"))


def executable(name: str) -> str | None:
    return shutil.which(name, path=_SBIN)


def unavailable(name: str) -> str | None:
    """Why this program cannot be used here, or None when it can."""
    if executable(name) is None:
        return f"{name} is not installed (`make test` installs it from Debian's packages when it may, as root)"
    return None


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
        stop_process(self.process, grace=10)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Nginx:
    """nginx as a load balancer over `backends` (host:port), on a free loopback port.

    As a production balancer would: keep-alive to the backends, a request id of its own sent as
    `X-Request-ID`, and a GET whose backend fails before answering tried once on another one.
    """

    def __init__(self, folder: Path, backends: list[str]):
        self.folder = folder
        self.backends = backends
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = folder / "nginx-error.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        servers = "\n".join(f"    server {b} max_fails=1 fail_timeout=30s;" for b in self.backends)
        temp = "\n".join(
            f"  {kind}_temp_path {self.folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return f"""
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.log} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
{temp}
  upstream facade {{
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://facade;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-ID $request_id;
      proxy_buffering off;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 2;
    }}
  }}
}}
"""

    def start(self) -> None:
        path = self.folder / "nginx.conf"
        path.write_text(self.config())
        command = [executable("nginx") or "nginx", "-e", str(self.log), "-p", str(self.folder), "-c", str(path)]
        with (self.folder / "nginx.out").open("ab") as out:
            self.process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=out, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        stop_process(self.process, grace=10, stop_signal=signal.SIGQUIT)  # graceful: finish what is in flight


@contextmanager
def nginx(folder: Path, backends: list[str]) -> Iterator[Nginx]:
    balancer = Nginx(folder, backends)
    balancer.start()
    try:
        yield balancer
    finally:
        balancer.stop()
