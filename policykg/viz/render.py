"""The pages as HTML: served by the app under ``/viz/`` (data fetched from the API, assets from
``/viz/static/``), or standalone files (``policykg viz VIEW --out FILE``) with every script, the
stylesheet and the data inlined, so that a file opened from disk needs no network at all.

No page refers to another host: the scripts are this package's own (``static/viz.js``,
``static/charts.js``) and the vendored vis-network and ECharts builds (``static/vendor/``, with their
licences); fonts are the system's (Chinese: Noto Sans CJK, Microsoft YaHei, PingFang …).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from policykg.graph.base import Backend
from policykg.viz import details as _details
from policykg.viz import graphs

VIS = "vendor/vis-network/vis-network.min.js"
ECHARTS = "vendor/echarts/echarts.min.js"
RESERVE_PER_NODE = 30  # neighbours per node kept in a standalone explorer, to expand into


@dataclass(frozen=True)
class Page:
    view: str
    title: str
    title_en: str
    description: str
    params: tuple[str, ...]
    network: bool = True

    @property
    def scripts(self) -> tuple[str, ...]:
        return (VIS, "viz.js") if self.network else (ECHARTS, "viz.js", "charts.js")


PAGES: dict[str, Page] = {p.view: p for p in (
    Page("policy-map", "政策图谱", "Policy map",
         "文件 → 章节 → 条款 → 产业、企业类别、地点、政策工具、计划、基金；条款大小表示预算下限。"
         " Document → sections → clauses → what they name; clauses sized by budget floor.",
         ("document",)),
    Page("industries", "产业覆盖", "Industry coverage",
         "“1+5+N”产业体系与重点产业：条款、基金投资、企业数，红色虚线标出覆盖缺口。"
         " The 1+5+N groups and key industries with clauses, funds, investments and enterprises; gaps in red.",
         ("document", "enterprises")),
    Page("enterprise", "企业视图", "Enterprise view",
         "一家企业：按符合情况列出可享条款与测算金额、投资方、入选计划与相似企业。"
         " One firm: eligible clauses by status with estimates, investors, programmes, similar firms.",
         ("uscc", "similar")),
    Page("explore", "邻域探索", "Neighbourhood explorer",
         "按名称搜索任意节点，单击展开邻居，可调深度。"
         " Any node by search, expanding on click, with a depth control.",
         ("id", "depth", "limit")),
    Page("budget", "预算图表", "Budget charts",
         "按章节、条款、产业、政策工具汇总的年度预算下限；基金规模单列。"
         " Annual budget floors by section, clause, industry and instrument; fund scales shown apart.",
         ("document",), network=False),
)}


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("policykg.viz", "templates"), autoescape=select_autoescape(["html"]))


def static_root() -> Any:
    return resources.files("policykg.viz").joinpath("static")


@lru_cache(maxsize=1)
def _static_files() -> dict[str, Path]:
    """Every asset the pages may load, by its path under the asset folder. Built by listing the folder,
    so a request can only name one of these files: nothing is ever joined from a request's path."""
    root = Path(str(static_root())).resolve()
    files: dict[str, Path] = {}
    for f in root.rglob("*"):
        real = f.resolve()
        # a link leading out of the folder, a hidden file, or a directory is no asset
        if f.is_symlink() or not real.is_file() or not real.is_relative_to(root):
            continue
        rel = f.relative_to(root).as_posix()
        if not any(part.startswith(".") for part in rel.split("/")):
            files[rel] = real
    return files


def static_asset(path: str) -> Path | None:
    """The asset file named by ``path`` (relative, ``/``-separated, exactly as listed), or None."""
    return _static_files().get(path)


@lru_cache(maxsize=8)
def _asset(name: str) -> Markup:
    """A static file's text, safe to put inside <script> or <style> in a page."""
    text = static_root().joinpath(name).read_text(encoding="utf-8")
    return Markup(text.replace("</script", "<\\/script").replace("</style", "<\\/style"))


def _assets(names: tuple[str, ...]) -> dict[str, Markup]:
    return {"css": _asset("viz.css"), **{n: _asset(n) for n in names}}


def _links(base: str, standalone: bool) -> dict[str, str]:
    if standalone:
        return {"index": "index.html", **{v: f"{v}.html" for v in PAGES}}
    return {"index": f"{base}/viz/", **{v: f"{base}/viz/{v}" for v in PAGES}}


def _config(page: Page, params: dict[str, Any], base: str, standalone: bool) -> dict[str, Any]:
    return {
        "view": page.view, "mode": "embedded" if standalone else "api", "network": page.network,
        "params": {k: v for k, v in params.items() if v not in (None, "")},
        "api": {"graph": f"{base}/api/viz/graph/{page.view}", "node": f"{base}/api/viz/node",
                "search": f"{base}/api/viz/search", "budget": f"{base}/api/budget",
                "documents": f"{base}/api/documents", "enterprises": f"{base}/api/enterprises",
                "health": f"{base}/api/health"},
        "links": _links(base, standalone),
        "max_nodes": graphs.MAX_NODES,
    }


