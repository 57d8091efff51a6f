"""The matching, gaps, budget, browsing and search endpoints, in-process on both backends over the same
graph (the seed plus the matching fixtures): the same JSON from both, one error shape everywhere."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.graph import open_backend
from policykg.settings import get_settings
from tests.fixtures.graph import MATCH_ENTERPRISES, load_match_graph, match_graphs, parse_test_policy
from tests.test_match import all_paths, check_paths_exist

ON = "2025-06-01"
M = {i + 1: e["id"] for i, e in enumerate(MATCH_ENTERPRISES)}
TEST_DOC = parse_test_policy().document.id


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, _neo4j_backend):
    emb, neo, seed = match_graphs(tmp_path_factory.mktemp("api-match"), _neo4j_backend)
    clients = {}
    with TestClient(create_app(emb.settings, backend=emb)) as ce, TestClient(create_app(neo.settings, backend=neo)) as cn:
        clients = {"embedded": ce, "neo4j": cn}
        yield {"embedded": emb, "neo4j": neo, "seed": seed, "clients": clients}
    emb.close()


def get(graphs, url, status=200, **params):
    """GET from both apps: the same status and the same JSON. Returns the body."""
    oracle = graphs["clients"]["neo4j"].get(url, params=params)
    ours = graphs["clients"]["embedded"].get(url, params=params)
    assert oracle.status_code == status, oracle.text
    assert ours.status_code == status, ours.text
    assert json.dumps(ours.json(), sort_keys=True, ensure_ascii=False) == \
        json.dumps(oracle.json(), sort_keys=True, ensure_ascii=False)
    return oracle.json()


def error(graphs, url, status, code, **params):
    body = get(graphs, url, status, **params)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def is_page(body, total=None):
    assert {"items", "total", "limit", "offset"} <= set(body)
    assert len(body["items"]) <= body["limit"]
    if total is not None:
        assert body["total"] == total


def test_eligible_clauses(graphs):
    body = get(graphs, f"/api/enterprises/{M[2]}/eligible-clauses", on=ON)
    is_page(body, 26)
    assert body["enterprise"]["id"] == M[2] and body["as_of"] == ON
    assert body["items"][0]["status"] == "met" and body["items"][0]["estimate_cny"] == {"low": 10_000_000,
                                                                                       "high": 50_000_000}
    assert body["estimate_total_cny"] == {"low": 10_000_000, "high": 50_000_000}
    assert body["estimate_total"]["without_stacking_cny"] == {"low": 10_000_000, "high": 80_000_000}
    for backend in (graphs["embedded"], graphs["neo4j"]):
        check_paths_exist(backend, all_paths(body["items"]))
    paged = get(graphs, f"/api/enterprises/{M[2]}/eligible-clauses", on=ON, limit=5, offset=5)
    assert paged["total"] == 26 and [i["clause"]["id"] for i in paged["items"]] == \
        [i["clause"]["id"] for i in body["items"][5:10]]
    one_doc = get(graphs, f"/api/enterprises/{M[1]}/eligible-clauses", on=ON, document=TEST_DOC)
    assert one_doc["total"] == 2 and one_doc["document"] == TEST_DOC


def test_matching_and_industry_enterprises(graphs):
    seed = graphs["seed"]
    body = get(graphs, f"/api/clauses/{seed}:m20/matching-enterprises", on=ON)
    is_page(body, 2)
    assert [i["enterprise"]["id"] for i in body["items"]] == [M[2], M[1]]
    assert body["unknown"]["total"] == 1
    filtered = get(graphs, f"/api/clauses/{seed}:m20/matching-enterprises", on=ON, capital_max=100_000_000,
                   place="place-binjiang")
    assert [i["enterprise"]["id"] for i in filtered["items"]] == [M[1]]
    assert filtered["filters"] == {"place": "place-binjiang", "capital_max": 100_000_000}
    near = get(graphs, f"/api/clauses/{TEST_DOC}:m2/matching-enterprises", on=ON)
    assert [i["enterprise"]["id"] for i in near["items"]] == [M[3]]
    assert [(i["enterprise"]["id"], i["failed"]) for i in near["near_misses"]["items"]] == \
        [(M[4], [f"condition:{TEST_DOC}:m2-g1"])]
    ind = get(graphs, "/api/industries/ind-ai/enterprises", founded_from=2020)
    assert [i["enterprise"]["id"] for i in ind["items"]] == [M[8]]
    assert get(graphs, "/api/industries/ind-ai/enterprises")["total"] == 2
    sim = get(graphs, f"/api/enterprises/{M[1]}/similar")
    is_page(sim, 2)
    assert sim["items"][0]["enterprise"]["id"] == M[2]


def test_gaps_and_budget(graphs):
    seed = graphs["seed"]
    g = get(graphs, "/api/gaps", on=ON)
    assert set(g) >= {"industries", "tiers", "places"}
    assert sum(1 for r in g["industries"] if r["group"] in ("1", "5", "N")) == 15
    assert all(isinstance(r["gaps"], list) for r in g["industries"] + g["tiers"] + g["places"])
    only = get(graphs, "/api/gaps", on=ON, document=seed)
    assert only["document"] == seed
    b = get(graphs, "/api/budget", document=seed, on=ON)
    assert (b["annual_floor_total_cny"], b["fund_scale_total_cny"]) == (5_330_000_000, 5_000_000_000)
    assert b["annual_floor_total_cny"] == sum(c["budget_floor_cny"] or 0 for c in b["by_clause"])
    assert get(graphs, "/api/budget", on=ON)["annual_floor_total_cny"] == 5_345_000_000
    # before the seed was in force, only the test policy counts
    assert get(graphs, "/api/budget", on="2024-06-01")["annual_floor_total_cny"] == 15_000_000


def test_browse_and_search(graphs):
    seed = graphs["seed"]
    s = get(graphs, "/api/search", q="人工智能", on=ON)
    is_page(s, 5)
    assert all(i["matches"] and i["snippet"]["highlights"] for i in s["items"])
    assert get(graphs, "/api/search", q="人工智能", kind="annex", on=ON)["total"] == 1
    c = get(graphs, "/api/clauses", industry="ind-biomedicine", on=ON)
    # m16 (战略性新兴产业和未来产业): 生物医药 lies in 生命健康, which 附则 2 lists among 战略性新兴产业
    # m20: 鼓励类产业, whose members 附则 2 lists (生命健康 among them)
    assert {i["id"] for i in c["items"]} == {f"{seed}:m4", f"{seed}:m6", f"{seed}:m7", f"{seed}:m16", f"{seed}:m19",
                                             f"{seed}:m20"}
    is_page(get(graphs, "/api/clauses", on=ON, limit=10), 26)
    d = get(graphs, f"/api/clauses/{seed}:a4", on=ON)
    assert d["kind"] == "annex" and not d["in_force"] and len(d["rates"]) == 6 and d["text"].startswith("本意见")
    assert d["evidence"]["source_doc"] == seed
    tree = get(graphs, "/api/industries", on=ON)
    assert tree["total"] == 46  # with 鼓励发展类重点产业, the group 附则 2 defines
    roots = {r["id"]: r for r in tree["items"]}
    # 附则 2 lists 人工智能 among 战略性新兴产业和高技术产业: it is shown under both groups, 通用人工智能 under it
    ai = [ch for g in ("ind-strategic-emerging", "ind-high-tech") for ch in roots[g]["children"] if ch["id"] == "ind-ai"]
    assert len(ai) == 2 and all("ind-agi" in {x["id"] for x in a["children"]} for a in ai)
    places = get(graphs, "/api/places", on=ON)
    assert {r["id"] for r in places["items"]} == {"place-binjiang", "place-fuyang", "place-xiaoshan"}
    progs = get(graphs, "/api/programmes", on=ON)
    assert next(p for p in progs["items"] if p["id"] == "prog-5050")["enterprises"] == 2
    funds = get(graphs, "/api/funds", on=ON)
    assert funds["items"][0]["id"] == "fund-sci-tech-industry" and funds["items"][0]["invested_cny"] == 80_000_000
    ents = get(graphs, "/api/enterprises", q="测试", tier="tier-tech-enterprise", limit=2)
    assert ents["total"] == 3 and [e["id"] for e in ents["items"]] == [M[2], M[1]]
    assert get(graphs, "/api/enterprises", q=M[6].lower())["items"][0]["id"] == M[6]
    assert get(graphs, "/api/enterprises", industry="ind-life-health", capital_min=20_000_000)["total"] == 1
    e = get(graphs, f"/api/enterprises/{M[1]}")
    assert e["financials"][-1] == {"year": 2024, "revenue_cny": 200_000_000, "rd_spend_cny": 20_000_000}
    doc = get(graphs, f"/api/documents/{seed}")
    assert doc["doc_number"] == "杭高新〔2024〕16号" and len(doc["sections"]) == 8
    assert {r["kind"] for r in doc["rules"]} == {"stacking", "upgrade", "override"}
    is_page(get(graphs, f"/api/documents/{seed}/sections"), 8)


def test_openapi_describes_the_new_endpoints(graphs):
    paths = graphs["clients"]["embedded"].get("/openapi.json").json()["paths"]
    for p in ("/api/enterprises/{uscc}/eligible-clauses", "/api/clauses/{clause_id}/matching-enterprises",
              "/api/industries/{industry_id}/enterprises", "/api/enterprises/{uscc}/similar", "/api/gaps",
              "/api/budget", "/api/clauses", "/api/clauses/{clause_id}", "/api/search", "/api/industries",
              "/api/places", "/api/programmes", "/api/funds", "/api/enterprises", "/api/enterprises/{uscc}",
              "/api/documents/{doc_id}", "/api/documents/{doc_id}/sections"):
        assert p in paths and paths[p]["get"]["summary"], p


def test_every_error_has_one_shape(graphs):
    seed = graphs["seed"]
    nobody = "91330108NOBODY000X"
    for url in (f"/api/enterprises/{nobody}/eligible-clauses", f"/api/enterprises/{nobody}/similar",
                f"/api/enterprises/{nobody}", "/api/clauses/nothing/matching-enterprises", "/api/clauses/nothing",
                "/api/industries/ind-nothing/enterprises", "/api/documents/doc-nothing",
                "/api/documents/doc-nothing/sections"):
        error(graphs, url, 404, "not_found")
    details = error(graphs, f"/api/clauses/{seed}:a4/matching-enterprises", 404, "not_found")["details"]
    assert details["reason"] == "not a measure in force"
    m20 = f"/api/clauses/{seed}:m20/matching-enterprises"
    assert error(graphs, m20, 422, "validation_error", place="place-nowhere")["details"]["field"] == "place"
    assert error(graphs, m20, 422, "validation_error", tier="tier-nothing")["details"]["field"] == "tier"
    error(graphs, m20, 422, "validation_error", capital_min=10, capital_max=5)
    error(graphs, m20, 422, "validation_error", founded_from=2020, founded_to=2010)
    error(graphs, m20, 422, "invalid_request", capital_min=-1)
    error(graphs, m20, 422, "invalid_request", founded_from="soon")
    error(graphs, f"/api/enterprises/{M[1]}/eligible-clauses", 422, "invalid_request", on="2025-13-01")
    assert error(graphs, f"/api/enterprises/{M[1]}/eligible-clauses", 422, "validation_error",
                 document="doc-nothing")["details"]["field"] == "document"
    error(graphs, "/api/gaps", 422, "validation_error", document="doc-nothing")
    error(graphs, "/api/budget", 422, "validation_error", document="doc-nothing")
    error(graphs, "/api/budget", 422, "invalid_request", on="yesterday")
    error(graphs, "/api/search", 422, "invalid_request")
    error(graphs, "/api/search", 422, "invalid_request", q="")
    error(graphs, "/api/search", 422, "validation_error", q="   ")
    error(graphs, "/api/search", 422, "invalid_request", q="人工智能", kind="novel")
    error(graphs, "/api/clauses", 422, "validation_error", industry="ind-nothing")
    error(graphs, "/api/clauses", 422, "validation_error", tier="tier-nothing")
    error(graphs, "/api/clauses", 422, "validation_error", place="place-nothing")
    error(graphs, "/api/enterprises", 422, "validation_error", industry="ind-nothing")
    error(graphs, "/api/enterprises", 422, "validation_error", capital_min=9, capital_max=1)
    error(graphs, "/api/industries/ind-ai/enterprises", 422, "validation_error", place="place-nothing")
    error(graphs, "/api/enterprises", 422, "invalid_request", limit=0)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_cli_match_prints_the_table(graphs, name, env_for, tmp_path):
    env = env_for(name)
    if name == "embedded":  # the module's database is open in this process: the CLI gets its own
        with open_backend(get_settings(backend="embedded", data_dir=tmp_path / "cli-data", buffer_pool_mb=256)) as b:
            load_match_graph(b)
    cmd = [sys.executable, "-m", "policykg.cli", "match", M[2], "--on", ON]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # met 6: measure 6 (支持壮大物联网…等优势制造产业) reaches this 物联网 firm, the places it builds deciding nothing;
    # so does measure 4 (围绕区内智能物联…五大产业领域), the 新型研发机构 it builds deciding nothing either
    assert "测试新兴产业集团有限公司" in proc.stdout and "met 6" in proc.stdout
    assert "10,000,000–50,000,000" in proc.stdout
    as_json = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=120)
    assert json.loads(as_json.stdout)["estimate_total_cny"] == {"low": 10_000_000, "high": 50_000_000}
    missing = subprocess.run([sys.executable, "-m", "policykg.cli", "match", "NOBODY"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode != 0 and "no enterprise" in missing.stderr and "Traceback" not in missing.stderr


def test_snapshot_cache_sees_a_new_document(graphs):
    """Last in this module: it changes the graph. A new version of the test policy (a higher budget) must
    show in the next answer of the same app, on both backends."""
    from policykg.ingest.parse import parse_bytes
    from policykg.ingest.policy import ingest_document
    from tests.fixtures.graph import TEST_POLICY

    before = get(graphs, "/api/budget", on=ON)["annual_floor_total_cny"]
    newer = TEST_POLICY.replace("不少于1000万元", "不少于2000万元")
    for name in ("embedded", "neo4j"):
        report = ingest_document(graphs[name], parse_bytes(newer.encode("utf-8"), "test-policy-v2.md"))
        assert report["supersedes"] == [TEST_DOC]
    after = get(graphs, "/api/budget", on=ON)
    assert after["annual_floor_total_cny"] == before + 10_000_000
    assert TEST_DOC not in {d["id"] for d in after["documents"]}
