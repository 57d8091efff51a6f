"""The criteria a measure states, judged over :mod:`.facts`: codes per enterprise, the measure's status,
what is missing and what failed.

A measure states up to five criteria; each one it states is required (AND), within one any match
suffices (OR) — ``industry`` (its industries and narrower ones), ``tier`` (its tiers and narrower ones, or
an industry it gives as an example of what the tier does), ``place`` (its places and places inside),
``programme`` (selection in a programme it requires) and one criterion per condition group (conditions
sharing an ``alternative_group`` are alternatives). Each is judged to a code per enterprise: MET, NOT,
UNK (the data lacks what it needs) — a single condition also INC (a figure in another currency than the
threshold: no exchange rate is assumed). The measure's status is NOT if any criterion is NOT, else UNK if
any is UNK, else MET; a measure stating no criterion is UNK.

Where a measure describes its beneficiaries in statements that are alternatives (``Measure.alternatives``: two
sentences each with its own 对…的, parallel channels 通过A…，通过B支持X), each statement is judged as a measure
— its own criteria, with the measure's places and conditions — and the closest one decides (:func:`best_of`):
MET if some statement is met, else UNK if one has no NOT, else NOT. Selection in a programme whose selectees a
channel's fund may invest in (``candidates``) is at best UNK: the fund decides.

Within a condition group: MET if any alternative is MET; alternatives the enterprise cannot be compared
with (INC) are set aside when another alternative can be compared; otherwise UNK if any is UNK or all
are INC, else NOT.

Near misses: firms worth a call
-------------------------------
A firm is a *near miss* for a measure when it is not met, meets at least one of its criteria, and every
gap is one it can close:

* a criterion it fails that it can change: a condition threshold on a figure that grows with the firm
  (``CHANGEABLE_FIELDS``: capital, revenue, R&D spend, employees, their ratios and growth), a tier it
  could obtain, a programme it could apply to be selected in;
* or data that is missing (a criterion UNK): every firm whose status is ``unknown`` is a near miss, so a
  measure with a single criterion has near misses through missing data — and only so: a firm that meets
  none of a measure's criteria is not near it (a measure for 瞪羚企业 alone is not "near" every firm
  without the tier).

Never changeable: the industry and the place (a firm does not change its trade or move for a grant),
and the firm's age (``founded_years``): it changes only with time, whichever way the threshold points,
so no call can close it. A condition group is changeable when one of its failed alternatives is.

How close a near miss is: ``unmet`` = the criteria it does not meet (failed or unknown), fewest first;
then ``shortfall`` = the sum over its failed criteria of how far each is: a threshold's relative
shortfall ``(threshold - value) / threshold`` (``(value - threshold) / value`` for an upper bound; a
group: its closest changeable alternative), 1 for a tier or programme it does not hold; unknown criteria
add nothing to it. Both are in every answer (``closeness``); the order of each list is
:data:`policykg.analysis.rules.ranking.ORDER_BY`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MET, UNK, NOT, INC = 0, 1, 2, 3
STATUS = {MET: "met", UNK: "unknown", NOT: "not_met", INC: "incomparable"}
#: condition field -> the enterprise figure it compares (money in CNY)
CNY_FIELDS = {"revenue": "revenue_cny", "rd_spend": "rd_spend_cny"}
#: condition fields over yearly figures -> the figure whose growth they compare (only ProfileFacts has them)
GROWTH_FIELDS = {"revenue_growth": "revenue_cny", "rd_growth": "rd_spend_cny"}
#: condition fields a firm can change by growing (a threshold it may reach); founded_years is not one
CHANGEABLE_FIELDS = frozenset({"registered_capital", "paid_in_capital", "revenue", "rd_spend", "employees",
                               "rd_ratio", "revenue_growth", "rd_growth"})
#: criteria a firm can meet by what it does (obtain the tier, apply for the selection)
CHANGEABLE_CRITERIA = frozenset({"tier", "programme"})


def compare(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """``values op threshold`` elementwise; an operator not known is never true."""
    if op == ">=":
        return values >= threshold
    if op == ">":
        return values > threshold
    if op == "<=":
        return values <= threshold
    if op == "<":
        return values < threshold
    if op == "==":
        return values == threshold
    return np.zeros(len(values), dtype=bool)


@dataclass
class Check:
    """One condition judged over n enterprises: ``codes``; where a code is UNK or INC, ``fields[which]``
    names the enterprise figure missing (or in another currency); ``values`` are the compared figures."""

    cond: dict[str, Any]
    codes: np.ndarray
    fields: list[str]
    which: np.ndarray
    values: np.ndarray

    def missing(self, k: int) -> str:
        return self.fields[int(self.which[k])]

    @property
    def changeable(self) -> bool:
        return self.cond["field"] in CHANGEABLE_FIELDS

    def shortfall(self) -> np.ndarray:
        """Where the condition is NOT met, how far the value is from the threshold, relative (0..1, to four
        decimals); elsewhere 0."""
        op, thr, v = self.cond["operator"], float(self.cond["value"]), self.values
        fails = self.codes == NOT
        with np.errstate(divide="ignore", invalid="ignore"):
            if op in (">=", ">"):
                rel = (thr - v) / thr if thr > 0 else np.ones(len(v))
            elif op in ("<=", "<"):
                rel = np.where(v > 0, (v - thr) / np.where(v > 0, v, 1.0), 1.0)
            else:
                scale = np.maximum(np.abs(v), abs(thr))
                rel = np.where(scale > 0, np.abs(v - thr) / np.where(scale > 0, scale, 1.0), 1.0)
        rel = np.clip(np.where(np.isnan(rel), 1.0, rel), 0.0, 1.0)
        return np.where(fails, _rounded(rel, fails, 4), 0.0)


def _judge(present: np.ndarray, values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    ok = compare(np.where(present, values, 0.0), op, threshold)
    return np.where(present, np.where(ok, MET, NOT), UNK).astype(np.int8)


def _rounded(values: np.ndarray, present: np.ndarray, digits: int) -> np.ndarray:
    """Python's round() of each present value (the figure shown in a reason is the one compared)."""
    if len(values) <= 64:  # a few firms (one, on the live path): no need to find the distinct values
        return np.array([round(v, digits) if p else 0.0 for v, p in zip(values.tolist(), present.tolist(), strict=True)],
                        dtype=np.float64)
    out = np.zeros(len(values), dtype=np.float64)
    where = np.flatnonzero(present)
    uniq, inv = np.unique(values[where], return_inverse=True)
    out[where] = np.array([round(float(v), digits) for v in uniq], dtype=np.float64)[inv.reshape(-1)]
    return out


