"""The rule engine (policykg.analysis.rules): one definition of a measure's criteria, judged over the
derived index's columns and over Profiles read from the graph alike; conditions with currencies and
alternatives; and near misses worth a call (issue 19, part 7), read from the seed's sentences."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from policykg.analysis import derived, eligibility
from policykg.analysis.eligibility import Profile
from policykg.analysis.rules import criteria
from policykg.analysis.rules.criteria import INC, MET, NOT, UNK
from policykg.analysis.rules.facts import ColumnFacts, ProfileFacts
from policykg.analysis.snapshot import Measure, load_snapshot
from tests.fixtures.graph import load_match_graph

ON = "2025-06-01"
AS_OF = dt.date(2025, 6, 1)


def cond(field, op, value, unit=None, group=None, cid=None):
    return {"id": cid or f"c-{field}-{unit}-{value}", "field": field, "operator": op, "value": value, "unit": unit,
            "alternative_group": group, "quote": "测试"}


def firm(**props):
    financials = props.pop("financials", None)
    return eligibility.finish_profile(Profile({"id": props.pop("id", "91330108TESTR0001X"), **props},
                                              financials=financials))


def codes(profiles, c):
    return criteria.check(ProfileFacts(profiles), c, AS_OF).codes.tolist()


# --- conditions ------------------------------------------------------------------------------------
def test_condition_codes_currencies_and_missing_fields():
    cny = firm(registered_capital=2e8, currency="CNY", registered_capital_cny=200_000_000)
    usd = firm(registered_capital=12_000_000.0, currency="USD")
    small_usd = firm(registered_capital=5_000_000.0, currency="USD")
    none = firm()
    people = [cny, usd, small_usd, none]
    assert codes(people, cond("registered_capital", ">=", 1e8, "CNY")) == [MET, INC, INC, UNK]
    assert codes(people, cond("registered_capital", ">=", 1e7, "USD")) == [INC, MET, NOT, UNK]
    chk = criteria.check(ProfileFacts(people), cond("registered_capital", ">=", 1e8, "CNY"), AS_OF)
    assert [chk.missing(k) for k in (1, 3)] == ["registered_capital_cny", "registered_capital"]
    # 注册资本1亿元人民币或1000万美元以上: the alternative in the firm's own currency decides
    both = [cond("registered_capital", ">=", 1e8, "CNY", "g1", "a"), cond("registered_capital", ">=", 1e7, "USD", "g1", "b")]
    (group,) = criteria.condition_groups(ProfileFacts(people), both, AS_OF)
    assert group.codes.tolist() == [MET, MET, NOT, UNK]
    assert group.missing(3) == ["registered_capital"] and group.missing(2) == []
    # a figure in CNY against a threshold in another currency is never compared
    rich = firm(revenue_cny=5e7)
    assert codes([rich, none], cond("revenue", ">=", 1e6, "USD")) == [INC, UNK]
    assert codes([rich, none], cond("revenue", ">=", 1e6, "CNY")) == [MET, UNK]
    # a field the data does not have is unknown, named as missing
    chk = criteria.check(ProfileFacts([rich]), cond("output_growth", ">=", 0.1, "ratio"), AS_OF)
    assert chk.codes.tolist() == [UNK] and chk.missing(0) == "output_growth"


def test_ratios_age_and_growth():
    a = firm(rd_spend_cny=3_000_000, revenue_cny=50_000_000, founded="2020-06-01",
             financials=[{"year": 2023, "revenue_cny": 100, "rd_spend_cny": 10},
                         {"year": 2024, "revenue_cny": 130, "rd_spend_cny": 11}])
    b = firm(rd_spend_cny=3_000_000, revenue_cny=0, founded="2024-01-01",
             financials=[{"year": 2022, "revenue_cny": 100}, {"year": 2024, "revenue_cny": 200}])
    c = firm(revenue_cny=10)
    people = [a, b, c]
    assert codes(people, cond("rd_ratio", ">=", 0.05, "ratio")) == [MET, UNK, UNK]
    chk = criteria.check(ProfileFacts(people), cond("rd_ratio", ">=", 0.05, "ratio"), AS_OF)
    assert [chk.missing(1), chk.missing(2)] == ["revenue_cny", "rd_spend_cny"]
    assert codes(people, cond("founded_years", ">=", 3, "years")) == [MET, NOT, UNK]
    # growth over the latest two consecutive years only (2022 and 2024 are not)
    assert codes(people, cond("revenue_growth", ">=", 0.25, "ratio")) == [MET, UNK, UNK]
    assert codes(people, cond("rd_growth", ">=", 0.25, "ratio")) == [NOT, UNK, UNK]


def test_a_measure_without_criteria_is_unknown_and_the_status_combines_criteria():
    bare = Measure("m", "d", None, None, "1", 1, None, None, None, None, None, None, None, None)
    j = criteria.judge(bare, ProfileFacts([firm()]), AS_OF)
    assert j.status.tolist() == [UNK] and j.criteria == [] and j.missing(0) == []
    m = Measure("m", "d", None, None, "1", 1, None, None, None, None, None, None, None, None,
                conditions=[cond("revenue", ">=", 5e7, "CNY"), cond("employees", ">=", 50)])
    people = [firm(revenue_cny=6e7, employees=60), firm(revenue_cny=6e7), firm(revenue_cny=1e7)]
    j = criteria.judge(m, ProfileFacts(people), AS_OF)
    assert j.status.tolist() == [MET, UNK, NOT]
    assert j.missing(1) == ["employees"] and j.failed(2) == [f"condition:{m.conditions[0]['id']}"]
    assert j.missing(2) == ["employees"]  # a failed criterion does not hide what else is missing


# --- both fact sources give the same codes -----------------------------------------------------------
def test_column_facts_and_profile_facts_judge_alike(backend):
    """Every measure of the seed and the test policy, every firm of the matching fixtures: the codes of
    every criterion, the status, near miss, failed and missing fields are the same whether the engine reads
    the derived index's columns or the Profiles read from the graph."""
    load_match_graph(backend)
    snap = load_snapshot(backend, ON)
    cols = derived.load_columns(backend, snap)
    idx = np.arange(cols.n)
    profiles = eligibility.load_profiles(backend, [cols.id(i) for i in idx])
    people = [profiles[cols.id(i)] for i in idx]
    seen = set()
    for m in snap.measures:
        by_cols = criteria.judge(m, ColumnFacts(cols, idx), snap.as_of)
        by_prof = criteria.judge(m, ProfileFacts(people), snap.as_of)
        assert [c.name for c in by_cols.criteria] == [c.name for c in by_prof.criteria], m.id
        for a, b in zip(by_cols.criteria, by_prof.criteria, strict=True):
            assert a.codes.tolist() == b.codes.tolist(), (m.id, a.name)
            for x, y in zip(a.checks, b.checks, strict=True):
                assert x.codes.tolist() == y.codes.tolist(), (m.id, x.cond["id"])
        assert by_cols.status.tolist() == by_prof.status.tolist(), m.id
        assert by_cols.near.tolist() == by_prof.near.tolist(), m.id
        for k in range(cols.n):
            assert (by_cols.failed(k), by_cols.missing(k)) == (by_prof.failed(k), by_prof.missing(k)), (m.id, k)
            seen.add(int(by_prof.status[k]))
    assert seen == {MET, UNK, NOT}  # equal answers of one kind would prove little
    with pytest.raises(ValueError):
        criteria.check(ColumnFacts(cols, idx), cond("revenue_growth", ">=", 0.1, "ratio"), snap.as_of)


