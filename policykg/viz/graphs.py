"""The pages' data: one function per page, each returning what the page draws.

Network pages (policy map, industry coverage, enterprise view, neighbourhood explorer) return a
:meth:`VisGraph.build` payload: ``{view, title, nodes, edges, options, legend, marks, physics, shown,
total, truncated, meta}``. The budget page returns the budget analysis itself. Everything is read
through catalogue queries and the analysis layer (the same functions the JSON API calls).
"""

from __future__ import annotations

import re
from typing import Any

from policykg import explore as _explore
from policykg.errors import NotFound
from policykg.graph.base import Backend
from policykg.viz import layout
from policykg.viz.network import MAX_NODES, PHYSICS_MAX, VisGraph, short, size_by, styles, yuan

STRUCTURE = ("HAS_SECTION", "HAS_CLAUSE")
#: what a document's sections and clauses name, drawn on the policy map (column order)
POLICY_LINKS = ("SUPPORTS", "TARGETS", "APPLIES_IN", "USES_INSTRUMENT", "REFERS_TO", "MENTIONS")
TARGET_ORDER = ("Industry", "Tier", "Place", "Instrument", "Programme", "Fund")
GROUPS = {"1": "“1” 主导产业", "5": "“5” 重点产业", "N": "“N” 未来产业"}
GAP_NAMES = {
    "no_dedicated_clause": "无专门条款", "no_fund_investment": "无基金投资", "no_enterprises": "无企业",
    "budget_per_enterprise": "企均预算偏低", "named_not_targeted": "提及但无措施针对", "no_clause": "无条款",
}
STATUS_NAMES = {"met": "符合", "unknown": "待定", "not_met": "不符合"}


def natural(text: Any) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text or ""))]


def default_document(backend: Backend) -> str:
    docs = backend.query("documents").records()
    if not docs:
        raise NotFound("the graph has no policy document yet: run `policykg demo` or `policykg ingest FILE`")
    return docs[0]["id"]


def _doc_label(row: dict[str, Any]) -> str:
    return row.get("doc_number") or short(row.get("title"), 18)


# --- policy map ------------------------------------------------------------------------------------

def policy_map(backend: Backend, document: str | None = None, limit: int = MAX_NODES) -> dict[str, Any]:
    """document → sections → clauses → the industries, tiers, places, instruments, programmes and funds
    they name; clauses sized by their budget floor."""
    doc_id = document or default_document(backend)
    docs = {d["id"]: d for d in backend.query("documents", {"include_superseded": True}).records()}
    if doc_id not in docs:
        raise NotFound(f"no policy document with id {doc_id!r}", id=doc_id)
    doc = docs[doc_id]
    sections = backend.query("document_sections", {"document": doc_id}).records()
    clauses = backend.query("document_clauses", {"document": doc_id}).records()
    g = VisGraph("policy-map", f"政策图谱 Policy map · {doc.get('doc_number') or doc['title']}", limit=limit)
    g.add_node(doc_id, "PolicyDocument", doc["title"], label=_doc_label(doc), size=30)
    depth = {doc_id: 0}
    for s in sections:
        depth[s["id"]] = depth.get(s["parent"], 0) + 1
        g.add_node(s["id"], "Section", f"{s['label']} {s['title'] or ''}".strip(),
                   label=short(f"{s['label']} {s['title'] or ''}".strip(), 16), size=18 if depth[s["id"]] == 1 else 14)
    floors = [c["budget_floor_cny"] or 0 for c in clauses]
    top = max(floors) if floors else 0
    for c in clauses:
        floor = c["budget_floor_cny"]
        name = f"{c['label']}. {c['title']}" if c["title"] else f"{'附则' if c['kind'] == 'annex' else ''}{c['label']}"
        label = short(name, 14) + (f"\n≥{yuan(floor)}" if floor else "")
        g.add_node(c["id"], "Clause", name, label=label, size=size_by(floor, top, 7, 30), budget_floor_cny=floor)
    containers = [doc_id] + [s["id"] for s in sections] + [c["id"] for c in clauses]
    rows = backend.query("neighbours", {"ids": containers}).records()
    rows = [r for r in rows if r["direction"] == "out"]
    rows.sort(key=lambda r: (natural(r["source"]), r["type"], natural(r["target"])))
    targets: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["type"] in POLICY_LINKS and r["label"] in TARGET_ORDER:
            targets.setdefault(r["target"], {"id": r["target"], "label": r["label"], "name": r["name"], "n": 0})
            targets[r["target"]]["n"] += 1
    ordered = sorted(targets.values(), key=lambda t: (TARGET_ORDER.index(t["label"]), -t["n"], natural(t["name"])))
    for t in ordered:
        g.add_node(t["id"], t["label"], t["name"], size=size_by(t["n"], 6, 10, 22))
    for r in rows:
        if r["type"] in STRUCTURE or (r["type"] in POLICY_LINKS and r["target"] in targets):
            g.add_edge(r["source"], r["target"], r["type"],
                       dashes=r["type"] == "MENTIONS")
    by_level: dict[int, list[str]] = {}
    for s in sections:
        by_level.setdefault(depth[s["id"]], []).append(s["id"])
    cols = [[doc_id]] + [by_level[k] for k in sorted(by_level)] + [[c["id"] for c in clauses]]
    groups: dict[str, list[str]] = {}
    for t in ordered:
        groups.setdefault(t["label"], []).append(t["id"])
    # targets: industries in one column, the other kinds in the next
    cols += [groups.get("Industry", []), [i for k in TARGET_ORDER[1:] for i in groups.get(k, [])]]
    sizes = {n["id"]: n["size"] for n in g.nodes.values()}
    pos = layout.columns(cols, [(e["from"], e["to"]) for e in g.edges.values()], x_gap=230,
                         y_gap=[50, 50, 44, 40, 36, 36], wrap=24, sizes=sizes)
    meta = {"document": {k: doc.get(k) for k in ("id", "doc_number", "title", "issued_date", "effective_date")},
            "clauses": len(clauses), "budget_floor_total_cny": sum(floors),
            "size_note": "条款大小 = 预算下限 Clause size = budget floor"}
    return g.build(pos, meta)


