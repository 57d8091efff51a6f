"""Estimates: what a measure could pay an enterprise, with the words it can be quoted from — defined once.

The plan of a measure (:func:`plan`) depends only on the policy: its lines, in order,

* each award the measure itself states (``Amount`` nodes of kind ``award``: 给予20万元奖励 → exactly that
  sum; kind ``cap``: 最高50万元 / 不超过50万元 → anything from 0 to it);
* each instrument form it USES_INSTRUMENT (an umbrella such as 投资资助 stands for its forms, 投资资助-贴息 and
  投资资助-注册资本), paying ``rate × base``: the rate from the instrument (``rate_low`` .. ``rate_high``, from
  the taxonomy, else from the Rate nodes it STATES; "up to 30%" is 0–30%), the base from the figures the
  enterprise reports, by the instrument's kind (:data:`BASES`).

=================== ============================================ =========================================
instrument kind     base                                          what the figure in the data is
=================== ============================================ =========================================
rd_support          the project's actual R&D (实际研发投入)          the firm's annual R&D spend: only an upper
                                                                  bound of one project's R&D (so 0 .. 30% of it)
capital_grant       newly paid-in capital (实到注册资本) of a        registered capital, the closest figure; only
                    project of 1亿元 / 1000万美元 or more           when the form's own condition holds; a USD
                                                                  capital gives a USD figure, kept out of the
                                                                  CNY totals (no exchange rate is assumed)
interest_subsidy    interest on bank loans                        not in the data: no estimate, ``why`` says so
project_support     the project's investment                      not in the data
market_expansion    the costs of a marketing network              not in the data
=================== ============================================ =========================================

A budget floor (每年安排预算不少于2亿元) is a total for all recipients: it is never an estimate nor part of
one; a measure with nothing else says so in ``why``.

Within a measure, lines on different bases add up and on the same base the highest counts; the awards a
measure states are one base of their own. A stated cap (最高50万元) bounds the measure's instrument lines,
and is itself the line (0 .. cap) only where no instrument line gives an estimate.
Across measures (:func:`stack`), a document's stacking rule (``Rule {kind: stacking, policy:
highest_once}``, 从优、从高、不重复) pays one base once, at the highest estimate among the document's
measures; a stated award is a base of its own measure, and documents without such a rule add up.

The rule runs over arrays (:func:`compute`): the per-firm answer passes figures of length 1 from a
Profile, the derived index the columns of its whole candidate pool; each passes its own judge of an
instrument's own conditions (one status array per form: :data:`MET`, :data:`UNK`, :data:`NOT`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from policykg.analysis.snapshot import Measure, PolicySnapshot, edge, node, path

#: a condition status, as the judges of an instrument's own conditions give it
MET, UNK, NOT = 0, 1, 2
CODE = {"met": MET, "unknown": UNK, "not_met": NOT}
#: a line's status for one enterprise, by code
STATUSES = ("estimated", "other_currency", "no_rate", "missing_base", "condition_not_met", "condition_unknown",
            "bounds")
EST, OTHER, NO_RATE, MISSING, COND_NOT, COND_UNK, BOUNDS = range(len(STATUSES))


@dataclass(frozen=True)
class Base:
    key: str        # the enterprise property that would hold it
    what: str       # what the instrument's rate applies to, in the policy's words
    basis: str      # how the data's figure relates to it, for the answer's ``basis``
    in_data: bool = True  # whether the enterprise data has such a figure at all


#: instrument kind -> its base
BASES = {
    "rd_support": Base("rd_spend_cny", "the project's actual R&D",
                       "the firm's reported annual R&D ({figure}) is only an upper bound of one project's R&D: "
                       "the estimate runs from 0 to at most {rate} of it"),
    "capital_grant": Base("registered_capital", "the newly paid-in registered capital of a project of 1亿元 / "
                          "1000万美元 or more",
                          "paid-in capital is not in the data: the firm's registered capital ({figure}) is the "
                          "closest figure"),
    "interest_subsidy": Base("loan_interest", "interest on bank loans (贷款利息)", "", in_data=False),
    "project_support": Base("project_investment", "the project's investment (项目投资额)", "", in_data=False),
    "market_expansion": Base("marketing_costs", "the costs of a marketing network (营销网络费用)", "", in_data=False),
}
#: a line's base within a measure, by code: instrument bases, then the awards the measure states
BASE_KEYS = ("rd_spend_cny", "registered_capital_cny", "registered_capital", "stated")
RD, CAP_CNY, CAP_OWN, STATED = range(len(BASE_KEYS))


@dataclass
class Figures:
    """The enterprise figures estimates read, one entry per enterprise (nan: not known)."""

    rd: np.ndarray          # annual R&D spend, CNY
    cap_cny: np.ndarray     # registered capital in CNY
    cap: np.ndarray         # registered capital in its own currency
    cap_in_cny: np.ndarray  # bool: the capital's currency is CNY (or not stated)
    currency: list[str] | None = None  # each capital's currency, for the words of one answer

    @classmethod
    def of(cls, *props: dict[str, Any]) -> Figures:
        """Enterprises' figures from their properties (the rows ``enterprise_profile`` gives)."""
        def f(key: str) -> np.ndarray:
            return np.array([float("nan") if p.get(key) is None else float(p[key]) for p in props], dtype=np.float64)

        cur = [p.get("currency") or "CNY" for p in props]
        return cls(f("rd_spend_cny"), f("registered_capital_cny"), f("registered_capital"),
                   np.array([c == "CNY" for c in cur], dtype=bool), cur)

    @property
    def n(self) -> int:
        return len(self.rd)


