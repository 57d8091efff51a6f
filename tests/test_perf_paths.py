"""The fast read paths give the answers of the slow ones: key lookups by id on both backends (equal to the
catalogue's ``nodes_by_id`` and ``neighbours``, and to each other), the explorer, the JSON encoding of the
hot routes, the snapshot cache's recheck interval, the request log, and ``serve --workers``.
No test here asserts a time."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykg import explore
from policykg.analysis.eligibility import eligible_clauses
from policykg.analysis.snapshot import SnapshotCache
from policykg.api.app import create_app
from policykg.errors import NotFound, QueryError
from policykg.graph import open_backend
from policykg.settings import get_settings
from tests.fixtures.graph import MATCH_ENTERPRISES, load_match_graph, match_graphs

ON = "2025-06-01"


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, _neo4j_backend):
    emb, neo, seed = match_graphs(tmp_path_factory.mktemp("perf-paths"), _neo4j_backend)
    yield {"embedded": emb, "neo4j": neo, "seed": seed}
    emb.close()


def _canon(rows):
    return sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)


def _all_ids(backend) -> list[str]:
    ids: list[str] = []
    for label in backend.schema.nodes:
        ids += [r[0] for r in backend.execute(f"MATCH (n:{label}) RETURN n.id").rows]
    return sorted(ids)


def test_the_fixture_graph_is_the_same_on_both(graphs):
    assert _all_ids(graphs["embedded"]) == _all_ids(graphs["neo4j"])
    assert len(_all_ids(graphs["neo4j"])) > 100


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_find_nodes_equals_the_catalogue_query(graphs, name):
    b = graphs[name]
    ids = _all_ids(b) + ["nothing-here", ""]
    assert _canon(b.find_nodes(ids)) == _canon(b.query("nodes_by_id", {"ids": ids}).records())
    assert b.find_nodes([]) == [] and b.find_nodes(["nothing-here"]) == []


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_expand_equals_the_catalogue_query_for_every_node(graphs, name):
    b = graphs[name]
    labels = {r["id"]: r["label"] for r in b.find_nodes(_all_ids(b))}
    for node_id, label in labels.items():  # one by one: every label and relationship type is exercised
        assert _canon(b.expand({node_id: label})) == _canon(b.query("neighbours", {"ids": [node_id]}).records()), \
            node_id
    some = dict(list(labels.items())[::7])
    assert _canon(b.expand(some)) == _canon(b.query("neighbours", {"ids": list(some)}).records())
    assert b.expand({}) == []


def test_lookups_agree_across_backends(graphs):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    ids = _all_ids(neo)
    assert _canon(emb.find_nodes(ids)) == _canon(neo.find_nodes(ids))
    labels = {r["id"]: r["label"] for r in neo.find_nodes(ids)}
    assert _canon(emb.expand(labels)) == _canon(neo.expand(labels))


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_neighbourhood_stops_reading_a_hub_past_the_count_cap(graphs, name, monkeypatch):
    b = graphs[name]
    full = explore.neighbourhood(b, "place-binjiang", 1, 500)
    assert full["total_exact"] and full["total"] > 4
    cap = 1
    monkeypatch.setattr(explore, "COUNT_CAP", cap)
    rows = b.expand({"place-binjiang": "Place"}, cap=cap + 1)
    per_branch: dict = {}
    for r in rows:
        per_branch[(r["type"], r["direction"], r["label"])] = per_branch.get((r["type"], r["direction"], r["label"]), 0) + 1
    assert per_branch and max(per_branch.values()) <= cap + 1  # each branch stopped at the cap
    cut = explore.neighbourhood(b, "place-binjiang", 1, 500)
    assert cut["total_exact"] is False and cut["truncated"] is False
    assert cap < cut["total"] < full["total"] and len(cut["nodes"]) == cut["total"]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_neighbourhood_is_the_same_on_both_backends(graphs, depth):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    doc = neo.query("documents").records()[0]["id"]
    for centre in [MATCH_ENTERPRISES[0]["id"], MATCH_ENTERPRISES[3]["id"], doc, "ind-ai", "place-binjiang"]:
        for limit in (500, 7):
            ours = explore.neighbourhood(emb, centre, depth, limit)
            oracle = explore.neighbourhood(neo, centre, depth, limit)
            assert json.dumps(ours, sort_keys=True, ensure_ascii=False) == \
                json.dumps(oracle, sort_keys=True, ensure_ascii=False), (centre, depth, limit)
            assert ours["nodes"][0] == {**emb.find_nodes([centre])[0], "depth": 0}


@pytest.mark.parametrize(("name", "mode"), [("embedded", "loop"), ("embedded", "offload"), ("neo4j", "loop"),
                                            ("neo4j", "offload"), ("neo4j", "large")])
def test_neighbourhood_on_an_event_loop_is_the_threaded_one(graphs, name, mode, monkeypatch):
    """The same walk, driven by the backend's asynchronous lookups (Neo4j: its async driver on the loop,
    no sync lookup at all; Ladybug: each lookup in a thread). ``offload``: every expansion's rows are
    walked in a thread, as a hub's are; ``large``: every answer of more than one row is left by the async
    driver and read again by the sync one in a thread, as a hub's are."""
    b = graphs[name]
    if mode == "offload":
        monkeypatch.setattr(explore, "OFFLOAD_ROWS", 0)
    if mode == "large":
        monkeypatch.setattr(b, "ASYNC_ROWS", 1)
    doc = b.query("documents").records()[0]["id"]
    cases = [(c, d, lim) for c in [MATCH_ENTERPRISES[0]["id"], doc, "ind-ai", "place-binjiang"]
             for d, lim in ((1, 500), (2, 500), (3, 7))]
    expected = [explore.neighbourhood(b, *case) for case in cases]
    sync_lookups = []
    real = b.lookup
    monkeypatch.setattr(b, "lookup", lambda *a, **k: sync_lookups.append(a) or real(*a, **k))

    async def walk_all():
        try:
            got = [await explore.neighbourhood_async(b, *case) for case in cases]
            with pytest.raises(NotFound):
                await explore.neighbourhood_async(b, "nothing-here")
            return got
        finally:
            await b.aclose()

    assert asyncio.run(walk_all()) == expected
    assert bool(sync_lookups) == (name == "embedded" or mode == "large")
    assert not getattr(b, "_adrivers", {})


