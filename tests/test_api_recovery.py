"""With Neo4j down, every endpoint answers 503 with a clear message, within the driver's connection
time limit; when it returns, the app recovers by itself. Uses a Neo4j of its own, so that stopping it
disturbs no other test."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.graph import open_backend
from policykg.ingest.load import load_paths
from policykg.ingest.policy import ingest_seed
from policykg.ingest.synth import synth
from tests.conftest import ROOT, neo4j_settings

SCRIPT = ROOT / "scripts" / "neo4j-dev"
CONNECT_TIMEOUT = 2.0  # POLICYKG_NEO4J_CONNECTION_TIMEOUT for these tests
MARGIN = 3.0  # the answer's own work, and a loaded machine
#: routes that answer from the package alone, the database not needed
STATIC = {"/api/queries", "/api/export/formats", "/api/export/ontology", "/api/export/shapes", "/viz/",
          "/viz/{page}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_neo4j(tmp_path, neo4j_uri):  # neo4j_uri: the launcher is built and the session server is up
    port = _free_port()
    env = {**os.environ, "NEO4J_DEV_PORT": str(port), "NEO4J_DEV_HOME": str(tmp_path / "neo4j"),
           "NEO4J_DEV_PASSWORD": "policykg-test"}

    def ctl(cmd: str) -> None:
        proc = subprocess.run([str(SCRIPT), cmd], env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr

    yield port, ctl
    ctl("stop")


def _wait_for(client, path, status, seconds=60):
    deadline = time.time() + seconds
    while True:
        r = client.get(path)
        if r.status_code == status or time.time() > deadline:
            return r
        time.sleep(0.5)


def test_503_while_down_and_recovery(own_neo4j):
    port, ctl = own_neo4j
    settings = neo4j_settings(f"bolt://127.0.0.1:{port}", neo4j_connection_timeout=CONNECT_TIMEOUT)
    with TestClient(create_app(settings)) as client:  # starts while Neo4j is down
        for path in ("/api/health", "/api/documents", "/api/queries/documents"):
            r = client.get(path)
            assert r.status_code == 503, (path, r.text)
            err = r.json()["error"]
            assert err["code"] == "backend_unavailable" and "NEO4J_URI" in err["message"]
        ctl("start")
        r = _wait_for(client, "/api/health", 200)
        assert r.status_code == 200 and r.json()["backend"] == "neo4j"
        ctl("stop")
        r = _wait_for(client, "/api/documents", 503)
        assert r.status_code == 503 and r.json()["error"]["code"] == "backend_unavailable"
        ctl("start")
        r = _wait_for(client, "/api/documents", 200)
        assert r.status_code == 200 and r.json()["total"] == 0


def _sample_urls(client, spec) -> dict[str, str]:
    """Each GET route of the OpenAPI document with valid parameters taken from the loaded graph."""
    doc = client.get("/api/documents").json()["items"][0]["id"]
    clause = client.get("/api/clauses", params={"limit": 1}).json()["items"][0]["id"]
    uscc = client.get("/api/enterprises", params={"limit": 1}).json()["items"][0]["id"]
    industry = client.get("/api/industries").json()["items"][0]["id"]
    path_values = {"name": "documents", "doc_id": doc, "clause_id": clause, "uscc": uscc,
                   "industry_id": industry, "page": "policy-map"}
    query_values = {"id": doc, "from": doc, "to": clause, "q": "企业"}
    urls = {}
    for route, ops in spec["paths"].items():
        if "get" not in ops:
            continue
        url = route.format(**{k: v for k, v in path_values.items() if "{" + k + "}" in route})
        required = [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query" and p.get("required")]
        if required:
            url += "?" + "&".join(f"{n}={query_values[n]}" for n in required)
        urls[route] = url
    return urls


def test_every_route_503_within_the_connection_timeout(own_neo4j, tmp_path):
    """Neo4j stopped under a serving app: every GET route that needs the database answers 503 in the
    error shape within the connection time limit (no driver retries for half a minute), the others
    still answer; started again, every route answers 200 without restarting the app."""
    port, ctl = own_neo4j
    ctl("start")
    settings = neo4j_settings(f"bolt://127.0.0.1:{port}", neo4j_connection_timeout=CONNECT_TIMEOUT)
    backend = open_backend(settings)
    try:
        ingest_seed(backend)
        synth(30, 1, tmp_path / "registry", progress=False)
        report = load_paths(backend, [tmp_path / "registry" / "enterprises.csv"], progress=False)
        assert report.loaded == 30 and report.rejected == 0
    finally:
        backend.close()
    with TestClient(create_app(settings)) as client:
        urls = _sample_urls(client, client.get("/openapi.json").json())
        assert len(urls) >= 30
        for url in urls.values():
            r = client.get(url)
            assert r.status_code == 200, (url, r.text)
        ctl("stop")
        slow = {}
        for route, url in urls.items():
            start = time.monotonic()
            r = client.get(url)
            took = time.monotonic() - start
            if took > CONNECT_TIMEOUT + MARGIN:
                slow[url] = round(took, 1)
            if route in STATIC:
                assert r.status_code == 200, (url, r.text)
                continue
            assert r.status_code == 503, (url, r.status_code, r.text)
            body = r.json()
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
            assert body["error"]["code"] == "backend_unavailable" and "NEO4J_URI" in body["error"]["message"]
        assert not slow, f"routes slower than {CONNECT_TIMEOUT + MARGIN} s with Neo4j down: {slow}"
        ctl("start")
        r = _wait_for(client, "/api/health", 200)
        assert r.status_code == 200
        for url in urls.values():
            r = client.get(url)
            assert r.status_code == 200, (url, r.text)
