"""Load with one of three sources hanging: no 5xx on ordinary lists, bounded latency and memory.

Starts the façade (uvicorn, production settings) over three sources: the CRM demo, the second
CRM, and a Klantinteracties register on loopback that accepts connections and never answers.
Then `--clients` concurrent clients ask ordinary lists for `--duration` seconds. Prints one JSON
summary: requests, statuses, latency percentiles, the façade's RSS at start and end.

    .venv/bin/python -m bench.load_hanging_source --duration 60 --clients 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

from bench.services import free_port

TOKEN = "load-token-0123456789"
PATHS = ("klantcontacten?pageSize=20", "actoren", "internetaken?status=te_verwerken", "digitaleadressen?pageSize=50")


def _hanging_server(stop: threading.Event) -> int:
    """Accepts connections and reads, but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.settimeout(0.2)
    held: list[socket.socket] = []

    def run() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                held.append(connection)
            except TimeoutError:
                continue
        for connection in held:
            connection.close()
        listener.close()

    threading.Thread(target=run, daemon=True).start()
    return listener.getsockname()[1]


def _rss_kib(pid: int) -> int:
    """Resident memory of the façade and its worker processes, in KiB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        status = Path(f"/proc/{candidate}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PPid:\t{pid}" in (entry / "status").read_text():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def _client(api: str, until: float, results: list[tuple[int, float]]) -> None:
    async with httpx.AsyncClient(headers={"Authorization": f"Token {TOKEN}"}, timeout=30) as client:
        index = 0
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                status = (await client.get(f"{api}/{PATHS[index % len(PATHS)]}")).status_code
            except httpx.HTTPError:
                status = 0
            results.append((status, time.monotonic() - started))
            index += 1


async def _load(api: str, clients: int, duration: float) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    until = time.monotonic() + duration
    await asyncio.gather(*(_client(api, until, results) for _ in range(clients)))
    return results


def run(duration: float, clients: int, workers: int) -> dict:
    stop = threading.Event()
    hanging = _hanging_server(stop)
    port = free_port()
    second = Path(__file__).resolve().parents[1] / "adapters" / "crm_stub" / "data" / "second.json"
    config = {
        "identity_secret": {"env": "LOAD_IDENTITY"},
        "request_deadline": 2,
        "clients": [{"name": "load", "token": {"env": "LOAD_TOKEN"}}],
        "sources": [
            {"name": "crm", "kind": "crm_stub"},
            {"name": "sociaal", "kind": "crm_stub", "settings": {"dataset": str(second)}},
            {
                "name": "register",
                "kind": "klantinteracties",
                "settings": {
                    "base_url": f"http://127.0.0.1:{hanging}/klantinteracties/api/v1",
                    "token": {"env": "LOAD_TOKEN"},
                    "dialect": "current",
                },
                "timeout": 1,
                "failure_threshold": 5,
                "cooldown": 10,
                "cache_ttl": 0,
            },
        ],
    }
    with tempfile.TemporaryDirectory() as folder:
        config_file = Path(folder) / "load.yaml"
        config_file.write_text(yaml.safe_dump(config))
        env = {
            **os.environ,
            "LOAD_IDENTITY": "load-identity-secret-0123456789",
            "LOAD_TOKEN": TOKEN,
            "FACADE_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "facade.cli",
                "serve",
                "--config",
                str(config_file),
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        api = f"http://127.0.0.1:{port}/klantinteracties/api/v1"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{api}/", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the façade did not start")
                time.sleep(0.2)
            rss_start = _rss_kib(server.pid)
            results = asyncio.run(_load(api, clients, duration))
            rss_end = _rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=15)
            stop.set()
    latencies = sorted(seconds for _, seconds in results)
    statuses: dict[str, int] = {}
    for status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    quantile = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "duration_s": duration,
        "clients": clients,
        "workers": workers,
        "requests": len(results),
        "requests_per_s": round(len(results) / duration, 1),
        "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5") or s == "0"),
        "latency_ms": {
            "p50": round(quantile[49] * 1000, 1),
            "p99": round(quantile[98] * 1000, 1),
            "max": round(latencies[-1] * 1000, 1),
        },
        "rss_kib": {"start": rss_start, "end": rss_end},
        "deadline_s": config["request_deadline"],
        "hanging_source_timeout_s": 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    summary = run(args.duration, args.clients, args.workers)
    print(json.dumps(summary, indent=2))
    if summary["server_errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
