"""Test fixtures: both real backends, Neo4j started once per session from scripts/neo4j-dev.

Nothing here skips Neo4j: if it cannot be built or started, the tests that need it fail with
the launcher's output.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from policykg.graph import open_backend
from policykg.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("embedded", "neo4j")

def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
NEO4J_TEST_PASSWORD = "policykg-test"


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory) -> str:
    """A running Neo4j: POLICYKG_TEST_NEO4J_URI if given, else one started for this session."""
    given = os.environ.get("POLICYKG_TEST_NEO4J_URI")
    if given:
        yield given
        return
    home = tmp_path_factory.mktemp("neo4j-home")
    port = os.environ.get("POLICYKG_TEST_NEO4J_PORT") or str(_free_port())  # free: test runs may overlap
    env = {**os.environ, "NEO4J_DEV_PORT": port, "NEO4J_DEV_HOME": str(home),
           "NEO4J_DEV_PASSWORD": NEO4J_TEST_PASSWORD}
    script = ROOT / "scripts" / "neo4j-dev"
    proc = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"scripts/neo4j-dev start failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    uri = proc.stdout.strip().splitlines()[-1]
    assert uri.startswith("bolt://"), proc.stdout
    try:
        yield uri
    finally:
        subprocess.run([str(script), "stop"], env=env, capture_output=True, text=True, timeout=300)


def neo4j_settings(uri: str, **overrides):
    password = os.environ.get("POLICYKG_TEST_NEO4J_PASSWORD", NEO4J_TEST_PASSWORD)
    return get_settings(backend="neo4j", neo4j_uri=uri, neo4j_user="neo4j", neo4j_password=password, **overrides)


@pytest.fixture(scope="session")
def _neo4j_backend(neo4j_uri):
    backend = open_backend(neo4j_settings(neo4j_uri), apply_schema=False)
    yield backend
    backend.close()


def _fresh_neo4j(backend):
    backend.clear()
    backend.drop_schema()
    backend.apply_schema()
    return backend


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """An empty graph with the schema applied, once on each backend."""
    if request.param == "embedded":
        b = open_backend(get_settings(backend="embedded", data_dir=tmp_path / "data", buffer_pool_mb=512))
        yield b
        b.close()
    else:
        yield _fresh_neo4j(request.getfixturevalue("_neo4j_backend"))


@pytest.fixture
def env_for(tmp_path, neo4j_uri):
    """Environment variables that point the CLI (a subprocess) at one backend."""

    def make(name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
        env["POLICYKG_DATA_DIR"] = str(tmp_path / "cli-data")
        env["POLICYKG_BUFFER_POOL_MB"] = "512"
        env["POLICYKG_BACKEND"] = name
        if name == "neo4j":
            env["NEO4J_URI"] = neo4j_uri
            env["NEO4J_USER"] = "neo4j"
            env["NEO4J_PASSWORD"] = os.environ.get("POLICYKG_TEST_NEO4J_PASSWORD", NEO4J_TEST_PASSWORD)
        return env

    return make
