"""Render results of ``bench/run`` as one Markdown table: rows are metrics, columns scale × backend.

    python -m bench.report bench/results/results-*.json [> table.md]

Columns are ordered by scale, then backend; a missing value (a phase that failed or was not run)
shows as —. Targets are set for the 1m scale: their pass/fail marks are shown at every scale, in
brackets below 1m.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCALE_ORDER = ("10k", "100k", "1m")
MODES = (("library", "lib"), ("raw", "raw"), ("http", "HTTP"), ("raw_http", "raw beside HTTP"))


def _get(r: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if not isinstance(r, dict):
            return None
        r = r.get(k)
    return r


def _num(value: Any, fmt: str = "{:,.0f}", unit: str = "") -> str:
    return "—" if value is None else fmt.format(value) + unit


def _mib(value: Any) -> str:
    return "—" if value is None else f"{value / 2**20:,.0f} MiB"


Row = tuple[str, Callable[[dict[str, Any]], str]]


def _rows(results: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = [
        ("records loaded", lambda r: _num(_get(r, "load", "records"))),
        ("`policykg load`, end to end", lambda r: _num(_get(r, "load", "seconds"), "{:,.1f}", " s")),
        ("load: records/s", lambda r: _num(_get(r, "load", "records_per_s"))),
        ("load: nodes + relationships written/s", lambda r: _num(_get(r, "load", "written_per_s"))),
        ("raw engine bulk load (same rows)", lambda r: _num(_get(r, "bulk_raw", "seconds"), "{:,.2f}", " s")),
        ("raw bulk: rows/s", lambda r: _num(_get(r, "bulk_raw", "rows_per_s"))),
        ("load / raw bulk", lambda r: _num(_get(r, "bulk_raw", "ratio"), "{:.2f}", "×")),
        ("peak RSS of `policykg load`", lambda r: _mib(_get(r, "load", "peak_rss_bytes"))),
        ("database on disk", lambda r: _mib(_get(r, "footprint", "db_bytes") or _get(r, "load", "db_bytes"))),
    ]
    cases: list[str] = []
    for r in results:
        cases += [c for c in (r.get("queries") or {}) if c not in cases]
    for case in cases:
        for mode, label in MODES:
            if mode == "raw_http" and not any(_get(r, "queries", case, mode) for r in results):
                continue  # timed on Neo4j only, for the cases that ran Cypher
            rows.append((f"{case}: {label} p50 / p99 (ms)", lambda r, c=case, m=mode: _latency(r, c, m)))
        rows.append((f"{case}: HTTP / raw (p50)", lambda r, c=case: _num(_get(r, "queries", c, "ratio_http_raw"),
                                                                        "{:.2f}", "×")))
        if any(_get(r, "queries", case, "naive") for r in results):
            rows.append((f"{case}: naive engine Cypher p50 / p99 (ms)", lambda r, c=case: _latency(r, c, "naive")))
    rows += [
        ("wrk eligible-clauses: req/s", lambda r: _num(_get(r, "throughput", "requests_per_s"))),
        ("wrk: p50 / p99 (ms)", lambda r: _pair(_get(r, "throughput", "latency_ms"))),
        ("wrk: errors (non-2xx)", lambda r: "—" if not r.get("throughput") else
         f"{r['throughput']['errors_total']} ({r['throughput']['non_2xx']})"),
        ("memory of `policykg serve` after the runs: PSS (all processes)",
         lambda r: _mib(_get(r, "footprint", "serve_pss_bytes"))),
        ("RSS of `policykg serve` after the runs (all processes; shared pages once per process)",
         lambda r: _mib(_get(r, "footprint", "serve_rss_bytes"))),
    ]
    targets: list[str] = []
    for r in results:
        targets += [t["target"] for t in r.get("targets", []) if t["target"] not in targets]
    for text in targets:
        rows.append((f"target: {text}", lambda r, t=text: _mark(r, t)))
    rows.append(("failed phases", lambda r: ", ".join(r.get("errors", {})) or "none"))
    rows.append(("warnings", lambda r: "; ".join(r.get("warnings", [])) or "none"))
    return rows


def _pair(stats: dict[str, Any] | None) -> str:
    if not stats or stats.get("n") == 0 or stats.get("p50") is None:
        return "—"
    return f"{stats['p50']:,.2f} / {stats['p99']:,.2f}"


def _latency(r: dict[str, Any], case: str, mode: str) -> str:
    return _pair(_get(r, "queries", case, mode))


def _mark(r: dict[str, Any], text: str) -> str:
    t = next((t for t in r.get("targets", []) if t["target"] == text), None)
    if t is None or t["pass"] is None:
        return "—"
    mark = "pass" if t["pass"] else "**fail**"
    return mark if t["applies"] else f"({mark})"


def render(results: list[dict[str, Any]]) -> str:
    from bench.targets import judge

    results = sorted(results, key=lambda r: (SCALE_ORDER.index(r["scale"]), r["backend"]))
    for r in results:  # judged again from the recorded figures: the rules are the ones in bench.targets now
        r["targets"] = judge(r)
    head = ["metric"] + [f"{r['scale']} {r['backend']}" + (" (quick)" if r.get("quick") else "") for r in results]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, cell in _rows(results):
        lines.append("| " + " | ".join([label] + [cell(r) for r in results]) + " |")
    machines = {(_get(r, "machine", "cpu"), _get(r, "machine", "cores"), _get(r, "machine", "ram_bytes"),
                 _get(r, "machine", "os")) for r in results}
    notes = [f"Machine: {cpu}, {cores} cores, {ram / 2**30:.0f} GiB RAM, {os_name}."
             for cpu, cores, ram, os_name in sorted(machines, key=str) if cpu]
    for r in results:
        m = r.get("machine", {})
        load = m.get("load_average"), m.get("load_average_end")
        notes.append(f"{r['scale']} {r['backend']}: {m.get('date')}, commit {str(m.get('git_head'))[:12]}"
                     + (" (with local changes)" if m.get("git_dirty") else "") + f", {r.get('engine', '?')}"
                     + (f"; 1-minute load average {load[0][0]:.1f} at the start, {load[1][0]:.1f} at the end"
                        if all(load) else "") + ".")
    return "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="results-*.json files written by bench/run")
    args = parser.parse_args(argv)
    sys.stdout.write(render([json.loads(p.read_text()) for p in args.files]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
