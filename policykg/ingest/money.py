"""Money amounts and percentages as Chinese policy documents and registry tables write them.

Two kinds of use:

- **Cells** (tabular imports, user input): :func:`parse_amount` reads one value such as
  ``"5000万元"``, ``"1.2亿"``, ``"1,000万美元"``, ``"300万 USD"``, ``"80000000"``, ``"２．５亿元"``
  and gives an :class:`Amount` in base units (2亿元 → 200000000.0 CNY); :func:`parse_percentage`
  reads ``"30%"``, ``"百分之三十"`` as a fraction (0.3); :func:`to_cny` gives whole yuan for CNY
  amounts and ``None`` for other currencies (no exchange rates are invented).
- **Running text**: :func:`find_amounts` and :func:`find_percentages` find every mention in
  ``text[start:end]``, with the qualifier printed around it (不少于 / 不低于 / 最高 / 不超过 / 超过 /
  达到 … before, 以上 / 以下 / 以内 … after), the comparison it means (``operator``), and spans that
  are offsets into the *whole* ``text``: ``text[m.span[0]:m.span[1]] == m.quote``.

Amounts in running text need a currency (元, 万元, 亿元, 美元, USD, US$, 港元, HKD, 欧元, EUR, 人民币 …),
or a 万/亿 multiplier in a money context ("营业收入超过5000万的"), so that 3万平方米 or 5050计划 are not
taken for money. Numbers may use full-width digits, thousands separators (1,000) and spaces
("不少于 1 亿元"); Chinese numerals are read where a 万/亿 multiplier follows (五千万元, 两亿元).

Percentages: ``30%``, ``30％``, ``0.5‰``, ranges ``5%—10%`` / ``5—10%`` with any dash (— – - － ～ ~ 〜 至 到),
and ``百分之三十`` / ``百分之五至百分之十`` / ``千分之五``. Values are fractions (30% → 0.3).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from policykg.ingest.per_unit import per_after, per_before
from policykg.ingest.text import cn_numeral_to_int

__all__ = [
    "CURRENCIES",
    "OPERATORS",
    "Amount",
    "AmountMention",
    "RateMention",
    "find_amounts",
    "find_percentages",
    "parse_amount",
    "parse_percentage",
    "to_cny",
]

Span = tuple[int, int]

#: currency words and symbols as printed → ISO 4217 code
CURRENCIES: dict[str, str] = {
    "元": "CNY", "元人民币": "CNY", "人民币": "CNY", "人民币元": "CNY", "RMB": "CNY", "CNY": "CNY",
    "¥": "CNY", "￥": "CNY",
    "美元": "USD", "美金": "USD", "USD": "USD", "US$": "USD", "$": "USD",
    "港元": "HKD", "港币": "HKD", "HKD": "HKD", "HK$": "HKD",
    "欧元": "EUR", "EUR": "EUR", "€": "EUR",
    "日元": "JPY", "JPY": "JPY",
    "英镑": "GBP", "GBP": "GBP", "£": "GBP",
}
_CODES = frozenset(CURRENCIES.values())

_MULTIPLIERS: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
    "万": Decimal(10) ** 4, "千": Decimal(10) ** 3,
}

#: qualifier as printed → comparison operator (None: approximate or no direction)
OPERATORS: dict[str, str | None] = {
    # at least
    "不少于": ">=", "不低于": ">=", "不小于": ">=", "至少": ">=", "最少": ">=", "最低": ">=", "达到": ">=",
    "达": ">=", "满": ">=", "以上": ">=", "及以上": ">=", "或以上": ">=",
    # more than
    "超过": ">", "高于": ">", "多于": ">", "大于": ">", "逾": ">", "突破": ">",
    # at most
    "最高不超过": "<=", "最高不高于": "<=", "最多不超过": "<=", "最高可达": "<=", "最高": "<=", "最多": "<=",
    "不超过": "<=", "不高于": "<=", "不多于": "<=", "不大于": "<=", "以下": "<=", "及以下": "<=",
    "或以下": "<=", "以内": "<=", "之内": "<=",
    # less than
    "低于": "<", "少于": "<", "小于": "<", "不足": "<", "不满": "<", "未满": "<",
    # approximately
    "约": None, "近": None, "左右": None,
}


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amount:
    """A money amount: ``value`` in units of ``currency`` (2亿元 → 200000000.0, "CNY")."""

    value: float
    currency: str       # ISO 4217: CNY, USD, HKD, EUR, JPY, GBP
    unit_text: str      # the unit as printed, spaces removed: "亿元", "万美元", "万USD", "" for a bare number


@dataclass(frozen=True)
class AmountMention:
    """A money amount found in running text."""

    value: float
    currency: str
    unit_text: str
    qualifier: str | None      # as printed: "不少于", "以上", "最高"; both sides joined by "…" ("达到…以上")
    operator: str | None       # ">=", ">", "<=", "<" or None
    quote: str                 # == text[span[0]:span[1]]: the qualifier(s), the number and the unit
    span: Span
    value_span: Span           # the number and its unit alone
    range_role: str | None = None  # "low" / "high" for the two ends of "10万—50万元"
    per: str | None = None         # the unit it is paid per: "亩" (100元/亩, 每亩100元), "人/夜", "千瓦时"


@dataclass(frozen=True)
class RateMention:
    """A percentage found in running text; a single rate has ``value``, a range ``low`` and ``high``."""

    value: float | None
    low: float | None
    high: float | None
    qualifier: str | None
    operator: str | None
    quote: str                 # == text[span[0]:span[1]]
    span: Span
    value_span: Span           # the percentage (or range) alone
    prefix_span: Span | None = None  # the qualifier before it, when there is one
    suffix_span: Span | None = None  # the qualifier after it (以上 …)


# --------------------------------------------------------------------------------------------
# Patterns (run on a "folded" copy of the text: full-width ASCII → ASCII, same length)
# --------------------------------------------------------------------------------------------

# full-width ！..～ → ASCII, U+3000 → space; "，" stays (it separates list items, not thousands)
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if cp != 0xFF0C}
_FOLD[0x3000] = 0x20
_FOLD[0x301C] = ord("~")  # 〜 wave dash
_FOLD[0x2212] = ord("-")  # − minus sign


def _fold(s: str) -> str:
    return s.translate(_FOLD)


_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CN_DIGIT = "零〇一二两三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖"  # with the financial (uppercase) digits
_CN_DIGIT_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                   "八": 8, "九": 9, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4, "伍": 5, "陆": 6,
                   "陸": 6, "柒": 7, "捌": 8, "玖": 9}
# a Chinese numeral starts with a digit or 十/拾 (十亿元), not with 百/千 ("千万", "数百万" are no numbers)
_CN_SMALL = rf"(?:[{_CN_DIGIT}]|十|拾)[{_CN_DIGIT}十百千拾佰仟]*"
# 万/亿 inside a numeral when more digits follow (壹拾万柒仟元); a trailing 万/亿 is the multiplier
_CN_NUM = rf"{_CN_SMALL}(?:[万亿]零?{_CN_SMALL})*(?:点[{_CN_DIGIT}]+)?"
_MULT = r"万亿|千万|百万|亿|万|千"
_CUR_WORD = r"元人民币|人民币元|元|人民币|美元|美金|港元|港币|欧元|日元|英镑"
_CUR_CODE = r"(?:USD|HKD|EUR|RMB|CNY|JPY|GBP)(?![A-Za-z])"
_CUR_SUFFIX = rf"{_CUR_WORD}|US\$|HK\$|{_CUR_CODE}"
_CUR_PREFIX = rf"US\$|HK\$|{_CUR_CODE}|[$¥￥€£]"
_DASH = r"——|—|–|-|~|至|到"

_AMOUNT_BODY = (
    rf"(?:(?P<pre>{_CUR_PREFIX})\s*)?"
    rf"(?:(?<![\d.,])(?P<num>{_NUM})|(?<![{_CN_DIGIT}十百千拾佰仟点数几])(?P<cn>{_CN_NUM}))"
    rf"(?:\s*(?P<mult>{_MULT}))?"
    rf"(?:\s*(?P<cur>{_CUR_SUFFIX}))?"
)
_AMOUNT_RE = re.compile(_AMOUNT_BODY)
# "10万—50万元", "100-500万元": the low end takes the unit of the high end when it has none
_AMOUNT_RANGE_RE = re.compile(
    rf"(?<![\d.,])(?P<num1>{_NUM})(?:\s*(?P<mult1>{_MULT}))?(?:\s*(?P<cur1>{_CUR_SUFFIX}))?"
    rf"\s*(?:{_DASH})\s*"
    rf"(?P<num2>{_NUM})(?:\s*(?P<mult2>{_MULT}))?\s*(?P<cur2>{_CUR_SUFFIX})"
)
# "50、30、20万元", "5万、10万、20万元": the items before the last take its unit (and currency)
_AMOUNT_LIST_RE = re.compile(
    rf"(?<![\d.,])(?:{_NUM}(?:\s*(?:{_MULT}))?\s*(?:、|和|或|及)\s*)+{_NUM}(?:\s*(?:{_MULT}))?\s*(?:{_CUR_WORD})"
)
_LIST_ITEM_RE = re.compile(rf"(?P<num>{_NUM})(?:\s*(?P<mult>{_MULT}))?")
_LIST_CONTEXT_RE = re.compile(r"给予|奖励|补助|补贴|资助|扶持|分别|最高|不超过|达到|突破|超过|收入|金额|投资|规模|资金|标准|贴息|额")
_CELL_RE = re.compile(
    rf"\s*(?:(?P<pre>{_CUR_PREFIX})\s*)?(?:(?P<num>{_NUM})|(?P<cn>{_CN_NUM}))"
    rf"(?:\s*(?P<mult>{_MULT}))?(?:\s*(?P<cur>{_CUR_SUFFIX}))?\s*"
)
_UPPER_RE = re.compile("[壹贰貳叁參肆伍陆陸柒捌玖拾佰仟]")
_CENTS_RE = re.compile(rf"(?:零?(?P<jiao>[{_CN_DIGIT}])角)?(?:零?(?P<fen>[{_CN_DIGIT}])分)?(?<=[角分])")
_UNIT_RE = re.compile(rf"\s*(?P<mult>{_MULT})?\s*(?P<cur>{_CUR_SUFFIX})?\s*")



def _pct_num(name: str) -> str:
    return rf"(?<![\d.,])(?P<{name}>{_NUM})"


_PCT_RE = re.compile(
    # a range: 5%—10%, 5—10%, 5%至10%
    rf"{_pct_num('a')}\s*(?P<pa>%|‰)?\s*(?:{_DASH})\s*(?P<b>{_NUM})\s*(?P<pb>%|‰)"
    # one value: 30%
    rf"|{_pct_num('v')}\s*(?P<pv>%|‰)"
    # 百分之三十, 百分之五至百分之十, 千分之五
    rf"|(?P<ka>百分之|千分之)(?P<ca>{_CN_NUM})(?:\s*(?:{_DASH})\s*(?P<kb>百分之|千分之)?(?P<cb>{_CN_NUM}))?"
)

_PREFIX_Q = ("最高不超过|最高不高于|最多不超过|最高可达|不少于|不低于|不小于|不超过|不高于|不多于|不大于|"
             "不足|不满|未满|至少|最少|最低|最高|最多|超过|突破|高于|低于|少于|多于|大于|小于|达到|逾|约|近|达|满")
_PREFIX_ADJ_RE = re.compile(rf"(?:{_PREFIX_Q})\s*$")
# a qualifier a few words before the number: "最高不超过实际发生费用的 20%", "最高给予 500 万元"
_PREFIX_FAR = "最高不超过|最多不超过|最高可达|不少于|不低于|不超过|不高于|至少|最低|最高|最多"
_PREFIX_FAR_RE = re.compile(_PREFIX_FAR)
_SUFFIX_RE = re.compile(r"\s*(?:[（(]\s*含(?:本数)?\s*[）)]\s*)?(?P<q>及以上|或以上|以上|及以下|或以下|以下|以内|之内|左右)")
_STOP = set("，。；：,;:!?！？、\n（）()“”\"")
_FAR_GAP = 20
_MONEY_CONTEXT_RE = re.compile(
    r"收入|营收|资本|资金|投资|预算|销售|产值|金额|融资|规模|贷款|费用|奖励|资助|补助|补贴|税|利润|市值|估值|经费|投入")
_NOT_MONEY_AFTER_RE = re.compile(r"\s*(?:平方|亩|人|名|个|家|户|套|台|件|条|次|吨|千瓦|度|株|册|辆|只|头|张|份|项|粉丝|用户|"
                                 r"字|米|公里|千米|米|m|k|K|G|W|位|座|栋|间|床|小时|天|年|月|日)")


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

def _decimal(num: str | None, cn: str | None) -> Decimal:
    if num is not None:
        return Decimal(num.replace(",", ""))
    assert cn is not None
    whole, _, frac = cn.partition("点")
    value = Decimal(cn_numeral_to_int(whole)) if whole else Decimal(0)
    if frac:
        value += Decimal("0." + "".join(str(_CN_DIGIT_VALUE[ch]) for ch in frac))
    return value


def _scaled(num: str | None, cn: str | None, mult: str | None) -> Decimal:
    """The number times its multiplier; for a Chinese numeral the multiplier is read with it, since the
    numeral may hold a bigger unit itself (一亿两千 + 万 is 一亿两千万, not 一亿两千 × 10⁴)."""
    if cn is not None and "点" not in cn:
        return Decimal(cn_numeral_to_int(cn + (mult or "")))
    return _decimal(num, cn) * (_MULTIPLIERS[mult] if mult else 1)


def _float(d: Decimal) -> float:
    return float(d)


def _opt(d: Decimal | None) -> float | None:
    return None if d is None else float(d)


def _currency(pre: str | None, cur: str | None, where: str) -> str | None:
    codes = {CURRENCIES[x] for x in (pre, cur) if x}
    if len(codes) > 1:
        raise ValueError(f"two different currencies in {where!r}")
    return codes.pop() if codes else None


def _unit_text(*parts: str | None) -> str:
    return "".join("".join(p.split()) for p in parts if p)


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------

def parse_amount(text: str | int | float | Decimal, default_unit: str | None = None,
                 default_currency: str = "CNY", *, allow_negative: bool = False) -> Amount:
    """One amount, as in a table cell: ``"5000万元"`` → ``Amount(50000000.0, "CNY", "万元")``.

    ``default_unit`` applies when the cell has neither a multiplier nor a currency (a column headed
    "注册资本（万元）": ``parse_amount("5000", "万元")`` → 50000000.0 CNY); its currency also fills in
    when the cell has a multiplier only (``"5000万"`` with ``default_unit="万美元"`` → USD).
    ``default_currency`` is used when neither names one. Numbers (int/float/Decimal) are taken as
    they are. Raises ``ValueError`` saying why for empty cells, junk, NaN, two currencies, an
    unknown ``default_currency`` or ``default_unit``, and negative amounts unless ``allow_negative``.
    """
    if default_currency not in _CODES:
        raise ValueError(f"unknown currency {default_currency!r} (known: {', '.join(sorted(_CODES))})")
    d_mult, d_cur = Decimal(1), None
    if default_unit:
        m = _UNIT_RE.fullmatch(unicodedata.normalize("NFKC", default_unit))
        if not m or not (m["mult"] or m["cur"]):
            raise ValueError(f"not a unit: default_unit={default_unit!r} (e.g. 元, 万元, 亿元, 万美元, USD)")
        d_mult = _MULTIPLIERS[m["mult"]] if m["mult"] else Decimal(1)
        d_cur = CURRENCIES[m["cur"]] if m["cur"] else None

    if isinstance(text, bool) or not isinstance(text, (str, int, float, Decimal)):
        raise ValueError(f"not an amount: {text!r} (expected text or a number)")
    if not isinstance(text, str):
        value = Decimal(str(text)) if isinstance(text, float) else Decimal(text)
        if not value.is_finite():
            raise ValueError(f"not an amount: {text!r} (not a finite number)")
        if value < 0 and not allow_negative:
            raise ValueError(f"negative amount not allowed: {text!r}")
        return Amount(_float(value * d_mult), d_cur or default_currency, _unit_text(default_unit))

    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        raise ValueError("empty amount (the cell is blank)")
    negative = False
    if s[0] in "-−" or s.startswith("负"):
        negative, s = True, s[1:].lstrip()
    elif s[0] == "+":
        s = s[1:].lstrip()
    m = _CELL_RE.fullmatch(s)
    if not m:
        if re.fullmatch(r"\d{1,3}(?:,\d+)+(?:\.\d+)?\s*\S*", s):
            raise ValueError(f"not an amount: {text!r} (misplaced thousands separator)")
        raise ValueError(f"not an amount: {text!r} (expected a number with an optional unit such as "
                         "元, 万元, 亿元, 美元, USD)")
    try:
        value = _decimal(m["num"], m["cn"])
    except (ValueError, InvalidOperation):
        raise ValueError(f"not an amount: {text!r} (unreadable number)") from None
    if m["cn"] and not (m["mult"] or m["cur"] or m["pre"]):
        raise ValueError(f"not an amount: {text!r} (a Chinese numeral needs a unit such as 万元)")
    cur = _currency(m["pre"], m["cur"], text)
    if m["mult"] or cur:
        value = _scaled(m["num"], m["cn"], m["mult"])
        currency = cur or d_cur or default_currency
        unit = _unit_text(m["pre"], m["mult"], m["cur"])
    else:
        value *= d_mult
        currency = d_cur or default_currency
        unit = _unit_text(default_unit)
    if negative:
        if not allow_negative:
            raise ValueError(f"negative amount not allowed: {text!r}")
        value = -value
    return Amount(_float(value), currency, unit)


def to_cny(value: float | int | Amount | None, currency: str | None = None) -> int | None:
    """Whole yuan for a CNY amount (``to_cny(2e8, "CNY")`` → 200000000); None for other currencies
    or no value (no exchange rates are invented). ``to_cny(amount)`` takes an :class:`Amount`."""
    if isinstance(value, (Amount, AmountMention)):
        value, currency = value.value, value.currency
    if value is None or currency != "CNY":
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(Decimal(str(value)).to_integral_value())


def parse_percentage(text: str | int | float) -> float:
    """One percentage, as in a table cell: ``"30%"`` / ``"30％"`` / ``"百分之三十"`` → 0.3;
    a bare number is taken as a percentage too (``"30"`` → 0.3). Raises ``ValueError``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(Decimal(str(text)) / 100)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"not a percentage: {text!r}")
    s = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(_NUM, s):
        return float(Decimal(s.replace(",", "")) / 100)
    found = find_percentages(s)
    if len(found) != 1 or found[0].value_span != (0, len(s)) or found[0].value is None:
        raise ValueError(f"not a percentage: {text!r} (expected e.g. 30%, 30％, 百分之三十)")
    return found[0].value


