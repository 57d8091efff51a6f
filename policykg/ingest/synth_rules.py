"""The rules a synthetic registry keeps, each written once: ``policykg synth`` shapes its figures with
them and checks every tier, selection and investment against them before writing it.

- ``PROFILES``: revenue per employee and R&D share by kind of industry (``INDUSTRY_PROFILE`` maps
  taxonomy ids to kinds; an industry not listed gets ``DEFAULT_PROFILE``).
- ``TIERS``: each tier's share among enterprises and its definition (national ones cited; the rest
  marked as judgements), checked by ``holds``. ``HQ_KINDS``: the category of a 总部企业, first match.
- ``ROUNDS``, ``FUND_KINDS``, ``MAX_DEAL_SHARE``: financing rounds and the funds that make them.
- ``PROGRAMME_RULES``: who a programme of each kind selects.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["DEFAULT_PROFILE", "FIRST_YEAR", "FUND_KINDS", "FundPool", "HQ_KINDS", "INDUSTRY_PROFILE", "LAST_YEAR",
           "MAX_DEAL_SHARE", "MIN_DEAL_SHARE", "PRE_REVENUE_MAX_AGE", "PRE_REVENUE_TINY", "PROFILES", "PROGRAMME_RULES", "ROUNDS", "TIERS", "Firm",
           "Profile", "ProgrammeRule", "TierRule", "holds", "required_rd_share", "WAN", "YI", "selectable"]

FIRST_YEAR, LAST_YEAR = 2023, 2024  # the financial years written (revenue_2023 … rd_spend_2024)
WAN, YI = 10_000, 100_000_000
INF = math.inf


@dataclass(frozen=True)
class Profile:
    rpe: float           # median revenue per employee (yuan)
    rpe_lo: float        # revenue per employee is kept within [rpe_lo, rpe_hi]
    rpe_hi: float
    rd_share: float      # median R&D spend / revenue
    pre_revenue: float   # share of young firms (age <= PRE_REVENUE_MAX_AGE) that have no revenue yet


PRE_REVENUE_MAX_AGE = 6
PRE_REVENUE_TINY = 50 * WAN   # a pre-revenue firm's revenue, when it reports one, is below this
PROFILES = {
    "software": Profile(55 * WAN, 30 * WAN, 300 * WAN, 0.08, 0.0),
    "ai": Profile(60 * WAN, 30 * WAN, 300 * WAN, 0.12, 0.15),
    "electronics": Profile(100 * WAN, 50 * WAN, 800 * WAN, 0.07, 0.0),
    "manufacturing": Profile(120 * WAN, 60 * WAN, 1200 * WAN, 0.04, 0.0),
    "biotech": Profile(80 * WAN, 40 * WAN, 600 * WAN, 0.10, 0.30),
    "commerce": Profile(150 * WAN, 50 * WAN, 2000 * WAN, 0.015, 0.0),
    "services": Profile(45 * WAN, 30 * WAN, 300 * WAN, 0.02, 0.0),
}
DEFAULT_PROFILE = "software"
_KINDS = {
    "software": ["ind-new-generation-it", "ind-data-elements", "ind-future-networks", "ind-digital-creative"],
    "ai": ["ind-ai", "ind-agi", "ind-brain-inspired-intelligence", "ind-new-generation-ai"],
    "electronics": ["ind-intelligent-iot", "ind-integrated-circuits", "ind-intelligent-computing", "ind-iot",
                    "ind-communication-equipment", "ind-quantum-sensing"],
    "manufacturing": ["ind-high-end-equipment", "ind-green-energy", "ind-humanoid-robots",
                      "ind-intelligent-connected-vehicles", "ind-low-altitude-economy", "ind-new-energy-storage",
                      "ind-new-energy", "ind-energy-saving-environmental", "ind-new-materials",
                      "ind-new-manufacturing", "ind-smart-manufacturing-supply", "ind-smart-manufacturing"],
    "biotech": ["ind-life-health", "ind-zero-magnetic-medical-equipment", "ind-biomedicine"],
    "commerce": ["ind-e-commerce", "ind-new-e-commerce", "ind-cross-border-e-commerce",
                 "ind-live-streaming-e-commerce", "ind-social-e-commerce", "ind-vertical-e-commerce",
                 "ind-content-e-commerce"],
    "services": ["ind-cultural-creative", "ind-culture", "ind-events-performance-sports-tourism", "ind-sports",
                 "ind-performance-events", "ind-modern-services"],
}
INDUSTRY_PROFILE = {ind: kind for kind, ids in _KINDS.items() for ind in ids}


@dataclass
class Firm:
    """The true figures of one enterprise (before cells are blanked as missing)."""
    founded: int                 # year
    employees: int
    revenue: dict[int, int | None]   # year -> yuan; None: no revenue reported (pre-revenue)
    rd: dict[int, int | None]
    capital: int                 # registered capital, yuan
    listed: bool = False
    pre_revenue: bool = False    # R&D funded by capital: revenue None or below PRE_REVENUE_TINY

    @property
    def age(self) -> int:
        return LAST_YEAR - self.founded


@dataclass(frozen=True)
class TierRule:
    """A tier's definition; a bound left as None does not apply."""
    share: float = 0.0                   # drawn for this share of enterprises (0: derived, see HQ_KINDS)
    scale: float = 1.0                   # how much bigger (employees) a holder is than a firm without
    source: str = ""
    min_age: int = 0                     # years from founding to LAST_YEAR
    max_age: int | None = None
    max_employees: int | None = None
    min_revenue: float | None = None     # LAST_YEAR revenue, yuan
    max_revenue: float | None = None
    rd_share: tuple[tuple[float, float], ...] = ()  # (revenue up to, min R&D share), first band that fits
    min_rd: float | None = None          # LAST_YEAR R&D spend, yuan
    min_growth: float | None = None      # revenue growth FIRST_YEAR -> LAST_YEAR
    min_capital: float | None = None
    pre_revenue_ok: bool = False         # a firm without revenue may hold it (R&D > 0 stands for the share)
    listed: bool | None = None
    not_with: tuple[str, ...] = ()       # tiers a holder cannot also hold


