"""How ``policykg serve`` runs its processes: what the supervisor does before the workers start.

Kept apart from :mod:`policykg.api.app` on purpose: with ``--workers N`` the supervising process only
starts and watches the workers, and importing the app (FastAPI, numpy, Arrow, the engines' clients)
there would hold their memory for nothing. Nothing here imports more than the settings and
uvicorn. ``policykg serve`` always runs the app in supervised worker processes, even one (:func:`run_supervised`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import signal
import time
from typing import Any

from uvicorn import Config
from uvicorn.supervisors.multiprocess import Multiprocess

log = logging.getLogger("policykg.serve")

#: set for ``policykg serve --workers N``'s worker processes: open the embedded database read-only
READ_ONLY_ENV = "POLICYKG_SERVE_READ_ONLY"

#: the app of a worker process, made there (a uvicorn factory): the supervisor never imports it
WORKER_APP = "policykg.api.app:create_worker_app"

#: glibc's malloc arenas per serving process (``MALLOC_ARENA_MAX``) unless the environment says
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


#: the cyclic collector's first threshold in a serving process (Python's default: 700 allocations)
GC_YOUNG_THRESHOLD = 20_000


def tune_collector() -> None:
    """Run the cyclic collector less often in a serving process: an answer allocates thousands of dicts and
    lists that die with the request (freed by reference counting, not by the collector), and at the default
    threshold each request would run collections for nothing."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), middle, old)


def freeze_long_lived(_index: Any = None) -> None:
    """Move what the process holds now (the app, the snapshot, the derived index just read) out of the cyclic
    collector's sight: a full collection would otherwise walk all of it, a pause in whichever request set it
    off. Called once an index is ready; what a request allocates is collected as before."""
    gc.collect()
    gc.freeze()


def limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas in this process and in the processes it starts.

    A request handled in one of the server's threads allocates from an arena of that thread's own
    (glibc makes up to eight per core), and memory freed there stays with that arena: fewer arenas hold
    less freed memory, and requests are mostly serialised by Python's lock anyway.
    ``MALLOC_ARENA_MAX`` set in the environment wins; on a C library without ``mallopt`` (not glibc)
    this does nothing."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))  # read at start by processes started later
    mallopt = _libc("mallopt")
    try:
        if mallopt is not None:
            mallopt(_M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"]))  # this process: arenas made from now on
    except ValueError:
        log.debug("MALLOC_ARENA_MAX is not a number: malloc arenas left as they are")


class MemoryTrimmer:
    """Gives the memory that requests freed back to the system once the process is idle (an ASGI
    middleware and a thread).

    glibc keeps what a large answer freed inside its heaps for later use; a worker that has served a
    burst of large neighbourhoods or exports holds it until it ends. After requests have been served and
    none is running, the thread calls ``malloc_trim(0)`` (at most once per ``interval`` seconds), which
    returns those free pages. It never starts while a request is in progress (one that arrives during a
    trim may wait for malloc's lock until it ends). Does nothing where the C library has no
    ``malloc_trim`` (not glibc)."""

    def __init__(self, app: Any, interval: float = 1.0) -> None:
        self.app = app
        self.interval = interval
        self.in_flight = 0
        self.served = 0      # requests finished since the last trim
        self.trims = 0
        self._trim = _libc("malloc_trim")
        if self._trim is not None:
            import threading

            threading.Thread(target=self._run, name="policykg-malloc-trim", daemon=True).start()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1  # the event loop's thread alone changes these
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.served += 1

    def _run(self) -> None:
        while True:
            time.sleep(self.interval)
            if self.served and not self.in_flight:
                self.served = 0
                self._trim(0)
                self.trims += 1


def _libc(name: str) -> Any:
    """A function of the C library (glibc's ``mallopt``, ``malloc_trim``), or None where there is none."""
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def _prepare_quietly(settings: Any, locked: Any) -> None:  # the target of the preparing child process
    from policykg.analysis.service import prepare

    try:
        info = prepare(settings, locked.set)
    except Exception as exc:  # noqa: BLE001 - the serving processes build the index themselves then
        log.warning("derived index not prepared: %r", exc)
        raise SystemExit(1) from None
    finally:
        locked.set()
    if info is not None:
        log.warning("derived index ready in %s (%.1f s)", info["stored"], info["seconds"])


def prepare_in_background(settings: Any, wait: float = 120) -> Any:
    """:func:`policykg.analysis.service.prepare` in a child process (spawned), returned once it
    holds the store's lock (or found the index, or ended; at most ``wait`` seconds): serving processes
    started after that wait for it and map what it writes, instead of each building the index (they
    answer live meanwhile). The memory of the build (the rows read, the buffer pool's pages) goes back
    to the system when the child ends. The caller stops it (``terminate``) if it is still running when
    serving ends."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    locked = ctx.Event()
    proc = ctx.Process(target=_prepare_quietly, args=(settings, locked), name="policykg-derived-prepare",
                       daemon=True)
    proc.start()
    deadline = time.monotonic() + wait
    while not locked.wait(0.1) and proc.is_alive() and time.monotonic() < deadline:
        pass
    return proc


class Supervisor(Multiprocess):
    """uvicorn's supervisor of worker processes, which starts a new worker when one dies, and which logs
    how each one ended (its exit code, or the signal that killed it: SIGSEGV for a crash in an engine)."""

    def keep_subprocess_alive(self) -> None:
        watched = list(self.processes)
        super().keep_subprocess_alive()  # joins and replaces the workers that died (or hung: it kills them)
        for process in watched:
            if process not in self.processes or process.exitcode is not None:
                _log_death(process.pid, process.exitcode)


def _log_death(pid: int | None, code: int | None) -> None:
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:  # a signal Python has no name for (a real-time one)
            how = f"killed by signal {-code}"
    else:
        how = f"exit code {code}"
    # uvicorn's own logger: the one the supervisor's lines go to, configured by uvicorn
    logging.getLogger("uvicorn.error").error("worker process [%s] died (%s)", pid, how)


def run_supervised(workers: int, **options: Any) -> None:
    """Serve :data:`WORKER_APP` from ``workers`` worker processes under a :class:`Supervisor`, even one: a
    crash in a worker (a segfault in an in-process engine) ends that worker only, and another replaces it.
    The supervisor binds the socket and passes it on; it opens no database."""
    config = Config(WORKER_APP, factory=True, workers=workers, **options)
    sock = config.bind_socket()
    try:
        Supervisor(config, sockets=[sock]).run()
    finally:
        sock.close()
