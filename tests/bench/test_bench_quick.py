"""The benchmark harness cannot rot: its quick mode runs end to end here (bench/README.md).

Quick mode drives the servers with the small Python load loop, so it needs no system package;
wrk itself is checked separately when it is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.instances import skipped_reason as instances_skipped
from bench.loadgen import Wrk, parse_wrk

ROOT = Path(__file__).resolve().parents[2]


def test_quick_mode_runs_end_to_end_and_prints_the_table(tmp_path):
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--load", "python", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    figures = report["figures"]
    with_instances = {9} if instances_skipped() is None else set()  # needs redis-server and nginx
    assert {f["number"] for f in figures} == {1, 2, 3, 4, 5, 6, 7, 8} | with_instances
    assert all(isinstance(f["value"], int | float) and f["value"] > 0 for f in figures)
    calls = next(f for f in figures if f["name"].startswith("ZGW chain: upstream calls"))
    assert calls["value"] >= 2  # a list, then related lookups
    assert "| # | figure" in done.stdout and "ZGW chain" in done.stdout
    register = [f for f in figures if f["number"] == 8 and "upstream_calls" in f["detail"]]
    assert len(register) == 10, "five requests at two register sizes"
    assert len([f for f in figures if f["number"] == 8]) == 12, "and two rows comparing the sizes"
    assert all(f["detail"]["upstream_calls"] >= 1 for f in register)


def test_wrk_results_are_read_from_the_scripts_summary_line():
    result = parse_wrk("Running 1s test @ http://x\n  1 threads\nBENCH-RESULT 1200 3000000 2150 3\n")
    assert (result.requests, result.seconds, result.p50_ms, result.errors) == (1200, 3.0, 2.15, 3)
    assert result.rps == 400


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"ok": true}'
        self.send_response(200 if self.path != "/missing" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (`make bench` installs it)")
def test_wrk_counts_answers_and_errors():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        ok = Wrk().run(base, ["/a", "/b"], {"Authorization": "Token x"}, connections=1, seconds=1)
        assert ok.requests > 0 and ok.errors == 0 and ok.p50_ms > 0
        counted = Wrk().run(base, ["/a"], {}, connections=2, requests=50)
        assert counted.requests >= 50 and counted.errors == 0
        failing = Wrk().run(base, ["/missing"], {}, connections=1, seconds=1)
        assert failing.errors == failing.requests > 0
    finally:
        server.shutdown()
        thread.join(timeout=5)
