"""The named query catalogue: every ``*.cypher`` file in this folder is one query.

A file starts with a header of ``//`` comment lines::

    // name: document_clauses
    // title: Clauses of a document
    // description: Every numbered item of one document, in document order.
    // param document: string  id of the PolicyDocument
    // ordered: true

``param NAME: TYPE  description`` declares a parameter (types as in the schema: string, int,
float, bool, date, string[]; add ``= default`` after the type for an optional one).
``ordered: true`` says the query fixes its row order (the contract test then compares rows in
order); otherwise rows are compared as a multiset.

Where the Cypher dialects differ, ``NAME.neo4j.cypher`` or ``NAME.embedded.cypher`` beside
``NAME.cypher`` replaces it for that backend. A variant may only repeat the shared header's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from policykg.errors import QueryError
from policykg.graph.schema import TYPES, Property, coerce

BACKENDS = ("embedded", "neo4j")
INT64 = (-(2**63), 2**63 - 1)
_PARAM = re.compile(r"^param\s+(\w+)\s*:\s*(\S+)(?:\s*=\s*(\S+))?\s*(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str = ""
    default: Any = None
    required: bool = True


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    ordered: bool
    text: str
    variants: dict[str, str] = field(default_factory=dict)

    def cypher(self, backend: str) -> str:
        return self.variants.get(backend, self.text)

    def bind(self, given: dict[str, Any]) -> dict[str, Any]:
        """Check and type the parameters; unknown or missing ones raise QueryError."""
        declared = {p.name: p for p in self.params}
        unknown = set(given) - set(declared)
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter(s) {sorted(unknown)}; it takes {sorted(declared) or 'none'}",
                query=self.name,
            )
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in given and given[p.name] is not None:
                try:
                    out[p.name] = coerce(given[p.name], Property(p.name, p.type))
                except (TypeError, ValueError) as exc:
                    raise QueryError(f"parameter {p.name!r} of {self.name!r}: {exc}", query=self.name) from None
                if p.type == "int" and not INT64[0] <= out[p.name] <= INT64[1]:  # the engines' integers
                    raise QueryError(f"parameter {p.name!r} of {self.name!r}: {out[p.name]} is not a 64-bit integer",
                                     query=self.name)
            elif p.required:
                raise QueryError(f"query {self.name!r} needs parameter {p.name!r} ({p.type})", query=self.name)
            else:
                out[p.name] = p.default
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [
                {"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                 "description": p.description}
                for p in self.params
            ],
            "ordered": self.ordered,
            "variants": sorted(self.variants),
        }


def _parse(name: str, text: str) -> tuple[dict[str, Any], str]:
    meta: dict[str, Any] = {"params": []}
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            content = stripped[2:].strip()
            m = _PARAM.match(content)
            if m:
                pname, ptype, default, desc = m.groups()
                if ptype not in TYPES:
                    raise QueryError(f"{name}: parameter {pname} has unknown type {ptype!r}")
                value = coerce(default, Property(pname, ptype)) if default is not None else None
                meta["params"].append(Param(pname, ptype, desc.strip(), value, default is None))
            elif ":" in content:
                key, _, value = content.partition(":")
                meta[key.strip()] = value.strip()
            continue
        if in_header and not stripped:
            continue
        in_header = False
        body.append(line)
    return meta, "\n".join(body).strip().rstrip(";")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Query]:
    """All queries, by name."""
    folder = resources.files("policykg.queries")
    shared: dict[str, tuple[dict, str]] = {}
    variants: dict[str, dict[str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".cypher"):
            continue
        stem = entry.name[: -len(".cypher")]
        base, _, backend = stem.partition(".")
        meta, body = _parse(base, entry.read_text(encoding="utf-8"))
        if backend:
            if backend not in BACKENDS:
                raise QueryError(f"{entry.name}: unknown backend variant {backend!r}")
            variants.setdefault(base, {})[backend] = body
        else:
            if meta.get("name", base) != base:
                raise QueryError(f"{entry.name}: header name {meta.get('name')!r} differs from the file name")
            shared[base] = (meta, body)
    out: dict[str, Query] = {}
    for base, (meta, body) in shared.items():
        out[base] = Query(
            name=base,
            title=meta.get("title", base),
            description=meta.get("description", ""),
            params=tuple(meta["params"]),
            ordered=str(meta.get("ordered", "false")).lower() == "true",
            text=body,
            variants=variants.pop(base, {}),
        )
    if variants:
        raise QueryError(f"variant files without a shared query: {sorted(variants)}")
    return out


def get_query(name: str) -> Query:
    try:
        return catalogue()[name]
    except KeyError:
        raise QueryError(f"no catalogue query named {name!r}; see `policykg query --list`", query=name) from None
