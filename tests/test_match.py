"""Eligibility, estimates with stacking, matching, gaps, budget and search (policykg.analysis), on both
backends over the same graph: the seed policy ingested for real plus the invented matching fixtures
(tests/fixtures/graph.py: MATCH_ENTERPRISES, TEST_POLICY). Every answer must also be identical on
Ladybug and Neo4j."""

from __future__ import annotations

import json

import pytest

from policykg.analysis import browse, budget, gaps, matching
from policykg.analysis.eligibility import eligible_clauses
from policykg.graph import open_backend
from policykg.settings import get_settings
from tests.fixtures.graph import MATCH_ENTERPRISES, load_match_graph, parse_test_policy

ON = "2025-06-01"
M = {i + 1: e["id"] for i, e in enumerate(MATCH_ENTERPRISES)}
TEST_DOC = parse_test_policy().document.id
ONE_FIVE_N = {"ind-intelligent-iot", "ind-integrated-circuits", "ind-intelligent-computing", "ind-high-end-equipment",
              "ind-life-health", "ind-green-energy", "ind-future-networks", "ind-agi", "ind-brain-inspired-intelligence",
              "ind-humanoid-robots", "ind-intelligent-connected-vehicles", "ind-low-altitude-economy",
              "ind-quantum-sensing", "ind-zero-magnetic-medical-equipment", "ind-new-energy-storage"}
KEY = {"ind-intelligent-iot", "ind-new-generation-it", "ind-ai", "ind-integrated-circuits", "ind-data-elements",
       "ind-high-end-equipment", "ind-life-health", "ind-cultural-creative", "ind-new-energy",
       "ind-energy-saving-environmental", "ind-new-materials"}


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, _neo4j_backend):
    emb = open_backend(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("match"), buffer_pool_mb=256))
    neo = _neo4j_backend
    neo.clear()
    neo.drop_schema()
    neo.apply_schema()
    seed = load_match_graph(emb)
    assert load_match_graph(neo) == seed
    yield {"embedded": emb, "neo4j": neo, "seed": seed}
    emb.close()


def same(graphs, fn):
    """Run fn on both backends; the answers must be identical. Returns Neo4j's (the oracle's)."""
    oracle, ours = fn(graphs["neo4j"]), fn(graphs["embedded"])
    assert json.dumps(ours, sort_keys=True, ensure_ascii=False) == json.dumps(oracle, sort_keys=True, ensure_ascii=False)
    return oracle


def by_clause(result):
    return {r["clause"]["id"]: r for r in result["items"]}


def measure(graphs, n, doc=None):
    return f"{doc or graphs['seed']}:m{n}"


def check_paths_exist(backend, paths):
    """Every node of every path exists with its label, and every edge exists with its type and direction."""
    ids = sorted({n["id"] for p in paths for n in p["nodes"]})
    labels = {r["id"]: r["label"] for r in backend.query("nodes_by_id", {"ids": ids}).records()}
    for p in paths:
        for n in p["nodes"]:
            assert labels.get(n["id"]) == n["label"], n
        assert len(p["edges"]) == len(p["nodes"]) - 1
        for a, b, e in zip(p["nodes"], p["nodes"][1:], p["edges"], strict=False):
            assert {e["source"], e["target"]} == {a["id"], b["id"]}, (p, e)
    sources = sorted({e["source"] for p in paths for e in p["edges"]})
    rels = {(r["source"], r["type"], r["target"]) for r in backend.query("neighbours", {"ids": sources}).records()
            if r["direction"] == "out"}
    for p in paths:
        for e in p["edges"]:
            assert (e["source"], e["type"], e["target"]) in rels, e


def all_paths(result_items):
    out = []
    for r in result_items:
        out += [x["path"] for x in r.get("reasons", []) if x.get("path")]
        out += [x["path"] for x in r.get("received", [])]
        out += [ln["path"] for ln in r.get("estimate", {}).get("lines", [])]
    return out


# --- eligibility -------------------------------------------------------------------------------
def test_every_measure_in_force_gets_a_status_and_real_paths(graphs):
    for n, uscc in M.items():
        res = same(graphs, lambda b, u=uscc: eligible_clauses(b, u, ON))
        assert len(res["items"]) == 26  # 24 seed measures + 2 of the test policy, all in force on ON
        assert {r["status"] for r in res["items"]} <= {"met", "not_met", "unknown"}
        assert sum(res["counts"].values()) == 26
        order = [({"met": 0, "unknown": 1, "not_met": 2}[r["status"]], -(r["estimate_cny"] or {"high": -1})["high"])
                 for r in res["items"]]
        assert order == sorted(order), n
        for backend in (graphs["embedded"], graphs["neo4j"]):
            check_paths_exist(backend, all_paths(res["items"]))