def render_page(view: str, params: dict[str, Any] | None = None, *, base: str = "",
                data: dict[str, Any] | None = None) -> str:
    """A page's HTML. Without ``data`` it is the served page (it fetches from the API); with ``data``
    (see :func:`page_data`) it is a standalone file with everything inlined."""
    page = PAGES[view]
    standalone = data is not None
    return _env().get_template("page.html").render(
        page=page, pages=list(PAGES.values()), config=_config(page, params or {}, base, standalone),
        links=_links(base, standalone), static=f"{base}/viz/static", inline=standalone,
        assets=_assets(page.scripts) if standalone else {}, scripts=page.scripts, data=data,
    )


def render_index(*, base: str = "", standalone: bool = False, stats: str | None = None) -> str:
    return _env().get_template("index.html").render(
        pages=list(PAGES.values()), links=_links(base, standalone), static=f"{base}/viz/static",
        inline=standalone, assets=_assets(("viz.js",)) if standalone else {}, stats=stats,
        config={"view": "index", "mode": "embedded" if standalone else "api", "params": {},
                "api": {"health": f"{base}/api/health"}, "links": _links(base, standalone)},
    )


# --- standalone files ------------------------------------------------------------------------------

def page_data(backend: Backend, view: str, params: dict[str, Any]) -> dict[str, Any]:
    """Everything a standalone page needs: the network (or the budget), the panel's details of every
    node on it and, for the explorer, the next ring of neighbours to expand into."""
    if view == "budget":
        budget = graphs.budget(backend, params.get("document"))
        ids = [c["id"] for c in budget["by_clause"]] + [r["id"] for r in budget["by_industry"]] + \
              [r["id"] for r in budget["by_instrument"]]
        return {"budget": budget, "details": _details.node_details(backend, ids)}
    graph = build_graph(backend, view, params)
    ids = [n["id"] for n in graph["nodes"] if not str(n["id"]).startswith("viz:")]
    out = {"graph": graph, "details": {}, "reserve": None}
    if view == "explore":
        out["reserve"] = reserve(backend, graph)
        ids += [n["id"] for n in out["reserve"]["nodes"]]
    out["details"] = _details.node_details(backend, ids)
    return out


def reserve(backend: Backend, graph: dict[str, Any], per_node: int = RESERVE_PER_NODE) -> dict[str, Any]:
    """For a standalone explorer: up to ``per_node`` neighbours of each node on screen that are not on it
    yet, so that a click can still expand a node with no server to ask."""
    from policykg.viz.network import group_style, node_style, short

    shown = {n["id"] for n in graph["nodes"]}
    rows = backend.query("neighbours", {"ids": sorted(shown)}).records()
    rows.sort(key=lambda r: (r["source"], r["type"], r["target"]))
    taken: dict[str, int] = {}
    nodes: dict[str, dict[str, Any]] = {}
    edges = []
    for r in rows:
        me, other = (r["source"], r["target"]) if r["direction"] == "out" else (r["target"], r["source"])
        if other in shown:
            continue
        if other not in nodes:
            if taken.get(me, 0) >= per_node:
                continue
            taken[me] = taken.get(me, 0) + 1
            nodes[other] = {"id": other, "group": r["label"], "name": r["name"], "label": short(r["name"]),
                            "shape": node_style(r["label"])["shape"]}
        edges.append({"from": r["source"], "to": r["target"], "type": r["type"]})
    types = {n["group"] for n in nodes.values()}
    return {"nodes": list(nodes.values()), "edges": edges,
            "options": {"groups": {t: group_style(t) for t in types}},
            "legend": [{"type": t, "name": node_style(t)["name"]} for t in sorted(types)]}


def build_graph(backend: Backend, view: str, params: dict[str, Any]) -> dict[str, Any]:
    """A network page's payload from its query parameters (the API and the CLI share this)."""
    p = {k: v for k, v in params.items() if v not in (None, "")}
    if view == "policy-map":
        return graphs.policy_map(backend, p.get("document"), int(p.get("limit") or graphs.MAX_NODES))
    if view == "industries":
        return graphs.industry_coverage(backend, p.get("document"), int(p.get("enterprises") or 0))
    if view == "enterprise":
        return graphs.enterprise_view(backend, p.get("uscc"), int(p.get("similar") or 10))
    if view == "explore":
        return graphs.neighbourhood(backend, p.get("id"), int(p.get("depth") or 2), int(p.get("limit") or 500))
    raise KeyError(view)


def standalone_page(backend: Backend, view: str, params: dict[str, Any] | None = None) -> str:
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return render_page(view, params, data=page_data(backend, view, params))


def write_standalone(backend: Backend, view: str, out: Path | None = None,
                     params: dict[str, Any] | None = None) -> list[Path]:
    """Write one page (``view``) to ``out`` (default ``VIEW.html``), or with ``view == "all"`` every page
    and an index into the folder ``out`` (default ``policykg-pages``). Returns the files written."""
    params = params or {}
    if view == "all":
        folder = Path(out or "policykg-pages")
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for v, page in PAGES.items():
            target = folder / f"{v}.html"
            target.write_text(standalone_page(backend, v, {k: params.get(k) for k in page.params}), encoding="utf-8")
            written.append(target)
        index = folder / "index.html"
        index.write_text(render_index(standalone=True), encoding="utf-8")
        return [index, *written]
    if view not in PAGES:
        raise KeyError(view)
    target = Path(out or f"{view}.html")
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(standalone_page(backend, view, params), encoding="utf-8")
    return [target]
