"""Eligibility read from the seed's own sentences (issue 19): for each rule, firms a careful reader puts
inside and outside a measure, with the sentence that decides quoted beside the test. Each answer is
asserted live (``eligible_clauses``, ``matching_enterprises``) and through the derived index (the same
answers from its precomputed statuses), on both backends."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from policykg.analysis import browse, derived, matching, service
from policykg.analysis.eligibility import eligible_clauses
from policykg.analysis.snapshot import load_snapshot
from policykg.api.app import create_app
from tests.fixtures.firms import seed_with_firms

ON = "2025-06-01"


def _id(n: int) -> str:
    return f"91330108TESTE{n:04d}X"


def load(backend, firms: dict[int, dict]) -> str:
    """The seed ingested for real, then invented firms (测试): ``{n: {industries, places, tiers, programmes}}``.
    Returns the seed document's id."""
    return seed_with_firms(backend, {_id(n): f for n, f in firms.items()})


def dump(x) -> str:
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def statuses(backend, firms, clause_id: str) -> dict[int, str]:
    """Each firm's status for the measure, live; and the same through the derived index, whose matching
    answers (met, near misses, unknown) and per-firm eligible clauses must equal the live ones."""
    snap = load_snapshot(backend, ON)
    idx = derived.build(backend, ON)
    assert idx is not None
    live = {n: next(r for r in eligible_clauses(backend, _id(n), snapshot=snap)["items"]
                    if r["clause"]["id"] == clause_id) for n in firms}
    for n in firms:
        assert dump(service.DerivedCache.eligible_from(idx, backend, _id(n), snap)) == dump(
            eligible_clauses(backend, _id(n), snapshot=snap)), n
    for m in snap.measures:
        want = matching.matching_enterprises(backend, m.id, snapshot=snap, limit=1000, near_limit=1000)
        got = matching.matching_enterprises(backend, m.id, snapshot=snap, index=idx, limit=1000, near_limit=1000)
        assert dump(got) == dump(want), m.id
    want = matching.matching_enterprises(backend, clause_id, snapshot=snap, limit=1000, near_limit=1000)
    met = {i["enterprise"]["id"] for i in want["items"]}
    assert met == {_id(n) for n, r in live.items() if r["status"] == "met"}, clause_id
    return {n: r["status"] for n, r in live.items()}


def reason(result: dict, dimension: str) -> dict:
    return next(x for x in result["reasons"] if x["dimension"] == dimension and x["status"] == "met")


def item(backend, n: int, clause_id: str) -> dict:
    return next(r for r in eligible_clauses(backend, _id(n), ON)["items"] if r["clause"]["id"] == clause_id)


# --- tiers: hierarchies that are national definitions (issue 19, part 3) ------------------------
TIER_FIRMS = {
    1: {"tiers": ["tier-high-new-tech"]},        # 高新技术企业 only
    2: {"tiers": ["tier-tech-sme"]},             # 科技型中小企业 only
    3: {"tiers": ["tier-tech-enterprise"]},      # the broader tier only
    4: {"tiers": ["tier-headquarters-rd"]},      # 研发型总部
    5: {"tiers": ["tier-gazelle"]},              # a tier outside both families
}