def test_one_firm_against_every_measure_judges_as_each_measure_alone(backend):
    """``judge_each`` over the measures (one firm, the arrays running over the measures: the answer for one
    enterprise) gives, for every firm of the fixtures and every measure, what ``judge`` of that measure gives:
    the criteria and their codes, status, near miss, closeness, preference, failed and missing fields."""
    load_match_graph(backend)
    snap = load_snapshot(backend, ON)
    cols = derived.load_columns(backend, snap)
    profiles = eligibility.load_profiles(backend, [cols.id(i) for i in range(cols.n)])
    statuses, near = set(), set()
    for prof in profiles.values():
        facts = ProfileFacts([prof])
        together = criteria.judge_each(snap.measures, facts, snap.as_of)
        assert len(together) == len(snap.measures)
        for m, j in zip(snap.measures, together, strict=True):
            alone = criteria.judge(m, ProfileFacts([prof]), snap.as_of)
            assert [(c.name, c.codes.tolist(), c.missing_field) for c in j.criteria] == \
                [(c.name, c.codes.tolist(), c.missing_field) for c in alone.criteria], (prof.id, m.id)
            for attr in ("status", "near", "unmet", "shortfall", "preferred"):
                assert getattr(j, attr).tolist() == getattr(alone, attr).tolist(), (prof.id, m.id, attr)
            assert (j.failed(0), j.missing(0), j.closeness(0)) == (alone.failed(0), alone.missing(0),
                                                                   alone.closeness(0)), (prof.id, m.id)
            statuses.add(int(j.status[0]))
            near.add(bool(j.near[0]))
    assert statuses == {MET, UNK, NOT} and near == {True, False}  # equal answers of one kind would prove little
    with pytest.raises(ValueError):
        criteria.judge_each(snap.measures, ProfileFacts(list(profiles.values())), snap.as_of)


