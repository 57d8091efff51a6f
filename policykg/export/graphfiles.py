"""The graph as GraphML and GEXF (through networkx), for Gephi, Cytoscape, yEd and notebooks.

Nodes are keyed by their id (unique across labels in policykg; a clash would be keyed ``Label:id``).
Properties become attributes as the schema declares them (dates as ISO text, lists joined with
``;``, missing values left out). The node type and the relationship type follow the conventions
the tools know:

- GraphML (as Neo4j's APOC writes it): node attribute ``labels`` = ``:Clause``; edge attribute
  ``label`` = the relationship type; the schema's own properties keep their names (a Clause's
  printed number stays ``label``).
- GEXF (as Gephi reads it): the node's GEXF label is its display name (name, title, printed label
  or id) and its attribute ``node_type`` the label, which Gephi can partition on; the edge's GEXF
  label is the relationship type. The schema property ``label`` is renamed ``printed_label``
  there, since GEXF reserves ``label``.

XML 1.0 cannot hold some characters at all, not even as character references (the C0 controls
but tab, line feed and carriage return; U+FFFE, U+FFFF; lone surrogates). A text holding one has
it replaced by U+FFFD, and the export says how many and where (:class:`XmlReplacements`); the file
written is then parsed back with lxml, and an export that is not well-formed XML is removed and
fails.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.errors import PolicyKGError
from policykg.graph.base import GraphBatch
from policykg.graph.schema import Schema, load_schema

LIST_DELIMITER = ";"
_GEXF_RESERVED = {"label": "printed_label", "id": "node_id", "start": "start_", "end": "end_", "pid": "pid_",
                  "type": "type_", "weight": "weight_"}


#: the characters outside XML 1.0's Char production, each to U+FFFD
_NOT_XML = {c: "\ufffd" for c in [*range(0x20), 0xFFFE, 0xFFFF, *range(0xD800, 0xE000)] if c not in (0x9, 0xA, 0xD)}


class XmlReplacements:
    """The characters XML 1.0 cannot hold that an export replaced: how many, and where (the first few)."""

    SHOWN = 5

    def __init__(self) -> None:
        self.count = 0
        self.where: list[str] = []

    def text(self, value: str, where: str) -> str:
        safe = value.translate(_NOT_XML)
        if safe != value:
            self.count += sum(1 for a, b in zip(value, safe, strict=True) if a != b)
            if len(self.where) < self.SHOWN:
                self.where.append(where)
        return safe

    def note(self) -> str | None:
        if not self.count:
            return None
        more = ", ..." if self.count > len(self.where) else ""
        return (f"{self.count} character(s) that XML 1.0 cannot hold (control characters) were written as U+FFFD, "
                f"in: {', '.join(self.where)}{more}")


def _attr(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return LIST_DELIMITER.join(str(v) for v in value)
    return value


def _safe_attrs(attrs: dict[str, Any], where: str, fix: XmlReplacements) -> dict[str, Any]:
    return {k: fix.text(v, f"{where} {k}") if isinstance(v, str) else v for k, v in attrs.items()}


def display_name(row: dict[str, Any], key: str = "id") -> str:
    for k in ("name", "title", "label", key):
        if row.get(k) not in (None, ""):
            return str(row[k])
    return ""


def to_networkx(batch: GraphBatch, schema: Schema | None = None, *, gexf: bool = False,
                fix: XmlReplacements | None = None) -> nx.MultiDiGraph:
    """A directed multigraph of the batch (for GraphML, or for GEXF with ``gexf``); with ``fix``, every
    text (ids included) holds only characters XML 1.0 allows."""
    schema = schema or load_schema()
    fix = fix or XmlReplacements()
    g = nx.MultiDiGraph(name="policykg")
    node_key: dict[tuple[str, str], str] = {}
    for label, rows in batch.nodes.items():
        nt = schema.node(label)
        for row in rows:
            key = fix.text(str(row[nt.key]), f"{label} {row[nt.key]!r} id")
            if key in g:
                key = f"{label}:{key}"
            node_key[(label, str(row[nt.key]))] = key
            attrs = {k: _attr(v) for k, v in row.items() if v is not None and k != nt.key}
            if gexf:
                attrs = {_GEXF_RESERVED.get(k, k): v for k, v in attrs.items()}
                attrs["label"] = display_name(row, nt.key)
                attrs["node_type"] = label
            else:
                attrs["labels"] = f":{label}"
            g.add_node(key, **_safe_attrs(attrs, f"{label} {key}", fix))
    for (rel_type, a, b), rows in batch.relationships.items():
        for row in rows:
            src = node_key.get((a, str(row["from"])), fix.text(str(row["from"]), f"{rel_type} from"))
            dst = node_key.get((b, str(row["to"])), fix.text(str(row["to"]), f"{rel_type} to"))
            attrs = {k: _attr(v) for k, v in row.items() if v is not None and k not in ("from", "to")}
            if gexf:
                attrs = {_GEXF_RESERVED.get(k, k): v for k, v in attrs.items()}
            attrs["label"] = rel_type
            attrs["id"] = f"{rel_type}:{row['from']}->{row['to']}"
            g.add_edge(src, dst, key=rel_type, **_safe_attrs(attrs, f"{rel_type} {src}->{dst}", fix))
    return g


def check_xml(path: Path, what: str) -> None:
    """Parse a written file with lxml (streamed): one that is not well-formed XML is removed, and the
    export fails saying where."""
    from lxml import etree

    try:
        for _, elem in etree.iterparse(str(path), events=("end",), huge_tree=True):
            elem.clear()
    except etree.XMLSyntaxError as exc:
        path.unlink(missing_ok=True)
        raise PolicyKGError(f"the {what} export is not well-formed XML ({exc}); nothing was written") from None


def write_graphml(batch: GraphBatch, path: Path, schema: Schema | None = None) -> XmlReplacements:
    fix = XmlReplacements()
    g = to_networkx(batch, schema, fix=fix)
    # GraphML keys must have one type each: networkx infers them from the Python values.
    nx.write_graphml_xml(g, str(path), encoding="utf-8", prettyprint=True, named_key_ids=False,
                         edge_id_from_attribute="id")
    check_xml(path, "GraphML")
    return fix


def write_gexf(batch: GraphBatch, path: Path, schema: Schema | None = None) -> XmlReplacements:
    fix = XmlReplacements()
    nx.write_gexf(to_networkx(batch, schema, gexf=True, fix=fix), str(path), encoding="utf-8", prettyprint=True,
                  version="1.2draft")
    check_xml(path, "GEXF")
    return fix