def test_a_measure_for_a_broader_tier_reaches_holders_of_narrower_ones(backend):
    seed = load(backend, TIER_FIRMS)
    # Measure 1: "每年安排预算不少于2亿元，用于科技型企业培育。" — 高新技术企业 and 科技型中小企业 are
    # 科技型企业 (《高新技术企业认定管理办法》, 《科技型中小企业评价办法》).
    m1 = f"{seed}:m1"
    assert statuses(backend, TIER_FIRMS, m1) == {1: "met", 2: "met", 3: "met", 4: "not_met", 5: "not_met"}
    p = reason(item(backend, 1, m1), "tier")["path"]
    assert [n["id"] for n in p["nodes"]] == [_id(1), "tier-high-new-tech", "tier-tech-enterprise", m1]
    assert [e["type"] for e in p["edges"]] == ["HAS_TIER", "SUBTIER_OF", "TARGETS"]
    # Measure 21: "鼓励科技型中小企业通过发行债券…进行融资" — a broader tier does not meet a narrower measure.
    assert statuses(backend, TIER_FIRMS, f"{seed}:m21") == {1: "not_met", 2: "met", 3: "not_met", 4: "not_met",
                                                            5: "not_met"}
    # Measure 13: "加强总部企业引进培育…按规模型总部、研发型总部、上市企业总部、其他总部等分类给予全方位支持"
    # and measure 23: "对达到一定规模、发展势头良好的上市企业、总部企业、专精特新企业等…优先保障企业发展空间".
    for n in (13, 23):
        assert statuses(backend, TIER_FIRMS, f"{seed}:m{n}")[4] == "met", n
    p = reason(item(backend, 4, f"{seed}:m23"), "tier")["path"]
    assert [e["type"] for e in p["edges"]] == ["HAS_TIER", "SUBTIER_OF", "TARGETS"]


# --- groups the text defines (issue 19, part 2) ---------------------------------------------------
GROUP_FIRMS = {
    11: {"industries": ["ind-integrated-circuits"]},  # a member of 战略性新兴产业 (附则 2)
    12: {"industries": ["ind-quantum-sensing"]},      # a member of 未来产业 (目标任务)
    13: {"industries": ["ind-biomedicine"]},          # narrower than 生命健康, a member of 战略性新兴产业
    14: {"industries": ["ind-e-commerce"]},           # named in neither list
    15: {"industries": ["ind-modern-services"]},
}


def test_a_measure_for_a_group_reaches_the_members_the_text_lists(backend):
    seed = load(backend, GROUP_FIRMS)
    # Measure 16: "聚焦战略性新兴产业和未来产业，吸引产业关键技术、前沿引领技术和应用基础项目"; the seed says
    # which industries those are — 附则 2: "智能物联、新一代信息技术、人工智能、集成电路、数据要素、高端装备
    # 制造、生命健康、文化创意、新能源、节能环保、新材料等战略性新兴产业和高技术产业" and 目标任务: "未来网络、
    # 通用人工智能、类脑智能、人形机器人、智能网联汽车、低空经济、量子传感、零磁医疗装备和新型储能等未来产业".
    m16 = f"{seed}:m16"
    assert statuses(backend, GROUP_FIRMS, m16) == {11: "met", 12: "met", 13: "met", 14: "not_met", 15: "not_met"}
    p = reason(item(backend, 11, m16), "industry")["path"]
    assert [n["id"] for n in p["nodes"]] == [_id(11), "ind-integrated-circuits", "ind-strategic-emerging", m16]
    assert [e["type"] for e in p["edges"]] == ["IN_INDUSTRY", "MEMBER_OF", "SUPPORTS"]
    p = reason(item(backend, 13, m16), "industry")["path"]
    assert [e["type"] for e in p["edges"]] == ["IN_INDUSTRY", "SUBINDUSTRY_OF", "MEMBER_OF", "SUPPORTS"]
    # each membership keeps the document and the words it was read from
    rows = backend.read_cypher(
        "MATCH (a:Industry)-[r:MEMBER_OF]->(g:Industry) WHERE a.id = $a "
        "RETURN g.id AS gid, r.source_doc AS doc, r.quote AS quote ORDER BY gid", {"a": "ind-integrated-circuits"}).records()
    # 附则 2 also defines 鼓励发展类重点产业 by the same list ("鼓励发展类重点产业是指智能物联、…")
    assert [r["gid"] for r in rows] == ["ind-encouraged-key", "ind-high-tech", "ind-strategic-emerging"]
    assert all(r["doc"] == seed and r["quote"].endswith("等战略性新兴产业和高技术产业") for r in rows)
    assert rows[0]["quote"].startswith("鼓励发展类重点产业是指智能物联")
    assert all(r["quote"].startswith("智能物联、新一代信息技术") for r in rows[1:])
    future = backend.read_cypher("MATCH (a:Industry)-[r:MEMBER_OF]->(g:Industry {id: 'ind-future'}) "
                                 "RETURN a.id AS aid").records()
    assert len(future) == 9 and "ind-quantum-sensing" in {r["aid"] for r in future}
    # a list whose head is no industry of the taxonomy defines nothing: "集成电路、…、绿色能源等新兴产业"
    assert not backend.read_cypher("MATCH (a:Industry {id: 'ind-intelligent-computing'})-[r:MEMBER_OF]->(g) "
                                   "RETURN g.id AS gid").records()
    # the clause list by industry shows measure 16 for 集成电路 (a broader industry: the group it is in)
    listed = {i["id"]: i["industry_match"] for i in browse.clauses(backend, industry="ind-integrated-circuits", on=ON)["items"]}
    assert listed[m16] == "broader"
    with TestClient(create_app(backend.settings, backend=backend)) as client:
        body = client.get("/api/clauses", params={"industry": "ind-integrated-circuits"}).json()
        assert m16 in {i["id"] for i in body["items"]}
        client.app.state.derived.stop()


