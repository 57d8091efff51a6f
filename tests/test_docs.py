"""The docs keep up with the code: every setting, API route, catalogue query, label and relationship type
is documented; the generated pages are current; every relative link leads to a file (and heading); the
tests the architecture page names exist; the README stays a short read. No database is opened."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from starlette.routing import Match

from policykg.api.app import create_app
from policykg.graph.schema import load_schema
from policykg.queries import catalogue
from policykg.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROUTE = re.compile(rf"`({'|'.join(METHODS)}) (/[^`\s?]*)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def _gen():
    spec = importlib.util.spec_from_file_location("gen_settings_doc", ROOT / "scripts" / "gen_settings_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _shape(path: str) -> str:
    """A route path with its parameters unnamed: /api/documents/{doc_id} and /api/documents/{id} are one."""
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/") or "/")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    # the app is only made, never started: no backend is opened
    return create_app(get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("docs-data")))


def test_readme_is_a_short_read():
    size = len((ROOT / "README.md").read_bytes())
    assert size < 15_000, f"README.md is {size:,} bytes; reference content belongs in docs/"


def test_generated_pages_are_current():
    stale = [str(p.relative_to(ROOT)) for p, text in _gen().pages().items() if not p.exists() or _text(p) != text]
    assert not stale, f"stale: {stale}; run `python scripts/gen_settings_doc.py` and commit the result"


def test_every_setting_is_documented():
    gen = _gen()
    rows = {line.split("|")[1].strip(): line for line in _text(DOCS / "settings.md").splitlines()
            if line.startswith("| `")}
    for _, cls in gen.settings_classes():
        for name in cls.model_fields:
            assert f"`{name}`" in rows, f"setting {cls.__name__}.{name} is not in docs/settings.md"
            for var in gen.env_vars(cls, name):
                assert f"`{var}`" in rows[f"`{name}`"], f"{var} ({name}) is not in docs/settings.md"


def test_every_api_route_is_documented(app):
    documented = {(m, _shape(p)) for m, p in ROUTE.findall(_text(DOCS / "api.md"))}
    operations = {(method.upper(), _shape(path)) for path, ops in app.openapi()["paths"].items() for method in ops}
    assert len(operations) > 30
    missing = sorted(f"{m} {p}" for m, p in operations - documented)
    assert not missing, f"routes not in docs/api.md: {missing}"


def _served(app, method: str, path: str) -> bool:
    """Whether the app routes this request (asked of the router itself, as a request would be)."""
    scope = {"type": "http", "method": method, "path": re.sub(r"\{[^}]*\}", "x", path), "root_path": "",
             "path_params": {}}
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def test_every_documented_route_exists(app):
    documented = {(m, p) for page in PAGES for m, p in ROUTE.findall(_text(page))}
    assert _served(app, "GET", "/api/health") and not _served(app, "GET", "/api/no-such-route")
    gone = sorted(f"{m} {p}" for m, p in documented if not _served(app, m, p))
    assert not gone, f"the docs name routes the app does not serve: {gone}"


def test_every_catalogue_query_is_documented():
    headings = set(re.findall(r"^## (\w+)$", _text(DOCS / "queries.md"), flags=re.M))
    missing = sorted(set(catalogue()) - headings)
    assert len(catalogue()) > 40 and not missing, f"queries not in docs/queries.md: {missing}"


def test_every_label_and_relationship_type_is_documented():
    text = _text(DOCS / "formats.md")
    schema = load_schema()
    missing = [name for name in [*schema.nodes, *schema.relationships] if f"`{name}`" not in text]
    assert not missing, f"not in docs/formats.md: {missing}"


def _slug(heading: str) -> str:
    """The anchor GitHub makes for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", _text(path), flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(page):
    broken = []
    for target in LINK.findall(_text(page)):
        if re.match(r"^[a-z]+:", target):
            continue  # another site: not checked here
        file_part, _, anchor = target.partition("#")
        dest = (page.parent / file_part).resolve() if file_part else page
        if not dest.exists():
            broken.append(target)
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: links that lead nowhere: {broken}"


def test_the_tests_the_architecture_names_exist():
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", _text(DOCS / "architecture.md"))
    assert len(named) > 10
    gone = [f"{f}::{t}" for f, t in named
            if not (ROOT / f).exists() or not re.search(rf"^def {t}\(", _text(ROOT / f), flags=re.M)]
    assert not gone, f"docs/architecture.md names tests that do not exist: {gone}"
