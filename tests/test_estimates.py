"""Estimates you can quote (issue 19, part 6), read from the text: the award a measure states, an instrument's
rate applied to the base the firm reports with the basis named, a budget floor never an award, and why there
is no estimate. Each answer is asserted live and through the derived index (the same estimate, the same
ranking), on both backends."""

from __future__ import annotations

import json

import numpy as np

from policykg.analysis import derived, matching, service
from policykg.analysis.eligibility import eligible_clauses
from policykg.analysis.snapshot import load_snapshot
from policykg.graph.base import GraphBatch
from policykg.ingest.policy import ingest_paths, ingest_seed
from tests.fixtures import firms

ON = "2025-06-01"
FIRM = "91330108TESTEST01X"

# A document of another district's kind, loaded through the real ingest: a cap, a fixed award, and a rate
# bounded by a cap the measure states.
CRAFTED = """# 测试区管委会文件

测试〔2025〕9号

## 关于支持测试企业发展的若干政策（测试用，虚构）

## 一、政策措施

1. 支持首次认定。对首次认定的高新技术企业，给予最高50万元奖励。

2. 支持瞪羚企业。对新认定的瞪羚企业，给予20万元奖励。

3. 支持集成电路研发。对集成电路企业，按实际研发投入最高30%予以研发资助，最高不超过100万元。

## 二、附则

1. 本措施自2024年1月1日起施行。
"""


def add_firm(backend, rd: int | None = 10_000_000, **links: list[str]) -> None:
    batch = GraphBatch()
    firms.add_firm(batch, FIRM, "测试估算科技有限公司", registered_capital=20_000_000.0, registered_capital_cny=20_000_000,
             employees=80, revenue_cny=60_000_000, rd_spend_cny=rd, figures_year=2024, **links)
    backend.write(batch)


def dump(x) -> str:
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def answer(backend) -> dict:
    """The firm's eligible clauses, live; the derived index must give the same answer, the same matching
    pages (ranked by estimate) and the same estimate high for every measure."""
    snap = load_snapshot(backend, ON)
    live = eligible_clauses(backend, FIRM, snapshot=snap)
    idx = derived.build(backend, ON)
    assert idx is not None
    assert dump(service.DerivedCache.eligible_from(idx, backend, FIRM, snap)) == dump(live)
    pos = idx.columns.position(FIRM)
    for m in snap.measures:
        has, high = derived.estimate_high(snap, m, idx.columns, np.array([pos]))
        est = next(r for r in live["items"] if r["clause"]["id"] == m.id)["estimate_cny"]
        assert (bool(has[0]), float(high[0]) if has[0] else None) == (
            est is not None, float(est["high"]) if est else None), m.id
        want = matching.matching_enterprises(backend, m.id, snapshot=snap, limit=100, near_limit=100)
        got = matching.matching_enterprises(backend, m.id, snapshot=snap, index=idx, limit=100, near_limit=100)
        assert dump(got) == dump(want), m.id
    return {r["clause"]["id"]: r for r in live["items"]} | {"_total": live}


def test_rd_support_is_at_most_30_percent_of_annual_rd_with_the_project_basis_named(backend):
    seed = ingest_seed(backend)[0]["document"]
    # Measure 20: "支持江北区块产业集聚，对符合鼓励类产业导向的科技型企业给予一定的房租补贴、研发投入补助等政策扶持";
    # 附则 4 (1): "研发资助：对重点创新项目，可按实际研发投入最高 30% 予以支持".
    add_firm(backend, industries=["ind-integrated-circuits"], places=["place-jiangbei-block"],
             tiers=["tier-high-new-tech"])
    got = answer(backend)
    m20 = got[f"{seed}:m20"]
    assert m20["status"] == "met"
    assert m20["estimate_cny"] == {"low": 0, "high": 3_000_000}  # 30% × the annual R&D of 1000万, at most
    rd = next(ln for ln in m20["estimate"]["lines"] if ln["kind"] == "rd_support")
    assert rd["counted"] and rd["basis"] in m20["estimate"]["basis"]
    assert "up to 30% of the project's actual R&D" in rd["basis"] and "按实际研发投入最高 30%" in rd["basis"]
    assert "only an upper bound of one project's R&D" in rd["basis"]
    # the source is the annex's own words, where they stand in the document
    src = rd["source"]
    annex = {r["id"]: r for r in backend.query("clause_rates", {"id": f"{seed}:a4"}).records()}
    assert (src["quote"], src["span"]) == (annex[src["rate"]]["quote"],
                                           [annex[src["rate"]]["span_start"], annex[src["rate"]]["span_end"]])
    assert src["quote"] == "最高 30%" and src["document"] == seed
    # the room rent subsidy states no rate: no estimate, and why
    rent = next(ln for ln in m20["estimate"]["lines"] if ln["kind"] == "rent_subsidy")
    assert rent["estimate"] is None and "states no rate" in rent["why"] and not rent["counted"]
    # measure 16's instruments whose base is not in the data say which base is missing
    m16 = got[f"{seed}:m16"]
    interest = next(ln for ln in m16["estimate"]["lines"] if ln["kind"] == "interest_subsidy")
    assert interest["estimate"] is None and "interest on bank loans" in interest["why"]
    # registered capital 2000万 is below 1亿元: the capital grant's own condition fails
    cap = next(ln for ln in m16["estimate"]["lines"] if ln["kind"] == "capital_grant")
    assert cap["status"] == "condition_not_met" and cap["estimate"] is None
    assert "registered capital" in cap["basis"] and "closest figure" in cap["basis"]
    # 附则 3 (从优、从高、不重复): the same R&D is paid once across the seed's measures, and the answer says so
    total = got["_total"]["estimate_total"]
    assert "从优、从高、不重复" in total["method"]
    rd_rule = [s for s in total["stacking"] if s["base"] == "rd_spend_cny"]
    assert all(s["rule"]["policy"] == "highest_once" for s in rd_rule)
    assert got["_total"]["estimate_total_cny"]["high"] <= 3_000_000