_HNTE = ((5000 * WAN, 0.05), (2 * YI, 0.04), (INF, 0.03))
TIERS: dict[str, TierRule] = {
    # 《科技型中小企业评价办法》（国科发政〔2017〕115号）第六条: 职工总数不超过500人、年销售收入不超过2亿元；
    # 综合评价不低于60分: 研发费用占销售收入低于2%时研发投入指标得0分, 余下指标合计不足60分.
    "科技型中小企业": TierRule(0.18, 1.0, "国科发政〔2017〕115号", max_employees=500, max_revenue=2 * YI,
                            rd_share=((INF, 0.02),), pre_revenue_ok=True),
    # 《高新技术企业认定管理办法》（国科发火〔2016〕32号）第十一条: 注册成立一年以上; 研发费用占销售收入
    # ≥5% (≤5000万), ≥4% (5000万–2亿), ≥3% (>2亿).
    "高新技术企业": TierRule(0.08, 2.0, "国科发火〔2016〕32号", min_age=1, rd_share=_HNTE),
    "科技型企业": TierRule(0.04, 1.0, "judgement: R&D at least 1% of revenue", rd_share=((INF, 0.01),),
                          pre_revenue_ok=True),
    "外贸企业": TierRule(0.03, 1.5, "judgement: a trading firm has revenue", min_revenue=1),
    # 《优质中小企业梯度培育管理暂行办法》（工信部企业〔2022〕63号）专精特新中小企业认定标准: 细分市场2年以上;
    # 上年度研发费用不低于100万元且占营业收入不低于3%; 营业收入1000万元以上; 中小企业
    # (工信部联企业〔2011〕300号, 工业: 从业人员1000人以下、营业收入4亿元以下).
    "专精特新企业": TierRule(0.02, 4.0, "工信部企业〔2022〕63号", min_age=2, max_employees=999,
                          min_revenue=1000 * WAN, max_revenue=4 * YI, rd_share=((INF, 0.03),), min_rd=100 * WAN),
    # 瞪羚企业 (科技部火炬中心的口径): 成立10年以内, 收入快速增长; judgement: 收入1000万元以上, 增长20%以上.
    "瞪羚企业": TierRule(0.015, 5.0, "科技部火炬中心; thresholds judgement", min_age=2, max_age=10,
                       min_revenue=1000 * WAN, min_growth=0.20),
    # 首次公开发行: 持续经营3年以上 (《首次公开发行股票注册管理办法》第十条); judgement: 收入1亿元以上.
    "拟上市企业": TierRule(0.005, 8.0, "证监会令第205号; revenue judgement", min_age=3, min_revenue=YI,
                         listed=False, not_with=("上市企业",)),
    # 科创板/创业板: 发行后股本总额不低于3000万元; 科创板第五套标准容许未盈利、未有收入的企业.
    "上市企业": TierRule(0.003, 25.0, "科创板/创业板上市规则", min_age=3, min_capital=3000 * WAN,
                       pre_revenue_ok=True, listed=True),
    "总部企业": TierRule(0.003, 15.0, "judgement: large capital and revenue", min_age=1, min_capital=5000 * WAN,
                       min_revenue=YI),
    "领军企业": TierRule(0.001, 40.0, "judgement", min_age=3, min_revenue=5 * YI),
    "链主企业": TierRule(0.0005, 30.0, "judgement", min_age=3, min_revenue=10 * YI),
    # 新型研发机构 (浙江省认定口径): 研发经费支出占年收入总额30%以上.
    "新型研发机构": TierRule(0.0005, 1.0, "浙江省新型研发机构认定; judgement", rd_share=((INF, 0.30),),
                          pre_revenue_ok=True),
}
# The category of a 总部企业 (measure 13: 按规模型总部、研发型总部、上市企业总部、其他总部等分类): the first
# that holds. Thresholds are judgements.
HQ_KINDS: dict[str, TierRule] = {
    "上市企业总部": TierRule(listed=True),
    "规模型总部": TierRule(min_revenue=10 * YI),
    "研发型总部": TierRule(min_rd=5000 * WAN),
    "其他总部": TierRule(),
}


