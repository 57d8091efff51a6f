"""Paging of the lists the engine pages (enterprises, an industry's enterprises), in-process on both backends:
offsets bounded in the route (the OpenAPI document says so), offsets past the end answer an empty page with
the right total, and keyset paging (`after` / `next`) walks the same order as one long page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.api.routes import MAX_OFFSET
from tests.fixtures.graph import match_graphs


@pytest.fixture(scope="module")
def clients(tmp_path_factory, _neo4j_backend):
    emb, neo, _ = match_graphs(tmp_path_factory.mktemp("paging"), _neo4j_backend)
    with TestClient(create_app(emb.settings, backend=emb)) as ce, TestClient(create_app(neo.settings, backend=neo)) as cn:
        yield {"embedded": ce, "neo4j": cn}
    emb.close()


LISTS = ["/api/enterprises", "/api/industries/ind-ai/enterprises"]


def ids(body: dict) -> list[str]:
    return [(i.get("enterprise") or i)["id"] for i in body["items"]]


def walk(client, url: str, limit: int, **params) -> list[dict]:
    pages, after = [], None
    while True:
        r = client.get(url, params={**params, "limit": limit, **({"after": after} if after else {})})
        assert r.status_code == 200, r.text
        pages.append(r.json())
        after = pages[-1]["next"]
        if after is None:
            return pages
        assert len(pages) < 100, "the cursor does not advance"


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
@pytest.mark.parametrize("url", LISTS)
def test_keyset_pages_walk_the_order_of_one_page(clients, name, url):
    client = clients[name]
    whole = client.get(url, params={"limit": 1000}).json()
    assert whole["total"] == len(whole["items"]) >= 2 and whole["next"] is None
    for limit in (1, 2, 3):
        pages = walk(client, url, limit)
        assert sum((ids(p) for p in pages), []) == ids(whole)
        assert all(p["total"] == whole["total"] and p["limit"] == limit for p in pages)
        assert [p["offset"] for p in pages] == [0] + [None] * (len(pages) - 1)  # a keyset page has no offset
        assert all(p["next"] == ids(p)[-1] for p in pages[:-1])
    by_offset = client.get(url, params={"limit": 1, "offset": 1}).json()
    assert ids(by_offset) == ids(whole)[1:2]
    assert by_offset["next"] == (ids(whole)[1] if whole["total"] > 2 else None)


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
def test_keyset_with_filters_and_ties(clients, name):
    """Enterprises with no registered capital tie at the end (ordered by USCC): the cursor crosses them."""
    client = clients[name]
    whole = client.get("/api/enterprises", params={"q": "测试", "limit": 1000}).json()
    assert any(i["registered_capital_cny"] is None for i in whole["items"][:-1])
    pages = walk(client, "/api/enterprises", 1, q="测试")
    assert sum((ids(p) for p in pages), []) == ids(whole) and len(pages) == whole["total"]


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
@pytest.mark.parametrize("url", LISTS)
def test_offsets_past_the_end_answer_an_empty_page(clients, name, url):
    client = clients[name]
    total = client.get(url).json()["total"]
    for offset in (total, total + 1, MAX_OFFSET):
        body = client.get(url, params={"offset": offset, "limit": 5}).json()
        assert body["items"] == [] and body["total"] == total and body["offset"] == offset and body["next"] is None
    last = client.get(url, params={"offset": total - 1}).json()
    assert len(last["items"]) == 1 and last["next"] is None


@pytest.mark.parametrize("name", ["embedded", "neo4j"])
@pytest.mark.parametrize("url", LISTS)
def test_bad_paging_is_a_422(clients, name, url):
    client = clients[name]
    for params, field in [({"offset": MAX_OFFSET + 1}, "offset"), ({"offset": 2**32}, "offset"),
                          ({"offset": -1}, "offset"), ({"after": "nobody"}, "after")]:
        r = client.get(url, params=params)
        assert r.status_code == 422, (params, r.text)
        err = r.json()["error"]
        assert field in str(err["details"]), (params, err)
    first = client.get(url, params={"limit": 1}).json()["next"]
    r = client.get(url, params={"after": first, "offset": 1})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "after"


def test_openapi_declares_the_bounds(clients):
    spec = clients["embedded"].get("/openapi.json").json()
    for url in LISTS:
        path = url.replace("ind-ai", "{industry_id}")
        params = {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]}
        assert params["offset"]["maximum"] == MAX_OFFSET and params["offset"]["minimum"] == 0
        assert "after" in params and {"type": "integer", "minimum": 0, "maximum": 10**18} in params["capital_min"]["anyOf"]
