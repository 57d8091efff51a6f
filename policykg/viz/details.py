"""What the pages' node panel shows, and the pages' search by name.

:func:`node_details` gives, for any nodes, their type and properties and their *evidence*: every
quoted text the graph keeps for them — their own (an extracted Section, Clause, Amount, Rate,
Condition, Rule or Instrument carries ``source_doc``, ``span_start``, ``span_end``, ``quote``) and
their relationships' (a clause SUPPORTS an industry because of the words 智能物联 at a span) — each with
its document (number, title) and the clause whose span holds it, and a few characters of context
from the document's text, checked so that ``text[span_start:span_end] == quote``.

The catalogue has no query for a node's whole property map, so the few read-only statements used
here are below as named constants. They are plain Cypher that both engines run unchanged (no
``labels()`` / ``label()``); nodes and relationships come back from either backend as maps with
``_label`` / ``_type``. They run through the backend's read-only path, with its time limit.
Labels and property names interpolated into the search come from the schema, never from a request.
"""

from __future__ import annotations

import re
from typing import Any

from policykg.errors import NotFound
from policykg.graph.base import Backend, quote_name
from policykg.viz.network import node_style, rel_name

#: a node's properties (any label); ``n`` comes back as a map with ``_label``
NODE_PROPERTIES = "UNWIND $ids AS i MATCH (n {id: i}) RETURN n"
#: relationships that carry evidence, leaving or entering the nodes, with the node at the other end
EVIDENCE_OUT = ("UNWIND $ids AS i MATCH (n {id: i})-[r]->(m) WHERE r.quote IS NOT NULL "
                "RETURN n.id AS id, r AS rel, m.id AS other, 'out' AS direction")
EVIDENCE_IN = ("UNWIND $ids AS i MATCH (n {id: i})<-[r]-(m) WHERE r.quote IS NOT NULL "
               "RETURN n.id AS id, r AS rel, m.id AS other, 'in' AS direction")
#: the documents evidence points into (their text gives the context around a quote)
DOCUMENTS = ("UNWIND $ids AS i MATCH (d:PolicyDocument {id: i}) "
             "RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.text AS text")
#: every clause and section of those documents with its span, to find the one holding a quote
CLAUSE_SPANS = ("UNWIND $ids AS i MATCH (c:Clause) WHERE c.document = i "
                "RETURN c.id AS id, c.label AS label, c.title AS title, c.kind AS kind, c.document AS document, "
                "c.span_start AS span_start, c.span_end AS span_end")

CONTEXT = 36  # characters of document text shown on each side of a quote
MAX_ROWS = 200_000
#: properties never shown in the table (the evidence section shows them, or they are too long)
HIDDEN = {"quote", "span_start", "span_end", "source_doc"}
LONG = 240


def _read(backend: Backend, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return backend.read_cypher(cypher, params, max_rows=MAX_ROWS).records()


def _name(props: dict[str, Any]) -> str:
    if props.get("_label") == "Clause" and not props.get("title") and props.get("text"):
        text = str(props["text"])
        return f"{props.get('label')}. {text[:24]}…" if len(text) > 24 else f"{props.get('label')}. {text}"
    for k in ("name", "title", "label", "quote", "id"):
        if props.get(k) not in (None, ""):
            return str(props[k])
    return ""


def _natural(text: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text or "")]