# --- near misses worth a call (issue 19, part 7) -----------------------------------------------------
def test_near_miss_semantics_over_crafted_measures():
    """Only changeable gaps make a near miss: a threshold, a tier, a selection, missing data; never an
    industry, a place or the firm's age. The closest come first: fewest criteria unmet, smallest shortfall."""
    def measure(**kw):
        m = Measure("m", "d", None, None, "1", 1, None, None, None, None, None, None, None, None, **kw)
        m.industry_scope, m.tier_scope = frozenset(m.industries), frozenset(m.tiers)
        m.place_scope = frozenset(m.places)
        return m

    def link(p, **kinds):
        for kind, ids in kinds.items():
            getattr(p, kind).extend({"id": i, "name": i, "detail": None, "year": None} for i in ids)
        return p

    revenue = cond("revenue", ">=", 5e7, "CNY")
    m = measure(industries=["ind-ai"], tiers=["tier-gazelle"], conditions=[revenue])
    people = [link(firm(revenue_cny=4e7), industries=["ind-ai"], tiers=["tier-gazelle"]),   # 20% short
              link(firm(revenue_cny=1e7), industries=["ind-ai"], tiers=["tier-gazelle"]),   # 80% short
              link(firm(revenue_cny=1e7), industries=["ind-ai"]),                           # and no tier
              link(firm(revenue_cny=9e7), industries=["ind-bio"], tiers=["tier-gazelle"]),  # another trade
              link(firm(), industries=["ind-ai"], tiers=["tier-gazelle"]),                  # revenue unknown
              link(firm(revenue_cny=9e7), tiers=["tier-gazelle"])]                          # industry unknown
    j = criteria.judge(m, ProfileFacts(people), AS_OF)
    assert j.status.tolist() == [NOT, NOT, NOT, NOT, UNK, UNK]
    assert j.near.tolist() == [True, True, True, False, True, True]
    assert [j.closeness(k) for k in range(6)] == [
        {"unmet_criteria": 1, "shortfall": 0.2}, {"unmet_criteria": 1, "shortfall": 0.8},
        {"unmet_criteria": 2, "shortfall": 1.8}, {"unmet_criteria": 1, "shortfall": 1.0},
        {"unmet_criteria": 1, "shortfall": 0.0}, {"unmet_criteria": 1, "shortfall": 0.0}]
    assert j.failed(2) == ["tier", f"condition:{revenue['id']}"] and j.missing(4) == ["revenue_cny"]
    # a single criterion: near misses through missing data only — a firm meeting none of a measure's
    # criteria is not near it, though it could obtain the tier or grow
    only = measure(tiers=["tier-gazelle"])
    assert criteria.judge(only, ProfileFacts([firm()]), AS_OF).near.tolist() == [False]
    one = measure(conditions=[cond("employees", ">=", 50)])
    assert criteria.judge(one, ProfileFacts([firm(), firm(employees=10)]), AS_OF).near.tolist() == [True, False]
    # a place, or the firm's age, cannot be changed for a grant
    place = measure(places=["place-binjiang"], tiers=["tier-gazelle"])
    away = link(firm(), places=["place-fuyang"], tiers=["tier-gazelle"])
    assert criteria.judge(place, ProfileFacts([away]), AS_OF).near.tolist() == [False]
    young = measure(conditions=[cond("founded_years", ">=", 3, "years")])
    assert criteria.judge(young, ProfileFacts([firm(founded="2024-01-01")]), AS_OF).near.tolist() == [False]
    # an age alternative does not stop a firm that could reach the capital one
    alt = measure(tiers=["tier-gazelle"], conditions=[cond("founded_years", ">=", 3, "years", "g", "a"),
                                                      cond("registered_capital", ">=", 1e8, "CNY", "g", "b")])
    small = link(firm(founded="2024-01-01", registered_capital=5e7, currency="CNY", registered_capital_cny=50_000_000),
                 tiers=["tier-gazelle"])
    j = criteria.judge(alt, ProfileFacts([small]), AS_OF)
    assert j.near.tolist() == [True] and j.closeness(0) == {"unmet_criteria": 1, "shortfall": 0.5}


