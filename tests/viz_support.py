"""Shared by tests/test_viz.py and tests/test_pages_browser.py: a demo graph (the seed policy and a
synthetic registry) on one backend, loaded once per test module, and the app serving it with the
pages' router included."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from policykg.graph import open_backend
from policykg.settings import get_settings


def load_demo(backend, enterprises: int, folder: Path) -> None:
    from policykg.ingest.load import load_paths
    from policykg.ingest.policy import ingest_seed
    from policykg.ingest.synth import synth

    ingest_seed(backend)
    synth(enterprises, 0, folder)
    report = load_paths(backend, [folder], progress=False)
    assert report.ok, report.to_dict()


def demo_backend(request, name: str, tmp_path_factory, enterprises: int):
    """An opened backend holding the demo graph (Neo4j: the session's server, cleared first)."""
    folder = tmp_path_factory.mktemp(f"viz-registry-{name}")
    if name == "embedded":
        settings = get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("viz-data"), buffer_pool_mb=512)
        backend = open_backend(settings)
        own = True
    else:
        from tests.conftest import _fresh_neo4j, neo4j_settings

        backend = _fresh_neo4j(request.getfixturevalue("_neo4j_backend"))
        settings = neo4j_settings(request.getfixturevalue("neo4j_uri"))
        own = False
    load_demo(backend, enterprises, folder)
    return backend, settings, own


def make_app(settings, backend):
    from policykg.api import routes_viz
    from policykg.api.app import create_app

    app = create_app(settings, backend=backend)
    if not any(str(getattr(r, "path", "")).startswith("/viz") for r in app.routes):
        app.include_router(routes_viz.router)
    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
