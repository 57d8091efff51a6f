"""The backend seam, on both real backends: idempotent bulk upserts, read-only Cypher, counts, clear."""

from __future__ import annotations

import time

import pytest
from neo4j import exceptions as nx

from policykg.errors import QueryError, QueryOutOfMemory, QueryTimeout, ReadOnlyViolation, ValidationError
from policykg.graph import open_backend
from policykg.graph.base import GraphBatch
from policykg.settings import get_settings
from tests.conftest import _fresh_neo4j

pytestmark = pytest.mark.backend


def small_batch(name: str = "智能物联") -> GraphBatch:
    b = GraphBatch()
    b.add_node("Industry", {"id": "ind-iot", "name": name, "group": "1", "synonyms": ["物联网", "IoT"]})
    b.add_node("Industry", {"id": "ind-ic", "name": "集成电路", "group": "5"})
    b.add_node("Enterprise", {"id": "E1", "name": "测试企业甲", "founded": "2018-04-01", "employees": 10})
    b.add_node("Enterprise", {"id": "E2", "name": "测试企业乙"})
    b.add_rel("IN_INDUSTRY", "Enterprise", "E1", "Industry", "ind-iot")
    b.add_rel("IN_INDUSTRY", "Enterprise", "E2", "Industry", "ind-iot")
    b.add_rel("IN_INDUSTRY", "Enterprise", "E2", "Industry", "ind-ic")
    b.add_node("Tier", {"id": "T1", "name": "瞪羚企业"})
    b.add_rel("HAS_TIER", "Enterprise", "E1", "Tier", "T1", year=2023, issuer="测试")
    return b


def test_write_twice_changes_nothing(backend):
    backend.write(small_batch())
    first = backend.counts()
    backend.write(small_batch())
    assert backend.counts() == first
    assert first["nodes"]["Enterprise"] == 2 and first["relationships"]["IN_INDUSTRY"] == 3
    assert set(first) == {"nodes", "relationships"}


def test_upsert_replaces_properties(backend):
    backend.write(small_batch())
    backend.write(small_batch(name="智能物联产业"))
    rows = backend.read_cypher("MATCH (i:Industry {id: 'ind-iot'}) RETURN i.name, i.synonyms").rows
    assert rows == [["智能物联产业", ["物联网", "IoT"]]]
    b = GraphBatch()
    b.add_node("Enterprise", {"id": "E1", "name": "测试企业甲"})  # employees no longer given
    b.add_rel("HAS_TIER", "Enterprise", "E1", "Tier", "T1", year=2024)
    backend.write(b)
    rows = backend.read_cypher(
        "MATCH (e:Enterprise {id: 'E1'})-[h:HAS_TIER]->(t:Tier) RETURN e.employees, h.year, h.issuer").rows
    assert rows == [[None, 2024, None]]
    assert backend.counts()["relationships"]["HAS_TIER"] == 1


def test_duplicate_keys_in_one_batch_keep_the_last(backend):
    b = GraphBatch()
    b.add_node("Tier", {"id": "T1", "name": "旧名"})
    b.add_node("Tier", {"id": "T1", "name": "新名"})
    assert backend.write(b) == {"Tier": 1}
    assert backend.read_cypher("MATCH (t:Tier) RETURN t.name").rows == [["新名"]]


def test_relationship_to_a_missing_node_is_refused(backend):
    backend.write(small_batch())
    before = backend.counts()
    with pytest.raises(ValidationError) as e:
        backend.upsert_relationships("IN_INDUSTRY", "Enterprise", "Industry",
                                     [{"from": "E1", "to": "ind-ic"}, {"from": "E9", "to": "ind-ic"}])
    assert "E9" in e.value.message and e.value.field == "from"
    assert backend.counts() == before


def test_invalid_row_is_refused_before_writing(backend):
    with pytest.raises(ValidationError) as e:
        backend.upsert_nodes("Enterprise", [{"id": "E1", "name": "好"}, {"id": "E2"}])
    assert e.value.field == "name"
    assert backend.counts()["nodes"]["Enterprise"] == 0


def test_values_round_trip(backend):
    backend.write(small_batch())
    rows = backend.read_cypher(
        "MATCH (e:Enterprise {id: $id}) RETURN e.founded AS founded, e.employees AS employees, e.name AS name",
        {"id": "E1"}).records()
    assert rows == [{"founded": "2018-04-01", "employees": 10, "name": "测试企业甲"}]


