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
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.graph.base import GraphBatch
from policykg.graph.schema import Schema, load_schema

GRAPH_FORMATS = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml"}
LIST_DELIMITER = ";"
_GEXF_RESERVED = {"label": "printed_label", "id": "node_id", "start": "start_", "end": "end_", "pid": "pid_",
                  "type": "type_", "weight": "weight_"}


def _attr(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return LIST_DELIMITER.join(str(v) for v in value)
    return value


def display_name(row: dict[str, Any], key: str = "id") -> str:
    for k in ("name", "title", "label", key):
        if row.get(k) not in (None, ""):
            return str(row[k])
    return ""


def to_networkx(batch: GraphBatch, schema: Schema | None = None, *, gexf: bool = False) -> nx.MultiDiGraph:
    """A directed multigraph of the batch (for GraphML, or for GEXF with ``gexf``)."""
    schema = schema or load_schema()
    g = nx.MultiDiGraph(name="policykg")
    node_key: dict[tuple[str, str], str] = {}
    for label, rows in batch.nodes.items():
        nt = schema.node(label)
        for row in rows:
            key = str(row[nt.key])
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
            g.add_node(key, **attrs)
    for (rel_type, a, b), rows in batch.relationships.items():
        for row in rows:
            src = node_key.get((a, str(row["from"])), str(row["from"]))
            dst = node_key.get((b, str(row["to"])), str(row["to"]))
            attrs = {k: _attr(v) for k, v in row.items() if v is not None and k not in ("from", "to")}
            if gexf:
                attrs = {_GEXF_RESERVED.get(k, k): v for k, v in attrs.items()}
            attrs["label"] = rel_type
            attrs["id"] = f"{rel_type}:{row['from']}->{row['to']}"
            g.add_edge(src, dst, key=rel_type, **attrs)
    return g


def write_graphml(batch: GraphBatch, path: Path, schema: Schema | None = None) -> None:
    g = to_networkx(batch, schema)
    # GraphML keys must have one type each: networkx infers them from the Python values.
    nx.write_graphml_xml(g, str(path), encoding="utf-8", prettyprint=True, named_key_ids=False,
                         edge_id_from_attribute="id")


def write_gexf(batch: GraphBatch, path: Path, schema: Schema | None = None) -> None:
    nx.write_gexf(to_networkx(batch, schema, gexf=True), str(path), encoding="utf-8", prettyprint=True,
                  version="1.2draft")
