"""The parsed document: what the parser reads out of a policy text (its front matter, sections, clauses and the
rules they state) and the facts extracted from them (amounts, rates, conditions), every one with the span
of the text it was read from. Data only: :mod:`policykg.ingest.parse` builds it,
:mod:`policykg.ingest.extract` and :mod:`policykg.ingest.link` fill it in."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["AmountItem", "Clause", "Condition", "DocumentInfo", "Mentions", "ParsedDocument", "RateItem", "Rule",
           "ScopeFacts", "Section", "Span"]

Span = tuple[int, int]


@dataclass
class AmountItem:
    kind: str                  # budget_floor | fund_scale | threshold | cap | award | amount
    value: float               # in units of the currency: 2亿元 → 200000000.0
    currency: str              # CNY, USD, HKD, EUR, ...
    value_cny: int | None      # whole yuan when the currency is CNY
    unit_text: str             # as printed: 亿元, 万美元
    qualifier: str | None      # as printed: 不少于, 以上, 最高, 达到…以上
    operator: str | None       # >=, >, <=, <
    period: str | None         # annual | total
    quote: str                 # == text[span[0]:span[1]]
    span: Span
    per: str | None = None     # the unit it is paid per (亩, 人/夜, 千瓦时); kind ``rate`` unless a floor or threshold


@dataclass
class RateItem:
    kind: str                  # support_rate | cap | share | threshold | rate
    value: float | None        # a single rate, as a fraction
    low: float | None          # a range's ends
    high: float | None
    qualifier: str | None
    operator: str | None
    base: str | None           # what the rate applies to
    base_span: Span | None
    quote: str
    span: Span


@dataclass
class Condition:
    field: str                 # registered_capital, revenue, revenue_growth, ... (see the module doc)
    operator: str              # >=, >, <=, <
    value: float               # base units: yuan / dollars, a fraction for ratios, persons, years
    unit: str                  # CNY, USD, ..., ratio, persons, years
    quote: str                 # from the field's words to the value and its qualifier
    span: Span
    alternative_group: str | None = None  # conditions sharing it are alternatives (one suffices)


@dataclass
class ScopeFacts:
    amounts: list[AmountItem] = field(default_factory=list)
    percentages: list[RateItem] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class Rule:
    id: str                    # f"{clause_id}-r{n}"
    clause: str                # the clause that states it
    kind: str                  # instrument | stacking | upgrade | override | repeal
    policy: str | None         # highest_once | cumulative | choose_one | no_duplicate | pay_difference | this_prevails | repealed
    quote: str                 # the sentence stating it
    span: Span
    name: str | None = None    # instruments: the item's name as printed (研发资助)
    name_span: Span | None = None
    instrument_type: str | None = None  # rd_support, interest_subsidy, investment_support, ...
    target: str | None = None  # what is supported: 对X
    scope: str | None = None   # domestic | overseas
    rate_low: float | None = None
    rate_high: float | None = None
    base: str | None = None
    base_span: Span | None = None
    conditions: list[Condition] = field(default_factory=list)
    instrument: str | None = None  # instruments: the taxonomy entry it defines (policykg.ingest.link)


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


@dataclass
class DocumentInfo:
    id: str                      # "doc-" + sha256(normalised text, UTF-8)[:12]
    doc_number: str | None       # 杭高新〔2024〕16号
    title: str | None            # spaces between CJK characters (PDF line wraps) removed
    issuers: list[str]
    issued_date: str | None      # YYYY-MM-DD, from the signature date
    effective_date: str | None   # YYYY-MM-DD, from "自 … 起施行"
    sha256: str                  # of the source bytes
    text: str                    # the normalised text all spans index into
    source: str

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass(kw_only=True)
class Mentions:
    """Taxonomy mentions in a section's or a clause's text (policykg.ingest.link): each
    ``{id, name, quote, span}``; ``unlinked``: candidates that match no entry, ``{kind, quote, span}``."""

    industries: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    programmes: list[dict[str, Any]] = field(default_factory=list)
    funds: list[dict[str, Any]] = field(default_factory=list)
    instruments: list[dict[str, Any]] = field(default_factory=list)
    unlinked: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)  # industries the text makes members of a group
    selections: list[dict[str, Any]] = field(default_factory=list)  # programmes a beneficiary must be selected in


@dataclass
class Section(Mentions):
    id: str                      # f"{doc_id}:s{path}", path "2" for 二, "2.1" for 二（一）
    label: str                   # numbering as printed, without separator: "一", "（一）", "第一章"
    title: str                   # == text[span[0]:span[1]]
    parent: str | None           # id of the enclosing section
    level: int                   # 1 for top-level sections, 2 for their subsections, ...
    span: Span                   # the title
    text: str | None             # the section's own unnumbered body, == text[text_span[0]:text_span[1]]
    text_span: Span | None
    # facts in the section's own body (e.g. the goals paragraph's share of spending); see extract.py
    amounts: list[AmountItem] = field(default_factory=list)
    percentages: list[RateItem] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass
class Clause(Mentions):
    id: str                      # f"{doc_id}:{m|a|c}{number}" or f"{doc_id}:{p}{section_path}-{number}"
    label: str                   # as printed, without separator: "5", "第3条", "第三条", "（一）"
    number: int
    section: str | None          # id of the innermost enclosing section
    kind: str                    # "measure" | "annex" | "item"
    title: str | None            # leading phrase up to the first 。 when ≤ 30 characters
    text: str                    # == document text[span[0]:span[1]]
    span: Span                   # the clause text after its label
    ordinal: int                 # 1-based position among the document's clauses
    # facts extracted from the clause text (policykg.ingest.extract); every item has quote and span
    amounts: list[AmountItem] = field(default_factory=list)
    percentages: list[RateItem] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    budget_floor_cny: int | None = None   # a stated budget floor (每年安排预算不少于X), whole yuan
    budget_period: str | None = None      # of that floor: "annual" | "total" | None
    fund_scale_cny: int | None = None     # a stated fund scale (保持X以上的产业基金规模), never a budget

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


@dataclass
class ParsedDocument:
    document: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)  # instruments, stacking/upgrade/override rules

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document.to_dict(),
                "sections": [s.to_dict() for s in self.sections],
                "clauses": [c.to_dict() for c in self.clauses],
                "rules": [_plain(asdict(r)) for r in self.rules]}

    def quote(self, span: Span) -> str:
        return self.document.text[span[0]:span[1]]
