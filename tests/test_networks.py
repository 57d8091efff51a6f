"""Network analytics: the same answers on both backends, the same answers for the same seed, and the
API and CLI over them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from policykg import networks
from policykg.errors import NotFound, ValidationError
from policykg.graph import open_backend
from policykg.ingest.load import load_paths
from policykg.ingest.policy import ingest_seed
from policykg.ingest.synth import synth
from policykg.settings import get_settings
from tests.conftest import ROOT, neo4j_settings

ENTERPRISES = 200


@pytest.fixture(scope="module")
def graphs(tmp_path_factory, neo4j_uri):
    """The same graph (seed policy + 200 synthetic enterprises) in a fresh embedded database and in Neo4j."""
    emb = open_backend(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("networks-emb"),
                                    buffer_pool_mb=512))
    neo = open_backend(neo4j_settings(neo4j_uri), apply_schema=False)
    neo.clear()
    neo.drop_schema()
    neo.apply_schema()
    folder = tmp_path_factory.mktemp("networks-registry")
    synth(ENTERPRISES, 3, folder)
    for b in (emb, neo):
        ingest_seed(b)
        assert load_paths(b, [folder], progress=False).ok
    yield {"embedded": emb, "neo4j": neo}
    emb.close()
    neo.close()


def _invested(b) -> str:
    return sorted(r["enterprise"] for r in b.query("analytics_enterprise_features").records() if r["label"] == "Fund")[0]


def test_centrality_same_on_both_backends_and_stable(graphs):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    for kind in ("clause", "industry", "all"):
        a = networks.centrality(emb, kind)
        assert a == networks.centrality(neo, kind)
        assert a == networks.centrality(emb, kind)
    clauses = networks.centrality(emb, "clause")
    assert clauses["items"] and all(i["label"] == "Clause" for i in clauses["items"])
    ranks = [i["pagerank"] for i in clauses["items"]]
    assert ranks == sorted(ranks, reverse=True) and [i["rank"] for i in clauses["items"]][:3] == [1, 2, 3]
    industries = networks.centrality(emb, "industry", measure="betweenness")
    between = [i["betweenness"] for i in industries["items"]]
    assert between == sorted(between, reverse=True) and between[0] > 0
    # the projection is the catalogue's: degrees agree with the edges
    g = networks.policy_graph(emb)
    assert industries["graph"]["nodes"] == g.number_of_nodes()
    top = industries["items"][0]
    assert top["degree"] == g.degree(top["id"])
    # sampled betweenness (large graphs) is the same for the same seed
    s1 = networks.centrality(emb, "all", measure="betweenness", seed=5, k=10)
    assert s1 == networks.centrality(neo, "all", measure="betweenness", seed=5, k=10)
    assert s1["betweenness_sources"] == 10
    with pytest.raises(ValidationError):
        networks.centrality(emb, "enterprise")
    with pytest.raises(ValidationError):
        networks.centrality(emb, "clause", measure="closeness")


def test_communities_deterministic_for_a_seed(graphs):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    a = networks.communities(emb, seed=7)
    assert a == networks.communities(emb, seed=7) == networks.communities(neo, seed=7)
    assert a["items"] and a["modularity"] > 0
    sizes = [c["size"] for c in a["items"]]
    assert sizes == sorted(sizes, reverse=True) and min(sizes) >= 2
    # members are partitioned: no enterprise in two communities
    members = [m["id"] for c in a["items"] for m in c["members"]]
    assert len(members) == len(set(members))
    # the projection links enterprises sharing an investor more strongly than sharing an industry
    g, info = networks.enterprise_projection(emb)
    feats = info["features"]
    u, v, w = next((u, v, d["weight"]) for u, v, d in sorted(g.edges(data=True)) if d["weight"] >= 2)
    shared = feats[u] & feats[v]
    assert w == sum(2.0 if f[0] == "Fund" else 1.0 for f in shared if f[0] in ("Fund", "Industry"))
    # communities agree with networkx run by hand on the same projection
    by_hand = nx.community.louvain_communities(g, weight="weight", seed=7)
    assert sorted(len(c) for c in by_hand if len(c) >= 2) == sorted(sizes)


def test_similar_enterprises(graphs):
    emb, neo = graphs["embedded"], graphs["neo4j"]
    uscc = _invested(emb)
    a = networks.similar(emb, uscc)
    assert a == networks.similar(neo, uscc)
    assert a["items"] and uscc not in {i["id"] for i in a["items"]}
    scores = [i["jaccard"] for i in a["items"]]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1
    first = a["items"][0]
    assert first["jaccard"] == pytest.approx(first["shared_count"] / first["union_count"])
    funds_only = networks.similar(emb, uscc, labels=("Fund",))
    assert all(s["label"] == "Fund" for i in funds_only["items"] for s in i["shared"])
    with pytest.raises(NotFound):
        networks.similar(emb, "91330108XXXXXXXXXX")
    with pytest.raises(ValidationError):
        networks.similar(emb, uscc, labels=("Clause",))


def _client(backend) -> TestClient:
    from policykg.api.app import create_app
    from policykg.api.routes_export import router

    app = create_app(backend.settings, backend=backend)
    if not any(getattr(r, "path", "") == "/api/analytics/centrality" for r in app.routes):
        app.include_router(router, prefix="/api")
    return TestClient(app)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_analytics_api(graphs, name):
    b = graphs[name]
    with _client(b) as c:
        r = c.get("/api/analytics/centrality", params={"kind": "industry", "limit": 5, "offset": 1})
        assert r.status_code == 200, r.text
        body = r.json()
        assert {"items", "total", "limit", "offset"} <= set(body) and body["limit"] == 5 and body["offset"] == 1
        assert len(body["items"]) == 5 and body["items"][0]["rank"] == 2
        assert body["items"] == networks.centrality(b, "industry")["items"][1:6]
        r = c.get("/api/analytics/communities", params={"seed": 7, "limit": 3})
        assert r.status_code == 200 and r.json()["items"] == networks.communities(b, seed=7)["items"][:3]
        uscc = _invested(b)
        r = c.get(f"/api/analytics/similar/{uscc}", params={"limit": 4})
        body = r.json()
        assert r.status_code == 200 and len(body["items"]) == 4 and all(i["name"] for i in body["items"])
        assert body["total"] == len(networks.similar(b, uscc)["items"])
        for path, params, status, code in (
            ("/api/analytics/centrality", {"kind": "enterprise"}, 422, "validation_error"),
            ("/api/analytics/centrality", {"limit": 0}, 422, "invalid_request"),
            ("/api/analytics/similar/nobody", {}, 404, "not_found"),
            ("/api/analytics/communities", {"resolution": -1}, 422, "invalid_request"),
        ):
            r = c.get(path, params=params)
            assert r.status_code == status, (path, r.text)
            assert set(r.json()["error"]) == {"code", "message", "details"} and r.json()["error"]["code"] == code


def test_analytics_cli(env_for):
    env = env_for("embedded")
    cli = [sys.executable, "-m", "policykg.cli"]
    seed_doc = Path(ROOT / "policykg" / "data" / "seeds" / "binjiang-2024-16.md")
    assert subprocess.run(cli + ["ingest", str(seed_doc)], env=env, capture_output=True, timeout=120).returncode == 0
    run = subprocess.run(cli + ["analytics", "centrality", "--kind", "industry", "--limit", "3", "--json"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    first = json.loads(run.stdout)
    assert len(first["items"]) == 3 and first["total"] > 3
    again = subprocess.run(cli + ["analytics", "centrality", "--kind", "industry", "--limit", "3", "--json"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert json.loads(again.stdout) == first
    run = subprocess.run(cli + ["analytics", "centrality", "--kind", "clause"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and "pagerank" in run.stdout
    run = subprocess.run(cli + ["analytics", "communities", "--seed", "3", "--json"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and json.loads(run.stdout)["items"] == []  # no enterprises loaded
    run = subprocess.run(cli + ["analytics", "similar", "91330108XXXXXXXXXX"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2 and "no enterprise" in run.stderr and "Traceback" not in run.stderr
