"""API routes for exports and network analytics: ``router``, to be included under ``/api``.

| endpoint | answer |
|---|---|
| ``GET /api/export?format=ttl|jsonld|nt|graphml|gexf|neo4j-csv`` | the whole graph as a file; ``document=``, ``industry=``, ``enterprise=`` or ``node=`` (+ ``depth=``) for a part; neo4j-csv comes as a zip |
| ``GET /api/export/formats`` | the formats |
| ``GET /api/export/ontology?format=ttl`` | the ontology generated from the schema |
| ``GET /api/export/shapes?format=ttl`` | the SHACL shapes generated from the schema |
| ``GET /api/analytics/centrality?kind=clause|industry|tier|place|all&measure=pagerank|degree|betweenness&seed=`` | ranked nodes |
| ``GET /api/analytics/communities?seed=&resolution=&min_size=`` | Louvain communities of enterprises |
| ``GET /api/analytics/similar/{uscc}?labels=Industry,Fund,...`` | enterprises by Jaccard similarity |

Lists answer ``{"items", "total", "limit", "offset"}`` plus what the analysis used (seed, graph
size); errors come from :mod:`policykg.errors` and so have the app's one error shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from policykg import networks
from policykg.api.routes import OFFSET
from policykg.errors import ValidationError
from policykg.export import FORMATS, check_format, export_bytes
from policykg.export.dump import select_part

router = APIRouter()

PART_HELP = "Export only a part: at most one of document, industry, enterprise or node."


def _backend(request: Request) -> Any:
    return request.app.state.backends.get()


def _file(content: bytes, media: str, filename: str) -> Response:
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/export/formats", summary="The export formats")
def export_formats() -> dict[str, Any]:
    items = [{"format": k, "media_type": m, "description": d} for k, (m, _, d) in FORMATS.items()]
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


@router.get("/export", summary="The graph, or a part of it, as RDF, GraphML, GEXF or neo4j-admin CSV files",
            response_class=Response, description=PART_HELP)
def export(request: Request,
           format: str = Query("ttl", description="ttl | jsonld | nt | graphml | gexf | neo4j-csv"),  # noqa: A002
           document: str | None = Query(None, description="a PolicyDocument id: the document, its sections, "
                                                          "clauses, what they state and the taxonomy they name"),
           industry: str | None = Query(None, description="an Industry id: with narrower and broader industries, "
                                                          "the clauses that support or name them and their enterprises"),
           enterprise: str | None = Query(None, description="an Enterprise id (USCC): its neighbourhood, investors "
                                                            "and grants"),
           node: str | None = Query(None, description="any node id: its neighbourhood within `depth`"),
           depth: int = Query(1, ge=1, le=4, description="with `node`"),
           ontology: bool = Query(True, description="include the ontology in RDF exports")) -> Response:
    fmt = check_format(format)
    backend = _backend(request)
    part = select_part(backend, document=document, industry=industry, enterprise=enterprise, node=node, depth=depth)
    content, media, filename = export_bytes(backend, fmt, part, with_ontology=ontology)
    return _file(content, media, filename)


def _rdf_only(fmt: str) -> str:
    fmt = check_format(fmt)
    if fmt not in ("ttl", "jsonld", "nt"):
        raise ValidationError(f"format {fmt!r} is not RDF; choose ttl, jsonld or nt", field="format")
    return fmt


@router.get("/export/ontology", summary="The ontology generated from the schema", response_class=Response)
def export_ontology(format: str = Query("ttl", description="ttl | jsonld | nt")) -> Response:  # noqa: A002
    from policykg.export.ontology import ontology
    from policykg.export.rdf import serialize

    fmt = _rdf_only(format)
    return Response(serialize(ontology(), fmt), media_type=FORMATS[fmt][0])


@router.get("/export/shapes", summary="The SHACL shapes generated from the schema", response_class=Response)
def export_shapes(format: str = Query("ttl", description="ttl | jsonld | nt")) -> Response:  # noqa: A002
    from policykg.export.rdf import serialize
    from policykg.export.shacl import shapes

    fmt = _rdf_only(format)
    return Response(serialize(shapes(), fmt), media_type=FORMATS[fmt][0])


@router.get("/analytics/centrality", summary="Centrality of clauses, industries, tiers or places (networkx)")
def analytics_centrality(request: Request,
                         kind: str = Query("clause", description="clause | industry | tier | place | all"),
                         measure: str = Query("pagerank", description="pagerank | degree | betweenness"),
                         seed: int = Query(networks.DEFAULT_SEED, description="seed of the betweenness sampling"),
                         limit: int = Query(20, ge=1, le=10_000), offset: int = OFFSET) -> dict[str, Any]:
    result = networks.centrality(_backend(request), kind, measure=measure, seed=seed)
    items = result.pop("items")
    return networks.page(items, limit, offset, **result)


@router.get("/analytics/communities", summary="Communities of enterprises through shared investors and industries")
def analytics_communities(request: Request,
                          seed: int = Query(networks.DEFAULT_SEED, description="Louvain seed"),
                          resolution: float = Query(1.0, gt=0, le=100, description="Louvain resolution"),
                          min_size: int = Query(2, ge=1, description="smallest community listed"),
                          members: int = Query(50, ge=0, le=100_000, description="members shown per community"),
                          limit: int = Query(20, ge=1, le=10_000), offset: int = OFFSET) -> dict[str, Any]:
    result = networks.communities(_backend(request), seed=seed, resolution=resolution, min_size=min_size,
                                  members=members)
    items = result.pop("items")
    return networks.page(items, limit, offset, **result)


@router.get("/analytics/similar/{uscc}", summary="Enterprises most similar to one (Jaccard on shared neighbours)")
def analytics_similar(uscc: str, request: Request,
                      labels: str = Query(",".join(networks.FEATURE_LABELS),
                                          description="comma-separated: Industry, Place, Tier, Programme, Fund"),
                      limit: int = Query(20, ge=1, le=10_000), offset: int = OFFSET) -> dict[str, Any]:
    backend = _backend(request)
    wanted = tuple(x.strip() for x in labels.split(",") if x.strip())
    result = networks.similar(backend, uscc, labels=wanted)
    items = result.pop("items")
    out = networks.page(items, limit, offset, **result)
    out["items"] = networks.with_names(backend, out["items"])
    return out
