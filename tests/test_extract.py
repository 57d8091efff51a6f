"""Money, percentages, conditions and rules: policykg.ingest.money and policykg.ingest.extract.

Expected values for the seed (杭高新〔2024〕16号) were read off the document itself
(policykg/data/seeds/binjiang-2024-16.md); the short strings further down are invented examples of
the genre, not quotes from real documents.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from policykg.ingest.extract import extract_rules, extract_span
from policykg.ingest.money import (
    Amount,
    find_amounts,
    find_percentages,
    parse_amount,
    parse_percentage,
    to_cny,
)
from policykg.ingest.parse import ParsedDocument, parse_bytes, parse_file

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "policykg" / "data" / "seeds" / "binjiang-2024-16.md"

YI, WAN = 100_000_000, 10_000

# 每年安排预算不少于X, measure by measure, as the seed prints it (22: a fund scale, 23-24: no amount)
SEED_FLOORS = {
    1: 2 * YI, 2: 6000 * WAN, 3: 1 * YI, 4: 10 * YI, 5: 3 * YI, 6: 1 * YI, 7: 5000 * WAN, 8: 7000 * WAN,
    9: 6000 * WAN, 10: 1000 * WAN, 11: 3000 * WAN, 12: 5 * YI, 13: 5 * YI, 14: 25 * YI // 10, 15: 1 * YI,
    16: 5 * YI, 17: 1 * YI, 18: 10 * YI, 19: 2 * YI, 20: 1 * YI, 21: 1 * YI, 22: None, 23: None, 24: None,
}
SEED_FLOOR_SUM = 5_330_000_000  # 53.3亿元 a year


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_file(SEED)


def clause(doc: ParsedDocument, local_id: str):
    return next(c for c in doc.clauses if c.id == f"{doc.document.id}:{local_id}")


def all_items(doc: ParsedDocument) -> list[object]:
    items: list[object] = []
    for owner in [*doc.sections, *doc.clauses]:
        items += [*owner.amounts, *owner.percentages, *owner.conditions]
    for r in doc.rules:
        items += [r, *r.conditions]
    return items


def assert_spans(doc: ParsedDocument) -> int:
    text = doc.document.text
    n = 0
    for x in all_items(doc):
        assert text[x.span[0]:x.span[1]] == x.quote, x
        n += 1
        if getattr(x, "base_span", None) is not None:
            assert text[x.base_span[0]:x.base_span[1]] == x.base
        if getattr(x, "name_span", None) is not None:
            assert text[x.name_span[0]:x.name_span[1]] == x.name
    return n


# ---------------------------------------------------------------------------------------------
# The seed: budgets
# ---------------------------------------------------------------------------------------------

def test_seed_budget_floors(seed):
    measures = {c.number: c for c in seed.clauses if c.kind == "measure"}
    assert sorted(measures) == list(range(1, 25))
    got = {n: c.budget_floor_cny for n, c in measures.items()}
    assert got == SEED_FLOORS
    for n, c in measures.items():
        if SEED_FLOORS[n] is None:
            assert c.budget_period is None
            assert not [a for a in c.amounts if a.kind == "budget_floor"]
        else:
            assert c.budget_period == "annual"
            floors = [a for a in c.amounts if a.kind == "budget_floor"]
            assert len(floors) == 1
            a = floors[0]
            assert (a.currency, a.qualifier, a.operator, a.period) == ("CNY", "不少于", ">=", "annual")
            assert a.value_cny == SEED_FLOORS[n] and a.value == float(SEED_FLOORS[n])
            assert a.quote.startswith("不少于") and a.quote.endswith("元")
            assert isinstance(c.budget_floor_cny, int)


def test_seed_budget_sum(seed):
    annual = [c.budget_floor_cny for c in seed.clauses if c.budget_period == "annual"]
    assert len(annual) == 21
    assert sum(annual) == SEED_FLOOR_SUM == sum(v for v in SEED_FLOORS.values() if v)


def test_seed_quotes_with_and_without_spaces(seed):
    assert clause(seed, "m2").amounts[0].quote == "不少于6000万元"
    assert clause(seed, "m3").amounts[0].quote == "不少于 1 亿元"
    assert clause(seed, "m7").amounts[0].quote == "不少于 5000 万元"
    assert clause(seed, "m14").amounts[0].quote == "不少于2.5亿元"


def test_seed_fund_scale_is_not_a_budget(seed):
    m22 = clause(seed, "m22")
    assert m22.budget_floor_cny is None and m22.budget_period is None
    assert m22.fund_scale_cny == 5_000_000_000
    [a] = m22.amounts
    assert (a.kind, a.value, a.currency, a.qualifier, a.operator, a.period, a.quote) == (
        "fund_scale", 5e9, "CNY", "以上", ">=", "total", "50亿元以上")
    assert all(c.fund_scale_cny is None for c in seed.clauses if c is not m22)


def test_seed_goals_share(seed):
    goals = next(s for s in seed.sections if s.title == "目标任务")
    assert goals.amounts == [] and goals.conditions == []
    [p] = goals.percentages
    assert (p.kind, p.value, p.low, p.high, p.qualifier, p.operator, p.base, p.quote) == (
        "share", 0.15, None, None, "不低于", ">=", "财政支出", "不低于15%")
    # only the goals paragraph and 附则 4 state percentages
    assert [c.number for c in seed.clauses if c.percentages] == [4]
    assert [c.kind for c in seed.clauses if c.percentages] == ["annex"]


# ---------------------------------------------------------------------------------------------
# The seed: 附则 3, 4, 5
# ---------------------------------------------------------------------------------------------

A4_PERCENTAGES = [
    # kind, value, low, high, qualifier, base, quote
    ("cap", 0.3, None, None, "最高", "实际研发投入", "最高 30%"),
    ("cap", 1.0, None, None, "最高", "一年期贷款市场报价利率（LPR）", "最高 100%"),
    ("support_rate", None, 0.05, 0.1, None, "实到注册资本", "5%—10%"),
    ("cap", 0.2, None, None, "最高", "投资额", "最高 20%"),
    ("cap", 0.2, None, None, "最高不超过", "实际发生费用", "最高不超过实际发生费用的 20%"),
    ("cap", 0.5, None, None, "最高不超过", "实际发生费用", "最高不超过实际发生费用的 50%"),
]


def test_seed_annex4_percentages(seed):
    a4 = clause(seed, "a4")
    assert [(p.kind, p.value, p.low, p.high, p.qualifier, p.base, p.quote) for p in a4.percentages] == A4_PERCENTAGES
    assert a4.budget_floor_cny is None and a4.fund_scale_cny is None


def test_seed_annex4_conditions(seed):
    a4 = clause(seed, "a4")
    assert [(a.kind, a.value, a.currency, a.qualifier, a.quote) for a in a4.amounts] == [
        ("threshold", 1e8, "CNY", None, "1 亿元人民币"),
        ("threshold", 1e7, "USD", "以上", "1000 万美元以上"),
    ]
    c1, c2 = a4.conditions
    assert (c1.field, c1.operator, c1.value, c1.unit) == ("registered_capital", ">=", 100_000_000.0, "CNY")
    assert (c2.field, c2.operator, c2.value, c2.unit) == ("registered_capital", ">=", 10_000_000.0, "USD")
    assert c1.alternative_group is not None and c1.alternative_group == c2.alternative_group
    assert c1.quote == "注册资本 1 亿元人民币或 1000 万美元以上"


def test_seed_instruments(seed):
    a4 = clause(seed, "a4")
    instruments = [r for r in seed.rules if r.kind == "instrument"]
    assert all(r.clause == a4.id for r in instruments)
    got = [(r.name, r.instrument_type, r.target, r.scope, r.rate_low, r.rate_high, r.base) for r in instruments]
    assert got == [
        ("研发资助", "rd_support", "重点创新项目", None, None, 0.3, "实际研发投入"),
        ("投资资助", "interest_subsidy", "企业银行贷款", None, None, 1.0, "一年期贷款市场报价利率（LPR）"),
        ("投资资助", "investment_support", "新引进或新增注册资本 1 亿元人民币或 1000 万美元以上重大项目", None,
         0.05, 0.1, "实到注册资本"),
        ("项目资助", "project_support", "重大产业化（技改）项目", None, None, 0.2, "投资额"),
        ("市场拓展资助", "market_expansion", "企业在境内设立营销网络发生的经营费用", "domestic", None, 0.2, "实际发生费用"),
        ("市场拓展资助", "market_expansion", "企业在境外设立营销网络发生的经营费用", "overseas", None, 0.5, "实际发生费用"),
    ]
    # only the registered-capital instrument carries conditions: either alternative suffices
    assert [len(r.conditions) for r in instruments] == [0, 0, 2, 0, 0, 0]
    conds = instruments[2].conditions
    assert {(c.field, c.operator, c.value, c.unit) for c in conds} == {
        ("registered_capital", ">=", 1e8, "CNY"), ("registered_capital", ">=", 1e7, "USD")}
    assert len({c.alternative_group for c in conds}) == 1
    assert instruments[0].quote == "对重点创新项目，可按实际研发投入最高 30% 予以支持"
    assert len({r.id for r in seed.rules}) == len(seed.rules)


def test_seed_stacking_upgrade_override(seed):
    others = [(r.kind, r.policy, r.clause.rsplit(":", 1)[1], r.quote) for r in seed.rules if r.kind != "instrument"]
    assert others == [
        ("stacking", "highest_once", "a3", "同一产品、项目、标准获得多项资助（奖励）的，按“从优、从高、不重复”原则进行资助（奖励）"),
        ("upgrade", "pay_difference", "a3", "同一奖项在低等次已作资助（奖励）的，晋升到高等次时补足差额部分"),
        ("override", "this_prevails", "a5", "此前发布的有关文件，凡与本意见不一致的，按照本意见执行"),
    ]


def test_seed_span_invariant(seed):
    assert assert_spans(seed) >= 21 + 1 + 1 + 2 + 6 + 2 + 9


def test_seed_to_dict(seed):
    d = seed.to_dict()
    json.dumps(d, ensure_ascii=False)
    c1 = d["clauses"][0]
    for key in ("amounts", "percentages", "conditions", "budget_floor_cny", "budget_period", "fund_scale_cny"):
        assert key in c1
    assert set(c1["amounts"][0]) >= {"value", "currency", "kind", "qualifier", "period", "quote", "span"}
    a4 = next(c for c in d["clauses"] if c["id"].endswith(":a4"))
    assert set(a4["percentages"][0]) >= {"value", "low", "high", "kind", "base", "quote", "span"}
    assert set(a4["conditions"][0]) >= {"field", "operator", "value", "unit", "quote", "span", "alternative_group"}
    assert {"id", "name", "kind", "rate_low", "rate_high", "base", "conditions", "quote", "span"} <= set(d["rules"][0])
    assert len(d["rules"]) == 9
    assert "percentages" in d["sections"][0]


# ---------------------------------------------------------------------------------------------
# Money: cells
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, value, currency, unit", [
    ("2亿元", 200_000_000.0, "CNY", "亿元"),
    ("6000万元", 60_000_000.0, "CNY", "万元"),
    ("1 亿元", 100_000_000.0, "CNY", "亿元"),
    ("2.5亿元", 250_000_000.0, "CNY", "亿元"),
    ("1000万美元", 10_000_000.0, "USD", "万美元"),
    ("5000万元", 50_000_000.0, "CNY", "万元"),
    ("1.2亿", 120_000_000.0, "CNY", "亿"),
    ("1,000万美元", 10_000_000.0, "USD", "万美元"),
    ("300万 USD", 3_000_000.0, "USD", "万USD"),
    ("80000000", 80_000_000.0, "CNY", ""),
    ("５０００万元", 50_000_000.0, "CNY", "万元"),
    ("２．５亿元", 250_000_000.0, "CNY", "亿元"),
    ("1，000元", 1000.0, "CNY", "元"),
    ("500千元", 500_000.0, "CNY", "千元"),
    ("3000元", 3000.0, "CNY", "元"),
    ("1亿元人民币", 100_000_000.0, "CNY", "亿元人民币"),
    ("US$ 50万", 500_000.0, "USD", "US$万"),
    ("200万港元", 2_000_000.0, "HKD", "万港元"),
    ("HKD 1,500", 1500.0, "HKD", "HKD"),
    ("10万欧元", 100_000.0, "EUR", "万欧元"),
    ("EUR 2.5万", 25_000.0, "EUR", "EUR万"),
    ("￥1,234.5万", 12_345_000.0, "CNY", "¥万"),
    ("五千万元", 50_000_000.0, "CNY", "万元"),
    ("两亿元", 200_000_000.0, "CNY", "亿元"),
    ("  12.5万元 ", 125_000.0, "CNY", "万元"),
])
def test_parse_amount(cell, value, currency, unit):
    a = parse_amount(cell)
    assert a == Amount(value, currency, unit)


def test_parse_amount_default_unit_and_currency():
    assert parse_amount("5000", default_unit="万元") == Amount(50_000_000.0, "CNY", "万元")
    assert parse_amount("5000", default_unit="万美元").currency == "USD"
    assert parse_amount("5000万", default_unit="万美元") == Amount(50_000_000.0, "USD", "万")
    assert parse_amount("5000元", default_unit="万元").value == 5000.0  # an explicit unit wins
    assert parse_amount("300", default_currency="USD") == Amount(300.0, "USD", "")
    assert parse_amount(5000, default_unit="万元").value == 50_000_000.0
    assert parse_amount(12.5).value == 12.5


@pytest.mark.parametrize("cell, words", [
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "not an amount"),
    ("约5000万元", "not an amount"),
    ("5000万元以上", "not an amount"),
    ("-5000万元", "negative"),
    ("负100元", "negative"),
    ("1,00万元", "thousands separator"),
    ("US$300万元", "two different currencies"),
    ("三", "not an amount"),
    (float("nan"), "finite"),
    (None, "not an amount"),
])
def test_parse_amount_rejects(cell, words):
    with pytest.raises(ValueError) as err:
        parse_amount(cell)
    assert words in str(err.value)


def test_parse_amount_negative_when_allowed_and_bad_arguments():
    assert parse_amount("-5000万元", allow_negative=True).value == -50_000_000.0
    with pytest.raises(ValueError, match="unknown currency"):
        parse_amount("5", default_currency="XYZ")
    with pytest.raises(ValueError, match="not a unit"):
        parse_amount("5", default_unit="公斤")


def test_to_cny():
    assert to_cny(2e8, "CNY") == 200_000_000 and isinstance(to_cny(2e8, "CNY"), int)
    assert to_cny(parse_amount("2.5亿元")) == 250_000_000
    assert to_cny(parse_amount("1000万美元")) is None
    assert to_cny(1e7, "USD") is None
    assert to_cny(None, "CNY") is None
    assert to_cny(0.1 + 0.2, "CNY") == 0


@pytest.mark.parametrize("cell, value", [("30%", 0.3), ("30％", 0.3), ("12.5%", 0.125), ("百分之三十", 0.3),
                                         ("百分之零点五", 0.005), ("30", 0.3), (30, 0.3), ("5‰", 0.005)])
def test_parse_percentage(cell, value):
    assert math.isclose(parse_percentage(cell), value)


@pytest.mark.parametrize("cell", ["", "abc", "5%—10%", "30%以上"])
def test_parse_percentage_rejects(cell):
    with pytest.raises(ValueError):
        parse_percentage(cell)


# ---------------------------------------------------------------------------------------------
# Money: running text
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, currency, qualifier, operator, quote", [
    ("每年安排预算不少于2亿元，", 2e8, "CNY", "不少于", ">=", "不少于2亿元"),
    ("安排资金不低于6000万元。", 6e7, "CNY", "不低于", ">=", "不低于6000万元"),
    ("每年安排预算不少于 1 亿元，", 1e8, "CNY", "不少于", ">=", "不少于 1 亿元"),
    ("每年安排预算不少于2.5亿元", 2.5e8, "CNY", "不少于", ">=", "不少于2.5亿元"),
    ("注册资本1000万美元以上的项目", 1e7, "USD", "以上", ">=", "1000万美元以上"),
    ("常态化保持50亿元以上的产业基金规模", 5e9, "CNY", "以上", ">=", "50亿元以上"),
    ("给予最高500万元奖励", 5e6, "CNY", "最高", "<=", "最高500万元"),
    ("最高给予企业500万元资助", 5e6, "CNY", "最高", "<=", "最高给予企业500万元"),
    ("单个项目资助最高不超过 300 万元。", 3e6, "CNY", "最高不超过", "<=", "最高不超过 300 万元"),
    ("营业收入5000万元以下的企业", 5e7, "CNY", "以下", "<=", "5000万元以下"),
    ("年营业收入超过1亿元的企业", 1e8, "CNY", "超过", ">", "超过1亿元"),
    ("不超过200万元", 2e6, "CNY", "不超过", "<=", "不超过200万元"),
    ("营业收入达到5000万元以上", 5e7, "CNY", "达到…以上", ">=", "达到5000万元以上"),
    ("给予１００万元奖励", 1e6, "CNY", None, None, "１００万元"),
    ("投资额1亿元（含）以上", 1e8, "CNY", "以上", ">=", "1亿元（含）以上"),
    ("融资 US$300万 以上", 3e6, "USD", "以上", ">=", "US$300万 以上"),
    ("营业收入超过5000万的企业", 5e7, "CNY", "超过", ">", "超过5000万"),
    ("每年安排预算不少于　1　亿元", 1e8, "CNY", "不少于", ">=", "不少于　1　亿元"),
    ("营业收入首次突破10亿元", 1e9, "CNY", "突破", ">", "突破10亿元"),
])
def test_find_amounts_genre(text, value, currency, qualifier, operator, quote):
    [m] = find_amounts(text)
    assert (m.value, m.currency, m.qualifier, m.operator, m.quote) == (value, currency, qualifier, operator, quote)
    assert text[m.span[0]:m.span[1]] == m.quote


@pytest.mark.parametrize("text", [
    "建成3万平方米的产业园", "“5050”计划", "2024 年 11 月 25 日", "一园三谷五镇", "引进10万人才", "1+5+N",
    "数千万元的投入", "第3条", "多元化发展",
])
def test_find_amounts_ignores_non_money(text):
    assert find_amounts(text) == []


def test_find_amounts_in_a_slice_reports_offsets_into_the_whole_text():
    text = "前言提到1亿元。每年安排预算不少于2亿元，最高给予50万元。"
    start = text.index("每年")
    found = find_amounts(text, start, text.index("，"))
    assert [(m.value, m.quote) for m in found] == [(2e8, "不少于2亿元")]
    assert text[found[0].span[0]:found[0].span[1]] == "不少于2亿元"
    assert [m.quote for m in find_amounts(text, start)] == ["不少于2亿元", "最高给予50万元"]


def test_find_amount_ranges():
    text = "给予10万—50万元奖励，或100-500万元资助"
    found = find_amounts(text)
    assert [(m.value, m.range_role, m.quote) for m in found] == [
        (1e5, "low", "10万"), (5e5, "high", "50万元"), (1e6, "low", "100"), (5e6, "high", "500万元")]


@pytest.mark.parametrize("dash", ["—", "——", "–", "-", "－", "～", "~", "〜", "至", "到"])
def test_percentage_ranges_with_every_dash(dash):
    for text in (f"按实到注册资本5%{dash}10%予以支持", f"按实到注册资本5{dash}10%予以支持",
                 f"按实到注册资本 5％ {dash} 10％ 予以支持"):
        [p] = find_percentages(text)
        assert (p.value, p.low, p.high) == (None, 0.05, 0.1)
        assert text[p.span[0]:p.span[1]] == p.quote and dash in p.quote


@pytest.mark.parametrize("text, value, qualifier, operator, quote", [
    ("按实际研发投入最高 30% 予以支持", 0.3, "最高", "<=", "最高 30%"),
    ("给予最高100%贴息", 1.0, "最高", "<=", "最高100%"),
    ("30％", 0.3, None, None, "30％"),
    ("年均增长25%以上", 0.25, "以上", ">=", "25%以上"),
    ("不低于15%的资金", 0.15, "不低于", ">=", "不低于15%"),
    ("占比超过 12.5%", 0.125, "超过", ">", "超过 12.5%"),
    ("百分之三十", 0.3, None, None, "百分之三十"),
    ("千分之五", 0.005, None, None, "千分之五"),
    ("按最高不超过实际发生费用的 20% 予以支持", 0.2, "最高不超过", "<=", "最高不超过实际发生费用的 20%"),
])
def test_find_percentages_genre(text, value, qualifier, operator, quote):
    [p] = find_percentages(text)
    assert (p.value, p.qualifier, p.operator, p.quote) == (value, qualifier, operator, quote)
    assert math.isclose(p.value, value)


def test_chinese_percentage_range():
    [p] = find_percentages("按百分之五至百分之十给予资助")
    assert (p.low, p.high, p.quote) == (0.05, 0.1, "百分之五至百分之十")


# ---------------------------------------------------------------------------------------------
# Extraction on genre strings
# ---------------------------------------------------------------------------------------------

def facts(text: str):
    return extract_span(text, 0, len(text), "x")


@pytest.mark.parametrize("text, kind, period", [
    ("每年安排预算不少于2亿元，用于科技型企业培育。", "budget_floor", "annual"),
    ("每年安排资金不少于 3000 万元。", "budget_floor", "annual"),
    ("三年累计安排资金不少于3亿元。", "budget_floor", "total"),
    ("安排专项资金1亿元以上。", "budget_floor", None),
    ("每年安排专项资金5000万元。", "amount", "annual"),
    ("常态化保持50亿元以上的产业基金规模。", "fund_scale", "total"),
    ("设立总规模不低于10亿元的天使投资基金。", "fund_scale", "total"),
    ("对注册资本1亿元以上的企业。", "threshold", None),
    ("单个项目最高不超过500万元。", "cap", None),
    ("最高给予100万元奖励。", "cap", None),
    ("给予50万元一次性奖励。", "award", None),
    ("对认定的企业，给予100万元资助。", "award", None),
    ("项目总投资2亿元。", "amount", None),
])
def test_amount_kinds(text, kind, period):
    [a] = facts(text).amounts
    assert (a.kind, a.period) == (kind, period)


def test_budget_floor_only_from_a_stated_floor():
    text = "关于支持示例产业的若干政策\n1. 支持研发。每年安排专项资金5000万元，对企业给予最高100万元奖励。\n" \
           "2. 支持集聚。每年安排预算不少于 2 亿元，其中 5000 万元用于人才。\n3. 设立基金。设立总规模不低于10亿元的产业基金。\n"
    doc = parse_bytes(text.encode(), "inline.txt")
    assert [c.budget_floor_cny for c in doc.clauses] == [None, 200_000_000, None]
    assert [c.budget_period for c in doc.clauses] == [None, "annual", None]
    assert [c.fund_scale_cny for c in doc.clauses] == [None, None, 1_000_000_000]
    assert_spans(doc)


def test_conditions_gazelle_style():
    text = "对主营业务收入1000万元以上，且近两年主营业务收入年均增长25%以上的企业，给予最高50万元奖励。"
    f = facts(text)
    assert [(c.field, c.operator, c.value, c.unit, c.alternative_group) for c in f.conditions] == [
        ("revenue", ">=", 1e7, "CNY", None), ("revenue_growth", ">=", 0.25, "ratio", None)]
    assert [c.quote for c in f.conditions] == ["主营业务收入1000万元以上", "主营业务收入年均增长25%以上"]
    assert [(a.kind, a.value) for a in f.amounts] == [("threshold", 1e7), ("cap", 5e5)]
    assert [p.kind for p in f.percentages] == ["threshold"]
    for c in f.conditions:
        assert text[c.span[0]:c.span[1]] == c.quote


def test_conditions_alternatives_and_counts():
    text = "对成立不满5年、从业人员50人以上、注册资本不低于500万元人民币或100万美元的企业，" \
           "研发投入占营业收入比例不低于3%的，按研发投入的10%给予补助。"
    f = facts(text)
    got = [(c.field, c.operator, c.value, c.unit) for c in f.conditions]
    assert got == [("founded_years", "<", 5.0, "years"), ("employees", ">=", 50.0, "persons"),
                   ("registered_capital", ">=", 5e6, "CNY"), ("registered_capital", ">=", 1e6, "USD"),
                   ("rd_ratio", ">=", 0.03, "ratio")]
    groups = [c.alternative_group for c in f.conditions]
    assert groups[2] == groups[3] == "x-g1" and groups[0] is None and groups[4] is None
    assert [(p.kind, p.value, p.base) for p in f.percentages] == [("threshold", 0.03, None),
                                                                  ("support_rate", 0.1, "研发投入")]
    for c in f.conditions:
        assert text[c.span[0]:c.span[1]] == c.quote


def test_tiers_listed_with_enumeration_comma():
    text = "对营业收入首次突破10亿元、5亿元、1亿元的企业，分别给予100万元、50万元、20万元奖励。"
    f = facts(text)
    assert [(a.kind, a.value) for a in f.amounts] == [
        ("threshold", 1e9), ("threshold", 5e8), ("threshold", 1e8), ("award", 1e6), ("award", 5e5), ("award", 2e5)]
    assert [(c.field, c.operator, c.value) for c in f.conditions] == [
        ("revenue", ">", 1e9), ("revenue", ">", 5e8), ("revenue", ">", 1e8)]
    assert len({c.alternative_group for c in f.conditions}) == 1  # one tier applies, not all three


@pytest.mark.parametrize("text, field", [
    ("年营业收入首次超过1亿元的企业", "revenue"),
    ("实缴注册资本5000万元以上", "paid_in_capital"),
    ("固定资产投资5000万元以上的项目", "fixed_asset_investment"),
    ("项目投资额1亿元以上", "investment"),
    ("年度研发投入500万元以上", "rd_spend"),
    ("年纳税额超过1000万元", "tax_paid"),
    ("工业产值超过10亿元", "output_value"),
    ("年出口额1000万美元以上", "export_value"),
    ("研发人员占职工总数的比例不低于10%", "rd_staff_ratio"),
    ("研发投入占营业收入比例不低于3%", "rd_ratio"),
    ("资产负债率低于70%", "debt_ratio"),
])
def test_condition_fields(text, field):
    [c] = facts(text).conditions
    assert c.field == field and c.operator in (">=", ">", "<")


@pytest.mark.parametrize("text, kind, base", [
    ("每年从财政支出中安排不低于15%的资金用于产业扶持", "share", "财政支出"),
    ("可按实际研发投入最高 30% 予以支持", "cap", "实际研发投入"),
    ("按同期一年期贷款市场报价利率（LPR）给予最高 100% 贴息资助", "cap", "一年期贷款市场报价利率（LPR）"),
    ("可按实到注册资本 5%—10% 予以支持", "support_rate", "实到注册资本"),
    ("给予不超过项目总投资30%的补助", "cap", "项目总投资"),
    ("按设备投资的10%给予补贴", "support_rate", "设备投资"),
    ("对企业研发投入按最高 30% 予以支持", "cap", "企业研发投入"),
    ("给予融资额1%的奖励", "support_rate", "融资额"),
    ("按其研发费用增量部分的10%给予补助", "support_rate", "研发费用增量部分"),
    ("年均增长20%以上", "threshold", None),
    ("市场占有率达到35%", "rate", None),
    ("研发人员占职工总数的比例不低于10%", "threshold", None),
])
def test_percentage_kinds_and_bases(text, kind, base):
    [p] = facts(text).percentages
    assert (p.kind, p.base) == (kind, base)
    if p.base is not None:
        assert text[p.base_span[0]:p.base_span[1]] == p.base


def test_percentage_list_shares_kind_and_base():
    f = facts("境内、境外分别按实际费用的20%、50%给予补助")
    assert [(p.kind, p.value, p.base) for p in f.percentages] == [
        ("support_rate", 0.2, "实际费用"), ("support_rate", 0.5, "实际费用")]


# ---------------------------------------------------------------------------------------------
# Rules on genre strings
# ---------------------------------------------------------------------------------------------

def rules(text: str):
    return extract_rules(text, "c", (0, len(text)), facts(text))


@pytest.mark.parametrize("text, kind, policy", [
    ("同一项目获得多项资助的，按“从优、从高、不重复”原则进行资助。", "stacking", "highest_once"),
    ("符合本政策多项条款的，按就高不重复原则执行。", "stacking", "highest_once"),
    ("同一事项符合多项政策的，按最高标准给予支持。", "stacking", "highest_once"),
    ("同一企业可叠加享受本政策。", "stacking", "cumulative"),
    ("同一项目不得重复享受。", "stacking", "no_duplicate"),
    ("企业可择一申报。", "stacking", "choose_one"),
    ("晋升到高等次时补足差额部分。", "upgrade", "pay_difference"),
    ("升级为国家级的，按就高补差原则给予奖励。", "upgrade", "pay_difference"),
    ("此前发布的有关文件，凡与本意见不一致的，按照本意见执行。", "override", "this_prevails"),
    ("以往政策与本办法不一致的，以本办法为准。", "override", "this_prevails"),
    ("原《示例区产业扶持办法》（示例府〔2020〕1号）同时废止。", "repeal", "repealed"),
])
def test_rule_patterns(text, kind, policy):
    [r] = rules(text)
    assert (r.kind, r.policy) == (kind, policy)
    assert text[r.span[0]:r.span[1]] == r.quote


def test_no_rule_in_plain_text():
    assert rules("鼓励企业加大研发投入，对企业给予最高 30% 的支持。") == []


@pytest.mark.parametrize("labels", [("（1）", "（2）", "（3）"), ("（一）", "（二）", "（三）"), ("①", "②", "③"),
                                    ("1.", "2.", "3.")])
def test_instruments_from_an_enumerated_list(labels):
    a, b, c = labels
    text = (f"可按以下方式兑现：\n{a}房租补贴：对新引进企业，按实际租金的50%给予补贴；\n"
            f"{b}人才奖励：对引进的高层次人才，给予最高100万元奖励。\n"
            f"{c}贷款贴息：对企业银行贷款按贷款市场报价利率的 30%—50% 给予贴息。")
    rs = rules(text)
    assert [(r.name, r.instrument_type, r.target, r.rate_low, r.rate_high, r.base) for r in rs] == [
        ("房租补贴", "rent_subsidy", "新引进企业", 0.5, 0.5, "实际租金"),
        ("贷款贴息", "interest_subsidy", "企业银行贷款", 0.3, 0.5, "贷款市场报价利率"),
    ]  # 人才奖励 states no rate: it is an amount (a cap), not a rate instrument
    for r in rs:
        assert text[r.span[0]:r.span[1]] == r.quote
        assert text[r.name_span[0]:r.name_span[1]] == r.name
