"""Reading the graph, or a part of it, out of a backend: typed rows in the shape the write path takes.

The Cypher here is generated from the schema only (labels, types and property names come from
``schema.yaml``; every value is a parameter) and runs through the backend's trusted path, as the
backends' own writes do. Whole labels are read in keyset pages (``WHERE n.id > $after ORDER BY n.id
LIMIT $limit``, which the key index serves on both engines); relationships are read by pages of
their source nodes, so no page scans a whole relationship table.

Rows are returned typed as the schema says (dates as :class:`datetime.date`, every declared
property present, ``None`` where the node has none), i.e. exactly what
:meth:`policykg.graph.base.Backend.write` validates, so a dump written to another backend gives
the same graph.

A *part* of the graph is a set of node ids per label (:class:`Part`), chosen by a directed walk
over the schema's relationship types from a start node (:data:`WALKS`: one document, one industry,
one enterprise's neighbourhood) or by :func:`policykg.explore.neighbourhood`; its relationships are
all those between its nodes, and the documents its evidence cites are added, so that every
``source_doc`` points at a node of the part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policykg.errors import NotFound, ValidationError
from policykg.graph.base import Backend, GraphBatch, chunks, quote_name
from policykg.graph.schema import NodeType, Property, RelType, Schema, coerce

PAGE = 10_000  # nodes per page
SOURCE_PAGE = 5_000  # source nodes per relationship page
LOOKUP = 20_000  # ids per key lookup

_q = quote_name


# --- typed rows ------------------------------------------------------------------------------

def _typed(value: Any, prop: Property) -> Any:
    if value is None:
        return None
    try:
        return coerce(value, prop)
    except (TypeError, ValueError):  # pragma: no cover - the backends store declared types only
        return value


def _node_returns(nt: NodeType, var: str = "n") -> tuple[str, list[Property]]:
    props = list(nt.properties.values())
    return ", ".join(f"{var}.{_q(p.name)} AS c{i}" for i, p in enumerate(props)), props


def _node_rows(rows: list[list[Any]], props: list[Property]) -> list[dict[str, Any]]:
    return [{p.name: _typed(v, p) for p, v in zip(props, row, strict=True)} for row in rows]


def _rel_returns(rt: RelType) -> tuple[str, list[Property]]:
    props = list(rt.properties.values())
    cols = "".join(f", r.{_q(p.name)} AS c{i}" for i, p in enumerate(props))
    return cols, props


def _rel_rows(rows: list[list[Any]], props: list[Property]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        if row[1] is None:  # a source node without such relationships (OPTIONAL MATCH)
            continue
        out.append({"from": row[0], "to": row[1], **{p.name: _typed(v, p) for p, v in zip(props, row[2:], strict=True)}})
    return out


# --- whole labels and types --------------------------------------------------------------------

def iter_nodes(backend: Backend, label: str, *, page: int = PAGE) -> Iterator[list[dict[str, Any]]]:
    """Every node of a label, in pages of typed rows ordered by key."""
    nt = backend.schema.node(label)
    returns, props = _node_returns(nt)
    key = _q(nt.key)
    cypher = (f"MATCH (n:{label}) WHERE n.{key} > $after RETURN {returns} "
              f"ORDER BY n.{key} LIMIT $limit")
    after = ""
    key_index = props.index(nt.properties[nt.key])
    while True:
        res = backend.execute(cypher, {"after": after, "limit": page})
        if not res.rows:
            return
        yield _node_rows(res.rows, props)
        if len(res.rows) < page:
            return
        after = res.rows[-1][key_index]


def iter_rels(backend: Backend, rel_type: str, from_label: str, to_label: str, *,
              page: int = SOURCE_PAGE) -> Iterator[list[dict[str, Any]]]:
    """Every relationship of a type between two labels, in pages of rows ``{from, to, **props}``
    (a page holds the relationships of up to ``page`` source nodes, ordered by their key)."""
    rt = backend.schema.check_endpoints(rel_type, from_label, to_label)
    a_key = _q(backend.schema.node(from_label).key)
    b_key = _q(backend.schema.node(to_label).key)
    cols, props = _rel_returns(rt)
    cypher = (f"MATCH (a:{from_label}) WHERE a.{a_key} > $after WITH a ORDER BY a.{a_key} LIMIT $limit "
              f"OPTIONAL MATCH (a)-[r:{rel_type}]->(b:{to_label}) "
              f"RETURN a.{a_key} AS src, b.{b_key} AS dst{cols} ORDER BY src, dst")
    after = ""
    while True:
        res = backend.execute(cypher, {"after": after, "limit": page})
        if not res.rows:
            return
        rows = _rel_rows(res.rows, props)
        if rows:
            yield rows
        after = max(r[0] for r in res.rows)
        if len({r[0] for r in res.rows}) < page:
            return


def nodes_by_key(backend: Backend, label: str, ids: list[str]) -> list[dict[str, Any]]:
    """Typed rows of the nodes of a label whose key is in ``ids`` (ordered by key)."""
    nt = backend.schema.node(label)
    returns, props = _node_returns(nt)
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(set(ids)), LOOKUP):
        res = backend.execute(f"UNWIND $ids AS i MATCH (n:{label} {{{_q(nt.key)}: i}}) RETURN {returns}",
                               {"ids": part})
        out.extend(_node_rows(res.rows, props))
    out.sort(key=lambda r: r[nt.key])
    return out


def _rels_at(backend: Backend, rel_type: str, from_label: str, to_label: str, ids: list[str],
             end: str) -> list[dict[str, Any]]:
    rt = backend.schema.check_endpoints(rel_type, from_label, to_label)
    a_key = _q(backend.schema.node(from_label).key)
    b_key = _q(backend.schema.node(to_label).key)
    a = f"(a:{from_label} {{{a_key}: i}})" if end == "from" else f"(a:{from_label})"
    b = f"(b:{to_label} {{{b_key}: i}})" if end == "to" else f"(b:{to_label})"
    cols, props = _rel_returns(rt)
    out: list[dict[str, Any]] = []
    for part in chunks(sorted(set(ids)), LOOKUP):
        res = backend.execute(f"UNWIND $ids AS i MATCH {a}-[r:{rel_type}]->{b} "
                               f"RETURN a.{a_key} AS src, b.{b_key} AS dst{cols}", {"ids": part})
        out.extend(_rel_rows(res.rows, props))
    return out


def rels_from(backend: Backend, rel_type: str, from_label: str, to_label: str, ids: list[str]) -> list[dict[str, Any]]:
    """Relationships of a type whose source (a ``from_label`` node) has its key in ``ids``."""
    return _rels_at(backend, rel_type, from_label, to_label, ids, "from")


def rels_to(backend: Backend, rel_type: str, from_label: str, to_label: str, ids: list[str]) -> list[dict[str, Any]]:
    """Relationships of a type whose target (a ``to_label`` node) has its key in ``ids``."""
    return _rels_at(backend, rel_type, from_label, to_label, ids, "to")


def endpoint_pairs(schema: Schema) -> Iterator[tuple[str, str, str]]:
    """(type, from label, to label) for every declared relationship endpoint pair, in schema order."""
    for rt in schema.relationships.values():
        for a, b in rt.endpoints:
            yield rt.type, a, b


# --- parts ---------------------------------------------------------------------------------------

@dataclass
class Part:
    """A part of the graph: node ids per label (``None`` = the whole graph)."""

    kind: str = "graph"
    start: str | None = None
    ids: dict[str, set[str]] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return self.ids is None

    def size(self) -> int | None:
        return None if self.ids is None else sum(len(v) for v in self.ids.values())

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "nodes": self.size()}


WHOLE = Part()

_NAMED = ("SUPPORTS", "TARGETS", "APPLIES_IN", "USES_INSTRUMENT", "REFERS_TO", "MENTIONS")

#: A walk: start label and state; for each state, the steps (direction, relationship type, next state).
#: Directions follow the schema's endpoints; every declared endpoint pair of a type is followed.
WALKS: dict[str, dict[str, Any]] = {
    # A document: its sections and clauses, what they state (amounts, rates, conditions, rules), the
    # taxonomy entries they name (with their broader industries and places, and what instruments state).
    "document": {
        "label": "PolicyDocument", "state": "doc",
        "steps": {
            "doc": [("out", "HAS_SECTION", "section")],
            "section": [("out", "HAS_SECTION", "section"), ("out", "HAS_CLAUSE", "clause"), ("out", "MENTIONS", "named"),
                        ("out", "STATES", "fact"), ("out", "HAS_CONDITION", "fact")],
            "clause": [*(("out", t, "named") for t in _NAMED), ("out", "STATES", "fact"),
                       ("out", "HAS_CONDITION", "fact"), ("out", "HAS_RULE", "fact")],
            "named": [("out", "SUBINDUSTRY_OF", "named"), ("out", "PART_OF", "named"), ("out", "STATES", "fact"),
                      ("out", "HAS_CONDITION", "fact")],
            "fact": [],
        },
    },
    # An industry: its narrower industries (all levels) and broader ones, the clauses and sections that
    # support or name them, and the enterprises in them.
    "industry": {
        "label": "Industry", "state": "root",
        "steps": {
            "root": [("in", "SUBINDUSTRY_OF", "narrower"), ("out", "SUBINDUSTRY_OF", "broader"),
                     ("in", "SUPPORTS", "leaf"), ("in", "MENTIONS", "leaf"), ("in", "IN_INDUSTRY", "leaf")],
            "narrower": [("in", "SUBINDUSTRY_OF", "narrower"), ("in", "SUPPORTS", "leaf"), ("in", "MENTIONS", "leaf"),
                         ("in", "IN_INDUSTRY", "leaf")],
            "broader": [("out", "SUBINDUSTRY_OF", "broader")],
            "leaf": [],
        },
    },
    # An enterprise's neighbourhood: what it is linked to, its figures and grants (with the clauses they
    # were paid under), and its investments (with the funds that made them).
    "enterprise": {
        "label": "Enterprise", "state": "firm",
        "steps": {
            "firm": [*(("out", t, "leaf") for t in ("IN_INDUSTRY", "LOCATED_IN", "HAS_TIER", "SELECTED_IN", "REPORTED")),
                     ("out", "RECEIVED", "grant"), ("in", "INVESTED_IN", "investment")],
            "grant": [("out", "GRANTED_UNDER", "leaf")],
            "investment": [("in", "MADE", "leaf")],
            "leaf": [],
        },
    },
}


def walk(backend: Backend, kind: str, start: str) -> Part:
    """The part of the graph a walk of :data:`WALKS` reaches from ``start``."""
    try:
        spec = WALKS[kind]
    except KeyError:
        raise ValidationError(f"unknown part {kind!r}; choose one of {', '.join(WALKS)}", field="part") from None
    schema = backend.schema
    label = spec["label"]
    if backend.missing_ids(label, {start}):
        raise NotFound(f"no {label} with id {start!r}", id=start, label=label)
    ids: dict[str, set[str]] = {label: {start}}
    seen: set[tuple[str, str, str]] = {(label, start, spec["state"])}
    frontier: dict[tuple[str, str], set[str]] = {(label, spec["state"]): {start}}
    while frontier:
        nxt: dict[tuple[str, str], set[str]] = {}
        for (lab, state), here in sorted(frontier.items()):
            for direction, rel_type, new_state in spec["steps"][state]:
                for a, b in schema.rel(rel_type).endpoints:
                    if (a if direction == "out" else b) != lab:
                        continue
                    if direction == "out":
                        found = [(b, r["to"]) for r in rels_from(backend, rel_type, a, b, sorted(here))]
                    else:
                        found = [(a, r["from"]) for r in rels_to(backend, rel_type, a, b, sorted(here))]
                    for other_label, other in found:
                        ids.setdefault(other_label, set()).add(other)
                        if (other_label, other, new_state) not in seen:
                            seen.add((other_label, other, new_state))
                            nxt.setdefault((other_label, new_state), set()).add(other)
        frontier = nxt
    return Part(kind, start, ids)


def neighbourhood_part(backend: Backend, node_id: str, depth: int = 1, limit: int = 5_000) -> Part:
    """The nodes within ``depth`` relationships of a node (any direction), through explore.neighbourhood."""
    from policykg import explore

    found = explore.neighbourhood(backend, node_id, depth=depth, limit=limit)
    ids: dict[str, set[str]] = {}
    for n in found["nodes"]:
        ids.setdefault(n["label"], set()).add(n["id"])
    notes = [f"only {len(found['nodes'])} of {found['total']} nodes within depth {found['depth']} (limit {limit})"] \
        if found["truncated"] else []
    return Part("node", node_id, ids, notes)


def select_part(backend: Backend, *, document: str | None = None, industry: str | None = None,
                enterprise: str | None = None, node: str | None = None, depth: int = 1,
                limit: int = 5_000) -> Part:
    """At most one of document / industry / enterprise / node; none gives the whole graph."""
    given = {k: v for k, v in (("document", document), ("industry", industry), ("enterprise", enterprise),
                                ("node", node)) if v}
    if len(given) > 1:
        raise ValidationError(f"choose one part of the graph, not {', '.join(sorted(given))}", field=sorted(given)[1])
    if not given:
        return WHOLE
    kind, start = next(iter(given.items()))
    if kind == "node":
        return neighbourhood_part(backend, start, depth, limit)
    return walk(backend, kind, start)


# --- reading a whole graph or a part ------------------------------------------------------------

def _add_evidence_documents(backend: Backend, batch: GraphBatch, part: Part) -> None:
    """Add the documents that the part's evidence cites (source_doc), so that PROV links resolve."""
    assert part.ids is not None
    cited: set[str] = set()
    for rows in batch.nodes.values():
        cited.update(r["source_doc"] for r in rows if r.get("source_doc"))
    for rows in batch.relationships.values():
        cited.update(r["source_doc"] for r in rows if r.get("source_doc"))
    have = part.ids.setdefault("PolicyDocument", set())
    missing = sorted(cited - have)
    if missing:
        rows = nodes_by_key(backend, "PolicyDocument", missing)
        have.update(r["id"] for r in rows)
        batch.nodes.setdefault("PolicyDocument", []).extend(rows)


