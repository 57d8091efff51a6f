"""Network analytics with networkx over projections of the graph, read through catalogue queries.

No Neo4j plug-in (GDS, APOC) is used: the same answer comes from either backend, and is the same
for the same graph and seed.

- :func:`centrality` — degree, PageRank and betweenness of clauses and industries (also tiers and
  places) on the policy projection (``analytics_policy_edges``): clauses linked to the industries,
  tiers and places they support, target, apply in or mention, plus the industry and place
  hierarchies; undirected, an edge's weight the number of relationships between the two nodes.
  Betweenness is exact up to :data:`BETWEENNESS_EXACT` nodes, else estimated from ``k`` sampled
  sources drawn with ``seed``.
- :func:`communities` — Louvain communities (``networkx.community.louvain_communities`` with
  ``seed``) of enterprises on the enterprise–enterprise projection: two enterprises are linked when
  they share an investor (a fund that invested in both; weight ``investor_weight`` per fund) or an
  industry (weight ``industry_weight`` per industry).
- :func:`similar` — Jaccard similarity of one enterprise with every enterprise that shares
  something with it (industries, places, tiers, programmes, investors), on the enterprise–feature
  bipartite graph (``networkx.jaccard_coefficient``).

Scores are rounded to 12 significant digits and ties are broken by id, so answers are stable.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from policykg.errors import NotFound, ValidationError
from policykg.graph.base import Backend

if TYPE_CHECKING:  # networkx is imported where it is used: a serving process that never runs analytics
    import networkx as nx  # does not hold it in memory

DEFAULT_SEED = 42
BETWEENNESS_EXACT = 2_000
BETWEENNESS_K = 500
KINDS = {"clause": "Clause", "industry": "Industry", "tier": "Tier", "place": "Place"}
MEASURES = ("pagerank", "degree", "betweenness")
FEATURE_LABELS = ("Industry", "Place", "Tier", "Programme", "Fund")
MAX_GROUP = 20_000  # an industry or fund with more enterprises adds no pairwise edges (reported)


def _r(x: float) -> float:
    return float(f"{x:.12g}")


def page(items: list[Any], limit: int, offset: int, **extra: Any) -> dict[str, Any]:
    return {"items": items[offset: offset + limit], "total": len(items), "limit": limit, "offset": offset, **extra}


# --- centrality -----------------------------------------------------------------------------------

def policy_graph(backend: Backend) -> nx.Graph:
    """The clause–industry–tier–place projection (undirected, weighted)."""
    import networkx as nx

    g = nx.Graph()
    rows = backend.query("analytics_policy_edges").records()
    rows.sort(key=lambda r: (r["source"], r["type"], r["target"]))
    source_label = {"SUBINDUSTRY_OF": "Industry", "PART_OF": "Place"}
    for r in rows:
        g.add_node(r["source"], label=source_label.get(r["type"], "Clause"), name=r["source_name"])
        g.add_node(r["target"], label=r["target_label"], name=r["target_name"])
        if g.has_edge(r["source"], r["target"]):
            g[r["source"]][r["target"]]["weight"] += 1
            g[r["source"]][r["target"]]["types"].append(r["type"])
        else:
            g.add_edge(r["source"], r["target"], weight=1, types=[r["type"]])
    return g


def centrality(backend: Backend, kind: str = "clause", *, measure: str = "pagerank", seed: int = DEFAULT_SEED,
               k: int | None = None) -> dict[str, Any]:
    """Centrality of the nodes of one kind (clause | industry | tier | place | all), sorted by ``measure``."""
    import networkx as nx

    if kind != "all" and kind not in KINDS:
        raise ValidationError(f"unknown kind {kind!r}; choose one of {', '.join([*KINDS, 'all'])}", field="kind")
    if measure not in MEASURES:
        raise ValidationError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}", field="measure")
    g = policy_graph(backend)
    n = g.number_of_nodes()
    info: dict[str, Any] = {"kind": kind, "measure": measure, "seed": seed,
                            "graph": {"nodes": n, "edges": g.number_of_edges(), "projection": "analytics_policy_edges"}}
    if n == 0:
        return {"items": [], **info, "betweenness_sources": 0}
    degree = nx.degree_centrality(g) if n > 1 else {x: 0.0 for x in g}
    pagerank = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-12, max_iter=1000)
    sample = None if n <= BETWEENNESS_EXACT and k is None else min(k or BETWEENNESS_K, n)
    betweenness = nx.betweenness_centrality(g, k=sample, seed=seed, normalized=True)
    label = KINDS.get(kind)
    items = []
    for node, data in g.nodes(data=True):
        if label and data["label"] != label:
            continue
        items.append({"id": node, "label": data["label"], "name": data["name"], "degree": g.degree(node),
                      "weighted_degree": g.degree(node, weight="weight"),
                      "degree_centrality": _r(degree[node]), "pagerank": _r(pagerank[node]),
                      "betweenness": _r(betweenness[node])})
    key = "degree_centrality" if measure == "degree" else measure
    items.sort(key=lambda x: (-x[key], x["id"]))
    for i, it in enumerate(items, 1):
        it["rank"] = i
    return {"items": items, **info, "betweenness_sources": sample or n}


# --- enterprises ------------------------------------------------------------------------------------

def enterprise_features(backend: Backend) -> dict[str, set[tuple[str, str]]]:
    """enterprise id -> {(label, id)} of the industries, places, tiers, programmes and funds it is linked to."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in backend.query("analytics_enterprise_features").records():
        out[r["enterprise"]].add((r["label"], r["id"]))
    return out


