"""Facts in a parsed policy document: amounts, percentages, conditions and rules, with spans.

:func:`extract_document` fills, for every clause (and every section's own text, e.g. the goals
paragraph), the lists ``amounts``, ``percentages`` and ``conditions``, and for clauses
``budget_floor_cny``, ``budget_period`` and ``fund_scale_cny``; and the document's ``rules``.
:func:`policykg.ingest.parse.parse_text` calls it, so every parse carries these facts.

Every item keeps ``quote`` and ``span`` with ``document.text[span[0]:span[1]] == quote`` (and the same
for ``base_span``/``base``, ``name_span``/``name``).

Amount kinds (``AmountItem.kind``)
    ``budget_floor``  a budget stated as a floor: 每年安排预算不少于X, 安排资金X以上, 设立总规模不低于X的引导资金
    ``fund_scale``    the size of a fund: 常态化保持X以上的产业基金规模, 设立总规模不低于X的基金, 基金规模X
    ``threshold``     a condition on an enterprise or project: 注册资本1亿元以上, 营业收入超过5000万元
    ``cap``           an upper bound of support: 最高不超过X, 最高给予X, 不超过X
    ``award``         support of a stated size: 给予X奖励 / 资助 / 补助
    ``rate``          support per unit (``per``): 100元/亩, 5元/人/夜, 每间奖励2000元, 每千瓦时0.42元
    ``amount``        anything else (including a budget stated without a floor: 每年安排专项资金X)

``period`` is ``annual`` (每年 / 年度 / 每年度 / 年均 before it in the sentence), ``total`` (fund scales;
budgets stated as 总额 / 累计 / 合计 / 共 / N年), else None. ``Clause.budget_floor_cny`` is the first
CNY ``budget_floor`` of the clause (not one per unit) and ``Clause.budget_period`` its period (None when the clause
states no budget floor); ``Clause.fund_scale_cny`` the first CNY ``fund_scale``: fund scales are
never counted as budgets.

Percentage kinds (``RateItem.kind``); values are fractions (30% → 0.3), ranges have ``low``/``high``
    ``share``         a share of spending set aside: 从财政支出中安排不低于15%的资金 (base: 财政支出)
    ``threshold``     a condition: 年均增长25%以上, 研发投入占营业收入比例不低于3%
    ``cap``           a support rate stated as an upper bound: 按实际研发投入最高30%予以支持
    ``support_rate``  a support rate stated exactly or as a range: 按实到注册资本5%—10%予以支持
    ``rate``          anything else
``base`` is what the rate applies to (实际研发投入, 实到注册资本, 投资额, 实际发生费用,
一年期贷款市场报价利率（LPR）, 财政支出), read from "按X…", "X的N%" or "从X中安排".

Condition fields (``Condition.field``), each with ``unit``:
    money (unit: the currency, e.g. CNY, USD): ``registered_capital``, ``paid_in_capital`` (实缴/实到注册资本),
    ``revenue`` (主营业务收入, 营业收入, 销售收入 …), ``rd_spend``, ``investment``,
    ``fixed_asset_investment``, ``tax_paid``, ``output_value``, ``export_value``, ``financing``,
    ``profit``, ``market_value``;
    ratios (unit ``ratio``): ``revenue_growth``, ``output_growth``, ``profit_growth``, ``tax_growth``,
    ``export_growth``, ``rd_growth``, ``growth`` (growth of an unnamed figure), ``rd_ratio``
    (研发投入占营业收入比例), ``rd_staff_ratio`` (研发人员占职工总数的比例), ``debt_ratio`` (资产负债率);
    counts: ``employees`` / ``rd_staff`` (unit ``persons``), ``founded_years`` (unit ``years``:
    成立不满5年 → founded_years < 5).
``operator`` is one of ``>=``, ``>``, ``<=``, ``<``. Amounts joined by 或 ("注册资本1亿元人民币或1000万
美元以上") are alternatives: their conditions share ``alternative_group``, and a qualifier printed
once (以上) applies to each.

Rules (``ParsedDocument.rules``, each naming its ``clause``)
    ``instrument``  a support instrument of an enumerated list "（1）研发资助：…" (also （一） / ① / 1.),
                    one per support rate,
                    with ``name``, ``instrument_type``, ``target`` (对X), ``scope`` (domestic / overseas),
                    ``rate_low``/``rate_high``, ``base`` and the ``conditions`` stated in its sentence
    ``stacking``    从优、从高、不重复 / 就高不重复 → policy ``highest_once``; 可叠加享受 → ``cumulative``;
                    择一 / 只能选择其中一项 → ``choose_one``; 不得重复享受 / 不叠加 → ``no_duplicate``
    ``upgrade``     晋升到高等次时补足差额 → policy ``pay_difference``
    ``override``    凡与本意见不一致的，按照本意见执行 / 以本办法为准 → policy ``this_prevails``
    ``repeal``      原《…》同时废止 → policy ``repealed``
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from policykg.ingest.clause_rules import extract_rules
from policykg.ingest.document import AmountItem, Condition, ParsedDocument, RateItem, Rule, ScopeFacts, Span
from policykg.ingest.money import AmountMention, RateMention, find_amounts, find_percentages, to_cny
from policykg.ingest.text import cn_numeral_to_int

__all__ = [
    "AmountItem",
    "Condition",
    "RateItem",
    "Rule",
    "ScopeFacts",
    "extract_document",
    "extract_rules",
    "extract_span",
]


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------

_SENTENCE_STOPS = "。；;！？!?\n"
_FRAGMENT_STOPS = _SENTENCE_STOPS + "，,：:"
_COMPARATORS = (">=", ">", "<=", "<")

_MONEY_FIELDS: list[tuple[str, str]] = [
    ("paid_in_capital", r"实缴注册资本|实到注册资本|实缴资本|实到资本|实收资本"),
    ("registered_capital", r"注册资本|注册资金"),
    ("rd_spend", r"研发投入|研发经费|研发费用|研发支出"),
    ("revenue", r"主营业务收入|营业收入|营收|销售收入|销售额|营业额|年收入|收入"),
    ("fixed_asset_investment", r"固定资产投资|设备投资"),
    ("investment", r"投资总额|总投资|投资额|实际投资|项目投资|投资"),
    ("tax_paid", r"纳税额|纳税|税收贡献|税收|地方财政贡献|地方贡献"),
    ("output_value", r"工业总产值|工业产值|产值"),
    ("export_value", r"进出口额|出口额|进出口|出口"),
    ("financing", r"融资额|融资"),
    ("profit", r"净利润|利润"),
    ("market_value", r"市值"),
]
_MONEY_FIELD_RES = [(f, re.compile(p)) for f, p in _MONEY_FIELDS]
_GROWTH_RE = re.compile(r"(?:年均|同比|平均|年)?(?:增长率|增长|增幅|增速|增加)")
_GROWTH_SUBJECTS: list[tuple[str, re.Pattern[str]]] = [
    ("rd_growth", re.compile(r"研发投入|研发经费|研发费用|研发")),
    ("revenue_growth", re.compile(r"主营业务收入|营业收入|销售收入|营收|销售额|营业额|收入|销售")),
    ("output_growth", re.compile(r"工业总产值|工业产值|产值")),
    ("profit_growth", re.compile(r"净利润|利润")),
    ("tax_growth", re.compile(r"纳税额|税收|纳税|税")),
    ("export_growth", re.compile(r"出口额|出口")),
]
_RATIO_FIELDS: list[tuple[str, re.Pattern[str]]] = [
    ("rd_staff_ratio", re.compile(r"研发人员[^，。；]{0,12}(?:占|比例|比重)")),
    ("rd_ratio", re.compile(r"研发[^，。；]{0,12}(?:占|比例|比重|强度)")),
    ("debt_ratio", re.compile(r"资产负债率")),
]
_AWARD_VERB_RE = re.compile(r"给予|奖励|资助|补助|补贴|贴息|扶持|支持|予以")
_AWARD_AFTER_RE = re.compile(r"\s*的?\s*(?:一次性)?\s*(?:奖励|资助|补助|补贴|扶持|贴息|支持|奖补)")
_BUDGET_BEFORE_RE = re.compile(
    r"(?:(?:安排|统筹|设立|投入|列支|筹集)[^，。；\d]{0,8}(?:预算|资金|经费)|预算|专项资金|财政资金|扶持资金|产业资金)"
    r"[^，。；\d]{0,4}$")
_BUDGET_VERB_RE = re.compile(r"(?:安排|统筹|投入|列支|筹集)\s*$")
# "设立总规模不低于1亿元的重点产业发展引导资金": the budget word after the amount
_SETUP_BEFORE_RE = re.compile(r"(?:设立|安排|统筹|筹集|筹措)[^，。；\d]{0,8}$")
_BUDGET_AFTER_RE = re.compile(r"\s*的?[^，。；\d]{0,16}?(?:资金|经费|预算)")
_BUDGET_WORD_RE = re.compile(r"预算|资金|经费")
_TOTAL_RE = re.compile(r"总额|总规模|总计|累计|合计|共计|共|[一二三四五六七八九十两\d]+年(?:内|间|期间|累计)")
_ANNUAL_RE = re.compile(r"每年度|每年|年度|年均|每一年|/年")
_FUND_BEFORE_RE = re.compile(r"规模[^，。；\d]{0,8}$")
_FUND_AFTER_RE = re.compile(r"\s*的?[^，。；\d]{0,10}?基金(?:总)?规模")
_SHARE_AFTER_RE = re.compile(r"\s*的\s*(?:资金|经费|预算|财政资金|专项资金|财力)")
_SHARE_BASE_RE = re.compile(r"(?:从|在)?(?P<base>[^，。；从在]{1,20}?)中(?:安排|提取|列支|统筹|划出)[^，。；]{0,4}$")
_SUPPORT_AFTER_RE = re.compile(r"\s*的?[^，。；\d]{0,8}?(?:予以|给予)?(?:支持|资助|补助|补贴|奖励|贴息|扶持|奖补)")
_SUPPORT_BEFORE_RE = re.compile(r"按照|按|给予|予以|资助|补助|补贴|奖励|贴息")
_BASE_TRIM_LEAD = re.compile(r"(?:\s|同期|当期|其)+")
_BASE_TRIM_TAIL = re.compile(r"(?:\s|的|之|给予|予以|可给予|最高|不超过|最高不超过|计算|标准)+$")
_BASE_AFTER_VERB_RE = re.compile(r"给予|予以|对")
_LIST_GAP_RE = re.compile(r"\s*(?:、|和|及|或者|或|/)\s*")

_PERSONS_RE = re.compile(
    r"(?P<field>研发人员|从业人员|就业人数|员工|职工|人员)(?:数|人数|总数)?[^，。；\d]{0,6}?"
    r"(?P<pre>不少于|不低于|不超过|超过|达到|低于|少于|至少)?\s*(?P<num>\d+)\s*(?:人|名)"
    r"(?P<suf>及以上|以上|以下|以内)?")
_FOUNDED_RE = re.compile(
    r"成立(?:时间)?\s*(?P<pre>未满|不满|不超过|不足|超过|满)?\s*(?P<num>\d+|[一二三四五六七八九十两]+)\s*(?:个)?"
    r"(?P<unit>年|个月|月)(?P<suf>以上|以下|以内|之内)?")
_COUNT_OPS = {"不少于": ">=", "不低于": ">=", "至少": ">=", "达到": ">=", "满": ">=", "以上": ">=", "及以上": ">=",
              "超过": ">", "不超过": "<=", "以下": "<=", "以内": "<=", "之内": "<=", "低于": "<", "少于": "<",
              "未满": "<", "不满": "<", "不足": "<"}

# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def _back(text: str, pos: int, lo: int, stops: str) -> int:
    """Start of the stretch ending at pos that contains none of ``stops`` (not before lo)."""
    i = pos
    while i > lo and text[i - 1] not in stops:
        i -= 1
    return i


def _fwd(text: str, pos: int, hi: int, stops: str) -> int:
    i = pos
    while i < hi and text[i] not in stops:
        i += 1
    return i


def _trim(text: str, s: int, e: int, lead: re.Pattern[str], tail: re.Pattern[str]) -> Span | None:
    m = lead.match(text, s, e)
    if m:
        s = m.end()
    piece = text[s:e]
    t = tail.search(piece)
    if t:
        e = s + t.start()
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if e > s else None


@dataclass
class _Ctx:
    """Where a mention sits: the words right before it (back to the previous mention or a comma)
    and right after it (to the next mention or a comma), and its sentence."""

    before_start: int
    after_end: int
    sentence: Span


class _Stops:
    """Where the stop characters are in text[lo:hi], so that :func:`_back` and :func:`_fwd` from any
    position cost a bisection rather than a walk over the text."""

    def __init__(self, text: str, lo: int, hi: int, stops: str) -> None:
        self.lo, self.hi = lo, hi
        self.at = [m.start() for m in re.finditer(f"[{re.escape(stops)}]", text[lo:hi])]

    def back(self, pos: int) -> int:
        """== _back(text, pos, lo, stops)"""
        k = bisect_left(self.at, pos - self.lo)
        return self.lo + self.at[k - 1] + 1 if k else self.lo

    def fwd(self, pos: int) -> int:
        """== _fwd(text, pos, hi, stops)"""
        k = bisect_left(self.at, pos - self.lo)
        return min(self.lo + self.at[k], self.hi) if k < len(self.at) else self.hi


def _contexts(text: str, lo: int, hi: int, spans: list[tuple[Span, Span]]) -> list[_Ctx]:
    """``spans``: (quote span, value span) of every mention, in order."""
    vs = [v[0] for _, v in spans]
    ve = [v[1] for _, v in spans]
    # value spans in order (no nesting): the neighbours of a mention are found by bisection
    ordered = all(a <= b for a, b in zip(vs, vs[1:], strict=False)) and \
        all(a <= b for a, b in zip(ve, ve[1:], strict=False))
    fragments = _Stops(text, lo, hi, _FRAGMENT_STOPS)
    sentences = _Stops(text, lo, hi, _SENTENCE_STOPS)
    out = []
    for i, ((qs, qe), _) in enumerate(spans):
        if ordered:
            k = bisect_right(ve, qs, 0, i)
            prev_end = ve[k - 1] if k else lo
            k = bisect_left(vs, qe, i + 1)
            nxt = vs[k] if k < len(vs) else hi
        else:
            prev_end = max((ve[j] for j in range(i) if ve[j] <= qs), default=lo)
            nxt = min((vs[j] for j in range(i + 1, len(spans)) if vs[j] >= qe), default=hi)
        bs = max(fragments.back(qs), prev_end)
        ae = min(fragments.fwd(qe), nxt)
        sent = (sentences.back(qs), sentences.fwd(qe))
        out.append(_Ctx(bs, ae, sent))
    return out


def _nearest_money_field(text: str, s: int, e: int) -> tuple[str, int] | None:
    """The money field named closest before position e in text[s:e]: (field, start of its words)."""
    best: tuple[int, int, str, int] | None = None  # (end, -index, field, start)
    for idx, (name, rx) in enumerate(_MONEY_FIELD_RES):
        last = None
        for m in rx.finditer(text, s, e):
            last = m
        if last is not None:
            key = (last.end(), -idx, name, last.start())
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        return None
    end, _, name, start = best
    gap = text[end:e]
    if len(gap) > 14 or _AWARD_VERB_RE.search(gap):
        return None
    return name, start


def _ratio_field(text: str, s: int, e: int, sent_start: int) -> tuple[str, int] | None:
    for name, rx in _RATIO_FIELDS:
        found = list(rx.finditer(text, s, e))
        if found:
            return name, found[-1].start()
    growth = list(_GROWTH_RE.finditer(text, s, e))
    if not growth:
        return None
    g = growth[-1]
    if _AWARD_VERB_RE.search(text, g.end(), e):
        return None
    best = None
    for name, rx in _GROWTH_SUBJECTS:
        found = list(rx.finditer(text, sent_start, g.start() + 1))
        if found and (best is None or found[-1].end() > best[1]):
            best = (name, found[-1].end(), found[-1].start())
    if best is None:
        return "growth", g.start()
    start = best[2] if best[2] >= s else g.start()
    return best[0], start


# --------------------------------------------------------------------------------------------
# Amounts, percentages, conditions in one stretch of text
# --------------------------------------------------------------------------------------------

def extract_span(text: str, start: int, end: int, scope_id: str) -> ScopeFacts:
    """Amounts, percentages and conditions in ``text[start:end]`` (a clause or a section's body).
    ``scope_id`` names alternative groups (``f"{scope_id}-g{n}"``)."""
    amounts = find_amounts(text, start, end)
    rates = find_percentages(text, start, end)
    mentions: list[tuple[str, AmountMention | RateMention]] = sorted(
        [("a", m) for m in amounts] + [("r", m) for m in rates], key=lambda x: x[1].span)
    ctxs = _contexts(text, start, end, [(m.span, m.value_span) for _, m in mentions])
    facts = ScopeFacts()
    conditions: list[Condition] = []
    group_no = 0

    # amounts joined by 或 (alternatives) or listed with 、 (tiers: 分别给予100万元、50万元): one group
    # sharing field, kind and qualifier; a group of thresholds is one alternative group
    groups: list[list[int]] = []
    for i, (k, m) in enumerate(mentions):
        if k != "a":
            continue
        if groups and mentions[groups[-1][-1]][0] == "a":
            j = groups[-1][-1]
            prev = mentions[j][1]
            if j == i - 1 and _LIST_GAP_RE.fullmatch(text, prev.span[1], m.span[0]):
                groups[-1].append(i)
                continue
        groups.append([i])

    amount_items: dict[int, AmountItem] = {}
    for members in groups:
        first = members[0]
        fm = mentions[first][1]
        ctx = ctxs[first]
        last_ctx = ctxs[members[-1]]
        before = text[ctx.before_start:fm.span[0]]
        after = text[mentions[members[-1]][1].span[1]:last_ctx.after_end]
        ops = [mentions[i][1].operator for i in members if mentions[i][1].operator]
        op = ops[-1] if ops else None
        kind = "amount"
        field_hit = None
        budget = bool(_BUDGET_BEFORE_RE.search(before) or (
            _BUDGET_VERB_RE.search(before) and _BUDGET_WORD_RE.search(text, ctx.sentence[0], ctx.sentence[1]))
            or (_SETUP_BEFORE_RE.search(before) and _BUDGET_AFTER_RE.match(after)))
        if (_FUND_BEFORE_RE.search(before) and "基金" in text[ctx.sentence[0]:ctx.sentence[1]]) \
                or _FUND_AFTER_RE.match(after):
            kind = "fund_scale"
        elif budget:
            kind = "budget_floor" if op == ">=" else "amount"
        else:
            field_hit = _nearest_money_field(text, ctx.before_start, fm.span[0])
            if field_hit and op in _COMPARATORS:
                kind = "threshold"
            elif op in ("<=", "<"):
                kind = "cap"
            elif _AWARD_VERB_RE.search(before) or _AWARD_AFTER_RE.match(after):
                kind = "award"
        # a list shares its unit and, after 分别, its qualifier: "每年每个分别不少于60万元、40万元、5万元"
        per = next((mentions[i][1].per for i in members if mentions[i][1].per), None)
        spread = "分别" in before
        if kind == "amount" and per and op == ">=":
            kind = "budget_floor"  # 每个不少于X: a floor per unit, one for each item listed, never summed
        if kind == "fund_scale":
            period = "total"
        elif budget:
            period = _period(text[ctx.sentence[0]:fm.span[0]])
        else:
            period = "annual" if _ANNUAL_RE.search(before) else None
        alt = None
        if kind == "threshold" and len(members) > 1:
            group_no += 1
            alt = f"{scope_id}-g{group_no}"
        for i in members:
            m = mentions[i][1]
            m_per = m.per or per
            m_kind = "rate" if m_per and kind in ("award", "cap", "amount") else kind
            qualifier, operator = (m.qualifier, m.operator) if m.operator or not spread else (fm.qualifier, op)
            m_period = "annual" if m_per and m_per.endswith("年") else period  # 3000元/年
            amount_items[i] = AmountItem(m_kind, m.value, m.currency, _whole_cny(m.value, m.currency), m.unit_text,
                                         qualifier, operator, m_period, m.quote, m.span, m_per)
            if kind == "threshold" and field_hit:
                name, fstart = field_hit
                qend = mentions[members[-1]][1].span[1]
                conditions.append(Condition(name, op, m.value, m.currency, text[fstart:qend], (fstart, qend), alt))

    for i, (k, m) in enumerate(mentions):
        if k == "a":
            facts.amounts.append(amount_items[i])
            continue
        ctx = ctxs[i]
        before = text[ctx.before_start:m.span[0]]
        after = text[m.span[1]:ctx.after_end]
        kind, base_span = "rate", None
        ratio = None
        if _SHARE_AFTER_RE.match(after):
            kind = "share"
            sb = _SHARE_BASE_RE.search(before)
            if sb:
                base_span = _trim(text, ctx.before_start + sb.start("base"), ctx.before_start + sb.end("base"),
                                  _BASE_TRIM_LEAD, _BASE_TRIM_TAIL)
        else:
            ratio = _ratio_field(text, ctx.before_start, m.span[0], ctx.sentence[0])
            if ratio and (m.operator in _COMPARATORS):
                kind = "threshold"
            elif _SUPPORT_BEFORE_RE.search(before) or _SUPPORT_AFTER_RE.match(after):
                kind = "cap" if m.operator in ("<=", "<") else "support_rate"
                base_span = _rate_base(text, m, ctx)
        if facts.percentages and i > 0 and mentions[i - 1][0] == "r" \
                and _LIST_GAP_RE.fullmatch(text, mentions[i - 1][1].span[1], m.span[0]):
            prev_item = facts.percentages[-1]  # "境内、境外分别按20%、50%给予补助": one list
            if kind == "rate":
                kind = prev_item.kind
            if base_span is None and kind == prev_item.kind:
                base_span = prev_item.base_span
        value = m.value
        facts.percentages.append(RateItem(
            kind, value, m.low, m.high, m.qualifier, m.operator,
            text[base_span[0]:base_span[1]] if base_span else None, base_span, m.quote, m.span))
        if kind == "threshold" and ratio:
            name, fstart = ratio
            fstart = min(fstart, m.span[0])
            for v, op in _rate_bounds(m):
                conditions.append(Condition(name, op, v, "ratio", text[fstart:m.span[1]], (fstart, m.span[1])))

    conditions.extend(_count_conditions(text, start, end))
    conditions.sort(key=lambda c: (c.span, c.alternative_group or ""))
    facts.conditions = conditions
    return facts


def _whole_cny(value: float, currency: str) -> int | None:
    """Whole yuan, or None for a fraction of a yuan (0.1元/千瓦时 is no 0 yuan)."""
    cny = to_cny(value, currency)
    return cny if cny is not None and cny == value else None


def _period(sentence_before: str) -> str | None:
    """annual / total from the nearest of 每年… and 累计/总额/N年… before a budget."""
    annual = [m.end() for m in _ANNUAL_RE.finditer(sentence_before)]
    total = [m.end() for m in _TOTAL_RE.finditer(sentence_before)]
    if not annual and not total:
        return None
    return "annual" if max(annual, default=-1) > max(total, default=-1) else "total"


def _rate_bounds(m: RateMention) -> list[tuple[float, str]]:
    if m.value is not None:
        return [(m.value, m.operator)] if m.operator else []
    # a range as a condition: 增长10%—20% → >= low and <= high
    return [(m.low, ">="), (m.high, "<=")]


def _rate_base(text: str, m: RateMention, ctx: _Ctx) -> Span | None:
    """What a support rate applies to."""
    # "最高不超过实际发生费用的 20%": the words between the qualifier and the number
    if m.prefix_span and m.prefix_span[1] < m.value_span[0]:
        gap = _trim(text, m.prefix_span[1], m.value_span[0], re.compile(r"(?:\s|给予|予以|按照|按)+"), _BASE_TRIM_TAIL)
        if gap:
            return gap
    before_s, before_e = ctx.before_start, m.span[0]
    piece = text[before_s:before_e]
    # "按实际研发投入最高 30%", "按同期一年期贷款市场报价利率（LPR）给予最高 100%"
    an = list(re.finditer(r"按照|按", piece))
    if an:
        span = _trim(text, before_s + an[-1].end(), before_e, _BASE_TRIM_LEAD, _BASE_TRIM_TAIL)
        if span:
            return span
        # "对企业研发投入按最高 30%": the object of 对
        dui = piece.rfind("对", 0, an[-1].start())
        if dui >= 0:
            return _trim(text, before_s + dui + 1, before_s + an[-1].start(), _BASE_TRIM_LEAD, _BASE_TRIM_TAIL)
        return None
    # "给予项目总投资的30%", "给予融资额1%的奖励"
    verbs = list(_BASE_AFTER_VERB_RE.finditer(piece))
    if verbs or piece.rstrip().endswith(("的", "之")):
        s = before_s + (verbs[-1].end() if verbs else 0)
        span = _trim(text, s, before_e, _BASE_TRIM_LEAD, _BASE_TRIM_TAIL)
        if span and span[1] - span[0] <= 16 and not _AWARD_VERB_RE.search(text, span[0], span[1]):
            return span
    return None


def _count_conditions(text: str, start: int, end: int) -> Iterable[Condition]:
    for m in _PERSONS_RE.finditer(text, start, end):
        q = m["suf"] or m["pre"]
        if not q:
            continue
        name = "rd_staff" if m["field"] == "研发人员" else "employees"
        yield Condition(name, _COUNT_OPS[q], float(m["num"]), "persons", m.group(0), m.span())
    for m in _FOUNDED_RE.finditer(text, start, end):
        q = m["suf"] or m["pre"]
        if not q:
            continue
        try:
            n = cn_numeral_to_int(m["num"])
        except ValueError:
            continue
        value = float(n) if m["unit"] == "年" else n / 12
        yield Condition("founded_years", _COUNT_OPS[q], value, "years", m.group(0), m.span())


# --------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------

def extract_document(doc: ParsedDocument) -> ParsedDocument:
    """Fill the facts of every clause and section, and the document's rules (in place; returned)."""
    text = doc.document.text
    doc.rules = []
    for sec in doc.sections:
        if sec.text_span:
            f = extract_span(text, sec.text_span[0], sec.text_span[1], sec.id)
            sec.amounts, sec.percentages, sec.conditions = f.amounts, f.percentages, f.conditions
        else:
            sec.amounts, sec.percentages, sec.conditions = [], [], []
    for c in doc.clauses:
        f = extract_span(text, c.span[0], c.span[1], c.id)
        c.amounts, c.percentages, c.conditions = f.amounts, f.percentages, f.conditions
        # the clause's budget: a floor per unit (每个不少于X) says nothing of the total, so it is none
        floor = next((a for a in f.amounts if a.kind == "budget_floor" and a.value_cny is not None and a.per is None),
                     None)
        c.budget_floor_cny = floor.value_cny if floor else None
        c.budget_period = floor.period if floor else None
        scale = next((a for a in f.amounts if a.kind == "fund_scale" and a.value_cny is not None), None)
        c.fund_scale_cny = scale.value_cny if scale else None
        doc.rules.extend(extract_rules(text, c.id, c.span, f))
    return doc
