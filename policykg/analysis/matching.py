"""Investment promotion: the enterprises a measure or an industry can reach, near misses, look-alikes.

``matching_enterprises`` (a measure in force)
    The candidate pool is every enterprise linked to something the measure names: IN_INDUSTRY one
    of its industries or a narrower one, holding one of its tiers or a narrower one, or LOCATED_IN one of its places or
    a place inside, or SELECTED_IN a programme it is for (``enterprises_linked``). Each candidate is judged by exactly the rules of
    :mod:`policykg.analysis.eligibility` (the same code as ``eligible-clauses``), so the two answers
    always agree (the rule engine, :mod:`policykg.analysis.rules`, judges both). ``items`` are the firms
    that meet the measure; ``near_misses`` the firms worth a call (:mod:`policykg.analysis.rules.criteria`:
    they fail only criteria they can change, named in ``failed``, or lack data, named in ``missing``);
    ``unknown`` the firms whose data leaves the answer open, with the missing fields (near misses too).
    Each list's order is stated in ``order_by`` (:data:`policykg.analysis.rules.ranking.ORDER_BY`): firms
    holding what the text prefers first, then by estimated support or, for near misses and unknowns, by
    closeness. A measure that names no industry, tier or place has no pool: the answer says so in
    ``note`` (its conditions alone would mean judging every enterprise in the registry). The pool holds
    only firms linked to something the measure names, so a firm linked to nothing it names is never a
    near miss here (for a measure of tiers only, every firm of the registry lacks the tier), though
    ``eligible-clauses`` marks it as one.

``industry_enterprises``
    Enterprises IN_INDUSTRY the industry or a narrower one, each with the path that links it;
    largest registered capital (CNY) first, then USCC; found, filtered, counted and paged in the
    graph (``enterprises_search``), so only the page is loaded.

Filters (both): ``place`` (the place or any place inside it; address or tax), ``tier``,
``capital_min`` / ``capital_max`` on ``registered_capital_cny`` in yuan (firms with capital in another
currency and no CNY figure are left out when a capital filter is set), ``founded_from`` /
``founded_to`` as years, inclusive (firms without a founding date are left out when set).

``similar_enterprises``
    Firms sharing an investor (weight 3), a programme (2), an industry (2) or a place (1) with the
    enterprise, ranked by the sum of the weights, each shared thing listed with its path.

The pool and the statuses per (measure, enterprise) depend only on the loaded data: the API keeps them,
ranked, in a derived index (:mod:`policykg.analysis.derived`) built once per data version, and answers
from it when it matches the data, date and document; otherwise they are computed live. Both give the
same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from policykg.analysis import derived
from policykg.analysis.browse import enterprises as search_enterprises
from policykg.analysis.eligibility import (
    Profile,
    decision,
    estimates_of,
    evaluate,
    load_profile,
    load_profiles,
)
from policykg.analysis.rules import criteria, ranking
from policykg.analysis.rules.facts import ProfileFacts
from policykg.analysis.snapshot import PolicySnapshot, Tree, edge, load_snapshot, load_trees, node, path
from policykg.errors import NotFound, ValidationError
from policykg.graph.base import Backend


@dataclass
class Filters:
    place: str | None = None
    tier: str | None = None
    capital_min: int | None = None
    capital_max: int | None = None
    founded_from: int | None = None
    founded_to: int | None = None

    def check(self, places: Tree, tiers: set[str]) -> set[str] | None:
        """Validate against the taxonomy; returns the place filter expanded to the places inside."""
        if self.capital_min is not None and self.capital_max is not None and self.capital_min > self.capital_max:
            raise ValidationError("capital_min is larger than capital_max", field="capital_min")
        if self.founded_from is not None and self.founded_to is not None and self.founded_from > self.founded_to:
            raise ValidationError("founded_from is later than founded_to", field="founded_from")
        if self.tier and self.tier not in tiers:
            raise ValidationError(f"no tier with id {self.tier!r}", field="tier")
        if self.place:
            if self.place not in places.nodes:
                raise ValidationError(f"no place with id {self.place!r}", field="place")
            return places.descendants([self.place])
        return None

    def accept(self, prof: Profile, places: set[str] | None) -> bool:
        p = prof.props
        if places is not None and not any(loc["id"] in places for loc in prof.places):
            return False
        if self.tier and not any(t["id"] == self.tier for t in prof.tiers):
            return False
        cap = p.get("registered_capital_cny")
        if self.capital_min is not None and (cap is None or cap < self.capital_min):
            return False
        if self.capital_max is not None and (cap is None or cap > self.capital_max):
            return False
        if self.founded_from is not None or self.founded_to is not None:
            if not p.get("founded"):
                return False
            year = dt.date.fromisoformat(str(p["founded"])).year
            if self.founded_from is not None and year < self.founded_from:
                return False
            if self.founded_to is not None and year > self.founded_to:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _tier_ids(snap_names: dict[str, dict[str, Any]]) -> set[str]:
    return {i for i, r in snap_names.items() if r["label"] == "Tier"}


def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}


def matching_enterprises(backend: Backend, clause_id: str, filters: Filters | None = None, on: Any = None,
                         limit: int = 50, offset: int = 0, near_limit: int = 50,
                         snapshot: PolicySnapshot | None = None, index: Any = None) -> dict[str, Any]:
    """``index``: a :class:`policykg.analysis.derived.DerivedIndex` built from the same data, date and
    document as ``snapshot`` (the caller checks); the answer is the same with or without it."""
    filters = filters or Filters()
    snap = snapshot or load_snapshot(backend, on)
    m = snap.measure(clause_id)
    if m is None:
        if backend.missing_ids("Clause", {clause_id}):
            raise NotFound(f"no clause with id {clause_id!r}", id=clause_id)
        raise NotFound(f"clause {clause_id!r} is not a measure in force on {snap.as_of.isoformat()}",
                       id=clause_id, reason="not a measure in force")
    place_filter = filters.check(snap.places, _tier_ids(snap.names))
    industries, places = m.industry_scope, m.place_scope
    note = None
    if industries or m.tiers or places or m.selections:
        pass  # a candidate pool: enterprises_linked
    elif m.conditions:
        note = ("the measure names no industry, tier, place or programme, only conditions: there is no candidate "
                "pool to match")
    else:
        note = "the measure states no machine-checkable criterion (industry, tier, place, programme or condition)"
    mi = index.measures.get(m.id) if index is not None else None
    if mi is not None:
        return _from_index(backend, snap, m, filters, place_filter, note, index, mi, limit, offset, near_limit)
    pool: list[str] = []
    if note is None:
        pool = [r["id"] for r in backend.query("enterprises_linked", {
            "industries": sorted(industries | m.example_scope), "tiers": sorted(m.tier_scope), "places": sorted(places),
            "programmes": m.selections}).records()]
    profiles = load_profiles(backend, pool, financials=snap.conditions_need_financials)
    kept = [prof for prof in profiles.values() if filters.accept(prof, place_filter)]
    # statuses for the whole pool at once (the rule engine); estimates and reasons only for what is listed
    j = criteria.judge(m, ProfileFacts(kept), snap.as_of)
    listed = (j.status != criteria.NOT) | j.near
    has_est, high = np.zeros(len(kept), dtype=bool), np.zeros(len(kept))
    at = np.flatnonzero(listed).tolist()
    for k, e in zip(at, estimates_of(snap, m, [kept[k] for k in at], words=False), strict=True):
        est = e["estimate_cny"]  # the ranking needs the figure only, not the words
        if est:
            has_est[k], high[k] = True, est["high"]
    ident = np.array([p.id for p in kept], dtype=str)
    cap = np.array([p.props.get("registered_capital_cny") for p in kept], dtype=np.float64) if kept else np.zeros(0)
    close = (j.unmet, j.shortfall)
    met = ranking.order(j.status == criteria.MET, ident, j.preferred, has_est, high, cap)
    near = ranking.order(j.near, ident, j.preferred, has_est, high, cap, close)
    unknown = ranking.order(j.status == criteria.UNK, ident, j.preferred, has_est, high, cap, close)

    def items(at: np.ndarray) -> list[dict[str, Any]]:
        return page_items(snap, m, [kept[k] for k in at.tolist()])

    return _answer(snap, m, filters, note, len(pool), items(met[offset : offset + limit]), len(met), limit, offset,
                   items(near[:near_limit]), len(near), items(unknown[:near_limit]), len(unknown))


def page_items(snap: PolicySnapshot, m: Any, profiles: list[Profile]) -> list[dict[str, Any]]:
    """The items of a matching page for ``profiles``, judged together (one call of the rule engine)."""
    j = criteria.judge(m, ProfileFacts(profiles), snap.as_of)
    return [page_item(snap, m, p, est, decision(j, k, p, snap.as_of))
            for k, (p, est) in enumerate(zip(profiles, estimates_of(snap, m, profiles), strict=True))]


def page_item(snap: PolicySnapshot, m: Any, prof: Profile, est: dict[str, Any],
              decided: dict[str, Any] | None = None) -> dict[str, Any]:
    """One enterprise of a matching page; ``est`` its estimate (eligibility.estimate), shown with its basis;
    ``decided`` its status when already judged with others (eligibility.decision)."""
    r = evaluate(snap, m, prof, decided)
    words = {k: est["estimate"][k] for k in ("basis", "sources", "why")}
    return {"enterprise": prof.summary(), "status": r["status"], "estimate_cny": est["estimate_cny"],
            "estimate": words, "preferred": r["preferred"], "near_miss": r["near_miss"], "closeness": r["closeness"],
            "missing": r["missing"], "failed": r["failed"], "reasons": r["reasons"]}


def _answer(snap: PolicySnapshot, m: Any, filters: Filters, note: str | None, candidates: int,
            met: list[dict[str, Any]], met_total: int, limit: int, offset: int, near: list[dict[str, Any]],
            near_total: int, unknown: list[dict[str, Any]], unknown_total: int) -> dict[str, Any]:
    criteria = {"industries": [snap.industries.node(i) for i in m.industries],
                "tiers": [snap.named(t, "Tier") for t in m.tiers],
                "places": [snap.places.node(p) for p in m.places],
                "programmes": [snap.named(p, "Programme") for p in m.selections],
                # what decides nothing on its own, with the words that say so: an example meets the tier
                # criterion as the tier does; context (a place to build) decides nothing
                "examples": [{**snap.industries.node(i), "words": m.evidence[("SUPPORTS", i)]["role_words"]}
                             for i in m.examples],
                "context": [{**snap.named(x), "relationship": rel, "words": m.evidence[(rel, x)]["role_words"]}
                            for rel, x in m.context],
                "conditions": [{k: c.get(k) for k in ("id", "field", "operator", "value", "unit", "alternative_group",
                                                      "quote")} for c in m.conditions]}
    return {"clause": m.summary(), "as_of": snap.as_of.isoformat(), "criteria": criteria,
            "filters": filters.to_dict(), "note": note, "candidates": candidates,
            "order_by": {k: list(v) for k, v in ranking.ORDER_BY.items()},
            "items": met, "total": met_total, "limit": limit, "offset": offset,
            "near_misses": {"items": near, "total": near_total},
            "unknown": {"items": unknown, "total": unknown_total}}


def _from_index(backend: Backend, snap: PolicySnapshot, m: Any, filters: Filters, place_filter: set[str] | None,
                note: str | None, index: Any, mi: Any, limit: int, offset: int, near_limit: int,
                as_json: bool = False) -> Any:
    """The same answer from the derived index: the ranked statuses are precomputed; the filters are masks
    over them; the enterprises returned get their Profiles from the index (no query unless the measures
    need yearly figures) and are judged with reasons by ``evaluate``.
    ``as_json``: the answer as JSON text, each item's JSON kept in the index's item cache."""
    cols = index.columns
    keep = derived.filter_positions(cols, filters, place_filter)
    met, met_total = derived.select(mi.met, keep, offset, limit)
    near, near_total = derived.select(mi.near, keep, 0, near_limit)
    unknown, unknown_total = derived.select(mi.unknown, keep, 0, near_limit)
    ids = {k: [cols.id(int(i)) for i in arr] for k, arr in (("met", met), ("near", near), ("unknown", unknown))}
    position = {cols.id(int(i)): int(i) for arr in (met, near, unknown) for i in arr}
    wanted = [i for lst in ids.values() for i in lst]
    if as_json:
        rendered = index.items.get_many(m.id, wanted)
        missing = [i for i in wanted if i not in rendered]
    else:
        rendered, missing = {}, wanted
    profiles = derived.load_profiles_indexed(backend, cols, [position[i] for i in missing],
                                             snap.conditions_need_financials)
    for i, item in zip(missing, page_items(snap, m, [profiles[i] for i in missing]), strict=True):
        rendered[i] = derived.dumps(item) if as_json else item
    if as_json:
        index.items.put_many(m.id, {i: rendered[i] for i in missing})
        marks = {k: derived.MARK.format(k) for k in ids}
        text = derived.dumps(_answer(snap, m, filters, note, mi.candidates, [marks["met"]], met_total, limit, offset,
                                     [marks["near"]], near_total, [marks["unknown"]], unknown_total))
        for k, lst in ids.items():
            text = text.replace(derived.dumps([marks[k]]), "[" + ",".join(rendered[i] for i in lst) + "]", 1)
        return text
    return _answer(snap, m, filters, note, mi.candidates, [rendered[i] for i in ids["met"]], met_total, limit, offset,
                   [rendered[i] for i in ids["near"]], near_total, [rendered[i] for i in ids["unknown"]], unknown_total)


def matching_enterprises_json(backend: Backend, clause_id: str, filters: Filters | None, limit: int, offset: int,
                              near_limit: int, snapshot: PolicySnapshot, index: Any) -> str | None:
    """:func:`matching_enterprises` as JSON text, from the derived index (items' JSON cached in it); None
    when the index has nothing for the clause (then the caller answers with :func:`matching_enterprises`)."""
    filters = filters or Filters()
    m = snapshot.measure(clause_id)
    mi = index.measures.get(clause_id) if m is not None else None
    if mi is None:
        return None
    place_filter = filters.check(snapshot.places, _tier_ids(snapshot.names))
    if not (m.industries or m.tiers or m.places or m.selections):
        return None  # no pool: nothing to look up, the live answer is immediate
    key = (clause_id, tuple(sorted(filters.to_dict().items())), limit, offset, near_limit)
    text = index.answers.get(key)
    if text is None:
        text = _from_index(backend, snapshot, m, filters, place_filter, None, index, mi, limit, offset, near_limit,
                           as_json=True)
        index.answers.put(key, text)
    return text


def industry_enterprises(backend: Backend, industry_id: str, filters: Filters | None = None, limit: int = 50,
                         offset: int = 0, snapshot: PolicySnapshot | None = None,
                         after: str | None = None) -> dict[str, Any]:
    """One page of the industry's enterprises, found, filtered, counted and ranked in the graph
    (``enterprises_search``); the page's enterprises get their paths. Paged by ``offset`` or after the
    enterprise ``after``, with a ``next`` cursor (as :func:`policykg.analysis.browse.enterprises`)."""
    filters = filters or Filters()
    snap = snapshot
    industries = snap.industries if snap is not None else load_trees(backend)[0]
    if industry_id not in industries.nodes:
        raise NotFound(f"no industry with id {industry_id!r}", id=industry_id)
    scope = industries.descendants([industry_id])
    found = search_enterprises(backend, "", industry_id, filters.place, filters.tier, filters.capital_min,
                               filters.capital_max, filters.founded_from, filters.founded_to, limit, offset, snap, after)
    profiles = load_profiles(backend, [e["id"] for e in found["items"]])
    items = []
    for e in found["items"]:
        prof = profiles[e["id"]]
        reasons = []
        for ind in prof.industries:
            chain = industries.chain(ind["id"], industry_id) if ind["id"] in scope else None
            if chain:
                nodes, edges = industries.chain_path(chain)
                reasons.append({"dimension": "industry", "status": "met",
                                "path": path([prof.node(), *nodes], [edge(prof.id, chain[0], "IN_INDUSTRY"), *edges])})
        items.append({"enterprise": prof.summary(), "reasons": reasons})
    return {"industry": {**industries.nodes[industry_id], "narrower": sorted(scope - {industry_id})},
            "filters": filters.to_dict(), "items": items, "total": found["total"], "limit": limit,
            "offset": found["offset"], "next": found["next"]}


WEIGHTS = {"INVESTED_IN": 3, "SELECTED_IN": 2, "IN_INDUSTRY": 2, "LOCATED_IN": 1}


def similar_enterprises(backend: Backend, uscc: str, limit: int = 20, offset: int = 0,
                        index: Any = None) -> dict[str, Any]:
    """``index``: a :class:`policykg.analysis.derived.DerivedIndex` built from the data as it is now (the
    caller checks): the firms are then counted and ranked from it and only the page's firms get their
    shared things and paths; the answer is the same with or without it."""
    if index is not None and index.columns.links is not None:
        answer = _similar_from_index(backend, uscc, limit, offset, index)
        if answer is not None:
            return answer
    prof = load_profile(backend, uscc)
    found = _similar_found(prof.node(), uscc, backend.query("similar_enterprises", {"uscc": uscc}).records())
    items = sorted(found.values(), key=lambda e: (-e["score"], -len(e["shared"]), e["enterprise"]["id"]))
    return {"enterprise": {"id": uscc, "name": prof.props.get("name")}, "weights": WEIGHTS,
            **_page(items, limit, offset)}


def _similar_found(me: dict[str, Any], uscc: str, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entries (score, shared things with their paths) of the firms in ``rows`` (rows of the query
    ``similar_enterprises``), by firm id."""
    found: dict[str, dict[str, Any]] = {}
    rows.sort(key=lambda r: (r["id"], r["type"], r["shared"], r["mine"] or "", r["theirs"] or ""))
    for r in rows:
        other = node(r["id"], "Enterprise", r["name"])
        shared = node(r["shared"], r["label"], r["shared_name"])
        if r["type"] == "INVESTED_IN":
            p = path([me, node(r["mine"], "Investment", r["mine"]), shared, node(r["theirs"], "Investment", r["theirs"]),
                      other],
                     [edge(r["mine"], uscc, "INVESTED_IN"), edge(r["shared"], r["mine"], "MADE"),
                      edge(r["shared"], r["theirs"], "MADE"), edge(r["theirs"], r["id"], "INVESTED_IN")])
        else:
            p = path([me, shared, other], [edge(uscc, r["shared"], r["type"]), edge(r["id"], r["shared"], r["type"])])
        entry = found.setdefault(r["id"], {"enterprise": {"id": r["id"], "name": r["name"]}, "score": 0, "shared": []})
        key = (r["type"], r["shared"])
        if key not in {(s["type"], s["id"]) for s in entry["shared"]}:
            entry["score"] += WEIGHTS[r["type"]]
            entry["shared"].append({"type": r["type"], **shared, "path": p})
        else:  # the same fund again, through other investments: keep the path, count the fund once
            next(s for s in entry["shared"] if (s["type"], s["id"]) == key).setdefault("more_paths", []).append(p)
    for e in found.values():
        e["shared"].sort(key=lambda s: (-WEIGHTS[s["type"]], s["id"]))
    return found


#: the link types the derived index holds that similar_enterprises shares, with the shared node's label
_SIMILAR_LINKS = {"IN_INDUSTRY": "Industry", "LOCATED_IN": "Place", "SELECTED_IN": "Programme"}


def _similar_from_index(backend: Backend, uscc: str, limit: int, offset: int, index: Any) -> dict[str, Any] | None:
    """:func:`similar_enterprises` from the derived index: the shared industries, places and programmes
    are counted from its link rows and bitsets, the shared investors from ``similar_by_fund`` (the index
    holds no investments); the firms are ranked vectorised (``derived.similar_page``) and only the page's
    get their rows, built as the query ``similar_enterprises`` gives them. None when the index does not
    know a firm the graph gives (the caller answers live)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    c = index.columns
    me = c.position(uscc)
    if me is None:
        raise NotFound(f"no enterprise with USCC {uscc!r}", id=uscc)
    # the investor branch: one row per pair of investments (mine, theirs) of a fund; none when the firm
    # has no investor (enterprise_links, a prepared key seek, says so at a fraction of the cost)
    invested = any(r["type"] == "INVESTED_IN" for r in backend.query("enterprise_links", {"uscc": uscc}).records())
    tables = list(backend.query_arrow("similar_by_fund", {"uscc": uscc})) if invested else []
    fund_pos = fund_code = np.zeros(0, dtype=np.int64)
    table = None
    if tables:
        strings = pa.schema([(k, pa.string()) for k in ("id", "shared", "shared_name", "mine", "theirs")])
        table = pa.concat_tables([t.select(strings.names).cast(strings) for t in tables]).combine_chunks()
        firms = pc.dictionary_encode(table.column("id")).combine_chunks()
        known = _positions(c, firms.dictionary)
        if known is None:
            return None
        row_pos = known[firms.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
        funds = pc.dictionary_encode(table.column("shared")).combine_chunks()
        fund_pos, fund_code = row_pos, funds.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    page, total = derived.similar_page(c, me, WEIGHTS, fund_pos, fund_code, offset, limit)
    # the rows of the page's firms, as the query similar_enterprises gives them
    names = c.props.column("name")
    my_name = names[me].as_py()
    ids = [c.id(int(p)) for p in page]
    their = dict(zip(ids, names.take(pa.array(page, type=pa.int64())).to_pylist(), strict=True)) if ids else {}
    lk = c.links
    mine: dict[int, int] = {}
    for t in lk.target[lk.ptr[me]:lk.ptr[me + 1]].tolist():
        if lk.targets.type_of(t) in _SIMILAR_LINKS:
            mine[t] = mine.get(t, 0) + 1
    rows: list[dict[str, Any]] = []
    for p, o in zip(page.tolist(), ids, strict=True):
        theirs: dict[int, int] = {}
        for t in lk.target[lk.ptr[p]:lk.ptr[p + 1]].tolist():
            if t in mine:
                theirs[t] = theirs.get(t, 0) + 1
        for t, k in theirs.items():
            rel, xid, xname, _ = lk.targets[t]
            row = {"id": o, "name": their[o], "type": rel, "label": _SIMILAR_LINKS[rel], "shared": xid,
                   "shared_name": xname, "mine": None, "theirs": None}
            rows += [row] * (mine[t] * k)  # one row per pair of relationships, as the pattern matches them
    if table is not None and len(page):
        picked = table.filter(pa.array(np.isin(fund_pos, page)))
        rows += [{"id": r["id"], "name": their[r["id"]], "type": "INVESTED_IN", "label": "Fund", "shared": r["shared"],
                  "shared_name": r["shared_name"], "mine": r["mine"], "theirs": r["theirs"]}
                 for r in picked.to_pylist()]
    found = _similar_found(node(uscc, "Enterprise", my_name), uscc, rows)
    return {"enterprise": {"id": uscc, "name": my_name}, "weights": WEIGHTS,
            "items": [found[o] for o in ids], "total": total, "limit": limit, "offset": offset}


def _positions(c: Any, ids: Any) -> np.ndarray | None:
    """The index positions of ``ids`` (an Arrow string array), vectorised; None if one is not in the index."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    if not c.n or pc.max(pc.binary_length(ids)).as_py() > c.ids.dtype.itemsize:
        return None
    keys = ids.cast(pa.binary()).to_numpy(zero_copy_only=False).astype(c.ids.dtype)
    pos = np.minimum(np.searchsorted(c.ids, keys), c.n - 1)
    return pos.astype(np.int64) if bool((c.ids[pos] == keys).all()) else None
