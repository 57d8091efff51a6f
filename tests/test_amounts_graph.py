"""Amounts in the graph: what the parser reads of an amount (its kind, the unit it is stated per, the money unit
as printed) is what the graph holds, and the analysis reads a per-unit amount as neither an award nor a
budget (issue 20)."""

from __future__ import annotations

from policykg.analysis.snapshot import load_snapshot
from policykg.ingest.parse import parse_text
from policykg.ingest.policy import ingest_document

# jilin-liuhe-tourism.txt item 2's rate, the per-unit floors issue 20 quotes; the frame (numbering, the
# budget and award sentence, the title) is ours
TEXT = ("关于支持文旅产业发展的若干措施\n一、支持政策\n1.对新建面积在500亩以上的，给予企业200元/亩奖励；每年每个分别不少于60万元、40万元、5万元。\n"
        "2.每年安排预算不少于2亿元，对认定的企业给予50万元奖励。\n")


def test_per_unit_amounts_keep_their_unit_and_are_no_award(backend):
    parsed = parse_text(TEXT, source="per-unit.md", markdown=False)
    first, second = (c.id for c in parsed.clauses if c.kind == "measure")
    doc = ingest_document(backend, parsed)["document"]
    rows = backend.query("clause_amounts", {"id": first}).records()
    assert sorted((r["kind"], r["value"], r["per"], r["unit_text"]) for r in rows) == [
        ("budget_floor", 50_000.0, "个", "万元"), ("budget_floor", 400_000.0, "个", "万元"),
        ("budget_floor", 600_000.0, "个", "万元"), ("rate", 200.0, "亩", "元/亩")]
    snap = load_snapshot(backend, document=doc)
    m1, m2 = snap.measure(first), snap.measure(second)
    assert m1.awards == [] and m1.budget is None
    assert [a["value_cny"] for a in m2.awards] == [500_000] and m2.budget["value_cny"] == 200_000_000
