"""The service the API calls for the answers the derived index speeds up: it keeps the index of the data as it
is now (built in a background thread, or read from the store another process wrote) and answers each
question from it when it holds the data as it is now, else live. Above the index, eligibility, matching and
gaps: nothing below calls up."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from policykg.analysis import eligibility, gaps, matching
from policykg.analysis.derived import DerivedIndex, build, dumps, load_profiles_indexed
from policykg.analysis.derived.columns import BuildStopped
from policykg.analysis.derived.index import release_memory
from policykg.analysis.derived.store import DerivedStore
from policykg.analysis.snapshot import PolicySnapshot, load_snapshot, today
from policykg.errors import NotFound
from policykg.graph.base import Backend

log = logging.getLogger("policykg.derived")


def _render_first_pages(backend: Backend, snap: PolicySnapshot, idx: DerivedIndex, stop: threading.Event | None,
                        n: int = 50) -> None:
    """Render the items of every measure's unfiltered first page, near misses and unknowns (the default
    request), so that they are served without touching the graph."""

    for m in snap.measures:
        if stop is not None and stop.is_set():
            raise BuildStopped()
        mi = idx.measures[m.id]
        positions = [int(i) for arr in (mi.met[:n], mi.near[:n], mi.unknown[:n]) for i in arr]
        profiles = load_profiles_indexed(backend, idx.columns, positions, snap.conditions_need_financials)
        ids = list(profiles)
        idx.items.put_many(m.id, {i: dumps(item) for i, item in
                                  zip(ids, matching.page_items(snap, m, [profiles[i] for i in ids]), strict=True)})


def build_index(backend: Backend, on: Any = None, document: str | None = None,
                stop: threading.Event | None = None, render: bool = True) -> DerivedIndex | None:
    """The index of the data as it is now (:func:`policykg.analysis.derived.build`) with, ``render``, the
    answers of the default requests rendered (every measure's first page of matching items, the gaps);
    None if the data changed meanwhile."""
    start = time.perf_counter()
    idx = build(backend, on, document, stop)
    if idx is None or not render:
        return idx
    snap = load_snapshot(backend, on, document)
    _render_first_pages(backend, snap, idx, stop)
    idx.answers.put(("gaps", snap.as_of, snap.document), dumps(gaps.gaps(
        backend, snapshot=snap, precomputed=lambda t: idx.gap_aggregates if list(idx.gap_targets) == t else None)))
    if backend.data_version() != idx.version:
        return None
    idx.build_seconds = time.perf_counter() - start
    return idx


class DerivedCache:
    """The API's derived index: built in a background thread (at start-up, and again after the data
    changes); ``get`` answers it only when it was built from the data as it is now."""

    #: how long a request waits for a build in progress before answering live
    wait_seconds = 10.0
    #: after a failed build, how long before the same data is tried again
    retry_seconds = 60.0

    def __init__(self, enabled: bool = True, store: Any = None,
                 on_ready: Callable[[DerivedIndex], None] | None = None) -> None:
        self.enabled = enabled
        #: called with each index once this cache serves it (a serving process tunes its collector then)
        self.on_ready = on_ready
        #: a derived.store.DerivedStore: the index is read from it when another process (or an earlier
        #: run) built it for the same data, and written to it when built here
        self.store = store
        self._failed: tuple[str, float] | None = None  # (data version, when) of the last failed build
        self.index: DerivedIndex | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.last_error: str | None = None

    def get(self, backend: Backend, snap: PolicySnapshot | None = None) -> DerivedIndex | None:
        """The index if it matches the graph's data now (and the snapshot's date and document), else None
        (and, for today's snapshot of all documents, a build is started in the background)."""
        if not self.enabled:
            return None
        version = backend.data_version()
        idx = self.index
        if idx is not None and idx.version == version and (
                snap is None or (idx.as_of == snap.as_of and idx.document == snap.document)):
            return idx
        if snap is None or (snap.document is None and snap.as_of == today()):
            # Wait for the build rather than answer live beside it: a live answer at scale costs more
            # than the wait, and the two together can exhaust the embedded buffer pool.
            self.start(backend)
            self.wait(self.wait_seconds)
            idx = self.index
            if idx is not None and idx.version == version and (
                    snap is None or (idx.as_of == snap.as_of and idx.document == snap.document)):
                return idx
        return None

    def gap_aggregates(self, backend: Backend, targets: list[str]) -> dict[str, list[dict[str, Any]]] | None:
        idx = self.get(backend)
        if idx is not None and list(idx.gap_targets) == targets:
            return idx.gap_aggregates
        return None

    def taxonomy_counts(self, backend: Backend) -> list[dict[str, Any]] | None:
        """The rows of ``taxonomy_enterprise_counts`` (enterprises per tier, place, programme) from the
        index when it was built from the data as it is now, else None (the caller queries them)."""
        idx = self.current(backend)
        return idx.gap_aggregates["taxonomy_enterprise_counts"] if idx is not None else None

    def similar_enterprises(self, backend: Backend, uscc: str, limit: int = 20, offset: int = 0) -> dict[str, Any]:
        """``matching.similar_enterprises``: ranked from the index when it was built from the data as it is
        now (the same answer, tested; only the investors are queried), else computed live. Raises NotFound
        as the live path does."""

        return matching.similar_enterprises(backend, uscc, limit, offset, index=self.current(backend))

    def start(self, backend: Backend) -> None:
        with self._lock:
            if not self.enabled or self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            failed = self._failed
            if failed is not None and time.monotonic() - failed[1] < self.retry_seconds \
                    and failed[0] == backend.data_version():
                return  # the same data failed a moment ago: answer live until retry_seconds pass
            self._thread = threading.Thread(target=self._run, args=(backend,), name="policykg-derived", daemon=True)
            self._thread.start()

    def _run(self, backend: Backend) -> None:
        try:
            for _ in range(3):
                if self.store is not None:
                    idx = self.store.build_or_load(backend, lambda: build_index(backend, stop=self._stop), self._stop)
                else:
                    idx = build_index(backend, stop=self._stop)
                if idx is not None:
                    self.index = idx
                    release_memory()
                    if self.on_ready is not None:
                        self.on_ready(idx)
                    log.info("derived index %s (%d enterprises, %.0f MB; built in %.1fs)",
                             f"read from {idx.stored}" if idx.stored else "built", idx.columns.n,
                             idx.nbytes() / 2**20, idx.build_seconds)
                    return
        except BuildStopped:
            return
        except Exception as exc:  # the live path answers meanwhile; retried after retry_seconds
            self.last_error = repr(exc)
            self._failed = (backend.data_version(), time.monotonic())
            log.warning("derived index build failed: %r", exc)

    def status(self, backend: Backend) -> dict[str, Any]:
        """For /api/health: ``ready`` (built from the data as it is now), ``building``, ``stale`` (built
        from older data; a request starts the rebuild), ``failed`` or ``off``."""
        if not self.enabled:
            return {"state": "off"}
        idx = self.index
        building = self._thread is not None and self._thread.is_alive()
        if idx is not None and idx.version == backend.data_version():
            state = "ready"
        else:
            state = "building" if building else "failed" if self._failed else "stale" if idx else "none"
        out: dict[str, Any] = {"state": state}
        if idx is not None:
            out.update(as_of=idx.as_of.isoformat(), enterprises=idx.columns.n, build_seconds=round(idx.build_seconds, 3),
                       megabytes=round(idx.nbytes() / 2**20, 1), stored=idx.stored)
        if state == "failed":
            out["error"] = self.last_error
        return out

    # --- answers: from the index when it matches the data, else live; the API calls these --------
    def current(self, backend: Backend) -> DerivedIndex | None:
        """The index if it was built from the data as it is now, without waiting for a build (one is
        started in the background when there is none for the data now)."""
        if not self.enabled:
            return None
        idx = self.index
        if idx is not None and idx.version == backend.data_version():
            return idx
        self.start(backend)
        return None

    def eligible_clauses(self, backend: Backend, uscc: str, snap: PolicySnapshot) -> dict[str, Any]:
        """``eligibility.eligible_clauses`` with the enterprise's profile from the index when it was built
        from the data as it is now (the same answer, tested: the index holds every property and link it
        reads), else read from the graph. Raises NotFound as the live path does."""

        idx = self.current(backend)
        if idx is None:
            return eligibility.eligible_clauses(backend, uscc, snapshot=snap)
        return self.eligible_from(idx, backend, uscc, snap)

    def in_memory(self, version: str, snap: PolicySnapshot) -> DerivedIndex | None:
        """The index if it holds data ``version`` and eligible clauses for ``snap`` need nothing else (no
        yearly figures): an answer computed from it reads neither the graph nor the disk."""
        idx = self.index
        if self.enabled and idx is not None and idx.version == version and not snap.conditions_need_financials:
            return idx
        return None

    @staticmethod
    def eligible_from(idx: DerivedIndex, backend: Backend, uscc: str, snap: PolicySnapshot) -> dict[str, Any]:

        pos = idx.columns.position(uscc)
        if pos is None:
            raise NotFound(f"no enterprise with USCC {uscc!r}", id=uscc)
        profiles = load_profiles_indexed(backend, idx.columns, [pos], snap.conditions_need_financials, grants=True)
        return eligibility.eligible_for(snap, profiles[uscc])
    def matching_json(self, backend: Backend, clause_id: str, filters: Any, snap: PolicySnapshot,
                      limit: int = 50, offset: int = 0, near_limit: int = 50) -> str:
        """``matching_enterprises`` as JSON text: from the index when it was built from the data as it
        is now (the same answer, tested), else computed live."""

        index = self.get(backend, snap)
        if index is not None:
            text = matching.matching_enterprises_json(backend, clause_id, filters, limit, offset, near_limit, snap,
                                                      index)
            if text is not None:
                return text
        return dumps(matching.matching_enterprises(backend, clause_id, filters, snap.as_of, limit, offset,
                                                   near_limit, snapshot=snap))

    def gaps_json(self, backend: Backend, snap: PolicySnapshot) -> str:
        """``gaps`` as JSON text, with the index's whole-graph figures (and its cached answer) when it
        matches the data as it is now, else computed live."""

        idx = self.get(backend)
        if idx is None:
            return dumps(gaps.gaps(backend, snap.document, snap.as_of, snapshot=snap))
        key = ("gaps", snap.as_of, snap.document)  # the answer for this data version, date and document
        text = idx.answers.get(key)
        if text is None:
            text = dumps(gaps.gaps(backend, snap.document, snap.as_of, snapshot=snap,
                                   precomputed=lambda t: idx.gap_aggregates if list(idx.gap_targets) == t else None))
            idx.answers.put(key, text)
        return text

    def build_now(self, backend: Backend, on: Any = None) -> DerivedIndex | None:
        """Build in the calling thread (tests, benchmarks) and keep it."""
        idx = build_index(backend, on)
        if idx is not None:
            self.index = idx
        return idx

    def wait(self, timeout: float | None = None) -> None:
        t = self._thread
        if t is not None:
            t.join(timeout)

    def stop(self) -> None:
        """Stop a build in progress (between two queries) and wait for it: before the backend is closed."""
        self._stop.set()
        self.wait()


# --- per request ---------------------------------------------------------------------------------


def prepare(settings: Any, locked: Callable[[], None] | None = None) -> dict[str, Any] | None:
    """Build (or find) the index for the data as it is now in the store of ``settings``, opening the
    backend for this alone (read-only on Ladybug): what ``policykg index`` runs, and ``policykg serve`` in
    a process of its own (see :func:`policykg.api.serving.prepare_in_background`). None when there is no embedded database
    yet. ``locked``: as for :meth:`DerivedStore.build_or_load`."""
    from policykg.graph import open_backend

    kwargs: dict[str, Any] = {}
    if settings.backend == "embedded":
        if not Path(settings.embedded_path).exists():
            return None
        kwargs["read_only"] = True
    backend = open_backend(settings, apply_schema=False, **kwargs)
    try:
        started = time.perf_counter()
        idx = DerivedStore(settings.derived_path).build_or_load(backend, lambda: build_index(backend), locked=locked)
        if idx is None:
            return None
        return {"stored": idx.stored, "enterprises": idx.columns.n, "megabytes": round(idx.nbytes() / 2**20, 1),
                "build_seconds": round(idx.build_seconds, 3), "seconds": round(time.perf_counter() - started, 3)}
    finally:
        backend.close()