def _craft(n: int) -> str:
    return f"91330108TESTR{n:04d}X"


#: invented firms (测试): n -> (industries, tiers, registered capital in CNY, revenue)
CRAFTED = {
    1: (["ind-intelligent-iot"], [], 30_000_000, None),          # 智能物联, neither 瞪羚 nor 专精特新
    2: (["ind-life-health"], [], 30_000_000, None),              # 生命健康: another trade than measure 5's
    3: (["ind-ai"], [], 30_000_000, None),                       # AI firm, revenue unknown
    4: (["ind-intelligent-iot"], ["tier-gazelle"], 1_000_000, None),           # 瞪羚, small
    5: (["ind-intelligent-iot"], ["tier-specialised-sme"], 900_000_000, None),  # 专精特新, large
    6: (["ind-intelligent-iot"], ["tier-specialised-sme"], 2_000_000, None),    # 专精特新, small
}


def load_crafted(backend) -> tuple[str, str]:
    """The matching graph and the crafted firms. Returns (seed id, test policy id)."""
    from policykg.graph.base import GraphBatch
    from tests.fixtures.firms import add_firm
    from tests.fixtures.graph import parse_test_policy

    seed = load_match_graph(backend)
    batch = GraphBatch()
    for n, (industries, tiers, cap, revenue) in CRAFTED.items():
        add_firm(batch, _craft(n), f"测试规则企业{n}", industries=industries, tiers=tiers,
                 registered_capital=float(cap), registered_capital_cny=cap, employees=100, revenue_cny=revenue)
    backend.write(batch)
    return seed, parse_test_policy().document.id


def _dump(x):
    import json

    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def _both_paths(backend, clause_id):
    """matching-enterprises live and from the derived index: they must be equal. Returns the live one."""
    from policykg.analysis import matching

    snap = load_snapshot(backend, ON)
    idx = derived.build(backend, ON)
    live = matching.matching_enterprises(backend, clause_id, snapshot=snap, limit=1000, near_limit=1000)
    fast = matching.matching_enterprises(backend, clause_id, snapshot=snap, index=idx, limit=1000, near_limit=1000)
    assert _dump(fast) == _dump(live), clause_id
    return live


