"""The contract: every catalogue query gives the same answer on Ladybug and on Neo4j (the oracle)
over the same fixture graph."""

from __future__ import annotations

import json

import pytest

from policykg.graph import open_backend
from policykg.queries import catalogue
from policykg.settings import get_settings
from tests.conftest import neo4j_settings
from tests.fixtures.graph import ENTERPRISES, fixture_batch

BATCH, DOC_ID = fixture_batch()

# Parameter sets per query; every catalogue query must appear here (see the first test).
CASES: dict[str, list[dict]] = {
    "counts_by_label": [{}],
    "counts_by_type": [{}],
    "documents": [{}, {"include_superseded": True}],
    "document_versions": [{"doc_number": "杭高新〔2024〕16号", "title": ""}, {"doc_number": "", "title": "测试旧版政策"},
                          {"doc_number": "none", "title": "none"}],
    "document_sections": [{"document": DOC_ID}, {"document": "doc-missing"}],
    "document_clauses": [{"document": DOC_ID}, {"document": "doc-missing"}],
    "neighbourhood": [{"id": DOC_ID}, {"id": f"{DOC_ID}:s2"}, {"id": "ind-iot"}, {"id": ENTERPRISES[0]["id"]},
                      {"id": "inv-1"}, {"id": "nothing-here"}],
    "neighbours": [{"ids": [DOC_ID, "ind-iot", "fund-kc"]}, {"ids": []}, {"ids": ["nothing-here"]}],
    "nodes_by_id": [{"ids": [DOC_ID, "ind-iot", ENTERPRISES[1]["id"], "inv-1", "nothing"]}],
    # Paths chosen to be unique, so that both engines must find the same one.
    "shortest_path": [{"source": f"{DOC_ID}:m5", "target": DOC_ID}, {"source": "ind-pharma", "target": "ind-bio"},
                      {"source": "fund-kc", "target": ENTERPRISES[2]["id"]}, {"source": DOC_ID, "target": "place-layout"},
                      {"source": "ind-iot", "target": "nothing"}],
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