# --- industry coverage -----------------------------------------------------------------------------

def industry_coverage(backend: Backend, document: str | None = None, enterprises: int = 0,
                      limit: int = MAX_NODES) -> dict[str, Any]:
    """The 1+5+N groups and key industries with their clauses, funds, investments and enterprises;
    industries with coverage gaps (``/api/gaps``) drawn with a red dashed border."""
    from policykg.analysis import gaps as _gaps
    from policykg.analysis import matching as _matching

    data = _gaps.gaps(backend, document)
    rows = data["industries"]
    g = VisGraph("industries", "产业覆盖 Industry coverage · 1+5+N", limit=limit)
    g.add_node("viz:system", "_system", "1+5+N 产业体系", label="1+5+N\n产业体系",
               info={"产业 industries": len(rows), "缺口 industries with gaps": sum(1 for r in rows if r["gaps"])})
    hubs = []
    for key, name in GROUPS.items():
        members = [r for r in rows if r["group"] == key]
        if members:
            g.add_node(f"viz:group:{key}", "_group", name, label=name,
                       info={"产业 industries": len(members), "group": key})
            hubs.append(f"viz:group:{key}")
    others = [r for r in rows if r["group"] not in GROUPS]
    if others:
        g.add_node("viz:group:key", "_group", "重点产业（附则）Key industries", label="重点产业\n（附则）",
                   info={"产业 industries": len(others)})
        hubs.append("viz:group:key")
    top_ent = max([r["enterprises"] for r in rows] or [0])
    for r in rows:
        gap_names = [GAP_NAMES.get(x["code"], x["code"]) for x in r["gaps"]]
        label = short(r["name"], 10) + ("★" if r["key_industry"] else "") + (" ⚠" if r["gaps"] else "")
        label += f"\n{r['enterprises']}家 · {yuan(r['budget_floor_cny']) or '无预算'}"
        g.add_node(r["id"], "Industry", r["name"], label=label, size=size_by(r["enterprises"], top_ent, 10, 26),
                   mark="gap" if r["gaps"] else None, gaps=gap_names, enterprises=r["enterprises"],
                   by_place={p["name"]: p["enterprises"] for p in r["by_place"]},
                   by_tier={t["name"]: t["enterprises"] for t in r["by_tier"]})
    clause_ids: list[str] = []
    fund_ids: list[str] = []
    for r in rows:
        for c in r["clauses"]:
            if c["id"] not in clause_ids:
                clause_ids.append(c["id"])
        for f in r["funds"]:
            if f["id"] not in fund_ids:
                fund_ids.append(f["id"])
    clause_rows = {c["id"]: c for r in rows for c in r["clauses"]}
    top_floor = max([c["budget_floor_cny"] or 0 for c in clause_rows.values()] or [0])
    for cid in sorted(clause_ids, key=natural):
        c = clause_rows[cid]
        name = f"{c['label']}. {c['title']}" if c.get("title") else c["label"]
        g.add_node(cid, "Clause", name, label=short(name, 12) + (f"\n≥{yuan(c['budget_floor_cny'])}"
                                                                  if c["budget_floor_cny"] else ""),
                   size=size_by(c["budget_floor_cny"], top_floor, 8, 30))
    fund_rows = {f["id"]: f for r in rows for f in r["funds"]}
    for fid in fund_ids:
        g.add_node(fid, "Fund", fund_rows[fid]["name"], label=short(fund_rows[fid]["name"], 12))
    ent_ids: list[str] = []
    if enterprises > 0:
        for r in rows:
            res = _matching.industry_enterprises(backend, r["id"], limit=enterprises)
            for item in res["items"]:
                e = item["enterprise"]
                if g.add_node(e["id"], "Enterprise", e["name"], label=short(e["name"], 12)):
                    ent_ids.append(e["id"])
                g.add_edge(e["id"], r["id"], "IN_INDUSTRY")
    for h in hubs:
        g.add_edge("viz:system", h, "GROUP", title="1+5+N")
    for r in rows:
        hub = f"viz:group:{r['group']}" if r["group"] in GROUPS else "viz:group:key"
        g.add_edge(hub, r["id"], "GROUP", title="产业组 group")
        for c in r["clauses"]:
            narrower = [s for s in c["supports"] if s != r["id"]]
            g.add_edge(c["id"], r["id"], "SUPPORTS", title="SUPPORTS 支持产业" + (f"（经下属产业 {', '.join(narrower)}）"
                                                                                   if narrower else ""))
        for f in r["funds"]:
            g.add_edge(f["id"], r["id"], "INVESTED_IN", width=1 + min(4, f["investments"] / 5), color="rgba(192,57,43,0.45)",
                       title=f"{f['name']} → {r['name']}：投资 {f['investments']} 笔，共 {yuan(f['invested_cny'])}")
    industries_sorted = [r["id"] for r in rows]
    cols = [["viz:system"], hubs, industries_sorted, sorted(clause_ids, key=natural), fund_ids, ent_ids]
    sizes = {n["id"]: n["size"] for n in g.nodes.values()}
    pos = layout.columns(cols, [(e["from"], e["to"]) for e in g.edges.values()], x_gap=250,
                         y_gap=[60, 120, 78, 70, 44, 40], wrap=12, sizes=sizes)
    meta = {
        "as_of": data["as_of"], "documents": data["documents"],
        "budget_per_enterprise_median_cny": data["budget_per_enterprise_median_cny"],
        "general_clauses": data["general_clauses"],
        "gaps": {
            "industries": [{"id": r["id"], "name": r["name"], "group": r["group"], "key_industry": r["key_industry"],
                            "enterprises": r["enterprises"], "budget_floor_cny": r["budget_floor_cny"],
                            "investments": r["investments"], "clauses": len(r["clauses"]),
                            "gaps": [{"code": x["code"], "name": GAP_NAMES.get(x["code"], x["code"]),
                                      "message": x["message"]} for x in r["gaps"]]} for r in rows],
            "tiers": [_gap_row(t) for t in data["tiers"] if t["gaps"]],
            "places": [_gap_row(p) for p in data["places"] if p["gaps"]],
        },
        "gap_names": GAP_NAMES, "enterprises_per_industry": enterprises,
    }
    return g.build(pos, meta)


