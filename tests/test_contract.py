"""The contract: every catalogue query gives the same answer on Ladybug and on Neo4j (the oracle)
over the same fixture graph."""

from __future__ import annotations

import json

import pytest

from policykg.graph import open_backend
from policykg.queries import catalogue
from policykg.settings import get_settings
from tests.conftest import neo4j_settings
from tests.fixtures.graph import ENTERPRISES, MATCH_ENTERPRISES, fixture_batch, parse_test_policy

BATCH, DOC_ID = fixture_batch()
TEST_DOC = parse_test_policy().document.id
M = [e["id"] for e in MATCH_ENTERPRISES]
SEARCH = {"q": "", "code": "", "industries": [], "places": [], "tiers": [], "filter_capital": False, "capital_min": 0,
          "capital_max": 0, "filter_founded": False, "founded_min": "1900-01-01", "founded_max": "2100-12-31"}
FIRST = {"after_id": "", "after_capital": -1}  # enterprises_search: not a keyset page

# Parameter sets per query; every catalogue query must appear here (see the first test).
CASES: dict[str, list[dict]] = {
    "counts_by_label": [{}],
    "counts_by_type": [{}],
    "documents": [{}, {"include_superseded": True}],
    "document_versions": [{"document": DOC_ID}, {"document": "doc-test-older"}, {"document": "doc-missing"}],
    "document_index": [{}],
    "document_citations": [{"document": DOC_ID}, {"document": "doc-test-older"}, {"document": "doc-test-notice"},
                           {"document": "doc-missing"}],
    "reference_citers": [{"reference": "ref-test-older"}, {"reference": "nothing"}],
    "document_sections": [{"document": DOC_ID}, {"document": "doc-missing"}],
    "document_clauses": [{"document": DOC_ID}, {"document": "doc-missing"}],
    "neighbourhood": [{"id": DOC_ID}, {"id": f"{DOC_ID}:s2"}, {"id": "ind-iot"}, {"id": ENTERPRISES[0]["id"]},
                      {"id": "inv-1"}, {"id": "nothing-here"}],
    "neighbours": [{"ids": [DOC_ID, "ind-iot", "fund-kc"]}, {"ids": []}, {"ids": ["nothing-here"]}],
    "nodes_by_id": [{"ids": [DOC_ID, "ind-iot", ENTERPRISES[1]["id"], "inv-1", "nothing"]}],
    # Paths chosen to be unique, so that both engines must find the same one.
    # (m8, not m5: measure 5 now supports 智能计算, which the goals section also names — two paths of 3)
    "shortest_path": [{"source": f"{DOC_ID}:m8", "target": DOC_ID}, {"source": "ind-pharma", "target": "ind-bio"},
                      {"source": "fund-kc", "target": ENTERPRISES[2]["id"]}, {"source": DOC_ID, "target": "place-layout"},
                      {"source": "ind-iot", "target": "nothing"}],
    # policykg.analysis: matching, gaps, budget, browsing
    "clauses_in_force": [{"as_of": "2025-06-01", "document": ""}, {"as_of": "2024-06-01", "document": ""},
                         {"as_of": "2031-01-01", "document": DOC_ID}, {"as_of": "2020-01-01", "document": ""}],
    "clause_criteria": [{"clauses": [f"{DOC_ID}:m{n}" for n in range(1, 25)] + [f"{TEST_DOC}:m1"]},
                        {"clauses": []}],
    "conditions_of": [{"ids": [f"{TEST_DOC}:m1", f"{TEST_DOC}:m2", "inst-registered-capital-grant", f"{DOC_ID}:a4"]},
                      {"ids": ["nothing"]}],
    "instrument_forms": [{"ids": ["inst-investment-support", "inst-market-expansion", "inst-rd-support",
                                  "inst-rent-subsidy"]}, {"ids": []}],
    "instrument_rates": [{"ids": ["inst-rd-support", "inst-registered-capital-grant", "inst-interest-subsidy",
                                  "inst-market-expansion-overseas"]}],
    "document_rules": [{"documents": [DOC_ID, TEST_DOC]}, {"documents": [TEST_DOC]}],
    "industry_tree": [{}],
    "place_tree": [{}],
    "tier_tree": [{}],
    "taxonomy_nodes": [{}],
    "enterprises_by_id": [{"ids": M + [ENTERPRISES[0]["id"], "nothing"]}],
    "enterprise_profile": [{"uscc": M[0]}, {"uscc": ENTERPRISES[1]["id"]}, {"uscc": "nothing"}],
    "enterprise_links": [{"uscc": M[0]}, {"uscc": M[1]}, {"uscc": ENTERPRISES[0]["id"]}, {"uscc": ENTERPRISES[2]["id"]}],
    "enterprise_financials": [{"uscc": M[0]}, {"uscc": M[4]}],
    "enterprises_links": [{"ids": M + [e["id"] for e in ENTERPRISES] + ["nothing"]}, {"ids": []}],
    "enterprises_financials": [{"ids": M + [ENTERPRISES[0]["id"]]}],
    "enterprises_linked": [{"industries": ["ind-ai", "ind-new-generation-ai", "ind-agi"], "tiers": ["tier-tech-enterprise"],
                            "places": ["place-jiangbei-block"], "programmes": []},
                           {"industries": [], "tiers": [], "places": ["place-binfu-zone", "place-binjiang"],
                            "programmes": []},
                           {"industries": [], "tiers": [], "places": [], "programmes": ["prog-5050", "prog-qinglian"]}],
    "similar_enterprises": [{"uscc": M[0]}, {"uscc": M[5]}, {"uscc": M[4]}],
    "similar_by_fund": [{"uscc": M[1]}, {"uscc": M[2]}, {"uscc": M[0]}, {"uscc": "nothing"}],
    "industry_enterprise_counts": [{"industries": ["ind-ai", "ind-life-health", "ind-intelligent-iot",
                                                   "ind-integrated-circuits", "ind-quantum-sensing"]}],
    "industry_investments": [{"industries": ["ind-ai", "ind-life-health", "ind-intelligent-iot", "ind-iot",
                                             "ind-integrated-circuits"]}],
    "industry_breakdown": [{"industries": ["ind-ai", "ind-life-health", "ind-intelligent-iot", "ind-pharma"]}],
    "taxonomy_enterprise_counts": [{}],
    "document_mentions": [{"documents": [DOC_ID, TEST_DOC]}],
    "fund_stats": [{}],
    "clause_texts": [{"as_of": "2025-06-01", "document": ""}, {"as_of": "2025-06-01", "document": TEST_DOC}],
    "clause_detail": [{"id": f"{DOC_ID}:m16"}, {"id": f"{DOC_ID}:a4"}, {"id": "nothing"}],
    "clause_links": [{"id": f"{DOC_ID}:m16"}, {"id": f"{DOC_ID}:a4"}, {"id": f"{DOC_ID}:m1"}],
    "clause_amounts": [{"id": f"{DOC_ID}:m22"}, {"id": f"{TEST_DOC}:m2"}],
    "clause_amounts_of": [{"ids": [f"{DOC_ID}:m{n}" for n in range(1, 25)] + [f"{TEST_DOC}:m2"]}, {"ids": []}],
    "clause_rates": [{"id": f"{DOC_ID}:a4"}, {"id": f"{TEST_DOC}:m1"}],
    "enterprises_search": [{**SEARCH, **FIRST, "skip": 0, "limit": 5}, {**SEARCH, **FIRST, "skip": 3, "limit": 4},
                           {**SEARCH, **FIRST, "q": "测试", "tiers": ["tier-tech-enterprise", "tier-gazelle"],
                            "skip": 0, "limit": 10},
                           {**SEARCH, **FIRST, "code": "91330108TESTM", "industries": ["ind-integrated-circuits"],
                            "skip": 0, "limit": 10},
                           {**SEARCH, **FIRST, "filter_capital": True, "capital_min": 10_000_000,
                            "capital_max": 60_000_000, "filter_founded": True, "founded_min": "2016-01-01",
                            "founded_max": "2022-12-31",
                            "places": ["place-jiangbei-block", "place-smart-manufacturing-supply-town"], "skip": 0,
                            "limit": 10},
                           # keyset pages: after a firm with a capital, and after one without (ties at -1, by USCC)
                           {**SEARCH, "skip": 0, "limit": 4, "after_id": M[1], "after_capital": 200_000_000},
                           {**SEARCH, "skip": 0, "limit": 10, "after_id": M[2], "after_capital": -1}],
    "policy_fingerprint": [{}],
    "derived_enterprises": [{"after": "", "limit": 1000}, {"after": M[2], "limit": 3}, {"after": "~", "limit": 5}],
    "derived_links": [{"low": "", "high": "~"}, {"low": M[0], "high": M[0]}, {"low": M[1], "high": M[4]}],
    "derived_enterprises_range": [{"low": "", "high": "~"}, {"low": M[0], "high": M[0]}, {"low": M[1], "high": M[4]}],
    "derived_enterprise_ids": [{}],
    "enterprises_search_count": [SEARCH, {**SEARCH, "q": "生物"}, {**SEARCH, "filter_capital": True,
                                                                   "capital_min": 0, "capital_max": 60_000_000}],
    # policykg.export (SPARQL round trip) and policykg.networks
    "sparql_check_industry_clauses": [{"industry": "ind-ai"}, {"industry": "ind-life-health"},
                                      {"industry": "ind-intelligent-iot"}, {"industry": "nothing"}],
    "sparql_check_budget_total": [{}],
    "sparql_check_enterprise": [{"uscc": ENTERPRISES[2]["id"]}, {"uscc": M[0]}, {"uscc": "nothing"}],
    "analytics_policy_edges": [{}],
    "analytics_enterprise_features": [{}],
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, neo4j_uri):
    emb = open_backend(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("contract"),
                                    buffer_pool_mb=512))
    neo = open_backend(neo4j_settings(neo4j_uri), apply_schema=False)
    neo.clear()
    neo.drop_schema()
    neo.apply_schema()
    for b in (emb, neo):
        b.write(BATCH)
    yield {"embedded": emb, "neo4j": neo}
    emb.close()
    neo.close()


