"""The derived index (policykg.analysis.derived): matching, gaps and eligible clauses answered from it are
exactly the live answers, on both backends, for every measure in force and a set of filters (and for
enterprises with grants, conditions and currencies); a change of data makes it stale (data_version) and
the next answer reflects the new data."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from policykg.analysis import browse, derived, eligibility, gaps, matching, service
from policykg.analysis.derived import index as derived_index
from policykg.analysis.rules import facts
from policykg.analysis.snapshot import load_snapshot
from policykg.api import routes
from policykg.api.app import create_app
from policykg.errors import NotFound
from policykg.ingest.load import load_paths
from policykg.ingest.synth import synth
from tests.fixtures.graph import load_match_graph

ON = "2025-06-01"
F = matching.Filters
FILTERS = [F(), F(place="place-binjiang"), F(place="place-jiangbei-block"), F(tier="tier-tech-enterprise"),
           F(tier="tier-specialised-sme"), F(capital_min=10_000_000), F(capital_max=5_000_000),
           F(capital_min=10_000_000, capital_max=60_000_000), F(founded_from=2016), F(founded_to=2012),
           F(founded_from=2016, founded_to=2022), F(place="place-binjiang", tier="tier-high-new-tech",
                                                     capital_min=1_000_000, founded_from=2010)]
PAGES = [(50, 0, 50), (5, 3, 2), (1000, 0, 0)]


def dump(x):
    return json.dumps(x, sort_keys=True, ensure_ascii=False)


def assert_same_as_live(backend, idx, on=None):
    snap = load_snapshot(backend, on)
    assert idx.as_of == snap.as_of and [m.id for m in snap.measures] == list(idx.measures)
    pooled = 0
    for m in snap.measures:
        for k, f in enumerate(FILTERS):
            for limit, offset, near in PAGES if k == 0 else PAGES[:1]:
                live = matching.matching_enterprises(backend, m.id, f, limit=limit, offset=offset, near_limit=near,
                                                     snapshot=snap)
                fast = matching.matching_enterprises(backend, m.id, f, limit=limit, offset=offset, near_limit=near,
                                                     snapshot=snap, index=idx)
                assert dump(fast) == dump(live), (m.id, f, limit, offset, near)
                text = matching.matching_enterprises_json(backend, m.id, f, limit, offset, near, snap, idx)
                if text is not None:  # as the API sends it, items' JSON from the index's cache
                    assert dump(json.loads(text)) == dump(json.loads(json.dumps(live))), (m.id, f)
                pooled += bool(live["total"] or live["near_misses"]["total"] or live["unknown"]["total"])
    assert pooled, "equal empty answers prove nothing"
    fast = gaps.gaps(backend, snapshot=snap, precomputed=lambda t: idx.gap_aggregates)
    assert dump(fast) == dump(gaps.gaps(backend, snapshot=snap))
    # the enterprise figures the index counts itself are the rows of the queries they stand for
    for name in ("industry_enterprise_counts", "industry_breakdown", "taxonomy_enterprise_counts"):
        params = {} if name.startswith("taxonomy") else {"industries": list(idx.gap_targets)}
        queried = backend.query(name, params).records()
        assert queried, name
        assert sorted(map(dump, idx.gap_aggregates[name])) == sorted(map(dump, queried)), name


def assert_members_as_bitsets(c):
    """The packed per-place and per-tier members answer as the registry's bitsets do: every code, a set of
    several, and ids outside the vocabulary (no enterprise)."""
    for kind, vocab, bits in (("place", c.place_ids, c.places), ("tier", c.tier_ids, c.tiers)):
        assert c.place_members is not None and c.tier_members is not None  # computed from the bitsets
        for ids in [[i] for i in vocab] + [list(vocab)[:3], ["no-such-id"], []]:
            packed = c.members(kind, ids)
            assert packed.dtype == bool and len(packed) == c.n
            assert np.array_equal(packed, facts.any_bit(bits, facts.bit_mask(vocab, ids))), (kind, ids)
        assert any(c.members(kind, [i]).any() for i in vocab), kind  # equal empty masks prove nothing


def assert_eligible_same_as_live(backend, idx, on=None, limit=None):
    """eligible-clauses with the profile from the index equals the live answer: every enterprise with a grant
    or a tier, then others up to ``limit``; an unknown USCC is NotFound both ways."""
    snap = load_snapshot(backend, on)
    cache = service.DerivedCache(enabled=True)
    cache.index = idx
    assert cache.current(backend) is idx
    c = idx.columns
    rich = [i for i in range(c.n) if any(c.links.targets[int(t)][0] in ("RECEIVED", "HAS_TIER")
                                         for t in c.links.target[c.links.ptr[i]:c.links.ptr[i + 1]])]
    seen = set(rich)
    rest = [i for i in range(c.n) if i not in seen]
    chosen = rich + rest[: (limit or c.n)]
    grants = 0
    for i in chosen:
        uscc = c.id(i)
        fast = cache.eligible_clauses(backend, uscc, snap)
        live = eligibility.eligible_clauses(backend, uscc, snapshot=snap)
        assert dump(fast) == dump(live), uscc
        grants += sum(len(r["received"]) for r in live["items"])
    assert grants, "no enterprise with a grant received: the grant rows of the index are untested"
    for missing in ("91330108NOSUCH000X", ""):
        with pytest.raises(NotFound):
            cache.eligible_clauses(backend, missing, snap)
        with pytest.raises(NotFound):
            eligibility.eligible_clauses(backend, missing, snapshot=snap)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    out = tmp_path_factory.mktemp("derived-synth")
    synth(3000, 1, out / "base", progress=False)
    synth(400, 2, out / "more", progress=False)
    return out


def test_synthetic_registry_index_equals_live_and_goes_stale(backend, registry):
    load_paths(backend, [registry / "base"], progress=False)
    idx = service.build_index(backend)
    assert idx is not None and idx.columns.n == 3000
    assert idx.version == backend.data_version()
    assert_same_as_live(backend, idx)
    assert_eligible_same_as_live(backend, idx, limit=300)
    assert_members_as_bitsets(idx.columns)

    cache = service.DerivedCache()
    cache.index = idx
    assert cache.get(backend) is idx
    load_paths(backend, [registry / "more"], progress=False)
    assert backend.data_version() != idx.version
    cache.enabled = False  # no background build here: the next get must not hand out the stale index
    assert cache.get(backend) is None
    cache.enabled = True
    fresh = cache.build_now(backend)
    assert fresh.columns.n > 3000 and cache.get(backend) is fresh
    assert_same_as_live(backend, fresh)


def test_conditions_currencies_and_the_fallback_agree(backend, monkeypatch):
    """The matching fixtures: typed conditions (CNY / USD capital, revenue, employees, founded years),
    near misses and unknowns; then the same with every measure judged by the per-enterprise fallback."""
    load_match_graph(backend)
    idx = service.build_index(backend, ON)
    assert any(m.conditions for m in load_snapshot(backend, ON).measures)
    assert_same_as_live(backend, idx, ON)
    assert_eligible_same_as_live(backend, idx, ON)
    monkeypatch.setattr(derived_index, "FORCE_FALLBACK", True)
    assert_same_as_live(backend, service.build_index(backend, ON), ON)


def test_api_uses_the_index_and_sees_new_data(backend, registry, monkeypatch):
    load_paths(backend, [registry / "base"], progress=False)
    with TestClient(create_app(backend.settings, backend=backend)) as client:
        cache = client.app.state.derived
        cache.wait(120)
        snap = load_snapshot(backend)
        assert cache.get(backend, snap) is not None, cache.last_error
        m = next(m for m in snap.measures if m.industries)
        url = f"/api/clauses/{m.id}/matching-enterprises"
        params = {"place": "place-binjiang", "capital_min": 1_000_000}
        body = client.get(url, params=params).json()
        live = matching.matching_enterprises(backend, m.id, F(place="place-binjiang", capital_min=1_000_000),
                                             snapshot=snap)
        assert dump(body) == dump(json.loads(json.dumps(live)))
        g = client.get("/api/gaps").json()
        assert dump(g) == dump(json.loads(json.dumps(gaps.gaps(backend, snapshot=snap))))
        # places and programmes count their enterprises with the index's figures: the same as live
        assert cache.taxonomy_counts(backend) is cache.index.gap_aggregates["taxonomy_enterprise_counts"]
        places = client.get("/api/places").json()
        assert places["items"] and dump(places) == dump({**browse.places(backend, snapshot=snap),
                                                         "limit": places["total"], "offset": 0})
        progs = client.get("/api/programmes").json()
        assert any(p["enterprises"] for p in progs["items"])
        assert dump(progs["items"]) == dump(browse.programmes(backend, snapshot=snap))
        before = body["candidates"]
        firm = cache.index.columns.id(7)
        live = eligibility.eligible_clauses(backend, firm, snapshot=snap)
        live.update(total=len(live["items"]), limit=100, offset=0)
        assert dump(client.get(f"/api/enterprises/{firm}/eligible-clauses").json()) == dump(
            json.loads(json.dumps(live)))
        # that answer came from memory, on the event loop: backend, snapshot and index were all at hand
        monkeypatch.setattr(backend, "VERSION_TTL", 600)  # the version just read stays known meanwhile
        backend.data_version()
        ready = routes._in_memory(Request({"type": "http", "app": client.app}), None, None)
        assert ready is not None and ready[0] is backend and ready[2] is cache.index
        monkeypatch.undo()

        load_paths(backend, [registry / "more"], progress=False)
        stale = cache.index
        assert stale is not None and stale.version != backend.data_version()
        # a firm of the new data: the stale index does not have it, the answer (live) does
        new = next(r["id"] for r in backend.read_cypher(
            "MATCH (e:Enterprise) RETURN e.id AS id ORDER BY id").records() if stale.columns.position(r["id"]) is None)
        assert client.get(f"/api/enterprises/{new}/eligible-clauses").status_code == 200
        assert stale.columns.position(firm) == 7
        # a request on new data waits for the rebuild (the live path answers if it takes too long)
        fresh = cache.get(backend, snap)
        assert fresh is not None and fresh is not stale and fresh.version == backend.data_version(), cache.last_error
        snap = load_snapshot(backend)
        after = client.get(url, params=params).json()
        live = matching.matching_enterprises(backend, m.id, F(place="place-binjiang", capital_min=1_000_000),
                                             snapshot=snap)
        assert dump(after) == dump(json.loads(json.dumps(live))) and after["candidates"] > before
        deadline = time.monotonic() + 120
        while cache.get(backend, snap) is None and time.monotonic() < deadline:
            cache.wait(1)
        assert cache.get(backend, snap) is not None, cache.last_error
        assert dump(client.get(url, params=params).json()) == dump(after)
        assert dump(client.get("/api/gaps").json()) == dump(json.loads(json.dumps(gaps.gaps(backend, snapshot=snap))))


def test_similar_enterprises_from_the_index_equal_live(backend, registry, monkeypatch):
    """similar_enterprises ranked from the index (funds queried, the rest counted from its bitsets and link
    rows) is the live answer, JSON for JSON, page for page: every firm with an investment or a programme
    and a few hundred others; also with every target counted from the link rows (outside the bitsets'
    vocabularies), with repeated relationships (paths listed again in ``more_paths``), and through the API."""
    load_paths(backend, [registry / "base"], progress=False)
    rows = backend.read_cypher("MATCH (:Investment)-[:INVESTED_IN]->(e:Enterprise) RETURN DISTINCT e.id AS id",
                               max_rows=100_000).records()
    invested = sorted(r["id"] for r in rows)
    assert len(invested) > 100
    # repeated relationships: the pattern matches each pair of them, the live answer lists each path again
    a, b = invested[0], invested[1]
    backend.execute("MATCH (e:Enterprise {id: $a})-[:IN_INDUSTRY]->(x:Industry) WITH e, x LIMIT 1 "
                     "CREATE (e)-[:IN_INDUSTRY]->(x)", {"a": a}, write=True)
    backend.execute("MATCH (e:Enterprise {id: $a})-[:LOCATED_IN]->(x:Place), (o:Enterprise {id: $b}) "
                     "WITH o, x LIMIT 1 CREATE (o)-[:LOCATED_IN {kind: 'tax'}]->(x)", {"a": a, "b": b}, write=True)
    idx = derived.build(backend)
    cache = service.DerivedCache(enabled=True)
    cache.index = idx
    assert cache.current(backend) is idx
    c = idx.columns
    lk = c.links

    def kinds(i):
        return {lk.targets[int(t)][0] for t in lk.target[lk.ptr[i]:lk.ptr[i + 1]]}

    programmes = [i for i in range(c.n) if "SELECTED_IN" in kinds(i)]
    assert programmes
    chosen = sorted({c.position(u) for u in invested} | set(programmes))
    picked = set(chosen)
    chosen += [i for i in range(0, c.n, 7) if i not in picked][:200]
    # the same index with no vocabulary: every industry and place counted from the link rows
    scan = dataclasses.replace(idx, columns=dataclasses.replace(c, industry_ids={}, place_ids={}))
    seen = {"INVESTED_IN": 0, "SELECTED_IN": 0, "more_paths": 0, "pages": 0}
    for k, i in enumerate(chosen):
        uscc = c.id(i)
        full = matching.similar_enterprises(backend, uscc, 100_000, 0)
        total = full["total"]
        pages = [(20, 0)] + ([(3, 2), (1000, 0), (5, max(total - 2, 0)), (10, total + 5)] if k % 8 == 0 else [])
        for limit, offset in pages:
            want = json.dumps({**full, "items": full["items"][offset : offset + limit], "limit": limit,
                               "offset": offset}, ensure_ascii=False)
            got = json.dumps(cache.similar_enterprises(backend, uscc, limit, offset), ensure_ascii=False)
            assert got == want, (uscc, limit, offset)
            seen["pages"] += 1
        if k % 10 == 0:
            got = matching.similar_enterprises(backend, uscc, 20, 0, index=scan)
            assert json.dumps(got, ensure_ascii=False) == json.dumps({**full, "items": full["items"][:20], "limit": 20},
                                                                     ensure_ascii=False), uscc
        for item in full["items"]:
            for s in item["shared"]:
                seen[s["type"]] = seen.get(s["type"], 0) + 1
                seen["more_paths"] += bool(s.get("more_paths"))
    assert all(seen.values()), seen  # funds, programmes and repeated paths were all compared
    for missing in ("91330108NOSUCH000X", ""):
        with pytest.raises(NotFound):
            cache.similar_enterprises(backend, missing)
        with pytest.raises(NotFound):
            matching.similar_enterprises(backend, missing)

    # the API ranks with the index (derived.similar_page) and gives the live answer
    calls, ranked = [], derived.similar_page
    monkeypatch.setattr(derived, "similar_page", lambda *a, **kw: calls.append(1) or ranked(*a, **kw))
    with TestClient(create_app(backend.settings, backend=backend)) as client:
        api = client.app.state.derived
        api.wait(120)
        assert api.current(backend) is not None, api.last_error
        uscc = c.id(chosen[0])
        full = matching.similar_enterprises(backend, uscc, 100_000, 0)
        body = client.get(f"/api/enterprises/{uscc}/similar", params={"limit": 4, "offset": 1}).json()
        assert calls
        assert json.dumps(body, ensure_ascii=False) == json.dumps(
            {**full, "items": full["items"][1:5], "limit": 4, "offset": 1}, ensure_ascii=False)
        assert client.get("/api/enterprises/91330108NOSUCH000X/similar").status_code == 404

