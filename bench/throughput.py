"""Requests per second under concurrent load, from wrk on loopback.

A Lua script rotates over a file of request paths (one per line) and prints wrk's summary and
latency percentiles as one JSON line from its ``done()`` hook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.common import say

LUA = r"""
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_ms": {"mean": %.3f, "stdev": %.3f, "max": %.3f, "p50": %.3f, "p75": %.3f, "p90": %.3f, ' ..
    '"p99": %.3f, "p99.9": %.3f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean / 1000, latency.stdev / 1000, latency.max / 1000,
    latency:percentile(50) / 1000, latency:percentile(75) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000))
end
"""


def ensure_wrk() -> str:
    """The wrk executable; installed from Debian (``apt-get install -y wrk``) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is not installed: apt-get install -y wrk")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is still not on PATH after apt-get install -y wrk")
    return found


def run_wrk(base_url: str, paths: list[str], work: Path, seconds: int, threads: int = 2,
            connections: int = 16) -> dict[str, Any]:
    wrk = ensure_wrk()
    work.mkdir(parents=True, exist_ok=True)
    script, path_file = work / "rotate.lua", work / "paths.txt"
    script.write_text(LUA)
    path_file.write_text("\n".join(paths) + "\n")
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
           base_url, "--", str(path_file)]
    say("throughput: " + " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-1000:]} {proc.stdout[-1000:]}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    return {"command": " ".join(cmd[:-2] + ["--", path_file.name]), "threads": threads,
            "connections": connections, "seconds": round(seconds_run, 2), "requests": data["requests"],
            "requests_per_s": round(data["requests"] / seconds_run, 1), "latency_ms": data["latency_ms"],
            "errors": data["errors"], "errors_total": errors, "non_2xx": data["errors"]["status"],
            "distinct_paths": len(paths)}