# --------------------------------------------------------------------------------------------
# Running text
# --------------------------------------------------------------------------------------------

def _qualifiers(folded: str, start: int, end: int, lo: int, hi: int, blocked: int
                ) -> tuple[Span | None, Span | None, bool]:
    """Spans of the qualifier before [start, end) and after it, and whether the one before is adjacent.

    ``lo``/``hi`` bound the search (the caller's range); ``blocked`` is where the previous mention ends.
    """
    prefix = suffix = None
    adjacent = False
    floor = max(lo, blocked)
    window = folded[max(floor, start - 8):start]
    m = _PREFIX_ADJ_RE.search(window)
    if m:
        off = start - len(window)
        prefix, adjacent = (off + m.start(), off + m.start() + len(m.group(0).rstrip())), True
    else:
        i = start
        while i > floor and start - i < _FAR_GAP and folded[i - 1] not in _STOP and not folded[i - 1].isdigit():
            i -= 1
        far = list(_PREFIX_FAR_RE.finditer(folded, i, start))
        if far:
            f = far[-1]
            gap = folded[f.end():start]
            if not re.search(r"\d|的(?:企业|项目|单位|机构|个人|人才)", gap):
                prefix = (f.start(), f.end())
    s = _SUFFIX_RE.match(folded, end, hi)
    if s:
        suffix = (s.start("q"), s.end("q"))
    return prefix, suffix, adjacent


