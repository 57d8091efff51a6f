"""Which measures an enterprise can use: three-valued eligibility, reasons as graph paths, estimates.

Eligibility of one enterprise for one measure in force
------------------------------------------------------
A measure states up to five *criteria*; each one it states is required (AND), and within one any
match suffices (OR):

``industry``  the measure SUPPORTS some industry, and the enterprise is IN_INDUSTRY that industry or a
              narrower one (``SUBINDUSTRY_OF*``): a 生物医药 firm meets a measure for 生命健康, and the
              reason's path shows the step. A broader industry does not meet a narrower measure.
``tier``      the measure TARGETS some tier, and the enterprise HAS_TIER one of them or a narrower one
              (``SUBTIER_OF*``, national definitions: a 高新技术企业 is a 科技型企业), the reason's path
              showing the step. Registries list tier holders, so a firm without the tier does not hold it
              (not_met, never unknown). Industries the measure lists as examples of what the tier does
              (从事货物贸易、跨境电子商务、服务贸易等行业的外贸企业: SUPPORTS with ``role: example``) meet it
              too: an open list is any-of, and never excludes a holder of the tier, whatever its trade.
``place``     the measure APPLIES_IN some place, and the enterprise is LOCATED_IN (address or tax) that
              place or one inside it (``PART_OF*``).
``programme`` the measure REQUIRES_SELECTION in some programme (its own words make selection the
              criterion: 对列入“领军企业跨越发展计划”的, …的入选人才创新项目), and the enterprise was
              SELECTED_IN one of them. Selection lists are registries too: not selected is not_met.
``condition`` every typed Condition the measure HAS_CONDITION holds; conditions sharing an
              ``alternative_group`` are alternatives (any one suffices), see :mod:`policykg.analysis.rules.criteria`.

Only a link whose role (``role`` on SUPPORTS / TARGETS / APPLIES_IN, read by ``link.roles``) is a
criterion or a scope is one of these criteria; a ``context`` link (a place the measure will build:
加快建设智造供给小镇) decides nothing, and is shown (``status: info``, with its ``words``) when the firm is
linked to it.

A criterion is ``unknown`` when the enterprise's data lacks what it needs: no industry at all
(``missing: ["industries"]``), no place (``["place"]``), a condition's field null (e.g.
``["revenue_cny"]``). The measure's status is ``not_met`` if any criterion is not met, else
``unknown`` if any is unknown, else ``met``. A measure that states no criterion at all is
``unknown`` with a reason saying so: whether a firm qualifies must be read from its text.
Programmes a measure only REFERS_TO (no selection in its words) are shown (``dimension: programme``,
``status: info``) when the firm was SELECTED_IN them, but decide nothing (measure 18 refers to
provincial frames, not selections).
A measure is a *near miss* for a firm when the firm could close every gap: it fails only criteria it can
change (a threshold on a figure that grows, a tier it could obtain, a selection it could apply for) or
its data lacks what a criterion needs; an industry, a place or the firm's age never can be changed
(:mod:`policykg.analysis.rules.criteria` defines it, with ``closeness``: criteria unmet, then the
relative shortfall). ``failed`` names what it lacks, ``missing`` the data. Where the text prefers some
holders (``preference`` on TARGETS / SUPPORTS: 给予瞪羚企业政策倾斜) the answer says ``preferred`` with a
reason (``dimension: preference``) naming the words.

Conditions are currency-aware: a threshold in CNY is compared with ``registered_capital_cny`` (or the
capital itself when it is in CNY), one in USD with a capital in USD. No exchange rate is invented:
a capital in another currency is ``unknown`` against that threshold — unless the same alternative
group also states the threshold in the firm's own currency (注册资本1亿元人民币或1000万美元以上), in
which case that alternative decides. Fields: ``registered_capital``, ``revenue`` (revenue_cny),
``rd_spend`` (rd_spend_cny), ``employees``, ``founded_years`` (from ``founded`` to the as-of date),
``revenue_growth`` / ``rd_growth`` (latest two consecutive years of Financial figures), ``rd_ratio``
(rd_spend_cny / revenue_cny); any other field is ``unknown``, named as missing.

Estimates
---------
What a measure could pay is defined once, in :mod:`policykg.analysis.rules.estimates` (its docstring
states the plan: the awards a measure states, instruments' rates × the base the enterprise reports, the
basis in words, budget floors never an award, stacking per document); :func:`estimate` runs it for one
enterprise, judging an instrument's own conditions with the rule engine (``criteria.condition_groups``).
``estimate_total_cny`` counts measures that are ``met``; ``if_unknown_met_cny`` adds the unknown ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from policykg.analysis.rules import criteria, estimates
from policykg.analysis.rules.criteria import CNY_FIELDS, GROWTH_FIELDS
from policykg.analysis.rules.facts import ProfileFacts, growth_of, growth_years
from policykg.analysis.snapshot import Measure, PolicySnapshot, edge, load_snapshot, node, path
from policykg.errors import NotFound
from policykg.graph.base import Backend, chunks

STATUS_ORDER = {"met": 0, "unknown": 1, "not_met": 2}



@dataclass
class Profile:
    """One enterprise and what it is linked to."""

    props: dict[str, Any]
    industries: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    programmes: list[dict[str, Any]] = field(default_factory=list)
    investors: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    financials: list[dict[str, Any]] | None = None

    @property
    def id(self) -> str:
        return self.props["id"]

    @cached_property
    def linked(self) -> dict[str, frozenset[str]]:
        """The ids of its industries, places, tiers and programmes (read once the links are complete: by classify)."""
        return {"industries": frozenset(x["id"] for x in self.industries),
                "places": frozenset(x["id"] for x in self.places), "tiers": frozenset(x["id"] for x in self.tiers),
                "programmes": frozenset(x["id"] for x in self.programmes)}

    def node(self) -> dict[str, Any]:
        return node(self.id, "Enterprise", self.props.get("name"))

    def summary(self) -> dict[str, Any]:
        p = self.props
        return {**{k: p.get(k) for k in ("id", "name", "founded", "registered_capital", "currency",
                                         "registered_capital_cny", "employees", "listed", "revenue_cny",
                                         "rd_spend_cny", "figures_year")},
                "industries": [{"id": x["id"], "name": x["name"]} for x in self.industries],
                "places": [{"id": x["id"], "name": x["name"], "kind": x["detail"]} for x in self.places],
                "tiers": [{"id": x["id"], "name": x["name"], "year": x["year"], "issuer": x["detail"]}
                          for x in self.tiers]}


LINK_ATTR = {"IN_INDUSTRY": "industries", "LOCATED_IN": "places", "HAS_TIER": "tiers", "SELECTED_IN": "programmes",
             "INVESTED_IN": "investors", "RECEIVED": "grants"}


def finish_profile(prof: Profile) -> Profile:
    """Links in id order, yearly figures by year: a Profile reads the same from the graph or the index."""
    for attr in LINK_ATTR.values():
        getattr(prof, attr).sort(key=lambda x: (x["id"], x.get("detail") or ""))
    if prof.financials is not None:
        prof.financials.sort(key=lambda x: x["year"])
    return prof


def load_profile(backend: Backend, uscc: str, financials: bool = False) -> Profile:
    """One enterprise with all its links (key lookups, whatever the registry's size)."""
    rows = backend.query("enterprise_profile", {"uscc": uscc}).records()
    if not rows:
        raise NotFound(f"no enterprise with USCC {uscc!r}", id=uscc)
    prof = Profile(rows[0])
    for r in backend.query("enterprise_links", {"uscc": uscc}).records():
        getattr(prof, LINK_ATTR[r["type"]]).append(r)
    if financials:
        prof.financials = backend.query("enterprise_financials", {"uscc": uscc}).records()
    return finish_profile(prof)


def load_profiles(backend: Backend, ids: list[str], financials: bool = False) -> dict[str, Profile]:
    """Many enterprises by id with what eligibility needs (industries, places, tiers, programmes; yearly
    figures when asked) — not investors or grants — in a few queries per 10,000."""
    out: dict[str, Profile] = {}
    for part in chunks(sorted(set(ids)), 10_000):
        for r in backend.query("enterprises_by_id", {"ids": part}).records():
            out[r["id"]] = Profile(r, financials=[] if financials else None)
        for r in backend.query("enterprises_links", {"ids": part}).records():
            prof = out.get(r["enterprise"])
            if prof is not None:
                getattr(prof, LINK_ATTR[r["type"]]).append(r)
        if financials:
            for r in backend.query("enterprises_financials", {"ids": part}).records():
                if r["enterprise"] in out:
                    out[r["enterprise"]].financials.append(r)  # type: ignore[union-attr]
    for prof in out.values():
        finish_profile(prof)
    return out


# --- conditions: the decision is the rule engine's (rules.criteria); here, what a reason shows -----
def enterprise_value(prof: Profile, cond: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """What a reason shows of the enterprise for a condition: ``{field, value, unit}`` (with ``years`` for a
    growth figure, ``message`` where the figure cannot be compared). The status is decided by
    :func:`policykg.analysis.rules.criteria.check`, not here."""
    p, f, unit = prof.props, cond["field"], cond.get("unit")
    if f in ("registered_capital", "paid_in_capital"):
        cap, cur, cap_cny = p.get("registered_capital"), p.get("currency") or "CNY", p.get("registered_capital_cny")
        if unit == "CNY" and cap_cny is not None:
            return {"field": "registered_capital_cny", "value": cap_cny, "unit": "CNY"}
        if cap is None or cur == unit:
            return {"field": "registered_capital", "value": cap, "unit": cur if cap is not None else None}
        return {"field": "registered_capital_cny" if unit == "CNY" else "registered_capital", "value": cap,
                "unit": cur,
                "message": f"the registered capital is in {cur} and the threshold in {unit}; no exchange rate is assumed"}
    if f in CNY_FIELDS:
        key = CNY_FIELDS[f]
        out: dict[str, Any] = {"field": key, "value": p.get(key), "unit": "CNY" if p.get(key) is not None else None}
        if p.get(key) is not None and unit not in (None, "CNY"):
            out["message"] = f"the figure is in CNY and the threshold in {unit}; no exchange rate is assumed"
        return out
    if f == "employees":
        return {"field": "employees", "value": p.get("employees"), "unit": "persons"}
    if f == "founded_years":
        if not p.get("founded"):
            return {"field": "founded", "value": None}
        years = (as_of - dt.date.fromisoformat(str(p["founded"]))).days / 365.25
        return {"field": "founded", "value": round(years, 2), "unit": "years"}
    if f in GROWTH_FIELDS:
        key = GROWTH_FIELDS[f]
        value = growth_of(prof.financials, key)
        if value is None:
            return {"field": f"financials.{key} (two consecutive years)", "value": None}
        return {"field": f, "value": round(value, 4), "unit": "ratio", "years": growth_years(prof.financials, key)}
    if f == "rd_ratio":
        if p.get("rd_spend_cny") is None or not p.get("revenue_cny"):
            return {"field": "rd_spend_cny" if p.get("rd_spend_cny") is None else "revenue_cny", "value": None}
        return {"field": "rd_ratio", "value": round(p["rd_spend_cny"] / p["revenue_cny"], 4), "unit": "ratio"}
    return {"field": f, "value": None, "message": f"the enterprise data has no field for {f!r}"}


def _shown(prof: Profile, chk: criteria.Check, k: int, as_of: dt.date) -> dict[str, Any]:
    """One alternative of a condition group as a reason shows it: the engine's status for enterprise ``k``
    of its facts, with the enterprise's value."""
    cond = chk.cond
    ev = enterprise_value(prof, cond, as_of)
    status = criteria.STATUS[int(chk.codes[k])]
    shown = {key: cond.get(key) for key in ("id", "field", "operator", "value", "unit", "quote")}
    base = {"condition": shown, "enterprise_field": ev["field"],
            "enterprise_value": ev.get("value") if status != "unknown" else None}
    if status == "unknown":
        return {**base, "status": status, "missing": [chk.missing(k)], "message": ev.get("message")}
    if status == "incomparable":
        return {**base, "status": status, "missing": [chk.missing(k)], "message": ev.get("message"),
                "enterprise_unit": ev.get("unit")}
    return {**base, "status": status, "enterprise_unit": ev.get("unit"),
            **({"years": ev["years"]} if "years" in ev else {})}


def _groups(prof: Profile, groups: list[criteria.Criterion], k: int, as_of: dt.date) -> list[dict[str, Any]]:
    return [{"group": g.name.removeprefix("condition:"), "status": criteria.STATUS[int(g.codes[k])],
             "alternatives": [_shown(prof, chk, k, as_of) for chk in g.checks], "missing": g.missing(k)}
            for g in groups]


# --- one measure -------------------------------------------------------------------------------
def _cond_path(snapshot_owner: dict[str, Any], cond: dict[str, Any]) -> dict[str, Any]:
    return path([snapshot_owner, node(cond["id"], "Condition", cond.get("quote"))],
                [edge(snapshot_owner["id"], cond["id"], "HAS_CONDITION")])


def classify(snap: PolicySnapshot, m: Measure, prof: Profile) -> dict[str, Any]:
    """The status of one measure for one enterprise, without reasons: ``status``, ``missing``, ``failed``,
    ``near_miss`` and the decided condition ``groups``, all from the rule engine
    (:func:`policykg.analysis.rules.criteria.judge`). :func:`evaluate` adds the reasons."""
    return decision(criteria.judge(m, ProfileFacts([prof]), snap.as_of), 0, prof, snap.as_of)


def decision(j: criteria.Judgement, k: int, prof: Profile, as_of: dt.date) -> dict[str, Any]:
    """:func:`classify`'s answer for enterprise ``k`` of a judgement (``prof`` is that enterprise)."""
    groups = [c for c in j.criteria if c.checks]
    return {"status": criteria.STATUS[int(j.status[k])], "missing": j.missing(k), "failed": j.failed(k),
            "near_miss": bool(j.near[k]), "closeness": j.closeness(k), "preferred": bool(j.preferred[k]),
            "groups": _groups(prof, groups, k, as_of),
            "alternative": int(j.chosen[k]) if j.chosen is not None else None}


def _tree_paths(tree: Any, prof: Profile, m: Measure, ent: dict[str, Any], clause: dict[str, Any],
                starts: list[dict[str, Any]], targets: Any, own_rel: str, measure_rel: str) -> list[tuple[dict, dict]]:
    """Paths enterprise -own_rel-> item (-tree edges->)* target <-measure_rel- measure, for every item of
    the enterprise's that is, or lies within, one of the measure's targets (industries, tiers or places)."""
    out = []
    for item in starts:
        for target in targets:
            chain = tree.chain(item["id"], target, m.document)
            if chain:
                nodes, edges = tree.chain_path(chain)
                out.append((item, path([ent, *nodes, clause],
                                       [edge(prof.id, chain[0], own_rel), *edges, edge(m.id, target, measure_rel)])))
    return out


def _required(tree: Any, ids: list[str]) -> list[dict[str, Any]]:
    return [tree.node(i) for i in ids]


#: a context link's type -> (the enterprise's own link, its dimension, the profile's list)
_CONTEXT = {"SUPPORTS": ("IN_INDUSTRY", "industry", "industries"), "TARGETS": ("HAS_TIER", "tier", "tiers"),
            "APPLIES_IN": ("LOCATED_IN", "place", "places")}


def _context(snap: PolicySnapshot, m: Measure, prof: Profile, ent: dict[str, Any],
             clause: dict[str, Any]) -> list[dict[str, Any]]:
    """What the measure names as context (a place to build) and the enterprise is linked to: shown, with the
    words that make it context, deciding nothing."""
    out = []
    for rel, target in m.context:
        own, dimension, attr = _CONTEXT[rel]
        for x in getattr(prof, attr):
            if x["id"] == target:
                out.append({"dimension": dimension, "status": "info", "role": "context",
                            "words": m.evidence[(rel, target)]["role_words"],
                            "message": "the measure names this as context (e.g. a place it will build), "
                                       "not as a condition: it decides nothing",
                            "path": path([ent, snap.named(target), clause],
                                         [edge(prof.id, target, own), edge(m.id, target, rel)])})
                break
    return out


def _preference(snap: PolicySnapshot, m: Measure, prof: Profile, ent: dict[str, Any],
                clause: dict[str, Any]) -> list[dict[str, Any]]:
    """What the measure's text prefers (给予瞪羚企业政策倾斜) and the enterprise holds: why it is listed first."""
    found = _tree_paths(snap.tiers, prof, m, ent, clause, prof.tiers,
                        sorted(t for rel, t in m.preferred if rel == "TARGETS"), "HAS_TIER", "TARGETS")
    found += _tree_paths(snap.industries, prof, m, ent, clause, prof.industries,
                         sorted(i for rel, i in m.preferred if rel == "SUPPORTS"), "IN_INDUSTRY", "SUPPORTS")
    return [{"dimension": "preference", "status": "info",
             "words": m.evidence[(p["edges"][-1]["type"], p["nodes"][-2]["id"])].get("preference"),
             "message": "the measure's text prefers the enterprises that hold this: they are listed first",
             "path": p} for _, p in found]


def evaluate(snap: PolicySnapshot, m: Measure, prof: Profile, decided: dict[str, Any] | None = None) -> dict[str, Any]:
    """The status of one measure for one enterprise (:func:`classify`, or ``decided``: its answer for this
    enterprise from a judgement of many), with the reasons: graph paths for what is met, what the measure
    requires and the enterprise has for what is not."""
    ent, clause = prof.node(), m.node()
    decided = decided if decided is not None else classify(snap, m, prof)
    reasons: list[dict[str, Any]] = []
    if m.industries:
        found = [p for _, p in _tree_paths(snap.industries, prof, m, ent, clause, prof.industries, m.industries,
                                           "IN_INDUSTRY", "SUPPORTS")]
        if found:
            reasons += [{"dimension": "industry", "status": "met",
                         "message": "the enterprise's industry is one the measure supports"
                         + (" (through a narrower industry)" if len(p["nodes"]) > 3 else ""), "path": p}
                        for p in found]
        elif not prof.industries:  # what is required is built only when it is shown
            reasons.append({"dimension": "industry", "status": "unknown", "required": _required(snap.industries, m.industries),
                            "message": "the enterprise has no industry on record"})
        else:
            reasons.append({"dimension": "industry", "status": "not_met", "required": _required(snap.industries, m.industries),
                            "enterprise": [snap.industries.node(i["id"]) for i in prof.industries],
                            "message": "none of the enterprise's industries is (or lies within) one the measure supports"})
    if m.tiers:
        held = _tree_paths(snap.tiers, prof, m, ent, clause, prof.tiers, m.tiers, "HAS_TIER", "TARGETS")
        does = [] if held or not m.examples else _tree_paths(
            snap.industries, prof, m, ent, clause, prof.industries, m.examples, "IN_INDUSTRY", "SUPPORTS")
        if held:
            reasons += [{"dimension": "tier", "status": "met", "year": t["year"], "issuer": t["detail"],
                         "message": "the enterprise holds a tier the measure targets"
                         + (" (a narrower one)" if len(p["nodes"]) > 3 else ""), "path": p}
                        for t, p in held]
        elif does:
            reasons += [{"dimension": "tier", "status": "met", "role": "example",
                         "words": m.evidence[("SUPPORTS", p["nodes"][-2]["id"])]["role_words"],
                         "message": "the enterprise works in an industry the measure gives as an example of what "
                                    "the enterprises it targets do (an open list: any one suffices)", "path": p}
                        for _, p in does]
        else:
            reasons.append({"dimension": "tier", "status": "not_met",
                            "required": [snap.named(t, "Tier") for t in m.tiers],
                            "enterprise": [node(t["id"], "Tier", t["name"]) for t in prof.tiers],
                            "message": "the enterprise holds none of the tiers the measure targets"})
    if m.places:
        found = [(loc["detail"], p) for loc, p in _tree_paths(snap.places, prof, m, ent, clause, prof.places,
                                                             m.places, "LOCATED_IN", "APPLIES_IN")]
        if found:
            reasons += [{"dimension": "place", "status": "met", "kind": kind,
                         "message": "the enterprise is located in a place the measure applies in"
                         + (" (inside it)" if len(p["nodes"]) > 3 else ""), "path": p} for kind, p in found]
        elif not prof.places:
            reasons.append({"dimension": "place", "status": "unknown", "required": _required(snap.places, m.places),
                            "message": "the enterprise has no place on record"})
        else:
            reasons.append({"dimension": "place", "status": "not_met", "required": _required(snap.places, m.places),
                            "enterprise": [snap.places.node(p["id"]) for p in prof.places],
                            "message": "the enterprise is located in none of the places the measure applies in"})
    if m.selections:
        chosen = [p for p in prof.programmes if p["id"] in m.selections]
        if chosen:
            reasons += [{"dimension": "programme", "status": "met", "category": p["detail"], "year": p["year"],
                         "message": "the enterprise was selected in a programme the measure is for",
                         "path": path([ent, node(p["id"], "Programme", p["name"]), clause],
                                      [edge(prof.id, p["id"], "SELECTED_IN"), edge(m.id, p["id"], "REQUIRES_SELECTION")]),
                         # a channel's fund invests in the programme's selectees: a candidate, the fund decides
                         **({"status": "unknown", "role": "candidate",
                             "words": m.evidence[("REQUIRES_SELECTION", p["id"])]["role_words"],
                             "message": "the enterprise was selected in the programme whose selectees the measure's "
                                        "fund invests in: it is a candidate, the fund decides"}
                            if p["id"] in m.candidates else {})}
                        for p in chosen]
        else:
            reasons.append({"dimension": "programme", "status": "not_met",
                            "required": [snap.named(p, "Programme") for p in m.selections],
                            "enterprise": [node(p["id"], "Programme", p["name"]) for p in prof.programmes],
                            "message": "the enterprise was selected in none of the programmes the measure is for"})
    for g in decided["groups"]:
        for alt in g["alternatives"]:
            cond = next(c for c in m.conditions if c["id"] == alt["condition"]["id"])
            reasons.append({"dimension": "condition", "status": alt["status"], "group": g["group"],
                            "group_status": g["status"], **{k: v for k, v in alt.items() if k != "status"},
                            "path": _cond_path(clause, cond)})
    for prog in prof.programmes:
        if prog["id"] in m.programmes and prog["id"] not in m.selections:
            reasons.append({"dimension": "programme", "status": "info", "category": prog["detail"],
                            "year": prog["year"],
                            "message": "the enterprise was selected in a programme the measure refers to "
                                       "(shown for information; it decides nothing)",
                            "path": path([ent, node(prog["id"], "Programme", prog["name"]), clause],
                                         [edge(prof.id, prog["id"], "SELECTED_IN"),
                                          edge(m.id, prog["id"], "REFERS_TO")])})
    if decided.get("alternative") is not None:
        alt = m.alternatives[decided["alternative"]]
        reasons.insert(0, {"dimension": "alternative", "status": decided["status"], "statement": alt.statement,
                           "words": alt.words or m.title,
                           "message": "the measure describes its beneficiaries in alternative statements (any one "
                                      "suffices); this is the one closest to the enterprise, and its criteria decide"})
    reasons += _context(snap, m, prof, ent, clause)
    if decided["preferred"]:
        reasons += _preference(snap, m, prof, ent, clause)
    if not m.checkable:
        reasons.insert(0, {"dimension": "none", "status": "unknown",
                           "message": "the measure states no machine-checkable criterion (industry, tier, place, "
                                      "programme or condition): whether the enterprise qualifies must be judged from its text"})
    received = [{"grant": g["id"], "year": g["year"], "amount_cny": g["amount_cny"],
                 "path": path([ent, node(g["id"], "Grant", g["id"]), clause],
                              [edge(prof.id, g["id"], "RECEIVED"), edge(g["id"], m.id, "GRANTED_UNDER")])}
                for g in prof.grants if g["detail"] == m.id]
    return {"clause": m.summary(), "status": decided["status"], "missing": decided["missing"],
            "failed": decided["failed"], "near_miss": decided["near_miss"], "closeness": decided["closeness"],
            "preferred": decided["preferred"], "reasons": reasons, "received": received}


# --- estimates ---------------------------------------------------------------------------------
def estimate(snap: PolicySnapshot, m: Measure, prof: Profile, words: bool = True) -> dict[str, Any]:
    """What the measure would pay this enterprise (:mod:`policykg.analysis.rules.estimates`): ``estimate_cny``
    ({low, high} or None) and ``estimate`` (lines, basis, sources, missing, why); ``words=False``: only
    ``estimate_cny`` (a ranking needs no more)."""
    return estimates_of(snap, m, [prof], words)[0]


def estimates_of(snap: PolicySnapshot, m: Measure, profiles: list[Profile], words: bool = True,
                 facts: ProfileFacts | None = None, figs: estimates.Figures | None = None) -> list[dict[str, Any]]:
    """:func:`estimate` for each of ``profiles``, computed together (one pass of the rule over arrays);
    ``facts`` and ``figs``: theirs, when already made."""
    p = estimates.plan(snap, m)
    if not p.lines:
        return [estimates.unpaid(p) if words else {"estimate_cny": None} for _ in profiles]
    facts = facts or ProfileFacts(profiles)
    judged: dict[int, list[criteria.Criterion]] = {}

    def judge(conditions: list[dict[str, Any]]) -> np.ndarray:  # the one seam: an instrument's own conditions
        groups = judged[id(conditions)] = criteria.condition_groups(facts, conditions, snap.as_of)
        return estimates.worst([g.codes for g in groups])

    figs = figs or estimates.Figures.of(*(prof.props for prof in profiles))
    r = estimates.compute(p, figs, judge)
    if not words:
        return [{"estimate_cny": {"low": int(r.total_low[k]), "high": int(r.total_high[k])} if r.has[k] else None}
                for k in range(len(profiles))]
    out = []
    for k, prof in enumerate(profiles):
        r.conditions = {i: _groups(prof, judged[id(ln.form["conditions"])], k, snap.as_of)
                        for i, ln in enumerate(r.plan.lines)
                        if ln.form is not None and id(ln.form["conditions"]) in judged}
        out.append(estimates.render(r, figs, k))
    return out


def _sort_key(r: dict[str, Any]) -> tuple:
    est = r["estimate_cny"]
    return (STATUS_ORDER[r["status"]], -(est["high"] if est else -1), -(est["low"] if est else -1),
            r["clause"]["document"], r["clause"]["number"] or 0)


def eligible_clauses(backend: Backend, uscc: str, on: Any = None, document: str | None = None,
                     snapshot: PolicySnapshot | None = None) -> dict[str, Any]:
    """Every measure in force with this enterprise's status, reasons, missing fields and estimate.

    Sorted by status (met, unknown, not_met), then by estimate (highest first), then document order.
    """
    snap = snapshot or load_snapshot(backend, on, document)
    prof = load_profile(backend, uscc, financials=snap.conditions_need_financials)
    return eligible_for(snap, prof)


def eligible_for(snap: PolicySnapshot, prof: Profile) -> dict[str, Any]:
    results = []
    facts, figs = ProfileFacts([prof]), estimates.Figures.of(prof.props)
    for m, j in zip(snap.measures, criteria.judge_each(snap.measures, facts, snap.as_of), strict=True):
        r = evaluate(snap, m, prof, decision(j, 0, prof, snap.as_of))
        est = estimates_of(snap, m, [prof], facts=facts, figs=figs)[0]
        r["estimate_cny"] = est["estimate_cny"]
        r["estimate"] = est["estimate"]
        results.append(r)
    results.sort(key=_sort_key)
    met = estimates.stack(snap, results, ("met",))
    maybe = estimates.stack(snap, results, ("met", "unknown"))
    counts = {s: sum(1 for r in results if r["status"] == s) for s in STATUS_ORDER}
    other = [{"clause": r["clause"]["id"], "instrument": (ln.get("instrument") or {}).get("id"),
              "amount": ln.get("amount"), "currency": ln["currency"],
              "low": ln["low"], "high": ln["high"]}
             for r in results if r["status"] == "met" for ln in r["estimate"]["lines"]
             if ln["status"] == "other_currency"]
    return {
        "enterprise": prof.summary(),
        "as_of": snap.as_of.isoformat(),
        "document": snap.document,
        "counts": counts,
        "estimate_total_cny": met["total"],
        "estimate_total": {"method": estimates.STACKING_METHOD, "without_stacking_cny": met["naive_sum"],
                           "stacking": met["stacking"], "if_unknown_met_cny": maybe["total"],
                           "other_currency": other},
        "items": results,
    }
