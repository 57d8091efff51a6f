"""The backend seam: what every graph backend does, and the parts they share.

A backend applies the schema, bulk-upserts validated nodes and relationships (idempotently: the
same input twice gives the same graph), runs named catalogue queries, runs user Cypher read-only
with a time limit and a row cap, counts, and clears. Nothing outside ``policykg.graph`` imports
an engine; everything else talks to a :class:`Backend`.
"""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import decimal
import logging
import threading
import time
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policykg.errors import ValidationError
from policykg.graph.schema import Schema, load_schema, validate_node, validate_rel
from policykg.queries import get_query

log = logging.getLogger("policykg.graph")

BATCH = 10_000


def arrow_type(t: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
            "date": pa.date32(), "string[]": pa.list_(pa.string())}[t]


def conform_table(table: Any, props: list[Any], what: str, ends: bool = False) -> Any:
    """An Arrow table with exactly ``props`` (schema order, schema types; ``from``/``to`` first for
    relationships): validated by column, not by row. Undeclared columns, a column that cannot be
    read as its property's type, a null in a required property or an empty endpoint raise
    :class:`ValidationError`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = {p.name for p in props} | ({"from", "to"} if ends else set())
    unknown = sorted(set(table.column_names) - names)
    if unknown:
        raise ValidationError(f"{what}: undeclared properties {unknown}", field=unknown[0])
    n = table.num_rows
    arrays, out_names = [], []
    if ends:
        for end in ("from", "to"):
            if end not in table.column_names:
                raise ValidationError(f"{what}: missing endpoint {end!r}", field=end)
            col = table[end].cast(pa.string())
            if col.null_count or pc.any(pc.equal(col, "")).as_py():
                raise ValidationError(f"{what}: missing endpoint {end!r}", field=end)
            arrays.append(col)
            out_names.append(end)
    for p in props:
        typ = arrow_type(p.type)
        if p.name in table.column_names:
            col = table[p.name]
            if col.type != typ:
                try:
                    col = col.cast(typ)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValidationError(f"{what}: property {p.name!r}: {exc}", field=p.name) from None
        else:
            col = pa.nulls(n, typ)
        if p.required and (col.null_count or (p.type == "string" and n and pc.any(pc.equal(col, "")).as_py())):
            raise ValidationError(f"{what}: required property {p.name!r} is missing", field=p.name)
        arrays.append(col)
        out_names.append(p.name)
    return pa.Table.from_arrays(arrays, names=out_names)


def unique_keys(table: Any, cols: list[str], what: str) -> None:
    """Raise ValidationError unless the rows of ``table`` are unique by ``cols`` (a bulk write applies
    each key once)."""
    import pyarrow.compute as pc

    if table.num_rows < 2:
        return
    if len(cols) == 1:
        distinct = pc.count_distinct(table[cols[0]]).as_py()
    else:
        distinct = pc.count_distinct(pc.binary_join_element_wise(*[table[c] for c in cols], "\x1f")).as_py()
    if distinct != table.num_rows:
        raise ValidationError(f"{what}: {table.num_rows - distinct} rows repeat a key ({', '.join(cols)})",
                              field=cols[0])


@dataclass
class Result:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "truncated": self.truncated}


@dataclass
class GraphBatch:
    """Nodes and relationships to write together: nodes first, then relationships."""

    nodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    relationships: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def add_node(self, label: str, row: dict[str, Any]) -> None:
        self.nodes.setdefault(label, []).append(row)

    def add_rel(self, rel_type: str, from_label: str, from_id: str, to_label: str, to_id: str, **props: Any) -> None:
        self.relationships.setdefault((rel_type, from_label, to_label), []).append(
            {"from": from_id, "to": to_id, **props}
        )

    def extend(self, other: GraphBatch) -> None:
        for label, rows in other.nodes.items():
            self.nodes.setdefault(label, []).extend(rows)
        for key, rows in other.relationships.items():
            self.relationships.setdefault(key, []).extend(rows)


def plain(value: Any) -> Any:
    """Engine values to JSON-able Python: dates to ISO strings, Decimal to int or float."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def dedupe(rows: Iterable[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    """Keep the last row for each key, in first-seen order (a batch is applied as one upsert)."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        k = key(row)
        out.pop(k, None)
        out[k] = row
    return list(out.values())