def _qualify(text: str, prefix: Span | None, suffix: Span | None) -> tuple[str | None, str | None]:
    pq = text[prefix[0]:prefix[1]] if prefix else None
    sq = text[suffix[0]:suffix[1]] if suffix else None
    if pq and sq:
        qualifier = f"{pq}…{sq}"
        op = OPERATORS.get(sq) or OPERATORS.get(pq)
    else:
        qualifier = pq or sq
        op = OPERATORS.get(qualifier) if qualifier else None
    return qualifier, op


# the patterns look back at most this many characters before the range they search (a lookbehind,
# "1月1日元旦"): searching a window that starts this far before it finds the same mentions
_LOOK_BACK = 8


def _window(text: str, start: int, end: int | None) -> tuple[str, int, int, int]:
    """``text[base:end]`` and ``start``, ``end`` in it, and ``base``: the search costs the range, not the
    document's prefix."""
    end = len(text) if end is None else end
    base = max(0, start - _LOOK_BACK)
    return text[base:end], start - base, end - base, base


def _shift(span: Span | None, base: int) -> Span | None:
    return None if span is None else (span[0] + base, span[1] + base)


def find_amounts(text: str, start: int = 0, end: int | None = None) -> list[AmountMention]:
    """Every money amount in ``text[start:end]``, in order; spans index into the whole ``text``."""
    window, start, end, base = _window(text, start, end)
    found = _find_amounts(window, start, end)
    if not base:
        return found
    return [replace(m, span=_shift(m.span, base), value_span=_shift(m.value_span, base)) for m in found]


