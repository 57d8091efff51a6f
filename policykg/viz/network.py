"""Network payloads for the pages: nodes and edges styled by type, laid out, capped, built with pyvis.

A page's network is collected in a :class:`VisGraph` (nodes in priority order, so that a cap keeps
the most important ones), laid out here in Python (layered columns or rings; see
:mod:`policykg.viz.layout`), and handed to pyvis, whose ``Network`` makes the vis-network node,
edge and option dictionaries. The pages draw them with vis-network served from this package (never
pyvis's own HTML, which pulls Bootstrap and vis-network from CDNs).

Above ``PHYSICS_MAX`` nodes physics is off and every node has a precomputed position, so that a
page with 2,000 nodes draws at once; smaller networks without positions settle with physics, which
the page then turns off.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

#: above this many nodes a network is drawn with physics off (positions precomputed)
PHYSICS_MAX = 150
#: above this many edges, edges are drawn straight and hidden while dragging or zooming
FAST_EDGES = 400
#: the most nodes a page draws; larger answers are capped ("showing N of M")
MAX_NODES = 2000

FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", ' \
       '"WenQuanYi Micro Hei", sans-serif'


@lru_cache(maxsize=1)
def styles() -> dict[str, Any]:
    """policykg/viz/styles.yaml: colours, shapes and names per node type, marks, relationship names."""
    text = resources.files("policykg.viz").joinpath("styles.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def node_style(node_type: str) -> dict[str, Any]:
    return styles()["nodes"].get(node_type) or styles()["nodes"]["_unknown"]


def rel_name(rel_type: str) -> str:
    return styles()["relationships"].get(rel_type, rel_type)


def short(text: Any, n: int = 14) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def yuan(value: Any) -> str:
    """2亿元, 6000万元, 500元; '' for nothing."""
    if value is None or value == "":
        return ""
    v = float(value)
    for unit, div in (("亿元", 1e8), ("万元", 1e4)):
        if abs(v) >= div:
            q = v / div
            return f"{q:.2f}".rstrip("0").rstrip(".") + unit
    return f"{v:.0f}元"


@dataclass
class VisGraph:
    """Nodes and edges of one page, in priority order, with a cap."""

    view: str
    title: str
    limit: int = MAX_NODES
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)
    extra_total: int = 0  # nodes known to exist beyond the ones offered (e.g. a neighbourhood's total)

    def add_node(self, node_id: str, node_type: str, name: Any, *, label: str | None = None,
                 size: float | None = None, mark: str | None = None, info: dict[str, Any] | None = None,
                 **extra: Any) -> bool:
        """Add a node (the first call for an id wins). Returns False when the cap dropped it."""
        if node_id in self.nodes:
            return True
        if len(self.nodes) >= self.limit:
            self.dropped.add(node_id)
            return False
        style = node_style(node_type)
        self.nodes[node_id] = {
            "id": node_id, "type": node_type, "name": "" if name is None else str(name),
            "label": label if label is not None else short(name),
            "size": size or style["size"], "mark": mark, "info": info, **extra,
        }
        return True

    def has(self, node_id: str) -> bool:
        return node_id in self.nodes

    def add_edge(self, source: str, target: str, rel_type: str, *, label: str | None = None,
                 width: float | None = None, dashes: bool = False, color: str | None = None,
                 title: str | None = None) -> None:
        if source not in self.nodes or target not in self.nodes:
            return
        key = (source, target, rel_type)
        if key in self.edges:
            return
        self.edges[key] = {"from": source, "to": target, "type": rel_type, "label": label, "width": width,
                           "dashes": dashes, "color": color, "title": title}

    @property
    def total(self) -> int:
        return max(len(self.nodes) + len(self.dropped), self.extra_total)

    def build(self, positions: dict[str, tuple[float, float]] | None = None,
              meta: dict[str, Any] | None = None, physics: bool | None = None) -> dict[str, Any]:
        """The payload a page draws: vis-network nodes, edges and options made by pyvis, the legend,
        ``shown``/``total``/``truncated``, and the page's own ``meta``."""
        positions = positions or {}
        n = len(self.nodes)
        if physics is None:
            physics = n <= PHYSICS_MAX and not positions
        net = _network_class()(directed=True)
        marks = styles()["marks"]
        for node in self.nodes.values():
            style = node_style(node["type"])
            opts: dict[str, Any] = {"group": node["type"], "name": node["name"]}
            if node["size"] != style["size"]:
                opts["size"] = node["size"]
            mark = marks.get(node["mark"]) if node["mark"] else None
            if mark:
                opts["mark"] = node["mark"]
                opts["borderWidth"] = mark.get("width", 2)
                opts["color"] = {"background": style["color"], "border": mark["border"],
                                 "highlight": {"background": style["color"], "border": "#000000"},
                                 "hover": {"background": style["color"], "border": "#000000"}}
                if mark.get("dashes"):
                    opts["shapeProperties"] = {"borderDashes": [6, 4]}
            if node["id"] in positions:
                x, y = positions[node["id"]]
                opts["x"], opts["y"] = round(x, 1), round(y, 1)
            if node["info"]:
                opts["info"] = node["info"]
            opts.update({k: v for k, v in node.items()
                         if k not in ("id", "type", "name", "label", "size", "mark", "info") and v is not None})
            net.add_node(node["id"], label=node["label"] or " ", shape=style["shape"], **opts)
        edge_labels = len(self.edges) <= 300
        for e in self.edges.values():
            opts = {"type": e["type"]}
            if e["title"]:
                opts["title"] = e["title"]
            if e["label"] and edge_labels:
                opts["label"] = e["label"]
            if e["width"]:
                opts["width"] = e["width"]
            if e["dashes"]:
                opts["dashes"] = True
            if e["color"]:
                opts["color"] = {"color": e["color"], "highlight": e["color"], "hover": e["color"]}
            net.add_edge(e["from"], e["to"], **opts)
        net.toggle_physics(physics)
        options = json.loads(net.options.to_json())
        options.update(_options(physics, n, len(self.edges)))
        options["groups"] = {t: group_style(t) for t in {node["type"] for node in self.nodes.values()}}
        legend = []
        counts: dict[str, int] = {}
        for node in self.nodes.values():
            counts[node["type"]] = counts.get(node["type"], 0) + 1
        for t, c in counts.items():
            s = node_style(t)
            legend.append({"type": t, "name": s["name"], "color": s["color"], "shape": s["shape"], "count": c})
        used_marks = {node["mark"] for node in self.nodes.values() if node["mark"]}
        mark_legend = [{"mark": k, **v} for k, v in marks.items() if k in used_marks]
        return {
            "view": self.view, "title": self.title,
            "nodes": net.nodes, "edges": net.edges, "options": options,
            "legend": legend, "marks": mark_legend, "physics": physics,
            "rel_names": {t: rel_name(t) for t in {e["type"] for e in self.edges.values()}},
            "shown": n, "total": self.total, "truncated": self.total > n,
            "meta": meta or {},
        }


