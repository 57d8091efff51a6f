"""With Neo4j down, every endpoint answers 503 with a clear message; when it returns, the app
recovers by itself. Uses a Neo4j of its own, so that stopping it disturbs no other test."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from tests.conftest import ROOT, neo4j_settings

SCRIPT = ROOT / "scripts" / "neo4j-dev"


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
    settings = neo4j_settings(f"bolt://127.0.0.1:{port}")
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
