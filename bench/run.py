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
import dataclasses
import datetime as dt
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.lab import (
    API,
    EXPAND,
    FULL,
    HENK_BSN,
    QUICK,
    RESULTS,
    Figure,
    Lab,
    Meter,
    Mode,
    Server,
    get_json,
    ki_source,
    rounds,
    upstream_count,
    uuids,
    zgw_jwt,
    zgw_source,
)
from bench.loadgen import load_generator
from bench.register import register

# --- the benchmark -----------------------------------------------------------------------------


def generated_dataset(folder: Path, contacts: int) -> Path:
    from adapters.crm_stub.generate import generate

    path = folder / f"crm-{contacts}.json"
    path.write_text(json.dumps(generate(customers=max(50, contacts // 2), contacts=contacts, seed=9)))
    return path


SECTIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9)


def benchmark(
    mode: Mode, load_kind: str, latency: float, progress: Callable[[str], None], only: frozenset[int] = frozenset()
) -> dict[str, Any]:
    from bench.instances import shared_cache

    load = load_generator(load_kind)
    meter = Meter(load, mode)
    runs = mode.runs
    wanted = only or frozenset(SECTIONS)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="facade-bench-") as raw_folder:
        folder = Path(raw_folder)
        lab = Lab(folder, latency)
        try:
            if wanted & {1, 2, 3, 4, 5, 6}:
                figures += shared_servers(meter, mode, lab, wanted, progress)
                lab.stop()
            if 7 in wanted:
                figures += scale(meter, mode, lab, folder, latency, progress)
                lab.stop()
            if 8 in wanted:
                figures += register(meter, mode, lab, folder, progress)
                lab.stop()
            if 9 in wanted:
                figures += shared_cache(meter, runs, lab, folder, progress, mode.quick)
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


def shared_servers(meter: Meter, mode: Mode, lab: Lab, wanted: frozenset[int], progress) -> list[Figure]:
    """Figures 1-6: upstreams of the bundled demo data and façades over them, started once."""
    runs = mode.runs
    ki1, ki2, ki3 = (lab.ki_upstream(f"ki{i}") for i in (1, 2, 3))
    zgw = lab.zgw_upstream("zgw")
    # a façade of a façade: the upstream already merged its partijen, so this one passes them through
    proxy = lab.facade("proxy", [ki_source("crm", ki1, 0)], merge_partijen=False)
    cold = lab.facade("cold", [ki_source("crm", ki1, 0)])
    three = lab.facade("three", [ki_source(f"crm{i}", up, 0) for i, up in enumerate((ki1, ki2, ki3), 1)])
    chain = lab.facade("chain", [zgw_source(zgw)])
    warm = lab.facade("warm", [ki_source("crm", ki1, 3600)])
    warm2 = lab.facade("warm2", [ki_source("crm", ki1, 3600)], workers=2)
    memory_server = lab.facade("memory", [ki_source("crm", ki1, 3600)])
    progress("starting upstreams and façades")
    lab.start([ki1.name, ki2.name, ki3.name, zgw.name])
    lab.start([s.name for s in (proxy, cold, three, chain, warm, warm2, memory_server)])
    sections = {
        1: lambda: overhead(meter, runs, ki1, proxy, cold, progress),
        2: lambda: zgw_chain(meter, runs, zgw, chain, progress),
        3: lambda: fan_out(meter, runs, cold, three, progress),
        4: lambda: cache(meter, runs, cold, warm, progress),
        5: lambda: workers(meter, runs, warm, warm2, progress),
        6: lambda: memory(meter, mode, memory_server, progress),
    }
    return [figure for number, section in sections.items() if number in wanted for figure in section()]


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


def scale(meter: Meter, mode: Mode, lab: Lab, folder: Path, latency: float, progress) -> list[Figure]:
    low, high = mode.scale_contacts
    progress(f"generating CRM datasets of {low} and {high} klantcontacten")
    small, big = (
        lab.facade(
            f"scale{n}",
            [
                {
                    "name": "crm",
                    "kind": "crm_stub",
                    "settings": {"dataset": str(generated_dataset(folder, n)), "latency": latency},
                    "cache_ttl": 0,
                }
            ],
        )
        for n in (low, high)
    )
    progress("starting the façades over the generated datasets")
    lab.start([small.name, big.name])
    progress(f"7. scale with data ({low} vs {high} klantcontacten)")
    path = f"{API}/klantcontacten?hadBetrokkene__wasPartij__partijIdentificator__objectId={HENK_BSN}"
    meter.warm_up(small.base, [path])
    meter.warm_up(big.base, [path])
    measured = rounds(mode.runs, lambda: meter.p50(big.base, path), lambda: meter.p50(small.base, path))
    name = f"scale: BSN query p50 {high:,} / {low:,} klantcontacten"
    return [Figure(7, name, measured["ratio"], "<= 1.5", measured["ratio"] <= 1.5, measured)]


# --- output ------------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    rows = [("#", "figure", "value", "target", "holds", "measured (median)")]
    for f in report["figures"]:
        d = f["detail"]
        if "ratios_of" in d:
            measured = f"{d['numerator']:.2f} / {d['denominator']:.2f} ({d['ratios_of']})"
        elif "numerator" in d and "paths" not in d:
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
            if d.get("first_request_calls", d["upstream_calls"]) != d["upstream_calls"]:
                measured += f" (first request: {d['first_request_calls']})"
        if d.get("status", 200) != 200:
            measured += f"; answered {d['status']}"
        if "direct_p50_ratio" in d:
            measured += f" (the register's own p50: {d['direct_p50_ratio']:.2f}x)"
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
    parser.add_argument(
        "--only", type=int, action="append", choices=SECTIONS, default=[], help="run only this figure (repeatable)"
    )
    parser.add_argument("--out", type=Path, help="JSON result file (default bench/results/<time>.json)")
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.runs or args.seconds:
        mode = dataclasses.replace(mode, runs=args.runs or mode.runs, seconds=args.seconds or mode.seconds)
    load_kind = args.load or ("python" if args.quick else "wrk")
    started = time.monotonic()
    report = benchmark(
        mode,
        load_kind,
        args.latency,
        lambda text: print(f"[{time.monotonic() - started:6.1f}s] {text}", flush=True),
        frozenset(args.only),
    )
    report["took_seconds"] = round(time.monotonic() - started, 1)
    out = args.out or RESULTS / f"{report['when'].replace(':', '')}-{report['mode']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print()
    print(table(report))
    print(f"\nwritten: {out}")
    return 0
