"""The pages (``/viz/``) and the JSON they draw (``/api/viz/...``). Include with no prefix:
``app.include_router(routes_viz.router)``.

- ``GET /viz/`` — the index; ``GET /viz/{page}`` — policy-map, industries, enterprise, explore, budget;
- ``GET /viz/static/{path}`` — the pages' own scripts and stylesheet and the vendored vis-network and
  ECharts (nothing is loaded from another host);
- ``GET /api/viz/graph/{page}`` — a network page's nodes, edges, options and legend (built with pyvis);
- ``GET /api/viz/node?id=`` — one node's properties and evidence (quote, document, clause) for the panel;
- ``GET /api/viz/search?q=`` — nodes by name.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from policykg.errors import NotFound
from policykg.viz import details as _details
from policykg.viz import render
from policykg.viz.network import MAX_NODES

router = APIRouter()

NETWORK_PAGES = [v for v, p in render.PAGES.items() if p.network]
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".txt": "text/plain; charset=utf-8", ".json": "application/json"}


def _backend(request: Request):
    return request.app.state.backends.get()


def _base(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


@router.get("/viz", include_in_schema=False)
def viz_root(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{_base(request)}/viz/")


@router.get("/viz/", response_class=HTMLResponse, summary="The pages: an index linking them all", tags=["pages"])
def viz_index(request: Request) -> HTMLResponse:
    return HTMLResponse(render.render_index(base=_base(request)))


@router.get("/viz/static/{path:path}", include_in_schema=False)
def viz_static(path: str) -> Response:
    """The pages' assets, from the installed package (scripts, stylesheet, vendored libraries, licences)."""
    node = render.static_asset(path)
    if node is None:
        raise NotFound(f"no page asset {path!r}", path=path)
    name = node.name
    suffix = node.suffix.lower()
    if suffix in TYPES:
        media = TYPES[suffix]
    elif name.startswith("LICENSE") or name == "NOTICE":
        media = "text/plain; charset=utf-8"
    else:
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(node.read_bytes(), media_type=media, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/viz/{page}", response_class=HTMLResponse, summary="One page (policy-map, industries, enterprise, "
            "explore, budget); its query parameters are the data endpoint's", tags=["pages"])
def viz_page(page: str, request: Request) -> HTMLResponse:
    if page not in render.PAGES:
        raise NotFound(f"no page {page!r}; the pages are {', '.join(render.PAGES)}", page=page)
    allowed = render.PAGES[page].params
    params = {k: v for k, v in request.query_params.items() if k in allowed or k == "limit"}
    return HTMLResponse(render.render_page(page, params, base=_base(request)))


@router.get("/api/viz/graph/{page}", summary="A network page's nodes, edges, options and legend", tags=["pages"])
def viz_graph(page: str, request: Request,
              document: str | None = Query(None, description="policy-map, industries: a PolicyDocument id"),
              enterprises: int = Query(0, ge=0, le=100, description="industries: enterprises drawn per industry"),
              uscc: str | None = Query(None, description="enterprise: the firm (default: the largest)"),
              similar: int = Query(10, ge=0, le=100, description="enterprise: similar firms drawn"),
              id: str | None = Query(None, description="explore: the centre node (default: the first document)"),
              depth: int = Query(2, ge=1, le=4, description="explore: relationships from the centre"),
              limit: int = Query(500, ge=1, le=MAX_NODES, description="explore: at most this many nodes")) -> dict[str, Any]:
    """`{view, title, nodes, edges, options, legend, marks, physics, shown, total, truncated, meta}`: vis-network
    nodes (`group` = node type, `name`, positions `x`/`y` when precomputed) and edges (`type`); `total` counts every
    node the answer has, `shown` the ones drawn (at most 2,000)."""
    if page not in NETWORK_PAGES:
        raise NotFound(f"no network page {page!r}; they are {', '.join(NETWORK_PAGES)}", page=page)
    params = {"document": document, "enterprises": enterprises, "uscc": uscc, "similar": similar, "id": id,
              "depth": depth, "limit": limit}
    if page != "explore":
        params["limit"] = MAX_NODES
    return render.build_graph(_backend(request), page, params)


@router.get("/api/viz/node", summary="One node for the panel: properties and evidence", tags=["pages"])
def viz_node(request: Request, id: str = Query(..., min_length=1, description="node id")) -> dict[str, Any]:
    """`{id, type, type_name, name, properties, evidence, links}`; each evidence item `{quote, span, exact, context:
    {before, quote, after}, document: {id, doc_number, title}, clause: {id, label, title, kind} | null, via}` where
    `via` names the relationship it comes from (null: the node's own text)."""
    return _details.node_detail(_backend(request), id)


@router.get("/api/viz/search", summary="Nodes by name (or title), or by exact id", tags=["pages"])
def viz_search(request: Request, q: str = Query(..., min_length=1, max_length=100),
               limit: int = Query(20, ge=1, le=100)) -> dict[str, Any]:
    return _details.search_nodes(_backend(request), q, limit)
