"""No file leaves the server but the pages' own assets, and the embedded database's lock holds while it
serves. Requests are sent as raw bytes over a socket to a real server, so that no client tidies the
path (httpx folds `..` and `//`) before the server sees it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.viz import render

BIN = Path(sys.executable).with_name("policykg")
SECRET = "policykg-static-secret-7f3a"  # put in the serving process's environment: /proc/self/environ must not leak it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw_get(port: int, target: bytes) -> tuple[int, bytes]:
    """One GET with the request target sent exactly as given; (status, body). Status 0: the server
    closed the connection without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if not data:
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env.update(POLICYKG_DATA_DIR=str(tmp_path / "data"), POLICYKG_BACKEND="embedded", POLICYKG_BUFFER_POOL_MB="256",
               POLICYKG_TEST_SECRET=SECRET)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`policykg serve` on the demo graph (embedded), as a user runs it."""
    tmp = tmp_path_factory.mktemp("static")
    env = _env(tmp)
    proc = _run(["demo", "--no-serve"], env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    port = _free_port()
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 120
    while True:
        try:
            if raw_get(port, b"/api/health")[0] == 200:
                break
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            raise AssertionError(f"the server did not start:\n{server.stdout.read()}")
        time.sleep(0.3)
    database = tmp / "data" / "graph.lbdb"
    try:
        yield {"port": port, "env": env, "database": database}
    finally:
        server.terminate()
        server.wait(timeout=60)


def _targets(database: Path) -> list[bytes]:
    db = str(database).encode()
    absolute = [b"/etc/passwd", b"/proc/self/environ", db]
    out: list[bytes] = []
    for a in absolute:
        rel = a.lstrip(b"/")
        out += [
            b"/viz/static/" + a,                                  # a leading slash
            b"/viz/static/" + a.replace(b"/", b"%2f"),            # encoded slashes
            b"/viz/static/" + a.replace(b"/", b"%2F"),
            b"/viz/static/" + a.replace(b"/", b"%252f"),          # double-encoded
            b"/viz/static//" + rel,
            b"/viz/static/%2f%2f" + rel.replace(b"/", b"%2f"),
            b"/viz/static/" + a.replace(b"/", b"\\"),             # backslashes
            b"/viz/static/" + a.replace(b"/", b"%5c"),
            b"/viz/static/" + b"../" * 12 + rel,                 # dot-dot, plain and encoded
            b"/viz/static/" + b"..%2f" * 12 + rel.replace(b"/", b"%2f"),
            b"/viz/static/" + b"%2e%2e/" * 12 + rel,
            b"/viz/static/" + b"%2e%2e%2f" * 12 + rel.replace(b"/", b"%2f"),
            b"/viz/static/" + b"..\\" * 12 + rel.replace(b"/", b"\\"),
            b"/viz/static/vendor/" + b"../" * 13 + rel,
            b"/viz/static/" + a + b"%00.js",                      # NUL
            b"/viz/static/viz.css%00" + a,
            b"/viz/static/file:" + a,
            b"/viz/static/" + b"." * 3 + a,
        ]
    # the package's own sources beside the assets
    out += [b"/viz/static/../render.py", b"/viz/static/%2e%2e/render.py", b"/viz/static/..%2frender.py",
            b"/viz/static/../../api/app.py", b"/viz/static/..%5crender.py", b"/viz/static/./viz.css/../../render.py",
            b"/viz/static/%2e%2e%2f%2e%2e%2fsettings.py", b"/viz/static/vendor/README.md/../../../render.py"]
    return out


def test_no_file_outside_the_assets_is_served(served):
    port, database = served["port"], served["database"]
    database_head = database.read_bytes()[:64]
    for target in _targets(database):
        status, body = raw_get(port, target)
        assert status in (400, 404), (target, status)
        assert b"root:" not in body and SECRET.encode() not in body, target
        assert not (database_head and database_head in body), target
        assert b"import " not in body, target  # no Python source


def test_the_assets_are_served(served):
    port = served["port"]
    status, body = raw_get(port, b"/viz/static/vendor/vis-network/vis-network.min.js")
    assert status == 200 and len(body) > 100_000
    status, body = raw_get(port, b"/viz/static/viz.css")
    assert status == 200 and body.startswith(render.static_root().joinpath("viz.css").read_bytes()[:40])
    assert raw_get(port, b"/viz/static/vendor/echarts/LICENSE")[0] == 200
    for missing in (b"/viz/static/", b"/viz/static/nope.js", b"/viz/static/vendor", b"/viz/static/vendor/"):
        assert raw_get(port, missing)[0] == 404, missing


def test_a_link_out_of_the_asset_folder_is_not_followed(tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("root:x:0:0", encoding="utf-8")
    root = tmp_path / "static"
    (root / "sub").mkdir(parents=True)
    (root / "ok.js").write_text("ok", encoding="utf-8")
    (root / ".hidden.js").write_text("no", encoding="utf-8")
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "sub" / "out").symlink_to(outside, target_is_directory=True)
    monkeypatch.setattr(render, "static_root", lambda: root)
    render._static_files.cache_clear()
    try:
        assert render.static_asset("ok.js") == (root / "ok.js").resolve()
        for name in ("leak.txt", "sub/out/secret.txt", ".hidden.js", "sub", "/ok.js", "./ok.js", "sub/../ok.js",
                     str(outside / "secret.txt"), "ok.js\x00", ""):
            assert render.static_asset(name) is None, name
    finally:
        render._static_files.cache_clear()


def test_the_embedded_lock_holds_while_serving(served):
    """Reading the database over HTTP once dropped the engine's file lock (closing any descriptor of a
    file releases a process's POSIX locks on it): now nothing can read it, and a second process can
    neither write beside the server nor open the database at all."""
    port, env, database = served["port"], served["env"], served["database"]
    for target in _targets(database):
        raw_get(port, target)
    before = raw_get(port, b"/api/health")
    assert before[0] == 200
    proc = _run(["load", str(database.parent)], env, timeout=120)
    assert proc.returncode != 0 and "locked by another process" in proc.stderr, proc.stdout + proc.stderr
    proc = _run(["demo", "--no-serve"], env, timeout=120)
    assert proc.returncode != 0 and "locked by another process" in proc.stderr, proc.stdout + proc.stderr
    after = raw_get(port, b"/api/health")
    assert after[0] == 200
    counts = ("nodes", "relationships")
    assert {k: json.loads(after[1])[k] for k in counts} == {k: json.loads(before[1])[k] for k in counts}