def test_neo4j_async_lookups_give_the_sync_rows_and_errors(graphs):
    neo = graphs["neo4j"]
    uscc = MATCH_ENTERPRISES[0]["id"]
    cypher = neo._expand_cypher("Enterprise", 50)

    async def both():
        try:
            rows = (await neo.alookup(cypher, {"ids": [uscc], "cap": 50})).rows
            with pytest.raises(QueryError):
                await neo.alookup("MATCH (n:Enterprise {id: $id}) RETURN n.nope(", {"id": uscc})
            return rows, len(neo._adrivers)
        finally:
            await neo.aclose()

    rows, drivers = asyncio.run(both())
    assert rows == neo.lookup(cypher, {"ids": [uscc], "cap": 50}).rows and drivers == 1
    assert asyncio.run(both())[0] == rows  # a new event loop gets a driver of its own


def _reference_neighbourhood(backend, node_id, depth, limit):
    """The explorer as it was, on the catalogue queries only (the unlabelled lookups)."""
    centre = {r["id"]: r for r in backend.query("nodes_by_id", {"ids": [node_id]}).records()}
    nodes = {node_id: {"id": node_id, "label": centre[node_id]["label"], "name": centre[node_id]["name"], "depth": 0}}
    edges, reached, frontier = {}, {node_id}, [node_id]
    for level in range(1, depth + 1):
        if not frontier:
            break
        rows = backend.query("neighbours", {"ids": frontier}).records()
        rows.sort(key=lambda r: (r["type"], r["label"] or "", r["source"], r["target"], r["direction"]))
        nxt = []
        for r in rows:
            other = r["target"] if r["direction"] == "out" else r["source"]
            if other not in reached:
                reached.add(other)
                nxt.append(other)
                if len(nodes) < limit:
                    nodes[other] = {"id": other, "label": r["label"], "name": r["name"], "depth": level}
            key = (r["source"], r["type"], r["target"])
            if r["source"] in nodes and r["target"] in nodes and key not in edges:
                edges[key] = {"source": r["source"], "target": r["target"], "type": r["type"]}
        frontier = nxt
    return list(nodes.values()), list(edges.values()), len(reached)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_neighbourhood_equals_the_catalogue_based_one(graphs, name):
    b = graphs[name]
    for centre in [MATCH_ENTERPRISES[1]["id"], "ind-ai", "fund-sci-tech-industry"]:
        for depth, limit in ((1, 500), (2, 500), (2, 9)):
            got = explore.neighbourhood(b, centre, depth, limit)
            nodes, edges, total = _reference_neighbourhood(b, centre, depth, limit)
            assert (got["nodes"], got["edges"], got["total"]) == (nodes, edges, total), (centre, depth, limit)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_find_nodes_of_one_id_equals_the_catalogue_query(graphs, name):
    b = graphs[name]  # one id takes its own statement (a seek per label on $id, no UNWIND)
    for node_id in _all_ids(b)[::5] + ["nothing-here"]:
        assert b.find_nodes([node_id]) == b.query("nodes_by_id", {"ids": [node_id]}).records(), node_id


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_capped_expansions_write_the_cap_where_the_engine_plans_it_once(graphs, name):
    b = graphs[name]
    capped = b._expand_cypher("Enterprise", 7)
    assert capped.count("LIMIT 7" if name == "embedded" else "LIMIT $cap") == capped.count("UNION ALL") + 1
    assert "$cap" not in capped if name == "embedded" else "LIMIT 7" not in capped
    assert b._expand_cypher("Enterprise", 8) != capped if name == "embedded" else b._expand_cypher("Enterprise", 8) == capped
    uscc = MATCH_ENTERPRISES[0]["id"]
    assert _canon(b.expand({uscc: "Enterprise"}, cap=7)) == _canon(b.expand({uscc: "Enterprise"}))
    assert b.expand_rows({uscc: "Enterprise"}) == [list(r.values()) for r in b.expand({uscc: "Enterprise"})]