def test_every_catalogue_query_has_cases():
    assert set(CASES) == set(catalogue()), "add parameter cases for new catalogue queries"


def _canon(rows, ordered):
    rows = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows]
    return rows if ordered else sorted(rows)


@pytest.mark.parametrize("name,params", [(n, p) for n, cases in CASES.items() for p in cases],
                         ids=lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
def test_same_answer_on_both_backends(loaded, name, params):
    q = catalogue()[name]
    oracle = loaded["neo4j"].query(name, params)
    ours = loaded["embedded"].query(name, params)
    assert ours.columns == oracle.columns
    assert _canon(ours.records(), q.ordered) == _canon(oracle.records(), q.ordered)


def test_cases_are_not_all_empty(loaded):
    """Equal empty answers prove nothing: each query must return rows for at least one case."""
    for name, cases in CASES.items():
        assert any(loaded["neo4j"].query(name, p).rows for p in cases), name


def test_fixture_graph_counts_match_and_touch_every_type(loaded):
    emb, neo = loaded["embedded"].counts(), loaded["neo4j"].counts()
    assert emb == neo
    assert all(n > 0 for n in neo["nodes"].values()), neo["nodes"]
    assert all(n > 0 for n in neo["relationships"].values()), neo["relationships"]


PATHS = [(p["source"], p["target"]) for p in CASES["shortest_path"] if p["target"] != "nothing"]


@pytest.mark.parametrize("source,target", PATHS, ids=lambda v: v)
def test_path_is_the_catalogues_with_true_directions_on_both_backends(loaded, source, target):
    """explore.path (labelled ends, directions read from the path) answers as the catalogue's
    shortest_path on each backend, the same on both, with every edge in its stored direction."""
    from policykg import explore

    answers = {}
    for name, backend in loaded.items():
        answer = explore.path(backend, source, target)
        ids = [n["id"] for n in answer["nodes"]]
        (row,) = backend.query("shortest_path", {"source": source, "target": target}).records()
        assert ids == row["nodes"] and [e["type"] for e in answer["edges"]] == row["types"], name
        assert answer["length"] == row["length"] == len(answer["edges"]) > 0
        stored = {(r["source"], r["type"], r["target"]) for r in backend.expand({n["id"]: n["label"] for n in answer["nodes"]})}
        for (a, b), edge in zip(zip(ids, ids[1:], strict=False), answer["edges"], strict=True):
            assert {edge["source"], edge["target"]} == {a, b}
            assert (edge["source"], edge["type"], edge["target"]) in stored, (name, edge)
        answers[name] = answer
    assert answers["embedded"] == answers["neo4j"]


def test_path_from_a_node_to_itself_and_to_nothing(loaded):
    from policykg import explore
    from policykg.errors import NotFound

    for backend in loaded.values():
        alone = explore.path(backend, "ind-iot", "ind-iot")
        assert alone["length"] == 0 and alone["edges"] == [] and [n["id"] for n in alone["nodes"]] == ["ind-iot"]
        with pytest.raises(NotFound):
            explore.path(backend, "ind-iot", "nothing")


def test_neo4j_path_seeks_its_ends_by_label(loaded):
    """The ends of a path are index seeks, not a scan of every node (at 1M that scan took 7-15 s)."""
    neo = loaded["neo4j"]
    cypher = neo._path_cypher("id", "Industry", "id", "Enterprise")
    plan = neo.driver.execute_query("EXPLAIN " + cypher, {"source": "ind-iot", "target": ENTERPRISES[0]["id"]},
                                    database_=neo.database).summary.plan

    def operators(p):
        yield p["operatorType"]
        for child in p.get("children", []):
            yield from operators(child)

    ops = list(operators(plan))
    assert not any("AllNodesScan" in op or "NodeByLabelScan" in op for op in ops), ops
    assert any("Seek" in op for op in ops), ops
