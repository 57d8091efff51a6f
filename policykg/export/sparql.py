"""The round trip: the RDF export answers, through SPARQL, the questions the catalogue answers.

Each :data:`CHECKS` entry pairs a catalogue query with a SPARQL query over the export's terms
(``pkg:`` bound to the export's base); :func:`run_check` runs both and compares the answers as
multisets of rows with the same columns. The catalogue's values and SPARQL's typed literals meet
as the same Python values (xsd:integer as int, xsd:decimal as float, xsd:date as ISO text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal

from policykg.export.dump import iter_nodes
from policykg.export.ontology import Terms
from policykg.export.rdf import python_value
from policykg.graph.base import Backend


@dataclass(frozen=True)
class Check:
    name: str
    title: str
    query: str  # the catalogue query
    sparql: str  # variables named like the catalogue's columns; parameters as ?name bindings
    columns: tuple[str, ...]


CHECKS: dict[str, Check] = {c.name: c for c in (
    Check(
        "industry_clauses", "Clauses supporting an industry (or a narrower one), with the evidence",
        "sparql_check_industry_clauses",
        """
        SELECT DISTINCT ?clause ?industry ?document ?number ?kind ?quote ?span_start ?span_end WHERE {
          ?i a pkg:Industry ; pkg:id ?industry_param .
          ?x pkg:SUBINDUSTRY_OF* ?i ; pkg:id ?industry .
          ?c pkg:SUPPORTS ?x ; pkg:id ?clause ; pkg:document ?document ; pkg:number ?number ; pkg:kind ?kind .
          OPTIONAL {
            ?st rdf:subject ?c ; rdf:predicate pkg:SUPPORTS ; rdf:object ?x .
            OPTIONAL { ?st pkg:quote ?quote }
            OPTIONAL { ?st pkg:span_start ?span_start }
            OPTIONAL { ?st pkg:span_end ?span_end }
          }
        }""",
        ("clause", "industry", "document", "number", "kind", "quote", "span_start", "span_end"),
    ),
    Check(
        "budget_total", "Annual budget total per document",
        "sparql_check_budget_total",
        """
        SELECT ?document (SUM(?floor) AS ?annual_budget_cny) (COUNT(?c) AS ?measures) WHERE {
          ?c a pkg:Clause ; pkg:kind "measure" ; pkg:budget_period "annual" ; pkg:budget_floor_cny ?floor ;
             pkg:document ?document .
        } GROUP BY ?document""",
        ("document", "annual_budget_cny", "measures"),
    ),
    Check(
        "enterprise", "An enterprise's industries and investors",
        "sparql_check_enterprise",
        """
        SELECT ?kind ?id ?name ?investment ?amount_cny WHERE {
          ?e a pkg:Enterprise ; pkg:id ?uscc_param .
          {
            ?e pkg:IN_INDUSTRY ?x . ?x pkg:id ?id ; pkg:name ?name .
            BIND("industry" AS ?kind)
          } UNION {
            ?v pkg:INVESTED_IN ?e ; pkg:id ?investment .
            ?f pkg:MADE ?v ; pkg:id ?id ; pkg:name ?name .
            OPTIONAL { ?v pkg:amount_cny ?amount_cny }
            BIND("investor" AS ?kind)
          }
        }""",
        ("kind", "id", "name", "investment", "amount_cny"),
    ),
)}

def sparql_rows(g: Graph, check: Check, params: dict[str, Any], *, base: str | None = None) -> list[dict[str, Any]]:
    t = Terms(base)
    bindings = {f"{k}_param": Literal(str(v)) for k, v in params.items()}
    res = g.query(check.sparql, initNs={"pkg": t.pkg, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
                  initBindings=bindings)
    return [{c: python_value(row[c]) for c in check.columns} for row in res]


def _canon(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) for r in rows)


def run_check(backend: Backend, g: Graph, name: str, params: dict[str, Any] | None = None, *,
              base: str | None = None) -> dict[str, Any]:
    """Both answers and whether they are equal (same columns, same multiset of rows)."""
    check = CHECKS[name]
    params = params or {}
    res = backend.query(check.query, params)
    catalogue_rows = [{c: r[c] for c in check.columns} for r in res.records()]
    sparql = sparql_rows(g, check, params, base=base)
    return {"check": name, "query": check.query, "params": params, "columns": list(check.columns),
            "equal": list(res.columns) == list(check.columns) and _canon(catalogue_rows) == _canon(sparql),
            "catalogue": catalogue_rows, "sparql": sparql}


def default_cases(backend: Backend) -> list[tuple[str, dict[str, Any]]]:
    """Cases for a graph: every industry that clauses support directly or through a narrower one, the
    budget totals, and the enterprises that have investors (up to 20) plus the first five enterprises."""
    edges = backend.query("analytics_policy_edges").records()
    broader: dict[str, set[str]] = {}
    for r in edges:
        if r["type"] == "SUBINDUSTRY_OF":
            broader.setdefault(r["source"], set()).add(r["target"])
    industries: set[str] = set()
    todo = [r["target"] for r in edges if r["type"] == "SUPPORTS"]
    while todo:
        i = todo.pop()
        if i not in industries:
            industries.add(i)
            todo.extend(broader.get(i, ()))
    cases: list[tuple[str, dict[str, Any]]] = [("budget_total", {})]
    cases += [("industry_clauses", {"industry": i}) for i in sorted(industries)]
    features = backend.query("analytics_enterprise_features").records()
    invested = sorted({r["enterprise"] for r in features if r["label"] == "Fund"})[:20]
    first = [r["id"] for r in next(iter_nodes(backend, "Enterprise", page=5), [])]
    cases += [("enterprise", {"uscc": e}) for e in invested + [e for e in first if e not in invested]]
    return cases


def round_trip(backend: Backend, g: Graph, cases: list[tuple[str, dict[str, Any]]] | None = None, *,
               base: str | None = None) -> dict[str, Any]:
    """Run every case; ``equal`` when all agree. Differences keep both answers."""
    results = [run_check(backend, g, name, params, base=base) for name, params in (cases or default_cases(backend))]
    different = [r for r in results if not r["equal"]]
    return {"equal": not different, "cases": len(results), "rows": sum(len(r["catalogue"]) for r in results),
            "different": different}
