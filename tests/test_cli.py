"""The `policykg` command, run for real as a subprocess, on both backends."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("policykg")


def run(args, env, timeout=300, check=True):
    proc = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"policykg {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(params=["embedded", "neo4j"])
def cli_env(request, env_for, neo4j_uri):
    env = env_for(request.param)
    if request.param == "neo4j":
        # Start from an empty Neo4j graph: other tests share the server.
        from policykg.graph import open_backend
        from tests.conftest import neo4j_settings

        with open_backend(neo4j_settings(neo4j_uri)) as b:
            b.clear()
    return env


def stats(env):
    return json.loads(run(["stats", "--json"], env).stdout)


def test_demo_then_stats_shows_the_seed(cli_env):
    run(["demo", "--no-serve"], cli_env)
    data = stats(cli_env)
    assert data["backend"] == cli_env["POLICYKG_BACKEND"]
    assert data["nodes"]["PolicyDocument"] == 1
    assert data["nodes"]["Section"] == 8
    assert data["nodes"]["Clause"] == 29
    assert data["relationships"]["HAS_CLAUSE"] == 29
    assert data["relationships"]["HAS_SECTION"] == 8
    # ... and the 1,000-enterprise synthetic registry, with its funds, investments and selections.
    assert data["nodes"]["Enterprise"] == 1000
    assert data["nodes"]["Investment"] > 0 and data["relationships"]["INVESTED_IN"] == data["nodes"]["Investment"]
    assert data["relationships"]["SELECTED_IN"] > 0 and data["relationships"]["IN_INDUSTRY"] > 0


def test_demo_twice_changes_no_count(cli_env):
    run(["demo", "--no-serve"], cli_env)
    first = stats(cli_env)
    run(["demo", "--no-serve"], cli_env)
    assert stats(cli_env) == first


def test_both_backends_give_the_same_counts(env_for, neo4j_uri):
    from policykg.graph import open_backend
    from tests.conftest import neo4j_settings

    with open_backend(neo4j_settings(neo4j_uri)) as b:
        b.clear()
    results = {}
    for name in ("embedded", "neo4j"):
        env = env_for(name)
        run(["demo", "--no-serve"], env)
        data = stats(env)
        results[name] = (data["nodes"], data["relationships"])
    assert results["embedded"] == results["neo4j"]


def test_query_command(cli_env):
    run(["demo", "--no-serve"], cli_env)
    docs = json.loads(run(["query", "documents", "--json"], cli_env).stdout)
    assert len(docs) == 1 and docs[0]["doc_number"] == "杭高新〔2024〕16号"
    clauses = json.loads(run(["query", "document_clauses", "-p", f"document={docs[0]['id']}", "--json"],
                             cli_env).stdout)
    assert [c["number"] for c in clauses if c["kind"] == "measure"] == list(range(1, 25))
    listing = json.loads(run(["query", "--list", "--json"], cli_env).stdout)
    assert {"documents", "document_clauses", "neighbourhood"} <= {q["name"] for q in listing}


def _no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def test_unknown_query_is_a_clear_error(env_for):
    proc = run(["query", "nope"], env_for("embedded"), check=False)
    assert proc.returncode != 0 and "no catalogue query named 'nope'" in proc.stderr
    _no_traceback(proc)


def test_unknown_backend_names_the_setting(env_for):
    env = {**env_for("embedded"), "POLICYKG_BACKEND": "sqlite"}
    proc = run(["stats"], env, check=False)
    assert proc.returncode != 0 and "POLICYKG_BACKEND" in proc.stderr
    _no_traceback(proc)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_neo4j_names_the_setting(env_for):
    env = {**env_for("neo4j"), "NEO4J_URI": f"bolt://127.0.0.1:{_free_port()}"}
    proc = run(["stats"], env, check=False, timeout=120)
    assert proc.returncode != 0 and "NEO4J_URI" in proc.stderr
    _no_traceback(proc)


def test_wrong_password_names_the_setting(env_for):
    env = {**env_for("neo4j"), "NEO4J_PASSWORD": "not-the-password"}
    proc = run(["stats"], env, check=False, timeout=120)
    assert proc.returncode != 0 and "NEO4J_PASSWORD" in proc.stderr
    _no_traceback(proc)


def test_locked_embedded_database_is_a_clear_error(env_for):
    env = env_for("embedded")
    run(["demo", "--no-serve"], env)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from policykg.graph import open_backend; b = open_backend(); print('held', flush=True); "
         "sys.stdin.read()"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = run(["stats"], env, check=False)
        assert proc.returncode != 0 and "locked by another process" in proc.stderr
        assert "POLICYKG_DATA_DIR" in proc.stderr
        _no_traceback(proc)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_serve_answers_health(env_for):
    env = env_for("embedded")
    run(["demo", "--no-serve"], env)
    port = _free_port()
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import httpx

        deadline = time.time() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                if time.time() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.status_code == 200
        body = r.json()
        assert body["backend"] == "embedded" and body["nodes"]["Clause"] == 29
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
