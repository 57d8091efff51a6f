"""A Neo4j for the benchmark: the one in NEO4J_URI / NEO4J_PASSWORD if set, else a private server
started with ``scripts/neo4j-dev`` on a free port with its data under the output folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, dir_size, free_port, process_memory, say

SCRIPT = ROOT / "scripts" / "neo4j-dev"
PASSWORD = "policykg-bench"
#: heap and page cache by scale (NEO4J_DEV_HEAP / NEO4J_DEV_PAGECACHE in the environment win)
MEMORY = {"10k": ("1g", "512m"), "100k": ("2g", "2g"), "1m": ("4g", "4g")}


@dataclass
class Neo4jServer:
    uri: str
    user: str
    password: str
    home: Path | None = None  # set when the benchmark started it: sizes and RSS can be measured
    heap: str | None = None
    pagecache: str | None = None

    def env(self) -> dict[str, str]:
        return {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}

    def store_bytes(self) -> int | None:
        data = self.home / "data" if self.home else None
        return dir_size(data) if data and data.exists() else None

    def memory(self) -> dict[str, int] | None:
        pid_file = self.home / "launcher.pid" if self.home else None
        if not pid_file or not pid_file.exists():
            return None
        return process_memory(int(pid_file.read_text().strip()))

    def describe(self) -> dict[str, object]:
        return {"uri": self.uri, "started_by_bench": self.home is not None, "home": str(self.home or ""),
                "heap": self.heap, "pagecache": self.pagecache}


@contextmanager
def neo4j_server(work: Path, scale: str, fresh: bool = True) -> Iterator[Neo4jServer]:
    """``fresh``: start on an empty store (see below); otherwise on the store an earlier run left."""
    if os.environ.get("NEO4J_URI") and os.environ.get("NEO4J_PASSWORD"):
        say(f"Neo4j: using NEO4J_URI={os.environ['NEO4J_URI']}")
        yield Neo4jServer(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"), os.environ["NEO4J_PASSWORD"])
        return
    heap, pagecache = MEMORY[scale]
    heap = os.environ.get("NEO4J_DEV_HEAP", heap)
    pagecache = os.environ.get("NEO4J_DEV_PAGECACHE", pagecache)
    home = work / f"neo4j-{scale}"
    # A fresh store each run: one reused from an earlier run keeps the space of the nodes it cleared and
    # its transaction logs (16 GB after two 1M runs, four times a fresh one, beyond the page cache), which
    # slows every phase and makes runs incomparable.
    if fresh:
        shutil.rmtree(home / "data", ignore_errors=True)
    env = {**os.environ, "NEO4J_DEV_HOME": str(home), "NEO4J_DEV_PORT": str(free_port()),
           "NEO4J_DEV_PASSWORD": PASSWORD, "NEO4J_DEV_HEAP": heap, "NEO4J_DEV_PAGECACHE": pagecache}
    say(f"Neo4j: starting scripts/neo4j-dev (home {home}, port {env['NEO4J_DEV_PORT']}, heap {heap}, "
        f"page cache {pagecache})")
    proc = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/neo4j-dev start failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    uri = proc.stdout.strip().splitlines()[-1]
    try:
        yield Neo4jServer(uri, "neo4j", PASSWORD, home, heap, pagecache)
    finally:
        say("Neo4j: stopping")
        subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, text=True, timeout=300)
