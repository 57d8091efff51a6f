"""Errors from the engines and from the app itself answer the one error shape with a sensible status, on both
backends: values an engine cannot take are the client's error (400), an unexpected exception is a logged 500."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.errors import QueryError
from policykg.ingest.policy import ingest_seed
from tests.test_api import assert_error_shape

SEARCH = {"q": "", "code": "", "filter_capital": "true", "capital_min": "0", "capital_max": "10",
          "filter_founded": "false", "founded_min": "1900-01-01", "founded_max": "2100-12-31"}


@pytest.fixture
def app(backend):
    ingest_seed(backend)
    return create_app(backend.settings.model_copy(update={"allow_cypher": True}), backend=backend)


def test_catalogue_integers_beyond_64_bits_are_a_query_error(backend):
    params = {**SEARCH, "industries": [], "places": [], "tiers": []}
    for value in (2**63, -(2**63) - 1, 10**40):
        with pytest.raises(QueryError, match="64-bit"):
            backend.query("enterprises_search_count", {**params, "capital_max": value})
    assert backend.query("enterprises_search_count", {**params, "capital_max": 2**63 - 1}).records() == [{"total": 0}]


def test_cypher_values_no_engine_takes_are_a_422(app):
    """Ladybug refused these (400) where Neo4j's driver raised (500): both are refused before any engine."""
    with TestClient(app) as client:
        for body in ({"query": "RETURN $x AS x", "params": {"x": 2**64}},
                     {"query": "RETURN $x AS x", "params": {"x": [1, {"y": -(2**63) - 1}]}},
                     {"query": "RETURN $x AS x", "params": {"x": "\ud800"}},
                     {"query": "RETURN $x AS x", "params": {"\udfff": 1}},
                     {"query": "RETURN '\ud800' AS x", "params": {}}):
            r = client.post("/api/cypher", content=json.dumps(body), headers={"content-type": "application/json"})
            assert_error_shape(r, 422, "invalid_request")
        r = client.post("/api/cypher", json={"query": "RETURN $x AS x", "params": {"x": [2**63 - 1, -(2**63)]}})
        assert r.status_code == 200 and r.json()["rows"] == [[[2**63 - 1, -(2**63)]]]


def test_a_parameter_the_engine_cannot_convert_is_a_400_or_an_answer(app, backend):
    with TestClient(app) as client:
        r = client.post("/api/cypher", json={"query": "RETURN $x AS x", "params": {"x": [1, "a"]}})
        if backend.name == "embedded":  # Ladybug's lists hold one type; Neo4j's any
            assert_error_shape(r, 400, "query_error")
        else:
            assert r.status_code == 200 and r.json()["rows"] == [[[1, "a"]]]
        r = client.post("/api/cypher", json={"query": "RETURN 1 / 0 AS x", "params": {}})
        assert_error_shape(r, 400, "query_error")


def test_an_unexpected_exception_is_a_logged_500_with_the_error_shape(app, caplog):
    @app.get("/api/test-boom")
    def boom() -> None:
        raise ZeroDivisionError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR, "policykg.api"):
        r = client.get("/api/test-boom")
        assert_error_shape(r, 500, "internal_error")
        assert "a bug" not in r.text  # no internals leak
        assert any("unexpected error on /api/test-boom" in rec.message and rec.exc_info for rec in caplog.records)
        assert client.get("/api/health").status_code == 200  # and the app serves on


def test_each_error_class_carries_the_status_the_api_answers(backend):
    from policykg import errors

    expected = {errors.PolicyKGError: 500, errors.ConfigError: 500, errors.SchemaError: 500,
                errors.ValidationError: 422, errors.BackendError: 500, errors.BackendUnavailable: 503,
                errors.QueryError: 400, errors.QueryTimeout: 408, errors.QueryOutOfMemory: 503,
                errors.ReadOnlyViolation: 403, errors.NotFound: 404, errors.CypherDisabled: 403,
                errors.ParseError: 500}
    assert {cls: cls.http_status for cls in expected} == expected
    app = create_app(backend.settings.model_copy(update={"allow_cypher": False}), backend=backend)
    with TestClient(app) as client:
        res = client.post("/api/cypher", json={"query": "RETURN 1 AS x"})
    assert res.status_code == 403 and res.json()["error"]["code"] == "cypher_disabled"
