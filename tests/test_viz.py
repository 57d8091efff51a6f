"""The pages' data and HTML, in process (no browser): /viz/ pages, /api/viz/... endpoints, standalone
files, assets and styles — on both backends. The browser tests are in test_pages_browser.py."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from policykg.graph.schema import load_schema
from policykg.viz import layout, network, render
from tests.viz_support import demo_backend, make_app

BACKENDS = ("embedded", "neo4j")
ENTERPRISES = 120


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, tmp_path_factory):
    backend, settings, own = demo_backend(request, request.param, tmp_path_factory, ENTERPRISES)
    app = make_app(settings, backend)
    with TestClient(app) as client:
        yield {"backend": backend, "client": client, "name": request.param}
    if own:
        backend.close()


class _Refs(HTMLParser):
    """Every URL a page refers to: src, href, and url(...) in inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href", "action", "poster", "data") and v is not None:
                self.refs.append(v)


def refs(html: str) -> list[str]:
    p = _Refs()
    p.feed(html)
    return p.refs + re.findall(r"url\(\s*['\"]?(https?:)?//", html)


def assert_no_other_host(html: str) -> None:
    """No attribute or stylesheet of the page points at another host (scheme-relative included)."""
    for ref in refs(html):
        assert not re.match(r"^\s*(https?:)?//", ref or ""), f"the page refers to another host: {ref}"
    assert not re.search(r"@import\s", html), "no stylesheet imports"


# --- styles, layout, assets (no database) --------------------------------------------------------------

def test_every_schema_label_has_a_style():
    styles = network.styles()
    schema = load_schema()
    assert set(schema.nodes) <= set(styles["nodes"]), set(schema.nodes) - set(styles["nodes"])
    assert set(schema.relationships) <= set(styles["relationships"])
    colours = [styles["nodes"][label]["color"] for label in schema.nodes]
    assert len(set(colours)) == len(colours), "each node type has its own colour"


def test_vendored_assets_ship_with_their_licences():
    static = resources.files("policykg.viz").joinpath("static")
    for path in ("vendor/vis-network/vis-network.min.js", "vendor/vis-network/LICENSE-MIT",
                 "vendor/vis-network/LICENSE-APACHE-2.0", "vendor/echarts/echarts.min.js", "vendor/echarts/LICENSE",
                 "vendor/echarts/NOTICE", "viz.js", "viz.css", "charts.js"):
        assert static.joinpath(path).is_file(), path
    vis = static.joinpath("vendor/vis-network/vis-network.min.js").read_text(encoding="utf-8")
    assert "@version 9.1.9" in vis[:400]
    assert "sourceMappingURL" not in vis


def test_yuan_and_sizes():
    assert network.yuan(200_000_000) == "2亿元"
    assert network.yuan(60_000_000) == "6000万元"
    assert network.yuan(None) == ""
    assert network.size_by(None, 10) == 10
    assert network.size_by(10, 10, 10, 40) == 40
    assert 10 < network.size_by(1, 4, 10, 40) < 40


def test_columns_layout_orders_by_neighbours_and_wraps():
    cols = [["a", "b"], ["y", "x"]]
    pos = layout.columns(cols, [("a", "x"), ("b", "y")], x_gap=100, y_gap=50)
    assert pos["a"][1] < pos["b"][1] and pos["x"][1] < pos["y"][1], "x follows a, y follows b"
    many = [[f"n{i}" for i in range(50)]]
    pos = layout.columns(many, [], x_gap=100, y_gap=10, wrap=20)
    assert len({round(x) for x, _ in pos.values()}) == 3


def test_rings_layout_is_fast_for_thousands():
    import time

    depth = {"c": 0, **{f"a{i}": 1 for i in range(50)}, **{f"b{i}": 2 for i in range(2500)}}
    edges = [("c", f"a{i}") for i in range(50)] + [(f"a{i % 50}", f"b{i}") for i in range(2500)]
    t = time.perf_counter()
    pos = layout.rings("c", depth, edges)
    assert time.perf_counter() - t < 2
    assert len(pos) == len(depth) and pos["c"] == (0.0, 0.0)
    radius = {n: (x * x + y * y) ** 0.5 for n, (x, y) in pos.items()}
    assert max(radius[f"a{i}"] for i in range(50)) < min(radius[f"b{i}"] for i in range(2500))