def test_read_cypher_caps_rows_and_reports_truncated(backend):
    backend.write(small_batch())
    res = backend.read_cypher("MATCH (n) RETURN n.id AS id ORDER BY id", max_rows=2)
    assert res.truncated is True and len(res.rows) == 2
    # (Neo4j also holds its data-version node, which has no id)
    res = backend.read_cypher("MATCH (n) WHERE n.id IS NOT NULL RETURN n.id AS id ORDER BY id", max_rows=100)
    assert res.truncated is False and len(res.rows) == 5


def test_read_cypher_returns_nodes_as_dicts(backend):
    backend.write(small_batch())
    res = backend.read_cypher("MATCH (e:Enterprise {id: 'E1'})-[r:HAS_TIER]->(t) RETURN e, r, t")
    e, r, t = res.rows[0]
    assert e["_label"] == "Enterprise" and e["name"] == "测试企业甲" and "ticker" not in e
    assert e["founded"] == "2018-04-01"  # dates inside nodes come back as ISO text on both engines
    assert r["_type"] == "HAS_TIER" and r["year"] == 2023
    assert t == {"_label": "Tier", "id": "T1", "name": "瞪羚企业"}


@pytest.mark.parametrize("cypher", [
    "CREATE (:Tier {id: 'X', name: 'x'})",
    "MATCH (t:Tier) SET t.name = 'x'",
    "MATCH (n) DETACH DELETE n",
    "MERGE (:Tier {id: 'X', name: 'x'})",
    "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
])
def test_read_cypher_refuses_writes(backend, cypher):
    backend.write(small_batch())
    before = backend.counts()
    names = backend.read_cypher("MATCH (t:Tier) RETURN t.name").rows
    with pytest.raises((ReadOnlyViolation, QueryError)):
        backend.read_cypher(cypher)
    assert backend.counts() == before
    assert backend.read_cypher("MATCH (t:Tier) RETURN t.name").rows == names


def test_read_cypher_stops_a_runaway_query(backend):
    # 10^10 rows from two small lists: hours of work if nothing stops it.
    start = time.monotonic()
    with pytest.raises(QueryTimeout):
        backend.read_cypher("UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y "
                            "WITH x, y WHERE (x * y) % 7 = 3 RETURN count(*)", timeout=1)
    assert time.monotonic() - start < 30


#: distinct values of three million numbers: a hash table larger than the memory the tests allow a query
HUNGRY = "UNWIND range(1, 3000000) AS x RETURN count(DISTINCT x)"


def test_embedded_query_out_of_memory_is_named_and_its_connection_renewed(tmp_path):
    with open_backend(get_settings(backend="embedded", data_dir=tmp_path / "d", buffer_pool_mb=64)) as b:
        b.write(small_batch())
        before = {id(c) for c in b._pool.queue}
        with pytest.raises(QueryOutOfMemory) as err:
            b.read_cypher(HUNGRY, timeout=60)
        assert err.value.details["setting"] == "POLICYKG_BUFFER_POOL_MB" and "64 MiB" in err.value.message
        after = {id(c) for c in b._pool.queue}
        # the connection that ran out was closed and replaced (Ladybug can leave it failing every query)
        assert len(after) == len(before) and len(after - before) == 1
        for _ in range(len(after) + 1):  # every pooled connection answers
            assert b.read_cypher("MATCH (t:Tier) RETURN t.name").rows == [["瞪羚企业"]]


def test_catalogue_query_parameters_are_checked(backend):
    with pytest.raises(QueryError):
        backend.query("document_clauses")
    with pytest.raises(QueryError):
        backend.query("document_clauses", {"document": "d", "bogus": 1})
    with pytest.raises(QueryError):
        backend.query("no_such_query")


def test_clear_empties_the_graph_and_keeps_the_schema(backend):
    backend.write(small_batch())
    backend.clear()
    counts = backend.counts()
    assert sum(counts["nodes"].values()) == 0 and sum(counts["relationships"].values()) == 0
    backend.write(small_batch())
    assert backend.counts()["nodes"]["Enterprise"] == 2


