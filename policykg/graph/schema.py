"""The graph schema, read from ``schema.yaml``: node labels, keys, typed properties, relationships.

This module only reads and checks the declaration; the engine-specific DDL is made from it in
each backend, and rows are validated here before any backend writes them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from policykg.errors import SchemaError, ValidationError

TYPES = ("string", "int", "float", "bool", "date", "string[]")


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: dict[str, Property]
    description: str = ""
    evidence: bool = False
    indexes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelType:
    type: str
    endpoints: tuple[tuple[str, str], ...]
    properties: dict[str, Property]
    description: str = ""
    evidence: bool = False


@dataclass(frozen=True)
class Schema:
    version: int
    nodes: dict[str, NodeType]
    relationships: dict[str, RelType]
    evidence: dict[str, Property] = field(default_factory=dict)

    def node(self, label: str) -> NodeType:
        try:
            return self.nodes[label]
        except KeyError:
            raise SchemaError(f"unknown node label {label!r}; the schema declares {sorted(self.nodes)}") from None

    def rel(self, rel_type: str) -> RelType:
        try:
            return self.relationships[rel_type]
        except KeyError:
            raise SchemaError(
                f"unknown relationship type {rel_type!r}; the schema declares {sorted(self.relationships)}"
            ) from None

    def check_endpoints(self, rel_type: str, from_label: str, to_label: str) -> RelType:
        rel = self.rel(rel_type)
        if (from_label, to_label) not in rel.endpoints:
            raise SchemaError(
                f"{rel_type} does not connect {from_label} to {to_label}; declared: "
                + ", ".join(f"{a}->{b}" for a, b in rel.endpoints)
            )
        return rel


def _props(raw: dict[str, Any] | None, where: str) -> dict[str, Property]:
    out: dict[str, Property] = {}
    for name, spec in (raw or {}).items():
        spec = spec or {}
        ptype = spec.get("type", "string")
        if ptype not in TYPES:
            raise SchemaError(f"{where}.{name}: unknown type {ptype!r} (allowed: {', '.join(TYPES)})")
        out[name] = Property(name, ptype, bool(spec.get("required", False)), spec.get("description", ""))
    return out


def parse_schema(data: dict[str, Any]) -> Schema:
    evidence = _props(data.get("evidence"), "evidence")
    nodes: dict[str, NodeType] = {}
    for label, spec in (data.get("nodes") or {}).items():
        props = _props(spec.get("properties"), label)
        has_evidence = bool(spec.get("evidence", False))
        if has_evidence:
            props = {**props, **evidence}
        key = spec.get("key", "id")
        if key not in props:
            raise SchemaError(f"{label}: key {key!r} is not a declared property")
        for idx in spec.get("indexes", []) or []:
            if idx not in props:
                raise SchemaError(f"{label}: index on undeclared property {idx!r}")
        nodes[label] = NodeType(
            label, key, props, spec.get("description", ""), has_evidence, tuple(spec.get("indexes", []) or [])
        )
    rels: dict[str, RelType] = {}
    for rtype, spec in (data.get("relationships") or {}).items():
        props = _props(spec.get("properties"), rtype)
        has_evidence = bool(spec.get("evidence", False))
        if has_evidence:
            props = {**props, **evidence}
        endpoints = tuple(tuple(pair) for pair in spec.get("endpoints", []))
        if not endpoints:
            raise SchemaError(f"{rtype}: no endpoints declared")
        for a, b in endpoints:
            for lab in (a, b):
                if lab not in nodes:
                    raise SchemaError(f"{rtype}: endpoint {lab!r} is not a declared node label")
        for reserved in ("from", "to"):
            if reserved in props:
                raise SchemaError(f"{rtype}: property name {reserved!r} is reserved for endpoints")
        rels[rtype] = RelType(rtype, endpoints, props, spec.get("description", ""), has_evidence)
    return Schema(int(data.get("version", 1)), nodes, rels, evidence)


@lru_cache(maxsize=1)
def load_schema() -> Schema:
    text = resources.files("policykg.graph").joinpath("schema.yaml").read_text(encoding="utf-8")
    return parse_schema(yaml.safe_load(text))


# --- row validation -------------------------------------------------------------------------

def coerce(value: Any, prop: Property) -> Any:
    """Return ``value`` as the property's type, or raise ValueError with the reason."""
    if value is None:
        return None
    t = prop.type
    if t == "string":
        if isinstance(value, (dict, list, tuple, set)):
            raise ValueError(f"expected text, got {type(value).__name__}")
        return str(value)
    if t == "int":
        if isinstance(value, bool):
            raise ValueError("expected an integer, got a boolean")
        if isinstance(value, float):
            if not math.isfinite(value) or value != int(value):
                raise ValueError(f"expected an integer, got {value!r}")
            return int(value)
        if isinstance(value, str):
            value = value.strip()
        return int(value)
    if t == "float":
        if isinstance(value, bool):
            raise ValueError("expected a number, got a boolean")
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"expected a finite number, got {value!r}")
        return f
    if t == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "y", "是"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "n", "否"}:
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ValueError(f"expected true or false, got {value!r}")
    if t == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value).strip())
    if t == "string[]":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"expected a list of text, got {type(value).__name__}")
        return [str(v) for v in value]
    raise ValueError(f"unknown type {t}")  # pragma: no cover - guarded by parse_schema


def _validate(row: dict[str, Any], props: dict[str, Property], what: str, skip: Iterable[str] = ()) -> dict:
    skip = set(skip)
    unknown = set(row) - set(props) - skip
    if unknown:
        raise ValidationError(f"{what}: undeclared properties {sorted(unknown)}", field=sorted(unknown)[0])
    out: dict[str, Any] = {k: row[k] for k in skip if k in row}
    for name, prop in props.items():
        value = row.get(name)
        if isinstance(value, str) and prop.type != "string" and not value.strip():
            value = None
        try:
            value = coerce(value, prop)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{what}: property {name!r}: {exc}", field=name) from None
        if prop.required and (value is None or value == ""):
            raise ValidationError(f"{what}: required property {name!r} is missing", field=name)
        out[name] = value
    return out


def validate_node(schema: Schema, label: str, row: dict[str, Any]) -> dict[str, Any]:
    """Check one node row against the schema; return it with every declared property, typed."""
    nt = schema.node(label)
    return _validate(row, nt.properties, f"{label} {row.get(nt.key)!r}")


def validate_rel(schema: Schema, rel_type: str, from_label: str, to_label: str, row: dict[str, Any]) -> dict:
    """Check one relationship row (``from`` and ``to`` keys plus properties) against the schema."""
    rt = schema.check_endpoints(rel_type, from_label, to_label)
    what = f"{rel_type} {row.get('from')!r}->{row.get('to')!r}"
    for end in ("from", "to"):
        if not row.get(end):
            raise ValidationError(f"{what}: missing endpoint {end!r}", field=end)
        row = {**row, end: str(row[end])}
    return _validate(row, rt.properties, what, skip=("from", "to"))

