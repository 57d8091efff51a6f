"""Precomputed layouts, in pure Python (networkx for the graph structure), fast for thousands of nodes.

- :func:`columns` — layered left to right (a document's sections, clauses, then what they name),
  each column ordered by the mean position of its neighbours in the columns before it (the
  barycentre heuristic, which removes most edge crossings), a long column wrapped into several;
- :func:`rings` — a neighbourhood as rings around its centre by depth, each node near its parent's
  angle, a crowded ring split into concentric bands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


Pos = dict[str, tuple[float, float]]


def _graph(edges: Iterable[tuple[str, str]]) -> nx.Graph:
    import networkx as nx  # here: a serving process that draws no page does not hold it

    g = nx.Graph()
    g.add_edges_from((a, b) for a, b in edges if a != b)
    return g


def columns(cols: Sequence[Sequence[str]], edges: Iterable[tuple[str, str]], *, x_gap: float = 340,
            y_gap: float | Sequence[float] = 46, wrap: int = 60, sizes: dict[str, float] | None = None,
            sub_gap: float = 0.8) -> Pos:
    """Columns left to right. ``y_gap`` is the space per node (one value or one per column); a node's
    own size widens its slot. A column longer than ``wrap`` is split into side-by-side sub-columns."""
    g = _graph(edges)
    sizes = sizes or {}
    gaps = list(y_gap) if isinstance(y_gap, Sequence) else [y_gap] * len(cols)
    rank: dict[str, float] = {}
    pos: Pos = {}
    x = 0.0
    for ci, col in enumerate(cols):
        col = [n for n in dict.fromkeys(col) if n not in pos]
        if not col:
            continue
        original = {n: i for i, n in enumerate(col)}

        def bary(n: str, original: dict[str, int] = original) -> tuple[float, int]:
            seen = [rank[m] for m in (g.neighbors(n) if n in g else ()) if m in rank]
            return (sum(seen) / len(seen) if seen else math.inf, original[n])

        if ci > 0:
            col.sort(key=bary)
        parts = max(1, math.ceil(len(col) / wrap))
        gap = gaps[min(ci, len(gaps) - 1)]
        for p in range(parts):
            chunk = col[p::parts]  # deal the ordered column out, so that each part keeps the order
            slots = [max(gap, 2.2 * sizes.get(n, 0) + 18) for n in chunk]
            height = sum(slots)
            y = -height / 2 + (gap / 2 if p % 2 else 0)
            for n, slot in zip(chunk, slots, strict=True):
                pos[n] = (x + p * x_gap * sub_gap, y + slot / 2)
                y += slot
        for i, n in enumerate(col):
            rank[n] = i / max(1, len(col) - 1)
        x += x_gap + (parts - 1) * x_gap * sub_gap
    return pos


def rings(centre: str, depth: dict[str, int], edges: Iterable[tuple[str, str]], *, ring_gap: float = 260,
          spacing: float = 34, order: dict[str, tuple] | None = None) -> Pos:
    """Rings around ``centre`` by ``depth``; each node is placed near its parent (a neighbour one ring
    in), a crowded ring is spread over concentric bands so that it stays compact."""
    g = _graph(edges)
    order = order or {}
    pos: Pos = {centre: (0.0, 0.0)}
    angle: dict[str, float] = {centre: 0.0}
    by_depth: dict[int, list[str]] = {}
    for n, d in depth.items():
        if n != centre:
            by_depth.setdefault(d, []).append(n)
    radius = 0.0
    for d in sorted(by_depth):
        ring = by_depth[d]

        def key(n: str, d: int = d) -> tuple:
            parents = [angle[m] for m in (g.neighbors(n) if n in g else ()) if depth.get(m) == d - 1 and m in angle]
            return (min(parents) if parents else 10.0, order.get(n, ()), n)

        ring.sort(key=key)
        radius = radius + ring_gap
        bands = max(1, math.ceil(len(ring) * spacing / (2 * math.pi * radius)))
        bands = min(bands, max(1, int(math.sqrt(len(ring)))))
        for i, n in enumerate(ring):
            a = 2 * math.pi * i / len(ring)
            r = radius + (i % bands) * spacing
            pos[n] = (r * math.cos(a), r * math.sin(a))
            angle[n] = a
        radius += (bands - 1) * spacing
    return pos
