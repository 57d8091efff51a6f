"""Hierarchies read as their source reads them (issue 19, parts 2 and 3): a group a document defines
(A、B等未来产业) holds for that document only; tier filters and tier gaps follow the national definitions
(a measure for 科技型企业 reaches a 高新技术企业). On both backends."""

from __future__ import annotations

from policykg.analysis import browse, gaps
from policykg.analysis.eligibility import eligible_clauses
from policykg.analysis.snapshot import load_snapshot
from policykg.graph.base import GraphBatch
from policykg.ingest.parse import parse_text
from policykg.ingest.policy import ingest_document, ingest_seed
from tests.fixtures.firms import add_firm

ON = "2025-06-01"

#: a second district's document that defines 未来产业 its own way and supports it
OTHER = """# 某某区人民政府文件

某政发〔2025〕3号

## 某某区人民政府关于培育未来产业的若干意见

各街道办事处：

特提出如下意见。

## 一、目标任务

加快培育电子商务、现代服务业等未来产业。

## 二、政策措施

1. 支持未来产业企业发展。每年安排预算不少于1000万元，对未来产业企业给予支持。

## 三、附则

1. 本意见自 2025 年 1 月 1 日施行。

某某区人民政府
2024 年 12 月 20 日
"""


def firm(batch: GraphBatch, uscc: str, industry: str | None = None, tier: str | None = None) -> None:
    add_firm(batch, uscc, f"测试企业{uscc[-5:]}", industries=[industry] if industry else [], tiers=[tier] if tier else [])


def status(backend, uscc: str, clause: str) -> str:
    return next(r["status"] for r in eligible_clauses(backend, uscc, ON)["items"] if r["clause"]["id"] == clause)


def test_a_group_holds_for_the_document_that_defines_it(backend):
    seed = ingest_seed(backend)[0]["document"]
    other = ingest_document(backend, parse_text(OTHER, source="other.md"))["document"]
    snap = load_snapshot(backend, ON)
    m16 = f"{seed}:m16"
    mine = next(m for m in snap.measures if m.document == other)
    assert "ind-future" in mine.industries and "ind-future" in snap.measure(m16).industries
    # the other document makes 电子商务 a 未来产业; the seed never does (its list: 未来网络…新型储能)
    rows = backend.read_cypher("MATCH (a:Industry {id: 'ind-e-commerce'})-[r:MEMBER_OF]->(g:Industry {id: 'ind-future'}) "
                               "RETURN r.source_doc AS doc").records()
    assert [r["doc"] for r in rows] == [other]
    assert "ind-e-commerce" in mine.industry_scope and "ind-e-commerce" not in snap.measure(m16).industry_scope
    assert "ind-quantum-sensing" in snap.measure(m16).industry_scope
    assert "ind-quantum-sensing" not in mine.industry_scope
    batch = GraphBatch()
    firm(batch, "91330108TESTH0001X", "ind-e-commerce")
    firm(batch, "91330108TESTH0002X", "ind-quantum-sensing")
    backend.write(batch)
    assert status(backend, "91330108TESTH0001X", mine.id) == "met"
    assert status(backend, "91330108TESTH0001X", m16) == "not_met"
    assert status(backend, "91330108TESTH0002X", m16) == "met"
    assert status(backend, "91330108TESTH0002X", mine.id) == "not_met"
    # the clause list by industry reads each measure with its own document's groups
    listed = {i["id"]: i["industry_match"] for i in browse.clauses(backend, industry="ind-e-commerce", on=ON)["items"]}
    assert listed.get(mine.id) == "broader" and m16 not in listed
    # and so do the gaps: 电子商务 is not one of the seed's groups, 量子传感 is
    rows = {r["id"]: r for r in gaps.gaps(backend, on=ON)["industries"]}
    assert m16 in rows["ind-quantum-sensing"]["inherited_clauses"]
    assert mine.id not in rows["ind-quantum-sensing"]["inherited_clauses"]


def test_tier_filters_and_gaps_follow_the_tier_hierarchy(backend):
    seed = ingest_seed(backend)[0]["document"]
    m1, m21 = f"{seed}:m1", f"{seed}:m21"
    # 1. …用于科技型企业培育 (科技型企业: 高新技术企业 and 科技型中小企业 are kinds of it)
    listed = {i["id"]: i["tier_match"] for i in browse.clauses(backend, tier="tier-high-new-tech", on=ON)["items"]}
    assert listed[m1] == "broader"
    listed = {i["id"]: i["tier_match"] for i in browse.clauses(backend, tier="tier-tech-enterprise", on=ON)["items"]}
    assert listed[m1] == "direct" and listed[m21] == "narrower"  # 21. 支持科技型中小企业融资
    batch = GraphBatch()
    firm(batch, "91330108TESTH0003X", "ind-integrated-circuits", "tier-high-new-tech")
    backend.write(batch)
    tiers = {r["id"]: r for r in gaps.gaps(backend, on=ON)["tiers"]}
    high = tiers["tier-high-new-tech"]
    assert m1 in high["covered_by"] and "tier-tech-enterprise" in high["parents"]
    assert m1 in tiers["tier-tech-enterprise"]["clauses"] and m21 in tiers["tier-tech-enterprise"]["clauses"]
    # a holder of the narrower tier counts for the broader one
    assert tiers["tier-tech-enterprise"]["enterprises"] == 1 and high["enterprises"] == 1
