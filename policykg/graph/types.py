"""The schema's property types as each engine and file format names them: the one type map.

Every place that writes a column type (Ladybug's DDL, Arrow tables for either backend's bulk path,
the headers of a ``neo4j-admin import`` set) reads it here; :data:`policykg.graph.schema.TYPES` lists
the schema types, and this map has a row for each (tests/test_schema.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: schema type -> (Ladybug column type, neo4j-admin import header type)
ENGINE_TYPES: dict[str, tuple[str, str]] = {
    "string": ("STRING", "string"),
    "int": ("INT64", "long"),
    "float": ("DOUBLE", "double"),
    "bool": ("BOOLEAN", "boolean"),
    "date": ("DATE", "date"),
    "string[]": ("STRING[]", "string[]"),
}


def ladybug_type(t: str) -> str:
    """The Ladybug column type of schema type ``t``."""
    return ENGINE_TYPES[t][0]


def neo4j_import_type(t: str) -> str:
    """The ``neo4j-admin import`` header type of schema type ``t``."""
    return ENGINE_TYPES[t][1]


@cache
def _arrow_types() -> dict[str, Any]:
    import pyarrow as pa  # imported on first use: reading the schema needs no pyarrow

    return {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
            "date": pa.date32(), "string[]": pa.list_(pa.string())}


def arrow_type(t: str) -> Any:
    """The Arrow type of schema type ``t`` (the column type of both backends' bulk writes)."""
    return _arrow_types()[t]
