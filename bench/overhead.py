"""Where a neighbourhood request's time goes on Neo4j, layer by layer:
``python -m bench.overhead --scale 10k|100k|1m [--out DIR] [--rounds N]``.

The bench's HTTP / raw ratio says how much our layers add to Neo4j's own client; this says which layer
adds what. On the Neo4j store an earlier ``bench/run --scale S --backend neo4j`` left under OUT/work
(or the server in NEO4J_URI / NEO4J_PASSWORD), the same enterprises' default neighbourhood is answered
six ways, in turn on each block of 20 samples (as the bench times its ways):

- **raw**: the statements the library ran for that centre, replayed with the sync driver (one session);
- **library, sync driver**: ``explore.neighbourhood`` in this process;
- **library, async driver**: ``explore.neighbourhood_async`` on an event loop (uvloop), as the route runs it;
- **app, no HTTP**: the FastAPI app called in this process as an ASGI app (routing, validation, encoding);
- **HTTP**: ``policykg serve`` on loopback (``http.client``, one keep-alive connection);
- **HTTP floor**: a minimal ASGI app under the same uvicorn, answering ``{}`` (the exchange alone).

For each way: latency (p50, p99), the CPU time per request of the process doing the work (this one, or
the serving processes for HTTP), and Neo4j's (when the bench started the server). Prints a table and
writes OUT/overhead-<scale>-neo4j.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil
from rich.console import Console
from rich.table import Table

from bench import latency
from bench.common import ROOT, free_port, latency_stats, machine_info, ratio, say
from bench.neo4j_server import neo4j_server
from bench.run import SCALES, SEED, ensure_registry, registry_usccs, serving

SAMPLES = 500
BLOCK = latency.BLOCK


async def floor_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The HTTP floor: an ASGI app that answers ``{}`` to every request, with nothing in between."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


def cpu_seconds(procs: list[psutil.Process]) -> float:
    """User + system CPU time of these processes (all their threads)."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def process_tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants (the serving supervisor and its workers)."""
    proc = psutil.Process(pid)
    return [proc, *proc.children(recursive=True)]


class Way:
    """One way of answering a centre: its call, and whose CPU time counts for it."""

    def __init__(self, name: str, call: Callable[[str], Awaitable[Any]], cpu: Callable[[], float]) -> None:
        self.name, self.call, self.cpu = name, call, cpu
        self.times: list[float] = []
        self.cpu_used = 0.0
        self.neo4j_cpu = 0.0