def test_neo4j_lookups_run_auto_commit_with_the_answers_of_a_read_transaction(graphs):
    neo = graphs["neo4j"]
    uscc = MATCH_ENTERPRISES[0]["id"]
    cypher = neo._expand_cypher("Enterprise", 50)
    assert neo.lookup(cypher, {"ids": [uscc], "cap": 50}).rows == neo.execute(cypher, {"ids": [uscc], "cap": 50}).rows
    with pytest.raises(QueryError):
        neo.lookup("MATCH (n:Enterprise {id: $id}) RETURN n.nope(", {"id": uscc})


def test_embedded_keeps_the_recent_expansions_prepared_and_releases_large_ones(graphs, monkeypatch):
    emb = graphs["embedded"]
    labels = {r["id"]: r["label"] for r in emb.find_nodes(_all_ids(emb))}
    for node_id, label in labels.items():  # every label's expansion, on the pool's connections
        emb.expand({node_id: label}, cap=50)
    assert emb._prepared.recent and all(0 < len(r) <= emb.KEEP_RECENT for r in emb._prepared.recent.values())
    uscc = MATCH_ENTERPRISES[0]["id"]
    first = explore.neighbourhood(emb, uscc)
    # a statement is reused while it stays among the recent ones: the same answer again
    assert explore.neighbourhood(emb, uscc) == first
    kept = {c: dict(r) for c, r in emb._prepared.recent.items()}
    # an answer of more than KEEP_MAX_ROWS rows is read column by column and its statement closed
    monkeypatch.setattr(type(emb), "KEEP_MAX_ROWS", 0)
    for node_id, label in list(labels.items())[::3]:
        assert _canon(emb.expand({node_id: label})) == _canon(emb.query("neighbours", {"ids": [node_id]}).records())
    assert explore.neighbourhood(emb, uscc) == first
    cypher = emb._expand_cypher("Enterprise", explore.COUNT_CAP + 1)
    assert all(cypher not in r for r in emb._prepared.recent.values()) and kept


