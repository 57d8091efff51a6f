"""The schema file: what it declares, and row validation against it."""

from __future__ import annotations

import datetime as dt

import pytest

from policykg.errors import SchemaError, ValidationError
from policykg.graph import types
from policykg.graph.schema import TYPES, Property, coerce, load_schema, parse_schema, validate_node, validate_rel

EXPECTED_LABELS = {"PolicyDocument", "Section", "Clause", "Industry", "Place", "Tier", "Programme", "Fund",
                   "Investment", "Instrument", "Enterprise"}
EXPECTED_TYPES = {"HAS_SECTION", "HAS_CLAUSE", "SUPPORTS", "TARGETS", "APPLIES_IN", "USES_INSTRUMENT", "REFERS_TO",
                  "SUBINDUSTRY_OF", "IN_INDUSTRY", "LOCATED_IN", "HAS_TIER", "MADE", "INVESTED_IN", "SELECTED_IN",
                  "SUPERSEDES"}


def test_schema_declares_the_design_cards_types():
    s = load_schema()
    assert EXPECTED_LABELS <= set(s.nodes)
    assert EXPECTED_TYPES <= set(s.relationships)


def test_extracted_types_carry_evidence():
    s = load_schema()
    for name in ("Section", "Clause", "Instrument"):
        assert {"source_doc", "span_start", "span_end", "quote"} <= set(s.node(name).properties), name
    for name in ("SUPPORTS", "TARGETS", "APPLIES_IN", "USES_INSTRUMENT", "REFERS_TO"):
        assert s.rel(name).evidence and "quote" in s.rel(name).properties, name


def test_the_type_map_names_every_schema_type_for_each_engine():
    import pyarrow as pa

    assert set(types.ENGINE_TYPES) == set(TYPES)
    samples = {"string": "a", "int": 3, "float": 1.5, "bool": True, "date": "2024-01-02", "string[]": ["a", "b"]}
    assert set(samples) == set(TYPES)
    for t in TYPES:
        prop = Property("p", t)
        # a value coerced to the schema type is a value of its Arrow type
        assert pa.array([coerce(samples[t], prop)], types.arrow_type(t)).type == types.arrow_type(t)
    assert types.ladybug_type("string[]") == "STRING[]" and types.neo4j_import_type("int") == "long"


def test_no_type_is_a_reserved_word():
    reserved = {"IN", "MATCH", "RETURN", "WHERE", "ORDER", "GROUP", "CALL", "LOAD", "COPY"}
    s = load_schema()
    assert not (set(s.relationships) | set(s.nodes)) & reserved


def test_validate_node_types_and_requires():
    s = load_schema()
    row = validate_node(s, "Enterprise", {"id": "X", "name": "甲", "employees": "12", "founded": "2020-01-02",
                                          "listed": "否"})
    assert row["employees"] == 12 and row["founded"] == dt.date(2020, 1, 2) and row["listed"] is False
    assert row["ticker"] is None  # every declared property is present
    with pytest.raises(ValidationError) as e:
        validate_node(s, "Enterprise", {"id": "X"})
    assert e.value.field == "name"
    with pytest.raises(ValidationError) as e:
        validate_node(s, "Enterprise", {"id": "X", "name": "甲", "employees": "many"})
    assert e.value.field == "employees"
    with pytest.raises(ValidationError) as e:
        validate_node(s, "Enterprise", {"id": "X", "name": "甲", "colour": "red"})
    assert "colour" in e.value.message
    with pytest.raises(ValidationError):
        validate_node(s, "Enterprise", {"id": "X", "name": "甲", "founded": "2020-13-01"})


def test_validate_rel_checks_endpoints():
    s = load_schema()
    assert validate_rel(s, "HAS_TIER", "Enterprise", "Tier", {"from": "a", "to": "b", "year": "2024"})["year"] == 2024
    with pytest.raises(SchemaError):
        validate_rel(s, "HAS_TIER", "Tier", "Enterprise", {"from": "a", "to": "b"})
    with pytest.raises(SchemaError):
        validate_rel(s, "NOPE", "Enterprise", "Tier", {"from": "a", "to": "b"})
    with pytest.raises(ValidationError):
        validate_rel(s, "HAS_TIER", "Enterprise", "Tier", {"from": "a"})


def test_parse_schema_rejects_mistakes():
    with pytest.raises(SchemaError):
        parse_schema({"nodes": {"A": {"key": "id", "properties": {"id": {"type": "uuid"}}}}})
    with pytest.raises(SchemaError):
        parse_schema({"nodes": {"A": {"key": "code", "properties": {"id": {"type": "string"}}}}})
    with pytest.raises(SchemaError):
        parse_schema({"nodes": {"A": {"properties": {"id": {}}}}, "relationships": {"R": {"endpoints": [["A", "B"]]}}})
