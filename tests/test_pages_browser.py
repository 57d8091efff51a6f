"""The pages in a real headless Chromium (Debian's `chromium`, driven by Playwright; no browser download).

For each backend, the demo graph (the seed policy and 1,000 synthetic enterprises) is served by the app
with uvicorn on a free 127.0.0.1 port. Every page is loaded with every request to another host blocked
and recorded (a test fails on any), console errors fail a test, the number of nodes drawn must equal the
number the API returned, and opening a node must show its evidence (quote, document, clause). A
screenshot of each page goes to test-artifacts/screenshots/<page>-<backend>.png.

scripts/test installs chromium, chromium-driver and fonts-noto-cjk (Chinese glyphs) when missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from policykg.viz import render
from tests.viz_support import Server, demo_backend, make_app

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
BACKENDS = ("embedded", "neo4j")
ENTERPRISES = 1000  # the demo's registry
CHROMIUM = os.environ.get("POLICYKG_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VIEWPORT = {"width": 1500, "height": 900}
NETWORK_VIEWS = [v for v, p in render.PAGES.items() if p.network]
#: the node each network page opens in its test, and the clause its evidence must name
OPEN = {
    "policy-map": ("{doc}:m4", "4"),
    "industries": ("ind-intelligent-iot", None),
    "enterprise": (None, None),  # the first met clause of the default firm
    "explore": ("{doc}:a2", "2"),
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/test installs Debian's chromium", pytrace=False)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module", params=BACKENDS)
def site(request, tmp_path_factory):
    backend, settings, own = demo_backend(request, request.param, tmp_path_factory, ENTERPRISES)
    with Server(make_app(settings, backend)) as server:
        doc = httpx.get(f"{server.url}/api/documents", timeout=60).json()["items"][0]["id"]
        yield {"url": server.url, "name": request.param, "backend": backend, "doc": doc}
    if own:
        backend.close()


class Visit:
    """One page in a fresh browser context: requests to other hosts are blocked and recorded, console
    errors and page errors are collected."""

    def __init__(self, browser, allowed_file: str | None = None) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", device_scale_factor=1)
        self.other_hosts: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.allowed_file = allowed_file
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def _route(self, route) -> None:
        url = route.request.url
        u = urlparse(url)
        if u.scheme in ("data", "blob", "about"):
            return route.continue_()
        if u.scheme == "file" and self.allowed_file and u.path == self.allowed_file:
            return route.continue_()
        if u.scheme in ("http", "https", "ws", "wss") and u.hostname in LOCAL_HOSTS and not self.allowed_file:
            return route.continue_()
        self.other_hosts.append(url)
        return route.abort()

    def open(self, url: str, timeout: float = 90_000) -> dict:
        t = time.perf_counter()
        self.page.goto(url, wait_until="load", timeout=timeout)
        self.page.wait_for_function("window.PKG && window.PKG.state && window.PKG.state.ready", timeout=timeout)
        self.seconds = time.perf_counter() - t
        state = self.state()
        assert not state.get("error"), f"the page reported an error: {state.get('error')}"
        return state

    def state(self) -> dict:
        return self.page.evaluate("JSON.parse(JSON.stringify(window.PKG.state))")

    def check_clean(self) -> None:
        assert self.other_hosts == [], f"requests to other hosts: {self.other_hosts}"
        assert self.errors == [], f"console errors: {self.errors}"

    def shot(self, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        if self.context is not None:
            self.context.close()
            self.context = None


@pytest.fixture
def visit(browser):
    made: list[Visit] = []

    def make(**kw) -> Visit:
        v = Visit(browser, **kw)
        made.append(v)
        return v

    yield make
    for v in made:
        v.close()


def click_node(v: Visit, node_id: str) -> None:
    """Click a node where it is drawn (centred and zoomed first), as a person would."""
    v.page.evaluate("id => { PKG.closePanel(); PKG.network.focus(id, {scale: 1.1, animation: false}); }", node_id)
    v.page.wait_for_timeout(100)
    xy = v.page.evaluate("""id => {
        const net = PKG.network, p = net.getPositions([id])[id], d = net.canvasToDOM(p);
        const r = document.getElementById('graph').getBoundingClientRect();
        return {x: r.left + d.x, y: r.top + d.y};
    }""", node_id)
    v.page.mouse.click(xy["x"], xy["y"])
    v.page.wait_for_function("id => PKG.state.panel && PKG.state.panel.id === id && PKG.state.panel.loaded",
                             arg=node_id, timeout=30_000)


def assert_evidence(v: Visit, clause_label: str | None = None) -> None:
    panel = v.page.locator("#panel.open")
    assert panel.count() == 1, "the panel is open"
    items = v.page.locator("#evidence li.ev")
    assert items.count() >= 1, "the panel shows evidence"
    first = items.first
    assert first.locator("mark").inner_text().strip(), "a quote"
    docs = v.page.locator("#evidence .ev-doc").all_inner_texts()
    assert any("杭高新〔2024〕16号" in d for d in docs), docs
    clauses = v.page.locator("#evidence .ev-clause").all_inner_texts()
    assert clauses, "the evidence names its clause"
    if clause_label:
        assert any(f" {clause_label} " in f" {c} " or c.endswith(clause_label) for c in clauses), clauses


def api(site, path: str, **params) -> dict:
    r = httpx.get(f"{site['url']}{path}", params=params, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def test_chinese_fonts_are_installed():
    """Debian's fonts-noto-cjk (scripts/test installs it): without a CJK font the pages show empty boxes."""
    fc = shutil.which("fc-list")
    assert fc, "fontconfig missing: install fonts-noto-cjk (scripts/test does)"
    families = subprocess.run([fc, ":lang=zh-cn", "family"], capture_output=True, text=True, check=True).stdout
    assert "Noto Sans CJK SC" in families or "Noto Sans CJK" in families, families[:500]