@dataclass(frozen=True)
class Line:
    """One line of a measure's plan: a stated award, or an instrument form with its rate."""

    kind: str                          # the instrument's kind, or the Amount's (award | cap)
    low: float | None                  # rate (instrument) or sum in its currency (award)
    high: float | None
    form: dict[str, Any] | None = None     # the instrument form
    used: str | None = None                # the instrument the measure uses (an umbrella for a form)
    rate: dict[str, Any] | None = None     # the Rate node the rate is quoted from
    rate_ids: tuple[str, ...] = ()
    amount: dict[str, Any] | None = None   # the Amount the measure states


@dataclass(frozen=True)
class Plan:
    measure: Measure
    lines: tuple[Line, ...]
    cap: float | None = None               # the highest CNY cap the measure states: bounds its instrument lines
    unpaid: dict[str, Any] | None = None   # the estimate when there are no lines (shared: read only)


def rates(form: dict[str, Any]) -> tuple[float | None, float | None, list[str], dict[str, Any] | None]:
    """An instrument's rate range, the Rate nodes it STATES and the one its high is quoted from."""
    low, high = form.get("rate_low"), form.get("rate_high")
    evidence = [r["id"] for r in form["rates"]]
    if high is None and form["rates"]:
        highs = [r["high"] if r["high"] is not None else r["value"] for r in form["rates"]]
        lows = [r["low"] for r in form["rates"] if r["low"] is not None]
        highs = [h for h in highs if h is not None]
        if highs:
            high = max(highs)
            low = min(lows) if lows else None
    if high is not None and low is None:
        low = 0.0  # "up to X%": nothing below is promised
    quoted = max(form["rates"], key=lambda r: (r["high"] if r["high"] is not None else r["value"] or 0.0, r["id"]),
                 default=None)
    return low, high, evidence, quoted


def plan(snap: PolicySnapshot, m: Measure) -> Plan:
    """The measure's lines (stated awards in text order, then instrument forms by id): what does not depend on
    the enterprise, worked out once per snapshot."""
    got = snap.estimate_plans.get(m.id)
    if got is None:
        lines = [Line(a["kind"], 0.0 if a["kind"] == "cap" else a["value"], a["value"], amount=a) for a in m.awards]
        pairs: dict[str, tuple[str, dict[str, Any]]] = {}  # form id -> (used, form); a direct use wins
        for used in m.instruments:
            forms = snap.instruments.get(used, [])
            umbrella = next((f for f in forms if f["id"] == used), None)
            for form in [f for f in forms if f["id"] != used] or ([umbrella] if umbrella else []):
                if form["id"] not in pairs or form["id"] == used:
                    pairs[form["id"]] = (used, form)
        for fid in sorted(pairs):
            used, form = pairs[fid]
            low, high, ids, quoted = rates(form)
            lines.append(Line(form["kind"], low, high, form, used, quoted, tuple(ids)))
        caps = [a["value_cny"] for a in m.awards if a["kind"] == "cap" and a["value_cny"] is not None]
        got = snap.estimate_plans[m.id] = Plan(m, tuple(lines), float(max(caps)) if caps else None,
                                               None if lines else _unpaid(m))
    return got


