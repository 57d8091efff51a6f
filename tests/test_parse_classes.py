"""Failure classes of the parser found on the evaluation corpus (corpus/FAILURES.md), one test each.

Every text below quotes a real public document word for word (the corpus documents, see
corpus/SOURCES.md); where a test joins sentences into a short document, the sentences are quoted
and only the frame (numbering around them) is ours.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.parse import parse_text
from policykg.ingest.text import match_numbering

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "documents"


def measures(doc):
    return [c for c in doc.clauses if c.kind == "measure"]


# ---------------------------------------------------------------------------------------------
# 1. Article numbers printed with spaces between the digits (a PDF copy)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "label", "number", "rest"), [
    # jilin-liuhe-2023-key-industries.txt (柳河县, 2023)
    ("第 1 0 条 鼓励企业标准创制和品牌建设。", "第 1 0 条", 10, "鼓励企业标准创制和品牌建设。"),
    ("第 2 6 条  本政策自发布之日起施行，暂定三年有效期。", "第 2 6 条", 26, "本政策自发布之日起施行，暂定三年有效期。"),
    ("第19条 对各乡镇(街道)招商引进落户到经济开发区的固定资产投资项目", "第19条", 19, "对各乡镇(街道)招商引进落户到经济开发区的固定资产投资项目"),
    ("第 十 二 条 鼓励企业逐年增加地方财政贡献。", "第 十 二 条", 12, "鼓励企业逐年增加地方财政贡献。"),
    ("第 1 0 章 附则", "第 1 0 章", 10, "附则"),
])
def test_spaced_article_numbers(line, label, number, rest):
    num = match_numbering(line)
    assert num is not None and num.label == label and num.number == number
    assert line[num.end:] == rest


def test_spaced_article_reference_is_no_article():
    # a reference written with spaces is still a reference, not a new article
    assert match_numbering("第 1 0 条规定的奖励") is None
    assert match_numbering("第 2 、3 条执行") is None


def test_spaced_articles_are_each_a_clause():
    text = (CORPUS / "jilin-liuhe-2023-key-industries.txt").read_text(encoding="utf-8")
    doc = parse_text(text, markdown=False)
    numbers = [c.number for c in doc.clauses]
    assert numbers == list(range(1, 27))
    tenth = next(c for c in doc.clauses if c.number == 10)
    assert tenth.label == "第 1 0 条"
    assert tenth.text.startswith("鼓励企业标准创制和品牌建设。")
    # 第 9 条 no longer swallows 第 1 0 条's seven awards
    ninth = next(c for c in doc.clauses if c.number == 9)
    assert "标准创制" not in ninth.text
    assert [a.value for a in tenth.amounts] == [1e6, 5e5, 3e5, 5e5, 5e5, 3e5, 1e5]


# ---------------------------------------------------------------------------------------------
# 2. Clauses that are no measures whatever their heading: purpose, definitions, funding source,
#    supervision, interpretation, commencement
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "reason"), [
    # 中华人民共和国中小企业促进法（2017年修订）第一条、第二条
    ("为了改善中小企业经营环境，保障中小企业公平参与市场竞争，维护中小企业合法权益，支持中小企业创业创新，"
     "促进中小企业健康发展，扩大城乡就业，发挥中小企业在国民经济和社会发展中的重要作用，制定本法。", "purpose"),
    ("本法所称中小企业，是指在中华人民共和国境内依法设立的，人员规模、经营规模相对较小的企业，"
     "包括中型企业、小型企业和微型企业。", "definition"),
    # jilin-liuhe-2023-key-industries.txt 第 1 条
    ("设立总规模不低于1亿元的重点产业发展引导 资金，列入县财政预算，按照《柳河县中小企业发展引导资金管理办法(试行)》"
     "相关规定，用于重点产业发展补助和奖励。", "funding"),
    # jilin-liuhe-tourism.txt 16.
    ("县财政每年安排旅游引导资金1000万元，并视财力状况逐年增加。引导资金重点用于旅游景区提升", "funding"),
    # jilin-liuhe-2023-key-industries.txt 第 2 3 条
    ("新建重点产业项目一年以上未动工建设的，按 照法律规定企业应当缴纳土地闲置费；连续二年未使用的，", "supervision"),
    # jilin-liuhe-tourism.txt, last paragraph
    ("本意见由县旅游产业发展领导小组负责解释，自2019年1月1日起执行，暂定三年。", "interpretation"),
    # jilin-liuhe-2023-key-industries.txt 第 2 6 条
    ("本政策自发布之日起施行，暂定三年有效期。此前出台的支持重点产业发展相关支持奖励政策同时废止。", "commencement"),
])
def test_non_measure_openings(body, reason):
    from policykg.ingest.clause_kind import non_measure_reason

    assert non_measure_reason(body) == reason


@pytest.mark.parametrize("body", [
    # the seed (杭高新〔2024〕16号) 1.: a titled measure that states its budget after the title
    "鼓励企业加大创新投入。每年安排预算不少于2亿元，用于科技型企业培育。",
    # shanghai-lingang-shuangte-2016.txt （十）: consolidating funds is the measure itself
    "整合临港地区现有各类专项资金。由市、浦东新区和奉贤区财力共同出资，连同市级税收增量返还部分等，"
    "成立统一的临港地区专项发展资金",
    # jilin-liuhe-2023-key-industries.txt 第 1 8 条
    "提升企业家素质和政治荣誉。每年安排专项资 金用于企业家队伍建设",
])
def test_measures_are_not_taken_for_non_measures(body):
    from policykg.ingest.clause_kind import non_measure_reason

    assert non_measure_reason(body) is None


def test_article_document_without_chapters_keeps_measures_only():
    text = (CORPUS / "jilin-liuhe-2023-key-industries.txt").read_text(encoding="utf-8")
    doc = parse_text(text, markdown=False)
    kinds = {c.number: c.kind for c in doc.clauses}
    assert [n for n, k in kinds.items() if k == "measure"] == list(range(2, 20))
    # 第 1 条 (funding source), 第 2 1/2 2 条 (under 四、政策兑现), 第 2 3–2 6 条 (under 五、其他)
    assert all(kinds[n] == "item" for n in (1, 20, 21, 22, 23, 24, 25, 26))


def test_funding_item_among_numbered_measures():
    text = (CORPUS / "jilin-liuhe-tourism.txt").read_text(encoding="utf-8")
    doc = parse_text(text, markdown=False)
    kinds = {c.number: c.kind for c in doc.clauses}
    assert [n for n, k in kinds.items() if k == "measure"] == list(range(1, 16))
    assert kinds[16] == "item"


# ---------------------------------------------------------------------------------------------
# 3. Money: per-unit rates, decimal yuan, floors worded 设立…不低于, financial numerals
# ---------------------------------------------------------------------------------------------

def _amounts(text):
    from policykg.ingest.extract import extract_span

    return extract_span(text, 0, len(text), "t").amounts


@pytest.mark.parametrize(("text", "want"), [
    # jilin-liuhe-2023-key-industries.txt 第 1 7 条
    ("对新建面积在500亩以上的，给予企业200元/亩奖励；", [(200.0, "rate", "元/亩", "亩")]),
    # jilin-liuhe-tourism.txt 13. and 15.
    ("在旅游节庆活动期间对组团达1000人次以上的，给予5元/人/夜的奖励。", [(5.0, "rate", "元/人/夜", "人/夜")]),
    ("带团人数达1000人次的，分别给予3000元/年、5000元/年奖励。",
     [(3000.0, "rate", "元/年", "年"), (5000.0, "rate", "元/年", "年")]),
    # jilin-liuhe-tourism.txt 4. and 6.: the unit before the amount
    ("对一个行政村建设标准化民宿5家以上的每间奖励2000元。", [(2000.0, "rate", "元", "间")]),
    ("在河流、湖泊浇灌标准化冰场每块奖励1万元。", [(10000.0, "rate", "万元", "块")]),
    # jilin-liuhe-tourism.txt 12.
    ("每满一万人奖励一万元。", [(10000.0, "rate", "万元", "万人")]),
    # 国家发展改革委《关于发挥价格杠杆作用促进光伏产业健康发展的通知》（发改价格〔2013〕1638号）: decimal yuan
    ("对分布式光伏发电实行按照全电量补贴的政策，电价补贴标准为每千瓦时0.42元", [(0.42, "rate", "元", "千瓦时")]),
])
def test_per_unit_rates(text, want):
    got = [(a.value, a.kind, a.unit_text, a.per) for a in _amounts(text)]
    assert got == want
    for a in _amounts(text):
        assert text[a.span[0]:a.span[1]] == a.quote


def test_rate_per_year_is_annual():
    # jilin-liuhe-tourism.txt 15.
    amounts = _amounts("带团人数达1000人次的，分别给予3000元/年、5000元/年奖励。")
    assert [a.period for a in amounts] == ["annual", "annual"]


def test_decimal_yuan_is_no_whole_yuan():
    (a,) = _amounts("电价补贴标准为每千瓦时0.42元")
    assert a.value == 0.42 and a.value_cny is None  # never rounded to 0 yuan


def test_lump_sums_and_annual_budgets_are_no_rates():
    # the seed 1.: 每年 is the period of a budget floor, not a unit
    (a,) = _amounts("每年安排预算不少于2亿元，用于科技型企业培育。")
    assert (a.kind, a.per, a.period, a.value_cny) == ("budget_floor", None, "annual", 200_000_000)
    # jilin-liuhe-2023-key-industries.txt 第 4 条: 每年最高 is a yearly cap
    (a,) = _amounts("每年最高奖励不超过5000万元。")
    assert (a.kind, a.per) == ("cap", None)
    # 第 1 4 条: an award per enterprise
    (a,) = _amounts("对新增并纳入统计口径的规模以上工业企业，给予企业20万元奖励；")
    assert (a.kind, a.per) == ("award", None)


@pytest.mark.parametrize(("text", "value", "period"), [
    # jilin-liuhe-2023-key-industries.txt 第 1 条
    ("设立总规模不低于1亿元的重点产业发展引导 资金，列入县财政预算，", 100_000_000, "total"),
    # jilin-liuhe-key-industries-earlier.txt 一、财政支持
    ("设立规模不低于1亿元的重点产业发展引导资金，列入县财政预算，", 100_000_000, None),
])
def test_budget_floor_worded_with_setup(text, value, period):
    (a,) = _amounts(text)
    assert (a.kind, a.value_cny, a.operator, a.period) == ("budget_floor", value, ">=", period)


def test_fund_scale_stays_no_budget():
    # jilin-liuhe-key-industries-earlier.txt （十一）: a guarantee pool reaching a size is no budget floor
    amounts = _amounts("用3年时间，使县级“助保金池”风险补偿铺底资金达到1千万以上，为中小微企业提供1亿元以上的增信担保")
    assert all(a.kind != "budget_floor" for a in amounts)


@pytest.mark.parametrize(("text", "value"), [
    # 《支付结算办法》（银发〔1997〕393号）附一 正确填写票据和结算凭证的基本规定
    ("如￥1，409.50，应写成人民币壹仟肆佰零玖元伍角。", 1409.5),
    ("如￥107，000.53，应写成人民币壹拾万柒仟元零伍角叁分。", 107000.53),
])
def test_financial_numerals(text, value):
    from policykg.ingest.money import find_amounts

    got = [m for m in find_amounts(text) if m.unit_text == "元"]
    assert [m.value for m in got] == [value]


@pytest.mark.parametrize(("s", "n"), [("贰佰", 200), ("壹拾万柒仟", 107000), ("一亿两千万", 120_000_000), ("拾", 10)])
def test_numerals_with_big_units(s, n):
    from policykg.ingest.text import cn_numeral_to_int

    assert cn_numeral_to_int(s) == n


# ---------------------------------------------------------------------------------------------
# 4. Front matter: the title under a site label, issuers above the title or in its prefix, the date in
#    parentheses under the title, commencement on the issue date
# ---------------------------------------------------------------------------------------------

# jilin-liuhe-2023-key-industries.txt: the mini-programme's page label, then the document's own header
LIUHE_2023_HEAD = ("加快重点产业实施意见\n中共柳河县委 柳河县人民政府\n关于支持重点产业加快发展的实施意见\n(2023年2月8日)\n"
                   "为抢抓国家新一轮东北振兴战略机遇，全力支持战略新 兴、医药健康、现代服务业、特色农业四个重点产业规模化、"
                   "集群化、高端化、特色化发展，实现民营经济高质量发展，\n依据《吉林省促进中小企业发展条例》,制定如下实施意见。\n")
LIUHE_2023_BODY = ("一、政策支持\n第 1 条 设立总规模不低于1亿元的重点产业发展引导 资金，列入县财政预算。\n"
                   "二 、支持范围\n第 2 条 鼓励企业挂牌上市。对在主板上市企业，给予 企业300万元奖励。\n")


def test_title_under_a_site_label_issuers_above_it_and_date_below():
    doc = parse_text(LIUHE_2023_HEAD + LIUHE_2023_BODY + "第 2 6 条  本政策自发布之日起施行，暂定三年有效期。\n",
                     markdown=False)
    d = doc.document
    assert d.title == "关于支持重点产业加快发展的实施意见"
    assert d.issuers == ["中共柳河县委", "柳河县人民政府"]
    assert d.issued_date == "2023-02-08"
    assert d.effective_date == "2023-02-08"  # 自发布之日起施行: the issue date


def test_commencement_on_issue_needs_an_issue_date():
    # jilin-liuhe-key-industries-earlier.txt prints no date: 自发布之日起施行 gives none
    text = (CORPUS / "jilin-liuhe-key-industries-earlier.txt").read_text(encoding="utf-8")
    d = parse_text(text, markdown=False).document
    assert (d.issued_date, d.effective_date) == (None, None)


@pytest.mark.parametrize(("sentence", "date"), [
    # jilin-liuhe-tourism.txt, last paragraph
    ("本意见由县旅游产业发展领导小组负责解释，自2019年1月1日起执行，暂定三年。", "2019-01-01"),
    # the wording issue 20 quotes: no 自 before the date
    ("本意见2023年12月10日起施行。", "2023-12-10"),
    # a date that is no commencement
    ("企业应于2024年5月31日前提交申报材料。", None),
])
def test_commencement_phrasings(sentence, date):
    doc = parse_text(LIUHE_2023_HEAD + LIUHE_2023_BODY + "第 3 条 " + sentence + "\n", markdown=False)
    assert doc.document.effective_date == date


def test_issuer_in_the_title_prefix():
    text = (CORPUS / "shanghai-lingang-shuangte-2016.txt").read_text(encoding="utf-8")
    d = parse_text(text, markdown=False).document
    assert d.title == "上海市人民政府关于深化完善“双特”政策支持临港地区新一轮发展的若干意见"
    assert d.issuers == ["上海市人民政府"]


@pytest.mark.parametrize("label", [  # the frame a web copy adds (ours); the document after it is real
    "https://www.example.gov.cn/zwgk/zcwj/202302/t20230208_1.html",
    "首页 > 政务公开 > 政策文件",
])
def test_url_or_breadcrumb_is_no_title(label):
    doc = parse_text(label + "\n" + LIUHE_2023_HEAD + LIUHE_2023_BODY, markdown=False)
    assert doc.document.title == "关于支持重点产业加快发展的实施意见"


def test_per_unit_floors_are_three_floors_not_a_sum():
    # the wording issue 20 quotes from an unseen real document
    amounts = _amounts("每年每个分别不少于60万元、40万元、5万元")
    assert [(a.kind, a.value_cny, a.operator, a.per, a.period) for a in amounts] == [
        ("budget_floor", 600_000, ">=", "个", "annual"),
        ("budget_floor", 400_000, ">=", "个", "annual"),
        ("budget_floor", 50_000, ">=", "个", "annual"),
    ]


def test_list_after_fenbie_without_floor_keeps_its_kind():
    # jilin-liuhe-tourism.txt 6.: awards listed after 分别 stay awards, with no unit
    amounts = _amounts("对新建高级雪道、中级雪道、初级雪道分别奖励100万元、50万元、5万元。")
    assert [(a.kind, a.per, a.operator) for a in amounts] == [("award", None, None)] * 3


def test_per_unit_floor_is_no_clause_budget():
    # a floor per unit says nothing of the measure's total budget (issue 20's wording in a numbered item;
    # the frame is ours)
    text = "一、支持政策\n1.每年每个分别不少于60万元、40万元、5万元。\n2.每年安排预算不少于2亿元，用于科技型企业培育。\n"
    doc = parse_text(text, markdown=False)
    first, second = doc.clauses
    assert [a.value_cny for a in first.amounts if a.kind == "budget_floor"] == [600_000, 400_000, 50_000]
    assert first.budget_floor_cny is None
    assert (second.budget_floor_cny, second.budget_period) == (200_000_000, "annual")


@pytest.mark.parametrize(("line", "orgs"), [
    # the bodies issue 20 names: a department of a party committee, the general office of a government
    ("中共广州市天河区委统战部", ["中共广州市天河区委统战部"]),
    ("广州市人民政府办公厅", ["广州市人民政府办公厅"]),
    # jilin-liuhe-2023-key-industries.txt line 2; the seed's signature
    ("中共柳河县委 柳河县人民政府", ["中共柳河县委", "柳河县人民政府"]),
    ("杭州高新技术产业开发区管理委员会 杭州市滨江区人民政府", ["杭州高新技术产业开发区管理委员会", "杭州市滨江区人民政府"]),
])
def test_issuers_are_whole_organisations(line, orgs):
    from policykg.ingest.text import split_orgs

    assert split_orgs(line) == orgs

