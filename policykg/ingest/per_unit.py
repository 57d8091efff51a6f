"""Per-unit money: the unit an amount is paid per, as Chinese policies print it.

Two ways of writing it:

- after the amount: ``100元/亩``, ``5元/人/夜``, ``3000元/年``, ``0.1元/千瓦时``, ``20元/平方米·月``;
- before it, in the same phrase: ``每间奖励2000元``, ``每块奖励1万元``, ``每千瓦时0.42元``,
  ``每满一万人奖励一万元`` (per 万人), ``每人每月补贴1000元`` (per 人/月).

``每年`` / ``每年度`` before an amount is its period (每年安排预算不少于2亿元), never a unit; nor is the
recipient (每家企业, 每个项目, 每户, 每人 alone): an amount per beneficiary is what each one gets.
"""

from __future__ import annotations

import re

__all__ = ["per_after", "per_before"]

_UNITS = (r"千瓦时|千瓦|兆瓦|瓦|kWh|KWh|kwh|kW|KW|MW|W|平方米|平米|㎡|立方米|亩|公顷|吨|公斤|千克|人次|人|户|家|"
          r"个|间|块|张|床|套|台|辆|头|只|株|批次|场|次|夜|晚|天|日|周|月|季度|年|篇|件|项|标箱|箱|公里|千米|米|"
          r"小时|课时|学时")
_AFTER_RE = re.compile(rf"\s*/\s*(?P<per>(?:{_UNITS})(?:\s*[/·]\s*(?:{_UNITS})){{0,2}})")
_COUNT = r"[\d.]+|[一二两三四五六七八九十百千万]+"
# units that may follow 每 before an amount; 个 only when no recipient noun follows (每个项目 is a recipient)
_BEFORE_UNITS = (r"千瓦时|千瓦|兆瓦|瓦|kWh|KWh|kW|KW|MW|平方米|平米|㎡|立方米|亩|公顷|吨|人次|人|间|块|张|床|套|台|"
                 r"辆|头|只|株|批次|场|次|夜|晚|天|日|周|月|季度|年度|年|篇|件|项|标箱|个")
# the unit is tried before a count, so that 每千瓦时 is per 千瓦时, not per 瓦 counted in thousands
_BEFORE_RE = re.compile(rf"每\s*满?\s*(?:(?P<u0>{_BEFORE_UNITS})|(?P<n>{_COUNT})\s*(?P<u>{_BEFORE_UNITS}))"
                        r"(?!企业|项目|单位|机构|团队|主体|家|户)")
_TIME = frozenset({"年", "年度"})
_STOPS = "，。；：、,;:\n（）()"


def per_after(folded: str, end: int, hi: int) -> tuple[str, int] | None:
    """``("亩", new_end)`` when ``folded[end:]`` continues an amount with "/亩" (within ``hi``)."""
    m = _AFTER_RE.match(folded, end, hi)
    if not m:
        return None
    return "".join(m["per"].split()), m.end()


def per_before(folded: str, start: int, lo: int) -> str | None:
    """The unit of "每X…" in the phrase before ``start`` (not before ``lo``): "间", "万人", "人/月"."""
    i = start
    while i > lo and folded[i - 1] not in _STOPS:
        i -= 1
    units = []
    for m in _BEFORE_RE.finditer(folded, i, start):
        u = m["u0"] or m["u"]
        if u in _TIME:
            continue  # 每年: the period of the amount
        n = (m["n"] or "").lstrip("1一")
        units.append(f"{n}{u}" if not n.startswith(".") else u)
    if units == ["人"]:
        return None  # 每人: the recipient
    return "/".join(units) or None