def check(facts: Any, cond: dict[str, Any], as_of: dt.date) -> Check:
    """One typed condition over the enterprises of ``facts``."""
    f, unit, op, thr = cond["field"], cond.get("unit"), cond["operator"], float(cond["value"])
    n = facts.n
    zero = np.zeros(n, dtype=np.int8)
    if f in ("registered_capital", "paid_in_capital"):
        # paid-in capital is not in the data: registered capital is the closest figure there is
        has_cap, cap = facts.number("registered_capital")
        has_cny, cny = facts.number("registered_capital_cny")
        by_cap = np.where(~has_cap, UNK, np.where(facts.currency_is(unit), _judge(has_cap, cap, op, thr), INC))
        if unit == "CNY":
            codes = np.where(has_cny, _judge(has_cny, cny, op, thr), by_cap).astype(np.int8)
            # missing: no capital at all; incomparable: a capital in another currency with no CNY figure
            which = np.where(has_cap, 1, 0).astype(np.int8)
            return Check(cond, codes, ["registered_capital", "registered_capital_cny"], which,
                         np.where(has_cny, cny, cap))
        return Check(cond, by_cap.astype(np.int8), ["registered_capital"], zero, cap)
    if f in CNY_FIELDS:
        key = CNY_FIELDS[f]
        present, values = facts.number(key)
        if unit not in (None, "CNY"):
            return Check(cond, np.where(present, INC, UNK).astype(np.int8), [key], zero, values)
        return Check(cond, _judge(present, values, op, thr), [key], zero, values)
    if f == "employees":
        present, values = facts.number("employees")
        return Check(cond, _judge(present, values, op, thr), ["employees"], zero, values)
    if f == "founded_years":
        present, founded = facts.number("founded")
        years = _rounded((as_of.toordinal() - founded) / 365.25, present, 2)
        return Check(cond, _judge(present, years, op, thr), ["founded"], zero, years)
    if f in GROWTH_FIELDS and facts.has_growth:
        key = GROWTH_FIELDS[f]
        present, values = facts.growth(key)
        values = _rounded(values, present, 4)
        return Check(cond, _judge(present, values, op, thr), [f"financials.{key} (two consecutive years)"], zero,
                     values)
    if f == "rd_ratio":
        has_rd, rd = facts.number("rd_spend_cny")
        has_rev, rev = facts.number("revenue_cny")
        present = has_rd & has_rev & (rev != 0)
        ratio = _rounded(np.divide(rd, rev, out=np.zeros(n), where=present), present, 4)
        return Check(cond, _judge(present, ratio, op, thr), ["rd_spend_cny", "revenue_cny"],
                     np.where(has_rd, 1, 0).astype(np.int8), ratio)
    if f in GROWTH_FIELDS:
        raise ValueError(f"{f}: these facts hold no yearly figures")
    return Check(cond, np.full(n, UNK, dtype=np.int8), [f], zero, np.zeros(n))