def _gap_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "clauses": len(row["clauses"]), "enterprises": row["enterprises"],
            "gaps": [{"code": x["code"], "name": GAP_NAMES.get(x["code"], x["code"]), "message": x["message"]}
                     for x in row["gaps"]]}


# --- enterprise view -------------------------------------------------------------------------------

def default_enterprise(backend: Backend, pool: int = 200) -> str:
    """The firm the enterprise view opens on: among the ``pool`` largest by registered capital, the one
    that meets the most measures (then: most programmes, most tiers, largest)."""
    from policykg.analysis import browse as _browse
    from policykg.analysis import eligibility as _eligibility
    from policykg.analysis import snapshot as _snapshot

    items = _browse.enterprises(backend, "", limit=pool)["items"]
    if not items:
        raise NotFound("the graph has no enterprise yet: run `policykg demo` or `policykg load FILE`")
    snap = _snapshot.load_snapshot(backend)
    profiles = _eligibility.load_profiles(backend, [i["id"] for i in items],
                                          financials=snap.conditions_need_financials)

    def score(rank_item: tuple[int, dict[str, Any]]) -> tuple:
        rank, item = rank_item
        prof = profiles.get(item["id"])
        if prof is None:
            return (-1, 0, 0, -rank)
        met = _eligibility.eligible_for(snap, prof)["counts"]["met"]
        return (met, len(prof.programmes), len(prof.tiers), -rank)

    return max(enumerate(items), key=score)[1]["id"]


