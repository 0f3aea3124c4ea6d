"""The load generator: wrk (C, one process on 127.0.0.1) driven by a Lua script written per
scenario; a small Python generator when wrk is missing, with a note that its figures are lower.

A scenario is a list of requests that the connections take in turn (several members' sessions,
several accounts), so that no single row or limiter key carries the whole load.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_WRK = (
    "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`."
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # transport errors, timeouts and any status other than the expected one

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII is a valid Lua string literal


LUA = """
local requests = {%(requests)s}
local expected = %(expected)d
local max_requests = %(max_requests)d
threads = {}
local n = 0
bad = 0  -- global: done() reads it from each thread
local done_requests = 0

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  n = math.random(#requests) - 1
end

request = function()
  n = n %% #requests + 1
  local r = requests[n]
  return wrk.format(r[1], r[2], r[3], r[4])
end

response = function(status, headers, body)
  done_requests = done_requests + 1
  if status ~= expected then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("unexpected status " .. status .. "\\n") end
  end
  if done_requests >= max_requests then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "BENCH-RESULT {\\"requests\\": %%d, \\"us\\": %%d, \\"p50\\": %%d, \\"p99\\": %%d, " ..
    "\\"errors\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad_total + e.connect + e.read + e.write + e.timeout))
end
"""


def lua_script(requests: list[Request], expected: int, max_requests: int) -> str:
    rows = []
    for r in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in r.headers.items())
        body = lua_string(r.body) if r.body else "nil"
        rows.append(f"{{{lua_string(r.method)}, {lua_string(r.path)}, {{{headers}}}, {body}}}")
    return LUA % {
        "requests": ",\n".join(rows),
        "expected": expected,
        "max_requests": max_requests,
    }


def run_wrk(
    base: str,
    requests: list[Request],
    *,
    seconds: float,
    connections: int,
    max_requests: int,
    expected: int = 200,
) -> Result:
    with tempfile.TemporaryDirectory(prefix="sparekey-bench-lua-") as directory:
        script = Path(directory) / "scenario.lua"
        # The script holds session cookies and tokens of the run's throwaway members.
        script.touch(mode=0o600)
        script.write_text(lua_script(requests, expected, max_requests))  # one wrk thread
        completed = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            data = json.loads(line.removeprefix("BENCH-RESULT "))
            return Result(
                requests=data["requests"],
                seconds=data["us"] / 1e6,
                p50_ms=data["p50"] / 1000,
                p99_ms=data["p99"] / 1000,
                errors=data["errors"],
            )
    raise RuntimeError(f"wrk gave no result:\n{completed.stdout}\n{completed.stderr}")


def run_python(
    base: str,
    requests: list[Request],
    *,
    seconds: float,
    connections: int,
    max_requests: int,
    expected: int = 200,
) -> Result:
    """A fallback with keep-alive connections in threads; the GIL makes it the bottleneck."""
    host, port = base.removeprefix("http://").rstrip("/").split(":")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    budget = [max_requests]

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        n = offset
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            r = requests[n % len(requests)]
            n += 1
            started = time.perf_counter()
            try:
                connection.request(r.method, r.path, body=r.body or None, headers=r.headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == expected
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - started
    latencies.sort()

    def percentile(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0
        )

    return Result(len(latencies), took, percentile(0.5), percentile(0.99), errors[0])


def run(
    base: str,
    requests: list[Request],
    *,
    seconds: float,
    connections: int = 4,
    max_requests: int = 200_000,
    expected: int = 200,
) -> Result:
    generator = run_wrk if have_wrk() else run_python
    return generator(
        base,
        requests,
        seconds=seconds,
        connections=connections,
        max_requests=max_requests,
        expected=expected,
    )
