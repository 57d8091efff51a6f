"""The backend seam: what every graph backend does, and the parts they share.

A backend applies the schema, bulk-upserts validated nodes and relationships (idempotently: the
same input twice gives the same graph), runs named catalogue queries, runs user Cypher read-only
with a time limit and a row cap, counts, and clears. Nothing outside ``policykg.graph`` imports
an engine; everything else talks to a :class:`Backend`.
"""

from __future__ import annotations

import abc
import logging
import threading
import time
from collections.abc import Container, Iterable, Iterator, Mapping
from typing import Any

from policykg.errors import ValidationError
from policykg.graph.lookups import KeyLookups
from policykg.graph.rows import BATCH, GraphBatch, Result, chunks, dedupe, plain, quote_name
from policykg.graph.schema import Schema, load_schema, validate_node, validate_rel
from policykg.graph.tables import conform_table, unique_keys
from policykg.graph.types import arrow_type
from policykg.queries import get_query

# the seam's names, imported from here by the rest of the package
__all__ = ["BATCH", "Backend", "GraphBatch", "Result", "arrow_type", "chunks", "dedupe", "plain", "quote_name"]

log = logging.getLogger("policykg.graph")


class Backend(KeyLookups):
    """One graph database. Made once per process by :func:`policykg.graph.open_backend`.

    An engine supplies what is marked abstract here and in :class:`KeyLookups` (whose statements read
    nodes by key: :meth:`find_nodes`, :meth:`expand`, :meth:`shortest_path`)."""

    name: str = "?"

    def __init__(self, settings: Any, schema: Schema | None = None) -> None:
        self.settings = settings
        self.schema = schema or load_schema()
        self._local_changes = 0
        self._version_held: tuple[str, float] | None = None
        self._version_refreshing = threading.Lock()  # held while a refresh runs in the background

    # --- engine-specific ---------------------------------------------------------------------
    @abc.abstractmethod
    def apply_schema(self) -> None:
        """Create what the schema needs (tables / constraints / indexes); safe to repeat."""

    @abc.abstractmethod
    def _upsert_nodes(self, label: str, rows: list[dict[str, Any]], merge: bool = False) -> None:
        """Write validated, de-duplicated node rows. An existing node takes the row's values; with
        ``merge``, a null in the row keeps the node's value instead of clearing it."""

    @abc.abstractmethod
    def _upsert_rels(self, rel_type: str, from_label: str, to_label: str, rows: list[dict[str, Any]]) -> None:
        """Write validated, de-duplicated relationship rows whose endpoints exist."""

    @abc.abstractmethod
    def read_cypher(
        self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
        max_rows: int | None = None,
    ) -> Result:
        """Run user Cypher read-only, stopped after ``timeout`` seconds, at most ``max_rows`` rows. What may
        run is decided by the engine's own parse and plan (:mod:`policykg.graph.guard`); anything else is
        refused with :class:`ReadOnlyViolation`, its message naming the reason."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship (the schema stays applied)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def engine_version(self) -> str: ...

    @abc.abstractmethod
    def _engine_data_version(self) -> str:
        """The engine's token for the data as it is now, whichever process changed it."""

    def _stamp_change(self) -> None:  # noqa: B027 - a hook: most engines need nothing here
        """Record a change in the engine, for engines that cannot tell by themselves."""

    #: seconds the engine's data version is trusted before it is asked again: changes made through this
    #: object count at once, changes by other processes are seen within this time
    VERSION_TTL = 0.0

    @abc.abstractmethod
    def identity(self) -> str:
        """Which database this is (the embedded file, the Neo4j server and database): with
        :meth:`shared_data_version`, the key of answers kept on disk and shared between processes."""

    def shared_data_version(self) -> str:
        """The engine's part of :meth:`data_version`: the same in every process that opens this database
        (``data_version`` also counts this process's own writes, which the engine's part follows)."""
        return self.data_version().split("/", 1)[1]

    def data_version(self) -> str:
        """A token that changes whenever the graph's data changes (through policykg, in any process).

        Answers computed from the data (a snapshot of the measures in force, the matching index, the
        gap figures) are cached under it and recomputed when it changes."""
        now = time.monotonic()
        held = self._version_held
        if held is None or now - held[1] >= self.VERSION_TTL:
            held = self._version_held = (self._engine_data_version(), now)
        return f"{self._local_changes}/{held[0]}"

    #: whether asking the engine's data version is a local, non-blocking check (a file stat), not a round trip
    VERSION_IS_LOCAL = False
    #: seconds past ``VERSION_TTL`` during which :meth:`known_data_version` still answers with the version
    #: held while it is asked again in the background
    VERSION_GRACE = 0.0

    def known_data_version(self) -> str | None:
        """:meth:`data_version` if it is known without waiting on the engine — asked within ``VERSION_TTL``,
        or the check is local (``VERSION_IS_LOCAL``) — else None: for callers that must not wait on the
        engine (the API's event loop).

        Past ``VERSION_TTL`` and within ``VERSION_GRACE`` more, the version held is still answered and the
        engine is asked again in a thread of its own (one at a time): callers do not all wait for that round
        trip, which takes as long as the engine takes to be scheduled (long for a server starved of CPU).
        Changes by other processes are then seen within ``VERSION_TTL`` plus that round trip."""
        if self.VERSION_IS_LOCAL:
            return self.data_version()
        held = self._version_held
        if held is None:
            return None
        age = time.monotonic() - held[1]
        if age >= self.VERSION_TTL:
            if age >= self.VERSION_TTL + self.VERSION_GRACE:
                return None
            self._refresh_version()
        return f"{self._local_changes}/{held[0]}"

    def _refresh_version(self) -> None:
        """Ask the engine's data version in a thread, unless a refresh is running already."""
        if not self._version_refreshing.acquire(blocking=False):
            return
        local = self._local_changes

        def run() -> None:
            try:
                asked = time.monotonic()
                version = self._engine_data_version()
                if self._local_changes == local:  # a write of ours meanwhile: the next caller asks again
                    self._version_held = (version, asked)
            except Exception as exc:  # noqa: BLE001 - the engine is asked again once the grace runs out
                log.debug("data version not refreshed: %r", exc)
            finally:
                self._version_refreshing.release()

        threading.Thread(target=run, name="policykg-data-version", daemon=True).start()

    def _changed(self) -> None:
        """Called after every successful write."""
        self._stamp_change()
        self._local_changes += 1
        self._version_held = None

    # --- shared ------------------------------------------------------------------------------
    def upsert_nodes(self, label: str, rows: Iterable[dict[str, Any]], *, merge: bool = False) -> int:
        """Create or replace nodes by key (``merge``: fill in, keeping values the rows leave null)."""
        nt = self.schema.node(label)
        valid = dedupe((validate_node(self.schema, label, r) for r in rows), key=lambda r: r[nt.key])
        if valid:
            self._upsert_nodes(label, valid, merge)
            self._changed()
        return len(valid)

    def upsert_relationships(
        self, rel_type: str, from_label: str, to_label: str, rows: Iterable[dict[str, Any]]
    ) -> int:
        valid = dedupe(
            (validate_rel(self.schema, rel_type, from_label, to_label, r) for r in rows),
            key=lambda r: (r["from"], r["to"]),
        )
        if not valid:
            return 0
        for end, label in (("from", from_label), ("to", to_label)):
            missing = self.missing_ids(label, {r[end] for r in valid})
            if missing:
                sample = ", ".join(sorted(missing)[:5])
                raise ValidationError(
                    f"{rel_type}: {len(missing)} {end!r} endpoint(s) are not {label} nodes in the graph: {sample}",
                    field=end,
                )
        self._upsert_rels(rel_type, from_label, to_label, valid)
        self._changed()
        return len(valid)

    def write(self, batch: GraphBatch, *, merge: bool = False) -> dict[str, int]:
        """Write a batch: every node label first, then every relationship type."""
        written: dict[str, int] = {}
        for label, rows in batch.nodes.items():
            written[label] = written.get(label, 0) + self.upsert_nodes(label, rows, merge=merge)
        for (rel_type, a, b), rows in batch.relationships.items():
            written[rel_type] = written.get(rel_type, 0) + self.upsert_relationships(rel_type, a, b, rows)
        return written

    def write_tables(self, nodes: Mapping[str, Any], rels: Mapping[tuple[str, str, str], Any], *,
                     present: Mapping[str, Container[str]] | None = None,
                     new: Container[str] = ()) -> dict[str, int]:
        """Bulk write of Arrow tables: node tables first (columns named as the label's properties,
        rows unique by key), then relationship tables (``from``, ``to`` and the type's properties,
        rows unique by the two endpoints). Validated by column against the schema: undeclared or
        mistyped columns, nulls in required properties and repeated keys raise
        :class:`ValidationError`, as do endpoints that are not in the graph. Endpoints written by
        this call, or listed in ``present`` (label -> ids known to exist), are not looked up.
        Relationship rows must be unique by their two endpoints (the caller's part: checking it
        costs as much as writing them). ``new``: labels whose keys the caller knows are not in the
        graph (a load into a label that was empty when it began writes keys it has not written
        before): they are created without looking them up.
        An existing node takes the row's values (as :meth:`upsert_nodes` without ``merge``).
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        present = present or {}
        written: dict[str, int] = {}
        done: dict[str, Any] = {}
        conformed = []
        for label, table in nodes.items():
            nt = self.schema.node(label)
            t = conform_table(table, list(nt.properties.values()), label)
            unique_keys(t, [nt.key], label)
            conformed.append((label, t))
        rel_tables = []
        for (rel_type, a, b), table in rels.items():
            rt = self.schema.check_endpoints(rel_type, a, b)
            t = conform_table(table, list(rt.properties.values()), rel_type, ends=True)
            rel_tables.append((rel_type, a, b, t))
        created: dict[str, list[Any]] = {}
        for label, t in conformed:
            if t.num_rows:
                new_keys = self._write_node_table(label, t, known_new=label in new)
                self._changed()
                key = t[self.schema.node(label).key].combine_chunks()
                done[label] = pa.concat_arrays([done[label], key]) if label in done else key
                if new_keys is not None and len(new_keys):
                    created.setdefault(label, []).append(new_keys)
            written[label] = written.get(label, 0) + t.num_rows
        fresh = {label: pa.concat_arrays(parts) for label, parts in created.items()}
        for rel_type, a, b, t in rel_tables:
            if not t.num_rows:
                written[rel_type] = written.get(rel_type, 0)
                continue
            surely_new = None
            for end, label in (("from", a), ("to", b)):
                col = t[end]
                if label in done:
                    written_now = pc.is_in(col, value_set=done[label])
                    ids = pc.unique(col.filter(pc.invert(written_now)))
                    # a relationship of a node created by this call is new: no look-up needed for it
                    if label in fresh:
                        m = written_now if len(fresh[label]) == len(done[label]) else \
                            pc.is_in(col, value_set=fresh[label])
                        surely_new = m if surely_new is None else pc.or_(surely_new, m)
                else:
                    ids = pc.unique(col)
                known = present.get(label)
                ask = {i for i in ids.to_pylist() if known is None or i not in known}
                missing = self.missing_ids(label, ask) if ask else set()
                if missing:
                    sample = ", ".join(sorted(missing)[:5])
                    raise ValidationError(
                        f"{rel_type}: {len(missing)} {end!r} endpoint(s) are not {label} nodes in the graph: {sample}",
                        field=end,
                    )
            self._write_rel_table(rel_type, a, b, t, surely_new)
            self._changed()
            written[rel_type] = written.get(rel_type, 0) + t.num_rows
        return written

    def _write_node_table(self, label: str, table: Any, known_new: bool = False) -> Any:
        """Write a conformed node table (unique keys): new keys created, existing ones replaced
        (``known_new``: no key is in the graph). Returns the keys that were created (an Arrow
        array), or None when not known."""
        self._upsert_nodes(label, [dict(zip(table.column_names, r, strict=True)) for r in
                                   zip(*[c.to_pylist() for c in table.columns], strict=True)])
        return None

    def _write_rel_table(self, rel_type: str, from_label: str, to_label: str, table: Any,
                         surely_new: Any = None) -> None:
        """Write a conformed relationship table (unique endpoint pairs, endpoints present);
        ``surely_new``: a boolean Arrow array, true for rows known not to be in the graph."""
        self._upsert_rels(rel_type, from_label, to_label, table.to_pylist())

    def missing_ids(self, label: str, ids: set[str]) -> set[str]:
        self.schema.node(label)
        found: set[str] = set()
        ids_list = sorted(ids)
        for part in chunks(ids_list, 50_000):
            # UNWIND + a key lookup uses the key index; `WHERE n.id IN $ids` scans every node on Ladybug.
            res = self.execute(f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id", {"ids": part})
            found.update(r[0] for r in res.rows)
        return ids - found

    def query(self, name: str, params: dict[str, Any] | None = None) -> Result:
        """Run a named catalogue query with typed parameters."""
        q = get_query(name)
        bound = q.bind(params or {})
        return self.execute(q.cypher(self.name), bound)

    def query_arrow(self, name: str, params: dict[str, Any] | None = None,
                    batch_size: int = 200_000) -> Iterator[Any]:
        """A named catalogue query's rows as pyarrow Tables of at most ``batch_size`` rows each, in the
        query's column order, for reads of many rows (no Python object per row where the engine can
        avoid it). Values as :meth:`query` gives them, except that dates may come as Arrow dates.
        No rows: nothing is yielded. This default runs :meth:`query` and converts its rows."""
        import pyarrow as pa

        res = self.query(name, params)
        for part in chunks(res.rows, batch_size):
            cols = list(zip(*part, strict=True))
            yield pa.Table.from_arrays([pa.array(list(c)) for c in cols], names=res.columns)

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = {label: 0 for label in self.schema.nodes}
        nodes.update({r[0]: int(r[1]) for r in self.query("counts_by_label").rows if r[0] in nodes})
        rels = {t: 0 for t in self.schema.relationships}
        rels.update({r[0]: int(r[1]) for r in self.query("counts_by_type").rows if r[0] in rels})
        return {"nodes": nodes, "relationships": rels}

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