@lru_cache(maxsize=1)
def _network_class() -> type:
    """pyvis's Network with an O(1) node check (pyvis scans a list of ids for every edge it adds)."""
    from pyvis.network import Network

    class FastNetwork(Network):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self._idset: set[str] = set()

        def add_node(self, n_id, label=None, shape="dot", color=None, **options):  # noqa: ANN001
            if n_id in self._idset:
                return
            super().add_node(n_id, label=label, shape=shape, **options)
            if color is not None:  # pyvis drops a node's colour when it has a group; keep it
                self.node_map[n_id]["color"] = color
            self._idset.add(n_id)

        def get_nodes(self):  # noqa: ANN201 - pyvis's add_edge checks membership with this
            return self._idset

    return FastNetwork


def _options(physics: bool, n_nodes: int, n_edges: int) -> dict[str, Any]:
    fast = n_edges > FAST_EDGES or n_nodes > PHYSICS_MAX
    return {
        "nodes": {"font": {"face": FONT, "size": 15, "color": "#1b1b1b", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "scaling": {"label": {"drawThreshold": 5}}},
        "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
                  "color": {"color": "#a0a7b4", "highlight": "#333333", "hover": "#333333", "inherit": False},
                  "font": {"face": FONT, "size": 10, "color": "#555555", "strokeWidth": 2, "align": "middle"},
                  "smooth": False if fast else {"enabled": True, "type": "continuous", "roundness": 0.3},
                  "width": 1},
        "interaction": {"hover": not fast, "tooltipDelay": 200, "hideEdgesOnDrag": fast, "hideEdgesOnZoom": fast,
                        "navigationButtons": False, "keyboard": False, "multiselect": False},
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "physics": {"enabled": physics, "solver": "forceAtlas2Based",
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 90, "springConstant": 0.06,
                                         "avoidOverlap": 0.4},
                    "stabilization": {"enabled": physics, "iterations": 300, "updateInterval": 50, "fit": True}},
    }


def group_style(node_type: str) -> dict[str, Any]:
    """vis-network group options for a node type: its colour, shape and size."""
    s = node_style(node_type)
    return {"shape": s["shape"], "size": s["size"], "borderWidth": 1,
            "color": {"background": s["color"], "border": s["color"],
                      "highlight": {"background": s["color"], "border": "#000000"},
                      "hover": {"background": s["color"], "border": "#000000"}}}


def size_by(value: float | None, top: float | None, low: float = 10, high: float = 40) -> float:
    """A node size between low and high by the square root of value/top (area ∝ value)."""
    if not value or not top or top <= 0:
        return low
    return round(low + (high - low) * math.sqrt(max(0.0, min(1.0, float(value) / float(top)))), 1)