def test_a_budget_floor_is_never_an_award(backend):
    seed = ingest_seed(backend)[0]["document"]
    add_firm(backend, tiers=["tier-high-new-tech"])
    got = answer(backend)
    # Measure 1: "每年安排预算不少于2亿元，用于科技型企业培育。" — met, and nothing an individual firm is paid
    m1 = got[f"{seed}:m1"]
    assert m1["status"] == "met"
    assert m1["estimate_cny"] is None and m1["estimate"]["lines"] == []
    assert m1["estimate"]["why"] == ("the measure states no individual award; its annual budget (不少于2亿元) is a "
                                     "total for all recipients, not an individual award")
    # no measure's estimate is its budget
    for r in got.values():
        if "clause" in r and r["estimate_cny"]:
            assert r["estimate_cny"]["high"] != r["clause"]["budget_floor_cny"], r["clause"]["id"]


def test_awards_and_caps_the_measure_states(backend, tmp_path):
    path = tmp_path / "测试奖励政策.md"
    path.write_text(CRAFTED, encoding="utf-8")
    report = ingest_paths(backend, [path])
    doc = report[0]["document"]
    add_firm(backend, industries=["ind-integrated-circuits"], tiers=["tier-high-new-tech", "tier-gazelle"])
    got = answer(backend)
    # "对首次认定的高新技术企业，给予最高50万元奖励。": anything from 0 to 50万
    m1 = got[f"{doc}:m1"]
    assert m1["status"] == "met"
    assert m1["estimate_cny"] == {"low": 0, "high": 500_000}
    assert [s["quote"] for s in m1["estimate"]["sources"]] == ["最高50万元"]
    assert m1["estimate"]["sources"][0]["clause"] == f"{doc}:m1"
    assert "up to 500,000 yuan (最高50万元)" in m1["estimate"]["basis"][0]
    # "对新认定的瞪羚企业，给予20万元奖励。": exactly 20万
    m2 = got[f"{doc}:m2"]
    assert m2["estimate_cny"] == {"low": 200_000, "high": 200_000}
    assert m2["estimate"]["sources"][0]["quote"] == "20万元"
    # "按实际研发投入最高30%予以研发资助，最高不超过100万元": 30% of 1000万 is 300万, bounded by the cap
    m3 = got[f"{doc}:m3"]
    assert m3["estimate_cny"] == {"low": 0, "high": 1_000_000}
    lines = {ln["kind"]: ln for ln in m3["estimate"]["lines"]}
    assert lines["rd_support"]["counted"] and "at most the cap the measure states" in lines["rd_support"]["basis"]
    assert lines["cap"]["status"] == "bounds" and not lines["cap"]["counted"]
    # the document states no stacking rule: its awards add up; each stated award is its own base
    total = got["_total"]
    assert total["estimate_total_cny"]["high"] >= 500_000 + 200_000 + 1_000_000


def test_a_cap_is_the_estimate_when_the_rate_has_no_base(backend, tmp_path):
    path = tmp_path / "测试奖励政策.md"
    path.write_text(CRAFTED, encoding="utf-8")
    doc = ingest_paths(backend, [path])[0]["document"]
    add_firm(backend, rd=None, industries=["ind-integrated-circuits"])
    m3 = answer(backend)[f"{doc}:m3"]
    # no R&D figure: the rate gives nothing, the measure's cap still bounds what it pays
    assert m3["estimate_cny"] == {"low": 0, "high": 1_000_000}
    lines = {ln["kind"]: ln for ln in m3["estimate"]["lines"]}
    assert lines["rd_support"]["status"] == "missing_base" and lines["rd_support"]["missing"] == ["rd_spend_cny"]
    assert lines["cap"]["counted"] and lines["cap"]["source"]["quote"] == "最高不超过100万元"