def dump(backend: Backend, part: Part = WHOLE) -> GraphBatch:
    """The whole graph (or a part) as one :class:`GraphBatch` of typed rows, labels and types in
    schema order, rows ordered by key (relationships by their endpoints)."""
    schema = backend.schema
    batch = GraphBatch()
    if part.whole:
        for label in schema.nodes:
            batch.nodes[label] = [r for page in iter_nodes(backend, label) for r in page]
        for rel_type, a, b in endpoint_pairs(schema):
            batch.relationships[(rel_type, a, b)] = [r for page in iter_rels(backend, rel_type, a, b) for r in page]
    else:
        assert part.ids is not None
        for label in schema.nodes:
            if part.ids.get(label):
                batch.nodes[label] = nodes_by_key(backend, label, sorted(part.ids[label]))
        for rel_type, a, b in endpoint_pairs(schema):
            if part.ids.get(a) and part.ids.get(b):
                rows = [r for r in rels_from(backend, rel_type, a, b, sorted(part.ids[a])) if r["to"] in part.ids[b]]
                batch.relationships[(rel_type, a, b)] = sorted(rows, key=lambda r: (r["from"], r["to"]))
        _add_evidence_documents(backend, batch, part)
        # evidence documents may link to nodes of the part (e.g. SUPERSEDES between two of them)
        for rel_type, a, b in endpoint_pairs(schema):
            if a == "PolicyDocument" and part.ids.get(a) and part.ids.get(b):
                rows = [r for r in rels_from(backend, rel_type, a, b, sorted(part.ids[a])) if r["to"] in part.ids[b]]
                batch.relationships[(rel_type, a, b)] = sorted(rows, key=lambda r: (r["from"], r["to"]))
    for key in [k for k, rows in batch.relationships.items() if not rows]:
        del batch.relationships[key]
    for key in [k for k, rows in batch.nodes.items() if not rows]:
        del batch.nodes[key]
    return batch


