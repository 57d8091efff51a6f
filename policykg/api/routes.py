"""API routes. Each one calls the backend seam or the catalogue, nothing engine-specific."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

from policykg import __version__, explore
from policykg.analysis import browse as _browse
from policykg.analysis import budget as _budget
from policykg.analysis import lineage as _lineage
from policykg.analysis import matching as _matching
from policykg.analysis import service
from policykg.analysis.snapshot import SnapshotCache
from policykg.errors import CypherDisabled, NotFound
from policykg.queries import INT64, catalogue, get_query

router = APIRouter()

try:  # orjson is optional: pydantic-core (always installed) encodes almost as fast
    import orjson as _orjson

    def _dumps(content: Any) -> bytes:
        return _orjson.dumps(content, default=jsonable_encoder, option=_orjson.OPT_NON_STR_KEYS)
except ImportError:  # pragma: no cover - depends on the environment
    import pydantic_core as _pydantic_core

    def _dumps(content: Any) -> bytes:
        return _pydantic_core.to_json(content, fallback=jsonable_encoder)


def json_response(content: Any, status_code: int = 200) -> Response:
    """Plain data (dicts, lists, strings, numbers; the analysis layer's answers) as a JSON response, encoded
    in one step. Returning a Response skips FastAPI's jsonable_encoder, which walks a large answer in Python
    value by value, and the validation of the return annotation."""
    return Response(_dumps(content), status_code=status_code, media_type="application/json")



def _backend(request: Request):
    return request.app.state.backends.get()


def _document_backend(request: Request, doc_id: str):
    """The backend, after checking that the document exists (404 otherwise)."""
    backend = _backend(request)
    if backend.missing_ids("PolicyDocument", {doc_id}):
        raise NotFound(f"no policy document with id {doc_id!r}", id=doc_id)
    return backend


#: the deepest offset of a list answered from memory: within 64-bit integers, which the JSON encoder needs
MAX_LIST_OFFSET = 2**31 - 1
OFFSET = Query(0, ge=0, le=MAX_LIST_OFFSET, description="items to skip")


def page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}


@router.get("/health", summary="Backend, engine version, counts, policykg version and the state of the matching index")
def health(request: Request) -> dict[str, Any]:
    backend = _backend(request)
    return {
        "status": "ok",
        "version": __version__,
        "backend": backend.name,
        "engine": backend.engine_version(),
        **backend.counts(),
        "derived": _derived(request).status(backend),  # the precomputed matching / gaps index
        "process": os.getpid(),  # which serving process answered (serve --workers N runs N)
    }


@router.get("/queries", summary="The named query catalogue")
def list_queries() -> dict[str, Any]:
    items = [q.describe() for q in catalogue().values()]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.get("/queries/{name}", summary="Run one catalogue query; parameters come from the query string")
def run_query(name: str, request: Request, limit: int = Query(100, ge=1, le=10_000), offset: int = OFFSET):
    q = get_query(name)
    params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
    result = _backend(request).query(q.name, params)
    return json_response({**page(result.records(), limit, offset), "columns": result.columns})


@router.get("/documents", summary="Policy documents")
def documents(request: Request, limit: int = Query(100, ge=1, le=1000), offset: int = OFFSET,
              include_superseded: bool = Query(False, description="also list documents a newer one supersedes")):
    rows = _backend(request).query("documents", {"include_superseded": include_superseded}).records()
    return page(rows, limit, offset)


@router.get("/documents/{doc_id}/versions", summary="A document's older and newer versions, each with its basis")
def document_versions(doc_id: str, request: Request) -> dict[str, Any]:
    return _lineage.versions(_document_backend(request, doc_id), doc_id)


@router.get("/documents/{doc_id}/citations", summary="What a document cites and what cites it, with the words")
def document_citations(doc_id: str, request: Request) -> dict[str, Any]:
    return _lineage.citations(_document_backend(request, doc_id), doc_id)


@router.get("/documents/{doc_id}/clauses", summary="A document's numbered items, in document order")
def document_clauses(doc_id: str, request: Request, limit: int = Query(100, ge=1, le=1000),
                     offset: int = OFFSET):
    backend = _document_backend(request, doc_id)
    return page(backend.query("document_clauses", {"document": doc_id}).records(), limit, offset)


class CypherRequest(BaseModel):
    query: str = Field(..., description="one read-only Cypher statement", max_length=20_000)
    params: dict[str, Any] = Field(default_factory=dict, description="query parameters (64-bit integers)")

    @field_validator("query", "params")
    @classmethod
    def _engine_values(cls, value: Any) -> Any:
        _check_engine_value(value)
        return value


def _check_engine_value(value: Any) -> None:
    """Raise ValueError for what neither engine's client can send: an integer beyond 64 bits, text that is not
    Unicode (a lone surrogate, which JSON's escapes can spell), in any list or map."""
    if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"{value} is not a 64-bit integer")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text that is not valid Unicode (a lone surrogate)") from None
    elif isinstance(value, list):
        for v in value:
            _check_engine_value(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_engine_value(k)
            _check_engine_value(v)


@router.post("/cypher", summary="Run read-only Cypher (off unless POLICYKG_ALLOW_CYPHER is true)")
def cypher(body: CypherRequest, request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    if not settings.allow_cypher:
        raise CypherDisabled("ad-hoc Cypher is off: set POLICYKG_ALLOW_CYPHER=true to enable it")
    return _backend(request).read_cypher(
        body.query, body.params, timeout=settings.query_timeout, max_rows=settings.max_rows
    ).to_dict()


@router.get("/graph/neighbourhood", summary="Nodes and edges within `depth` relationships of a node")
async def graph_neighbourhood(request: Request, id: str = Query(..., description="node id"),
                              depth: int = Query(1, ge=1, le=explore.MAX_DEPTH),
                              limit: int = Query(500, ge=1, le=5000, description="at most this many nodes")):
    # On the event loop where the backend's client is asynchronous (Neo4j): no hand-off to a thread and
    # back for each request. Otherwise (Ladybug, an in-process engine) the whole walk runs in the pool.
    backend = request.app.state.backends.opened() or await run_in_threadpool(_backend, request)
    if backend.async_lookups:
        return json_response(await explore.neighbourhood_async(backend, id, depth, limit))
    return json_response(await run_in_threadpool(explore.neighbourhood, backend, id, depth, limit))


@router.get("/graph/path", summary="One shortest path between two nodes, as nodes and edges")
def graph_path(request: Request, source: str = Query(..., alias="from"), target: str = Query(..., alias="to")):
    return json_response(explore.path(_backend(request), source, target))


# --- matching, gaps, budgets, browsing and search (policykg.analysis) ---------------------------
# Dates: `on` (YYYY-MM-DD, default today) picks the documents in force; `document` restricts to one.
# Filters that name nothing in the graph (an unknown place, tier, industry or document) answer 422.


def _snapshot(request: Request, on: dt.date | None = None, document: str | None = None):
    """The policy snapshot for (on, document), cached per app while the graph's documents are unchanged."""
    state = request.app.state
    cache = getattr(state, "snapshots", None)
    if cache is None:
        cache = state.snapshots = SnapshotCache()
    return cache.get(_backend(request), on, document)


def _derived(request: Request) -> service.DerivedCache:
    """The app's derived index (matching statuses, gap figures), built in the background per data version."""
    state = request.app.state
    cache = getattr(state, "derived", None)
    if cache is None:
        cache = state.derived = service.DerivedCache()
    return cache


ON = Query(None, description="the date the documents must be in force on (YYYY-MM-DD); default today")
DOCUMENT = Query(None, description="only this PolicyDocument (id)")


def _filters(place: str | None, tier: str | None, capital_min: int | None, capital_max: int | None,
             founded_from: int | None, founded_to: int | None) -> _matching.Filters:
    return _matching.Filters(place=place, tier=tier, capital_min=capital_min, capital_max=capital_max,
                             founded_from=founded_from, founded_to=founded_to)


PLACE = Query(None, description="only enterprises located in this place or a place inside it (Place id)")
TIER = Query(None, description="only enterprises holding this tier (Tier id)")
#: the largest capital bound taken: within the engines' 64-bit integers
MAX_CNY = 10**18
CAP_MIN = Query(None, ge=0, le=MAX_CNY, description="registered capital (CNY, yuan) at least")
CAP_MAX = Query(None, ge=0, le=MAX_CNY, description="registered capital (CNY, yuan) at most")
FOUNDED_FROM = Query(None, ge=1800, le=2200, description="founded in this year or later")
FOUNDED_TO = Query(None, ge=1800, le=2200, description="founded in this year or earlier")


#: the deepest offset of a list the engine pages (SKIP costs a sort of offset + limit rows); deeper: `after`
MAX_OFFSET = 10_000
GRAPH_OFFSET = Query(0, ge=0, le=MAX_OFFSET, description=f"rows to skip (at most {MAX_OFFSET:,}; "
                     "for deeper pages follow `next` with `after`)")
AFTER = Query(None, min_length=1, max_length=100, description="keyset paging: the page after this enterprise "
              "(USCC), as given by the previous page's `next`; instead of `offset`")


def _in_memory(request: Request, on: dt.date | None, document: str | None):
    """(backend, snapshot, derived index) when all three are at hand for the data as it is now, known
    without asking the engine; else None. A route answers from them on the event loop (no thread hand-off);
    anything that may wait on the database runs in the thread pool."""
    backend = request.app.state.backends.opened()
    version = backend.known_data_version() if backend is not None else None
    cache = getattr(request.app.state, "snapshots", None)
    snap = cache.peek(backend, version, on, document) if version is not None and cache is not None else None
    idx = _derived(request).in_memory(version, snap) if snap is not None else None
    return (backend, snap, idx) if idx is not None else None


@router.get("/enterprises/{uscc}/eligible-clauses", summary="Every measure in force, with this enterprise's status")
async def eligible_clauses(uscc: str, request: Request, on: dt.date | None = ON, document: str | None = DOCUMENT,
                           limit: int = Query(100, ge=1, le=1000), offset: int = OFFSET) -> dict[str, Any]:
    """For every measure in force: `status` met | not_met | unknown, `missing` (fields whose absence left it
    unknown), `failed` (criteria not met), `near_miss`, `reasons` (each with a graph `path`:
    `{nodes: [{id, label, name}], edges: [{source, target, type}]}`), `estimate_cny` `{low, high}` with
    `estimate.lines` per instrument, and grants already `received`. Sorted by status (met, unknown,
    not_met), then estimate. `estimate_total_cny` applies each document's stacking rule (see
    `estimate_total.method`). A page of `items` with `total`, `limit`, `offset`."""
    ready = _in_memory(request, on, document)
    if ready is not None:
        backend, snap, idx = ready
        result = service.DerivedCache.eligible_from(idx, backend, uscc, snap)
    else:
        result = await run_in_threadpool(lambda: _derived(request).eligible_clauses(
            _backend(request), uscc, _snapshot(request, on, document)))
    return json_response({**result, **page(result["items"], limit, offset)})


@router.get("/clauses/{clause_id}/matching-enterprises", summary="Enterprises that meet a measure, and near misses")
def matching_enterprises(clause_id: str, request: Request, place: str | None = PLACE, tier: str | None = TIER,
                         capital_min: int | None = CAP_MIN, capital_max: int | None = CAP_MAX,
                         founded_from: int | None = FOUNDED_FROM, founded_to: int | None = FOUNDED_TO,
                         on: dt.date | None = ON, limit: int = Query(50, ge=1, le=1000),
                         offset: int = OFFSET,
                         near_limit: int = Query(50, ge=0, le=1000, description="at most this many near misses")):
    """`items`: enterprises that meet the measure, each with `reasons` (graph paths) and `estimate_cny`;
    `near_misses` `{items, total}`: enterprises worth a call — they fail only criteria they can change (a
    threshold on capital, revenue, R&D, employees or their ratios; a tier they could obtain; a programme
    they could apply to), named in `failed`, or their data lacks what a criterion needs (`missing`); an
    industry, place or founding-age mismatch never makes one; `unknown` `{items, total}`: the enterprises
    whose data leaves the answer open (each is also a near miss). `order_by` states each list's order:
    firms holding what the text prefers (`preferred`, 给予瞪羚企业政策倾斜, with a `preference` reason)
    first; met firms then by estimated support (highest first), registered capital (CNY), USCC; near
    misses and unknowns by `closeness` (fewest criteria unmet, then the smallest relative shortfall), then
    as met firms. `criteria` lists what the measure requires."""
    backend, snap = _backend(request), _snapshot(request, on)
    filters = _filters(place, tier, capital_min, capital_max, founded_from, founded_to)
    text = _derived(request).matching_json(backend, clause_id, filters, snap, limit, offset, near_limit)
    return Response(text, media_type="application/json")


@router.get("/industries/{industry_id}/enterprises", summary="Enterprises of an industry (with narrower industries)")
def industry_enterprises(industry_id: str, request: Request, place: str | None = PLACE, tier: str | None = TIER,
                         capital_min: int | None = CAP_MIN, capital_max: int | None = CAP_MAX,
                         founded_from: int | None = FOUNDED_FROM, founded_to: int | None = FOUNDED_TO,
                         limit: int = Query(50, ge=1, le=1000), offset: int = GRAPH_OFFSET,
                         after: str | None = AFTER):
    """Enterprises IN_INDUSTRY the industry or a narrower one, largest registered capital first, each with the
    path that links it. `next`: the `after` of the following page (null on the last)."""
    return _matching.industry_enterprises(
        _backend(request), industry_id, _filters(place, tier, capital_min, capital_max, founded_from, founded_to),
        limit, offset, snapshot=_snapshot(request), after=after)


@router.get("/enterprises/{uscc}/similar", summary="Enterprises sharing industries, investors, programmes or place")
def similar_enterprises(uscc: str, request: Request, limit: int = Query(20, ge=1, le=1000),
                        offset: int = OFFSET):
    """Ranked by `score` (the sum of `weights` of the shared things); each shared thing with its path."""
    return json_response(_derived(request).similar_enterprises(_backend(request), uscc, limit, offset))


@router.get("/gaps", summary="Coverage gaps: industries, tiers and places")
def coverage_gaps(request: Request, document: str | None = DOCUMENT, on: dt.date | None = ON) -> dict[str, Any]:
    """`{industries, tiers, places}`: every 1+5+N and key industry with `clauses`, `budget_floor_cny`, `funds`,
    `investments`, `enterprises`, `by_place`, `by_tier` and `gaps` (codes `no_dedicated_clause`,
    `no_fund_investment`, `no_enterprises`, `budget_per_enterprise`); every tier and place with the measures
    that target it and `gaps` (`named_not_targeted`, `no_clause`, `no_enterprises`)."""
    backend = _backend(request)
    text = _derived(request).gaps_json(backend, _snapshot(request, on, document))
    return Response(text, media_type="application/json")


@router.get("/budget", summary="Budget floors and fund scales of the measures in force")
def budget(request: Request, document: str | None = DOCUMENT, on: dt.date | None = ON) -> dict[str, Any]:
    """`annual_floor_total_cny` (sum of the measures' annual floors), `fund_scale_total_cny` (kept apart),
    `by_section`, `by_clause`, `by_industry` and `by_instrument` (a measure counts toward each industry and
    instrument it names: these overlap; see `notes`)."""
    return _budget.budget(_backend(request), document, on, snapshot=_snapshot(request, on, document))


@router.get("/documents/{doc_id}", summary="One policy document with its sections and rules")
def document_detail(doc_id: str, request: Request) -> dict[str, Any]:
    return _browse.document_detail(_backend(request), doc_id)


@router.get("/documents/{doc_id}/sections", summary="A document's headings, in document order")
def document_sections(doc_id: str, request: Request, limit: int = Query(100, ge=1, le=1000),
                      offset: int = OFFSET):
    backend = _document_backend(request, doc_id)
    return page(backend.query("document_sections", {"document": doc_id}).records(), limit, offset)


@router.get("/clauses", summary="Measures in force, filtered by industry, tier, place or text")
def clauses(request: Request,
            industry: str | None = Query(None, description="supports this industry, a narrower or a broader one"),
            tier: str | None = Query(None, description="targets this tier"),
            place: str | None = Query(None, description="applies in this place, a place inside or around it"),
            q: str | None = Query(None, description="every term of the query in the clause text"),
            document: str | None = DOCUMENT, on: dt.date | None = ON,
            limit: int = Query(100, ge=1, le=1000), offset: int = OFFSET):
    result = _browse.clauses(_backend(request), industry, tier, place, q, document, on,
                             snapshot=_snapshot(request, on, document))
    return {**result, **page(result["items"], limit, offset)}


@router.get("/clauses/{clause_id}", summary="One clause: full text, amounts, rates, conditions, instruments, links")
def clause_detail(clause_id: str, request: Request, on: dt.date | None = ON) -> dict[str, Any]:
    """Any clause (in force or not: `in_force` says), with its evidence span, the amounts and rates it states,
    its conditions, its instruments (with their forms, rates and conditions), rules, and every link with the
    quoted words it was read from."""
    return _browse.clause_detail(_backend(request), clause_id, on, snapshot=_snapshot(request, on))


@router.get("/search", summary="Chinese text search over the clauses in force (same on both backends)")
def search(request: Request, q: str = Query(..., min_length=1, max_length=200, description="text to find"),
           kind: str | None = Query(None, pattern="^(measure|annex|item)$", description="only this kind of clause"),
           document: str | None = DOCUMENT, on: dt.date | None = ON,
           limit: int = Query(20, ge=1, le=200), offset: int = OFFSET):
    """Each result: `mode` (exact | fuzzy), `score`, `matches` (spans `[start, end)` in the clause text) and a
    `snippet` `{text, start, highlights}`."""
    return _browse.search(_backend(request), q, document, on, kind, limit, offset)


@router.get("/industries", summary="The industry taxonomy as a tree")
def industries(request: Request, on: dt.date | None = ON) -> dict[str, Any]:
    """`items`: the roots, each `{id, name, group, key_industry, parents, clauses, children: [...]}`; an
    industry with several parents appears under each. `total` counts industries."""
    result = _browse.industries(_backend(request), on, snapshot=_snapshot(request, on))
    return {**result, "limit": result["total"], "offset": 0}


@router.get("/places", summary="Places as a tree (PART_OF)")
def places(request: Request, on: dt.date | None = ON) -> dict[str, Any]:
    backend = _backend(request)
    result = _browse.places(backend, on, snapshot=_snapshot(request, on),
                            counts=_derived(request).taxonomy_counts(backend))
    return {**result, "limit": result["total"], "offset": 0}


@router.get("/programmes", summary="Programmes with their selected enterprises and the measures that refer to them")
def programmes(request: Request, on: dt.date | None = ON, limit: int = Query(100, ge=1, le=1000),
               offset: int = OFFSET):
    backend = _backend(request)
    return page(_browse.programmes(backend, on, snapshot=_snapshot(request, on),
                                   counts=_derived(request).taxonomy_counts(backend)), limit, offset)


@router.get("/funds", summary="Funds with their investments and the measures that refer to them")
def funds(request: Request, on: dt.date | None = ON, limit: int = Query(100, ge=1, le=1000),
          offset: int = OFFSET):
    return page(_browse.funds(_backend(request), on, snapshot=_snapshot(request, on)), limit, offset)


@router.get("/enterprises", summary="Search enterprises by name or USCC, with filters")
def enterprises(request: Request, q: str = Query("", max_length=100, description="part of the name, or a USCC prefix"),
                industry: str | None = Query(None, description="in this industry or a narrower one"),
                place: str | None = PLACE, tier: str | None = TIER,
                capital_min: int | None = CAP_MIN, capital_max: int | None = CAP_MAX,
                founded_from: int | None = FOUNDED_FROM, founded_to: int | None = FOUNDED_TO,
                limit: int = Query(50, ge=1, le=1000), offset: int = GRAPH_OFFSET, after: str | None = AFTER):
    """Largest registered capital (CNY) first, then by USCC. `next`: the `after` of the following page (null on
    the last); with `after`, `offset` answers null."""
    return _browse.enterprises(_backend(request), q, industry, place, tier, capital_min, capital_max,
                               founded_from, founded_to, limit, offset, snapshot=_snapshot(request), after=after)


@router.get("/enterprises/{uscc}", summary="One enterprise with its links, figures, investors and grants")
def enterprise_detail(uscc: str, request: Request) -> dict[str, Any]:
    return json_response(_browse.enterprise_detail(_backend(request), uscc))