# --- programmes as criteria (issue 19, part 4) ------------------------------------------------------
PROGRAMME_FIRMS = {
    21: {"industries": ["ind-integrated-circuits"], "programmes": ["prog-5050"]},
    22: {"industries": ["ind-integrated-circuits"]},                   # the industry, never selected
    23: {"industries": ["ind-ai"], "programmes": ["prog-qinglian"]},
    24: {"industries": ["ind-e-commerce"], "programmes": ["prog-5050"]},  # selected, outside the 重点领域
    25: {"tiers": ["tier-leading-enterprise"], "programmes": ["prog-leading-enterprise-leap"]},
    26: {"tiers": ["tier-leading-enterprise"]},                        # a 领军企业 not listed in the plan
    27: {"industries": ["ind-ai"], "programmes": ["prog-tiantang-silicon-valley-talent"]},
}


def test_selection_in_a_programme_is_a_criterion_where_the_measure_says_so(backend):
    seed = load(backend, PROGRAMME_FIRMS)
    # Measure 19: "对“5050”政策、“青链”行动的入选人才创新项目给予政策扶持" (in its 重点领域 集成电路、人工智能…):
    # only selectees; "持续迭代实施“5050”政策" alone would not have made it a criterion.
    m19 = f"{seed}:m19"
    got = statuses(backend, PROGRAMME_FIRMS, m19)
    assert {n for n, s in got.items() if s == "met"} == {21, 23}
    assert got[22] == got[24] == got[27] == "not_met"
    r22 = item(backend, 22, m19)
    assert r22["failed"] == ["programme"] and r22["near_miss"]
    p = reason(item(backend, 21, m19), "programme")["path"]
    assert [n["id"] for n in p["nodes"]] == [_id(21), "prog-5050", m19]
    assert [e["type"] for e in p["edges"]] == ["SELECTED_IN", "REQUIRES_SELECTION"]
    # Measure 12: "支持…的领军企业做强做优。对列入“领军企业跨越发展计划”的，支持企业持续创新…" — two statements of
    # who benefits, either suffices: a 领军企业 not listed in the plan is one, a firm listed in it is another.
    m12 = f"{seed}:m12"
    got = statuses(backend, PROGRAMME_FIRMS, m12)
    assert {n for n, s in got.items() if s == "met"} == {25, 26}
    alt = reason(item(backend, 26, m12), "alternative")
    assert alt["status"] == "met" and alt["words"].endswith("的领军企业做强做优")
    assert item(backend, 22, m12)["failed"] == ["tier"]  # the closest statement: the first
    # Measure 18: "迭代推进天堂硅谷人才行动政策…聚焦“315”科技创新体系等领域" names programmes as context:
    # selection in one is shown, and decides nothing.
    r18 = item(backend, 27, f"{seed}:m18")
    assert r18["status"] == "unknown"
    info = [x for x in r18["reasons"] if x["dimension"] == "programme"]
    assert [x["status"] for x in info] == ["info"]
    # the words each criterion was read from
    rows = backend.read_cypher("MATCH (c:Clause)-[r:REQUIRES_SELECTION]->(g:Programme) "
                               "RETURN c.id AS cid, g.id AS gid, r.quote AS quote").records()
    assert sorted((r["cid"], r["gid"], r["quote"]) for r in rows) == [
        (m12, "prog-leading-enterprise-leap", "列入“领军企业跨越发展计划”的"),
        (m19, "prog-5050", "“5050”政策、“青链”行动的入选"),
        (m19, "prog-qinglian", "“5050”政策、“青链”行动的入选"),
        # measure 22's channel through the fund that invests in 5050 selectees (a candidate: the fund decides)
        (f"{seed}:m22", "prog-5050", "通过“5050”人才直投基金加快高端人才集聚")]