@dataclass
class Criterion:
    """One criterion of a measure judged over n enterprises."""

    name: str                      # industry | tier | place | programme | condition:<group>
    codes: np.ndarray              # int8 MET / UNK / NOT
    missing_field: str | None = None  # what an UNK lacks (industry, place); conditions: from their checks
    checks: list[Check] = field(default_factory=list)  # a condition group's alternatives, in order

    def changeable(self) -> np.ndarray:
        """Whether each enterprise could meet the criterion by what it does (meaningful where NOT)."""
        n = len(self.codes)
        if not self.checks:
            return np.full(n, self.name in CHANGEABLE_CRITERIA, dtype=bool)
        out = np.zeros(n, dtype=bool)
        for c in self.checks:
            if c.changeable:
                out |= c.codes == NOT
        return out

    def shortfall(self) -> np.ndarray:
        """Where NOT, how far (0..1): a group's closest changeable alternative; 1 for anything else."""
        out = np.where(self.codes == NOT, 1.0, 0.0)
        for c in self.checks:
            if c.changeable:
                out = np.where((self.codes == NOT) & (c.codes == NOT), np.minimum(out, c.shortfall()), out)
        return out

    def missing(self, k: int) -> list[str]:
        """The fields enterprise ``k`` lacks for this criterion (empty unless its code is UNK)."""
        if self.codes[k] != UNK:
            return []
        if not self.checks:
            return [self.missing_field] if self.missing_field else []
        codes = [int(c.codes[k]) for c in self.checks]
        comparable = [c for c, x in zip(self.checks, codes, strict=True) if x != INC]
        decisive = comparable or self.checks
        return sorted({c.missing(k) for c in decisive if int(c.codes[k]) in (UNK, INC)})


def condition_groups(facts: Any, conditions: list[dict[str, Any]], as_of: dt.date) -> list[Criterion]:
    """The condition groups (alternatives share a group), in group order, each judged."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for cond in conditions:
        groups.setdefault(cond.get("alternative_group") or cond["id"], []).append(cond)
    out = []
    for gid in sorted(groups):
        checks = [check(facts, cond, as_of) for cond in groups[gid]]
        if len(checks) == 1:  # one alternative: incomparable alone is unknown
            codes = checks[0].codes
            out.append(Criterion(f"condition:{gid}", np.where(codes == INC, UNK, codes).astype(np.int8),
                                 checks=checks))
            continue
        met = np.zeros(facts.n, dtype=bool)
        comparable = np.zeros(facts.n, dtype=bool)
        unknown = np.zeros(facts.n, dtype=bool)
        for c in checks:
            met |= c.codes == MET
            comparable |= c.codes != INC
            unknown |= c.codes == UNK
        codes = np.where(met, MET, np.where(comparable, np.where(unknown, UNK, NOT), UNK)).astype(np.int8)
        out.append(Criterion(f"condition:{gid}", codes, checks=checks))
    return out


@dataclass
class Judgement:
    """A measure judged over n enterprises: its criteria and, per enterprise, the status and near miss."""

    criteria: list[Criterion]
    status: np.ndarray             # int8 MET / UNK / NOT
    near: np.ndarray               # bool: a near miss (see the module doc)
    unmet: np.ndarray              # int: criteria not met (failed or unknown)
    shortfall: np.ndarray          # float: the sum of the failed criteria's shortfalls
    preferred: np.ndarray          # bool: holds what the text prefers (给予瞪羚企业政策倾斜)
    #: a measure whose beneficiary statements are alternatives: each one's judgement, and per enterprise the
    #: one that decides (:func:`best_of`); ``criteria`` are then those of the first
    alternatives: list[Judgement] | None = None
    chosen: np.ndarray | None = None

    def closeness(self, k: int) -> dict[str, Any]:
        return {"unmet_criteria": int(self.unmet[k]), "shortfall": round(float(self.shortfall[k]), 4)}

    def failed(self, k: int) -> list[str]:
        if self.alternatives is not None:
            return self.alternatives[int(self.chosen[k])].failed(k)
        return [c.name for c in self.criteria if c.codes[k] == NOT]

    def missing(self, k: int) -> list[str]:
        if self.alternatives is not None:
            return self.alternatives[int(self.chosen[k])].missing(k)
        return sorted({f for c in self.criteria for f in c.missing(k)})


def best_of(js: list[Judgement]) -> Judgement:
    """A measure whose beneficiary statements are alternatives, from each one's judgement: per enterprise the
    closest one decides — met before unknown before not met, then a near miss first, then the fewest criteria
    unmet, the smallest shortfall, the first statement — so the status is MET if some statement is met, else
    UNK if some has no NOT, else NOT; near miss, closeness, failed and missing are that statement's."""
    status = np.array([j.status for j in js])
    near = np.array([j.near for j in js])
    unmet = np.array([j.unmet for j in js])
    shortfall = np.array([j.shortfall for j in js])
    chosen = np.lexsort((shortfall, unmet, ~near, status), axis=0)[0]
    every = np.arange(len(chosen))

    def pick(a: np.ndarray) -> np.ndarray:
        return a[chosen, every]

    return Judgement(js[0].criteria, pick(status), pick(near), pick(unmet), pick(shortfall), js[0].preferred,
                     js, chosen)