def _est(est: dict[str, Any] | None) -> str:
    if not est:
        return ""
    lo, hi = est.get("low"), est.get("high")
    if lo == hi:
        return f"≈{yuan(lo)}"
    return f"≈{yuan(lo)}–{yuan(hi)}"


def enterprise_view(backend: Backend, uscc: str | None = None, similar: int = 10,
                    limit: int = MAX_NODES) -> dict[str, Any]:
    """One firm: its eligible clauses by status with estimates, the reasons' paths, its industries,
    tiers and places, its investors, programmes and grants, and similar firms."""
    from policykg.analysis import browse as _browse
    from policykg.analysis import eligibility as _eligibility
    from policykg.analysis import matching as _matching

    uscc = (uscc or "").strip() or default_enterprise(backend)
    ent = _browse.enterprise_detail(backend, uscc)
    elig = _eligibility.eligible_clauses(backend, uscc)
    sim = _matching.similar_enterprises(backend, uscc, limit=similar)
    uscc = ent["id"]
    g = VisGraph("enterprise", f"企业视图 Enterprise · {ent['name']}", limit=limit)
    g.add_node(uscc, "Enterprise", ent["name"], label=short(ent["name"], 16), size=30, mark="centre")
    col_links: list[str] = []
    for key, label in (("industries", "Industry"), ("tiers", "Tier"), ("places", "Place")):
        for x in ent.get(key) or []:
            g.add_node(x["id"], label, x["name"])
            col_links.append(x["id"])
    for it in elig["items"]:  # intermediate nodes of the reasons' paths (e.g. a broader industry)
        for reason in it.get("reasons") or []:
            for n in (reason.get("path") or {}).get("nodes", [])[1:-1]:
                if n["id"] != uscc and g.add_node(n["id"], n["label"], n["name"]) and n["id"] not in col_links:
                    col_links.append(n["id"])
    clause_col: list[str] = []
    status_order = {"met": 0, "unknown": 1, "not_met": 2}
    items = sorted(elig["items"], key=lambda it: status_order.get(it["status"], 3))
    for it in items:
        c = it["clause"]
        name = f"{c['label']}. {c['title']}" if c.get("title") else c["label"]
        label = short(name, 13) + f"\n{STATUS_NAMES.get(it['status'], it['status'])}"
        if it.get("estimate_cny"):
            label += f" {_est(it['estimate_cny'])}"
        g.add_node(c["id"], "Clause", name, label=label, mark=it["status"], status=it["status"],
                   estimate_cny=it.get("estimate_cny"), size=16 if it["status"] == "met" else 11)
        clause_col.append(c["id"])
    right: list[str] = []
    for inv in ent.get("investors") or []:
        f = inv["fund"]
        g.add_node(f["id"], "Fund", f["name"], label=short(f["name"], 12))
        right.append(f["id"])
    for p in ent.get("programmes") or []:
        g.add_node(p["id"], "Programme", p["name"])
        right.append(p["id"])
    for gr in ent.get("grants") or []:
        g.add_node(gr["id"], "Grant", f"资助 {yuan(gr.get('amount_cny'))} {gr.get('year') or ''}".strip(),
                   label=f"资助 {yuan(gr.get('amount_cny'))}")
        right.append(gr["id"])
    sim_col: list[str] = []
    for s in sim["items"]:
        e = s["enterprise"]
        g.add_node(e["id"], "Enterprise", e["name"], label=short(e["name"], 12) + f"\n相似度 {s['score']}",
                   score=s["score"])
        sim_col.append(e["id"])
    # edges
    colours = {m: styles()["marks"][m]["border"] for m in ("met", "unknown", "not_met")}
    for it in items:
        c = it["clause"]
        est = _est(it.get("estimate_cny"))
        g.add_edge(uscc, c["id"], "ELIGIBLE", dashes=it["status"] != "met", color=colours.get(it["status"]),
                   width=3 if it["status"] == "met" else 1,
                   title=f"{STATUS_NAMES.get(it['status'], it['status'])} {it['status']} {est}".strip())
    for key, rel in (("industries", "IN_INDUSTRY"), ("tiers", "HAS_TIER"), ("places", "LOCATED_IN")):
        for x in ent.get(key) or []:
            g.add_edge(uscc, x["id"], rel)
    for it in items:
        for reason in it.get("reasons") or []:
            for e in (reason.get("path") or {}).get("edges", []):
                if uscc not in (e["source"], e["target"]) or e["type"] not in ("IN_INDUSTRY", "HAS_TIER", "LOCATED_IN"):
                    g.add_edge(e["source"], e["target"], e["type"])
    for inv in ent.get("investors") or []:
        g.add_edge(inv["fund"]["id"], uscc, "INVESTED_IN", label=yuan(inv.get("amount_cny")) or None, color="#c0392b",
                   title=f"投资 INVESTED_IN {yuan(inv.get('amount_cny'))}")
    for p in ent.get("programmes") or []:
        g.add_edge(uscc, p["id"], "SELECTED_IN", title=f"入选 {p.get('category') or ''} {p.get('year') or ''}".strip())
    for gr in ent.get("grants") or []:
        g.add_edge(uscc, gr["id"], "RECEIVED", title="获得资助 RECEIVED")
        if gr.get("clause"):
            g.add_edge(gr["id"], gr["clause"], "GRANTED_UNDER", title="依据条款 GRANTED_UNDER")
    for s in sim["items"]:
        shared = ", ".join(x["name"] for x in s["shared"])
        g.add_edge(uscc, s["enterprise"]["id"], "SIMILAR", dashes=True, color="#7fb3d5",
                   title=f"相似 similar (score {s['score']}): {shared}")
    cols = [clause_col, col_links, [uscc], right, sim_col]
    sizes = {n["id"]: n["size"] for n in g.nodes.values()}
    pos = layout.columns(cols, [(e["from"], e["to"]) for e in g.edges.values()], x_gap=250,
                         y_gap=[60, 64, 60, 60, 56], wrap=13, sizes=sizes)
    meta = {
        "enterprise": {k: v for k, v in ent.items() if k != "financials"}, "financials": ent.get("financials"),
        "as_of": elig["as_of"], "counts": elig["counts"], "estimate_total_cny": elig["estimate_total_cny"],
        "estimate_method": (elig.get("estimate_total") or {}).get("method"),
        "eligible": [{"clause": it["clause"], "status": it["status"], "status_name": STATUS_NAMES.get(it["status"]),
                      "estimate_cny": it.get("estimate_cny"), "missing": it.get("missing"), "failed": it.get("failed"),
                      "near_miss": it.get("near_miss"),
                      "reasons": [r.get("message") for r in it.get("reasons") or []]} for it in items],
        "similar": [{"id": s["enterprise"]["id"], "name": s["enterprise"]["name"], "score": s["score"],
                     "shared": [x["name"] for x in s["shared"]]} for s in sim["items"]],
        "similar_total": sim.get("total"),
    }
    return g.build(pos, meta)


