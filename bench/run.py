"""The benchmark: start local upstreams and façades on loopback, measure, print one table.

    python -m bench                 # the full run (a few minutes); `make bench` installs wrk first
    python -m bench --quick         # seconds: a smoke run of the whole harness (the test suite's)

Every figure is a ratio (or a count) of two things measured side by side in the same run,
interleaved round by round; the figure is the median over the rounds. Latency is the p50 at one
connection, throughput the requests per second at 16. How each figure is measured:
bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml

from bench.loadgen import LoadError, Result, load_generator

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
    quick: bool


FULL = Mode(runs=5, seconds=3.0, memory_counts=(10_000, 100_000), scale_contacts=(1_000, 100_000), quick=False)
QUICK = Mode(runs=1, seconds=0.5, memory_counts=(300, 1_200), scale_contacts=(200, 1_000), quick=True)


@dataclass
class Figure:
    number: int
    name: str
    value: float
    target: str
    holds: bool | None
    detail: dict[str, Any] = field(default_factory=dict)


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    ready_path: str
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env={**os.environ, **ENV}, stdout=log, stderr=subprocess.STDOUT
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
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

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

    def ki_upstream(self, name: str, dataset: Path | None = None) -> Server:
        """A Klantinteracties-type upstream: this façade over a CRM dataset, plus `latency` per request."""
        settings = {"dataset": str(dataset)} if dataset else {}
        config = self.base_config(name, [{"name": "crm", "kind": "crm_stub", "settings": settings, "cache_ttl": 0}])
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

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


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


# --- the benchmark -----------------------------------------------------------------------------


def generated_dataset(folder: Path, contacts: int) -> Path:
    from adapters.crm_stub.generate import generate

    path = folder / f"crm-{contacts}.json"
    path.write_text(json.dumps(generate(customers=max(50, contacts // 2), contacts=contacts, seed=9)))
    return path


def benchmark(mode: Mode, load_kind: str, latency: float, progress: Callable[[str], None]) -> dict[str, Any]:
    from bench.instances import shared_cache

    load = load_generator(load_kind)
    meter = Meter(load, mode)
    runs = mode.runs
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="facade-bench-") as raw_folder:
        folder = Path(raw_folder)
        lab = Lab(folder, latency)
        small, big = mode.scale_contacts
        progress(f"generating CRM datasets of {small} and {big} klantcontacten")
        small_set, big_set = generated_dataset(folder, small), generated_dataset(folder, big)
        ki1, ki2, ki3 = (lab.ki_upstream(f"ki{i}") for i in (1, 2, 3))
        zgw = lab.zgw_upstream("zgw")
        direct_scale = [
            lab.facade(
                f"scale{n}",
                [
                    {
                        "name": "crm",
                        "kind": "crm_stub",
                        "settings": {"dataset": str(path), "latency": latency},
                        "cache_ttl": 0,
                    }
                ],
            )
            for n, path in ((small, small_set), (big, big_set))
        ]
        # a façade of a façade: the upstream already merged its partijen, so this one passes them through
        proxy = lab.facade("proxy", [ki_source("crm", ki1, 0)], merge_partijen=False)
        cold = lab.facade("cold", [ki_source("crm", ki1, 0)])
        three = lab.facade("three", [ki_source(f"crm{i}", up, 0) for i, up in enumerate((ki1, ki2, ki3), 1)])
        chain = lab.facade("chain", [zgw_source(zgw)])
        warm = lab.facade("warm", [ki_source("crm", ki1, 3600)])
        warm2 = lab.facade("warm2", [ki_source("crm", ki1, 3600)], workers=2)
        memory_server = lab.facade("memory", [ki_source("crm", ki1, 3600)])
        progress("starting upstreams and façades")
        try:
            lab.start([ki1.name, ki2.name, ki3.name, zgw.name])
            lab.start([s.name for s in (proxy, cold, three, chain, warm, warm2, memory_server)])
            figures += overhead(meter, runs, ki1, proxy, cold, progress)
            figures += zgw_chain(meter, runs, zgw, chain, progress)
            figures += fan_out(meter, runs, cold, three, progress)
            figures += cache(meter, runs, cold, warm, progress)
            figures += workers(meter, runs, warm, warm2, progress)
            figures += memory(meter, mode, memory_server, progress)
            lab.stop()
            figures += shared_cache(meter, runs, lab, folder, progress, mode.quick)
            progress("starting the façades over the generated datasets")
            lab.start([s.name for s in direct_scale])
            figures += scale(meter, runs, mode, *direct_scale, progress=progress)
        finally:
            lab.stop()
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "quick" if mode.quick else "full",
        "load_generator": load.name,
        "runs": runs,
        "seconds_per_measurement": mode.seconds,
        "upstream_latency_ms": latency * 1000,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "figures": [asdict(f) for f in figures],
    }


def overhead(meter: Meter, runs: int, direct: Server, facade: Server, merging: Server, progress) -> list[Figure]:
    progress("1. overhead against a Klantinteracties upstream")
    direct_ids, facade_ids = uuids(direct.base, "klantcontacten"), uuids(facade.base, "klantcontacten")
    assert len(direct_ids) == len(facade_ids) == 100, "the CRM dataset must hold 100 klantcontacten"
    expand_page = f"klantcontacten?pageSize=100&expand={EXPAND}"
    cases = [
        ("detail GET", f"klantcontacten/{direct_ids[0]}", f"klantcontacten/{facade_ids[0]}", facade, 1.25),
        ("page of 100", "klantcontacten?pageSize=100", None, facade, 1.5),
        ("page of 100 with expand", expand_page, None, facade, 1.5),
        ("the same, merge_partijen on", expand_page, None, merging, None),
    ]
    figures = []
    for name, direct_path, facade_path, server, target in cases:
        direct_path, facade_path = f"{API}/{direct_path}", f"{API}/{facade_path or direct_path}"
        meter.warm_up(direct.base, [direct_path])
        meter.warm_up(server.base, [facade_path])
        measured = rounds(
            runs,
            lambda f=facade_path, b=server.base: meter.p50(b, f),
            lambda d=direct_path: meter.p50(direct.base, d),
        )
        ratio = measured["ratio"]
        holds = None if target is None else ratio <= target
        target_text = "report" if target is None else f"<= {target}"
        figures.append(Figure(1, f"overhead: {name} (façade p50 / direct p50)", ratio, target_text, holds, measured))
    return figures


def zgw_chain(meter: Meter, runs: int, zgw: Server, facade: Server, progress) -> list[Figure]:
    progress("2. ZGW chain")
    path = f"{API}/klantcontacten?pageSize=100&expand={EXPAND}"
    upstream_path = "/contactmomenten/api/v1/contactmomenten?ordering=-registratiedatum"
    headers = {"Authorization": f"Bearer {zgw_jwt()}"}
    meter.warm_up(facade.base, [path])
    meter.warm_up(zgw.base, [upstream_path], headers)
    before = upstream_count(zgw)
    get_json(facade.base + path)
    calls = upstream_count(zgw) - before
    measured = rounds(runs, lambda: meter.p50(facade.base, path), lambda: meter.p50(zgw.base, upstream_path, headers))
    measured["upstream_calls"] = calls
    return [
        Figure(
            2,
            "ZGW chain: expand page (façade p50 / one upstream call p50)",
            measured["ratio"],
            "<= 3.5",
            measured["ratio"] <= 3.5,
            measured,
        ),
        Figure(2, "ZGW chain: upstream calls for that request", calls, "report", None, {}),
    ]


def fan_out(meter: Meter, runs: int, one: Server, three: Server, progress) -> list[Figure]:
    progress("3. fan-out")
    path = (
        f"{API}/klantcontacten?hadBetrokkene__wasPartij__partijIdentificator__objectId={HENK_BSN}&expand=hadBetrokkenen"
    )
    meter.warm_up(one.base, [path])
    meter.warm_up(three.base, [path])
    measured = rounds(runs, lambda: meter.p50(three.base, path), lambda: meter.p50(one.base, path))
    return [
        Figure(
            3,
            "fan-out: p50 three sources / one source",
            measured["ratio"],
            "<= 1.3",
            measured["ratio"] <= 1.3,
            measured,
        )
    ]


def cache(meter: Meter, runs: int, cold: Server, warm: Server, progress) -> list[Figure]:
    progress("4. cache")
    (uuid, *_) = uuids(warm.base, "klantcontacten")
    path = f"{API}/klantcontacten/{uuid}"
    meter.warm_up(cold.base, [path])
    meter.warm_up(warm.base, [path])
    latency = rounds(runs, lambda: meter.p50(warm.base, path), lambda: meter.p50(cold.base, path))
    meter.warm_up(warm.base, ["/healthz"], {})
    throughput = rounds(runs, lambda: meter.rps(warm.base, path), lambda: meter.rps(warm.base, "/healthz", {}))
    return [
        Figure(
            4, "cache: detail GET warm p50 / cold p50", latency["ratio"], "<= 0.2", latency["ratio"] <= 0.2, latency
        ),
        Figure(
            4,
            "cache: warm detail rps / trivial endpoint rps (1 worker)",
            throughput["ratio"],
            ">= 0.5",
            throughput["ratio"] >= 0.5,
            throughput,
        ),
    ]


def workers(meter: Meter, runs: int, one: Server, two: Server, progress) -> list[Figure]:
    progress("5. workers")
    (uuid, *_) = uuids(one.base, "klantcontacten")
    path = f"{API}/klantcontacten/{uuid}"
    for server in (one, two):
        for _ in range(4):  # every worker of `two` must have the answer cached
            meter.warm_up(server.base, [path])
    measured = rounds(runs, lambda: meter.rps(two.base, path), lambda: meter.rps(one.base, path))
    return [Figure(5, "workers: warm rps 2 workers / 1 worker", measured["ratio"], "report", None, measured)]


def memory(meter: Meter, mode: Mode, server: Server, progress) -> list[Figure]:
    first, total = mode.memory_counts
    progress(f"6. memory ({first} and {total} warm requests)")
    paths = [f"{API}/klantcontacten/{u}" for u in uuids(server.base, "klantcontacten", "pageSize=500")]
    paths += [f"{API}/partijen/{u}" for u in uuids(server.base, "partijen", "pageSize=500")]
    meter.requests(server.base, paths, len(paths), connections=8)  # fill the cache: every answer is in it
    rss_start = server.rss_mb()
    meter.requests(server.base, paths, first)
    rss_first = server.rss_mb()
    meter.requests(server.base, paths, total - first)
    rss_total = server.rss_mb()
    ratio = rss_total / rss_first
    detail = {
        "rss_mb_cache_full": round(rss_start, 1),
        f"rss_mb_after_{first}": round(rss_first, 1),
        f"rss_mb_after_{total}": round(rss_total, 1),
        "distinct_paths": len(paths),
    }
    return [
        Figure(6, f"memory: RSS after {total:,} / after {first:,} warm requests", ratio, "<= 1.2", ratio <= 1.2, detail)
    ]


def scale(meter: Meter, runs: int, mode: Mode, small: Server, big: Server, progress) -> list[Figure]:
    low, high = mode.scale_contacts
    progress(f"7. scale with data ({low} vs {high} klantcontacten)")
    path = f"{API}/klantcontacten?hadBetrokkene__wasPartij__partijIdentificator__objectId={HENK_BSN}"
    meter.warm_up(small.base, [path])
    meter.warm_up(big.base, [path])
    measured = rounds(runs, lambda: meter.p50(big.base, path), lambda: meter.p50(small.base, path))
    name = f"scale: BSN query p50 {high:,} / {low:,} klantcontacten"
    return [Figure(7, name, measured["ratio"], "<= 1.5", measured["ratio"] <= 1.5, measured)]


# --- output ------------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    rows = [("#", "figure", "value", "target", "holds", "measured (median)")]
    for f in report["figures"]:
        d = f["detail"]
        if "numerator" in d and "paths" not in d:
            unit = "rps" if "rps" in f["name"] else "ms"
            measured = f"{d['numerator']:.1f} / {d['denominator']:.1f} {unit}"
        elif "paths" in d:
            measured = f"{d['numerator']} / {d['denominator']} calls for {d['paths']} paths"
        elif "rss_mb_cache_full" in d:
            measured = " / ".join(f"{v} MB" for k, v in d.items() if k.startswith("rss_mb_after"))
        else:
            measured = ""
        if "upstream_calls" in d:
            measured += f"; {d['upstream_calls']} upstream calls"
        holds = {True: "yes", False: "NO", None: "-"}[f["holds"]]
        value = f"{f['value']:.0f}" if isinstance(f["value"], int) else f"{f['value']:.2f}"
        rows.append((str(f["number"]), f["name"], value, f["target"], holds, measured))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    header = (
        f"{report['mode']} run, {report['load_generator']}, {report['runs']} rounds of "
        f"{report['seconds_per_measurement']} s, upstream latency {report['upstream_latency_ms']:.0f} ms, "
        f"{report['machine']['cpus']} CPUs"
    )
    return header + "\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run in seconds (figures not meaningful)")
    parser.add_argument("--load", choices=("auto", "wrk", "python"), default=None, help="load generator")
    parser.add_argument("--runs", type=int, help="rounds per figure (median taken)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds every upstream request takes")
    parser.add_argument("--out", type=Path, help="JSON result file (default bench/results/<time>.json)")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.runs or args.seconds:
        mode = Mode(
            args.runs or mode.runs, args.seconds or mode.seconds, mode.memory_counts, mode.scale_contacts, mode.quick
        )
    load_kind = args.load or ("python" if args.quick else "wrk")
    started = time.monotonic()
    report = benchmark(
        mode, load_kind, args.latency, lambda text: print(f"[{time.monotonic() - started:6.1f}s] {text}", flush=True)
    )
    report["took_seconds"] = round(time.monotonic() - started, 1)
    out = args.out or RESULTS / f"{report['when'].replace(':', '')}-{report['mode']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print()
    print(table(report))
    print(f"\nwritten: {out}")
    return 0
