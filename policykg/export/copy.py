"""Moving a graph from one backend to the other, and proving that both hold the same graph.

:func:`copy_graph` reads every label and relationship type of the source in pages
(:func:`policykg.export.dump.iter_pages`) and writes each page through the target's own bulk path
(:meth:`Backend.write`: validated rows, idempotent upserts; Ladybug ``COPY FROM``, Neo4j ``UNWIND``
batches). Nothing is re-collected or re-parsed: the rows are the source's.

:func:`compare` then checks three things on both backends: the counts per label and type; the
answers of the catalogue queries (every query, with parameters drawn from the graph where it needs
them, see :func:`probe_cases`); and a SHA-256 per label and type over every node's and
relationship's properties (:func:`policykg.export.dump.digest`).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policykg.errors import ConfigError, QueryError, ValidationError
from policykg.export.dump import PAGE, digest, iter_nodes, iter_pages
from policykg.graph.base import Backend
from policykg.queries import catalogue

BACKEND_NAMES = ("embedded", "neo4j")


def target_settings(settings: Any, to: str) -> Any:
    """The settings of the backend to copy to: the same settings object, another backend."""
    if to not in BACKEND_NAMES:
        raise ConfigError(f"unknown backend {to!r}: copy --to takes one of {', '.join(BACKEND_NAMES)}")
    if to == settings.backend:
        raise ConfigError(
            f"the configured backend (POLICYKG_BACKEND) is already {to!r}: copy reads from the configured backend "
            f"and writes to the other one; set POLICYKG_BACKEND to the source"
        )
    return settings.model_copy(update={"backend": to})


def _total(counts: dict[str, dict[str, int]]) -> int:
    return sum(counts["nodes"].values()) + sum(counts["relationships"].values())


@dataclass
class CopyReport:
    source: str
    target: str
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cleared: bool = False
    verification: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.verification is None or bool(self.verification.get("equal"))

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "cleared": self.cleared,
                "written": {"nodes": self.nodes, "relationships": self.relationships},
                "seconds": round(self.seconds, 3), "verification": self.verification, "ok": self.ok}


def copy_graph(source: Backend, target: Backend, *, clear: bool = False, merge: bool = False, page: int = PAGE,
               progress: Callable[[str, int], None] | None = None) -> CopyReport:
    """Write every node and relationship of ``source`` into ``target``.

    A target that already holds a graph is refused unless ``clear`` (empty it first) or ``merge``
    (add to it: nodes with the same key take the source's values) is given.
    """
    report = CopyReport(source.name, target.name)
    if clear and merge:
        raise ValidationError("choose --clear or --merge, not both", field="clear")
    existing = _total(target.counts())
    if existing and not (clear or merge):
        raise ValidationError(
            f"the target ({target.name}) is not empty ({existing} nodes and relationships): pass --clear to replace "
            "its graph or --merge to add to it", field="target")
    start = time.perf_counter()
    if clear and existing:
        target.clear()
        report.cleared = True
    for batch in iter_pages(source, page=page):
        for label, rows in batch.nodes.items():
            report.nodes[label] = report.nodes.get(label, 0) + target.upsert_nodes(label, rows)
            if progress:
                progress(label, len(rows))
        for (rel_type, a, b), rows in batch.relationships.items():
            report.relationships[rel_type] = report.relationships.get(rel_type, 0) + target.upsert_relationships(
                rel_type, a, b, rows)
            if progress:
                progress(rel_type, len(rows))
    report.seconds = time.perf_counter() - start
    return report


# --- comparing two backends -----------------------------------------------------------------------

def _sample(backend: Backend) -> dict[str, Any]:
    """Values for catalogue parameters, drawn from the graph (by parameter name) through catalogue
    queries and the schema-driven dump."""
    ids: dict[str, list[str]] = {}
    for label in ("PolicyDocument", "Clause", "Industry", "Tier", "Place", "Programme", "Fund", "Instrument"):
        ids[label] = [r["id"] for rows in iter_nodes(backend, label) for r in rows]
    enterprises = [r["id"] for r in next(iter_nodes(backend, "Enterprise", page=50), [])]
    features = backend.query("analytics_enterprise_features").records()
    funds_per_firm = Counter(r["enterprise"] for r in features if r["label"] == "Fund")
    invested = min(funds_per_firm, key=lambda e: (-funds_per_firm[e], e)) if funds_per_firm else \
        (enterprises[0] if enterprises else "")
    supports = Counter(r["target"] for r in backend.query("analytics_policy_edges").records() if r["type"] == "SUPPORTS")
    industry = min(supports, key=lambda i: (-supports[i], i)) if supports else (ids["Industry"] or [""])[0]
    docs = backend.query("documents", {"include_superseded": True}).records()
    doc = docs[0] if docs else {"id": "", "doc_number": "", "title": ""}
    measures = [c for c in ids["Clause"] if ":m" in c] or ids["Clause"]
    mixed = ([doc["id"]] + measures[:5] + ids["Industry"][:3] + ids["Instrument"][:3] + ids["Fund"][:2]
             + enterprises[:10] + [invested])
    today = dt.date.today().isoformat()
    return {
        "document": doc["id"], "documents": [d["id"] for d in docs], "id": measures[0] if measures else doc["id"],
        "ids": [x for x in mixed if x], "uscc": invested, "industry": industry,
        "industries": ids["Industry"], "tiers": ids["Tier"], "places": ids["Place"], "clauses": ids["Clause"],
        "programmes": ids["Programme"], "funds": ids["Fund"], "instruments": ids["Instrument"],
        "as_of": today, "on": today, "source": measures[0] if measures else doc["id"], "target": doc["id"],
        "doc_number": doc.get("doc_number") or "", "title": doc.get("title") or "",
        "limit": 50, "skip": 0, "offset": 0,
    }


_BY_TYPE = {"string": "", "int": 0, "float": 0.0, "bool": False, "date": None, "string[]": []}


def probe_cases(backend: Backend) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """(query, parameters) for every catalogue query: no parameters where none is required (and
    the defaults), plus a case with values drawn from the graph for the parameters it names
    (unknown names of a required parameter take a neutral value of their type). Returns the cases
    and the names of queries that could not be given a case."""
    sample = _sample(backend)
    today = dt.date.today().isoformat()
    cases: list[tuple[str, dict[str, Any]]] = []
    skipped: list[str] = []
    for q in catalogue().values():
        if all(not p.required for p in q.params):
            cases.append((q.name, {}))
        if not q.params:
            continue
        params: dict[str, Any] = {}
        for p in q.params:
            if p.name in sample:
                params[p.name] = sample[p.name]
            elif p.type == "date":
                params[p.name] = today
            elif p.type in _BY_TYPE:
                params[p.name] = _BY_TYPE[p.type] if p.required else p.default
            else:  # pragma: no cover - every schema type is listed
                skipped.append(q.name)
                break
        else:
            cases.append((q.name, params))
    return cases, skipped


def _canon_value(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.12g}")  # sums of floats may differ in the last bits between engines
    if isinstance(v, list):
        return [_canon_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _canon_value(x) for k, x in v.items()}
    return v


def canonical_rows(records: list[dict[str, Any]]) -> list[str]:
    """Rows as sorted canonical JSON (a multiset): engines may break ties in ORDER BY differently."""
    return sorted(json.dumps(_canon_value(r), ensure_ascii=False, sort_keys=True) for r in records)


def compare(source: Backend, target: Backend, *, queries: bool = True, content: bool = True) -> dict[str, Any]:
    """Counts, catalogue answers and content digests on both backends; ``equal`` when all agree."""
    out: dict[str, Any] = {}
    cs, ct = source.counts(), target.counts()
    diff = {f"{kind}:{k}": [cs[kind].get(k, 0), ct[kind].get(k, 0)]
            for kind in ("nodes", "relationships") for k in sorted(set(cs[kind]) | set(ct[kind]))
            if cs[kind].get(k, 0) != ct[kind].get(k, 0)}
    out["counts"] = {"equal": not diff, "differences": diff, "nodes": sum(cs["nodes"].values()),
                     "relationships": sum(cs["relationships"].values())}
    equal = not diff
    if queries:
        cases, skipped = probe_cases(source)
        different, errors = [], []
        for name, params in cases:
            try:
                a = canonical_rows(source.query(name, params).records())
            except QueryError as exc:
                errors.append({"query": name, "params": params, "backend": source.name, "error": exc.message})
                continue
            try:
                b = canonical_rows(target.query(name, params).records())
            except QueryError as exc:
                errors.append({"query": name, "params": params, "backend": target.name, "error": exc.message})
                continue
            if a != b:
                different.append({"query": name, "params": params, "source_rows": len(a), "target_rows": len(b)})
        out["queries"] = {"equal": not different and not errors, "cases": len(cases),
                          "queries": len({n for n, _ in cases}), "different": different, "errors": errors,
                          "not_probed": skipped}
        equal = equal and not different and not errors
    if content:
        ds, dt_ = digest(source), digest(target)
        mismatched = sorted(k for k in ds if ds[k] != dt_.get(k))
        out["content"] = {"equal": not mismatched, "different": mismatched}
        equal = equal and not mismatched
    out["equal"] = equal
    return out