def test_apply_schema_twice_is_harmless(backend):
    backend.apply_schema()
    backend.write(small_batch())
    backend.apply_schema()
    assert backend.counts()["nodes"]["Industry"] == 2


def test_neo4j_schema_rule_made_meanwhile_by_another_process_is_taken_as_there(_neo4j_backend, monkeypatch):
    """Two `serve` workers applied the schema at once and one stopped at start-up on Neo4j's
    EquivalentSchemaRuleAlreadyExists. The same answer, got here by creating a rule that exists without
    IF NOT EXISTS, now counts as done; any other schema error still stops."""
    b = _fresh_neo4j(_neo4j_backend)
    ddl = b.ddl()
    again = ddl[0].replace(" IF NOT EXISTS", "")
    monkeypatch.setattr(b, "ddl", lambda: [again, *ddl])
    b.apply_schema()
    b.write(small_batch())
    assert b.counts()["nodes"]["Industry"] == 2
    monkeypatch.setattr(b, "ddl", lambda: ["CREATE INDEX policykg_bad IF NOT EXISTS FOR (n:Enterprise) ON (n.)"])
    with pytest.raises(nx.ClientError):
        b.apply_schema()


def test_merge_fills_in_and_keeps_what_rows_leave_null(backend):
    backend.write(small_batch())
    b = GraphBatch()
    b.add_node("Enterprise", {"id": "E1", "name": "测试企业甲（新名）"})  # employees, founded not given
    backend.write(b, merge=True)
    rows = backend.read_cypher("MATCH (e:Enterprise {id: 'E1'}) RETURN e.name, e.employees, e.founded").rows
    assert rows == [["测试企业甲（新名）", 10, "2018-04-01"]]
    backend.write(b)  # without merge, the row replaces the node's properties
    rows = backend.read_cypher("MATCH (e:Enterprise {id: 'E1'}) RETURN e.name, e.employees, e.founded").rows
    assert rows == [["测试企业甲（新名）", None, None]]


def test_data_version_changes_with_every_write_and_not_with_reads(backend):
    backend.write(small_batch())
    before = backend.data_version()
    backend.query("counts_by_label")
    backend.read_cypher("MATCH (e:Enterprise) RETURN count(e)")
    assert backend.data_version() == before
    backend.upsert_nodes("Enterprise", [{"id": "E9", "name": "测试企业壬"}])
    after = backend.data_version()
    assert after != before
    assert backend.counts()["nodes"]["Enterprise"] == 3
    assert set(backend.counts()["nodes"]) == set(backend.schema.nodes)  # bookkeeping is not a label of ours


def test_a_version_past_its_time_is_answered_while_the_engine_is_asked_again(backend, monkeypatch):
    """Neo4j's data version is a round trip: past VERSION_TTL (and within VERSION_GRACE more) the version
    held is answered while a thread asks again, and another process's write is seen once it has; past the
    grace nothing is answered. Ladybug's is a stat of its files: always known, never held."""
    backend.write(small_batch())
    if backend.VERSION_IS_LOCAL:
        before = backend.known_data_version()
        assert before == backend.data_version()
        backend.upsert_nodes("Enterprise", [{"id": "E9", "name": "测试企业壬"}])
        assert backend.known_data_version() == backend.data_version() != before
        return
    monkeypatch.setattr(backend, "VERSION_TTL", 0.3)
    monkeypatch.setattr(backend, "VERSION_GRACE", 30.0)
    held = backend.data_version()
    other = open_backend(backend.settings, apply_schema=False)  # another process's handle on the same graph
    try:
        other.upsert_nodes("Enterprise", [{"id": "E9", "name": "测试企业壬"}])
    finally:
        other.close()
    assert backend.known_data_version() == held  # within the TTL: not asked
    time.sleep(0.4)
    assert backend.known_data_version() == held  # past it: still answered, and asked in the background
    deadline = time.monotonic() + 10
    while backend.known_data_version() == held and time.monotonic() < deadline:
        time.sleep(0.05)
    seen = backend.known_data_version()
    assert seen is not None and seen != held  # the other write, seen without anyone waiting for it
    backend._version_held = (backend._version_held[0], time.monotonic() - 100)  # asked long ago
    assert backend.known_data_version() is None
    assert backend.data_version() == seen  # a caller that may wait asks the engine