def test_statuses_subindustry_place_and_tiers(graphs):
    seed = graphs["seed"]
    e1 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[1], ON)))
    # M1: 新一代人工智能 under 人工智能; tiers 高新技术企业 and 科技型企业; 江北区块 (inside the district)
    assert e1[f"{seed}:m5"]["status"] == "met"  # supports 新一代人工智能 directly
    assert e1[f"{seed}:m19"]["status"] == "met"  # supports 人工智能: through SUBINDUSTRY_OF
    path = next(x["path"] for x in e1[f"{seed}:m19"]["reasons"] if x["dimension"] == "industry")
    assert [n["id"] for n in path["nodes"]] == [M[1], "ind-new-generation-ai", "ind-ai", f"{seed}:m19"]
    assert [e["type"] for e in path["edges"]] == ["IN_INDUSTRY", "SUBINDUSTRY_OF", "SUPPORTS"]
    assert e1[f"{seed}:m1"]["status"] == "met" and e1[f"{seed}:m20"]["status"] == "met"
    # measure 6 supports 人工智能 among its 优势制造产业; the places it names are places to build (加快建设
    # 智造供给小镇…加快滨富特别合作区、滨萧特别合作园建设), not where a beneficiary must be
    assert e1[f"{seed}:m6"]["status"] == "met"
    # measure 12 is for 领军企业 (支持…的领军企业做强做优) and, in a statement of its own, for firms listed in the
    # 领军企业跨越发展计划 (对列入…的): M1 is neither; the closest statement (the first) is what it is told
    assert e1[f"{seed}:m12"]["status"] == "not_met" and e1[f"{seed}:m12"]["failed"] == ["tier"]
    # it meets no criterion of that statement, so it is not near the measure (though it is told how far)
    assert not e1[f"{seed}:m12"]["near_miss"]
    assert e1[f"{seed}:m12"]["closeness"] == {"unmet_criteria": 1, "shortfall": 1.0}
    assert e1[f"{TEST_DOC}:m1"]["status"] == "met"  # revenue 2亿 >= 5000万, 120 employees >= 50
    programme = [x for x in e1[f"{seed}:m19"]["reasons"] if x["dimension"] == "programme"]
    # measure 19 is for 5050 / 青链 selectees (对…的入选人才创新项目): M1 was selected in 5050
    assert programme and programme[0]["status"] == "met"
    assert e1[f"{seed}:m20"]["received"][0]["grant"] == "grant-test-m1"
    # M6: 生物医药 → 生命健康; 智造供给小镇 inside the district
    e6 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[6], ON)))
    assert e6[f"{seed}:m7"]["status"] == "met"
    place = next(x["path"] for x in e6[f"{seed}:m7"]["reasons"] if x["dimension"] == "place")
    assert [e["type"] for e in place["edges"]] == ["LOCATED_IN", "PART_OF", "APPLIES_IN"]
    # measure 4's 新型研发机构 are what it builds ("推动…新型研发机构建设"): its five fields decide
    assert e6[f"{seed}:m4"]["status"] == "met"
    # M7: the right industry, in 滨富特别合作区 (in 富阳, not in the district)
    e7 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[7], ON)))
    assert e7[f"{seed}:m7"]["status"] == "not_met" and e7[f"{seed}:m7"]["failed"] == ["place"]
    assert e7[f"{seed}:m6"]["status"] == "met"  # 滨富特别合作区 is named by measure 6