@dataclass
class Result:
    """The plan over ``n`` enterprises: per line a status, low, high and base code for each enterprise, and
    whether it counts; per enterprise the measure's CNY total (``has``: whether there is one). A line's row
    is shared (read only) where it is the same for every enterprise."""

    plan: Plan
    status: list[np.ndarray]     # int8 (n) per line
    low: list[np.ndarray]        # float64 (n) per line, in the base's currency
    high: list[np.ndarray]
    base: list[np.ndarray]       # int8 (n) per line: BASE_KEYS code
    counted: list[np.ndarray]    # bool (n) per line
    total_low: np.ndarray        # float64 (n)
    total_high: np.ndarray
    has: np.ndarray              # bool (n)
    conditions: dict[int, Any] = field(default_factory=dict)  # line -> what the judge gave (rendered per firm)


def worst(groups: list[np.ndarray]) -> np.ndarray:
    """Condition groups combined (each required): NOT if any is not met, else UNK if any is unknown, else MET."""
    out = np.full(len(groups[0]) if groups else 1, MET, dtype=np.int8)
    for g in groups:
        out = np.where((g == NOT) | (out == NOT), NOT, np.where((g == UNK) | (out == UNK), UNK, MET)).astype(np.int8)
    return out


#: the judge of an instrument's own conditions: (its conditions) -> status per enterprise (MET, UNK, NOT)
Judge = Callable[[list[dict[str, Any]]], np.ndarray]


def compute(p: Plan, figs: Figures, judge: Judge) -> Result:
    """Every line of the plan for every enterprise of ``figs``, and the measure's CNY total."""
    n = figs.n
    zeros, no = np.zeros(n), np.zeros(n, dtype=bool)

    def const(value: int) -> np.ndarray:
        return np.full(n, value, dtype=np.int8)

    status: list[np.ndarray] = []
    low: list[np.ndarray] = []
    high: list[np.ndarray] = []
    base: list[np.ndarray] = []
    has_cny = ~np.isnan(figs.cap_cny)
    for ln in p.lines:
        if ln.amount is not None:
            status.append(const(EST if ln.amount["currency"] == "CNY" else OTHER))
            low.append(np.full(n, float(ln.low)))  # type: ignore[arg-type]
            high.append(np.full(n, float(ln.high)))  # type: ignore[arg-type]
            base.append(const(STATED))
            continue
        key = BASES[ln.kind].key if ln.kind in BASES and BASES[ln.kind].in_data else ""
        if ln.high is None or not key:
            status.append(const(NO_RATE if ln.high is None else MISSING))
            low.append(zeros)
            high.append(zeros)
            base.append(const(STATED))
            continue
        if key == "rd_spend_cny":
            value, ok, in_cny = figs.rd, ~np.isnan(figs.rd), None
            base.append(const(RD))
        else:
            value = np.where(has_cny, figs.cap_cny, figs.cap)
            ok = ~np.isnan(value)
            in_cny = has_cny | figs.cap_in_cny
            base.append(np.where(has_cny, CAP_CNY, CAP_OWN).astype(np.int8))
        cond = judge(ln.form["conditions"]) if ln.form and ln.form["conditions"] else None
        v = np.where(ok, value, 0.0)
        lo, hi = np.rint(v * ln.low), np.rint(v * ln.high)
        if p.cap is not None:  # the measure's stated cap bounds what it pays in CNY
            lo = np.minimum(lo, p.cap) if in_cny is None else np.where(in_cny, np.minimum(lo, p.cap), lo)
            hi = np.minimum(hi, p.cap) if in_cny is None else np.where(in_cny, np.minimum(hi, p.cap), hi)
        st = np.where(ok, EST if in_cny is None else np.where(in_cny, EST, OTHER), MISSING).astype(np.int8)
        if cond is not None:
            st = np.where(ok & (cond == NOT), COND_NOT, np.where(ok & (cond == UNK), COND_UNK, st)).astype(np.int8)
        valued = st < NO_RATE
        status.append(st)
        low.append(np.where(valued, lo, 0.0))
        high.append(np.where(valued, hi, 0.0))
    if p.cap is not None:  # the cap is the line itself only where no instrument line gives an estimate
        some = no.copy()
        for ln, st in zip(p.lines, status, strict=True):
            if ln.amount is None:
                some |= st == EST
        for i, ln in enumerate(p.lines):
            if ln.amount is not None and ln.kind == "cap" and ln.amount["currency"] == "CNY":
                status[i] = np.where(some, BOUNDS, status[i]).astype(np.int8)
    counted = [no] * len(p.lines)
    total_low, total_high = np.zeros(n), np.zeros(n)
    has = no.copy()
    est = {i: st == EST for i, st in enumerate(status)}
    rows = [i for i in est if est[i].any()]  # only lines that estimate for some enterprise can count
    # the bases those lines can be on: an instrument's capital in CNY or in its own currency, else one
    codes = sorted({b for i in rows for b in ((CAP_CNY, CAP_OWN) if p.lines[i].amount is None
                                              and BASES[p.lines[i].kind].key == "registered_capital"
                                              else (int(base[i][0]),))})
    for b in codes:  # per base, the highest line counts (the first of equals)
        best = np.full(n, -1, dtype=np.int64)
        bh, bl = np.full(n, -np.inf), np.full(n, -np.inf)
        for i in rows:
            sel = est[i] & (base[i] == b) & ((high[i] > bh) | ((high[i] == bh) & (low[i] > bl)))
            best = np.where(sel, i, best)
            bh, bl = np.where(sel, high[i], bh), np.where(sel, low[i], bl)
        found = best >= 0
        for i in rows:
            counted[i] = counted[i] | (best == i)
        total_low += np.where(found, bl, 0.0)
        total_high += np.where(found, bh, 0.0)
        has |= found
    return Result(p, status, low, high, base, counted, total_low, total_high, has)


