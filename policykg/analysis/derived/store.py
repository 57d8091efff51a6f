"""The derived index on disk, shared by every process that serves the same database.

``policykg serve --workers N`` runs N processes. Each would otherwise build its own index and hold its own
copy, both of which grow with the registry. With a store, the first process to need an index for a
(database, data version, date) builds it under a file lock and writes it; the others wait for the lock
and read what it wrote. The arrays are memory-mapped, so the processes share one copy in the page cache,
and a restart reads the index instead of rebuilding it.

Layout, under ``Settings.derived_dir`` (``<data_dir>/derived`` unless ``POLICYKG_DERIVED_DIR`` says)::

    <sha of the database's identity>/
        lock                      flock(2): held while an index is built and written
        <sha of the key>/         one index (written to a temporary directory, then renamed)
            meta.pickle           everything that is not a large array (vocabularies, gap figures, ...)
            *.npy                 the numpy columns, links and measure arrays (memory-mapped on reading)
            props.arrow           the enterprises' properties (Arrow IPC file, memory-mapped)
            links.targets.arrow   what the link rows point to (type, id, name, amount_cny; the same)

The key holds the engine's data version (:meth:`Backend.shared_data_version`), the date and document of
the measures in force, and a digest of the code that computes the index: an index written by another
version of policykg, or from other data, is never read. Writing a new index removes the database's older
ones (a process still using one keeps its mapping; the files go when it lets go).

``meta.pickle`` is read with :mod:`pickle`: the store is as trusted as the database beside it (whoever
can write the one can write the other).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import logging
import os
import pickle
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from policykg import __version__
from policykg.analysis.derived.columns import BuildStopped, Columns, Links, Targets
from policykg.analysis.derived.index import DerivedIndex, MeasureIndex
from policykg.analysis.snapshot import today
from policykg.graph.base import Backend

log = logging.getLogger("policykg.derived")

#: bumped when the layout changes (the code digest covers what the index holds)
FORMAT = 3
COLUMN_ARRAYS = ("ids", "cap", "cur", "cap_cny", "founded", "employees", "revenue", "rd", "industries", "places",
                 "tiers", "place_members", "tier_members")
LINK_ARRAYS = ("ptr", "target", "detail", "year")
#: arrays smaller than this are read into memory (mapping a page for them gains nothing)
MAP_AT_BYTES = 64 * 1024

_digest: str | None = None


def code_digest() -> str:
    """A digest of the sources that decide what the index holds (the analysis package with its subpackages,
    the catalogue, the schema) and policykg's version."""
    global _digest
    if _digest is None:
        root = Path(__file__).resolve().parents[2]  # the policykg package
        h = hashlib.sha256(f"{FORMAT}/{__version__}".encode())
        files = [*(root / "analysis").rglob("*.py"), *(root / "queries").rglob("*.cypher"),
                 root / "graph" / "schema.yaml"]
        for f in sorted(files):
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
        _digest = h.hexdigest()[:16]
    return _digest


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class DerivedStore:
    """Derived indexes kept on disk under ``root``, one per database (the newest only)."""

    LOCK_POLL_SECONDS = 0.2

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def entry(self, backend: Backend, shared_version: str, as_of: dt.date, document: str | None) -> Path:
        key = "\0".join([code_digest(), shared_version, as_of.isoformat(), document or ""])
        return self.root / _sha(backend.identity()) / _sha(key)

    # --- the one call ----------------------------------------------------------------------------
    def build_or_load(self, backend: Backend, build: Callable[[], DerivedIndex | None],
                      stop: threading.Event | None = None,
                      locked: Callable[[], None] | None = None) -> DerivedIndex | None:
        """The index for the data as it is now and today's measures: read from the store when another
        process (or an earlier run) wrote it, else built with ``build()`` under the lock, written, and
        read back (mapped, so that it is shared). None when ``build()`` gives None (the data changed).
        ``locked()`` is called once the lock is held (or the index was found without it)."""
        version = backend.data_version()
        entry = self.entry(backend, backend.shared_data_version(), today(), None)
        idx = self.load(entry, version)
        if idx is not None:
            if locked is not None:
                locked()
            return idx
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("derived index store %s not usable (%s): building in memory only", self.root, exc)
            return build()
        with self._locked(entry.parent / "lock", stop):
            if locked is not None:
                locked()
            idx = self.load(entry, version)  # written while this process waited for the lock
            if idx is not None:
                return idx
            built = build()
            if built is None or built.version != version:
                return built  # the data changed meanwhile: keep it out of the store
            try:
                self.save(built, entry)
            except OSError as exc:
                log.warning("could not write the derived index to %s (%s): serving it from memory", entry, exc)
                return built
            stored = self.load(entry, version)
        if stored is None:
            return built
        stored.build_seconds = built.build_seconds
        return stored

    @contextmanager
    def _locked(self, path: Path, stop: threading.Event | None) -> Iterator[None]:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                if stop is not None and stop.is_set():
                    raise BuildStopped()
                time.sleep(self.LOCK_POLL_SECONDS)
            yield
        finally:
            os.close(fd)  # releases the lock

    # --- writing ---------------------------------------------------------------------------------
    def save(self, idx: DerivedIndex, entry: Path) -> None:
        """Write ``idx`` as ``entry`` (atomically: a temporary directory renamed), then remove the
        database's other entries. The caller holds the lock."""
        import pyarrow as pa

        for stale in entry.parent.glob("*.tmp-*"):  # left by a process stopped while writing (the lock is ours)
            shutil.rmtree(stale, ignore_errors=True)
        tmp = entry.with_name(f"{entry.name}.tmp-{os.getpid()}")
        tmp.mkdir(parents=True)
        try:
            c = idx.columns
            for name in COLUMN_ARRAYS:
                np.save(tmp / f"{name}.npy", getattr(c, name))
            for name in LINK_ARRAYS:
                np.save(tmp / f"links.{name}.npy", getattr(c.links, name))
            order = list(idx.measures)
            parts = [a for mid in order for a in (idx.measures[mid].met, idx.measures[mid].near,
                                                  idx.measures[mid].unknown)]
            np.save(tmp / "measures.npy", np.concatenate(parts).astype(np.int32) if parts
                    else np.zeros(0, dtype=np.int32))
            for name, table in (("props", c.props), ("links.targets", c.links.targets.table)):
                with pa.OSFile(str(tmp / f"{name}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
                    w.write_table(table)
            meta = {
                "format": FORMAT, "as_of": idx.as_of, "document": idx.document,
                "gap_targets": idx.gap_targets, "gap_aggregates": idx.gap_aggregates,
                "build_seconds": idx.build_seconds,
                "currencies": c.currencies, "industry_ids": c.industry_ids, "place_ids": c.place_ids,
                "tier_ids": c.tier_ids, "link_details": c.links.details,
                "measures": [(mid, idx.measures[mid].candidates, len(idx.measures[mid].met),
                              len(idx.measures[mid].near), len(idx.measures[mid].unknown)) for mid in order],
                "answers": idx.answers.entries(), "items": idx.items.entries(),
            }
            with (tmp / "meta.pickle").open("wb") as f:
                pickle.dump(meta, f, protocol=pickle.HIGHEST_PROTOCOL)
            if entry.exists():
                shutil.rmtree(entry)
            os.rename(tmp, entry)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for other in entry.parent.iterdir():
            if other.is_dir() and other != entry:
                shutil.rmtree(other, ignore_errors=True)

    # --- reading ---------------------------------------------------------------------------------
    def load(self, entry: Path, version: str) -> DerivedIndex | None:
        """The index written as ``entry``, answering for data ``version`` (this process's
        :meth:`Backend.data_version`); None when there is none or it cannot be read."""
        if not (entry / "meta.pickle").is_file():
            return None
        try:
            return self._read(entry, version)
        except Exception as exc:  # noqa: BLE001 - a damaged or half-removed entry is rebuilt, not fatal
            log.warning("derived index at %s not readable (%r): it is rebuilt", entry, exc)
            return None

    def _read(self, entry: Path, version: str) -> DerivedIndex:
        with (entry / "meta.pickle").open("rb") as f:
            meta = pickle.load(f)  # noqa: S301 - our own file, beside the database (see the module's docstring)
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT}")
        cols = {name: _array(entry / f"{name}.npy") for name in COLUMN_ARRAYS}
        links = Links(*(_array(entry / f"links.{name}.npy") for name in LINK_ARRAYS),
                               Targets(_arrow(entry / "links.targets.arrow")), meta["link_details"])
        props = _arrow(entry / "props.arrow")
        columns = Columns(
            cols["ids"], cols["cap"], cols["cur"], meta["currencies"], cols["cap_cny"], cols["founded"],
            cols["employees"], cols["revenue"], cols["rd"], cols["industries"], cols["places"], cols["tiers"],
            meta["industry_ids"], meta["place_ids"], meta["tier_ids"], links, props,
            cols["place_members"], cols["tier_members"])
        flat = _array(entry / "measures.npy")
        measures, at = {}, 0
        for mid, candidates, n_met, n_near, n_unknown in meta["measures"]:
            met, near, unknown = (flat[at:at + n_met], flat[at + n_met:at + n_met + n_near],
                                  flat[at + n_met + n_near:at + n_met + n_near + n_unknown])
            measures[mid] = MeasureIndex(candidates, met, near, unknown)
            at += n_met + n_near + n_unknown
        idx = DerivedIndex(version, meta["as_of"], meta["document"], columns, measures,
                                    tuple(meta["gap_targets"]), meta["gap_aggregates"], meta["build_seconds"])
        for key, text in meta["answers"]:
            idx.answers.put(key, text)
        for key, text in meta["items"]:
            idx.items.put(key, text)
        idx.stored = str(entry)
        return idx


def _arrow(path: Path) -> Any:
    """A saved Arrow table, memory-mapped."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.memory_map(str(path))).read_all()


def _array(path: Path) -> np.ndarray:
    """A saved array: memory-mapped read-only (pages shared between processes) unless small."""
    if path.stat().st_size < MAP_AT_BYTES:
        return np.load(path)
    return np.load(path, mmap_mode="r").view(np.ndarray)