def quote_name(name: str) -> str:
    """A property name back-quoted for Cypher (names such as `group` are keywords somewhere)."""
    return f"`{name}`"


def chunks(rows: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class Backend(abc.ABC):
    """One graph database. Made once per process by :func:`policykg.graph.open_backend`."""

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
    def _execute(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Result:
        """Run trusted Cypher (catalogue or generated from the schema)."""

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
        trip, which takes as long as the engine takes to be scheduled (on a loaded machine, a Neo4j server
        starved of CPU answered after 0.7-0.8 s). Changes by other processes are then seen within
        ``VERSION_TTL`` plus that round trip."""
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
            res = self._execute(f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id", {"ids": part})
            found.update(r[0] for r in res.rows)
        return ids - found

    def query(self, name: str, params: dict[str, Any] | None = None) -> Result:
        """Run a named catalogue query with typed parameters."""
        q = get_query(name)
        bound = q.bind(params or {})
        return self._execute(q.cypher(self.name), bound)

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

    # --- read side: nodes by id whatever their label (statements generated from the schema) ---
    # ``MATCH (n {id: $id})`` names no label, so neither engine can use a key index: Neo4j scans
    # every node, Ladybug every table. These lookups seek the key of each schema label instead, and
    # expand a node through the relationship types the schema allows it, each branch typed at both
    # ends. Labels and types come from the schema only; ids are always parameters. The answers are
    # those of the catalogue queries ``nodes_by_id`` and ``neighbours`` (tests/test_perf_paths.py).

    #: expand several nodes in one statement (UNWIND); Ladybug plans UNWIND followed by an expansion
    #: as a scan, so the embedded backend runs one statement per node instead (a key seek each).
    batch_expand: bool = True

    def _display(self, label: str, var: str) -> str:
        """The display name of a node of ``label``: ``coalesce(name, title, label, id)`` over the
        properties the label has (Ladybug refuses a property its table lacks)."""
        have = [p for p in ("name", "title", "label") if p in self.schema.node(label).properties]
        key = self.schema.node(label).key
        # Ladybug 0.22 misaligns UNION ALL columns when a branch returns the same expression twice
        # (the id as both `target` and `name`): the single-argument coalesce keeps them distinct.
        return f"coalesce({', '.join(f'{var}.{quote_name(p)}' for p in have)}, {var}.{quote_name(key)})" if have \
            else f"coalesce({var}.{quote_name(key)})"

    def _lookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """Run a generated key lookup (a read); a backend may keep such statements prepared (``keep``:
        True, worth keeping: small and run on every request; ``"recent"``: worth keeping while it is
        among the few used last, as an expansion by one label)."""
        return self._execute(cypher, params)

    #: :meth:`_alookup` runs on the event loop itself (the engine's client is asynchronous), not in a thread
    async_lookups: bool = False

    async def _alookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """:meth:`_lookup` for a caller on an event loop (the API). This default runs it in a worker thread;
        a backend whose client is asynchronous answers on the loop (:attr:`async_lookups`)."""
        return await asyncio.to_thread(self._lookup, cypher, params, keep=keep)

    async def aclose(self) -> None:  # noqa: B027 - a hook: most engines hold nothing per event loop
        """Release what this backend holds for the running event loop (before that loop ends)."""

    def _lookup_cache(self) -> dict[Any, str]:
        cache = self.__dict__.get("_lookups")
        if cache is None:
            cache = self.__dict__["_lookups"] = {}
        return cache

    def find_nodes(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """``{id, label, name}`` for each id that names a node (the rows of ``nodes_by_id``), with one
        key seek per schema label."""
        return [r for cypher, params, keep in self._find_statements(ids)
                for r in self._lookup(cypher, params, keep=keep).records()]

    async def afind_nodes(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """:meth:`find_nodes` on an event loop (:meth:`_alookup`)."""
        return [r for cypher, params, keep in self._find_statements(ids)
                for r in (await self._alookup(cypher, params, keep=keep)).records()]

    def _find_statements(self, ids: Iterable[str]) -> list[tuple[str, dict[str, Any], bool | str]]:
        """The statements of :meth:`find_nodes`: ``(cypher, parameters, keep)`` (see :meth:`_lookup`)."""
        ids = list(dict.fromkeys(i for i in ids if i is not None))
        if not ids:
            return []
        cache = self._lookup_cache()
        if len(ids) == 1:
            # one id (a neighbourhood's centre, on every request): a seek per label on `$id`, without
            # the UNWIND that costs Ladybug as much again
            cypher = cache.get("node")
            if cypher is None:
                cypher = cache["node"] = self._find_cypher("$id")
            return [(cypher, {"id": ids[0]}, True)]
        cypher = cache.get("nodes")
        if cypher is None:
            cypher = cache["nodes"] = self._find_cypher("i", "UNWIND $ids AS i ")
        return [(cypher, {"ids": part}, True) for part in chunks(ids, 10_000)]

    def _find_cypher(self, key: str, prefix: str = "") -> str:
        return "\nUNION ALL\n".join(
            f"{prefix}MATCH (n:{nt.label} {{{quote_name(nt.key)}: {key}}}) "
            f"RETURN n.{quote_name(nt.key)} AS id, '{nt.label}' AS label, {self._display(nt.label, 'n')} AS name"
            for nt in self.schema.nodes.values())

    #: write an expansion's per-branch cap into the statement (``LIMIT 50001``) instead of passing it as
    #: ``$cap``: Ladybug 0.22 plans a prepared statement whose LIMIT is a parameter again on every run
    #: (about 0.5 ms a branch, most of a small expansion's time). The cap is an int of ours, never a
    #: user's value; each distinct cap is its own statement.
    literal_cap: bool = False

    def _expand_cypher(self, label: str, cap: int | None = None) -> str | None:
        """The statement expanding nodes of ``label``: one branch per (relationship type, direction,
        label at the other end) the schema allows, each typed at both ends; with ``cap``, each branch
        stops after that many rows (a literal or ``$cap``, see :attr:`literal_cap`)."""
        cache = self._lookup_cache()
        limit = None if cap is None else (f" LIMIT {int(cap)}" if self.literal_cap else " LIMIT $cap")
        key = ("expand", label, self.batch_expand, limit)
        if key not in cache:
            nt = self.schema.node(label)
            start = (f"UNWIND $ids AS i MATCH (n:{label} {{{quote_name(nt.key)}: i}})" if self.batch_expand
                     else f"MATCH (n:{label} {{{quote_name(nt.key)}: $id}})")
            branches = []
            for rt in self.schema.relationships.values():
                for a, b in rt.endpoints:
                    if a == label:
                        branches.append(
                            f"{start}-[:{rt.type}]->(m:{b}) RETURN n.id AS source, '{rt.type}' AS type, m.id AS target, "
                            f"'out' AS direction, '{b}' AS label, {self._display(b, 'm')} AS name")
                    if b == label:
                        branches.append(
                            f"{start}<-[:{rt.type}]-(m:{a}) RETURN m.id AS source, '{rt.type}' AS type, n.id AS target, "
                            f"'in' AS direction, '{a}' AS label, {self._display(a, 'm')} AS name")
            if limit:  # each branch stops after cap rows: a hub (an industry of 400k firms) is not read whole
                branches = [b + limit for b in branches]
            cache[key] = "\nUNION ALL\n".join(branches) if branches else None
        return cache[key]

    #: the longest path :meth:`shortest_path` looks for, in relationships
    MAX_PATH = 6

    def shortest_path(self, source: tuple[str, str], target: tuple[str, str]) -> dict[str, Any] | None:
        """One shortest path between two nodes given as ``(id, label)`` (up to :attr:`MAX_PATH`
        relationships, either direction), or None: ``{nodes: [ids], types: [relationship types],
        forward: [bool], length}``, where ``forward[i]`` says the i-th relationship goes from ``nodes[i]``
        to ``nodes[i + 1]`` (read from the path itself: expanding its nodes to learn it read whole hubs,
        400,000 firms for an industry).

        The ends are matched by their label and key, an index seek, where the catalogue's
        ``shortest_path`` (which knows no labels) looks the ids up in every node: at 1,000,000 enterprises
        on Neo4j that statement took 1.2-2.5 s for a path between two firms, against 0.01-0.21 s for this
        one. (With the expansions for the directions, the route took 7-15 s or ran past the timeout.)"""
        cache = self._lookup_cache()
        key = ("path", source[1], target[1])
        if key not in cache:
            cache[key] = self._path_cypher(self.schema.node(source[1]).key, source[1],
                                           self.schema.node(target[1]).key, target[1])
        # prepared for this run only: a search's plan and buffers are not worth keeping (see _lookup)
        rows = self._lookup(cache[key], {"source": source[0], "target": target[0]}, keep=False).records()
        if not rows:
            return None
        row = rows[0]
        refs = row.get("node_refs") or row["nodes"]
        return {"nodes": row["nodes"], "types": row["types"], "length": row["length"],
                "forward": [src == ref for src, ref in zip(row["rel_sources"], refs, strict=False)]}

    @abc.abstractmethod
    def _path_cypher(self, source_key: str, source_label: str, target_key: str, target_label: str) -> str:
        """The engine's shortest-path statement between ``(a:source_label {source_key: $source})`` and
        ``(b:target_label {target_key: $target})``, returning ``nodes`` (ids), ``types``, ``length`` and
        ``rel_sources``, each relationship's start node as it compares with ``node_refs`` (the path's nodes
        in the engine's own ids; ``nodes`` when that column is absent)."""

    #: the columns of an expansion's rows, in order (:meth:`expand_rows`)
    EXPAND_COLUMNS = ("source", "type", "target", "direction", "label", "name")

    def expand(self, nodes: dict[str, str], cap: int | None = None) -> list[dict[str, Any]]:
        """Every relationship touching the given nodes (id -> label), as the rows of ``neighbours``:
        ``{source, type, target, direction, label, name}``. ``cap``: at most this many rows per
        relationship type and direction (per statement: per node on Ladybug, per batch of nodes on
        Neo4j), so that callers that count can stop at a hub."""
        cols = self.EXPAND_COLUMNS
        return [dict(zip(cols, r, strict=True)) for r in self.expand_rows(nodes, cap)]

    def expand_rows(self, nodes: dict[str, str], cap: int | None = None) -> list[list[Any]]:
        """:meth:`expand` as lists in the order of :attr:`EXPAND_COLUMNS` (no dict per row: a hub's
        neighbourhood is 100,000 rows)."""
        return [r for cypher, params, keep in self._expand_statements(nodes, cap)
                for r in self._lookup(cypher, params, keep=keep).rows]

    async def aexpand_rows(self, nodes: dict[str, str], cap: int | None = None) -> list[list[Any]]:
        """:meth:`expand_rows` on an event loop (:meth:`_alookup`)."""
        return [r for cypher, params, keep in self._expand_statements(nodes, cap)
                for r in (await self._alookup(cypher, params, keep=keep)).rows]

    def _expand_statements(self, nodes: dict[str, str],
                           cap: int | None = None) -> list[tuple[str, dict[str, Any], bool | str]]:
        """The statements of :meth:`expand_rows`: ``(cypher, parameters, keep)`` (see :meth:`_lookup`)."""
        by_label: dict[str, list[str]] = {}
        for node_id, label in nodes.items():
            by_label.setdefault(label, []).append(node_id)
        statements: list[tuple[str, dict[str, Any], bool | str]] = []
        extra = {} if cap is None or self.literal_cap else {"cap": int(cap)}
        for label in sorted(by_label):
            cypher = self._expand_cypher(label, cap)
            if cypher is None:
                continue
            if self.batch_expand:
                statements += [(cypher, {"ids": part, **extra}, "recent") for part in chunks(by_label[label], 10_000)]
            else:
                statements += [(cypher, {"id": node_id, **extra}, "recent") for node_id in by_label[label]]
        return statements

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