# --- the role of each mention (issue 19, part 5) ----------------------------------------------------
ROLE_FIRMS = {
    31: {"industries": ["ind-smart-manufacturing"]},                                   # in the district
    32: {"industries": ["ind-smart-manufacturing"], "places": ["place-smart-manufacturing-supply-town"]},
    33: {"industries": ["ind-e-commerce"]},                                             # outside measure 6
    34: {"industries": ["ind-e-commerce"], "tiers": ["tier-foreign-trade"]},           # a 外贸企业, another trade
    35: {"industries": ["ind-cross-border-e-commerce"]},                               # the example, no tier
    36: {"tiers": ["tier-foreign-trade"]},                                             # no industry on record
    37: {"industries": ["ind-modern-services"]},                                        # neither
    38: {"tiers": ["tier-high-new-tech"], "places": ["place-jiangbei-block"], "industries": ["ind-ai"]},
    39: {"tiers": ["tier-high-new-tech"]},                                             # in 滨江, not the block
    40: {"industries": ["ind-intelligent-computing"]},
    41: {"industries": ["ind-culture"], "places": ["place-binfu-zone"]},                # outside 滨江
}


def api_statuses(backend, clause_id: str, firms) -> dict[int, str]:
    """Each firm's status for the measure through ``GET /api/enterprises/{uscc}/eligible-clauses``."""
    out = {}
    with TestClient(create_app(backend.settings, backend=backend)) as client:
        for n in firms:
            body = client.get(f"/api/enterprises/{_id(n)}/eligible-clauses", params={"on": ON, "limit": 100}).json()
            out[n] = next(i["status"] for i in body["items"] if i["clause"]["id"] == clause_id)
        client.app.state.derived.stop()
    return out