def iter_pages(backend: Backend, *, page: int = PAGE) -> Iterator[GraphBatch]:
    """The whole graph as a stream of small batches: every label's nodes first, then every type's
    relationships, so that writing the batches in order always finds the endpoints in place."""
    schema = backend.schema
    for label in schema.nodes:
        for rows in iter_nodes(backend, label, page=page):
            yield GraphBatch(nodes={label: rows})
    for rel_type, a, b in endpoint_pairs(schema):
        for rows in iter_rels(backend, rel_type, a, b, page=max(1, page // 2)):
            yield GraphBatch(relationships={(rel_type, a, b): rows})


# --- comparing ---------------------------------------------------------------------------------

def _canon(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def digest(backend: Backend) -> dict[str, str]:
    """A SHA-256 per label and per relationship type over the canonical rows (every declared
    property, typed), streamed: two graphs with the same digests hold the same nodes, properties
    and relationships."""
    schema = backend.schema
    out: dict[str, str] = {}
    for label in schema.nodes:
        h = hashlib.sha256()
        for rows in iter_nodes(backend, label):
            for r in rows:
                h.update(json.dumps({k: _canon(v) for k, v in r.items()}, ensure_ascii=False, sort_keys=True).encode())
                h.update(b"\n")
        out[label] = h.hexdigest()
    for rt in schema.relationships.values():
        h = hashlib.sha256()
        for a, b in rt.endpoints:
            rows = sorted((r for page in iter_rels(backend, rt.type, a, b) for r in page),
                          key=lambda r: (r["from"], r["to"]))
            for r in rows:
                h.update(f"{a}>{b}:".encode())
                h.update(json.dumps({k: _canon(v) for k, v in r.items()}, ensure_ascii=False, sort_keys=True).encode())
                h.update(b"\n")
        out[rt.type] = h.hexdigest()
    return out
