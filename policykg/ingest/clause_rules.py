"""Rules a clause states: instruments of an enumerated list, stacking, upgrade, override and repeal.

See :mod:`policykg.ingest.extract` for the kinds and policies; :func:`extract_rules` reads one clause,
given the facts (percentages, conditions) already extracted from it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import Any

from policykg.ingest.document import Rule, ScopeFacts, Span

__all__ = ["Rule", "extract_rules"]

_SENTENCE_STOPS = "。；;！？!?\n"


_ITEM_RE = re.compile(
    r"(?:[（(]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[）)]|[①-⑳]|(?<![\d.])\d{1,2}\s*[.．、])\s*(?P<name>[^（）()：:，。；\n]{2,14}?"
    r"(?:资助|支持|补助|补贴|奖励|贴息|扶持|激励|奖补|补偿))\s*[：:]")
_INSTRUMENT_TYPES: list[tuple[str, re.Pattern[str]]] = [
    ("interest_subsidy", re.compile(r"贴息")),
    ("rd_support", re.compile(r"研发")),
    ("rent_subsidy", re.compile(r"房租|租金|租赁")),
    ("market_expansion", re.compile(r"市场|营销|拓展")),
    ("talent_support", re.compile(r"人才")),
    ("guarantee_subsidy", re.compile(r"担保")),
    ("insurance_subsidy", re.compile(r"保险|保费")),
    ("investment_support", re.compile(r"投资")),
    ("project_support", re.compile(r"项目")),
]
_DOMESTIC_RE = re.compile(r"境内|国内")
_OVERSEAS_RE = re.compile(r"境外|海外|国外|国际")
_TARGET_RE = re.compile(r"^\s*对(?P<t>[^。；]+?)(?:，|,|可按照|可按|按照|按|给予|予以)")
_TARGET_NOUN_RE = re.compile(r"(?:项目|企业|单位|机构|主体|人才|团队)$")

_STACKING: list[tuple[str, re.Pattern[str]]] = [
    ("highest_once", re.compile(r"从优[、，,\s]*从高[、，,\s]*不重复|就高不重复|从高不重复|择优不重复|就高[、，,\s]*不重复|"
                                r"按(?:照)?(?:最高|就高)(?:标准|额度|档次)?(?:给予|执行|兑现|享受)")),
    ("choose_one", re.compile(r"择一|只能选择其中一项|选择其中一项|按其中一项")),
    ("cumulative", re.compile(r"(?<![不得予可])(?:可|允许|能够)?(?:叠加|累加)(?:享受|计算|支持)")),
    ("no_duplicate", re.compile(r"不(?:得|予|可|再)?重复(?:享受|资助|奖励|支持|补助|申报)|不(?:得|予|可|再)?(?:与[^。；]{0,12})?叠加")),
]
_UPGRADE_RE = re.compile(r"(?:晋升|升级|提升|升档|升至|进入)[^。；]{0,20}(?:补足差额|补齐差额|差额部分|补差)|就高补差|补足差额")
_OVERRIDE_RE = re.compile(
    r"与本(?P<self>意见|办法|通知|规定|细则|措施|政策|方案|决定)[^。；]{0,6}不一致的?[，,]?\s*"
    r"(?:均|一律)?(?:按照?|以|依照|依)本(?P=self)?(?:规定)?(?:执行|为准)")
_REPEAL_RE = re.compile(r"(?:同时|予以|即行)废止|停止执行")



def _fwd(text: str, pos: int, hi: int, stops: str) -> int:
    i = pos
    while i < hi and text[i] not in stops:
        i += 1
    return i


def _sentences(text: str, s: int, e: int) -> Iterable[Span]:
    """Sentences of text[s:e] (split after 。；!? and line ends), without the closing mark."""
    i = s
    while i < e:
        j = _fwd(text, i, e, _SENTENCE_STOPS)
        a, b = i, j
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            yield a, b
        i = j + 1


def _within(items: list[Any], starts: list[int], s: int, e: int) -> list[Any]:
    """The items (sorted by span) whose span lies within [s, e), in order."""
    return [x for x in items[bisect_left(starts, s):bisect_right(starts, e)] if s <= x.span[0] and x.span[1] <= e]


def extract_rules(text: str, clause_id: str, span: Span, facts: ScopeFacts) -> list[Rule]:
    """Rules stated in one clause: instruments of an enumerated list, stacking, upgrade, override."""
    s, e = span
    rules: list[Rule] = []

    def new_id() -> str:
        return f"{clause_id}-r{len(rules) + 1}"

    # instruments: "（1）研发资助：…（2）…"
    items = list(_ITEM_RE.finditer(text, s, e))
    rate_starts = [r.span[0] for r in facts.percentages]
    cond_starts = [c.span[0] for c in facts.conditions]
    for k, it in enumerate(items):
        body_s = it.end()
        body_e = items[k + 1].start() if k + 1 < len(items) else e
        name = it["name"].strip()
        name_span = (it.start("name"), it.start("name") + len(name))
        for ss, se in _sentences(text, body_s, body_e):
            rates = [r for r in _within(facts.percentages, rate_starts, ss, se) if r.kind in ("cap", "support_rate")]
            if not rates:
                continue
            prev = ss
            sentence = text[ss:se]
            t = _TARGET_RE.match(sentence)
            target = t["t"] if t else None
            if target is None:
                lead = sentence[:_fwd(sentence, 0, len(sentence), "，,")]
                if lead != sentence and _TARGET_NOUN_RE.search(lead):
                    target = lead
            itype = next((n for n, rx in _INSTRUMENT_TYPES if rx.search(sentence if n == "interest_subsidy" else name)),
                         None) or "support"
            conds = _within(facts.conditions, cond_starts, ss, se)
            for r in rates:
                local = text[prev:r.span[0]]
                scope = ("overseas" if _OVERSEAS_RE.search(local) else
                         "domestic" if _DOMESTIC_RE.search(local) else None)
                prev = r.span[1]
                if r.value is not None:
                    low = r.value if r.operator not in ("<=", "<") else None
                    high = r.value if r.operator not in (">=", ">") else None
                else:
                    low, high = r.low, r.high
                rules.append(Rule(new_id(), clause_id, "instrument", None, text[ss:se], (ss, se), name=name,
                                  name_span=name_span, instrument_type=itype, target=target, scope=scope,
                                  rate_low=low, rate_high=high, base=r.base, base_span=r.base_span,
                                  conditions=list(conds)))

    for ss, se in _sentences(text, s, e):
        sentence = text[ss:se]
        for policy, rx in _STACKING:
            if rx.search(sentence):
                rules.append(Rule(new_id(), clause_id, "stacking", policy, sentence, (ss, se)))
                break
        if _UPGRADE_RE.search(sentence):
            rules.append(Rule(new_id(), clause_id, "upgrade", "pay_difference", sentence, (ss, se)))
        if _OVERRIDE_RE.search(sentence):
            rules.append(Rule(new_id(), clause_id, "override", "this_prevails", sentence, (ss, se)))
        elif _REPEAL_RE.search(sentence):
            rules.append(Rule(new_id(), clause_id, "repeal", "repealed", sentence, (ss, se)))
    rules.sort(key=lambda r: (r.span, r.id))
    for n, r in enumerate(rules, start=1):
        r.id = f"{clause_id}-r{n}"
    return rules
