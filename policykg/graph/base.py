"""The backend seam: what every graph backend does, and the parts they share.

A backend applies the schema, bulk-upserts validated nodes and relationships (idempotently: the
same input twice gives the same graph), runs named catalogue queries, runs user Cypher read-only
with a time limit and a row cap, counts, and clears. Nothing outside ``policykg.graph`` imports
an engine; everything else talks to a :class:`Backend`.
"""

from __future__ import annotations

import abc
import datetime as dt
import decimal
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from policykg.errors import ReadOnlyViolation, ValidationError
from policykg.graph.schema import Schema, load_schema, validate_node, validate_rel
from policykg.queries import get_query

BATCH = 10_000


@dataclass
class Result:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated}


@dataclass
class GraphBatch:
    """Nodes and relationships to write together: nodes first, then relationships."""

    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    relationships: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def add_node(self, label: str, row: dict[str, Any]) -> None:
        self.nodes.setdefault(label, []).append(row)

    def add_rel(self, rel_type: str, from_label: str, from_id: str, to_label: str, to_id: str, **props: Any) -> None:
        self.relationships.setdefault((rel_type, from_label, to_label), []).append(
            {"from": from_id, "to": to_id, **props}
        )

    def extend(self, other: GraphBatch) -> None:
        for label, rows in other.nodes.items():
            self.nodes.setdefault(label, []).extend(rows)
        for key, rows in other.relationships.items():
            self.relationships.setdefault(key, []).extend(rows)


def plain(value: Any) -> Any:
    """Engine values to JSON-able Python: dates to ISO strings, Decimal to int or float."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def dedupe(rows: Iterable[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    """Keep the last row for each key, in first-seen order (a batch is applied as one upsert)."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        k = key(row)
        out.pop(k, None)
        out[k] = row
    return list(out.values())


def quote_name(name: str) -> str:
    """A property name back-quoted for Cypher (names such as `group` are keywords somewhere)."""
    return f"`{name}`"


def screen_user_cypher(cypher: str, escapes: re.Pattern[str]) -> str:
    """First guard for user Cypher: one statement, none of the engine's ``escapes`` (statements that
    read files or reach outside the graph) outside string literals and comments. Returns the
    statement without a trailing ``;``. The engines' own read-only transactions are the second guard.
    """
    text = cypher.strip().rstrip(";").strip()
    scrubbed = re.sub(r"//[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    scrubbed = re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", scrubbed)
    m = escapes.search(scrubbed)
    if m:
        raise ReadOnlyViolation(f"refused: {' '.join(m.group(0).split())} is not allowed in read-only queries")
    if ";" in scrubbed:
        raise ReadOnlyViolation("refused: one statement at a time")
    return text


def chunks(rows: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Backend(abc.ABC):
    """One graph database. Made once per process by :func:`policykg.graph.open_backend`."""

    name: str = "?"

    def __init__(self, settings: Any, schema: Schema | None = None) -> None:
        self.settings = settings
        self.schema = schema or load_schema()

    # --- engine-specific ---------------------------------------------------------------------
    @abc.abstractmethod
    def apply_schema(self) -> None:
        """Create what the schema needs (tables / constraints / indexes); safe to repeat."""

    @abc.abstractmethod
    def _execute(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Result:
        """Run trusted Cypher (catalogue or generated from the schema)."""

    @abc.abstractmethod
    def _upsert_nodes(self, label: str, rows: list[dict[str, Any]], merge: bool = False) -> None:
        """Write validated, de-duplicated node rows. An existing node takes the row's values; with
        ``merge``, a null in the row keeps the node's value instead of clearing it."""

    @abc.abstractmethod
    def _upsert_rels(self, rel_type: str, from_label: str, to_label: str, rows: list[dict[str, Any]]) -> None:
        """Write validated, de-duplicated relationship rows whose endpoints exist."""

    @abc.abstractmethod
    def read_cypher(
        self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
        max_rows: int | None = None,
    ) -> Result:
        """Run user Cypher read-only, stopped after ``timeout`` seconds, at most ``max_rows`` rows."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (the schema stays applied)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def engine_version(self) -> str: ...

    @abc.abstractmethod
    def data_version(self) -> str:
        """A token that changes whenever the graph's data changes (through policykg, in any process).

        Answers computed from the data (a snapshot of the measures in force, the matching index, the
        gap figures) are cached under it and recomputed when it changes."""

    def _changed(self) -> None:
        """Record that this process changed the data (engines that cannot tell by themselves)."""

    # --- shared ------------------------------------------------------------------------------
    def upsert_nodes(self, label: str, rows: Iterable[dict[str, Any]], *, merge: bool = False) -> int:
        """Create or replace nodes by key (``merge``: fill in, keeping values the rows leave null)."""
        nt = self.schema.node(label)
        valid = dedupe((validate_node(self.schema, label, r) for r in rows), key=lambda r: r[nt.key])
        if valid:
            self._upsert_nodes(label, valid, merge)
            self._changed()
        return len(valid)

    def upsert_relationships(
        self, rel_type: str, from_label: str, to_label: str, rows: Iterable[dict[str, Any]]
    ) -> int:
        valid = dedupe(
            (validate_rel(self.schema, rel_type, from_label, to_label, r) for r in rows),
            key=lambda r: (r["from"], r["to"]),
        )
        if not valid:
            return 0
        for end, label in (("from", from_label), ("to", to_label)):
            missing = self.missing_ids(label, {r[end] for r in valid})
            if missing:
                sample = ", ".join(sorted(missing)[:5])
                raise ValidationError(
                    f"{rel_type}: {len(missing)} {end!r} endpoint(s) are not {label} nodes in the graph: {sample}",
                    field=end,
                )
        self._upsert_rels(rel_type, from_label, to_label, valid)
        self._changed()
        return len(valid)

    def write(self, batch: GraphBatch, *, merge: bool = False) -> dict[str, int]:
        """Write a batch: every node label first, then every relationship type."""
        written: dict[str, int] = {}
        for label, rows in batch.nodes.items():
            written[label] = written.get(label, 0) + self.upsert_nodes(label, rows, merge=merge)
        for (rel_type, a, b), rows in batch.relationships.items():
            written[rel_type] = written.get(rel_type, 0) + self.upsert_relationships(rel_type, a, b, rows)
        return written

    def missing_ids(self, label: str, ids: set[str]) -> set[str]:
        self.schema.node(label)
        found: set[str] = set()
        ids_list = sorted(ids)
        for part in chunks(ids_list, 50_000):
            # UNWIND + a key lookup uses the key index; `WHERE n.id IN $ids` scans every node on Ladybug.
            res = self._execute(f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id", {"ids": part})
            found.update(r[0] for r in res.rows)
        return ids - found

    def query(self, name: str, params: dict[str, Any] | None = None) -> Result:
        """Run a named catalogue query with typed parameters."""
        q = get_query(name)
        bound = q.bind(params or {})
        return self._execute(q.cypher(self.name), bound)

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = {label: 0 for label in self.schema.nodes}
        nodes.update({r[0]: int(r[1]) for r in self.query("counts_by_label").rows if r[0] in nodes})
        rels = {t: 0 for t in self.schema.relationships}
        rels.update({r[0]: int(r[1]) for r in self.query("counts_by_type").rows if r[0] in rels})
        return {"nodes": nodes, "relationships": rels}

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