def enterprise_projection(backend: Backend, *, industry_weight: float = 1.0, investor_weight: float = 2.0,
                          max_group: int = MAX_GROUP) -> tuple[nx.Graph, dict[str, Any]]:
    """Enterprise–enterprise graph: weight = investor_weight × shared funds + industry_weight × shared industries."""
    import networkx as nx

    feats = enterprise_features(backend)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in sorted(feats):
        for f in feats[e]:
            if f[0] in ("Industry", "Fund"):
                groups[f].append(e)
    g = nx.Graph()
    g.add_nodes_from(sorted(e for e, fs in feats.items() if any(f[0] in ("Industry", "Fund") for f in fs)))
    skipped = []
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for f in sorted(groups):
        members = groups[f]
        if len(members) > max_group:
            skipped.append({"label": f[0], "id": f[1], "enterprises": len(members)})
            continue
        w = investor_weight if f[0] == "Fund" else industry_weight
        for a, b in itertools.combinations(members, 2):
            weights[(a, b)] += w
    g.add_weighted_edges_from((a, b, w) for (a, b), w in sorted(weights.items()) if w > 0)
    return g, {"enterprises": g.number_of_nodes(), "edges": g.number_of_edges(), "skipped_groups": skipped,
               "industry_weight": industry_weight, "investor_weight": investor_weight, "features": feats}


