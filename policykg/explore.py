"""Exploring the graph around nodes: neighbourhoods of any depth and shortest paths, as
``{nodes, edges}`` for the pages and the API.

Nodes are found and expanded with the backend's key lookups (:meth:`Backend.find_nodes`,
:meth:`Backend.expand`), which give the rows of the catalogue queries ``nodes_by_id`` and
``neighbours`` but seek each schema label's key instead of scanning every node."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Generator
from typing import Any

from policykg.errors import NotFound
from policykg.graph.base import Backend

MAX_DEPTH = 4
COUNT_CAP = 50_000
#: an expansion with more rows than this is sorted and walked in a thread by neighbourhood_async: beyond
#: it, walking the rows on the event loop would hold up the other requests
OFFLOAD_ROWS = 2_000


def _node_rows(backend: Backend, ids: list[str]) -> dict[str, dict[str, Any]]:
    return _by_id(backend.find_nodes(ids))


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: {"id": r["id"], "label": r["label"], "name": r["name"]} for r in rows}


# A walk asks the backend for what it needs by yielding a request — ("find", ids) for
# Backend.find_nodes, ("expand", {id: label}, cap) for Backend.expand_rows — and is sent the answer;
# it returns its result. The same walk then runs on a thread (neighbourhood) or on an event loop
# (neighbourhood_async), with no second copy of its logic.
Walk = Generator[tuple[Any, ...], Any, dict[str, Any]]


def _send(walk: Walk, answer: Any) -> tuple[Any, ...]:
    """Resume a walk with the answer to its last request (None to start it): its next request, or
    ``("done", result)``."""
    try:
        return walk.send(answer)
    except StopIteration as done:
        return ("done", done.value)


def neighbourhood(backend: Backend, node_id: str, depth: int = 1, limit: int = 500) -> dict[str, Any]:
    """The nodes within ``depth`` relationships of a node (breadth first), at most ``limit`` of them.

    ``total`` counts every node within ``depth`` (``total_exact`` is false when counting stopped at
    COUNT_CAP nodes); ``truncated`` says that ``limit`` cut the answer ("showing N of total").
    """
    walk = _neighbourhood(node_id, depth, limit)
    request = _send(walk, None)
    while request[0] != "done":
        if request[0] == "find":
            request = _send(walk, backend.find_nodes(request[1]))
        else:
            request = _send(walk, backend.expand_rows(request[1], cap=request[2]))
    return request[1]


async def neighbourhood_async(backend: Backend, node_id: str, depth: int = 1, limit: int = 500) -> dict[str, Any]:
    """:func:`neighbourhood` for a caller on an event loop, with the backend's asynchronous lookups
    (:meth:`Backend.afind_nodes`, :meth:`Backend.aexpand_rows`). The work on rows between lookups runs on
    the loop, except after a large expansion (more than ``OFFLOAD_ROWS`` rows), which goes to a thread."""
    walk = _neighbourhood(node_id, depth, limit)
    request = _send(walk, None)
    while request[0] != "done":
        if request[0] == "find":
            request = _send(walk, await backend.afind_nodes(request[1]))
        else:
            rows = await backend.aexpand_rows(request[1], cap=request[2])
            request = await asyncio.to_thread(_send, walk, rows) if len(rows) > OFFLOAD_ROWS else _send(walk, rows)
    return request[1]


def _neighbourhood(node_id: str, depth: int, limit: int) -> Walk:
    depth = max(1, min(int(depth), MAX_DEPTH))
    centre = _by_id((yield ("find", [node_id])))
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
        # Each expansion stops past the count cap: a hub (an industry and all its firms) is not read whole.
        # Rows are lists in Backend.EXPAND_COLUMNS order: source, type, target, direction, label, name.
        rows = yield ("expand", frontier, COUNT_CAP + 1)
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
    """One shortest path between two nodes (up to ``Backend.MAX_PATH`` relationships), with each edge's
    direction; a node to itself is a path of length 0."""
    found = _node_rows(backend, [source, target])
    for node_id in (source, target):
        if node_id not in found:
            raise NotFound(f"no node with id {node_id!r}", id=node_id)
    if source == target:
        return {"nodes": [found[source]], "edges": [], "length": 0}
    row = backend.shortest_path((source, found[source]["label"]), (target, found[target]["label"]))
    if row is None:
        return {"nodes": [], "edges": [], "length": None}
    ids = row["nodes"]
    nodes = _node_rows(backend, ids)
    edges = [{"source": a, "target": b, "type": t} if forward else {"source": b, "target": a, "type": t}
             for a, t, b, forward in zip(ids, row["types"], ids[1:], row["forward"], strict=False)]
    return {"nodes": [nodes[i] for i in ids], "edges": edges, "length": row["length"]}
