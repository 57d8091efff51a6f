"""The derived index on disk (policykg.analysis.derived.store): what is read back answers exactly as the live
path, on both backends; processes (here threads with caches of their own) sharing a store build it once;
new data, other code or a damaged entry make it built again; ``policykg index`` writes what serve reads."""

from __future__ import annotations

import json
import logging
import subprocess
import threading

import numpy as np
import pytest

from policykg.analysis import service
from policykg.analysis.derived import store as derived_store
from policykg.analysis.derived.store import DerivedStore
from policykg.ingest.load import load_paths
from policykg.ingest.synth import synth
from tests.test_derived import assert_eligible_same_as_live, assert_same_as_live


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    out = tmp_path_factory.mktemp("store-synth")
    synth(1500, 5, out / "base", progress=False)
    synth(200, 6, out / "more", progress=False)
    return out


def counting(monkeypatch):
    """service.build_index, counting its calls."""
    calls = []
    real = service.build_index

    def build(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "build_index", build)
    return calls


def entries(root):
    return sorted(p for p in root.glob("*/*") if p.is_dir())


def test_read_back_index_answers_as_live_and_is_not_rebuilt(backend, registry, tmp_path):
    load_paths(backend, [registry / "base"], progress=False)
    store = DerivedStore(tmp_path / "store")
    built = []
    first = store.build_or_load(backend, lambda: built.append(service.build_index(backend)) or built[0])
    assert first is not None and first.stored is not None and first is not built[0]  # read back from what was written
    assert first.version == backend.data_version() and first.build_seconds > 0
    assert entries(tmp_path / "store") == [tmp_path / "store" / first.stored.split("/")[-2] / first.stored.split("/")[-1]]

    again = store.build_or_load(backend, lambda: pytest.fail("built although the store holds it"))
    assert again.stored == first.stored and again.build_seconds == first.build_seconds
    big = again.columns.industries if again.columns.industries.nbytes >= derived_store.MAP_AT_BYTES else None
    if big is not None:  # mapped from the file, shared between processes, not a private copy
        assert not big.flags.owndata and not big.flags.writeable
    targets = again.columns.links.targets  # what link rows point to: mapped Arrow columns, the same as built
    assert len(targets) > 0 and list(targets) == list(built[0].columns.links.targets)
    assert {targets.type_of(k) for k in range(len(targets))} >= {"IN_INDUSTRY", "RECEIVED"}
    assert all(not b.is_mutable for col in targets.table.columns for chunk in col.chunks
               for b in chunk.buffers() if b is not None)
    assert any(b.is_mutable for col in built[0].columns.links.targets.table.columns for chunk in col.chunks
               for b in chunk.buffers() if b is not None)  # (the check tells a private copy from a mapping)
    assert again.answers.entries() == first.answers.entries() and again.items.entries()
    assert_same_as_live(backend, again)
    assert_eligible_same_as_live(backend, again, limit=150)
    for mid, mi in again.measures.items():
        assert np.array_equal(mi.met, first.measures[mid].met) and mi.candidates == first.measures[mid].candidates


def test_caches_sharing_a_store_build_once(backend, registry, tmp_path, monkeypatch):
    """Two caches (two serving processes' worth) start together: one builds under the lock, the other
    waits and reads what it wrote."""
    load_paths(backend, [registry / "base"], progress=False)
    calls = counting(monkeypatch)
    caches = [service.DerivedCache(store=DerivedStore(tmp_path / "store")) for _ in range(2)]
    threads = [threading.Thread(target=c.start, args=(backend,)) for c in caches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in caches:
        c.wait(120)
    assert len(calls) == 1
    assert all(c.current(backend) is not None for c in caches)
    assert caches[0].index.stored == caches[1].index.stored
    assert caches[0].status(backend)["stored"] == caches[0].index.stored


def test_new_data_other_code_or_a_damaged_entry_build_again(backend, registry, tmp_path, monkeypatch, caplog):
    load_paths(backend, [registry / "base"], progress=False)
    root = tmp_path / "store"
    store = DerivedStore(root)
    calls = counting(monkeypatch)
    build = lambda: service.build_index(backend)  # noqa: E731
    old = store.build_or_load(backend, build)
    load_paths(backend, [registry / "more"], progress=False)
    new = store.build_or_load(backend, build)
    assert len(calls) == 2 and new.stored != old.stored and new.columns.n == old.columns.n + 200
    assert [str(p) for p in entries(root)] == [new.stored]  # the older index of this database is removed

    monkeypatch.setattr(derived_store, "_digest", "another-version-of-the-code")
    other = store.build_or_load(backend, build)
    assert len(calls) == 3 and other.stored != new.stored

    (root / other.stored.split("/")[-2] / other.stored.split("/")[-1] / "props.arrow").write_bytes(b"not arrow")
    with caplog.at_level(logging.WARNING, "policykg.derived"):
        rebuilt = store.build_or_load(backend, build)
    assert len(calls) == 4 and rebuilt.stored == other.stored and rebuilt.columns.n == new.columns.n
    assert "not readable" in caplog.text
    assert_same_as_live(backend, rebuilt)


def test_index_command_writes_what_serve_reads(env_for, tmp_path):
    from tests.test_cli import BIN, run

    env = env_for("embedded")
    run(["demo", "--no-serve"], env)
    first = json.loads(subprocess.run([str(BIN), "index", "--json"], env=env, capture_output=True, text=True,
                                      check=True).stdout)
    assert first["stored"].startswith(str(tmp_path / "cli-data" / "derived")) and first["enterprises"] >= 0
    second = json.loads(subprocess.run([str(BIN), "index", "--json"], env=env, capture_output=True, text=True,
                                       check=True).stdout)
    assert second["stored"] == first["stored"] and second["build_seconds"] == first["build_seconds"]