def test_unknown_names_the_missing_fields(graphs):
    seed = graphs["seed"]
    e5 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[5], ON)))
    assert e5[f"{seed}:m1"]["status"] == "met"  # the tier is on record
    assert (e5[f"{seed}:m5"]["status"], e5[f"{seed}:m5"]["missing"]) == ("unknown", ["industries"])
    assert (e5[f"{seed}:m7"]["status"], e5[f"{seed}:m7"]["missing"]) == ("unknown", ["industries", "place"])
    # measure 20's 鼓励类产业 (附则 2's 鼓励发展类重点产业) is an industry criterion: no industry is missing too
    assert (e5[f"{seed}:m20"]["status"], e5[f"{seed}:m20"]["missing"]) == ("unknown", ["industries", "place"])
    assert e5[f"{TEST_DOC}:m1"]["status"] == "unknown"
    assert e5[f"{TEST_DOC}:m1"]["missing"] == ["employees", "industries", "revenue_cny"]
    assert e5[f"{seed}:m12"]["status"] == "not_met"  # tiers absent = not held
    assert e5[f"{seed}:m19"]["status"] == "not_met"  # a failed selection beats an unknown industry
    assert e5[f"{seed}:m19"]["missing"] == ["industries"] and e5[f"{seed}:m19"]["failed"] == ["programme"]
    # a measure with no machine-checkable criterion is unknown, never met
    m2 = e5[f"{seed}:m2"]
    assert m2["status"] == "unknown" and m2["missing"] == [] and m2["reasons"][0]["dimension"] == "none"


def test_currency_aware_conditions(graphs):
    e3 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[3], ON)))
    e4 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[4], ON)))
    # 注册资本1亿元人民币或1000万美元以上: 1200万美元 meets the USD alternative; 500万美元 does not
    assert e3[f"{TEST_DOC}:m2"]["status"] == "met"
    r4 = e4[f"{TEST_DOC}:m2"]
    assert r4["status"] == "not_met" and r4["near_miss"] and r4["failed"] == [f"condition:{TEST_DOC}:m2-g1"]
    alts = {x["condition"]["unit"]: x for x in r4["reasons"] if x["dimension"] == "condition"}
    assert alts["USD"]["status"] == "not_met" and alts["USD"]["enterprise_value"] == 5_000_000
    assert alts["CNY"]["status"] == "incomparable"  # no exchange rate is invented
    # M8: revenue 3000万 < 5000万 fails; employees unknown
    e8 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[8], ON)))
    r8 = e8[f"{TEST_DOC}:m1"]
    assert r8["status"] == "not_met" and r8["near_miss"] and len(r8["failed"]) == 1 and r8["missing"] == ["employees"]
    failed = next(x for x in r8["reasons"] if x["status"] == "not_met")
    assert failed["condition"]["field"] == "revenue" and failed["enterprise_value"] == 30_000_000


def test_estimates_and_stacking(graphs):
    seed = graphs["seed"]
    e1 = same(graphs, lambda b: eligible_clauses(b, M[1], ON))
    c1 = by_clause(e1)
    # R&D support: up to 30% of R&D spend 2000万
    assert c1[f"{seed}:m20"]["estimate_cny"] == {"low": 0, "high": 6_000_000}
    assert c1[f"{TEST_DOC}:m1"]["estimate_cny"] == {"low": 0, "high": 6_000_000}
    assert e1["estimate_total_cny"] == {"low": 0, "high": 12_000_000}  # two documents: no common rule
    e2 = same(graphs, lambda b: eligible_clauses(b, M[2], ON))
    c2 = by_clause(e2)
    # M2: registered capital 2亿 >= 1亿 → 5%–10%; R&D spend 1亿 → 0–30%
    assert c2[f"{seed}:m16"]["status"] == "met" and c2[f"{seed}:m20"]["status"] == "met"
    assert c2[f"{seed}:m16"]["estimate_cny"] == {"low": 10_000_000, "high": 50_000_000}
    assert c2[f"{seed}:m20"]["estimate_cny"] == {"low": 0, "high": 30_000_000}
    lines = {ln["instrument"]["id"]: ln for ln in c2[f"{seed}:m16"]["estimate"]["lines"]}
    assert lines["inst-registered-capital-grant"]["via"]["id"] == "inst-investment-support"
    assert lines["inst-interest-subsidy"]["status"] == "missing_base"
    assert lines["inst-rent-subsidy"]["status"] == "no_rate"
    # 附则 3: the same R&D spend is paid once, at the highest
    assert e2["estimate_total"]["without_stacking_cny"] == {"low": 10_000_000, "high": 80_000_000}
    assert e2["estimate_total_cny"] == {"low": 10_000_000, "high": 50_000_000}
    rd = next(s for s in e2["estimate_total"]["stacking"] if s["base"] == "rd_spend_cny")
    assert rd["rule"]["policy"] == "highest_once" and rd["counted"]["high"] == 30_000_000
    assert len(rd["not_counted"]) == 1
    # a USD capital gives a USD figure, kept out of the CNY totals
    c3 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[3], ON)))
    cap = next(ln for ln in c3[f"{seed}:m16"]["estimate"]["lines"]
               if ln["instrument"]["id"] == "inst-registered-capital-grant")
    assert cap["status"] == "other_currency" and (cap["currency"], cap["low"], cap["high"]) == ("USD", 600_000, 1_200_000)
    assert c3[f"{seed}:m16"]["estimate_cny"] is None
    rd3 = next(ln for ln in c3[f"{seed}:m16"]["estimate"]["lines"] if ln["instrument"]["id"] == "inst-rd-support")
    assert rd3["status"] == "missing_base" and rd3["missing"] == ["rd_spend_cny"]
    # no CNY estimate: the answer says why, line by line
    why3 = c3[f"{seed}:m16"]["estimate"]["why"]
    assert "R&D spend is not known" in why3 and "not added to CNY totals" in why3 and "不少于5亿元" in why3
    # each counted line names its basis and the words of the rate it applies
    est2 = c2[f"{seed}:m16"]["estimate"]
    assert [s["quote"] for s in est2["sources"]] == ["最高 30%", "5%—10%"]
    assert "closest figure" in est2["basis"][1] and "200,000,000 yuan" in est2["basis"][1]
    # below the capital threshold, the grant's own condition fails
    c6 = by_clause(same(graphs, lambda b: eligible_clauses(b, M[6], ON)))
    cap6 = next(ln for ln in c6[f"{seed}:m16"]["estimate"]["lines"]
                if ln["instrument"]["id"] == "inst-registered-capital-grant")
    assert cap6["status"] == "condition_not_met"