def required_rd_share(rule: TierRule, revenue: float) -> float:
    for upto, share in rule.rd_share:
        if revenue <= upto:
            return share
    return 0.0


def holds(rule: TierRule, f: Firm) -> bool:
    """Whether ``f`` meets ``rule`` on its true figures."""
    age = f.age
    if age < rule.min_age or (rule.max_age is not None and age > rule.max_age):
        return False
    if rule.max_employees is not None and f.employees > rule.max_employees:
        return False
    if rule.listed is not None and f.listed != rule.listed:
        return False
    if rule.min_capital is not None and f.capital < rule.min_capital:
        return False
    rev, rd = f.revenue[LAST_YEAR], f.rd[LAST_YEAR]
    if f.pre_revenue and not rule.pre_revenue_ok:
        return False
    has_revenue = bool(rev) and not f.pre_revenue
    if rule.min_revenue is not None and (rev or 0) < rule.min_revenue:
        return False
    if rule.max_revenue is not None and (rev or 0) > rule.max_revenue:
        return False
    if rule.min_rd is not None and (rd or 0) < rule.min_rd:
        return False
    if rule.rd_share:
        if not has_revenue:
            if not rd:
                return False
        else:
            # over the years reported, as the definitions take it (近三个会计年度 … 同期销售收入)
            years = [y for y in f.revenue if f.revenue[y] and f.rd[y] is not None]
            spent, sold = sum(f.rd[y] for y in years), sum(f.revenue[y] for y in years)
            if spent < required_rd_share(rule, rev) * sold:
                return False
    if rule.min_growth is not None:
        before = f.revenue.get(FIRST_YEAR)
        if not before or rev < (1 + rule.min_growth) * before:
            return False
    return True


