"""Load generators: `wrk` (C, costs little CPU; the real benchmark) and a small Python loop
(quick mode and the test suite: no system package needed).

Both drive keep-alive connections against a list of paths (used round-robin), for a time or a
number of requests, and report requests, seconds, p50 latency and errors. Every answer that is
not 2xx counts as an error: a benchmark of 400s proves nothing, so callers refuse such runs.
"""

from __future__ import annotations

import http.client
import json
import math
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MARKER = "BENCH-RESULT "


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


class LoadError(RuntimeError):
    pass


def _lua(paths: Sequence[str], limit: int) -> str:
    listed = ",\n".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings for these paths
    stop = (
        f"""
local answered = 0
response = function(status, headers, body)
  answered = answered + 1
  if answered >= {limit} then wrk.thread:stop() end
end
"""
        if limit
        else ""
    )
    return f"""
local paths = {{
{listed}
}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
{stop}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{MARKER}%d %d %d %d\\n", summary.requests, summary.duration, latency:percentile(50),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


class Wrk:
    """`wrk` with one thread: the load generator shares the machine's cores with the servers."""

    name = "wrk"

    def __init__(self, executable: str | None = None):
        self.executable = executable or shutil.which("wrk")
        if not self.executable:
            raise LoadError("wrk is not installed (apt-get install wrk, or `make bench`, which installs it)")

    def run(
        self,
        base: str,
        paths: Sequence[str],
        headers: Mapping[str, str],
        connections: int,
        seconds: float = 0.0,
        requests: int = 0,
    ) -> Result:
        """For `seconds`, or until about `requests` answers.

        wrk runs for whole seconds; a script stops sending at a count, but wrk still waits out its
        duration. So a count is reached in runs sized by the rate seen so far (at most a minute each).
        """
        if not requests:
            return self._once(base, paths, headers, connections, max(1, round(seconds)), 0)
        results: list[Result] = []
        done, rate = 0, 0.0
        for _ in range(10_000):  # bounded; every run answers at least one request or raises
            if done >= requests:
                break
            remaining = requests - done
            duration = 1 if not rate else max(1, min(60, math.ceil(remaining / rate * 1.1)))
            result = self._once(base, paths, headers, connections, duration, remaining)
            if not result.requests:
                raise LoadError(f"wrk: no answers from {base}")
            results.append(result)
            done += result.requests
            rate = max(rate, result.requests / duration)
        latencies = [r.p50_ms for r in results]
        return Result(
            done, sum(r.seconds for r in results), statistics.median(latencies), sum(r.errors for r in results)
        )

    def _once(
        self, base: str, paths: Sequence[str], headers: Mapping[str, str], connections: int, duration: int, limit: int
    ) -> Result:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_lua(paths, limit))
        command = [self.executable, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(base)
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
        finally:
            Path(script.name).unlink(missing_ok=True)
        return parse_wrk(out.stdout, out.stderr)


def parse_wrk(stdout: str, stderr: str = "") -> Result:
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            count, micros, p50_us, errors = (int(x) for x in line[len(MARKER) :].split())
            return Result(count, micros / 1e6, p50_us / 1000, errors)
    raise LoadError(f"wrk gave no result: {(stdout + stderr)[-500:]}")


class PythonLoad:
    """Threads with one `http.client` connection each. Costs far more CPU than wrk: quick mode only."""

    name = "python"

    def run(
        self,
        base: str,
        paths: Sequence[str],
        headers: Mapping[str, str],
        connections: int,
        seconds: float = 0.0,
        requests: int = 0,
    ) -> Result:
        parts = urlsplit(base)
        deadline = time.monotonic() + (seconds if not requests else 3600)
        lock = threading.Lock()
        latencies: list[float] = []
        state = {"sent": 0, "errors": 0}

        def worker(offset: int) -> None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            index = offset
            try:
                while time.monotonic() < deadline:
                    with lock:
                        if requests and state["sent"] >= requests:
                            return
                        state["sent"] += 1
                    path = paths[index % len(paths)]
                    index += 1
                    started = time.perf_counter()
                    try:
                        connection.request("GET", path, headers=dict(headers))
                        response = connection.getresponse()
                        response.read()
                        ok = 200 <= response.status < 300
                    except (OSError, http.client.HTTPException):
                        connection.close()
                        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                        ok = False
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
                        state["errors"] += 0 if ok else 1
            finally:
                connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3600)
        took = time.perf_counter() - started
        p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
        return Result(len(latencies), took, p50, state["errors"])


def load_generator(kind: str):
    if kind == "python":
        return PythonLoad()
    if kind == "wrk" or shutil.which("wrk"):
        return Wrk()
    return PythonLoad()
