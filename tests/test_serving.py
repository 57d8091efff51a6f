"""How `policykg serve` runs its processes (policykg.api.serving): freed memory given back once idle, and
never while a request runs; malloc arenas capped in the processes serve starts."""

from __future__ import annotations

import os
import threading
import time

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
