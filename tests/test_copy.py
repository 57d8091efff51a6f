"""Copying a graph between the backends: embedded -> Neo4j -> embedded keeps every node,
relationship and property, and the catalogue gives the same answers on each copy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policykg.errors import ConfigError, ValidationError
from policykg.export.copy import compare, copy_graph, probe_cases, target_settings
from policykg.export.dump import digest, dump
from policykg.graph import open_backend
from policykg.ingest.load import load_paths
from policykg.ingest.policy import ingest_seed
from policykg.ingest.synth import synth
from policykg.queries import catalogue
from policykg.settings import get_settings
from tests.conftest import neo4j_settings

ENTERPRISES = 200


def _embedded(path):
    return open_backend(get_settings(backend="embedded", data_dir=path, buffer_pool_mb=512))


@pytest.fixture
def neo4j_empty(neo4j_uri):
    b = open_backend(neo4j_settings(neo4j_uri), apply_schema=False)
    b.clear()
    b.drop_schema()
    b.apply_schema()
    yield b
    b.close()


def test_copy_embedded_to_neo4j_and_back(tmp_path, neo4j_empty):
    source = _embedded(tmp_path / "source")
    back = _embedded(tmp_path / "back")
    try:
        ingest_seed(source)
        synth(ENTERPRISES, 0, tmp_path / "registry")
        assert load_paths(source, [tmp_path / "registry"], progress=False).ok
        counts = source.counts()
        assert counts["nodes"]["Enterprise"] == ENTERPRISES

        there = copy_graph(source, neo4j_empty)
        assert there.nodes == {k: v for k, v in counts["nodes"].items() if v}
        assert there.relationships == {k: v for k, v in counts["relationships"].items() if v}
        result = compare(source, neo4j_empty)
        assert result["equal"], json.dumps(result, ensure_ascii=False)[:3000]
        # every catalogue query was asked, most of them with values from the graph, and answered
        q = result["queries"]
        assert q["queries"] == len(catalogue()) and not q["not_probed"] and not q["errors"]

        again = copy_graph(neo4j_empty, back)
        assert again.nodes == there.nodes and again.relationships == there.relationships
        result = compare(neo4j_empty, back)
        assert result["equal"], json.dumps(result, ensure_ascii=False)[:3000]
        # and the round trip is exact: the same rows, typed, as the original
        assert back.counts() == counts
        assert digest(back) == digest(source)
        a, b = dump(source), dump(back)
        assert a.nodes == b.nodes and a.relationships == b.relationships
    finally:
        source.close()
        back.close()


def test_probe_cases_cover_the_catalogue(tmp_path):
    b = _embedded(tmp_path / "g")
    try:
        ingest_seed(b)
        cases, skipped = probe_cases(b)
        assert not skipped
        assert {n for n, _ in cases} == set(catalogue())
        with_rows = sum(1 for n, p in cases if b.query(n, p).rows)
        assert with_rows >= len(cases) // 2  # the drawn values find something for most queries
    finally:
        b.close()


def test_copy_guards(tmp_path, neo4j_empty):
    settings = get_settings(backend="embedded", data_dir=tmp_path / "a", buffer_pool_mb=512)
    with pytest.raises(ConfigError):
        target_settings(settings, "embedded")  # already the source
    with pytest.raises(ConfigError):
        target_settings(settings, "sqlite")
    assert target_settings(settings, "neo4j").backend == "neo4j"
    assert target_settings(settings, "neo4j").data_dir == settings.data_dir

    source = open_backend(settings)
    target = _embedded(tmp_path / "b")
    try:
        ingest_seed(source)
        copy_graph(source, target)
        with pytest.raises(ValidationError, match="--clear"):
            copy_graph(source, target)  # not empty
        with pytest.raises(ValidationError):
            copy_graph(source, target, clear=True, merge=True)
        before = target.counts()
        copy_graph(source, target, merge=True)  # idempotent
        assert target.counts() == before
        report = copy_graph(source, target, clear=True)
        assert report.cleared and target.counts() == before
    finally:
        source.close()
        target.close()


def test_cli_copies_the_demo_to_neo4j_and_back(env_for, neo4j_empty):
    """The Done-when: `policykg copy --to neo4j` from the demo gives the same counts and answers."""
    cli = [sys.executable, "-m", "policykg.cli"]
    neo4j = env_for("neo4j")
    embedded = {**neo4j, "POLICYKG_BACKEND": "embedded"}  # the source; NEO4J_* name the target
    run = subprocess.run(cli + ["demo", "--no-serve"], env=embedded, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    stats = json.loads(subprocess.run(cli + ["stats", "--json"], env=embedded, capture_output=True, text=True,
                                      timeout=120).stdout)
    assert stats["nodes"]["Enterprise"] == 1000

    run = subprocess.run(cli + ["copy", "--to", "neo4j", "--clear", "--json"], env=embedded, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["ok"] and report["verification"]["equal"]
    assert report["verification"]["queries"]["queries"] == len(catalogue())
    there = json.loads(subprocess.run(cli + ["stats", "--json"], env=neo4j, capture_output=True, text=True,
                                      timeout=120).stdout)
    assert there["backend"] == "neo4j"
    assert there["nodes"] == stats["nodes"] and there["relationships"] == stats["relationships"]

    # back: from Neo4j into the (cleared) embedded database (verified in test_copy_embedded_to_neo4j_and_back)
    run = subprocess.run(cli + ["copy", "--to", "embedded", "--clear", "--no-verify"], env=neo4j, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "copied neo4j -> embedded" in run.stdout and "Traceback" not in run.stderr
    assert json.loads(subprocess.run(cli + ["stats", "--json"], env=embedded, capture_output=True, text=True,
                                     timeout=120).stdout)["nodes"] == stats["nodes"]

    # a second copy without --clear or --merge is refused, naming the options
    run = subprocess.run(cli + ["copy", "--to", "neo4j"], env=embedded, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "--clear" in run.stderr and "Traceback" not in run.stderr
