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
