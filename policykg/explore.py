"""Exploring the graph around nodes: neighbourhoods of any depth and shortest paths, as
``{nodes, edges}`` for the pages and the API.

Nodes are found and expanded with the backend's key lookups (:meth:`Backend.find_nodes`,
:meth:`Backend.expand`), which give the rows of the catalogue queries ``nodes_by_id`` and
``neighbours`` but seek each schema label's key instead of scanning every node."""

from __future__ import annotations

from collections import Counter
from typing import Any

from policykg.errors import NotFound
from policykg.graph.base import Backend

MAX_DEPTH = 4
COUNT_CAP = 50_000


def _node_rows(backend: Backend, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = backend.find_nodes(ids)
    return {r["id"]: {"id": r["id"], "label": r["label"], "name": r["name"]} for r in rows}


def neighbourhood(backend: Backend, node_id: str, depth: int = 1, limit: int = 500) -> dict[str, Any]:
    """The nodes within ``depth`` relationships of a node (breadth first), at most ``limit`` of them.

    ``total`` counts every node within ``depth`` (``total_exact`` is false when counting stopped at
    COUNT_CAP nodes); ``truncated`` says that ``limit`` cut the answer ("showing N of total").
    """
    depth = max(1, min(int(depth), MAX_DEPTH))
    centre = _node_rows(backend, [node_id])
    if not centre:
        raise NotFound(f"no node with id {node_id!r}", id=node_id)
    nodes: dict[str, dict[str, Any]] = {node_id: {**centre[node_id], "depth": 0}}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    reached = {node_id}  # every node reached, shown or not, so that the total is true
    frontier = {node_id: centre[node_id]["label"]}
    exact = True
    for level in range(1, depth + 1):
        if not frontier:
            break
        # Each expansion stops past the count cap: a hub (an industry of 400k firms) is not read whole.
        # Rows are lists in Backend.EXPAND_COLUMNS order: source, type, target, direction, label, name.
        rows = backend.expand_rows(frontier, cap=COUNT_CAP + 1)
        cut = _cut(rows)
        rows.sort(key=_order)
        nxt: dict[str, str] = {}
        for source, rtype, target, direction, label, name in rows:
            other = target if direction == "out" else source
            if other not in reached:
                reached.add(other)
                nxt[other] = label
                if len(nodes) < limit:
                    nodes[other] = {"id": other, "label": label, "name": name, "depth": level}
            if source in nodes and target in nodes:
                key = (source, rtype, target)
                if key not in edges:
                    edges[key] = {"source": source, "target": target, "type": rtype}
        if cut or len(reached) > COUNT_CAP:
            exact = level == depth and not cut
            break
        frontier = nxt
    return {
        "centre": node_id,
        "depth": depth,
        "nodes": list(nodes.values()),
        "edges": list(edges.values()),
        "truncated": len(nodes) < len(reached),
        "total": len(reached),
        "total_exact": exact,
    }


def _order(r: list[Any]) -> tuple[str, str, str, str, str]:
    """Rows in a fixed order (type, label, source, target, direction), the same on every backend."""
    return r[1], r[4] or "", r[0], r[2], r[3]


def _cut(rows: list[list[Any]]) -> bool:
    """Whether a branch of the expansion — rows per (type, direction, label), each capped at
    COUNT_CAP + 1 rows — reached the cap, and so may have been cut short."""
    if len(rows) <= COUNT_CAP:
        return False
    sizes = Counter((r[1], r[3], r[4] or "") for r in rows)
    return max(sizes.values()) > COUNT_CAP


def path(backend: Backend, source: str, target: str) -> dict[str, Any]:
    """One shortest path between two nodes (up to 6 relationships), with each edge's direction."""
    found = _node_rows(backend, [source, target])
    for node_id in (source, target):
        if node_id not in found:
            raise NotFound(f"no node with id {node_id!r}", id=node_id)
    rows = backend.query("shortest_path", {"source": source, "target": target}).records()
    if not rows:
        return {"nodes": [], "edges": [], "length": None}
    ids, types = rows[0]["nodes"], rows[0]["types"]
    nodes = _node_rows(backend, ids)
    links = backend.expand({i: nodes[i]["label"] for i in ids})
    directed = {(r["source"], r["type"], r["target"]) for r in links}
    edges = []
    for a, t, b in zip(ids, types, ids[1:], strict=False):
        src, dst = (a, b) if (a, t, b) in directed else (b, a)
        edges.append({"source": src, "target": dst, "type": t})
    return {"nodes": [nodes[i] for i in ids], "edges": edges, "length": rows[0]["length"]}
