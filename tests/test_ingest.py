"""Policy documents into the graph, on both backends: idempotent re-ingest, versions, bad files."""

from __future__ import annotations

import pytest

from policykg.ingest.parse import parse_bytes
from policykg.ingest.policy import SEED, ingest_document, ingest_paths, ingest_seed, seed_bytes

pytestmark = pytest.mark.backend

SEED_TEXT = seed_bytes().decode("utf-8")


def _version(text: str, name: str):
    return parse_bytes(text.encode("utf-8"), name)


def test_reingest_changes_nothing(backend):
    first = ingest_seed(backend)
    counts = backend.counts()
    second = ingest_seed(backend)
    assert first[0]["status"] == "created" and second[0]["status"] == "unchanged"
    assert backend.counts() == counts


def test_a_new_text_with_the_same_number_supersedes_the_old(backend):
    old = ingest_seed(backend)[0]["document"]
    revised = SEED_TEXT.replace("每年安排预算不少于2亿元，用于科技型企业培育", "每年安排预算不少于3亿元，用于科技型企业培育")
    assert revised != SEED_TEXT
    report = ingest_document(backend, _version(revised, "binjiang-2024-16-rev.md"))
    assert report["status"] == "created" and report["supersedes"] == [old]
    new = report["document"]
    rows = backend.read_cypher(
        "MATCH (a:PolicyDocument)-[r:SUPERSEDES]->(b:PolicyDocument) RETURN a.id, b.id, r.reason").rows
    assert rows == [[new, old, "newer version (same document number)"]]
    in_force = backend.query("documents").records()
    assert [d["id"] for d in in_force] == [new]
    everything = backend.query("documents", {"include_superseded": True}).records()
    assert {d["id"] for d in everything} == {new, old}
    assert next(d for d in everything if d["id"] == old)["superseded_by"] == [new]
    # Re-ingesting either version changes nothing.
    counts = backend.counts()
    ingest_seed(backend)
    ingest_document(backend, _version(revised, "again.md"))
    assert backend.counts() == counts


def test_an_older_version_ingested_later_does_not_win(backend):
    newer = SEED_TEXT.replace("2024 年 10 月 24 日", "2025 年 3 月 1 日", 1)
    assert newer != SEED_TEXT
    new_id = ingest_document(backend, _version(newer, "newer.md"))["document"]
    report = ingest_seed(backend)[0]
    assert report["supersedes"] == []
    assert [d["id"] for d in backend.query("documents").records()] == [new_id]


def test_bad_files_are_reported_and_the_others_ingest(backend, tmp_path):
    good = tmp_path / SEED
    good.write_bytes(seed_bytes())
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    missing = tmp_path / "missing.md"
    report = ingest_paths(backend, [empty, good, binary, missing])
    status = {r["source"].rsplit("/", 1)[-1]: r for r in report}
    assert status[SEED]["status"] == "created"
    for name in ("empty.md", "blob.txt", "missing.md"):
        assert status[name]["status"] == "error" and status[name]["error"], name
    assert "empty" in status["empty.md"]["error"]
    assert backend.counts()["nodes"]["PolicyDocument"] == 1


def test_every_stored_quote_is_the_text_at_its_span(backend):
    ingest_seed(backend)
    text = backend.read_cypher("MATCH (d:PolicyDocument) RETURN d.text").rows[0][0]
    rows = backend.read_cypher(
        "MATCH (c:Clause) RETURN c.span_start, c.span_end, c.quote, c.text", max_rows=100).rows
    assert len(rows) == 29
    for start, end, quote, clause_text in rows:
        assert text[start:end] == quote == clause_text