def test_index(visit, site):
    v = visit()
    v.open(f"{site['url']}/viz/")
    for view in render.PAGES:
        assert v.page.locator(f"#tile-{view}").count() == 1
    assert "企业" in v.page.locator("#stats").inner_text()
    v.shot(f"index-{site['name']}")
    v.check_clean()


@pytest.mark.parametrize("view", NETWORK_VIEWS)
def test_network_page(visit, site, view):
    v = visit()
    state = v.open(f"{site['url']}/viz/{view}")
    expected = api(site, f"/api/viz/graph/{view}")
    assert state["apiNodes"] == len(expected["nodes"]) == expected["shown"]
    assert state["drawnNodes"] == len(expected["nodes"]), "every node the API returned is drawn"
    assert state["drawnEdges"] == len(expected["edges"])
    legend = v.page.locator("#legend li").all_inner_texts()
    assert len(legend) == len(expected["legend"]) and any("条款" in x or "产业" in x for x in legend)
    node_id, label = OPEN[view]
    if view == "enterprise":
        met = [e for e in expected["meta"]["eligible"] if e["status"] == "met"]
        node_id, label = met[0]["clause"]["id"], met[0]["clause"]["label"]
    node_id = node_id.format(doc=site["doc"])
    before = state["drawnNodes"]
    click_node(v, node_id)
    assert_evidence(v, label)
    if view == "explore":  # a click also expands the node
        v.page.wait_for_function("id => PKG.state.lastExpand && PKG.state.lastExpand.id === id", arg=node_id,
                                 timeout=30_000)
        assert v.state()["drawnNodes"] >= before
    if view == "policy-map":  # filter by type: hide the industries, then show them again
        n_ind = next(x["count"] for x in expected["legend"] if x["type"] == "Industry")
        v.page.locator('#legend input[data-type="Industry"]').uncheck()
        hidden = v.page.evaluate("PKG.nodes.get({filter: n => n.hidden}).length")
        assert hidden == n_ind
        v.page.locator('#legend input[data-type="Industry"]').check()
    v.shot(f"{view}-{site['name']}")
    v.check_clean()


def test_budget_page(visit, site):
    v = visit()
    state = v.open(f"{site['url']}/viz/budget")
    budget = api(site, "/api/budget")
    assert state["bars"]["clause"] == len(budget["by_clause"])
    assert state["bars"]["section"] == len(budget["by_section"])
    assert state["bars"]["industry"] == len(budget["by_industry"])
    assert state["bars"]["funds"] == sum(1 for c in budget["by_clause"] if c["fund_scale_cny"])
    assert state["bars"] == state["api"]
    drawn = v.page.evaluate("PKG.charts.clause.getOption().series[0].data.length")
    assert drawn == len(budget["by_clause"])
    assert "53.3亿元" in v.page.locator("#kpis").inner_text()
    # click the longest bar of the clause chart: the panel shows the clause's text
    v.page.evaluate("document.getElementById('chart-clause').scrollIntoView()")
    xy = v.page.evaluate("""() => {
        const c = PKG.charts.clause, d = c.getOption().series[0].data[0];
        const p = c.convertToPixel({seriesIndex: 0}, [d.value / 2, 0]);
        const r = document.getElementById('chart-clause').getBoundingClientRect();
        return {x: r.left + p[0], y: r.top + p[1], id: d.id};
    }""")
    v.page.mouse.click(xy["x"], xy["y"])
    v.page.wait_for_function("id => PKG.state.panel && PKG.state.panel.id === id && PKG.state.panel.loaded",
                             arg=xy["id"], timeout=30_000)
    assert_evidence(v)
    v.shot(f"budget-{site['name']}")
    v.check_clean()