def test_near_misses_read_from_the_seed(backend):
    seed, test_doc = load_crafted(backend)
    from policykg.analysis.eligibility import eligible_clauses

    def item(n, clause):
        uscc = n if isinstance(n, str) else _craft(n)
        return next(r for r in eligible_clauses(backend, uscc, ON)["items"] if r["clause"]["id"] == clause)

    # Measure 14: "对认定的瞪羚企业、专精特新企业给予政策支持" — the tier is all it asks: a 智能物联 firm
    # holding neither meets none of its criteria, and is not near it.
    r = item(1, f"{seed}:m14")
    assert (r["status"], r["failed"], r["near_miss"]) == ("not_met", ["tier"], False)
    # Measure 5: "重点支持高性能计算芯片和计算存储服务器、人工智能基础软件…的企事业单位" — a 生命健康 firm is of
    # another trade: never a near miss, whatever else it meets.
    r = item(2, f"{seed}:m5")
    assert (r["status"], r["failed"], r["near_miss"]) == ("not_met", ["industry"], False)
    # The test policy's measure 1: "对营业收入5000万元以上、从业人员50人以上的人工智能企业" — revenue unknown:
    # a near miss through missing data; M8 (revenue 3000万, employees unknown) is 40% short of the threshold.
    t1 = f"{test_doc}:m1"
    r = item(3, t1)
    assert (r["status"], r["missing"], r["near_miss"]) == ("unknown", ["revenue_cny"], True)
    assert r["closeness"] == {"unmet_criteria": 1, "shortfall": 0.0}
    m8 = "91330108TESTM0008X"
    r = item(m8, t1)
    assert (r["status"], r["near_miss"], r["missing"]) == ("not_met", True, ["employees"])
    assert r["closeness"] == {"unmet_criteria": 2, "shortfall": 0.4}
    # Measure 7 for M7: the right industry in the wrong place (滨富特别合作区): no call changes a place
    r = item("91330108TESTM0007X", f"{seed}:m7")
    assert (r["status"], r["failed"], r["near_miss"]) == ("not_met", ["place"], False)
    # matching lists them closest first, and says so; the index gives the same answer
    ans = _both_paths(backend, t1)
    assert [i["enterprise"]["id"] for i in ans["near_misses"]["items"]] == [_craft(3), m8]
    assert ans["order_by"]["near_misses"][:3] == ["preferred desc", "closeness.unmet_criteria asc",
                                                  "closeness.shortfall asc"]
    assert [i["enterprise"]["id"] for i in ans["unknown"]["items"]] == [_craft(3)]
    m7 = _both_paths(backend, f"{seed}:m7")
    assert "91330108TESTM0007X" not in {i["enterprise"]["id"] for i in m7["near_misses"]["items"]}


def test_what_the_text_prefers_comes_first_with_its_reason(backend):
    """Measure 14: "…并给予瞪羚企业政策倾斜" — 瞪羚 firms come first among the firms it reaches, with the
    words (read by the ingest onto the TARGETS link), though the 专精特新 firm is far larger (the order
    would otherwise put it first)."""
    words = "给予瞪羚企业政策倾斜"
    seed, _ = load_crafted(backend)
    m14 = f"{seed}:m14"
    snap = load_snapshot(backend, ON)
    m = snap.measure(m14)
    assert m.preferred == [("TARGETS", "tier-gazelle")] and m.evidence[("TARGETS", "tier-gazelle")]["preference"] == words
    ans = _both_paths(backend, m14)
    ids = [i["enterprise"]["id"] for i in ans["items"]]
    assert ids.index(_craft(4)) < ids.index(_craft(5))
    assert ids[0] == _craft(4)
    first = ans["items"][0]
    assert first["preferred"] is True
    why = [x for x in first["reasons"] if x["dimension"] == "preference"]
    assert len(why) == 1 and why[0]["words"] == words
    assert [e["type"] for e in why[0]["path"]["edges"]] == ["HAS_TIER", "TARGETS"]
    assert not any(x["dimension"] == "preference" for x in ans["items"][1]["reasons"])
    assert ans["order_by"]["items"][0] == "preferred desc"


def test_among_firms_the_text_does_not_prefer_the_larger_comes_first(backend):
    seed, _ = load_crafted(backend)
    ans = _both_paths(backend, f"{seed}:m14")
    ids = [i["enterprise"]["id"] for i in ans["items"]]
    assert ids.index(_craft(5)) < ids.index(_craft(6))
    assert not any(i["preferred"] for i in ans["items"] if i["enterprise"]["id"] in (_craft(5), _craft(6)))