def test_documents_in_force_on_a_date(graphs):
    before_seed = same(graphs, lambda b: eligible_clauses(b, M[1], "2024-06-01"))
    assert {r["clause"]["document"] for r in before_seed["items"]} == {TEST_DOC}
    assert same(graphs, lambda b: eligible_clauses(b, M[1], "2023-06-01"))["items"] == []
    after_expiry = same(graphs, lambda b: eligible_clauses(b, M[1], "2031-01-01"))
    assert {r["clause"]["document"] for r in after_expiry["items"]} == {graphs["seed"]}
    one = same(graphs, lambda b: eligible_clauses(b, M[1], ON, TEST_DOC))
    assert len(one["items"]) == 2


# --- matching ----------------------------------------------------------------------------------
def test_matching_enterprises_and_near_misses(graphs):
    seed = graphs["seed"]
    m7 = same(graphs, lambda b: matching.matching_enterprises(b, f"{seed}:m7", on=ON))
    assert [i["enterprise"]["id"] for i in m7["items"]] == [M[6]] and m7["total"] == 1
    near = {i["enterprise"]["id"]: i["failed"] for i in m7["near_misses"]["items"]}
    assert M[7] not in near  # 生命健康, but in 滨富特别合作区: a firm does not move for a grant
    assert e7_place_only(graphs, seed)
    # a near miss fails only what a firm can change
    assert all(x in ("tier", "programme") or x.startswith("condition:") for f in near.values() for x in f)
    for backend in (graphs["embedded"], graphs["neo4j"]):
        check_paths_exist(backend, all_paths(m7["items"] + m7["near_misses"]["items"]))
    t1 = same(graphs, lambda b: matching.matching_enterprises(b, f"{TEST_DOC}:m1", on=ON))
    assert [i["enterprise"]["id"] for i in t1["items"]] == [M[1]]
    assert {i["enterprise"]["id"]: len(i["failed"]) for i in t1["near_misses"]["items"]} == {M[8]: 1}
    m20 = same(graphs, lambda b: matching.matching_enterprises(b, f"{seed}:m20", on=ON))
    assert [i["enterprise"]["id"] for i in m20["items"]] == [M[2], M[1]]  # ranked by estimate
    assert m20["unknown"]["total"] == 1 and m20["unknown"]["items"][0]["missing"] == ["industries", "place"]
    # filters
    big = same(graphs, lambda b: matching.matching_enterprises(
        b, f"{seed}:m20", matching.Filters(capital_min=100_000_000), on=ON))
    assert [i["enterprise"]["id"] for i in big["items"]] == [M[2]]
    young = same(graphs, lambda b: matching.matching_enterprises(
        b, f"{seed}:m20", matching.Filters(founded_from=2015, tier="tier-high-new-tech"), on=ON))
    assert [i["enterprise"]["id"] for i in young["items"]] == [M[1]]
    nothing = same(graphs, lambda b: matching.matching_enterprises(b, f"{seed}:m2", on=ON))
    assert nothing["items"] == [] and "no machine-checkable criterion" in nothing["note"]