# --- financing -------------------------------------------------------------------------------------
# round -> (amount low, amount high in yuan, fund kinds that make it)
ROUNDS: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "天使轮": (50 * WAN, 500 * WAN, ("天使投资基金", "创业投资基金")),
    "Pre-A轮": (300 * WAN, 2000 * WAN, ("天使投资基金", "创业投资基金")),
    "A轮": (1000 * WAN, 6000 * WAN, ("创业投资基金", "政府引导基金")),
    "B轮": (3000 * WAN, 2 * YI, ("创业投资基金", "产业投资基金", "政府引导基金")),
    "C轮": (8000 * WAN, 5 * YI, ("产业投资基金", "政府引导基金")),
    "D轮": (1.5 * YI, 10 * YI, ("产业投资基金", "并购基金")),
    "Pre-IPO": (YI, 8 * YI, ("产业投资基金", "并购基金")),
    "战略投资": (5000 * WAN, 10 * YI, ("产业投资基金", "并购基金")),
}
# fund kind -> (size low, size high in yuan)
FUND_KINDS: dict[str, tuple[float, float]] = {
    "天使投资基金": (5000 * WAN, 5 * YI),
    "创业投资基金": (2 * YI, 30 * YI),
    "政府引导基金": (10 * YI, 100 * YI),
    "产业投资基金": (10 * YI, 100 * YI),
    "并购基金": (20 * YI, 100 * YI),
}
# A deal is at most this share of its fund's size (the usual single-project concentration limit) and at
# least MIN_DEAL_SHARE of it (a fund does not write cheques too small to follow).
MAX_DEAL_SHARE, MIN_DEAL_SHARE = 0.20, 0.001


class FundPool:
    """Funds made as deals need them: a deal goes to an open fund of a kind that makes such rounds, with
    room left and of a size the deal fits (MIN_DEAL_SHARE … MAX_DEAL_SHARE of it), else to a new fund.
    So no fund is invested beyond its size."""

    def __init__(self, rng: random.Random, first: int) -> None:
        self.rng = rng
        self.rows: list[tuple[str, int]] = []            # (kind, size in yuan), in order of creation
        self.open: dict[str, list[list[int]]] = {k: [] for k in FUND_KINDS}  # [index, room left]
        kinds = list(FUND_KINDS)
        for j in range(first):
            self._new(kinds[j % len(kinds)], 0)

    def _new(self, kind: str, amount: int) -> list[int]:
        lo, hi = FUND_KINDS[kind]
        size = lo * (hi / lo) ** self.rng.random()
        if amount:
            size = min(max(size, amount / MAX_DEAL_SHARE), amount / MIN_DEAL_SHARE)
        size = math.ceil(size / 1_000_000) * 1_000_000  # written in 亿元 to two decimals: exact
        if amount and size * MIN_DEAL_SHARE > amount:
            size -= 1_000_000
        slot = [len(self.rows), size]
        self.rows.append((kind, size))
        self.open[kind].append(slot)
        return slot

    def place(self, kinds: tuple[str, ...], amount: int) -> int:
        """The index of the fund that makes a deal of ``amount`` yuan."""
        rand = self.rng.random
        for _ in range(3):
            pool = self.open[kinds[int(rand() * len(kinds))]]
            if not pool:
                continue
            k = int(rand() * len(pool))
            slot = pool[k]
            size = self.rows[slot[0]][1]
            if amount <= slot[1] and MIN_DEAL_SHARE * size <= amount <= MAX_DEAL_SHARE * size:
                break
        else:
            kind = kinds[int(rand() * len(kinds))]
            pool = self.open[kind]
            slot = self._new(kind, amount)
            k = len(pool) - 1
            size = slot[1]
        slot[1] -= amount
        if slot[1] < size * 0.02:  # spent: closed to new deals
            pool[k] = pool[-1]
            pool.pop()
        return slot[0]


# --- programmes -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeRule:
    max_age_at_selection: int | None = None   # selection year - founding year
    max_employees: int | None = None
    min_revenue: float | None = None
    min_age: int = 0


# by the programme's kind in the taxonomy (talent | enterprise); judgements: talent programmes (5050计划,
# 青链行动 …) select start-ups of talents, within their first years; enterprise programmes the larger firms.
PROGRAMME_RULES: dict[str, ProgrammeRule] = {
    "talent": ProgrammeRule(max_age_at_selection=3, max_employees=100),
    "enterprise": ProgrammeRule(min_revenue=YI, min_age=3),
}


def selectable(rule: ProgrammeRule, f: Firm) -> bool:
    """Whether ``f`` could be selected by a programme of ``rule`` (its selection year aside)."""
    if rule.max_employees is not None and f.employees > rule.max_employees:
        return False
    if rule.min_revenue is not None and (f.revenue[LAST_YEAR] or 0) < rule.min_revenue:
        return False
    return f.age >= rule.min_age
