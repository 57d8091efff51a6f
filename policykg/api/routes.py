"""API routes. Each one calls the backend seam or the catalogue, nothing engine-specific."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from policykg import __version__, explore
from policykg.errors import NotFound, PolicyKGError
from policykg.queries import catalogue, get_query

router = APIRouter()


def _backend(request: Request):
    return request.app.state.backends.get()


def page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}


@router.get("/health", summary="Backend, engine version, counts and policykg version")
def health(request: Request) -> dict[str, Any]:
    backend = _backend(request)
    return {
        "status": "ok",
        "version": __version__,
        "backend": backend.name,
        "engine": backend.engine_version(),
        **backend.counts(),
    }


@router.get("/queries", summary="The named query catalogue")
def list_queries() -> dict[str, Any]:
    items = [q.describe() for q in catalogue().values()]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.get("/queries/{name}", summary="Run one catalogue query; parameters come from the query string")
def run_query(name: str, request: Request, limit: int = Query(100, ge=1, le=10_000), offset: int = Query(0, ge=0)):
    q = get_query(name)
    params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    result = _backend(request).query(q.name, params)
    return {**page(result.records(), limit, offset), "columns": result.columns}


@router.get("/documents", summary="Policy documents")
def documents(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)):
    return page(_backend(request).query("documents").records(), limit, offset)


@router.get("/documents/{doc_id}/clauses", summary="A document's numbered items, in document order")
def document_clauses(doc_id: str, request: Request, limit: int = Query(100, ge=1, le=1000),
                     offset: int = Query(0, ge=0)):
    backend = _backend(request)
    if backend.missing_ids("PolicyDocument", {doc_id}):
        raise NotFound(f"no policy document with id {doc_id!r}", id=doc_id)
    return page(backend.query("document_clauses", {"document": doc_id}).records(), limit, offset)


class CypherRequest(BaseModel):
    query: str = Field(..., description="one read-only Cypher statement", max_length=20_000)
    params: dict[str, Any] = Field(default_factory=dict, description="query parameters")


class CypherDisabled(PolicyKGError):
    code = "cypher_disabled"


@router.post("/cypher", summary="Run read-only Cypher (off unless POLICYKG_ALLOW_CYPHER is true)")
def cypher(body: CypherRequest, request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    if not settings.allow_cypher:
        raise CypherDisabled("ad-hoc Cypher is off: set POLICYKG_ALLOW_CYPHER=true to enable it")
    return _backend(request).read_cypher(
        body.query, body.params, timeout=settings.query_timeout, max_rows=settings.max_rows
    ).to_dict()


@router.get("/graph/neighbourhood", summary="Nodes and edges within `depth` relationships of a node")
def graph_neighbourhood(request: Request, id: str = Query(..., description="node id"),
                        depth: int = Query(1, ge=1, le=explore.MAX_DEPTH),
                        limit: int = Query(500, ge=1, le=5000, description="at most this many nodes")):
    return explore.neighbourhood(_backend(request), id, depth, limit)


@router.get("/graph/path", summary="One shortest path between two nodes, as nodes and edges")
def graph_path(request: Request, source: str = Query(..., alias="from"), target: str = Query(..., alias="to")):
    return explore.path(_backend(request), source, target)
