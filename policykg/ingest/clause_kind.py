"""Which numbered clauses of a policy are measures: ``measure`` | ``item`` | ``annex``.

Two sources of evidence, in order:

1. The clause's own opening words (:func:`non_measure_reason`). Some 第N条 articles are never
   measures whatever heading they sit under: the purpose and basis of the document (为…，根据…，制定本办法),
   definitions (本办法所称…是指), the scope (本办法适用于), the funding source (设立…引导资金，列入县财政
   预算 / 县财政每年安排旅游引导资金… / 所需资金由…列支), supervision and sanctions (监督检查, 弄虚作假,
   追回), the interpretation (由…负责解释) and the commencement (本办法自…起施行). Of other numbered
   items, only a funding source.
2. The titles of the enclosing sections, innermost first (附则 → annex; 总则, 保障措施, 申报程序,
   政策兑现, 其他 … → item; 措施, 支持, 奖励 … → measure), else the document's title (a 若干政策 /
   实施意见 / 管理办法 numbers its measures).

Only the opening sentence counts for (1): a measure whose later sentences name its budget or its
procedure ("每年安排预算不少于2亿元，用于…" after the title "鼓励企业加大创新投入。") stays a measure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ANNEX_RE", "MEASURE_DOC_RE", "MEASURE_RE", "NOT_MEASURE_RE", "clause_kind", "non_measure_reason"]

ANNEX_RE = re.compile(r"附\s*则")
#: section titles over clauses that are no measures
NOT_MEASURE_RE = re.compile(
    r"总则|总体要求|指导思想|基本原则|目标任务|总体目标|发展目标|主要目标|工作目标|保障措施|保障机制|组织保障|"
    r"组织实施|组织领导|实施保障|监督管理|监督检查|法律责任|罚则|职责分工|工作要求|申报程序|申报流程|兑现程序|资金管理|"
    r"适用范围|申报(?:和|与|及)?(?:审核|审批|受理|兑现|评审)|审核(?:和|与|及)?(?:拨付|兑现)|管理职责|部门职责|绩效(?:评价|管理)|"
    r"监督(?:和|与|及)?(?:管理|检查|评估)|名词解释|术语|申报条件|申报要求|申报材料|工作机制|"
    r"政策兑现|兑现(?:流程|方式|办法)|^其他(?:事项|规定|条款)?$")
#: section titles over measures
MEASURE_RE = re.compile(
    r"措施|举措|政策|扶持|支持|奖励|补助|补贴|资助|重点任务|主要任务|扶持内容|支持内容|支持方向")
#: documents whose numbered items are measures unless a heading says otherwise (总则, 保障措施, 附则 …)
MEASURE_DOC_RE = re.compile(r"措施|政策|意见|扶持|支持|奖励|补助|补贴|资助|办法|细则|条例|规定|方案")

# the document naming itself: 本办法, 本细则, 本意见, 本政策, 本实施意见 …
_SELF = r"本(?:实施)?(?:法|办法|细则|意见|政策|措施|规定|方案|通知|条例|决定|规则|指引|若干意见|若干政策|若干措施)"
_FUND = r"(?:引导|专项|发展|扶持|奖励|奖补)资金|资金池"
_OPENING_RULES: list[tuple[str, re.Pattern[str]]] = [
    # 为加快…，根据《…》，制定本办法 / 依据《吉林省促进中小企业发展条例》,制定如下实施意见
    ("purpose", re.compile(rf"^(?:为了?|根据|依据|按照)[^。]*?制定(?:{_SELF}|本|如下|以下)")),
    ("definition", re.compile(rf"^{_SELF}(?:中|所)?(?:所称|所指|所述)")),
    ("scope", re.compile(rf"^{_SELF}(?:的)?适用(?:于|范围|对象)")),
    # 设立总规模不低于1亿元的重点产业发展引导资金，列入县财政预算 / 县财政每年安排旅游引导资金1000万元
    ("funding", re.compile(
        rf"^(?:[省市县区镇]级?)?(?:财政|政府)?(?:每年|每年度|年度|连续\S{{1,3}}年)?"
        rf"(?:设立|安排|统筹|筹集|筹措|列支)[^。；，]{{0,40}}?(?:{_FUND})"
        r"|^(?:[^。]{0,12}所需)?(?:资金|经费)(?:来源|保障|由|从|在|列入)"
        r"|^资金(?:来源|保障)")),
    ("supervision", re.compile(r"^[^。]{0,40}(?:监督检查|审计监督|弄虚作假|骗取|套取|追回|追缴|闲置费|无偿收回)")),
    ("interpretation", re.compile(rf"^[^。]{{0,20}}由[^。]{{1,40}}负责解释|^{_SELF}[^。]{{0,6}}解释权")),
    ("commencement", re.compile(rf"^{_SELF}[^。]{{0,8}}(?:自|从|于)[^。]{{0,30}}(?:施行|实施|执行|生效)"
                                rf"|^{_SELF}[^。]{{0,4}}有效期")),
]
_OPENING_STOP = re.compile(r"[。；;！？!?\n]")
_BENEFICIARY_RE = re.compile(r"对[^。]{1,40}?(?:给予|予以|奖励|补助|补贴|资助)")


def non_measure_reason(body: str) -> str | None:
    """Why a clause is no measure, from its opening sentence: ``purpose``, ``definition``, ``scope``,
    ``funding``, ``supervision``, ``interpretation``, ``commencement``; None when it may be one."""
    text = "".join(body.split())
    stop = _OPENING_STOP.search(text)
    opening = text[:stop.start() + 1] if stop else text
    for reason, rx in _OPENING_RULES:
        if rx.search(opening):
            if reason == "funding" and _BENEFICIARY_RE.search(opening):
                continue  # "每年安排专项资金，对…给予奖励": a measure that names its budget first
            return reason
    return None


def clause_kind(titles: Iterable[str], doc_title: str, body: str, *, article: bool) -> str:
    """``measure`` | ``item`` | ``annex`` for a clause with ``body`` under sections titled ``titles``
    (innermost first) in a document titled ``doc_title``. A 第N条 ``article`` is no measure for any
    reason of :func:`non_measure_reason`; other numbered items only for a funding source (a list of
    measures may end with "三、本措施自2024年4月1日起施行" numbered among them, read as one of them)."""

    def not_measure() -> bool:
        reason = non_measure_reason(body)
        return reason is not None and (article or reason == "funding")

    for title in titles:
        title = "".join(title.split())  # "附　则" → "附则"
        if ANNEX_RE.search(title):
            return "annex"
        if NOT_MEASURE_RE.search(title):
            return "item"
        if MEASURE_RE.search(title):
            return "item" if not_measure() else "measure"
    if not MEASURE_DOC_RE.search(doc_title):
        return "item"
    return "item" if not_measure() else "measure"
