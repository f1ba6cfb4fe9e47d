"""The benchmark's machinery: servers on loopback (upstreams and façades), load, ratios.

Sections of the benchmark (bench/run.py, bench/register.py) build their servers with `Lab`,
measure with `Meter` and report `Figure`s; every ratio comes from `rounds`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml

from bench.loadgen import LoadError, Result
from bench.services import free_port, stop_process

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
API = "/klantinteracties/api/v1"
HENK_BSN = "999993653"  # in the bundled demo dataset and in every generated one (the story)
EXPAND = "hadBetrokkenen,gingOverOnderwerpobjecten"
ENV = {
    "BENCH_IDENTITY_SECRET": "bench-identity-secret-0123456789",
    "BENCH_TOKEN": "bench-token-0123456789",
    "BENCH_PLOG_KEY": "bench-processing-log-key-0123456789",
    "BENCH_ZGW_SECRET": "bench-zgw-secret-0123456789-abcdef",
    "FACADE_LOG_LEVEL": "INFO",  # production logging: the access log is written (to a file here)
}
AUTH = {"Authorization": f"Token {ENV['BENCH_TOKEN']}"}
ZGW_CLIENT = "facade-bench"
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Mode:
    runs: int
    seconds: float
    memory_counts: tuple[int, int]
    scale_contacts: tuple[int, int]
    register_partijen: tuple[int, int]
    """Sizes of the Klantinteracties register behind the façade in figure 8."""
    quick: bool


FULL = Mode(
    runs=5,
    seconds=3.0,
    memory_counts=(10_000, 100_000),
    scale_contacts=(1_000, 100_000),
    register_partijen=(500, 50_000),
    quick=False,
)
QUICK = Mode(
    runs=1,
    seconds=0.5,
    memory_counts=(300, 1_200),
    scale_contacts=(200, 1_000),
    register_partijen=(100, 1_000),
    quick=True,
)


@dataclass
class Figure:
    number: int
    name: str
    value: float
    target: str
    holds: bool | None
    detail: dict[str, Any] = field(default_factory=dict)


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    command: list[str]
    ready_path: str
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=lambda: ENV)
    """Variables added to the environment (read at `start`: the secrets its configuration names)."""
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT
            )

    def wait(self, deadline: float) -> None:
        assert self.process is not None
        while True:
            try:
                if httpx.get(self.base + self.ready_path, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.name} did not start:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process(self.process, grace=15)

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


class Lab:
    """The servers of one run, in a temporary folder (configurations, datasets, logs)."""

    def __init__(self, folder: Path, latency: float):
        self.folder = folder
        self.latency = latency
        self.servers: dict[str, Server] = {}

    def _add(self, name: str, command: list[str], ready_path: str, port: int) -> Server:
        server = Server(name, command, ready_path, port, self.folder / f"{name}.log")
        self.servers[name] = server
        return server

    def write(self, name: str, data: Any) -> Path:
        path = self.folder / name
        path.write_text(yaml.safe_dump(data) if name.endswith(".yaml") else json.dumps(data))
        return path

    def base_config(self, name: str, sources: list[dict], **extra) -> dict:
        return {
            **extra,
            "identity_secret": {"env": "BENCH_IDENTITY_SECRET"},
            "clients": [{"name": "bench", "token": {"env": "BENCH_TOKEN"}, "permissions": {"bsn": True}}],
            "processing_log": {
                "sink": "file",
                "path": str(self.folder / f"{name}.processing.jsonl"),
                "key": {"env": "BENCH_PLOG_KEY"},
            },
            "sources": sources,
        }

    def ki_upstream(self, name: str, dataset: Path | None = None, **extra) -> Server:
        """A Klantinteracties-type upstream: this façade over a CRM dataset, plus `latency` per request."""
        settings = {"dataset": str(dataset)} if dataset else {}
        source = {"name": "crm", "kind": "crm_stub", "settings": settings, "cache_ttl": 0}
        config = self.base_config(name, [source], **extra)
        path = self.write(f"{name}.yaml", config)
        port = free_port()
        command = [sys.executable, "-m", "bench.servers", "ki", "--config", str(path), "--port", str(port)]
        return self._add(name, [*command, "--latency", str(self.latency)], "/healthz", port)

    def zgw_upstream(self, name: str) -> Server:
        port = free_port()
        command = [sys.executable, "-m", "bench.servers", "zgw", "--port", str(port), "--client", ZGW_CLIENT]
        return self._add(name, [*command, "--latency", str(self.latency)], "/_bench/requests", port)

    def facade(self, name: str, sources: list[dict], workers: int = 1, **extra) -> Server:
        """The façade as production runs it: `klantinteracties-facade serve` (uvicorn)."""
        path = self.write(f"{name}.yaml", self.base_config(name, sources, **extra))
        port = free_port()
        command = [sys.executable, "-m", "facade.cli", "serve", "--config", str(path), "--port", str(port)]
        return self._add(name, [*command, "--workers", str(workers)], "/healthz", port)

    def start(self, names: list[str]) -> None:
        for name in names:
            self.servers[name].start()
        deadline = time.monotonic() + START_TIMEOUT
        for name in names:
            self.servers[name].wait(deadline)

    def stop(self, names: list[str] | None = None) -> None:
        for name, server in self.servers.items():
            if names is None or name in names:
                server.stop()

    def restart(self, name: str) -> None:
        self.stop([name])
        self.start([name])


def ki_source(name: str, upstream: Server, cache_ttl: float, **extra) -> dict:
    settings = {"base_url": upstream.base + API, "token": {"env": "BENCH_TOKEN"}}
    return {"name": name, "kind": "klantinteracties", "settings": settings, "cache_ttl": cache_ttl, **extra}


def zgw_source(upstream: Server) -> dict:
    api = {"client_id": ZGW_CLIENT, "secret": {"env": "BENCH_ZGW_SECRET"}}
    settings = {
        name: {"base_url": f"{upstream.base}/{name}/api/v1", **api} for name in ("klanten", "contactmomenten", "zaken")
    }
    return {"name": "zgw", "kind": "zgw", "settings": settings, "cache_ttl": 0}


# --- measuring ---------------------------------------------------------------------------------


class Meter:
    def __init__(self, load, mode: Mode):
        self.load = load
        self.mode = mode

    def _run(self, base: str, paths: list[str], headers: dict, connections: int, **kw) -> Result:
        result = self.load.run(base, paths, headers, connections, **kw)
        if result.errors or not result.requests:
            raise LoadError(f"{base}{paths[0]}: {result.errors} errors in {result.requests} requests")
        return result

    def p50(self, base: str, path: str, headers: dict | None = None) -> float:
        return self._run(base, [path], headers or AUTH, 1, seconds=self.mode.seconds).p50_ms

    def rps(self, base: str, path: str, headers: dict | None = None) -> float:
        return self._run(base, [path], headers or AUTH, 16, seconds=self.mode.seconds).rps

    def rps_over(self, base: str, paths: list[str]) -> float:
        """Requests/s at 16 connections, the paths asked round-robin."""
        return self._run(base, paths, AUTH, 16, seconds=self.mode.seconds).rps

    def warm_up(self, base: str, paths: list[str], headers: dict | None = None) -> None:
        self._run(base, paths, headers or AUTH, 2, requests=max(4, 2 * len(paths)))

    def requests(self, base: str, paths: list[str], count: int, connections: int = 16) -> Result:
        return self._run(base, paths, AUTH, connections, requests=count)


def rounds(runs: int, numerator: Callable[[], float], denominator: Callable[[], float]) -> dict[str, Any]:
    """Measure both `runs` times, alternating which goes first; the median of the ratios."""
    pairs = []
    for index in range(runs):
        if index % 2:
            b = denominator()
            a = numerator()
        else:
            a = numerator()
            b = denominator()
        pairs.append((a, b))
    ratios = [a / b for a, b in pairs]
    return {
        "ratio": statistics.median(ratios),
        "numerator": statistics.median(a for a, _ in pairs),
        "denominator": statistics.median(b for _, b in pairs),
        "ratios": [round(r, 3) for r in ratios],
    }


def get_json(url: str, headers: dict | None = None) -> Any:
    response = httpx.get(url, headers=headers or AUTH, timeout=60)
    response.raise_for_status()
    return response.json()


def upstream_count(server: Server) -> int:
    return get_json(server.base + "/_bench/requests")["requests"]


def zgw_jwt() -> str:
    claims = {
        "iss": ZGW_CLIENT,
        "iat": int(time.time()),
        "client_id": ZGW_CLIENT,
        "user_id": "",
        "user_representation": "",
    }
    return jwt.encode(claims, ENV["BENCH_ZGW_SECRET"], algorithm="HS256")


def uuids(base: str, collection: str, query: str = "pageSize=100") -> list[str]:
    return [r["uuid"] for r in get_json(f"{base}{API}/{collection}?{query}")["results"]]
