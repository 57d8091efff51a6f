"""A measure's beneficiary statements read as a careful reader reads them (issue 19): two statements that each
describe who may receive — two sentences with their own 对…的, parallel channels 通过A支持X，通过B支持Y — are
alternatives (any one suffices); criteria within one statement are all required; emphasis (突出…重点领域, 重点支持)
opens no statement. Read from the words (link.statements), then judged on both backends, live and through the
derived index, on a crafted document written as a district writes its measures."""

from __future__ import annotations

import pytest

from policykg.analysis import derived
from policykg.analysis.eligibility import eligible_clauses
from policykg.analysis.snapshot import load_snapshot
from policykg.graph.base import GraphBatch
from policykg.ingest.link import statement_spans
from policykg.ingest.parse import parse_text
from policykg.ingest.policy import ingest_document, seed_document
from tests.fixtures.firms import add_firm, seed_with_firms

ON = "2025-06-01"

#: an invented district's measures (测试), each written the way one of the patterns reads
DOC = """# 某某区人民政府文件

某政发〔2025〕7号

## 某某区人民政府关于支持企业高质量发展的若干政策

各街道办事处：

特提出如下政策。

## 一、政策措施

1. 支持高成长企业。每年安排预算不少于1000万元，对认定的集成电路领域瞪羚企业给予一次性奖励。对列入“领军企业跨越发展计划”的，给予项目资助。

2. 发挥产业基金作用。通过重大直投项目支持链主企业发展，通过银行贷款贴息支持生物医药产业扩大生产。

3. 支持集成电路企业研发。对集成电路领域的高新技术企业给予研发资助。

4. 支持青年人才创业。突出集成电路、人工智能等重点领域，重点支持人才创新创业。对“青链”行动的入选人才创新项目给予政策扶持。

## 二、附则

1. 本政策自 2025 年 1 月 1 日施行。

某某区人民政府
2024 年 12 月 20 日
"""

#: crafted firms: (industries, tiers, programmes)
FIRMS = {
    "gazelle_ic": (["ind-integrated-circuits"], ["tier-gazelle"], []),
    "gazelle_ecom": (["ind-e-commerce"], ["tier-gazelle"], []),
    "leap_ai": (["ind-ai"], [], ["prog-leading-enterprise-leap"]),
    "ic": (["ind-integrated-circuits"], [], []),
    "chain_leader_equipment": (["ind-high-end-equipment"], ["tier-chain-leader"], []),
    "biomed": (["ind-biomedicine"], [], []),
    "ecom": (["ind-e-commerce"], [], []),
    "hnte_ic": (["ind-integrated-circuits"], ["tier-high-new-tech"], []),
    "hnte_ai": (["ind-ai"], ["tier-high-new-tech"], []),
    "qinglian_ai": (["ind-ai"], [], ["prog-qinglian"]),
    "qinglian_ecom": (["ind-e-commerce"], [], ["prog-qinglian"]),
    "ai": (["ind-ai"], [], []),
    "selected_5050": ([], [], ["prog-5050"]),
}
NUMBER = {name: n for n, name in enumerate(FIRMS, start=1)}

#: (measure, firm, status as the text reads, the words that decide)
CASES = [
    (1, "gazelle_ic", "met", "对认定的集成电路领域瞪羚企业给予一次性奖励"),
    (1, "leap_ai", "met", "对列入“领军企业跨越发展计划”的，给予项目资助: a second beneficiary, of its own"),
    (1, "gazelle_ecom", "not_met", "对认定的集成电路领域瞪羚企业: the industry and the tier of one statement, both"),
    (1, "ic", "not_met", "neither a 瞪羚企业 nor listed in the plan"),
    (2, "chain_leader_equipment", "met", "通过重大直投项目支持链主企业发展: one channel's beneficiary"),
    (2, "biomed", "met", "通过银行贷款贴息支持生物医药产业扩大生产: the other channel's"),
    (2, "ecom", "not_met", "in neither channel"),
    (3, "hnte_ic", "met", "对集成电路领域的高新技术企业给予研发资助"),
    (3, "hnte_ai", "not_met", "对集成电路领域的高新技术企业: one statement, industry and tier both required"),
    (3, "ic", "not_met", "对集成电路领域的高新技术企业: one statement, industry and tier both required"),
    (4, "qinglian_ai", "met", "对“青链”行动的入选人才创新项目给予政策扶持"),
    (4, "ai", "not_met", "突出集成电路、人工智能等重点领域 is emphasis: the selection is still required"),
    (4, "qinglian_ecom", "not_met", "a selectee outside the 重点领域 the measure names"),
]