# --- words: one enterprise's answer ------------------------------------------------------------
def _yuan(v: float, currency: str = "CNY") -> str:
    unit = "yuan" if currency == "CNY" else currency
    return f"{v:,.0f} {unit}"


def _pct(rate: float) -> str:
    return f"{rate * 100:g}%"


def _rate_words(ln: Line) -> str:
    rng = f"up to {_pct(ln.high)}" if not ln.low else f"{_pct(ln.low)}–{_pct(ln.high)}"  # type: ignore[arg-type]
    return rng


def _rate_quote(ln: Line) -> str:
    """The rate in the policy's words: 按实际研发投入最高 30%."""
    r = ln.rate or {}
    quote, base = r.get("quote") or "", r.get("base") or ""
    return quote if not base or base in quote else f"按{base}{quote}"


def _source(p: Plan, ln: Line) -> dict[str, Any]:
    if ln.amount is not None:
        return {"clause": p.measure.id, "document": p.measure.document, "amount": ln.amount["id"],
                "quote": ln.amount["quote"], "span": ln.amount["span"]}
    r = ln.rate or {}
    return {"instrument": ln.form["id"], "via": ln.used if ln.used != ln.form["id"] else None,  # type: ignore[index]
            "rate": r.get("id"), "document": r.get("source_doc"), "quote": r.get("quote"),
            "span": [r.get("span_start"), r.get("span_end")] if r else None, "base_words": ln.form.get("base")}  # type: ignore[union-attr]


def _basis(p: Plan, ln: Line, figs: Figures, j: int, st: int) -> str:
    if ln.amount is not None:
        a = ln.amount
        if ln.kind == "award":
            return f"the measure states an award of {_yuan(a['value'], a['currency'])} ({a['quote']})"
        return (f"the measure states an award of up to {_yuan(a['value'], a['currency'])} ({a['quote']}): anything "
                "from 0 to it")
    b, form = BASES.get(ln.kind), ln.form or {}
    if ln.high is None:
        return f"{form.get('name')} states no rate: the text does not say what it pays"
    words = f"{_rate_words(ln)} of {b.what if b else form.get('base')} ({_rate_quote(ln)})"
    if b and b.basis:
        figure = "not known"
        if ln.kind == "capital_grant" and not np.isnan(figs.cap_cny[j]):
            figure = _yuan(figs.cap_cny[j])
        elif ln.kind == "capital_grant" and not np.isnan(figs.cap[j]):
            figure = _yuan(figs.cap[j], (figs.currency or ["?"])[j])
        elif ln.kind == "rd_support" and not np.isnan(figs.rd[j]):
            figure = _yuan(figs.rd[j])
        words += "; " + b.basis.format(figure=figure, rate=_pct(ln.high))
    if p.cap is not None and st == EST:
        words += f"; at most the cap the measure states ({_yuan(p.cap)})"
    return words


