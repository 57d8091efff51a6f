"""Every operation of the OpenAPI document fuzzed with schemathesis, in-process, on both backends over the matching
graph: no request answers a server error, and every error answers the one error shape. A short budget
(MAX_EXAMPLES requests per operation and backend); the generated values are random, valid and invalid ones."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from policykg.api.app import create_app
from tests.fixtures.graph import match_graphs

MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def apps(tmp_path_factory, _neo4j_backend):
    emb, neo, _ = match_graphs(tmp_path_factory.mktemp("fuzz"), _neo4j_backend)
    yield {"embedded": create_app(emb.settings, backend=emb), "neo4j": create_app(neo.settings, backend=neo)}
    emb.close()


def check(case, seen: Counter) -> None:
    response = case.call()
    seen[response.status_code // 100] += 1
    where = f"{case.method} {case.formatted_path} {case.query or ''}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:2000]}"
    if response.status_code >= 400:
        body = json.loads(response.text)
        assert set(body) == {"error"}, (where, body)
        assert set(body["error"]) == {"code", "message", "details"}, (where, body)
        assert isinstance(body["error"]["code"], str) and body["error"]["message"], (where, body)


FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def strategy(operation):
    """Requests that fit the operation's schema, and ones that do not (where any value can break it)."""
    cases = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        return cases | operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:  # noqa: BLE001 - an operation with nothing to break (no parameters)
        return cases


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_no_server_error_and_one_error_shape(apps, name):
    schema = schemathesis.openapi.from_asgi("/openapi.json", apps[name])
    failures, tried, seen = [], 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @FUZZ
        @given(case=strategy(operation))
        def fuzz(case) -> None:
            check(case, seen)

        try:
            fuzz()
        except AssertionError as exc:  # every operation is fuzzed; the failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert tried >= 35 and seen[2] >= 100 and seen[4] >= 100, seen  # the requests reached the routes
    assert not failures, "\n\n".join(failures)