def e7_place_only(graphs, seed):
    """M7 fails measure 7 on its place alone: not_met, and not a near miss."""
    r = by_clause(eligible_clauses(graphs["embedded"], M[7], ON))[f"{seed}:m7"]
    return r["failed"] == ["place"] and not r["near_miss"]


def test_matching_agrees_with_eligible_clauses(graphs):
    seed = graphs["seed"]
    for n in (5, 6, 7, 16, 19, 20):
        cid = f"{seed}:m{n}"
        res = same(graphs, lambda b, c=cid: matching.matching_enterprises(b, c, on=ON))
        met = {i["enterprise"]["id"] for i in res["items"]}
        expect = {u for u in M.values() if by_clause(eligible_clauses(graphs["embedded"], u, ON))[cid]["status"] == "met"}
        assert met == expect, cid


def test_industry_enterprises_and_similar(graphs):
    life = same(graphs, lambda b: matching.industry_enterprises(b, "ind-life-health"))
    assert [i["enterprise"]["id"] for i in life["items"]] == [M[6], M[7]]
    assert [e["type"] for e in life["items"][0]["reasons"][0]["path"]["edges"]] == ["IN_INDUSTRY", "SUBINDUSTRY_OF"]
    in_town = same(graphs, lambda b: matching.industry_enterprises(b, "ind-life-health",
                                                                   matching.Filters(place="place-binjiang")))
    assert [i["enterprise"]["id"] for i in in_town["items"]] == [M[6]]
    sim = same(graphs, lambda b: matching.similar_enterprises(b, M[1]))
    assert [(i["enterprise"]["id"], i["score"]) for i in sim["items"]] == [(M[2], 4), (M[6], 2)]
    assert [s["type"] for s in sim["items"][0]["shared"]] == ["INVESTED_IN", "LOCATED_IN"]
    for backend in (graphs["embedded"], graphs["neo4j"]):
        check_paths_exist(backend, [s["path"] for i in sim["items"] for s in i["shared"]]
                          + [r["path"] for i in life["items"] for r in i["reasons"]])


# --- gaps and budget ---------------------------------------------------------------------------
def test_gaps_cover_every_1_5_n_and_key_industry(graphs):
    g = same(graphs, lambda b: gaps.gaps(b, on=ON))
    rows = {r["id"]: r for r in g["industries"]}
    assert set(rows) == ONE_FIVE_N | KEY
    assert sum(1 for r in rows.values() if r["group"] in ("1", "5", "N")) == 15
    for r in rows.values():
        assert set(r) >= {"id", "name", "group", "clauses", "budget_floor_cny", "funds", "investments", "enterprises",
                          "by_place", "by_tier", "gaps"}
    codes = {i: {x["code"] for x in r["gaps"]} for i, r in rows.items()}
    # measure 5 names 智能计算 (全力打造全省计算产业高地): no longer without a clause of its own
    assert "no_dedicated_clause" not in codes["ind-intelligent-computing"]
    agi = next(x for x in rows["ind-agi"]["gaps"] if x["code"] == "no_dedicated_clause")
    assert set(agi["inherited"]) >= {f"{graphs['seed']}:m5", f"{graphs['seed']}:m19"}
    assert codes["ind-agi"] >= {"no_fund_investment", "budget_per_enterprise"} and rows["ind-agi"]["enterprises"] == 1
    assert "no_enterprises" in codes["ind-quantum-sensing"]
    assert rows["ind-intelligent-iot"]["investments"] == 1 and rows["ind-intelligent-iot"]["enterprises"] == 1
    life = rows["ind-life-health"]
    assert life["enterprises"] == 2 and life["budget_floor_cny"] == 1_350_000_000  # measures 4, 6, 7, 19
    assert {p["id"] for p in life["by_place"]} == {"place-smart-manufacturing-supply-town", "place-binfu-zone"}
    places = {p["id"]: {x["code"] for x in p["gaps"]} for p in g["places"]}
    assert "named_not_targeted" in places["place-layout-1p3v5t"]
    only_test = same(graphs, lambda b: gaps.gaps(b, document=TEST_DOC, on=ON))
    assert {r["id"] for r in only_test["industries"] if r["clauses"]} == {"ind-ai", "ind-integrated-circuits"}