def uscc(firm: str) -> str:
    return f"91330108ALTS{NUMBER[firm]:05d}X"


def spans(text: str) -> list[str]:
    return [text[a:b] for a, b in statement_spans(text, 0, len(text))]


# --- the words ------------------------------------------------------------------------------------
def test_two_sentences_each_with_its_own_beneficiary_are_two_statements():
    text = "每年安排预算不少于1000万元，对认定的集成电路领域瞪羚企业给予一次性奖励。对列入“领军企业跨越发展计划”的，给予项目资助。"
    assert spans(text) == ["对认定的集成电路领域瞪羚企业给予一次性奖励。", "对列入“领军企业跨越发展计划”的，给予项目资助。"]
    # the seed's measure 12: 支持…的领军企业做强做优 and 对列入…的
    m12 = next(c for c in seed_document().clauses if c.kind == "measure" and c.number == 12)
    got = {(m["id"], m["statement"]) for kind in ("tiers", "selections") for m in getattr(m12, kind)}
    assert got == {("tier-leading-enterprise", 0), ("tier-leading-enterprise", 1),
                   ("prog-leading-enterprise-leap", 2)}


def test_parallel_channels_are_statements_each_up_to_the_next():
    text = "通过重大直投项目支持链主企业发展，通过银行贷款贴息支持生物医药产业扩大生产。"
    assert spans(text) == ["通过重大直投项目支持链主企业发展，", "通过银行贷款贴息支持生物医药产业扩大生产。"]
    # one 通过 phrase is a means, not a channel among others
    assert spans("鼓励科技型中小企业通过发行债券、股权融资等方式进行融资。") == []


def test_the_seed_channel_through_the_5050_fund_makes_its_selectees_candidates():
    m22 = next(c for c in seed_document().clauses if c.kind == "measure" and c.number == 22)
    assert [(m["id"], m.get("role"), m["statement"], m["statement_words"]) for m in m22.selections] == [
        ("prog-5050", "candidate", 2, "通过“5050”人才直投基金加快高端人才集聚")]
    assert [(m["id"], m["statement"]) for m in m22.tiers] == [("tier-chain-leader", 3)]


def test_one_statement_or_emphasis_tags_nothing():
    # industry and tier in one sentence: one statement, both required
    assert spans("对集成电路领域的高新技术企业给予研发资助。") == []
    # emphasis opens no statement: 突出…重点领域, 重点支持 (the seed's measure 19 reads so too)
    assert spans("突出集成电路、人工智能等重点领域，重点支持人才创新创业。对“青链”行动的入选人才创新项目给予政策扶持。") == []
    assert spans("重点支持集成电路领域的瞪羚企业。对列入“领军企业跨越发展计划”的，给予项目资助。") == []
    # a verb that begins with 对 describes no beneficiary
    assert spans("对接长三角的产业资源。对认定的瞪羚企业给予奖励。") == []
    for n in (14, 19, 20, 23):  # one beneficiary statement each (对…的): nothing tagged
        clause = next(c for c in seed_document().clauses if c.kind == "measure" and c.number == n)
        assert not any("statement" in m for kind in ("industries", "tiers", "selections")
                       for m in getattr(clause, kind)), n


# --- judged, on both backends, live and from the index ---------------------------------------------
@pytest.fixture
def loaded(backend):
    doc = ingest_document(backend, parse_text(DOC, source="alternatives.md"))["document"]
    batch = GraphBatch()
    for name, (industries, tiers, programmes) in FIRMS.items():
        add_firm(batch, uscc(name), f"测试企业{NUMBER[name]:05d}", industries=industries, tiers=tiers,
                 programmes=programmes)
    backend.write(batch)
    return backend, doc