def _find_amounts(text: str, start: int, end: int) -> list[AmountMention]:
    folded = _fold(text[:end])
    raw: list[tuple[Span, Decimal, str, str, str | None]] = []  # value span, value, currency, unit, role

    taken: list[Span] = []
    for m in _AMOUNT_RANGE_RE.finditer(folded, start, end):
        try:
            cur2 = _currency(None, m["cur2"], m.group(0))
            cur1 = _currency(None, m["cur1"], m.group(0)) or cur2
            v1, v2 = _decimal(m["num1"], None), _decimal(m["num2"], None)
        except (ValueError, InvalidOperation):
            continue
        mult1 = m["mult1"] or (m["mult2"] if not m["cur1"] else None)
        v1 *= _MULTIPLIERS[mult1] if mult1 else 1
        v2 *= _MULTIPLIERS[m["mult2"]] if m["mult2"] else 1
        raw.append(((m.start("num1"), m.end("cur1") if m["cur1"] else m.end("mult1") if m["mult1"] else m.end("num1")),
                    v1, cur1, _unit_text(mult1, m["cur1"] or m["cur2"]), "low"))
        raw.append(((m.start("num2"), m.end("cur2")), v2, cur2, _unit_text(m["mult2"], m["cur2"]), "high"))
        taken.append((m.start(), m.end()))

    for m in _AMOUNT_LIST_RE.finditer(folded, start, end):
        if any(a <= m.start() < b for a, b in taken):
            continue
        before = folded[max(start, m.start() - 12):m.start()]
        items = list(_LIST_ITEM_RE.finditer(folded, m.start(), m.end()))
        first = items[0]
        if not _LIST_CONTEXT_RE.search(before):
            continue
        if not first["mult"] and (not before.strip() or before.rstrip()[-1] in "：:；;。\n"):
            continue  # "：1、50万元": an enumeration number, not an amount
        last = items[-1]
        cur = _AMOUNT_RE.match(folded, last.start())
        if cur is None or not cur["cur"]:
            continue
        try:
            currency = _currency(None, cur["cur"], m.group(0))
        except ValueError:
            continue
        for it in items[:-1]:
            mult = it["mult"] or last["mult"]
            value = _decimal(it["num"], None) * (_MULTIPLIERS[mult] if mult else 1)
            raw.append(((it.start(), it.end()), value, currency or "CNY", _unit_text(mult, cur["cur"]), None))
            taken.append((it.start(), it.end()))

    for m in _AMOUNT_RE.finditer(folded, start, end):
        if any(a <= m.start("num" if m["num"] else "cn") < b for a, b in taken):
            continue
        if m["cur"] == "日元" and (folded[m.end():m.end() + 1] == "旦" or folded[max(0, m.start() - 3):m.start()].find("月") >= 0):
            continue  # "1月1日元旦": a date, not yen
        if not (m["pre"] or m["cur"]):
            # no currency: only 万/亿 in a money context, not followed by a measure word
            if not m["mult"] or m["mult"] == "千" or not m["num"]:
                continue
            ctx = folded[max(start, m.start() - 20):m.start()]
            if not _MONEY_CONTEXT_RE.search(ctx) or _NOT_MONEY_AFTER_RE.match(folded, m.end()):
                continue
        upper = bool(m["cn"]) and _UPPER_RE.search(m["cn"]) is not None
        big = bool(m["cn"]) and ("万" in m["cn"] or "亿" in m["cn"])
        if m["cn"] and not m["mult"] and not ((upper or big) and m["cur"]):
            continue  # 一元化, 三元: Chinese numerals with 万/亿 (三万五千元), or financial numerals (叁元)
        try:
            currency = _currency(m["pre"], m["cur"], m.group(0)) or "CNY"
            value = _scaled(m["num"], m["cn"], m["mult"])
        except (ValueError, InvalidOperation):
            continue
        ve = m.end()
        cents = _CENTS_RE.match(folded, ve, end) if upper and m["cur"] else None
        if cents:  # 壹仟肆佰零玖元伍角: 角 and 分 after the yuan
            value += Decimal(_CN_DIGIT_VALUE[cents["jiao"]]) / 10 if cents["jiao"] else 0
            value += Decimal(_CN_DIGIT_VALUE[cents["fen"]]) / 100 if cents["fen"] else 0
            ve = cents.end()
        raw.append(((m.start(), ve), value, currency, _unit_text(m["pre"], m["mult"], m["cur"]), None))

    raw.sort(key=lambda r: r[0])
    out: list[AmountMention] = []
    blocked = start
    for (vs, ve), value, currency, unit, role in raw:
        after = per_after(folded, ve, end) if role != "low" else None
        if after is not None:
            per, ve = after
            unit = f"{unit}/{per}"  # "元/亩": the unit as printed, spaces removed
        else:
            per = per_before(folded, vs, blocked)
        prefix, suffix, _ = _qualifiers(folded, vs, ve, start, end, blocked)
        if role == "low":
            suffix = None  # the suffix qualifier belongs to the range's high end
        qualifier, op = _qualify(text, prefix, suffix)
        s = prefix[0] if prefix else vs
        e = suffix[1] if suffix else ve
        out.append(AmountMention(_float(value), currency, unit, qualifier, op, text[s:e], (s, e), (vs, ve), role, per))
        blocked = ve
    return out