def _why(ln: Line, st: int, cur: str) -> str | None:
    name = ln.form["name"] if ln.form else ln.amount["quote"]  # type: ignore[index]
    b = BASES.get(ln.kind)
    return {
        NO_RATE: f"{name} states no rate or amount: what it pays is not in the text",
        MISSING: (f"the base of {name}, {b.what}, is not in the enterprise data" if b and not b.in_data
                  else f"the enterprise's {'R&D spend' if b and b.key == 'rd_spend_cny' else 'registered capital'} "
                       f"is not known: no estimate of {name}" if b else f"no base figure is known for {name}"),
        COND_NOT: f"the own condition of {name} does not hold",
        COND_UNK: f"whether the own condition of {name} holds is not known",
        OTHER: f"the base is in {cur}: the figure is in {cur} and is not added to CNY totals (no exchange rate is "
               "assumed)",
        BOUNDS: "the cap bounds the measure's instrument lines, which give the estimate",
    }.get(st)


def budget_words(m: Measure) -> str | None:
    """Why a measure's budget floor is no estimate, in its own words."""
    if m.budget is None:
        return None
    period = "annual budget" if m.budget.get("period") == "annual" else "budget"
    return f"its {period} ({m.budget['quote']}) is a total for all recipients, not an individual award"


def unpaid(p: Plan) -> dict[str, Any]:
    """The estimate of a measure that states no award and uses no instrument, for any enterprise: none, and why
    (the same for every enterprise: made once per plan and shared, so read only)."""
    return p.unpaid if p.unpaid is not None else _unpaid(p.measure)


def _unpaid(m: Measure) -> dict[str, Any]:
    budget = budget_words(m)
    why = "the measure states no individual award" + (f"; {budget}" if budget else " and uses no instrument")
    return {"estimate_cny": None, "estimate": {"currency": "CNY", "low": None, "high": None, "basis": [],
                                               "sources": [], "lines": [], "missing": [], "why": why}}


def render(r: Result, figs: Figures, j: int = 0) -> dict[str, Any]:
    """The estimate of enterprise ``j``: ``estimate_cny`` ({low, high} or None) and ``estimate`` with
    ``currency``, ``basis`` and ``sources`` of the counted lines, every ``line``, ``missing`` and ``why``."""
    p = r.plan
    if not p.lines:
        return unpaid(p)
    m, clause = p.measure, p.measure.node()
    lines = []
    for i, ln in enumerate(p.lines):
        st = int(r.status[i][j])
        b = int(r.base[i][j])
        cur = "CNY"
        if b == CAP_OWN:
            cur = (figs.currency or ["?"])[j]
        elif ln.amount is not None:
            cur = ln.amount["currency"]
        line: dict[str, Any] = {"kind": ln.kind, "status": STATUSES[st],
                                "basis": _basis(p, ln, figs, j, st), "source": _source(p, ln)}
        if ln.amount is not None:
            line.update(amount=ln.amount["id"], base=f"award:{m.id}", base_value=None, currency=cur,
                        path=path([clause, node(ln.amount["id"], "Amount", ln.amount["quote"])],
                                  [edge(m.id, ln.amount["id"], "STATES")]))
        else:
            form, used = ln.form, ln.used
            inst = node(form["id"], "Instrument", form["name"])  # type: ignore[index]
            via = None if form["id"] == used else node(used, "Instrument", form["used_name"])  # type: ignore[index,arg-type]
            bkey = BASES[ln.kind].key if ln.kind in BASES else None
            known = st in (EST, OTHER, COND_NOT, COND_UNK)
            value = (figs.rd[j] if b == RD else figs.cap_cny[j] if b == CAP_CNY else figs.cap[j]) if known else None
            line.update(instrument=inst, via=via, rate_low=ln.low, rate_high=ln.high, rates=list(ln.rate_ids),
                        base=BASE_KEYS[b] if known else bkey,
                        base_value=(int(value) if float(value).is_integer() else float(value)) if value is not None
                        else None, currency=cur if known else None,
                        path=path([clause, via or inst], [edge(m.id, used, "USES_INSTRUMENT")]))  # type: ignore[arg-type]
            if i in r.conditions:
                line["conditions"] = r.conditions[i]
            if st == MISSING:
                line["missing"] = [bkey] if bkey else []
            elif st == COND_UNK:
                line["missing"] = sorted({f for g in r.conditions.get(i, []) for f in g["missing"]})
        if st in (EST, OTHER, BOUNDS):
            line.update(low=int(r.low[i][j]), high=int(r.high[i][j]))
        line["estimate"] = ({"low": line["low"], "high": line["high"], "currency": cur}
                            if st in (EST, OTHER) else None)
        line["why"] = _why(ln, st, cur)
        line["counted"] = bool(r.counted[i][j])
        lines.append(line)
    counted = [ln for ln in lines if ln["counted"]]
    total = ({"low": int(r.total_low[j]), "high": int(r.total_high[j])} if r.has[j] else None)
    missing = sorted({f for ln in lines for f in ln.get("missing", [])})
    why = None
    if total is None:
        reasons = [ln["why"] for ln in lines if ln["why"]]
        budget = budget_words(m)
        if budget:
            reasons.append(budget)
        why = "; ".join(dict.fromkeys(reasons)) or None
    return {"estimate_cny": total, "estimate": {
        "currency": "CNY", "low": total["low"] if total else None, "high": total["high"] if total else None,
        "basis": [ln["basis"] for ln in counted], "sources": [ln["source"] for ln in counted],
        "lines": lines, "missing": missing, "why": why}}


