"""Coverage gaps: industries, tiers and places the documents care about that nothing (or little) covers.

Industries: every industry of the 1+5+N system (``group`` 1, 5 or N) and every key industry
(``key_industry``, 附则 2), each with

``clauses``            measures in force that SUPPORT it or a narrower industry (dedicated);
``inherited_clauses``  measures that support only a broader industry (e.g. 人工智能 for 通用人工智能);
``general_clauses``    how many measures in force state no industry at all (open to any industry);
``budget_floor_cny``   the sum of the dedicated measures' annual budget floors (a measure counts
                       toward each industry it supports, so industries' budgets overlap);
``funds`` / ``investments`` / ``invested_cny``  fund investments into its enterprises (with narrower
                       industries); ``enterprises``; ``by_place`` and ``by_tier`` (enterprise counts);
``budget_per_enterprise_cny``  budget_floor_cny / enterprises (null without enterprises);
``named_in``           the sections and non-measure clauses that name it (the goals, 附则 2).

Gap codes (``gaps``, each ``{code, message, ...details}``):

``no_dedicated_clause``   no measure supports it or a narrower industry: it is named in the goals or
                          the key list but only general clauses (and perhaps a broader industry's
                          measures, listed) cover it;
``no_fund_investment``    no fund investment went into its enterprises;
``no_enterprises``        no enterprise is filed under it (or under a narrower industry);
``budget_per_enterprise`` it has enterprises but its budget per enterprise is nil, or below half the
                          median over the industries that have both budget and enterprises
                          (``value`` and ``median`` given).

Tiers and places: every tier and place of the taxonomy, with the measures that TARGET it / APPLY IN it
or a narrower tier / a place inside it (``covered_by`` lists measures targeting a broader tier —
科技型企业 for 高新技术企业 — or applying in a larger place), where the documents name it (MENTIONS), and
its enterprises (holders of it or of a narrower tier; places: located in it or inside it).
Codes: ``named_not_targeted`` (the documents name it but no measure targets it), ``no_clause`` (no
measure targets it), ``no_enterprises`` (a measure targets it but no enterprise holds or is there).

``document`` restricts measures and mentions to one document; ``on`` picks the documents in force.
Enterprise, fund and investment figures are the whole graph's.
"""

from __future__ import annotations

import statistics
from typing import Any

from policykg.analysis.snapshot import PolicySnapshot, load_snapshot
from policykg.graph.base import Backend

GROUPS = ("1", "5", "N")


def _annual(m: Any) -> int:
    return (m.budget_floor_cny or 0) if m.budget_period == "annual" else 0


def targets(tree: Any) -> list[str]:
    """The industries the gaps report on: the 1+5+N groups, then the key industries."""
    return sorted((i for i, n in tree.nodes.items() if n.get("group") in GROUPS or n.get("key_industry")),
                  key=lambda i: (GROUPS.index(tree.nodes[i]["group"]) if tree.nodes[i].get("group") in GROUPS else 3, i))


