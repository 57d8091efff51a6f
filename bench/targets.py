"""The targets of issue 8, judged on one results document. They are set for the 1m scale:
``applies`` is false at the smaller ones (the flags are still computed, for information)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GB = 1_000_000_000


def _q(case: str, mode: str, stat: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda r: r.get("queries", {}).get(case, {}).get(mode, {}).get(stat)


def _worst(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known and len(known) == len(values) else None


def _neighbourhood_p99(r: dict[str, Any]) -> float | None:
    """The worse of depth 1 and the route's default depth (depth 2 is measured for information)."""
    cases = [c for name, c in r.get("queries", {}).items()
             if name.startswith("neighbourhood depth 1") or (name.startswith("neighbourhood") and "default" in name)]
    return _worst([c.get("http", {}).get("p99") for c in cases]) if cases else None


def _http_over_raw(r: dict[str, Any]) -> float | None:
    """The worst HTTP / raw ratio (p50) over the endpoints whose answer ran Cypher to replay; those answered
    from the index or the cached snapshot have no raw time to compare with."""
    ratios = [c["ratio_http_raw"] for c in r.get("queries", {}).values() if c.get("ratio_http_raw") is not None]
    return max(ratios) if ratios else None


@dataclass(frozen=True)
class Target:
    id: str
    text: str
    value: Callable[[dict[str, Any]], float | None]
    limit: float
    op: str = "<="
    backend: str | None = None  # None: both
    unit: str = ""


TARGETS = (
    Target("load_seconds", "embedded load ≤ 20 s", lambda r: r.get("load", {}).get("seconds"), 20, backend="embedded",
           unit="s"),
    Target("load_vs_raw", "embedded load ≤ 3× raw COPY", lambda r: r.get("bulk_raw", {}).get("ratio"), 3,
           backend="embedded", unit="×"),
    Target("load_vs_raw", "Neo4j load ≤ 2× raw UNWIND", lambda r: r.get("bulk_raw", {}).get("ratio"), 2,
           backend="neo4j", unit="×"),
    Target("eligible_lib_p99", "eligible-clauses p99 ≤ 3 ms (library)", _q("eligible-clauses", "library", "p99"), 3,
           unit="ms"),
    Target("eligible_http_p99", "eligible-clauses p99 ≤ 10 ms (HTTP)", _q("eligible-clauses", "http", "p99"), 10,
           unit="ms"),
    Target("throughput", "eligible-clauses ≥ 1000 req/s (wrk)",
           lambda r: r.get("throughput", {}).get("requests_per_s"), 1000, ">=", unit="req/s"),
    Target("throughput_errors", "wrk: 0 errors (non-2xx and socket)",
           lambda r: r.get("throughput", {}).get("errors_total"), 0),
    Target("matching_p99", "matching p99 ≤ 20 ms (HTTP, worst of no filter / capital_min / random filters)",
           lambda r: _worst([_q("matching", "http", "p99")(r), _q("matching capital_min", "http", "p99")(r),
                             _q("matching random filters", "http", "p99")(r)]), 20,
           unit="ms"),
    Target("gaps_p50", "gaps p50 ≤ 50 ms (HTTP)", _q("gaps", "http", "p50"), 50, unit="ms"),
    Target("budget_p99", "budget p99 ≤ 10 ms (HTTP)", _q("budget", "http", "p99"), 10, unit="ms"),
    Target("neighbourhood_p99", "neighbourhood p99 ≤ 15 ms (HTTP, depth 1 and default)", _neighbourhood_p99, 15, unit="ms"),
    Target("serving_memory", "serving memory ≤ 1 GB: PSS of all serve processes (after the query and wrk phases)",
           lambda r: r.get("footprint", {}).get("serve_pss_bytes", r.get("footprint", {}).get("serve_rss_bytes")),
           GB, unit="B"),
    Target("http_vs_raw", "Neo4j HTTP / raw ≤ 1.5× (p50, worst endpoint)", _http_over_raw, 1.5, backend="neo4j",
           unit="×"),
)


def judge(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for t in TARGETS:
        if t.backend not in (None, results["backend"]):
            continue
        value = t.value(results)
        passed = None if value is None else (value <= t.limit if t.op == "<=" else value >= t.limit)
        out.append({"id": t.id, "target": t.text, "limit": t.limit, "op": t.op, "unit": t.unit, "value": value,
                    "pass": passed, "applies": results["scale"] == "1m"})
    return out


def format_value(judged: dict[str, Any]) -> str:
    """A judged target's value with its unit (bytes as MiB)."""
    value, unit = judged["value"], judged["unit"]
    if value is None:
        return "—"
    if unit == "B":
        return f"{value / 2**20:,.0f} MiB"
    return f"{value:,.2f} {unit}".strip()
