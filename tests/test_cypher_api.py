"""POST /api/cypher on both backends: off by default, reads pass with a row cap and a time limit,
and every write or escape attempt is refused with the graph unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.ingest.policy import ingest_seed

pytestmark = pytest.mark.backend

GUARD_CORPUS = [
    "CREATE (:Tier {id: 'x', name: 'x'})",
    "MERGE (t:Tier {id: 'x'}) SET t.name = 'x'",
    "MATCH (c:Clause) SET c.title = 'hacked'",
    "MATCH (c:Clause) DELETE c",
    "MATCH (c:Clause) DETACH DELETE c",
    "MATCH (c:Clause) REMOVE c.title",
    "DROP TABLE Clause",
    "DROP CONSTRAINT policykg_Clause_id",
    "DROP INDEX policykg_Clause_kind",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "load csv with headers from 'file:///etc/hostname' AS l RETURN l",
    "LOAD FROM '/etc/passwd' RETURN *",
    "COPY Clause FROM '/tmp/x.csv'",
    "CALL dbms.killQueries(['x'])",
    "CALL dbms.security.createUser('x', 'y', false)",
    "CALL apoc.load.json('file:///etc/passwd')",
    "CALL apoc.cypher.runWrite('CREATE (:X)', {})",
    "CALL threads=1",
    "INSTALL fts",
    "ATTACH '/tmp/other.lbdb' AS other (dbtype lbug)",
    "USE system SHOW USERS",
    "MATCH (n) RETURN count(n); MATCH (c:Clause) DETACH DELETE c",
    "MATCH (n) RETURN count(n) /* harmless */ ; CREATE (:Tier {id: 'x', name: 'x'})",
    "MATCH (c:Clause) // only a read\nSET c.title = 'x'",
    "MATCH (c:Clause) CALL { WITH c DETACH DELETE c } RETURN 1",
    "MATCH (c:Clause) CALL (c) { DETACH DELETE c } RETURN 1",
    "CREATE (:Tier {id: 'x', name: 'x'}) RETURN 1 // RETURN only",
    "UNWIND [1] AS x CREATE (:Tier {id: toString(x), name: 'x'})",
    "MATCH (c:Clause {number: 1}) WITH c LIMIT 1 MERGE (c)-[:MENTIONS]->(:Tier {id: 'x', name: 'x'})",
]


@pytest.fixture
def make_client(backend):
    ingest_seed(backend)

    def make(**overrides):
        settings = backend.settings.model_copy(update=overrides)
        return TestClient(create_app(settings, backend=backend))

    return make


def _snapshot(backend):
    titles = backend.read_cypher("MATCH (c:Clause) RETURN c.id, c.title ORDER BY c.id").rows
    return backend.counts(), titles


def test_off_by_default(make_client):
    with make_client() as c:
        r = c.post("/api/cypher", json={"query": "MATCH (n) RETURN count(n) AS n"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cypher_disabled"
    assert "POLICYKG_ALLOW_CYPHER" in r.json()["error"]["message"]


def test_reads_pass_with_parameters_and_a_row_cap(make_client):
    with make_client(allow_cypher=True, max_rows=5) as c:
        r = c.post("/api/cypher", json={"query": "MATCH (c:Clause) WHERE c.kind = $kind RETURN c.number AS n "
                                                 "ORDER BY n", "params": {"kind": "measure"}})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["columns"] == ["n"] and body["rows"] == [[1], [2], [3], [4], [5]] and body["truncated"] is True
        r = c.post("/api/cypher", json={"query": "MATCH (c:Clause {number: 5, kind: 'measure'}) "
                                                 "RETURN c.title AS title"})
        assert r.json() == {"columns": ["title"], "rows": [["培育新一代人工智能产业"]], "truncated": False}


@pytest.mark.parametrize("query", GUARD_CORPUS)
def test_guard_refuses_writes_and_escapes(make_client, backend, query):
    before = _snapshot(backend)
    with make_client(allow_cypher=True) as c:
        r = c.post("/api/cypher", json={"query": query})
    assert r.status_code in (400, 403), (query, r.status_code, r.text)
    assert r.json()["error"]["code"] in ("read_only", "query_error"), r.text
    assert _snapshot(backend) == before


def test_runaway_query_is_stopped(make_client):
    with make_client(allow_cypher=True, query_timeout=1.0) as c:
        r = c.post("/api/cypher", json={"query": "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y "
                                                 "WITH x, y WHERE (x * y) % 7 = 3 RETURN count(*)"})
    assert r.status_code == 408 and r.json()["error"]["code"] == "query_timeout"