def test_only_criteria_and_scope_decide_a_place_to_build_or_an_example_does_not(backend):
    seed = load(backend, ROLE_FIRMS)
    # Measure 6: "加快建设智造供给小镇…加快滨富特别合作区、滨萧特别合作园建设" — places it will build, not where a
    # beneficiary must be: a 智能制造 firm anywhere in the district meets it.
    m6 = f"{seed}:m6"
    got = statuses(backend, ROLE_FIRMS, m6)
    assert (got[31], got[32], got[33]) == ("met", "met", "not_met")
    assert api_statuses(backend, m6, (31, 32, 33)) == {31: "met", 32: "met", 33: "not_met"}
    info = [x for x in item(backend, 32, m6)["reasons"] if x["dimension"] == "place"]
    assert [(x["status"], x["role"], x["words"]) for x in info] == [("info", "context", "建设智造供给小镇")]
    assert [e["type"] for e in info[0]["path"]["edges"]] == ["LOCATED_IN", "APPLIES_IN"]
    body = matching.matching_enterprises(backend, m6, on=ON)
    assert [(x["id"], x["words"]) for x in body["criteria"]["context"]] == [
        ("place-binfu-zone", "滨富特别合作区、滨萧特别合作园建设"), ("place-binxiao-park", "滨富特别合作区、滨萧特别合作园建设"),
        ("place-smart-manufacturing-supply-town", "建设智造供给小镇")]
    assert body["criteria"]["places"] == []
    # Measure 8: "形成具有国际影响力的数字创意滨江品牌" — a goal; the measure names no place a firm must be in.
    assert statuses(backend, ROLE_FIRMS, f"{seed}:m8")[41] == "met"
    # Measure 17: "围绕从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业" — an open list of what the 外贸企业 do:
    # a 外贸企业 meets it whatever its trade, and a 跨境电商 firm is one of the examples.
    m17 = f"{seed}:m17"
    got = statuses(backend, ROLE_FIRMS, m17)
    assert (got[34], got[35], got[36], got[37]) == ("met", "met", "met", "not_met")
    assert api_statuses(backend, m17, (34, 35, 36, 37)) == {34: "met", 35: "met", 36: "met", 37: "not_met"}
    r35 = reason(item(backend, 35, m17), "tier")
    assert r35["role"] == "example" and r35["words"] == "从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业"
    assert [e["type"] for e in r35["path"]["edges"]] == ["IN_INDUSTRY", "SUPPORTS"]
    assert item(backend, 37, m17)["failed"] == ["tier"]
    crit = matching.matching_enterprises(backend, m17, on=ON)["criteria"]
    assert [t["id"] for t in crit["tiers"]] == ["tier-foreign-trade"] and crit["industries"] == []
    assert [x["id"] for x in crit["examples"]] == ["ind-cross-border-e-commerce"]
    # Measure 20: "支持江北区块产业集聚，对符合鼓励类产业导向的科技型企业给予…" — the block is the scope (and
    # 鼓励类产业, 附则 2's 鼓励发展类重点产业, a criterion: firm 38 is in 人工智能, one of them).
    m20 = f"{seed}:m20"
    got = statuses(backend, ROLE_FIRMS, m20)
    assert (got[38], got[39]) == ("met", "not_met")
    assert item(backend, 39, m20)["failed"] == ["place"]
    # Measure 5: "重点支持高性能计算芯片和计算存储服务器…全力打造全省计算产业高地" — 智能计算 is supported.
    m5 = f"{seed}:m5"
    got = statuses(backend, ROLE_FIRMS, m5)
    assert got[40] == "met" and got[37] == "not_met"
    assert api_statuses(backend, m5, (40, 37)) == {40: "met", 37: "not_met"}
    listed = {i["id"]: i["industry_match"] for i in browse.clauses(backend, industry="ind-intelligent-computing",
                                                                  on=ON)["items"]}
    assert listed.get(m5) == "direct", listed
    # each role is stored with the words it was read from
    rows = backend.read_cypher(
        "MATCH (c:Clause)-[r:APPLIES_IN|SUPPORTS|TARGETS]->(x) WHERE c.id IN $ids "
        "RETURN c.id AS cid, x.id AS xid, r.role AS role, r.role_words AS words", {"ids": [m6, m17, m20]}).records()
    got = {(r["cid"], r["xid"]): (r["role"], r["words"]) for r in rows}
    assert got[(m6, "place-binfu-zone")] == ("context", "滨富特别合作区、滨萧特别合作园建设")
    assert got[(m6, "ind-smart-manufacturing")][0] == "criterion"
    assert got[(m17, "ind-cross-border-e-commerce")] == ("example", "从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业")
    assert got[(m17, "tier-foreign-trade")][0] == "criterion"
    assert got[(m20, "place-jiangbei-block")] == ("scope", "固巢留凤优化江北区块")
