"""Browsing and searching: documents, clauses, the taxonomy trees, programmes, funds, enterprises, and
a Chinese text search over clauses that gives the same answer on both backends.

Text search
-----------
Neither Ladybug nor Kuzu tokenises Chinese, and clause texts are few (dozens per document), so the
search runs in Python over the texts that ``clause_texts`` returns (clauses of the documents in
force). The query and the texts are NFKC-normalised character by character, and the query is split on white
space into terms; a clause matches when it
contains every term (``mode: exact``; score = occurrences, each term counting at most 5), else when
at least half of each term's character bigrams occur in it (``mode: fuzzy``, score = the share of
bigrams found, below any exact match). Results are ranked by mode, score, then document order. Each
result gives ``matches`` (character spans ``[start, end)`` in the clause's ``text``; full-width forms
match their half-width ones, offsets unchanged) and a ``snippet``
around the first match with ``highlights`` as spans within the snippet.

Clause filters (``GET /api/clauses``)
-------------------------------------
``industry``: measures supporting the industry, a narrower one, or a broader one (a measure for
人工智能 applies to a 通用人工智能 firm; one for 未来产业 to the members its document names); each item
says how (``industry_match``: direct | narrower | broader). ``tier``: the same over the tier hierarchy
(a measure for 科技型企业 reaches a 高新技术企业: ``tier_match: broader``). ``place``: measures applying in it, in a place inside it,
or in a larger place containing it. ``q``: every term of the query in the text (a parsed clause's text begins with its title).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from policykg.analysis.eligibility import load_profile
from policykg.analysis.snapshot import PolicySnapshot, as_date, check_document, load_snapshot, load_trees
from policykg.errors import NotFound, ValidationError
from policykg.graph.base import Backend

SNIPPET = 40  # characters of context on each side of the first match
BIG = 2**62


def _norm(text: str) -> str:
    """NFKC character by character, keeping a character whose normal form is longer: full-width forms
    fold to half-width (ＡＩ → AI) and every offset still indexes the original text."""
    out = []
    for ch in text or "":
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _spans(text: str, term: str) -> list[list[int]]:
    out, start = [], text.find(term)
    while start >= 0 and term:
        out.append([start, start + len(term)])
        start = text.find(term, start + len(term))
    return out


def _merge(spans: list[list[int]]) -> list[list[int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def score_text(text: str, terms: list[str]) -> tuple[str, float, list[list[int]]] | None:
    """(mode, score, spans) of a text for the query terms, or None when it does not match."""
    text = _norm(text)
    exact = [_spans(text, t) for t in terms]
    if all(exact):
        return "exact", float(sum(min(len(s), 5) for s in exact)), _merge([s for lst in exact for s in lst])
    spans: list[list[int]] = []
    shares = []
    for t in terms:
        grams = {t[i : i + 2] for i in range(len(t) - 1)} if len(t) > 1 else set()
        found = [g for g in grams if g in text]
        if not grams or len(found) * 2 < len(grams):
            return None
        shares.append(len(found) / len(grams))
        spans += [s for g in found for s in _spans(text, g)]
    return "fuzzy", round(sum(shares) / len(shares), 4), _merge(spans)


def snippet(text: str, spans: list[list[int]]) -> dict[str, Any]:
    text = _norm(text)
    if not spans:
        return {"text": text[: 2 * SNIPPET], "start": 0, "highlights": []}
    start = max(0, spans[0][0] - SNIPPET)
    end = min(len(text), spans[0][1] + SNIPPET)
    end = max([end] + [e for s, e in spans if s < end])  # never cut a match in two
    return {"text": text[start:end], "start": start,
            "highlights": [[s - start, e - start] for s, e in spans if s < end]}


def terms_of(q: str) -> list[str]:
    terms = [t for t in _norm(q).split() if t]
    if not terms:
        raise ValidationError("q: give some text to search for", field="q")
    return terms


def search(backend: Backend, q: str, document: str | None = None, on: Any = None, kind: str | None = None,
           limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """Chinese text search over the clauses of the documents in force (see the module doc)."""
    terms = terms_of(q)
    as_of = as_date(on)
    check_document(backend, document)
    rows = backend.query("clause_texts", {"as_of": as_of, "document": document or ""}).records()
    hits = []
    for i, r in enumerate(rows):
        if kind and r["kind"] != kind:
            continue
        text = r["text"] or ""  # a parsed clause's text begins with its title
        found = score_text(text, terms)
        if not found:
            continue
        mode, score, spans = found
        hits.append((0 if mode == "exact" else 1, -score, i, {
            "id": r["id"], "document": r["document"], "doc_number": r["doc_number"], "label": r["label"],
            "number": r["number"], "kind": r["kind"], "title": r["title"], "mode": mode, "score": score,
            "matches": spans, "snippet": snippet(text, spans)}))
    hits.sort(key=lambda h: h[:3])
    items = [h[3] for h in hits]
    return {"q": q, "terms": terms, "as_of": as_of.isoformat(), "document": document,
            "items": items[offset : offset + limit], "total": len(items), "limit": limit, "offset": offset}


# --- clauses -----------------------------------------------------------------------------------
def _clause_item(snap: PolicySnapshot, m: Any) -> dict[str, Any]:
    return {**m.summary(),
            "industries": [snap.industries.node(i) for i in m.industries],
            "tiers": [snap.named(t, "Tier") for t in m.tiers],
            "places": [snap.places.node(p) for p in m.places],
            "programmes": [snap.named(p, "Programme") for p in m.programmes],
            "funds": [snap.named(f, "Fund") for f in m.funds],
            "instruments": [snap.named(i, "Instrument") for i in m.instruments],
            "conditions": len(m.conditions)}


def clauses(backend: Backend, industry: str | None = None, tier: str | None = None, place: str | None = None,
            q: str | None = None, document: str | None = None, on: Any = None,
            snapshot: PolicySnapshot | None = None) -> dict[str, Any]:
    """The measures in force, filtered (see the module doc)."""
    snap = snapshot or load_snapshot(backend, on, document)
    if industry and industry not in snap.industries.nodes:
        raise ValidationError(f"no industry with id {industry!r}", field="industry")
    if tier and snap.names.get(tier, {}).get("label") != "Tier":
        raise ValidationError(f"no tier with id {tier!r}", field="tier")
    if place and place not in snap.places.nodes:
        raise ValidationError(f"no place with id {place!r}", field="place")
    texts: dict[str, str] = {}
    terms = terms_of(q) if q else None
    if terms:
        texts = {r["id"]: r["text"] or "" for r in backend.query(
            "clause_texts", {"as_of": snap.as_of, "document": document or ""}).records()}
    items = []
    for m in snap.measures:
        item = _clause_item(snap, m)
        if industry:
            how = _match(snap.industries, industry, m.industries, m.document)
            if how is None:
                continue
            item["industry_match"] = how
        if tier:
            how = _match(snap.tiers, tier, m.tiers, m.document)
            if how is None:
                continue
            item["tier_match"] = how
        if place:
            related = snap.places.descendants([place]) | snap.places.ancestors(place)
            if not related & set(m.places):
                continue
        if terms:
            found = score_text(texts.get(m.id, ""), terms)
            if not found or found[0] != "exact":
                continue
        items.append(item)
    return {"as_of": snap.as_of.isoformat(), "document": snap.document, "items": items}


def _match(tree: Any, wanted: str, named: list[str], document: str) -> str | None:
    """How a measure naming ``named`` relates to the entry ``wanted``, as the measure's document reads the
    tree: direct, narrower (it names a narrower entry), broader (a broader one: it reaches ``wanted``), or None."""
    if wanted in named:
        return "direct"
    if set(named) & tree.descendants([wanted], document):
        return "narrower"
    if set(named) & tree.ancestors(wanted, document):
        return "broader"
    return None


def clause_detail(backend: Backend, clause_id: str, on: Any = None,
                  snapshot: PolicySnapshot | None = None) -> dict[str, Any]:
    rows = backend.query("clause_detail", {"id": clause_id}).records()
    if not rows:
        raise NotFound(f"no clause with id {clause_id!r}", id=clause_id)
    c = rows[0]
    snap = snapshot or load_snapshot(backend, on)
    links = sorted(backend.query("clause_links", {"id": clause_id}).records(),
                   key=lambda r: (r["type"], r["id"]))
    amounts = sorted(backend.query("clause_amounts", {"id": clause_id}).records(), key=lambda r: r["span_start"])
    rates = sorted(backend.query("clause_rates", {"id": clause_id}).records(), key=lambda r: r["span_start"])
    conditions = sorted(backend.query("conditions_of", {"ids": [clause_id]}).records(), key=lambda r: r["id"])
    m = snap.measure(clause_id)
    instruments = []
    for lk in links:
        if lk["type"] in ("USES_INSTRUMENT", "MENTIONS") and lk["label"] == "Instrument":
            forms = snap.instruments.get(lk["id"]) or []
            instruments.append({"id": lk["id"], "name": lk["name"], "via": lk["type"],
                                "forms": [{k: f[k] for k in ("id", "name", "kind", "rate_low", "rate_high", "base")}
                                          | {"conditions": f["conditions"], "rates": f["rates"]} for f in forms]})
    rules = [r for rules in snap.rules.values() for r in rules if r["clause"] == clause_id]
    return {
        **{k: c[k] for k in ("id", "label", "number", "kind", "title", "text", "budget_floor_cny", "budget_period",
                             "fund_scale_cny")},
        "document": {"id": c["document"], "doc_number": c["doc_number"], "title": c["document_title"],
                     "issued_date": c["issued_date"], "effective_date": c["effective_date"],
                     "expiry_date": c["expiry_date"]},
        "section": {"id": c["section"], "label": c["section_label"], "title": c["section_title"]},
        "in_force": m is not None, "as_of": snap.as_of.isoformat(),
        "evidence": {"source_doc": c["source_doc"], "span": [c["span_start"], c["span_end"]]},
        "amounts": amounts, "rates": rates, "conditions": conditions, "instruments": instruments,
        "rules": rules,
        "links": [{"type": lk["type"], "target": {"id": lk["id"], "label": lk["label"], "name": lk["name"]},
                   "evidence": {"quote": lk["quote"], "span": [lk["span_start"], lk["span_end"]]}
                   if lk["quote"] is not None else None} for lk in links],
    }


# --- documents ---------------------------------------------------------------------------------
def document_detail(backend: Backend, doc_id: str) -> dict[str, Any]:
    docs = [d for d in backend.query("documents", {"include_superseded": True}).records() if d["id"] == doc_id]
    if not docs:
        raise NotFound(f"no policy document with id {doc_id!r}", id=doc_id)
    sections = backend.query("document_sections", {"document": doc_id}).records()
    rules = sorted(backend.query("document_rules", {"documents": [doc_id]}).records(), key=lambda r: r["id"])
    return {**docs[0], "sections": sections, "rules": rules}


# --- taxonomy ----------------------------------------------------------------------------------
def _counts(backend: Backend, rows: list[dict[str, Any]] | None = None) -> dict[tuple[str, str], int]:
    """Enterprises per tier, place and programme: ``rows`` of ``taxonomy_enterprise_counts`` when the
    caller has them (the API's derived index counts them; on a large registry the query needs more of
    the embedded buffer pool than serving has), else queried."""
    if rows is None:
        rows = backend.query("taxonomy_enterprise_counts").records()
    return {(r["label"], r["id"]): r["enterprises"] for r in rows}


def industries(backend: Backend, on: Any = None, snapshot: PolicySnapshot | None = None) -> dict[str, Any]:
    """The industry taxonomy as a tree, each node with the measures in force that support it directly."""
    snap = snapshot or load_snapshot(backend, on)
    extra = {i: {"clauses": [m.id for m in snap.measures if i in m.industries]} for i in snap.industries.nodes}
    tree = snap.industries.tree(extra)
    return {"as_of": snap.as_of.isoformat(), "items": tree, "total": len(snap.industries.nodes)}


def places(backend: Backend, on: Any = None, snapshot: PolicySnapshot | None = None,
           counts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    snap = snapshot or load_snapshot(backend, on)
    counts = _counts(backend, counts)
    extra = {p: {"clauses": [m.id for m in snap.measures if p in m.places], "enterprises": counts.get(("Place", p), 0)}
             for p in snap.places.nodes}
    return {"as_of": snap.as_of.isoformat(), "items": snap.places.tree(extra), "total": len(snap.places.nodes)}


def programmes(backend: Backend, on: Any = None, snapshot: PolicySnapshot | None = None,
               counts: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    snap = snapshot or load_snapshot(backend, on)
    counts = _counts(backend, counts)
    return [{**{k: r[k] for k in ("id", "name", "name_en", "kind")},
             "enterprises": counts.get(("Programme", r["id"]), 0),
             "clauses": [m.id for m in snap.measures if r["id"] in m.programmes]}
            for r in sorted(snap.names.values(), key=lambda r: r["id"]) if r["label"] == "Programme"]


def funds(backend: Backend, on: Any = None, snapshot: PolicySnapshot | None = None) -> list[dict[str, Any]]:
    snap = snapshot or load_snapshot(backend, on)
    rows = sorted(backend.query("fund_stats").records(), key=lambda r: (-r["investments"], r["id"]))
    return [{**r, "clauses": [m.id for m in snap.measures if r["id"] in m.funds]} for r in rows]


# --- enterprises -------------------------------------------------------------------------------
def enterprises(backend: Backend, q: str = "", industry: str | None = None, place: str | None = None,
                tier: str | None = None, capital_min: int | None = None, capital_max: int | None = None,
                founded_from: int | None = None, founded_to: int | None = None, limit: int = 50,
                offset: int = 0, snapshot: PolicySnapshot | None = None, after: str | None = None) -> dict[str, Any]:
    """Enterprises by name or USCC, filtered; largest registered capital first (one page, counted).

    A page is the rows after ``offset`` others, or (keyset paging, as cheap at any depth) the rows after the
    enterprise ``after`` in that order (``offset`` is then None); ``next`` is the cursor of the page that
    follows (the last row's USCC), None on the last page."""
    if snapshot is not None:
        ind_tree, place_tree, names = snapshot.industries, snapshot.places, snapshot.names
    else:
        ind_tree, place_tree = load_trees(backend)
        names = {r["id"]: r for r in backend.query("taxonomy_nodes").records()}
    if industry and industry not in ind_tree.nodes:
        raise ValidationError(f"no industry with id {industry!r}", field="industry")
    if place and place not in place_tree.nodes:
        raise ValidationError(f"no place with id {place!r}", field="place")
    if tier and names.get(tier, {}).get("label") != "Tier":
        raise ValidationError(f"no tier with id {tier!r}", field="tier")
    if capital_min is not None and capital_max is not None and capital_min > capital_max:
        raise ValidationError("capital_min is larger than capital_max", field="capital_min")
    if founded_from is not None and founded_to is not None and founded_from > founded_to:
        raise ValidationError("founded_from is later than founded_to", field="founded_from")
    q = _norm(q).strip()
    params = {
        "q": q, "code": q.upper() if q.isascii() else "",
        "industries": sorted(ind_tree.descendants([industry])) if industry else [],
        "places": sorted(place_tree.descendants([place])) if place else [],
        "tiers": [tier] if tier else [],
        "filter_capital": capital_min is not None or capital_max is not None,
        "capital_min": capital_min if capital_min is not None else -BIG,
        "capital_max": capital_max if capital_max is not None else BIG,
        "filter_founded": founded_from is not None or founded_to is not None,
        "founded_min": dt.date(founded_from or 1, 1, 1), "founded_max": dt.date(founded_to or 9999, 12, 31),
    }
    total = backend.query("enterprises_search_count", params).records()[0]["total"]
    params.update(skip=offset, after_id="", after_capital=-1, limit=limit + 1)  # one more row says a next page
    if after:
        if offset:
            raise ValidationError("give either offset or after, not both", field="after")
        params.update(_cursor(backend, after), skip=0)
    elif offset >= total:
        # an empty page, unasked: Ladybug crashes on an ordered SKIP far past the last row
        return {"items": [], "total": total, "limit": limit, "offset": offset, "next": None}
    rows = backend.query("enterprises_search", params).records()
    items = rows[:limit]
    return {"items": items, "total": total, "limit": limit, "offset": None if after else offset,
            "next": items[-1]["id"] if len(rows) > limit else None}


def _cursor(backend: Backend, after: str) -> dict[str, Any]:
    """The keyset of enterprises_search for the enterprise ``after``: its place in the order of the answer."""
    found = backend.query("enterprises_by_id", {"ids": [after]}).records()
    if not found:
        raise ValidationError(f"no enterprise with USCC {after!r} to page after", field="after")
    capital = found[0]["registered_capital_cny"]
    return {"after_id": after, "after_capital": -1 if capital is None else capital}


def enterprise_detail(backend: Backend, uscc: str) -> dict[str, Any]:
    prof = load_profile(backend, uscc, financials=True)
    return {**prof.summary(), "ticker": prof.props.get("ticker"), "synthetic": prof.props.get("synthetic"),
            "programmes": [{"id": p["id"], "name": p["name"], "category": p["detail"], "year": p["year"]}
                           for p in prof.programmes],
            "investors": [{"fund": {"id": f["id"], "name": f["name"]}, "investment": f["detail"],
                           "amount_cny": f["amount_cny"]} for f in prof.investors],
            "grants": [{"id": g["id"], "clause": g["detail"], "clause_title": g["name"], "year": g["year"],
                        "amount_cny": g["amount_cny"]} for g in prof.grants],
            "financials": [{k: f[k] for k in ("year", "revenue_cny", "rd_spend_cny")} for f in prof.financials or []]}
