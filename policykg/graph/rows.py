"""What crosses the backend seam: a query's answer, a batch to write, and the small helpers both
backends and their callers share (engine values made plain, batches, quoted property names)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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


def chunks(rows: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