def test_path_is_the_same_on_both_backends(graphs):
    emb, neo, doc = graphs["embedded"], graphs["neo4j"], graphs["seed"]
    # paths with no tie (not m5: it supports 智能计算, which the goals section also names — two paths of 3)
    for a, b in [(f"{doc}:m8", doc), (MATCH_ENTERPRISES[0]["id"], "ind-ai")]:
        oracle = explore.path(neo, a, b)
        assert oracle["length"] and explore.path(emb, a, b) == oracle
    for backend in (emb, neo):
        with pytest.raises(NotFound):
            explore.path(backend, "ind-ai", "nothing-here")


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_hot_routes_answer_what_the_library_answers(graphs, name):
    b = graphs[name]
    uscc = MATCH_ENTERPRISES[0]["id"]
    with TestClient(create_app(b.settings, backend=b)) as client:
        r = client.get(f"/api/enterprises/{uscc}/eligible-clauses", params={"on": ON, "limit": 5, "offset": 1})
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        lib = eligible_clauses(b, uscc, on=ON)
        assert r.json() == json.loads(json.dumps({**lib, "items": lib["items"][1:6], "total": len(lib["items"]),
                                                  "limit": 5, "offset": 1}))
        r = client.get("/api/graph/neighbourhood", params={"id": uscc})
        assert r.status_code == 200 and r.json() == explore.neighbourhood(b, uscc)
        r = client.get("/api/graph/neighbourhood", params={"id": "nothing-here"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        assert client.get("/api/enterprises/NOBODY/eligible-clauses").json()["error"]["code"] == "not_found"


def test_neo4j_neighbourhood_route_runs_on_the_event_loop(graphs, monkeypatch):
    """Over HTTP, Neo4j's neighbourhood is read with the async driver (no synchronous lookup, so no thread
    hand-off); the app closes that driver when it stops, and a second app on a new loop answers too."""
    b = graphs["neo4j"]
    uscc = MATCH_ENTERPRISES[2]["id"]
    expected = explore.neighbourhood(b, uscc, 2)
    sync_lookups = []
    real = b.lookup
    monkeypatch.setattr(b, "lookup", lambda *a, **k: sync_lookups.append(a) or real(*a, **k))
    for _ in range(2):
        with TestClient(create_app(b.settings, backend=b)) as client:
            r = client.get("/api/graph/neighbourhood", params={"id": uscc, "depth": 2})
            assert r.status_code == 200 and r.json() == expected
            assert client.get("/api/graph/neighbourhood", params={"id": "nothing-here"}).status_code == 404
            assert len(b._adrivers) == 1
        assert not b._adrivers  # closed with the app's loop
    assert sync_lookups == []


class _Counting:
    """A backend wrapper counting the catalogue queries run through it."""

    def __init__(self, backend):
        self.backend, self.calls = backend, []

    def query(self, name, params=None):
        self.calls.append(name)
        return self.backend.query(name, params)

    def __getattr__(self, item):
        return getattr(self.backend, item)


def test_snapshot_cache_is_reused_until_the_data_changes(backend):
    counting = _Counting(backend)
    cache = SnapshotCache()
    first = cache.get(counting, ON)
    assert cache.get(counting, ON) is first
    loads = counting.calls.count("clauses_in_force")
    assert loads == 1
    backend.upsert_nodes("Tier", [{"id": "tier-test-only", "name": "测试"}])  # any write
    assert cache.get(counting, ON) is not first
    assert counting.calls.count("clauses_in_force") == 2


def test_request_log_is_a_plain_asgi_middleware(graphs, caplog):
    b = graphs["embedded"]
    with TestClient(create_app(b.settings, backend=b)) as client, caplog.at_level(logging.INFO, "policykg.api"):
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/no-such-route").status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "policykg.api"]
    assert any(m.startswith("GET /api/health 200 ") for m in lines), lines
    assert any(m.startswith("GET /api/no-such-route 404 ") for m in lines), lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_workers_answers(tmp_path):
    """Two worker processes open one embedded database read-only and both answer, from the one derived
    index serve prepared on disk before starting them."""
    data = tmp_path / "data"
    with open_backend(get_settings(backend="embedded", data_dir=data, buffer_pool_mb=128)) as b:
        load_match_graph(b)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env.update(POLICYKG_BACKEND="embedded", POLICYKG_DATA_DIR=str(data), POLICYKG_BUFFER_POOL_MB="128")
    proc = subprocess.Popen([sys.executable, "-m", "policykg.cli", "serve", "--port", str(port), "--workers", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=5) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve --workers 2 did not answer:\n{proc.stdout.read() if proc.stdout else ''}")
                time.sleep(0.3)
        assert health["backend"] == "embedded" and health["nodes"]["Enterprise"] == len(MATCH_ENTERPRISES)
        stored, ready = set(), {}
        for _ in range(400):  # new connections: each request taken by whichever worker accepts it
            with urllib.request.urlopen(f"{url}/api/health", timeout=5) as r:
                body = json.loads(r.read())
            index = body["derived"]
            if index["state"] == "ready":
                stored.add(index["stored"])
                assert len(stored) == 1 and index["stored"].startswith(str(data / "derived")), index
            ready[body["process"]] = index["state"] == "ready"
            if len(ready) == 2 and all(ready.values()):
                break
            time.sleep(0.05)
        assert len(ready) == 2 and all(ready.values()), ready  # both workers, each with the index read
        uscc = MATCH_ENTERPRISES[0]["id"]
        for _ in range(6):  # several connections: the requests spread over the workers
            with urllib.request.urlopen(f"{url}/api/enterprises/{uscc}/eligible-clauses?on={ON}", timeout=10) as r:
                assert r.status == 200 and json.loads(r.read())["enterprise"]["id"] == uscc
        # the supervisor only watches the workers: it never loads the app, Arrow or the engine
        supervisor = Path(f"/proc/{proc.pid}/maps").read_text()
        assert "_lbug" not in supervisor and "libarrow" not in supervisor
        for pid in ready:  # the workers did; they run with the malloc arenas capped
            assert "_lbug" in Path(f"/proc/{pid}/maps").read_text()
            assert b"MALLOC_ARENA_MAX=2\0" in Path(f"/proc/{pid}/environ").read_bytes()
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert out.count("Application startup complete") == 2, out

