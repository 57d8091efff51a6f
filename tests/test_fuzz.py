"""Every operation of the OpenAPI document fuzzed with schemathesis, in-process, on both backends over the matching
graph: no request answers a server error, and every error answers the one error shape. A short budget
(MAX_EXAMPLES random requests per operation and backend, valid and invalid ones), and a fixed sweep of hostile
integers through every integer parameter."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from policykg.api.app import create_app
from tests.fixtures.graph import MATCH_ENTERPRISES, match_graphs

MAX_EXAMPLES = 10


@pytest.fixture(scope="module")
def apps(tmp_path_factory, _neo4j_backend):
    emb, neo, seed = match_graphs(tmp_path_factory.mktemp("fuzz"), _neo4j_backend)
    apps = {"embedded": create_app(emb.settings, backend=emb), "neo4j": create_app(neo.settings, backend=neo)}
    yield apps, known_values(seed)
    emb.close()


def known_values(seed: str) -> dict[str, str]:
    """Values that name something in the graph, for the path parameters and the required query parameters:
    requests that reach past the 404 of an unknown id."""
    return {"name": "documents", "doc_id": seed, "uscc": MATCH_ENTERPRISES[1]["id"], "clause_id": f"{seed}:m20",
            "industry_id": "ind-ai", "page": "explore", "q": "测试", "id": seed, "from": "ind-ai", "to": seed}


def operations(app) -> list:
    return [result.ok() for result in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()]


def integer_schema(parameter) -> dict | None:
    schema = parameter.definition.get("schema", {})
    return next((s for s in [schema, *schema.get("anyOf", [])] if s.get("type") == "integer"), None)


#: integers that broke engines or their clients: 32-bit wraps, 64-bit overflow, SKIPs far past the end
HOSTILE = (-1, 0, 1, 2**31 - 1, 2**31, 2**32, 2**32 + 1, 10**6, 2**63 - 1, 2**63, 10**30)


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


def strategy(operation, known: dict[str, str]):
    """Requests that fit the operation's schema, and ones that do not (where any value can break it); with
    random path parameters, and with ones that name something in the graph."""
    path = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.POSITIVE,
                                                                                      path_parameters=path)
    try:
        return cases | operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path)
    except Exception:  # noqa: BLE001 - an operation with nothing to break (no parameters)
        return cases


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_no_server_error_and_one_error_shape(apps, name):
    app, known = apps[0][name], apps[1]
    failures, tried, seen = [], 0, Counter()
    for operation in operations(app):
        tried += 1

        @FUZZ
        @given(case=strategy(operation, known))
        def fuzz(case) -> None:
            check(case, seen)

        try:
            fuzz()
        except Exception as exc:  # noqa: BLE001 - every operation is fuzzed; the failures are reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert tried >= 35 and seen[2] >= 100 and seen[4] >= 100, seen  # the requests reached the routes
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_hostile_integers_in_every_integer_parameter(apps, name):
    """Each integer query parameter of each GET, with the others valid: HOSTILE and the declared bounds +-1."""
    app, known = apps[0][name], apps[1]
    failures, seen = [], Counter()
    for operation in operations(app):
        if operation.method != "get" or any(p.name not in known for p in operation.path_parameters):
            continue
        path = {p.name: known[p.name] for p in operation.path_parameters}
        required = {p.name: known[p.name] for p in operation.query if p.definition.get("required")}
        for parameter in operation.query:
            schema = integer_schema(parameter)
            if schema is None:
                continue
            bounds = [schema[k] + d for k in ("minimum", "maximum") if k in schema for d in (-1, 0, 1)]
            for value in sorted({*HOSTILE, *bounds}):
                try:
                    check(operation.Case(path_parameters=path, query={**required, parameter.name: value}), seen)
                except Exception as exc:  # noqa: BLE001 - a server error the client raises, too
                    failures.append(f"{operation.path} {parameter.name}={value}: {exc}")
    assert seen[2] >= 100 and seen[4] >= 100, seen
    assert not failures, "\n\n".join(failures)
