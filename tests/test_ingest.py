"""Policy documents into the graph, on both backends: idempotent re-ingest, versions, bad files."""

from __future__ import annotations

import pytest

from policykg.ingest.parse import parse_bytes
from policykg.ingest.policy import SEED, ingest_document, ingest_paths, ingest_seed, seed_bytes

pytestmark = pytest.mark.backend

SEED_TEXT = seed_bytes().decode("utf-8")


def _version(text: str, name: str):
    return parse_bytes(text.encode("utf-8"), name)


def test_reingest_changes_nothing(backend):
    first = ingest_seed(backend)
    counts = backend.counts()
    second = ingest_seed(backend)
    assert first[0]["status"] == "created" and second[0]["status"] == "unchanged"
    assert backend.counts() == counts


def test_a_new_text_with_the_same_number_supersedes_the_old(backend):
    old = ingest_seed(backend)[0]["document"]
    revised = SEED_TEXT.replace("每年安排预算不少于2亿元，用于科技型企业培育", "每年安排预算不少于3亿元，用于科技型企业培育")
    assert revised != SEED_TEXT
    report = ingest_document(backend, _version(revised, "binjiang-2024-16-rev.md"))
    assert report["status"] == "created" and report["supersedes"] == [old]
    new = report["document"]
    rows = backend.read_cypher(
        "MATCH (a:PolicyDocument)-[r:SUPERSEDES]->(b:PolicyDocument) RETURN a.id, b.id, r.reason").rows
    assert rows == [[new, old, "newer version (same document number)"]]
    in_force = backend.query("documents").records()
    assert [d["id"] for d in in_force] == [new]
    everything = backend.query("documents", {"include_superseded": True}).records()
    assert {d["id"] for d in everything} == {new, old}
    assert next(d for d in everything if d["id"] == old)["superseded_by"] == [new]
    # Re-ingesting either version changes nothing.
    counts = backend.counts()
    ingest_seed(backend)
    ingest_document(backend, _version(revised, "again.md"))
    assert backend.counts() == counts


def test_an_older_version_ingested_later_does_not_win(backend):
    newer = SEED_TEXT.replace("2024 年 10 月 24 日", "2025 年 3 月 1 日", 1)
    assert newer != SEED_TEXT
    new_id = ingest_document(backend, _version(newer, "newer.md"))["document"]
    report = ingest_seed(backend)[0]
    assert report["supersedes"] == []
    assert [d["id"] for d in backend.query("documents").records()] == [new_id]


def test_bad_files_are_reported_and_the_others_ingest(backend, tmp_path):
    good = tmp_path / SEED
    good.write_bytes(seed_bytes())
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.md"
    report = ingest_paths(backend, [empty, good, binary, missing])
    status = {r["source"].rsplit("/", 1)[-1]: r for r in report}
    assert status[SEED]["status"] == "created"
    for name in ("empty.md", "blob.txt", "missing.md"):
        assert status[name]["status"] == "error" and status[name]["error"], name
    assert "empty" in status["empty.md"]["error"]
    assert backend.counts()["nodes"]["PolicyDocument"] == 1


def test_every_stored_quote_is_the_text_at_its_span(backend):
    ingest_seed(backend)
    text = backend.read_cypher("MATCH (d:PolicyDocument) RETURN d.text").rows[0][0]
    rows = backend.read_cypher(
        "MATCH (c:Clause) RETURN c.span_start, c.span_end, c.quote, c.text", max_rows=100).rows
    assert len(rows) == 29
    for start, end, quote, clause_text in rows:
        assert text[start:end] == quote == clause_text


def _rows(backend, cypher, **params):
    return backend.read_cypher(cypher, params, max_rows=10_000).records()