def node_details(backend: Backend, ids: list[str], *, links: bool = True) -> dict[str, dict[str, Any]]:
    """Panel contents for each id that names a node: ``{id, type, type_name, name, properties,
    evidence: [...], links: [{type, name, direction, count, sample}]}``."""
    ids = list(dict.fromkeys(i for i in ids if i))
    if not ids:
        return {}
    props: dict[str, dict[str, Any]] = {}
    for r in _read(backend, NODE_PROPERTIES, {"ids": ids}):
        n = dict(r["n"])
        props[n["id"]] = n
    found = [i for i in ids if i in props]
    rels = _read(backend, EVIDENCE_OUT, {"ids": found}) + _read(backend, EVIDENCE_IN, {"ids": found}) if found else []
    others = sorted({r["other"] for r in rels} - set(props))
    if others:
        for r in backend.query("nodes_by_id", {"ids": others}).records():
            props.setdefault(r["id"], {"id": r["id"], "_label": r["label"], "name": r["name"], "_brief": True})
    docs_needed = {p["source_doc"] for p in props.values() if p.get("source_doc")}
    docs_needed |= {r["rel"].get("source_doc") for r in rels if r["rel"].get("source_doc")}
    docs = {r["id"]: r for r in _read(backend, DOCUMENTS, {"ids": sorted(docs_needed)})} if docs_needed else {}
    clauses: dict[str, list[dict[str, Any]]] = {}
    if docs:
        for c in _read(backend, CLAUSE_SPANS, {"ids": sorted(docs)}):
            clauses.setdefault(c["document"], []).append(c)

    def clause_at(doc: str, start: int | None, end: int | None) -> dict[str, Any] | None:
        if start is None or end is None:
            return None
        best = None
        for c in clauses.get(doc, []):
            if c["span_start"] is not None and c["span_start"] <= start and end <= c["span_end"]:
                if best is None or c["span_end"] - c["span_start"] < best["span_end"] - best["span_start"]:
                    best = c
        return best

    def evidence(item: dict[str, Any], via: dict[str, Any] | None) -> dict[str, Any] | None:
        quote, doc_id = item.get("quote"), item.get("source_doc")
        if not quote:
            return None
        s, e = item.get("span_start"), item.get("span_end")
        doc = docs.get(doc_id) or {}
        text = doc.get("text") or ""
        context = None
        exact = False
        if s is not None and e is not None and 0 <= s <= e <= len(text):
            exact = text[s:e] == quote
            context = {"before": text[max(0, s - CONTEXT):s], "quote": text[s:e], "after": text[e:e + CONTEXT]}
        clause = None
        if via and via["other"]["type"] == "Clause" and via["direction"] == "in":
            clause = via["other"]["id"]
        elif item.get("_label") == "Clause":
            clause = item.get("id")
        cl = next((c for c in clauses.get(doc_id, []) if c["id"] == clause), None) if clause else None
        cl = cl or clause_at(doc_id, s, e)
        return {
            "quote": quote, "span": [s, e], "exact": exact, "context": context,
            "document": {"id": doc_id, "doc_number": doc.get("doc_number"), "title": doc.get("title")},
            "clause": ({"id": cl["id"], "label": cl["label"], "title": cl["title"], "kind": cl["kind"]} if cl else None),
            "via": via,
        }

    out: dict[str, dict[str, Any]] = {}
    for i in found:
        p = props[i]
        label = p.get("_label") or "_unknown"
        shown = {}
        for k, v in p.items():
            if k.startswith("_") or k in HIDDEN or v is None:
                continue
            if isinstance(v, str) and len(v) > LONG and not (label == "Clause" and k == "text"):
                shown[k] = v[:LONG] + f"…（共 {len(v)} 字）"
            elif label == "Clause" and k == "text" and p.get("quote") == v:
                continue  # the clause's text is its own evidence, shown there
            else:
                shown[k] = v
        out[i] = {"id": i, "type": label, "type_name": node_style(label)["name"], "name": _name(p),
                  "properties": shown, "evidence": [], "links": []}
        own = evidence(p, None)
        if own:
            out[i]["evidence"].append(own)
    for r in rels:
        o = props.get(r["other"], {"id": r["other"], "_label": "_unknown"})
        rel = r["rel"]
        via = {"type": rel.get("_type"), "type_name": rel_name(rel.get("_type") or ""), "direction": r["direction"],
               "other": {"id": o["id"], "type": o.get("_label"), "name": _name(o)}}
        ev = evidence(rel, via)
        if ev and r["id"] in out:
            out[r["id"]]["evidence"].append(ev)
    for d in out.values():
        d["evidence"].sort(key=lambda ev: (ev["via"] is not None, ev["document"]["id"] or "", ev["span"][0] or 0,
                                           ev["via"]["type"] if ev["via"] else ""))
    if links and found:
        groups: dict[tuple[str, str, str], dict[str, Any]] = {}
        for r in backend.query("neighbours", {"ids": found}).records():
            me = r["source"] if r["direction"] == "out" else r["target"]
            other = r["target"] if r["direction"] == "out" else r["source"]
            if me not in out:
                continue
            g = groups.setdefault((me, r["type"], r["direction"]), {
                "type": r["type"], "type_name": rel_name(r["type"]), "direction": r["direction"], "count": 0,
                "sample": []})
            g["count"] += 1
            g["sample"].append({"id": other, "type": r["label"], "name": r["name"]})
        for (me, _t, _d), g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            g["sample"] = sorted(g["sample"], key=lambda x: _natural(str(x["name"])))[:8]
            out[me]["links"].append(g)
    return out


def node_detail(backend: Backend, node_id: str) -> dict[str, Any]:
    found = node_details(backend, [node_id])
    if node_id not in found:
        raise NotFound(f"no node with id {node_id!r}", id=node_id)
    return found[node_id]


def _searchable(backend: Backend) -> list[tuple[str, str]]:
    """(label, property) pairs to search by name, from the schema: ``name`` where a label has one, else
    ``title``. Enterprises are searched through the analysis layer (USCC prefixes too)."""
    out = []
    for label, nt in backend.schema.nodes.items():
        names = {p for p in nt.properties}
        for prop in ("name", "title"):
            if prop in names:
                out.append((label, prop))
                break
    return out


def search_nodes(backend: Backend, q: str, limit: int = 20) -> dict[str, Any]:
    """Nodes whose name (or title) contains ``q``, or whose id is ``q``, best first:
    ``{items: [{id, type, type_name, name}], total, limit}``."""
    q = (q or "").strip()
    if not q:
        return {"items": [], "total": 0, "limit": limit}
    found: dict[str, dict[str, Any]] = {}
    per_label = max(limit, 20)
    for label, prop in _searchable(backend):
        cypher = (f"MATCH (n:{label}) WHERE n.{quote_name(prop)} CONTAINS $q OR n.id = $q "
                  f"RETURN n.id AS id, n.{quote_name(prop)} AS name LIMIT {int(per_label)}")
        for r in _read(backend, cypher, {"q": q}):
            found.setdefault(r["id"], {"id": r["id"], "type": label, "type_name": node_style(label)["name"],
                                       "name": r["name"] if r["name"] is not None else r["id"]})

    def rank(item: dict[str, Any]) -> tuple:
        name = str(item["name"])
        return (item["id"] != q, name != q, not name.startswith(q), len(name), _natural(name))

    items = sorted(found.values(), key=rank)
    return {"items": items[:limit], "total": len(items), "limit": limit}
