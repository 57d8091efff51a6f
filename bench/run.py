"""The benchmark of issue 8: ``bench/run --scale 10k|100k|1m --backend embedded|neo4j|both [--out DIR] [--quick]``.

For each backend, in this order (each phase reports its own failure and the others still run):

1. ``registry``   ``policykg synth --enterprises N --seed 1`` (cached under OUT/work by scale);
2. ``load``       ``policykg load`` end to end in a subprocess, into a fresh database: wall time,
                  records/s, peak RSS, database size;
3. ``export``     every node and relationship table of the loaded graph to Parquet;
4. ``queries``    library and raw latency (see :mod:`bench.latency`) with the database opened here;
5. ``http``       the same samples against ``policykg serve`` on loopback (the bench has closed the
                  database first: Ladybug is one process's at a time); on Neo4j each block of samples is
                  also replayed raw beside the requests;
6. ``throughput`` wrk on ``GET /api/enterprises/{uscc}/eligible-clauses``;
7. ``footprint``  RSS of the serving process after 5 and 6;
8. ``bulk_raw``   the engine's own bulk load of the exported rows (last: on Neo4j it replaces the graph).

Writes OUT/results-<scale>-<backend>.json and prints a table. Exits 1 if a phase failed (never for
a missed target).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench import bulk, latency
from bench.common import (
    POLICYKG,
    ROOT,
    Phases,
    dir_size,
    free_port,
    machine_info,
    process_memory,
    ratio,
    run_measured,
    say,
    source_digest,
)
from bench.neo4j_server import Neo4jServer, neo4j_server
from bench.targets import format_value, judge
from bench.throughput import run_wrk

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
SEED = 1
CAPITAL_MIN = 10_000_000  # yuan: the matching filter (registered capital ≥ 1000万元)
WRK_PATHS = 1000


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or the smoke run (``--quick``)."""

    budget: latency.Budget
    wrk_seconds: int

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if quick:
            return cls(latency.Budget(warmup=3, max_keys=20, seconds=5), wrk_seconds=5)
        return cls(latency.Budget(warmup=20, max_keys=200, seconds=12), wrk_seconds=15)


# --------------------------------------------------------------------------------------------
# pieces
# --------------------------------------------------------------------------------------------

def ensure_registry(work: Path, scale: str) -> tuple[Path, dict[str, Any]]:
    """The synthetic registry for a scale, generated once and reused while the generator is unchanged."""
    registry = work / f"registry-{scale}"
    marker = registry / ".complete"
    generator = source_digest("policykg/ingest", "synth*.py")
    if marker.exists():
        kept = json.loads(marker.read_text())
        if kept.get("generator") == generator:
            say(f"registry: reusing {registry}")
            return registry, {**kept, "cached": True}
        say(f"registry: {registry} was made by another generator; making it again")
    shutil.rmtree(registry, ignore_errors=True)
    cmd = [POLICYKG, "synth", "--enterprises", str(SCALES[scale]), "--seed", str(SEED), "--out", str(registry)]
    say("registry: " + " ".join(cmd[1:]))
    fin = run_measured(cmd, cwd=work)
    if fin.returncode != 0:
        raise RuntimeError(f"policykg synth exited {fin.returncode}: {fin.stderr.strip()[-2000:]}")
    info = {"path": str(registry), "enterprises": SCALES[scale], "seed": SEED, "generator": generator,
            "seconds": round(fin.seconds, 3),
            "peak_rss_bytes": fin.peak_rss_bytes, "bytes": dir_size(registry)}
    marker.write_text(json.dumps(info))
    return registry, {**info, "cached": False}


def registry_usccs(registry: Path) -> list[str]:
    with (registry / "enterprises.csv").open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        column = next(reader).index("uscc")
        return [row[column] for row in reader if row]


#: serving processes: one per core of these machines (``policykg serve --workers``); they share the
#: derived index, which ``policykg serve`` prepares on disk before starting them
SERVE_WORKERS = 2


@dataclass
class Serving:
    proc: subprocess.Popen
    base_url: str
    index: dict[str, Any]  # the state of the server's matching / gaps index (from /api/health)
    index_wait_seconds: float  # from the first answer to the index being ready
    answer_seconds: float  # from the start to the first answer (serve prepares the index first)