def http_get(client: latency.Client, path: str) -> None:
    status = client.get(path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")


def asgi_get(app: Any, path: str, query: str) -> Awaitable[None]:
    """A GET on the app as an ASGI callable, in this process (no socket, no HTTP parsing)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    async def call() -> None:
        await app(scope, receive, send)
        if status != [200]:
            raise RuntimeError(f"GET {path}?{query}: {status}")

    return call()


def floor_server(port: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", "bench.overhead:floor_app", "--host", "127.0.0.1", "--port", str(port),
           "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            http_get(latency.Client(f"http://127.0.0.1:{port}", timeout=60), "/")
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"the HTTP floor's uvicorn did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


async def measure(ways: list[Way], centres: list[str], rounds: int, neo4j_cpu: Callable[[], float]) -> None:
    """A round untimed, then ``rounds`` timed: each block of samples answered by every way in turn (the
    first way turning by one from a block to the next)."""
    for rnd in range(rounds + 1):
        for b, start in enumerate(range(0, len(centres), BLOCK)):
            block = centres[start : start + BLOCK]
            for k in range(len(ways)):
                way = ways[(b + k) % len(ways)]
                cpu0, neo0 = way.cpu(), neo4j_cpu()
                for centre in block:
                    t0 = time.perf_counter()
                    await way.call(centre)
                    if rnd:
                        way.times.append(time.perf_counter() - t0)
                if rnd:
                    way.cpu_used += way.cpu() - cpu0
                    way.neo4j_cpu += neo4j_cpu() - neo0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                        help="the folder of bench/run's results (its work/ holds the registry and the Neo4j store)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds over the samples (after one untimed)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    work = out / "work"
    registry, _ = ensure_registry(work, args.scale)
    centres = random.Random(SEED).sample(registry_usccs(registry), min(SAMPLES, SCALES[args.scale]))
    with neo4j_server(work, args.scale, fresh=False) as server:
        results = run(server, work / f"neo4j-{args.scale}", centres, args.rounds)
    results.update(scale=args.scale, enterprises=SCALES[args.scale], machine=machine_info(),
                   command="python -m bench.overhead " + " ".join(sys.argv[1:] if argv is None else argv))
    path = out / f"overhead-{args.scale}-neo4j.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    show(results)
    say(f"wrote {path}")
    return 0


def run(server: Any, folder: Path, centres: list[str], rounds: int) -> dict[str, Any]:
    from policykg import explore
    from policykg.api.app import create_app
    from policykg.graph import open_backend
    from policykg.settings import get_settings

    settings = get_settings(backend="neo4j", data_dir=folder / "data", neo4j_uri=server.uri,
                            neo4j_user=server.user, neo4j_password=server.password)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"POLICYKG_BACKEND": "neo4j", "POLICYKG_DATA_DIR": str(settings.data_dir), **server.env()})
    neo4j_pid = server.home / "launcher.pid" if server.home else None
    pid = int(neo4j_pid.read_text()) if neo4j_pid and neo4j_pid.exists() else None
    neo4j_procs = process_tree(pid) if pid else []
    neo4j_cpu = lambda: cpu_seconds(neo4j_procs)  # noqa: E731

    backend = open_backend(settings, apply_schema=False)
    if not backend.counts()["nodes"]["Enterprise"]:
        backend.close()
        raise SystemExit("no enterprises in the Neo4j store: run bench/run --backend neo4j at this scale first")
    depth, limit = latency.NEIGHBOURHOOD_DEPTH, latency.NEIGHBOURHOOD_LIMIT
    statements: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for centre in centres:
        with latency.recording(backend) as calls:
            explore.neighbourhood(backend, centre, depth, limit)
        statements[centre] = calls
    raw = latency.RawNeo4j(server.uri, server.user, server.password, settings.neo4j_database)
    app = create_app(settings, backend=backend)
    route = latency.ROUTES["neighbourhood"]
    own = time.process_time

    async def sync(fn: Callable[[], Any]) -> None:
        fn()

    try:
        with serving(env, folder, folder / "serve-overhead.log") as serve:
            floor_port = free_port()
            floor = floor_server(floor_port, folder / "floor-overhead.log")
            try:
                http = latency.Client(serve.base_url, timeout=60)
                floor_http = latency.Client(f"http://127.0.0.1:{floor_port}", timeout=60)
                serve_pids = process_tree(serve.proc.pid)
                floor_pids = process_tree(floor.pid)
                ways = [
                    Way("raw (sync driver)", lambda c: sync(lambda: [raw.run(q, p) for q, p in statements[c]]), own),
                    Way("library, sync driver", lambda c: sync(lambda: explore.neighbourhood(backend, c, depth, limit)),
                        own),
                    Way("library, async driver", lambda c: explore.neighbourhood_async(backend, c, depth, limit), own),
                    Way("app, no HTTP", lambda c: asgi_get(app, route, urlencode({"id": c})), own),
                    Way("HTTP (policykg serve)", lambda c: sync(lambda: http_get(http, f"{route}?{urlencode({'id': c})}")),
                        lambda: cpu_seconds(serve_pids)),
                    Way("HTTP floor (no-op app)", lambda c: sync(lambda: http_get(floor_http, "/")),
                        lambda: cpu_seconds(floor_pids)),
                ]
                say(f"overhead: {len(centres)} centres, depth {depth}, {rounds} timed rounds, {len(ways)} ways")

                async def go() -> None:
                    try:
                        await measure(ways, centres, rounds, neo4j_cpu)
                    finally:
                        await backend.aclose()

                import uvloop

                uvloop.run(go())
            finally:
                floor.terminate()
                floor.wait(30)
    finally:
        raw.close()
        backend.close()
    base = latency_stats(ways[0].times).get("p50")
    rows = []
    for way in ways:
        stats = latency_stats(way.times)
        n = stats["n"] or 1
        rows.append({"way": way.name, **stats, "ratio_raw": ratio(stats.get("p50"), base),
                     "cpu_ms": round(way.cpu_used / n * 1000, 3),
                     "neo4j_cpu_ms": round(way.neo4j_cpu / n * 1000, 3) if pid else None})
    return {"depth": depth, "limit": limit, "centres": len(centres), "rounds": rounds, "ways": rows,
            "cpu_of": {"raw (sync driver)": "this process", "HTTP (policykg serve)": "the serving processes",
                       "HTTP floor (no-op app)": "its uvicorn process"}}


def show(results: dict[str, Any]) -> None:
    table = Table(title=f"depth-{results['depth']} neighbourhood on Neo4j, {results['enterprises']:,} enterprises: "
                        "where the time goes (ms)")
    for col in ("way", "p50", "p99", "× raw p50", "CPU / request", "Neo4j CPU / request"):
        table.add_column(col, justify="left" if col == "way" else "right")
    for r in results["ways"]:
        neo = r["neo4j_cpu_ms"]
        table.add_row(r["way"], f"{r['p50']:.3f}", f"{r['p99']:.3f}", f"{r['ratio_raw']:.2f}", f"{r['cpu_ms']:.3f}",
                      "" if neo is None else f"{neo:.3f}")
    Console(width=max(Console().width, 120)).print(table)
    print("CPU / request: of this process, except HTTP (the serving processes) and the floor (its uvicorn).")


if __name__ == "__main__":
    sys.exit(main())