def test_seed_facts_are_in_the_graph_with_evidence(backend):
    ingest_seed(backend)
    text = _rows(backend, "MATCH (d:PolicyDocument) RETURN d.text AS t")[0]["t"]
    # Measure 4 supports the five industries it names, each edge quoting the text.
    sup = _rows(backend, "MATCH (c:Clause {kind: 'measure', number: 4})-[r:SUPPORTS]->(i:Industry) "
                         "RETURN i.name AS name, r.quote AS quote, r.span_start AS s, r.span_end AS e")
    assert {r["name"] for r in sup} == {"智能物联", "生物医药", "高端装备", "新材料", "绿色能源"}
    assert all(text[r["s"]:r["e"]] == r["quote"] for r in sup)
    # Every evidence-bearing relationship and node quotes its span.
    for cypher in ("MATCH ()-[r]->() WHERE r.quote IS NOT NULL RETURN r.quote AS q, r.span_start AS s, r.span_end AS e",
                   "MATCH (n) WHERE n.quote IS NOT NULL RETURN n.quote AS q, n.span_start AS s, n.span_end AS e"):
        rows = _rows(backend, cypher)
        assert rows and all(text[r["s"]:r["e"]] == r["q"] for r in rows)
    # Budgets: 21 annual floors summing to 53.3亿; measure 22's fund scale kept apart.
    floors = _rows(backend, "MATCH (c:Clause) WHERE c.budget_floor_cny IS NOT NULL "
                            "RETURN c.number AS n, c.budget_floor_cny AS f, c.budget_period AS p")
    assert len(floors) == 21 and sum(r["f"] for r in floors) == 5_330_000_000
    assert {r["p"] for r in floors} == {"annual"}
    m22 = _rows(backend, "MATCH (c:Clause {kind: 'measure', number: 22}) RETURN c.budget_floor_cny AS f, "
                         "c.fund_scale_cny AS s")
    assert m22 == [{"f": None, "s": 5_000_000_000}]
    # The registered-capital instrument: 5%-10%, for 1亿元 RMB or 1000万 USD (alternatives).
    cond = _rows(backend, "MATCH (i:Instrument)-[:HAS_CONDITION]->(c:Condition) RETURN i.name AS i, c.field AS f, "
                          "c.operator AS op, c.value AS v, c.unit AS u, c.alternative_group AS g")
    assert sorted((r["f"], r["op"], r["v"], r["u"]) for r in cond) == [
        ("registered_capital", ">=", 10_000_000.0, "USD"), ("registered_capital", ">=", 100_000_000.0, "CNY")]
    assert {r["i"] for r in cond} == {"投资资助-注册资本"} and len({r["g"] for r in cond}) == 1
    rates = _rows(backend, "MATCH (i:Instrument)-[:STATES]->(r:Rate) RETURN i.name AS i, r.low AS lo, coalesce(r.high, r.value) AS hi")
    assert {(r["i"], r["lo"], r["hi"]) for r in rates} >= {("研发资助", None, 0.3), ("投资资助-注册资本", 0.05, 0.1),
                                                           ("市场拓展资助-境外", None, 0.5)}
    rules = _rows(backend, "MATCH (c:Clause)-[:HAS_RULE]->(r:Rule) RETURN c.number AS n, r.kind AS k, r.policy AS p")
    assert {(r["n"], r["k"], r["p"]) for r in rules} == {(3, "stacking", "highest_once"),
                                                          (3, "upgrade", "pay_difference"),
                                                          (5, "override", "this_prevails")}
    override = _rows(backend, "MATCH (d:PolicyDocument) RETURN d.override_statement AS o")[0]["o"]
    assert "凡与本意见不一致的，按照本意见执行" in override
    # The goals name all fifteen 1+5+N industries.
    named = _rows(backend, "MATCH (s:Section {label: '一'})-[:MENTIONS]->(i:Industry) WHERE i.`group` IN ['1', '5', 'N'] "
                           "RETURN i.name AS name, i.`group` AS g")
    assert len(named) == 15 and sorted(r["g"] for r in named).count("N") == 9
