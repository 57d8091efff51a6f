"""How `policykg serve` runs its processes (policykg.api.serving): freed memory given back once idle, and
never while a request runs; malloc arenas capped in the processes serve starts; the app in a supervised
worker process, replaced (and the death logged) when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from policykg.api import serving
from policykg.api.serving import MemoryTrimmer


def trimmed_app(interval: float) -> tuple[FastAPI, list[MemoryTrimmer], threading.Event, threading.Event]:
    app = FastAPI()
    running, release = threading.Event(), threading.Event()

    @app.get("/big")
    def big() -> dict:
        return {"n": len(bytearray(32 * 2**20))}  # 32 MiB allocated and freed

    @app.get("/slow")
    def slow() -> dict:
        running.set()
        release.wait(10)
        return {"ok": True}

    made: list[MemoryTrimmer] = []

    class Recorded(MemoryTrimmer):
        def __init__(self, inner, **kw):
            super().__init__(inner, **kw)
            made.append(self)

    app.add_middleware(Recorded, interval=interval)
    return app, made, running, release


def wait_for(cond, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


@pytest.mark.skipif(serving._libc("malloc_trim") is None, reason="the C library has no malloc_trim (not glibc)")
def test_trims_once_idle_after_requests_and_never_during_one():
    app, made, running, release = trimmed_app(interval=0.05)
    with TestClient(app) as client:
        assert client.get("/big").json() == {"n": 32 * 2**20}
        trimmer = made[0]
        assert wait_for(lambda: trimmer.trims == 1)  # served, then idle: trimmed
        time.sleep(0.3)
        assert trimmer.trims == 1  # nothing served since: no more trims

        done = threading.Thread(target=lambda: client.get("/slow"))
        done.start()
        assert running.wait(5)
        assert client.get("/big").status_code == 200  # served while /slow is still running
        time.sleep(0.3)  # six intervals with a request in progress
        assert trimmer.trims == 1 and trimmer.in_flight == 1
        release.set()
        done.join(10)
        assert wait_for(lambda: trimmer.trims == 2) and trimmer.in_flight == 0


def test_malloc_arenas_capped_unless_the_environment_says(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    serving.limit_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == str(serving.MALLOC_ARENAS)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    serving.limit_malloc_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


# --- the supervisor: `policykg serve` runs the app in a worker process, replaced when it dies ---------------
BIN = Path(sys.executable).with_name("policykg")


def _health(port: int) -> dict | None:
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
    except httpx.TransportError:
        return None
    return r.json() if r.status_code == 200 else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """`policykg serve` (one worker, the default) on a demo graph, embedded: (port, server, log file)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env.update(POLICYKG_BACKEND="embedded", POLICYKG_DATA_DIR=str(tmp_path / "data"))
    demo = subprocess.run([str(BIN), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    port, log = _free_port(), tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: _health(port) is not None or server.poll() is not None, 120), log.read_text()
        assert server.poll() is None, log.read_text()
        yield port, server, log
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_dead_worker_is_replaced_and_logged(served):
    port, server, log = served
    supervisor = psutil.Process(server.pid)
    for sig in (signal.SIGSEGV, signal.SIGKILL):
        worker = _health(port)["process"]
        assert worker != server.pid and worker in [p.pid for p in supervisor.children(recursive=True)]
        os.kill(worker, sig)
        start = time.monotonic()
        assert wait_for(lambda w=worker: (_health(port) or {}).get("process") not in (None, w), 30), log.read_text()
        replaced = time.monotonic() - start
        assert server.poll() is None  # the supervisor lives on
        assert f"worker process [{worker}] died (killed by {sig.name})" in log.read_text()
        body = _health(port)
        assert body["backend"] == "embedded" and body["nodes"]["Enterprise"] == 1000  # read-write, nothing lost
        assert replaced < 30
    workers = supervisor.children(recursive=True)
    server.terminate()
    server.wait(timeout=60)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]  # none left behind