def aggregates(backend: Backend, industries: list[str],
               counted: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The whole-graph figures of the gaps (enterprises, fund investments, breakdowns, taxonomy counts):
    they depend on the data only, never on the date or the document, so the API keeps them in its
    derived index (:mod:`policykg.analysis.derived`) until the data changes. ``counted``: the rows of
    any of these queries that the caller has already (the index counts the enterprise figures from its
    own columns); the others are queried."""
    counted = counted or {}

    def rows(name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return counted[name] if name in counted else backend.query(name, params).records()

    by_industry = {"industries": industries}
    return {"industry_enterprise_counts": rows("industry_enterprise_counts", by_industry),
            "industry_investments": rows("industry_investments", by_industry),
            "industry_breakdown": rows("industry_breakdown", by_industry),
            "taxonomy_enterprise_counts": rows("taxonomy_enterprise_counts", {})}


def gaps(backend: Backend, document: str | None = None, on: Any = None,
         snapshot: PolicySnapshot | None = None, precomputed: Any = None) -> dict[str, Any]:
    """``precomputed(targets)`` may return :func:`aggregates` kept from before (same data), or None."""
    snap = snapshot or load_snapshot(backend, on, document)
    tree = snap.industries
    targets_ = targets(tree)
    agg = (precomputed(targets_) if precomputed is not None else None) or aggregates(backend, targets_)
    documents = sorted(snap.documents) or ([document] if document else [])
    mentions: dict[str, list[dict[str, Any]]] = {}
    if documents:
        for r in backend.query("document_mentions", {"documents": documents}).records():
            mentions.setdefault(r["id"], []).append({"source": r["source"], "quote": r["quote"]})
    for lst in mentions.values():
        lst.sort(key=lambda x: x["source"])
    enterprises = {r["industry"]: r["enterprises"] for r in agg["industry_enterprise_counts"]}
    funds: dict[str, list[dict[str, Any]]] = {}
    for r in agg["industry_investments"]:
        funds.setdefault(r["industry"], []).append({"id": r["fund"], "name": r["fund_name"],
                                                    "investments": r["investments"],
                                                    "invested_cny": r["invested_cny"]})
    breakdown: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in agg["industry_breakdown"]:
        breakdown.setdefault((r["industry"], r["label"]), []).append(
            {"id": r["id"], "name": r["name"], "enterprises": r["enterprises"]})
    general = [m.id for m in snap.measures if not m.industries]
    rows = []
    for i in targets_:
        # each measure read with its own document's groups (未来网络…等未来产业 holds where it is written)
        scopes = {m.id: tree.descendants([i], m.document) & set(m.industries) for m in snap.measures}
        dedicated = [m for m in snap.measures if scopes[m.id]]
        inherited = [m.id for m in snap.measures
                     if m not in dedicated and (tree.ancestors(i, m.document) - {i}) & set(m.industries)]
        fl = sorted(funds.get(i, []), key=lambda f: (-f["investments"], f["id"]))
        n_ent = enterprises.get(i, 0)
        budget = sum(_annual(m) for m in dedicated)
        rows.append({
            "id": i, "name": tree.name(i), "name_en": tree.nodes[i].get("name_en"), "group": tree.nodes[i].get("group"),
            "key_industry": bool(tree.nodes[i].get("key_industry")),
            "clauses": [{"id": m.id, "label": m.label, "title": m.title, "doc_number": m.doc_number,
                         "supports": sorted(scopes[m.id]), "budget_floor_cny": m.budget_floor_cny}
                        for m in dedicated],
            "inherited_clauses": inherited, "general_clauses": len(general),
            "budget_floor_cny": budget, "funds": fl, "investments": sum(f["investments"] for f in fl),
            "invested_cny": sum(f["invested_cny"] or 0 for f in fl), "enterprises": n_ent,
            "budget_per_enterprise_cny": round(budget / n_ent) if n_ent else None,
            "by_place": sorted(breakdown.get((i, "Place"), []), key=lambda x: (-x["enterprises"], x["id"])),
            "by_tier": sorted(breakdown.get((i, "Tier"), []), key=lambda x: (-x["enterprises"], x["id"])),
            "named_in": mentions.get(i, []), "gaps": [],
        })
    ratios = [r["budget_per_enterprise_cny"] for r in rows if r["enterprises"] and r["budget_floor_cny"]]
    median = statistics.median(ratios) if ratios else None
    for r in rows:
        if not r["clauses"]:
            r["gaps"].append({"code": "no_dedicated_clause",
                              "message": "no measure in force supports this industry or a narrower one",
                              "inherited": r["inherited_clauses"], "general": r["general_clauses"]})
        if not r["investments"]:
            r["gaps"].append({"code": "no_fund_investment", "message": "no fund investment went into its enterprises"})
        if not r["enterprises"]:
            r["gaps"].append({"code": "no_enterprises", "message": "no enterprise is filed under this industry"})
        elif not r["budget_floor_cny"] or (median is not None and r["budget_per_enterprise_cny"] < median / 2):
            r["gaps"].append({"code": "budget_per_enterprise",
                              "message": "budget per enterprise is nil or below half the median of the industries",
                              "value": r["budget_per_enterprise_cny"], "median": median})
    counts = {(r["label"], r["id"]): r["enterprises"] for r in agg["taxonomy_enterprise_counts"]}
    tiers = []
    for t in sorted(i for i, r in snap.names.items() if r["label"] == "Tier"):
        below, above = snap.tiers.descendants([t]), snap.tiers.ancestors(t) - {t}
        clauses = [m.id for m in snap.measures if below & set(m.tiers)]
        covered = [m.id for m in snap.measures if m.id not in clauses and above & set(m.tiers)]
        named = mentions.get(t, [])
        n_ent = counts.get(("Tier", t), 0)
        row = {"id": t, "name": snap.names[t]["name"], "parents": snap.tiers.parents.get(t, []), "clauses": clauses,
               "covered_by": covered, "named_in": named, "enterprises": n_ent, "gaps": []}
        _entry_gaps(row, clauses, named, n_ent, "targets")
        tiers.append(row)
    places = []
    for p in sorted(snap.places.nodes):
        inside = snap.places.descendants([p])
        above = snap.places.ancestors(p) - {p}
        clauses = [m.id for m in snap.measures if inside & set(m.places)]
        covered = [m.id for m in snap.measures if m.id not in clauses and above & set(m.places)]
        named = mentions.get(p, [])
        n_ent = counts.get(("Place", p), 0)
        row = {"id": p, "name": snap.places.name(p), "kind": snap.places.nodes[p].get("kind"),
               "parents": snap.places.parents.get(p, []), "clauses": clauses, "covered_by": covered,
               "named_in": named, "enterprises": n_ent, "gaps": []}
        _entry_gaps(row, clauses, named, n_ent, "applies in")
        places.append(row)
    return {"as_of": snap.as_of.isoformat(), "document": snap.document,
            "documents": [snap.documents[d] for d in sorted(snap.documents)],
            "general_clauses": general, "budget_per_enterprise_median_cny": median,
            "industries": rows, "tiers": tiers, "places": places}


def _entry_gaps(row: dict[str, Any], clauses: list[str], named: list[Any], n_ent: int, verb: str) -> None:
    if not clauses:
        if named:
            row["gaps"].append({"code": "named_not_targeted",
                                "message": f"the documents name it but no measure in force {verb} it"})
        row["gaps"].append({"code": "no_clause", "message": f"no measure in force {verb} it"})
    elif not n_ent:
        row["gaps"].append({"code": "no_enterprises", "message": f"a measure {verb} it but no enterprise is there"})