@contextmanager
def serving(env: dict[str, str], cwd: Path, log: Path, timeout: float = 1800) -> Iterator[Serving]:
    """``policykg serve --workers SERVE_WORKERS`` on 127.0.0.1 and a free port, until /api/health answers
    200 and then that the index is ready in every worker (``process`` tells which answered; each request
    on a new connection, taken by whichever worker accepts it)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [POLICYKG, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(SERVE_WORKERS)]
    say(f"serve: {' '.join(cmd[1:])} (log {log})")
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        launched = time.monotonic()
        deadline = launched + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"policykg serve exited {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base_url + "/api/health", timeout=60).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"policykg serve did not answer /api/health within {timeout:.0f} s")
            time.sleep(0.2)
        say("serve: answering; waiting for its matching / gaps index")
        started = time.monotonic()
        say(f"serve: first answer {started - launched:.1f} s after the start")
        states: dict[int, str] = {}
        while True:
            health = httpx.get(base_url + "/api/health", timeout=60).json()
            derived = health.get("derived", {})
            states[health.get("process", 0)] = derived.get("state")
            if derived.get("state") in ("off", "failed") or time.monotonic() > deadline:
                break
            if len(states) >= SERVE_WORKERS and all(v == "ready" for v in states.values()):
                break
            time.sleep(0.05)
        say(f"serve: ready (index {derived.get('state')} after {time.monotonic() - started:.1f} s)")
        yield Serving(proc, base_url, derived, round(time.monotonic() - started, 3), round(started - launched, 3))
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------
# one backend
# --------------------------------------------------------------------------------------------

class BackendBench:
    def __init__(self, backend: str, scale: str, quick: bool, out: Path, server: Neo4jServer | None) -> None:
        from policykg.settings import get_settings

        self.backend, self.scale, self.quick, self.server = backend, scale, quick, server
        self.plan = Plan.make(quick)
        self.work = out / "work"
        self.dir = self.work / f"{backend}-{scale}"
        self.dir.mkdir(parents=True, exist_ok=True)
        neo4j = {}
        if server:
            neo4j = {"neo4j_uri": server.uri, "neo4j_user": server.user, "neo4j_password": server.password}
        self.settings = get_settings(backend=backend, data_dir=self.dir / "data", **neo4j)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        self.env.update({"POLICYKG_BACKEND": backend, "POLICYKG_DATA_DIR": str(self.settings.data_dir),
                         **(server.env() if server else {})})
        self.results: dict[str, Any] = {
            "scale": scale, "enterprises": SCALES[scale], "backend": backend, "quick": quick, "seed": SEED,
            "command": "bench/run " + " ".join(sys.argv[1:]), "machine": machine_info(),
            "settings": {"buffer_pool_mb": self.settings.buffer_pool_mb,
                         "embedded_threads": self.settings.embedded_threads,
                         "neo4j": server.describe() if server else None},
            "plan": {"warmup": self.plan.budget.warmup, "max_keys": self.plan.budget.max_keys,
                     "seconds_per_loop": self.plan.budget.seconds, "wrk_seconds": self.plan.wrk_seconds},
        }
        self.phases = Phases(self.results)
        self.rng = random.Random(SEED)
        self.registry: Path | None = None
        self.manifest: list[dict[str, Any]] = []
        self.cases: list[latency.Case] = []
        self.firms: list[str] = []

    def open(self) -> Any:
        from policykg.graph import open_backend

        return open_backend(self.settings)

    def db_bytes(self) -> int | None:
        if self.backend == "embedded":
            path = self.settings.embedded_path
            return sum(dir_size(p) for p in path.parent.glob(path.name + "*"))
        return self.server.store_bytes() if self.server else None

    # --- phases ---------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        with self.phases.phase("registry"):
            self.registry, self.results["registry"] = ensure_registry(self.work, self.scale)
        with self.phases.phase("load"):
            self.load()
        with self.phases.phase("export"):
            self.export()
        with self.phases.phase("queries"):
            self.queries()
        with ExitStack() as stack:
            server = None
            with self.phases.phase("serve"):
                server = stack.enter_context(serving(self.env, self.dir, self.dir / "serve.log"))
                self.results["serve"] = {"index": server.index, "index_wait_seconds": server.index_wait_seconds,
                                        "answer_seconds": server.answer_seconds, "workers": SERVE_WORKERS}
                self.note_source_change()
            if server:
                with self.phases.phase("http"):
                    if not self.cases:
                        raise RuntimeError("no prepared samples (the queries phase failed)")
                    with self.raw_beside_server() as raw:
                        latency.measure_http(self.cases, server.base_url, self.plan.budget, raw)
                with self.phases.phase("throughput"):
                    self.throughput(server)
                with self.phases.phase("footprint"):
                    self.footprint(server)
        with self.phases.phase("bulk_raw"):
            self.bulk_raw()
        self.results["machine"]["load_average_end"] = os.getloadavg()
        self.results["targets"] = judge(self.results)
        self.results["ok"] = not self.phases.failed
        return self.results

    def note_source_change(self) -> None:
        """Warn when the package's sources changed since the start: the server runs other code than the
        library phase measured."""
        now = source_digest()
        self.results["machine"]["source_digest_at_serve"] = now
        if now != self.results["machine"]["source_digest"]:
            self.results.setdefault("warnings", []).append(
                "policykg sources changed during the run: the server runs newer code than the library phase")
            say("WARNING: policykg sources changed since the start of the run; HTTP and library figures differ in code")

    def load(self) -> None:
        if self.backend == "embedded":
            shutil.rmtree(self.settings.data_dir, ignore_errors=True)
        else:
            backend = self.open()
            try:
                backend.clear()
                backend.drop_schema()
            finally:
                backend.close()
        say(f"load: policykg load {self.registry} into a fresh {self.backend} database")
        self.results["load"] = load = bulk.load_ours(self.registry, self.env, self.dir)
        load["db_bytes"] = self.db_bytes()
        say(f"load: {load['records']:,} records in {load['seconds']:.1f} s ({load['records_per_s']:,}/s), "
            f"peak RSS {load['peak_rss_bytes'] / 2**20:,.0f} MiB")

    def export(self) -> None:
        out = self.dir / "export"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        if self.backend == "embedded":
            self.manifest = bulk.export_ladybug(self.settings.embedded_path, out, self.settings.buffer_pool_mb)
        else:
            backend = self.open()
            try:
                self.manifest = bulk.export_neo4j(backend.driver, backend.database, out)
            finally:
                backend.close()
        rows = sum(t["rows"] for t in self.manifest)
        self.results["export"] = {"seconds": round(time.perf_counter() - start, 3), "rows": rows,
                                  "bytes": dir_size(out), "tables": {Path(t["path"]).stem: t["rows"]
                                                                     for t in self.manifest}}
        say(f"export: {rows:,} rows in {len(self.manifest)} files")

    def queries(self) -> None:
        from policykg.analysis.snapshot import load_snapshot

        usccs = registry_usccs(self.registry)
        self.firms = self.rng.sample(usccs, min(WRK_PATHS, len(usccs)))
        backend = self.open()
        raw = None
        try:
            self.results["engine"] = backend.engine_version()
            snapshot = load_snapshot(backend)
            self.cases = latency.make_cases(usccs, snapshot, self.quick, self.rng, CAPITAL_MIN)
            self.results["queries"] = {c.name: c.results for c in self.cases}
            raw = self.raw_client(backend)
            latency.measure_in_process(self.cases, backend, raw, self.plan.budget, self.rng)
        finally:
            if raw:
                raw.close()
            backend.close()

    def raw_client(self, backend: Any) -> Any:
        """The engine's own client on the database ``backend`` has open."""
        if self.backend == "embedded":
            return latency.RawLadybug(backend)
        return self.raw_neo4j()

    def raw_neo4j(self) -> Any:
        return latency.RawNeo4j(self.server.uri, self.server.user, self.server.password, self.settings.neo4j_database)

    @contextmanager
    def raw_beside_server(self) -> Iterator[Any]:
        """Neo4j's own client while ``policykg serve`` runs, to replay each HTTP sample's Cypher beside the
        requests (None on Ladybug: HTTP / raw there is against the queries phase's raw times)."""
        if self.backend == "embedded":
            yield None
            return
        raw = self.raw_neo4j()
        try:
            yield raw
        finally:
            raw.close()

    def throughput(self, server: Serving) -> None:
        paths = [latency.ROUTES["eligible-clauses"].format(uscc=u) for u in self.firms]
        self.results["throughput"] = t = run_wrk(server.base_url, paths, self.dir / "wrk", self.plan.wrk_seconds)
        say(f"throughput: {t['requests_per_s']:,} req/s, p99 {t['latency_ms']['p99']:.1f} ms, "
            f"{t['errors_total']} errors")

    def footprint(self, server: Serving) -> None:
        mem = process_memory(server.proc.pid)
        self.results["footprint"] = {
            "load_peak_rss_bytes": self.results.get("load", {}).get("peak_rss_bytes"),
            "serve_pss_bytes": mem["pss_bytes"], "serve_rss_bytes": mem["rss_bytes"],
            "serve_peak_rss_bytes": mem["peak_rss_bytes"], "serve_processes": mem["processes"],
            "serve_workers": SERVE_WORKERS,
            "db_bytes": self.db_bytes(),
            "neo4j_server": self.server.memory() if self.server else None,
        }

    def bulk_raw(self) -> None:
        if not self.manifest:
            raise RuntimeError("nothing exported (the export phase failed)")
        if self.backend == "embedded":
            raw = bulk.raw_ladybug(self.manifest, self.dir, self.settings.buffer_pool_mb)
        else:
            backend = self.open()
            try:
                raw = bulk.raw_neo4j(backend, self.manifest)
            finally:
                backend.close()
        raw["ratio"] = ratio(self.results.get("load", {}).get("seconds"), raw["seconds"])
        self.results["bulk_raw"] = raw
        say(f"bulk_raw: {raw['rows']:,} rows in {raw['seconds']:.2f} s ({raw['rows_per_s']:,}/s); "
            f"ours/raw {raw['ratio']}")


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------