def test_payload_for_two_thousand_nodes_has_positions_and_no_physics():
    g = network.VisGraph("explore", "t", limit=2000)
    for i in range(2600):
        g.add_node(f"n{i}", "Enterprise", f"企业{i}")
    for i in range(1, 2600):
        g.add_edge("n0", f"n{i}", "SIMILAR")
    pos = layout.rings("n0", {f"n{i}": (0 if i == 0 else 1) for i in range(2000)},
                       [(e["from"], e["to"]) for e in g.edges.values()])
    out = g.build(pos)
    assert out["shown"] == 2000 and out["total"] == 2600 and out["truncated"]
    assert not out["physics"] and out["options"]["physics"]["enabled"] is False
    assert all("x" in n and "y" in n for n in out["nodes"])
    assert len(out["edges"]) == 1999
    assert out["options"]["layout"]["improvedLayout"] is False


# --- pages served by the app ------------------------------------------------------------------------

def test_index_links_every_page(demo):
    r = demo["client"].get("/viz/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for view in render.PAGES:
        assert f'href="/viz/{view}"' in r.text
    assert_no_other_host(r.text)
    assert demo["client"].get("/viz", follow_redirects=False).status_code in (302, 307)


@pytest.mark.parametrize("view", list(render.PAGES))
def test_served_page_uses_only_local_assets(demo, view):
    r = demo["client"].get(f"/viz/{view}")
    assert r.status_code == 200
    html = r.text
    assert_no_other_host(html)
    for src in re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert src.startswith("/viz/static/"), src
        a = demo["client"].get(src)
        assert a.status_code == 200 and len(a.content) > 1000, src
    if render.PAGES[view].network:
        assert "vendor/vis-network/vis-network.min.js" in html
    else:
        assert "vendor/echarts/echarts.min.js" in html


def test_static_assets(demo):
    c = demo["client"]
    r = c.get("/viz/static/vendor/vis-network/vis-network.min.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert c.get("/viz/static/vendor/echarts/LICENSE").headers["content-type"].startswith("text/plain")
    for bad in ("/viz/static/../render.py", "/viz/static/%2e%2e/render.py", "/viz/static/nope.js", "/viz/static/"):
        r = c.get(bad)
        assert r.status_code == 404, bad
        assert set(r.json()) == {"error"}


def test_unknown_page_answers_the_error_shape(demo):
    for path in ("/viz/nope", "/api/viz/graph/nope", "/api/viz/graph/budget"):
        r = demo["client"].get(path)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


# --- the pages' data ----------------------------------------------------------------------------------

def _graph(demo, view, **params):
    r = demo["client"].get(f"/api/viz/graph/{view}", params=params)
    assert r.status_code == 200, r.text
    data = r.json()
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == len(data["nodes"]) == data["shown"]
    assert all(e["from"] in ids and e["to"] in ids for e in data["edges"])
    assert {item["type"] for item in data["legend"]} == {n["group"] for n in data["nodes"]}
    assert sum(item["count"] for item in data["legend"]) == data["shown"]
    return data


def test_policy_map(demo):
    data = _graph(demo, "policy-map")
    groups = {n["group"] for n in data["nodes"]}
    assert {"PolicyDocument", "Section", "Clause", "Industry", "Tier", "Place", "Instrument", "Programme", "Fund"} <= groups
    clauses = [n for n in data["nodes"] if n["group"] == "Clause"]
    assert len(clauses) == 29
    big = max(clauses, key=lambda n: n.get("budget_floor_cny") or 0)
    small = [n for n in clauses if not n.get("budget_floor_cny")]
    assert big["size"] > max(n.get("size", 14) for n in small), "clauses are sized by budget floor"
    assert "10亿元" in big["label"]
    assert {e["type"] for e in data["edges"]} >= {"HAS_SECTION", "HAS_CLAUSE", "SUPPORTS", "TARGETS"}
    assert all("x" in n for n in data["nodes"]) and not data["physics"]
    assert data["meta"]["document"]["doc_number"] == "杭高新〔2024〕16号"
    r = demo["client"].get("/api/viz/graph/policy-map", params={"document": "doc-nope"})
    assert r.status_code == 404


def test_industry_coverage_draws_the_gaps(demo):
    data = _graph(demo, "industries")
    answer = demo["client"].get("/api/gaps")
    gaps = answer.json() if answer.status_code == 200 else None
    industries = [n for n in data["nodes"] if n["group"] == "Industry"]
    rows = data["meta"]["gaps"]["industries"]
    assert len(industries) == len(rows) > 5
    for row in rows:
        node = next(n for n in industries if n["id"] == row["id"])
        assert (node.get("mark") == "gap") == bool(row["gaps"])
    if gaps is not None:
        assert {r["id"] for r in gaps["industries"]} == {r["id"] for r in rows}
        assert {r["id"]: len(r["gaps"]) for r in gaps["industries"]} == {r["id"]: len(r["gaps"]) for r in rows}
    assert any(m["mark"] == "gap" for m in data["marks"])
    assert {"_system", "_group", "Clause", "Fund"} <= {n["group"] for n in data["nodes"]}
    more = _graph(demo, "industries", enterprises=2)
    assert any(n["group"] == "Enterprise" for n in more["nodes"])


def test_enterprise_view(demo):
    data = _graph(demo, "enterprise")
    meta = data["meta"]
    uscc = meta["enterprise"]["id"]
    centre = next(n for n in data["nodes"] if n["id"] == uscc)
    assert centre["mark"] == "centre"
    clause_nodes = [n for n in data["nodes"] if n["group"] == "Clause"]
    assert len(clause_nodes) == len(meta["eligible"]) == sum(meta["counts"].values())
    assert {n["status"] for n in clause_nodes} <= {"met", "unknown", "not_met"}
    assert meta["counts"]["met"] >= 1, "the default firm meets at least one measure"
    eligible = demo["client"].get(f"/api/enterprises/{uscc}/eligible-clauses", params={"limit": 1000})
    if eligible.status_code == 200:
        assert {i["clause"]["id"]: i["status"] for i in eligible.json()["items"]} == \
               {n["id"]: n["status"] for n in clause_nodes}
    other = _graph(demo, "enterprise", uscc=meta["similar"][0]["id"], similar=3)
    assert other["meta"]["enterprise"]["id"] == meta["similar"][0]["id"]
    assert len(other["meta"]["similar"]) <= 3
    assert demo["client"].get("/api/viz/graph/enterprise", params={"uscc": "nope"}).status_code == 404


def test_explorer_caps_with_a_true_total(demo):
    data = _graph(demo, "explore", id="place-binjiang", depth=2, limit=50)
    assert data["shown"] == 50 and data["total"] > 50 and data["truncated"]
    nb = demo["client"].get("/api/graph/neighbourhood", params={"id": "place-binjiang", "depth": 2, "limit": 50}).json()
    assert data["total"] == nb["total"]
    assert {n["id"] for n in data["nodes"]} == {n["id"] for n in nb["nodes"]}
    small = _graph(demo, "explore")
    assert small["meta"]["centre"]["type"] == "PolicyDocument" and small["physics"]
    assert demo["client"].get("/api/viz/graph/explore", params={"id": "nope"}).status_code == 404
    assert demo["client"].get("/api/viz/graph/explore", params={"limit": 2001}).status_code == 422


def test_node_detail_gives_evidence_with_document_and_clause(demo):
    c = demo["client"]
    doc = c.get("/api/documents").json()["items"][0]
    clause_id = f"{doc['id']}:m4"
    d = c.get("/api/viz/node", params={"id": clause_id}).json()
    assert d["type"] == "Clause" and d["name"] == "促进科技成果转移转化"
    own = d["evidence"][0]
    assert own["via"] is None and own["exact"] and own["clause"]["id"] == clause_id
    assert own["document"]["doc_number"] == "杭高新〔2024〕16号"
    supports = [e for e in d["evidence"] if e["via"] and e["via"]["type"] == "SUPPORTS"]
    assert {e["quote"] for e in supports} >= {"智能物联", "高端装备"}
    assert all(e["exact"] and e["context"]["quote"] == e["quote"] for e in d["evidence"])
    assert "text" not in d["properties"] and "quote" not in d["properties"]
    ind = c.get("/api/viz/node", params={"id": "ind-intelligent-iot"}).json()
    via = {(e["via"]["type"], (e["clause"] or {}).get("id")) for e in ind["evidence"]}
    assert ("SUPPORTS", clause_id) in via
    assert any(link["type"] == "IN_INDUSTRY" and link["count"] > 0 for link in ind["links"])
    amount = c.get("/api/viz/node", params={"id": f"{doc['id']}:amt564"})
    if amount.status_code == 200:
        a = amount.json()
        assert a["evidence"][0]["clause"]["id"] == f"{doc['id']}:m1"
    ent = c.get("/api/enterprises", params={"limit": 1}).json()["items"][0]
    e = c.get("/api/viz/node", params={"id": ent["id"]}).json()
    assert e["type"] == "Enterprise" and e["evidence"] == []
    r = c.get("/api/viz/node", params={"id": "nope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_search_by_name(demo):
    c = demo["client"]
    items = c.get("/api/viz/search", params={"q": "智能物联"}).json()["items"]
    assert items[0]["id"] == "ind-intelligent-iot"
    types = {i["type"] for i in c.get("/api/viz/search", params={"q": "合成测试企业", "limit": 5}).json()["items"]}
    assert types == {"Enterprise"}
    assert c.get("/api/viz/search", params={"q": "place-binjiang"}).json()["items"][0]["id"] == "place-binjiang"
    assert c.get("/api/viz/search", params={"q": "无此名称xyz"}).json()["items"] == []


# --- standalone files ---------------------------------------------------------------------------------

def test_standalone_files_inline_everything(demo, tmp_path):
    written = render.write_standalone(demo["backend"], "all", tmp_path / "pages", {})
    names = sorted(p.name for p in written)
    assert names == sorted(["index.html", *(f"{v}.html" for v in render.PAGES)])
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert_no_other_host(html)
        assert "<script src=" not in html and '<link rel="stylesheet"' not in html
        if path.name != "index.html":
            assert 'id="pkg-data"' in html
            assert "</script" not in html.split('id="pkg-data">', 1)[1].split("</script>", 1)[0]
    explore = (tmp_path / "pages" / "explore.html").read_text(encoding="utf-8")
    assert '"reserve"' in explore


def test_cli_writes_a_page(tmp_path):
    """`policykg viz VIEW --out FILE` on the demo (embedded: the CLI's own database in a temporary folder)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env.update({"POLICYKG_DATA_DIR": str(tmp_path / "data"), "POLICYKG_BACKEND": "embedded",
                "POLICYKG_BUFFER_POOL_MB": "512"})
    cli = [sys.executable, "-m", "policykg.cli"]
    subprocess.run([*cli, "demo", "--no-serve"], env=env, check=True, capture_output=True, timeout=300)
    out = tmp_path / "map.html"
    r = subprocess.run([*cli, "viz", "policy-map", "--out", str(out)], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and out.is_file()
    html = out.read_text(encoding="utf-8")
    assert_no_other_host(html)
    assert "杭高新" in html or "\\u676d\\u9ad8\\u65b0" in html
    bad = subprocess.run([*cli, "viz", "nope"], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "policy-map" in bad.stdout + bad.stderr
