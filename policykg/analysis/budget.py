"""Budgets: the money the measures in force set aside, and the fund scales kept apart from it.

``annual_floor_total_cny`` is the sum of the measures' stated annual budget floors
(每年安排预算不少于X: ``budget_floor_cny`` with ``budget_period`` annual); floors stated for another
period are summed apart (``other_floor_total_cny``), and fund scales (常态化保持50亿元以上的产业基金规模:
``fund_scale_cny``) are never budgets (``fund_scale_total_cny``).

Breakdowns:
``by_section`` and ``by_clause`` partition the total: each measure once;
``by_industry`` and ``by_instrument`` count a measure toward every industry it SUPPORTS (directly; no
roll-up to broader industries) and every instrument it USES_INSTRUMENT, so they overlap and their
sums can exceed the total; measures naming none are under ``unassigned``.
"""

from __future__ import annotations

from typing import Any

from policykg.analysis.snapshot import PolicySnapshot, load_snapshot
from policykg.graph.base import Backend

NOTES = {
    "annual_floor_total_cny": "sum of the annual budget floors (每年安排预算不少于X) of the measures in force",
    "fund_scale_total_cny": "fund scales (e.g. 常态化保持50亿元以上) are kept apart from annual budgets",
    "by_section": "each measure counts once, under its own section: the sections add up to the total",
    "by_industry": "a measure counts toward each industry it supports (directly), so industries overlap and their "
                   "sum can exceed the total; measures naming no industry are under unassigned",
    "by_instrument": "a measure counts toward each instrument it uses, so instruments overlap; measures naming no "
                     "instrument are under unassigned",
}


def _floors(m: Any) -> tuple[int, int]:
    floor = m.budget_floor_cny or 0
    return (floor, 0) if m.budget_period == "annual" else (0, floor)


def _group(snap: PolicySnapshot, attr: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    unassigned = {"annual_floor_cny": 0, "fund_scale_cny": 0, "clauses": []}
    for m in snap.measures:
        annual, _ = _floors(m)
        targets = getattr(m, attr)
        for t in targets:
            g = groups.setdefault(t, {**snap.named(t), "annual_floor_cny": 0, "fund_scale_cny": 0, "clauses": []})
            g["annual_floor_cny"] += annual
            g["fund_scale_cny"] += m.fund_scale_cny or 0
            g["clauses"].append(m.id)
        if not targets:
            unassigned["annual_floor_cny"] += annual
            unassigned["fund_scale_cny"] += m.fund_scale_cny or 0
            unassigned["clauses"].append(m.id)
    rows = sorted(groups.values(), key=lambda g: (-g["annual_floor_cny"], g["id"]))
    return rows, unassigned


def budget(backend: Backend, document: str | None = None, on: Any = None,
           snapshot: PolicySnapshot | None = None) -> dict[str, Any]:
    snap = snapshot or load_snapshot(backend, on, document)
    by_clause, sections, docs = [], {}, {}
    for m in snap.measures:
        annual, other = _floors(m)
        fund = m.fund_scale_cny or 0
        by_clause.append({**m.summary(), "annual_floor_cny": annual})
        key = m.section or f"{m.document}:-"
        s = sections.setdefault(key, {"id": m.section, "label": m.section_label, "title": m.section_title,
                                      "document": m.document, "annual_floor_cny": 0, "other_floor_cny": 0,
                                      "fund_scale_cny": 0, "clauses": []})
        d = docs.setdefault(m.document, {**snap.documents[m.document], "annual_floor_cny": 0, "other_floor_cny": 0,
                                         "fund_scale_cny": 0, "clauses": 0})
        for acc in (s, d):
            acc["annual_floor_cny"] += annual
            acc["other_floor_cny"] += other
            acc["fund_scale_cny"] += fund
        s["clauses"].append(m.id)
        d["clauses"] += 1
    by_industry, no_industry = _group(snap, "industries")
    for row in by_industry:
        row["group"] = (snap.industries.nodes.get(row["id"]) or {}).get("group")
    by_instrument, no_instrument = _group(snap, "instruments")
    return {
        "as_of": snap.as_of.isoformat(), "document": snap.document,
        "documents": [docs[d] for d in sorted(docs)],
        "annual_floor_total_cny": sum(c["annual_floor_cny"] for c in by_clause),
        "other_floor_total_cny": sum(s["other_floor_cny"] for s in sections.values()),
        "fund_scale_total_cny": sum(c["fund_scale_cny"] or 0 for c in by_clause),
        "clauses": len(by_clause),
        "clauses_with_floor": sum(1 for c in by_clause if c["budget_floor_cny"]),
        "by_section": list(sections.values()),
        "by_clause": by_clause,
        "by_industry": by_industry, "by_industry_unassigned": no_industry,
        "by_instrument": by_instrument, "by_instrument_unassigned": no_instrument,
        "notes": NOTES,
    }
