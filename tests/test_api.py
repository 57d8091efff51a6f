"""The API, in-process (FastAPI's TestClient runs the real app), on both backends."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.ingest.policy import ingest_seed


@pytest.fixture
def client(backend):
    ingest_seed(backend)
    with TestClient(create_app(backend.settings, backend=backend)) as c:
        yield c


def assert_error_shape(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]


def test_health(client, backend):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["backend"] == backend.name
    assert body["nodes"]["Clause"] == 29 and body["relationships"]["HAS_CLAUSE"] == 29
    assert body["engine"]
    assert body["process"] == os.getpid()  # the in-process app answers from this process


def test_todays_measures_read_at_start_up(client, backend):
    """The app reads today's policy snapshot as it starts, so the first request does not pay for it."""
    snap = client.app.state.snapshots.peek(backend, backend.data_version())
    assert snap is not None and len(snap.measures) == 24


def test_documents_and_clauses(client):
    docs = client.get("/api/documents").json()
    assert docs["total"] == 1 and docs["items"][0]["doc_number"] == "杭高新〔2024〕16号"
    doc_id = docs["items"][0]["id"]
    page = client.get(f"/api/documents/{doc_id}/clauses", params={"limit": 5, "offset": 22}).json()
    assert page["total"] == 29 and page["limit"] == 5 and page["offset"] == 22
    assert [c["number"] for c in page["items"]] == [23, 24, 1, 2, 3]
    assert [c["kind"] for c in page["items"]] == ["measure", "measure", "annex", "annex", "annex"]


def test_catalogue_endpoints(client):
    listing = client.get("/api/queries").json()
    assert {"documents", "neighbourhood"} <= {q["name"] for q in listing["items"]}
    doc_id = client.get("/api/documents").json()["items"][0]["id"]
    r = client.get("/api/queries/neighbourhood", params={"id": doc_id})
    assert r.status_code == 200
    assert {i["label"] for i in r.json()["items"]} == {"Section"}
    assert r.json()["total"] == 3  # 一、二、三


def test_errors_have_one_shape(client):
    assert_error_shape(client.get("/api/queries/nope"), 400, "query_error")
    assert_error_shape(client.get("/api/queries/neighbourhood"), 400, "query_error")
    assert_error_shape(client.get("/api/documents/doc-nope/clauses"), 404, "not_found")
    assert_error_shape(client.get("/api/no-such-route"), 404, "not_found")
    assert_error_shape(client.get("/api/documents", params={"limit": 0}), 422, "invalid_request")
    assert_error_shape(client.post("/api/health"), 405, "method_not_allowed")


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    assert "/api/health" in spec["paths"] and "/api/queries/{name}" in spec["paths"]


def test_neighbourhood_expands_by_depth_and_caps(client):
    doc_id = client.get("/api/documents").json()["items"][0]["id"]
    one = client.get("/api/graph/neighbourhood", params={"id": doc_id}).json()
    assert {n["id"] for n in one["nodes"]} == {doc_id, f"{doc_id}:s1", f"{doc_id}:s2", f"{doc_id}:s3"}
    assert all(e["source"] == doc_id and e["type"] == "HAS_SECTION" for e in one["edges"]) and len(one["edges"]) == 3
    three = client.get("/api/graph/neighbourhood", params={"id": doc_id, "depth": 3}).json()
    labels = [n["label"] for n in three["nodes"]]
    assert labels.count("Section") == 8 and labels.count("Clause") == 29 and not three["truncated"]
    ids = {n["id"] for n in three["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in three["edges"])
    capped = client.get("/api/graph/neighbourhood", params={"id": doc_id, "depth": 3, "limit": 10}).json()
    assert len(capped["nodes"]) == 10 and capped["truncated"] and capped["total_exact"]
    assert capped["total"] == three["total"] == len(three["nodes"])
    r = client.get("/api/graph/neighbourhood", params={"id": "nope"})
    assert_error_shape(r, 404, "not_found")


def test_path_between_a_measure_and_its_document(client):
    doc_id = client.get("/api/documents").json()["items"][0]["id"]
    # m8: its only path of 3 is through its sections (m5 has a second, through 智能计算 and the goals section)
    body = client.get("/api/graph/path", params={"from": f"{doc_id}:m8", "to": doc_id}).json()
    assert [n["id"] for n in body["nodes"]] == [f"{doc_id}:m8", f"{doc_id}:s2.2", f"{doc_id}:s2", doc_id]
    assert body["length"] == 3
    assert body["edges"] == [
        {"source": f"{doc_id}:s2.2", "target": f"{doc_id}:m8", "type": "HAS_CLAUSE"},
        {"source": f"{doc_id}:s2", "target": f"{doc_id}:s2.2", "type": "HAS_SECTION"},
        {"source": doc_id, "target": f"{doc_id}:s2", "type": "HAS_SECTION"},
    ]