def find_percentages(text: str, start: int = 0, end: int | None = None) -> list[RateMention]:
    """Every percentage in ``text[start:end]``, in order; spans index into the whole ``text``."""
    window, start, end, base = _window(text, start, end)
    found = _find_percentages(window, start, end)
    if not base:
        return found
    return [replace(m, span=_shift(m.span, base), value_span=_shift(m.value_span, base),
                    prefix_span=_shift(m.prefix_span, base), suffix_span=_shift(m.suffix_span, base))
            for m in found]


def _find_percentages(text: str, start: int, end: int) -> list[RateMention]:
    folded = _fold(text[:end])
    out: list[RateMention] = []
    blocked = start
    for m in _PCT_RE.finditer(folded, start, end):
        try:
            if m["v"] is not None:
                value = _decimal(m["v"], None) / (1000 if m["pv"] == "‰" else 100)
                low = high = None
            elif m["a"] is not None:
                div_b = 1000 if m["pb"] == "‰" else 100
                div_a = (1000 if m["pa"] == "‰" else 100) if m["pa"] else div_b
                low, high, value = _decimal(m["a"], None) / div_a, _decimal(m["b"], None) / div_b, None
            else:
                div_a = 1000 if m["ka"] == "千分之" else 100
                first = _decimal(None, m["ca"]) / div_a
                if m["cb"]:
                    div_b = 1000 if (m["kb"] or m["ka"]) == "千分之" else 100
                    low, high, value = first, _decimal(None, m["cb"]) / div_b, None
                else:
                    value, low, high = first, None, None
        except (ValueError, InvalidOperation):
            continue
        vs, ve = m.start(), m.end()
        prefix, suffix, _ = _qualifiers(folded, vs, ve, start, end, blocked)
        qualifier, op = _qualify(text, prefix, suffix)
        s = prefix[0] if prefix else vs
        e = suffix[1] if suffix else ve
        out.append(RateMention(_opt(value), _opt(low), _opt(high), qualifier, op, text[s:e], (s, e), (vs, ve),
                               prefix, suffix))
        blocked = ve
    return out


def whole_cny(value: float | None, currency: str | None) -> int | None:
    """Whole yuan (money.to_cny), with a fast path for whole numbers."""
    if value is None or currency != "CNY":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return to_cny(value, currency)