def _ms(stats: dict[str, Any] | None, key: str) -> str:
    return f"{stats[key]:.2f}" if stats and stats.get("n") else "—"


def print_results(r: dict[str, Any], console: Console) -> None:
    title = f"{r['backend']} at {r['scale']}" + (" (quick)" if r["quick"] else "") + f" — {r.get('engine', '')}"
    load, raw, fp, tp = (r.get(k) or {} for k in ("load", "bulk_raw", "footprint", "throughput"))
    t = Table("load", "value", title=title, title_justify="left")
    if load:
        t.add_row("policykg load", f"{load['seconds']:.2f} s, {load['records']:,} records ({load['records_per_s']:,}/s), "
                  f"{load['written']:,} written ({load['written_per_s']:,}/s)")
    if raw:
        t.add_row("raw bulk", f"{raw['seconds']:.2f} s, {raw['rows']:,} rows ({raw['rows_per_s']:,}/s): {raw['method']}")
        t.add_row("ours / raw", f"{raw['ratio']}×")
    if tp:
        t.add_row("wrk eligible-clauses", f"{tp['requests_per_s']:,} req/s, p50 {tp['latency_ms']['p50']:.1f} ms, "
                  f"p99 {tp['latency_ms']['p99']:.1f} ms, {tp['errors_total']} errors ({tp['non_2xx']} non-2xx)")
    mib = lambda b: f"{b / 2**20:,.0f} MiB" if b else "—"  # noqa: E731
    t.add_row("peak RSS of load", mib(load.get("peak_rss_bytes")))
    t.add_row(f"serve, {fp.get('serve_processes')} processes: PSS / RSS (sum of peaks)",
              f"{mib(fp.get('serve_pss_bytes'))} / {mib(fp.get('serve_rss_bytes'))} "
              f"({mib(fp.get('serve_peak_rss_bytes'))})")
    t.add_row("database on disk", mib(fp.get("db_bytes") or load.get("db_bytes")))
    console.print(t)

    q = Table("query (ms)", "lib p50", "lib p99", "raw p50", "raw p99", "naive p50", "http p50", "http p95",
              "http p99", "raw p50 beside http", "n lib/http", "lib/raw", "http/raw", title_justify="left")
    for name, c in (r.get("queries") or {}).items():
        lib, rw, nv, http, rh = (c.get(k) for k in ("library", "raw", "naive", "http", "raw_http"))
        q.add_row(name, _ms(lib, "p50"), _ms(lib, "p99"), _ms(rw, "p50"), _ms(rw, "p99"), _ms(nv, "p50"),
                  _ms(http, "p50"), _ms(http, "p95"), _ms(http, "p99"), _ms(rh, "p50"),
                  f"{(lib or {}).get('n', 0)}/{(http or {}).get('n', 0)}",
                  str(c.get("ratio_lib_raw") or "—"), str(c.get("ratio_http_raw") or "—"))
    console.print(q)

    tg = Table("target" + ("" if r["scale"] == "1m" else " (set for 1m: for information)"), "value", "pass",
               title_justify="left")
    for x in r.get("targets", []):
        value = format_value(x)
        tg.add_row(x["target"], value, {True: "pass", False: "FAIL", None: "—"}[x["pass"]])
    console.print(tg)
    for warning in r.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}")
    for phase, error in r.get("errors", {}).items():
        console.print(f"[red]phase {phase} failed:[/red] {error}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=SCALES, required=True)
    parser.add_argument("--backend", choices=("embedded", "neo4j", "both"), required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results",
                        help="results folder (default bench/results); registries and databases go to OUT/work")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few iterations, short wrk")
    args = parser.parse_args(argv)
    # The driver logs a warning for every property or type a query names that the graph lacks yet.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    out = args.out.resolve()
    (out / "work").mkdir(parents=True, exist_ok=True)
    backends = ("embedded", "neo4j") if args.backend == "both" else (args.backend,)
    console = Console(width=max(Console().width, 170))
    failed = False
    for name in backends:
        with ExitStack() as stack:
            server = None
            errors = {}
            if name == "neo4j":
                try:
                    server = stack.enter_context(neo4j_server(out / "work", args.scale))
                except Exception as exc:  # noqa: BLE001 - reported like a failed phase
                    errors["neo4j_server"] = f"{type(exc).__name__}: {exc}"
                    say(f"Neo4j could not be started: {exc}")
            bench = BackendBench(name, args.scale, args.quick, out, server)
            if errors:
                bench.results["errors"].update(errors)
                bench.results.update(targets=[], ok=False)
                results = bench.results
            else:
                results = bench.run()
        path = out / f"results-{args.scale}-{name}.json"
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
        print_results(results, console)
        say(f"wrote {path}")
        failed |= not results["ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