# --- across measures ---------------------------------------------------------------------------
def stack(snap: PolicySnapshot, results: list[dict[str, Any]], statuses: tuple[str, ...] = ("met",)) -> dict[str, Any]:
    """The total over measures with these statuses, with each document's stacking rule applied."""
    naive = {"low": 0, "high": 0}
    per_doc: dict[str, dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]] = {}
    for r in results:
        if r["status"] not in statuses or not r["estimate_cny"]:
            continue
        naive["low"] += r["estimate_cny"]["low"]
        naive["high"] += r["estimate_cny"]["high"]
        for ln in r["estimate"]["lines"]:
            if ln["counted"]:
                per_doc.setdefault(r["clause"]["document"], {}).setdefault(ln["base"], []).append((r, ln))
    total = {"low": 0, "high": 0}
    applied = []
    for doc in sorted(per_doc):
        rule = snap.stacking_rule(doc)
        once = rule is not None and rule.get("policy") in ("highest_once", "no_duplicate", "choose_one")
        for base in sorted(per_doc[doc]):
            entries = per_doc[doc][base]
            if once:
                r, ln = max(entries, key=lambda e: (e[1]["high"], e[1]["low"], -(e[0]["clause"]["number"] or 0)))
                total["low"] += ln["low"]
                total["high"] += ln["high"]
                applied.append({"document": doc, "base": base, "rule": {k: rule.get(k) for k in ("id", "policy", "quote")},
                                "counted": {"clause": r["clause"]["id"],
                                            "source": ln.get("instrument", {}).get("id") or ln.get("amount"),
                                            "instrument": (ln.get("instrument") or {}).get("id"),
                                            "low": ln["low"], "high": ln["high"]},
                                "not_counted": [e[0]["clause"]["id"] for e in entries if e[0] is not r]})
            else:
                for _, ln in entries:
                    total["low"] += ln["low"]
                    total["high"] += ln["high"]
    return {"total": total if per_doc else None, "naive_sum": naive if per_doc else None, "stacking": applied}


STACKING_METHOD = (
    "Each measure's estimate is the award it states (给予X万元奖励: exactly X; 最高X万元: 0 to X) or, for each "
    "instrument it uses, the instrument's rate × the enterprise's figure for its base, with the basis named "
    "(same base within a measure: the highest counts; a stated cap bounds the instrument lines). A budget floor "
    "(每年安排预算不少于X) is a total for all recipients and never an estimate. The total counts measures that are "
    "met; where a document states a stacking rule (highest_once: 从优、从高、不重复), the same base figure (one "
    "project) is paid once across that document's measures, at the highest estimate; awards a measure states "
    "are its own; documents without such a rule add up. Figures in another currency are listed per measure but "
    "not added (no exchange rate is assumed).")