def _names(backend: Backend, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {r["id"]: r["name"] for r in backend.query("nodes_by_id", {"ids": sorted(set(ids))}).records()}


def communities(backend: Backend, *, seed: int = DEFAULT_SEED, resolution: float = 1.0, min_size: int = 2,
                industry_weight: float = 1.0, investor_weight: float = 2.0, members: int = 50) -> dict[str, Any]:
    """Louvain communities of enterprises (largest first), each with its most shared industries and
    investors; ``members`` caps the member list shown per community (``size`` is always the full size)."""
    import networkx as nx

    if resolution <= 0:
        raise ValidationError("resolution must be positive", field="resolution")
    g, info = enterprise_projection(backend, industry_weight=industry_weight, investor_weight=investor_weight)
    feats = info.pop("features")
    if g.number_of_edges() == 0:
        parts: list[set[str]] = [{n} for n in g]
        modularity = 0.0
    else:
        parts = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=seed)
        modularity = nx.community.modularity(g, parts, weight="weight", resolution=resolution)
    ordered = sorted((sorted(p) for p in parts), key=lambda m: (-len(m), m[0]))
    kept = [m for m in ordered if len(m) >= min_size]
    shown_ids = [x for m in kept for x in m[:members]]
    tops: list[tuple[list[tuple[str, int]], list[tuple[str, int]]]] = []
    feature_ids = []
    for m in kept:
        c: Counter[tuple[str, str]] = Counter(f for e in m for f in feats.get(e, ()) if f[0] in ("Industry", "Fund"))
        ind = sorted(((f[1], n) for f, n in c.items() if f[0] == "Industry"), key=lambda x: (-x[1], x[0]))[:5]
        inv = sorted(((f[1], n) for f, n in c.items() if f[0] == "Fund"), key=lambda x: (-x[1], x[0]))[:5]
        tops.append((ind, inv))
        feature_ids += [x for x, _ in ind + inv]
    names = _names(backend, shown_ids + feature_ids)
    items = []
    for i, (m, (ind, inv)) in enumerate(zip(kept, tops, strict=True), 1):
        items.append({
            "id": i, "size": len(m),
            "members": [{"id": x, "name": names.get(x)} for x in m[:members]],
            "industries": [{"id": x, "name": names.get(x), "enterprises": n} for x, n in ind],
            "investors": [{"id": x, "name": names.get(x), "enterprises": n} for x, n in inv],
        })
    return {"items": items, "seed": seed, "resolution": resolution, "min_size": min_size,
            "modularity": _r(modularity), "communities": len(parts), "singletons": sum(1 for p in parts if len(p) == 1),
            "graph": {k: v for k, v in info.items()}}


def similar(backend: Backend, uscc: str, *, labels: tuple[str, ...] = FEATURE_LABELS) -> dict[str, Any]:
    """Enterprises ranked by Jaccard similarity of their neighbourhoods (shared industries, places,
    tiers, programmes, investors) with one enterprise."""
    import networkx as nx

    if backend.missing_ids("Enterprise", {uscc}):
        raise NotFound(f"no enterprise with id {uscc!r}", id=uscc)
    unknown = set(labels) - set(FEATURE_LABELS)
    if unknown:
        raise ValidationError(f"unknown neighbour labels {sorted(unknown)}; choose from {', '.join(FEATURE_LABELS)}",
                              field="labels")
    feats = {e: {f for f in fs if f[0] in labels} for e, fs in enterprise_features(backend).items()}
    b = nx.Graph()
    for e in sorted(feats):
        b.add_node(("Enterprise", e))
        for f in sorted(feats[e]):
            b.add_edge(("Enterprise", e), f)
    mine = feats.get(uscc, set())
    me = ("Enterprise", uscc)
    candidates = sorted({o for f in mine for o in b.neighbors(f) if o != me})
    scores = nx.jaccard_coefficient(b, [(me, c) for c in candidates]) if candidates else []
    items = []
    for _, other, score in scores:
        shared = sorted(mine & feats[other[1]])
        items.append({"id": other[1], "jaccard": _r(score), "shared": [{"label": lab, "id": i} for lab, i in shared],
                      "shared_count": len(shared), "union_count": len(mine | feats[other[1]])})
    items.sort(key=lambda x: (-x["jaccard"], x["id"]))
    return {"items": items, "enterprise": uscc, "features": [{"label": lab, "id": i} for lab, i in sorted(mine)],
            "labels": list(labels)}


def with_names(backend: Backend, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``name`` to items (and to their ``shared`` entries) for the page shown."""
    ids = [it["id"] for it in items] + [s["id"] for it in items for s in it.get("shared", [])]
    names = _names(backend, ids)
    out = []
    for it in items:
        it = {**it, "name": names.get(it["id"])}
        if "shared" in it:
            it["shared"] = [{**s, "name": names.get(s["id"])} for s in it["shared"]]
        out.append(it)
    return out