def test_statements_judged_as_the_text_reads(loaded):
    backend, doc = loaded
    idx = derived.build(backend, ON)
    live = {name: {r["clause"]["id"]: r for r in eligible_clauses(backend, uscc(name), ON)["items"]}
            for name in FIRMS}
    for n, name, expected, words in CASES:
        cid = f"{doc}:m{n}"
        mi = idx.measures[cid]
        ids = {status: {idx.columns.id(int(i)) for i in arr} for status, arr in (("met", mi.met), ("unknown", mi.unknown))}
        indexed = next((s for s, got in ids.items() if uscc(name) in got), "not_met")
        assert (live[name][cid]["status"], indexed) == (expected, expected), (n, name, words)
    # the reason names the statement that decided, with its words
    r = live["leap_ai"][f"{doc}:m1"]
    alt = [x for x in r["reasons"] if x["dimension"] == "alternative"]
    assert [(x["status"], x["words"]) for x in alt] == [("met", "对列入“领军企业跨越发展计划”的，给予项目资助")]
    r = live["gazelle_ecom"][f"{doc}:m1"]
    assert r["failed"] == ["industry"]  # the closest statement: the 瞪羚企业 it holds, the industry it lacks
    # a measure read as one statement shows no alternative
    assert not [x for x in live["hnte_ai"][f"{doc}:m3"]["reasons"] if x["dimension"] == "alternative"]


def test_the_statements_are_on_the_links(loaded):
    backend, doc = loaded
    rows = backend.read_cypher(
        "MATCH (c:Clause)-[r:TARGETS|SUPPORTS|REQUIRES_SELECTION]->(x) WHERE c.id = $c AND r.statements IS NOT NULL "
        "RETURN x.id AS xid, r.statements AS statements", {"c": f"{doc}:m1"}).records()
    assert sorted((r["xid"], list(r["statements"])) for r in rows) == [
        ("ind-integrated-circuits", ["对认定的集成电路领域瞪羚企业给予一次性奖励"]),
        ("prog-leading-enterprise-leap", ["对列入“领军企业跨越发展计划”的，给予项目资助"]),
        ("tier-gazelle", ["对认定的集成电路领域瞪羚企业给予一次性奖励"])]
    snap = load_snapshot(backend, ON)
    assert [a.words for a in snap.measure(f"{doc}:m1").alternatives] == [
        "对认定的集成电路领域瞪羚企业给予一次性奖励", "对列入“领军企业跨越发展计划”的，给予项目资助"]
    assert snap.measure(f"{doc}:m3").alternatives == []


def test_a_5050_selectee_is_a_candidate_of_the_fund_channel(backend):
    # Measure 22: "通过“5050”人才直投基金加快高端人才集聚，通过重大直投项目支持链主企业发展" — the selectee is whom the
    # fund may invest in (unknown: the fund decides), and the 链主企业 of the other channel is not required of it
    seed = seed_with_firms(backend, {uscc("selected_5050"): {"programmes": ["prog-5050"]},
                                     uscc("ai"): {"industries": ["ind-ai"]}})
    items = {n: next(r for r in eligible_clauses(backend, uscc(n), ON)["items"] if r["clause"]["id"] == f"{seed}:m22")
             for n in ("selected_5050", "ai")}
    r = items["selected_5050"]
    assert (r["status"], r["failed"]) == ("unknown", [])
    got = {x["dimension"]: (x["status"], x.get("words")) for x in r["reasons"] if x["dimension"] != "tier"}
    assert got == {"alternative": ("unknown", "通过“5050”人才直投基金加快高端人才集聚"),
                   "programme": ("unknown", "通过“5050”人才直投基金加快高端人才集聚")}
    assert [x["role"] for x in r["reasons"] if x["dimension"] == "programme"] == ["candidate"]
    assert items["ai"]["status"] == "not_met"