def test_explorer_search_and_two_thousand_nodes(visit, site):
    v = visit()
    v.open(f"{site['url']}/viz/explore")
    # a node on screen: the search box focuses it and opens its panel
    v.page.locator("#search").fill("智能物联")
    v.page.wait_for_function("PKG.state.search && PKG.state.search.items.indexOf('ind-intelligent-iot') >= 0",
                             timeout=30_000)
    v.page.locator("#search").press("Enter")
    v.page.wait_for_function("PKG.state.panel && PKG.state.panel.id === 'ind-intelligent-iot' && PKG.state.panel.loaded",
                             timeout=30_000)
    assert v.page.locator("#evidence li.ev").count() >= 1
    # a node elsewhere in the graph (found by the server): the explorer re-centres on it
    firm = api(site, "/api/enterprises", limit=1)["items"][0]
    v.page.locator("#search").fill(firm["name"])
    v.page.wait_for_function("id => PKG.state.search && PKG.state.search.items[0] === id", arg=firm["id"],
                             timeout=30_000)
    v.page.locator("#search").press("Enter")
    v.page.wait_for_function("id => PKG.state.ready && PKG.graph.meta.centre.id === id && PKG.state.panel.loaded",
                             arg=firm["id"], timeout=60_000)
    assert v.state()["drawnNodes"] == len(api(site, "/api/viz/graph/explore", id=firm["id"])["nodes"])
    v.check_clean()

    big = visit()
    state = big.open(f"{site['url']}/viz/explore?id=place-binjiang&depth=3&limit=2000", timeout=180_000)
    assert state["drawnNodes"] == state["apiNodes"] == 2000
    assert state["total"] > 2000 and state["truncated"] and not state["physics"]
    banner = big.page.locator("#count").inner_text()
    assert f"showing 2000 of {state['total']}" in banner, banner
    # responsiveness: time a zoom + full redraw, and a drag
    redraw_ms = big.page.evaluate("""() => {
        const net = PKG.network, t = performance.now();
        for (let i = 0; i < 5; i++) { net.moveTo({scale: 0.3 + i * 0.1}); net.redraw(); }
        return (performance.now() - t) / 5;
    }""")
    box = big.page.locator("#graph").bounding_box()
    t = time.perf_counter()
    big.page.mouse.move(box["x"] + 300, box["y"] + 300)
    big.page.mouse.down()
    big.page.mouse.move(box["x"] + 500, box["y"] + 420, steps=10)
    big.page.mouse.up()
    drag_s = time.perf_counter() - t
    measured = {"backend": site["name"], "nodes": state["drawnNodes"], "edges": state["drawnEdges"],
                "total": state["total"], "page_load_s": round(big.seconds, 2), "draw_ms": state["drawMs"],
                "redraw_ms": round(redraw_ms, 1), "drag_10_steps_s": round(drag_s, 2)}
    (SHOTS.parent / f"viz-scale-{site['name']}.json").write_text(json.dumps(measured, indent=2))
    print("2,000 nodes:", measured)
    assert redraw_ms < 1000, measured
    assert drag_s < 10, measured
    big.page.evaluate("PKG.network.fit({animation: false})")
    big.shot(f"explore-2000-{site['name']}")
    big.check_clean()


def test_standalone_files_need_no_network(visit, site, tmp_path):
    """`policykg viz all` files opened from disk: no request at all but the file itself."""
    written = render.write_standalone(site["backend"], "all", tmp_path / "pages", {})
    for path in written:
        v = visit(allowed_file=str(path))
        view = path.stem
        state = v.open(path.as_uri())
        if view in NETWORK_VIEWS:
            assert state["drawnNodes"] == state["apiNodes"] > 0
        if view == "policy-map":
            click_node(v, f"{site['doc']}:m4")
            assert_evidence(v, "4")
            v.shot(f"standalone-policy-map-{site['name']}")
        if view == "explore":  # expanding works from the next ring saved in the file
            click_node(v, "ind-intelligent-iot")
            v.page.wait_for_function("PKG.state.lastExpand && PKG.state.lastExpand.id === 'ind-intelligent-iot'")
            assert v.state()["lastExpand"]["added"] > 0
            assert v.state()["drawnNodes"] > state["drawnNodes"]
        assert all(urlparse(u).scheme in ("file", "data", "blob", "about") for u in v.requests), v.requests
        assert all(urlparse(u).path == str(path) for u in v.requests if urlparse(u).scheme == "file"), v.requests
        v.check_clean()
        v.close()