# --- neighbourhood explorer ------------------------------------------------------------------------

def neighbourhood(backend: Backend, node_id: str | None = None, depth: int = 1, limit: int = 500) -> dict[str, Any]:
    """Any node's neighbourhood (``policykg.explore``), drawn in rings by depth above PHYSICS_MAX
    nodes (physics off), with physics below."""
    node_id = (node_id or "").strip() or default_document(backend)
    limit = max(1, min(int(limit), MAX_NODES))
    nb = _explore.neighbourhood(backend, node_id, depth, limit)
    centre = next(n for n in nb["nodes"] if n["id"] == node_id)
    g = VisGraph("explore", f"邻域探索 Explorer · {centre['name']}", limit=limit)
    g.extra_total = nb["total"]
    for n in sorted(nb["nodes"], key=lambda n: (n["depth"], n["label"] or "", natural(n["name"]))):
        name = f"条款 {n['name']}" if n["label"] == "Clause" and str(n["name"]).isdigit() else n["name"]
        g.add_node(n["id"], n["label"] or "_unknown", name, depth=n["depth"],
                   mark="centre" if n["id"] == node_id else None, size=26 if n["id"] == node_id else None)
    for e in nb["edges"]:
        g.add_edge(e["source"], e["target"], e["type"])
    pos = None
    if len(g.nodes) > PHYSICS_MAX:
        depths = {n["id"]: n["depth"] for n in nb["nodes"]}
        pos = layout.rings(node_id, depths, [(e["source"], e["target"]) for e in nb["edges"]],
                           order={n["id"]: (n["label"] or "",) for n in nb["nodes"]})
    meta = {"centre": {"id": node_id, "type": centre["label"], "name": centre["name"]}, "depth": nb["depth"],
            "limit": limit, "total_exact": nb["total_exact"]}
    return g.build(pos, meta)


# --- budget ----------------------------------------------------------------------------------------

def budget(backend: Backend, document: str | None = None) -> dict[str, Any]:
    """The budget analysis (``/api/budget``) for the charts."""
    from policykg.analysis import budget as _budget

    return _budget.budget(backend, document)
