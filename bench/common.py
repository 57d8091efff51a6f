"""Shared helpers: phases that record their failure instead of stopping the run, latency
statistics, child processes with their peak RSS, sizes on disk, machine information."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POLICYKG = str(VENV_BIN / "policykg")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Phases:
    """Runs named phases; a phase that raises is recorded in ``errors`` and the run goes on."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.errors: dict[str, str] = results.setdefault("errors", {})
        self.seconds: dict[str, float] = results.setdefault("phase_seconds", {})

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"phase {name}: start")
        start = time.perf_counter()
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - a failed phase is reported, the others still run
            self.errors[name] = f"{type(exc).__name__}: {exc}"
            say(f"phase {name}: FAILED: {type(exc).__name__}: {exc}")
            traceback.print_exc(file=sys.stdout)
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)
            say(f"phase {name}: done in {self.seconds[name]:.1f} s")

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def latency_stats(seconds: list[float]) -> dict[str, Any]:
    """n, mean, p50, p95, p99, min, max in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = sorted(s * 1000 for s in seconds)
    if len(ms) == 1:
        p50 = p95 = p99 = ms[0]
    else:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    return {"n": len(ms), "mean": round(statistics.fmean(ms), 3), "p50": round(p50, 3), "p95": round(p95, 3),
            "p99": round(p99, 3), "min": round(ms[0], 3), "max": round(ms[-1], 3)}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dir_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class Finished:
    returncode: int
    seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Finished:
    """Run a command to the end: wall time and the peak RSS of that one process (``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # communicate() would reap the child: read the pipes in threads and reap it here with wait4.
    chunks: dict[str, str] = {}

    def drain(name: str, stream: Any) -> None:
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    return Finished(proc.returncode, seconds, usage.ru_maxrss * 1024, chunks.get("out", ""), chunks.get("err", ""))


def process_memory(pid: int) -> dict[str, int | None]:
    """Memory of a process and its children (a server's worker processes), in bytes:

    - ``pss_bytes``: the sum of their proportional set sizes — a page shared by k of them (the
      memory-mapped derived index, the libraries) counts 1/k in each, so the sum is what they occupy;
    - ``rss_bytes``: the sum of their resident sizes (shared pages counted once per process);
    - ``peak_rss_bytes``: the sum of each one's peak resident size (an upper bound: the peaks may not
      coincide)."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    rss = pss = peak = 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += info.pss
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) * 1024
        except (psutil.NoSuchProcess, FileNotFoundError):
            continue
    return {"pss_bytes": pss, "rss_bytes": rss, "peak_rss_bytes": peak, "processes": len(procs)}


def source_digest(under: str = "policykg", pattern: str = "*") -> str:
    """A digest of the package's sources (or of those ``under``/``pattern``): the run records it at the start
    and when the server starts, since a change in between (others editing the tree) makes library and HTTP
    figures incomparable."""
    h = hashlib.sha256()
    for path in sorted((ROOT / under).rglob(pattern)):
        if path.suffix in (".py", ".cypher", ".yaml") and path.is_file():
            h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(line.split("=", 1) for line in release.read_text().splitlines() if "=" in line)
        os_name = fields.get("PRETTY_NAME", os_name).strip('"') + f" (kernel {platform.release()})"
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for module in ("policykg", "ladybug", "neo4j", "httpx", "uvicorn", "fastapi"):
        try:
            versions[module] = getattr(__import__(module), "__version__", None)
        except ImportError:
            versions[module] = None
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_head": _git("rev-parse", "HEAD"),
        "git_dirty": bool(dirty) if dirty is not None else None,
        "source_digest": source_digest(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "os": os_name,
        "load_average": os.getloadavg(),  # other work on the machine skews the figures: look here
        "versions": versions,
    }