def judge(m: Any, facts: Any, as_of: dt.date) -> Judgement:
    """The criteria of measure ``m`` (a snapshot Measure, or one of its Alternatives) over the enterprises of
    ``facts``."""
    return judge_each([m], facts, as_of)[0]


#: the criteria a measure states by what it links to, in the order they are judged and listed:
#: (name, the field an UNK lacks — None: never UNK, a registry lists every holder)
LINKED_CRITERIA = (("industry", "industries"), ("tier", None), ("place", "place"), ("programme", None),
                   ("programme", None))


@dataclass
class _Row:
    """One criterion of the measures judged together: over the whole axis (``col`` None: the measures'
    shared criterion kind, padded MET where a measure does not state it), or a condition group of the
    measure at ``col`` alone (its ``criterion`` judged over that one enterprise)."""

    criterion: Criterion
    applies: np.ndarray | None = None  # over the axis: the measures that state it (None: all)
    col: int | None = None


def judge_each(measures: list[Any], facts: Any, as_of: dt.date) -> list[Judgement]:
    """Each measure judged: over the n enterprises of ``facts`` when there is one measure; when there are
    several, over the one enterprise of ``facts`` (n = 1), the arrays then running over the measures
    (each Judgement views its own column). The rules are the same either way: written once, below."""
    if not measures:
        return []
    if len(measures) > 1 and facts.n != 1:
        raise ValueError("several measures are judged over one enterprise")
    alternatives = [getattr(m, "alternatives", None) for m in measures]
    if any(alternatives):
        # statements that are alternatives: each judged as a measure of its own (for one enterprise, together
        # with the other measures), the closest deciding
        views = [alt or [m] for alt, m in zip(alternatives, measures, strict=True)]
        if facts.n == 1:
            flat = iter(_judge_plain([v for vs in views for v in vs], facts, as_of))
            judged = [[next(flat) for _ in vs] for vs in views]
        else:
            judged = [[_judge_plain([v], facts, as_of)[0] for v in vs] for vs in views]
        return [best_of(js) if alt else js[0] for js, alt in zip(judged, alternatives, strict=True)]
    return _judge_plain(measures, facts, as_of)