def test_budget_totals_equal_the_floors(graphs):
    seed = graphs["seed"]
    b = same(graphs, lambda x: budget.budget(x, document=seed, on=ON))
    assert b["annual_floor_total_cny"] == 5_330_000_000
    assert b["fund_scale_total_cny"] == 5_000_000_000
    assert b["annual_floor_total_cny"] == sum(c["budget_floor_cny"] or 0 for c in b["by_clause"])
    assert sum(s["annual_floor_cny"] for s in b["by_section"]) == b["annual_floor_total_cny"]
    assert len(b["by_clause"]) == 24 and b["clauses_with_floor"] == 21
    industry = {r["id"]: r for r in b["by_industry"]}
    assert industry["ind-life-health"]["annual_floor_cny"] == 350_000_000  # measures 6, 7, 19 name it directly
    assert "each industry" in b["notes"]["by_industry"]
    instruments = {r["id"]: r for r in b["by_instrument"]}
    assert instruments["inst-rd-support"]["clauses"] == [f"{seed}:m16", f"{seed}:m20"]
    everything = same(graphs, lambda x: budget.budget(x, on=ON))
    assert everything["annual_floor_total_cny"] == 5_330_000_000 + 15_000_000
    assert len(everything["documents"]) == 2


# --- search and browsing -----------------------------------------------------------------------
def test_chinese_search_finds_clauses_with_spans(graphs):
    res = same(graphs, lambda b: browse.search(b, "人工智能", on=ON))
    ids = [i["id"] for i in res["items"]]
    seed = graphs["seed"]
    assert set(ids) == {f"{seed}:m5", f"{seed}:m6", f"{seed}:m19", f"{seed}:a2", f"{TEST_DOC}:m1"}
    assert ids[0] == f"{seed}:m5"  # most occurrences first
    texts = {r["id"]: r["text"] for r in graphs["neo4j"].query("clause_texts", {"as_of": ON, "document": ""}).records()}
    for item in res["items"]:
        assert item["mode"] == "exact"
        for s, e in item["matches"]:
            assert texts[item["id"]][s:e] == "人工智能"
        snip = item["snippet"]
        assert all(snip["text"][s:e] == "人工智能" for s, e in snip["highlights"])
    fuzzy = same(graphs, lambda b: browse.search(b, "人工智慧", on=ON))
    assert fuzzy["items"] and all(i["mode"] == "fuzzy" for i in fuzzy["items"])
    two = same(graphs, lambda b: browse.search(b, "人工智能 数据", on=ON))
    assert {i["id"] for i in two["items"]} == {f"{seed}:m5", f"{seed}:a2"}  # a2: 人工智能、…、数据要素


def test_clause_filters(graphs):
    seed = graphs["seed"]
    agi = same(graphs, lambda b: browse.clauses(b, industry="ind-agi", on=ON))
    assert {(i["id"], i["industry_match"]) for i in agi["items"]} >= {(f"{seed}:m5", "broader"), (f"{seed}:m19", "broader")}
    jb = same(graphs, lambda b: browse.clauses(b, place="place-jiangbei-block", on=ON))
    # not m8: its 滨江 is in a goal (形成具有国际影响力的数字创意滨江品牌), not a place it applies in
    assert [i["id"] for i in jb["items"]] == [f"{seed}:m7", f"{seed}:m20"]
    gazelle = same(graphs, lambda b: browse.clauses(b, tier="tier-gazelle", on=ON))
    assert [i["id"] for i in gazelle["items"]] == [f"{seed}:m14"]
    text = same(graphs, lambda b: browse.clauses(b, q="贴息", on=ON))
    assert [i["id"] for i in text["items"]] == [f"{seed}:m16"]
    detail = same(graphs, lambda b: browse.clause_detail(b, f"{seed}:m16", on=ON))
    assert detail["in_force"] and detail["budget_floor_cny"] == 500_000_000
    assert {i["id"] for i in detail["instruments"]} >= {"inst-rd-support", "inst-investment-support"}
    assert all(lk["evidence"]["quote"] for lk in detail["links"] if lk["type"] == "USES_INSTRUMENT")
