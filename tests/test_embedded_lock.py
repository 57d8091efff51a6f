"""One writing process or many reading ones on the embedded database, never both: Ladybug itself lets a
read-write open through beside read-only ones (they take no lock), so policykg's own lock decides."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policykg.errors import BackendUnavailable
from policykg.graph import open_backend
from policykg.settings import get_settings

BIN = Path(sys.executable).with_name("policykg")

HOLD = """
import sys
from policykg.graph import open_backend
from policykg.settings import get_settings
b = open_backend(get_settings(backend="embedded", data_dir=sys.argv[1], buffer_pool_mb=64),
                 apply_schema=False, read_only=sys.argv[2] == "ro")
print("held", flush=True)
sys.stdin.read()
b.close()
"""


def _settings(folder: Path):
    return get_settings(backend="embedded", data_dir=folder, buffer_pool_mb=64)


@pytest.fixture
def database(tmp_path):
    open_backend(_settings(tmp_path)).close()  # made, with the schema
    return tmp_path


class Holder:
    def __init__(self, folder: Path, mode: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        assert line == "held", self.proc.stderr.read()

    def close(self) -> None:
        self.proc.stdin.close()
        assert self.proc.wait(timeout=60) == 0


def _open(folder: Path, read_only: bool):
    return open_backend(_settings(folder), apply_schema=False, read_only=read_only)


@pytest.mark.parametrize("held, wanted", [("ro", False), ("rw", False), ("rw", True)])
def test_an_open_that_would_write_beside_another_process_is_refused(database, held, wanted):
    holder = Holder(database, held)
    try:
        with pytest.raises(BackendUnavailable, match="locked by another process") as info:
            _open(database, read_only=wanted)
        assert info.value.details["setting"] == "POLICYKG_DATA_DIR"
    finally:
        holder.close()
    _open(database, read_only=wanted).close()  # free again once the holder has gone


def test_readers_share(database):
    holder = Holder(database, "ro")
    try:
        b = _open(database, read_only=True)
        assert b.counts()["nodes"]["Clause"] == 0
        b.close()
    finally:
        holder.close()


def test_one_process_may_open_its_database_twice(database):
    """The engine arbitrates opens within one process; the lock is shared by them and freed by the last."""
    writer = _open(database, read_only=False)
    reader = _open(database, read_only=True)
    reader.close()
    holder_refused = subprocess.run([sys.executable, "-c", HOLD, str(database), "ro"], input="", text=True,
                                    capture_output=True, timeout=120)
    assert holder_refused.returncode != 0 and "locked by another process" in holder_refused.stderr
    writer.close()
    Holder(database, "rw").close()


def test_a_load_is_refused_beside_serving_workers(tmp_path):
    """`serve --workers 2` opens the database read-only in each worker: a load beside them must not run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env.update(POLICYKG_DATA_DIR=str(tmp_path / "data"), POLICYKG_BACKEND="embedded", POLICYKG_BUFFER_POOL_MB="128")
    proc = subprocess.run([str(BIN), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import httpx

        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.time() < deadline and server.poll() is None, "serve --workers 2 did not answer"
            time.sleep(0.3)
        proc = subprocess.run([str(BIN), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode != 0 and "locked by another process" in proc.stderr, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=60)