def _judge_plain(measures: list[Any], facts: Any, as_of: dt.date) -> list[Judgement]:
    """:func:`judge_each` of measures (or statements) without alternatives."""
    several = len(measures) > 1
    width = len(measures) if several else facts.n

    def linked(kind: str, scopes: list[Any]) -> np.ndarray:
        return facts.linked_each(kind, scopes) if several else facts.linked(kind, scopes[0])

    def states(attr: str) -> np.ndarray | None:
        """Which measures state a criterion (None: all of them); False when none does."""
        flags = [bool(getattr(m, attr, None)) for m in measures]
        return None if all(flags) else (np.array(flags) if any(flags) else False)  # type: ignore[return-value]

    rows: list[_Row] = []
    for (name, lacks), attr in zip(LINKED_CRITERIA, ("industries", "tiers", "places", "selections", "candidates"),
                                   strict=True):
        applies = states(attr)
        if applies is False:
            continue
        if name == "industry":
            hit = linked("industries", [m.industry_scope for m in measures])
            codes = np.where(hit, MET, np.where(facts.has_any("industries"), NOT, UNK))
        elif name == "tier":
            # registries list tier holders: not holding one is NOT, never UNK; an industry the measure gives
            # as an example of what its tier does meets the criterion as the tier does
            held = linked("tiers", [m.tier_scope for m in measures])
            if any(m.example_scope for m in measures):
                held = held | linked("industries", [m.example_scope for m in measures])
            codes = np.where(held, MET, NOT)
        elif name == "place":
            hit = linked("places", [m.place_scope for m in measures])
            codes = np.where(hit, MET, np.where(facts.has_any("places"), NOT, UNK))
        elif attr == "selections":
            codes = np.where(linked("programmes", [m.selections for m in measures]), MET, NOT)
        else:  # selection makes a candidate; the channel's fund decides: at best UNK
            codes = np.where(linked("programmes", [getattr(m, "candidates", None) or () for m in measures]), UNK, NOT)
        if applies is not None:
            codes = np.where(applies, codes, MET)  # MET pads: it neither fails nor leaves a measure unknown
        rows.append(_Row(Criterion(name, codes.astype(np.int8), lacks), applies))
    for j, m in enumerate(measures):
        if m.conditions:
            rows += [_Row(g, col=j if several else None) for g in condition_groups(facts, m.conditions, as_of)]
    preferred = np.zeros(width, dtype=bool)
    for kind, attr in (("tiers", "preferred_tiers"), ("industries", "preferred_industries")):
        scopes = [getattr(m, attr, None) or frozenset() for m in measures]
        if any(scopes):
            preferred |= linked(kind, scopes)
    status, near, unmet, shortfall = _combine(rows, width)
    if not several:
        return [Judgement([r.criterion for r in rows], status, near, unmet, shortfall, preferred)]
    shared = [(r.criterion, None if r.applies is None else r.applies.tolist()) for r in rows if r.col is None]
    own: dict[int, list[Criterion]] = {}
    for r in rows:
        if r.col is not None:
            own.setdefault(r.col, []).append(r.criterion)
    out = []
    for j in range(width):
        crit = [Criterion(c.name, c.codes[j:j + 1], c.missing_field) for c, on in shared if on is None or on[j]]
        crit += own.get(j, [])
        out.append(Judgement(crit, status[j:j + 1], near[j:j + 1], unmet[j:j + 1], shortfall[j:j + 1],
                             preferred[j:j + 1]))
    return out


def _combine(rows: list[_Row], width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The status, near miss, unmet count and shortfall over the axis, from the criteria (see the module
    doc); a measure stating no criterion is UNK and never near."""
    def spread(r: _Row, values: np.ndarray, fill: Any) -> np.ndarray:
        if r.col is None:
            return values
        out = np.full(width, fill, dtype=values.dtype)
        out[r.col] = values[0]
        return out

    if not rows:
        return (np.full(width, UNK, dtype=np.int8), np.zeros(width, dtype=bool), np.zeros(width, dtype=np.int64),
                np.zeros(width))
    # per criterion, the measures that state it; None when every criterion holds along the whole axis
    stated = None if all(r.col is None and r.applies is None for r in rows) else np.array(
        [spread(r, np.ones(1, dtype=bool), False) if r.col is not None
         else np.ones(width, dtype=bool) if r.applies is None else r.applies for r in rows])
    stack = np.array([spread(r, r.criterion.codes, MET) for r in rows])
    status = stack.max(axis=0)  # criteria codes are MET < UNK < NOT: any NOT is NOT, else any UNK is UNK
    fails = stack == NOT
    failing = status == NOT
    near = status == UNK
    shortfall = np.zeros(width)
    if failing.any():
        fixable = np.ones(width, dtype=bool)
        for r, f in zip(rows, fails, strict=True):
            if f.any():
                fixable &= ~f | spread(r, r.criterion.changeable(), False)
                shortfall = shortfall + np.where(f, spread(r, r.criterion.shortfall(), 0.0), 0.0)
        met = stack == MET
        near |= failing & fixable & (met if stated is None else met & stated).any(axis=0)
        shortfall = _rounded(shortfall, shortfall != 0, 4)
    unmet = (stack != MET).sum(axis=0).astype(np.int64)
    if stated is not None:  # measures stating nothing machine-checkable: read from the text
        judged = stated.any(axis=0)
        status = np.where(judged, status, UNK).astype(np.int8)
        near &= judged
    return status, near, unmet, shortfall
