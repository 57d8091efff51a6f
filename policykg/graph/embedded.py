"""The embedded backend: Ladybug (the maintained fork of Kuzu), in-process and file-based.

Bulk writes go through Ladybug's own ``COPY FROM`` path with Parquet files made by pyarrow:
rows whose key is new are copied; rows whose key exists are merged in-engine with
``LOAD FROM <parquet> MERGE ... SET``, so the same input twice gives the same graph.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ladybug
import pyarrow as pa
import pyarrow.parquet as pq

from policykg.errors import (
    BackendError,
    BackendUnavailable,
    QueryError,
    QueryOutOfMemory,
    QueryTimeout,
    ReadOnlyViolation,
)
from policykg.graph import filelock, guard
from policykg.graph.base import Backend, Result, chunks, quote_name
from policykg.graph.ladybug_client import PreparedStatements, close_quietly, rows_by_column, value
from policykg.graph.schema import Property
from policykg.graph.types import arrow_type, ladybug_type
from policykg.queries import get_query

MAX_PREPARED = 512  # prepared key lookups kept (a few per label and connection)
BULK_THREADS = 2  # threads of a bulk COPY (it splits its input among them: a large COPY gains from a second)
POOL = 2  # connections: about two serve best on two cores (see the engine notes in the README)
_q = quote_name


class EmbeddedBackend(Backend):
    name = "embedded"
    batch_expand = False  # see Backend.expand: one key seek per node beats UNWIND + expansion here
    literal_cap = True  # see Backend.literal_cap: Ladybug plans `LIMIT $cap` again on every run

    def __init__(self, settings: Any, schema: Any = None, *, read_only: bool = False) -> None:
        super().__init__(settings, schema)
        self.path: Path = Path(settings.embedded_path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock = filelock.acquire(self.path, exclusive=not read_only)
        except filelock.Locked:
            raise BackendUnavailable(
                f"the embedded database at {self.path} is locked by another process "
                f"({'writing to it' if read_only else 'serving or writing to it'}: is `policykg serve`, "
                "`policykg demo` or a load running?). Stop it, or point POLICYKG_DATA_DIR at another folder.",
                setting="POLICYKG_DATA_DIR",
            ) from None
        try:
            self.db = ladybug.Database(
                str(self.path),
                buffer_pool_size=int(settings.buffer_pool_mb) * 1024 * 1024,
                read_only=read_only,
            )
        except RuntimeError as exc:
            filelock.release(self._lock)
            msg = str(exc)
            if "lock" in msg.lower():
                raise BackendUnavailable(
                    f"the embedded database at {self.path} is locked by another process "
                    "(is `policykg serve` or `policykg demo` running?). Stop it, or point "
                    "POLICYKG_DATA_DIR at another folder.",
                    setting="POLICYKG_DATA_DIR",
                ) from None
            raise BackendUnavailable(
                f"cannot open the embedded database at {self.path}: {msg}. Check POLICYKG_DATA_DIR.",
                setting="POLICYKG_DATA_DIR",
            ) from None
        self._pool: queue.Queue[ladybug.Connection] = queue.Queue()
        for _ in range(POOL):
            self._pool.put(self._connect())
        self._write_lock = threading.Lock()
        self._prepared = PreparedStatements(self.KEEP_RECENT, MAX_PREPARED)
        self._closed = False

    # --- connections -----------------------------------------------------------------------
    @contextmanager
    def _conn(self) -> Iterator[ladybug.Connection]:
        conn = self._pool.get()
        try:
            yield conn
        except QueryOutOfMemory:
            conn = self._renew(conn)
            raise
        finally:
            self._pool.put(conn)

    def _connect(self) -> ladybug.Connection:
        return ladybug.Connection(self.db, num_threads=int(self.settings.embedded_threads))

    def _renew(self, conn: ladybug.Connection) -> ladybug.Connection:
        """A new connection in place of one whose query ran out of the buffer pool: Ladybug 0.22 leaves
        such a connection failing every later query with the same error, while a new connection to the
        same database works."""
        self._prepared.forget(conn)
        close_quietly(conn)
        return self._connect()

    def _run(self, conn: ladybug.Connection, cypher: str, params: dict[str, Any] | None = None,
             max_rows: int | None = None, arrow_above: int | None = None) -> Result:
        try:
            res = conn.execute(cypher, params or {})
        except (RuntimeError, ValueError, TypeError, OverflowError) as exc:  # a parameter it cannot convert: ValueError
            msg = str(exc)
            if msg.strip().startswith("Interrupted"):
                raise QueryTimeout("the query ran past the time limit (POLICYKG_QUERY_TIMEOUT) and was stopped") from None
            if "read-only" in msg.lower():
                raise ReadOnlyViolation(f"refused: only reads are allowed here ({msg})") from None
            if "buffer pool is full" in msg.lower():
                raise QueryOutOfMemory(
                    f"the query needs more memory than the embedded buffer pool has "
                    f"({self.settings.buffer_pool_mb} MiB, POLICYKG_BUFFER_POOL_MB): {msg}",
                    setting="POLICYKG_BUFFER_POOL_MB") from None
            raise QueryError(f"Ladybug: {msg}") from None
        if isinstance(res, list):
            raise ReadOnlyViolation("refused: one statement at a time")
        try:
            columns = list(res.get_column_names())
            if arrow_above is not None and max_rows is None and res.get_num_tuples() > arrow_above:
                rows = rows_by_column(res)
                if rows is not None:
                    res.close()
                    return Result(columns, rows)
            rows = []
            truncated = False
            while res.has_next():
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([value(v) for v in res.get_next()])
        except RuntimeError as exc:  # an error met while reading the answer
            raise QueryError(f"Ladybug: {exc}") from None
        res.close()
        return Result(columns, rows, truncated)

    def execute(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Result:
        if write:
            with self._write_lock, self._conn() as conn:
                return self._run(conn, cypher, params)
        with self._conn() as conn:
            conn.set_query_timeout(int(self.settings.query_timeout * 1000))
            try:
                return self._run(conn, cypher, params)
            finally:
                conn.set_query_timeout(0)

    # --- prepared key lookups (read side) ----------------------------------------------------------
    #: catalogue queries that every API request for one enterprise runs, each a key seek: kept prepared
    PREPARED_QUERIES = frozenset({"policy_fingerprint", "enterprise_profile", "enterprise_links",
                                  "enterprise_financials"})

    def query(self, name: str, params: dict[str, Any] | None = None) -> Result:
        if name in self.PREPARED_QUERIES:
            q = get_query(name)
            return self.lookup(q.cypher(self.name), q.bind(params or {}))
        return super().query(name, params)

    #: a kept statement whose answer had more rows than this is closed after the run: a prepared
    #: statement holds on to buffers as large as its last answer (a hub's expansion: 50,000 rows)
    KEEP_MAX_ROWS = 1000
    #: statements kept with ``keep="recent"`` (expansions, one per label and cap) per connection: each
    #: holds buffers of its plan in the pool, and an expansion has up to 30 branches
    KEEP_RECENT = 3

    def _path_cypher(self, source_key: str, source_label: str, target_key: str, target_label: str) -> str:
        # Ladybug's own shortest-path syntax; list_transform and label() for Cypher's comprehensions and type();
        # a relationship's start node as its internal `_src`, compared with the nodes' internal ids
        return (f"MATCH p = (a:{source_label} {{{quote_name(source_key)}: $source}})"
                f"-[* SHORTEST 1..{int(self.MAX_PATH)}]-(b:{target_label} {{{quote_name(target_key)}: $target}})\n"
                "RETURN list_transform(nodes(p), n -> n.id) AS nodes, list_transform(rels(p), r -> label(r)) AS types, "
                "length(p) AS length, list_transform(rels(p), r -> r._src) AS rel_sources, "
                "list_transform(nodes(p), n -> id(n)) AS node_refs\nLIMIT 1")

    def lookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """A key lookup (the queries above and Backend's generated ones: nodes by id, expansions), run
        as a statement prepared once per connection (``keep``), or prepared for this run only. Preparing
        an expansion costs more than running it, so the expansions used last are kept too
        (``keep="recent"``: :attr:`KEEP_RECENT` per connection). A prepared statement holds buffers
        for its plan and as large as its last answer, and Ladybug's own cache would keep any text it
        runs (a dozen expansions and a shortest-path search no longer fit a small pool): the others are
        closed, as is a statement whose answer was large (:attr:`KEEP_MAX_ROWS`)."""
        with self._conn() as conn:
            try:
                return self._lookup_on(conn, cypher, params, keep)
            except QueryOutOfMemory:
                # the pool is full, in part of buffers the statements kept for speed hold: let them go, and
                # try once more before answering that the query does not fit
                self._prepared.forget(conn)
                return self._lookup_on(conn, cypher, params, keep)

    def _lookup_on(self, conn: ladybug.Connection, cypher: str, params: dict[str, Any], keep: bool | str) -> Result:
        """:meth:`lookup` on one connection."""
        conn.set_query_timeout(int(self.settings.query_timeout * 1000))
        try:
            stmt = self._prepared.statement(conn, cypher, keep)
            kept = bool(keep)
            try:
                res = self._run(conn, stmt, params, arrow_above=self.KEEP_MAX_ROWS)
            except BaseException:
                kept = False  # a failed run (a timeout) may leave the statement holding its buffers
                raise
            else:
                if len(res.rows) > self.KEEP_MAX_ROWS:
                    kept = False
                return res
            finally:
                if not isinstance(stmt, str):
                    self._prepared.release(conn, cypher, stmt, kept)
        finally:
            conn.set_query_timeout(0)

    def engine_version(self) -> str:
        return f"Ladybug {ladybug.__version__}" if hasattr(ladybug, "__version__") else "Ladybug"

    #: two stats (cheap, but each gives up the GIL, and a request asks more than once): asked at most
    #: once per VERSION_TTL; writes by this process count at once, by another within VERSION_TTL
    VERSION_TTL = 0.05
    VERSION_IS_LOCAL = True

    def identity(self) -> str:
        return f"embedded:{self.path.resolve()}"

    def _engine_data_version(self) -> str:
        # Every committed write changes the database file or its write-ahead log, whichever process
        # made it; reads change neither.
        parts = []
        for f in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = f.stat()
                parts.append(f"{st.st_mtime_ns}:{st.st_size}")
            except FileNotFoundError:
                parts.append("-")
        return "/".join(parts)

    # --- schema ------------------------------------------------------------------------------
    def _columns(self, conn: ladybug.Connection, table: str) -> dict[str, str]:
        res = self._run(conn, f"CALL table_info('{table}') RETURN *")
        return {r[1]: r[2] for r in res.rows}

    def _tables(self, conn: ladybug.Connection) -> dict[str, str]:
        return {r[1]: r[2] for r in self._run(conn, "CALL show_tables() RETURN *").rows}

    def ddl(self) -> list[str]:
        """The Ladybug DDL for the schema."""
        stmts = []
        for nt in self.schema.nodes.values():
            cols = ", ".join(f"{_q(p.name)} {ladybug_type(p.type)}" for p in nt.properties.values())
            stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {nt.label}({cols}, PRIMARY KEY({_q(nt.key)}))")
        for rt in self.schema.relationships.values():
            ends = ", ".join(f"FROM {a} TO {b}" for a, b in rt.endpoints)
            cols = "".join(f", {_q(p.name)} {ladybug_type(p.type)}" for p in rt.properties.values())
            stmts.append(f"CREATE REL TABLE IF NOT EXISTS {rt.type}({ends}{cols})")
        return stmts

    def apply_schema(self) -> None:
        with self._write_lock, self._conn() as conn:
            existing = self._tables(conn)
            for stmt in self.ddl():
                self._run(conn, stmt)
            # Properties added to the schema after a table was made: add the columns.
            for table, kind in existing.items():
                decl = self.schema.nodes.get(table) if kind == "NODE" else self.schema.relationships.get(table)
                if decl is None:
                    continue
                have = self._columns(conn, table)
                for p in decl.properties.values():
                    if p.name not in have:
                        self._run(conn, f"ALTER TABLE {table} ADD {_q(p.name)} {ladybug_type(p.type)}")

    # --- writes ------------------------------------------------------------------------------
    def _parquet(self, tmp: Path, name: str, rows: list[dict[str, Any]], props: list[Property],
                 ends: bool = False) -> Path:
        arrays, names = [], []
        if ends:
            arrays += [pa.array([r["from"] for r in rows], pa.string()), pa.array([r["to"] for r in rows], pa.string())]
            names += ["from", "to"]
        for i, p in enumerate(props):
            arrays.append(pa.array([r.get(p.name) for r in rows], arrow_type(p.type)))
            names.append(f"c{i}")
        path = tmp / f"{name}.parquet"
        pq.write_table(pa.Table.from_arrays(arrays, names=names), path)
        return path

    @contextmanager
    def _tmpdir(self) -> Iterator[Path]:
        base = self.path.parent / "tmp"
        base.mkdir(parents=True, exist_ok=True)
        d = Path(tempfile.mkdtemp(dir=base))
        try:
            yield d
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def _existing_keys(self, conn: ladybug.Connection, label: str, key: str, keys: list[str]) -> set[str]:
        found: set[str] = set()
        for part in chunks(keys, 50_000):
            res = self._run(conn, f"UNWIND $keys AS k MATCH (n:{label} {{{_q(key)}: k}}) RETURN n.{_q(key)}",
                            {"keys": part})
            found.update(r[0] for r in res.rows)
        return found

    # --- bulk writes from Arrow tables (Backend.write_tables) ---------------------------------
    def _arrow(self, conn: ladybug.Connection, cypher: str) -> pa.Table:
        """A write-path statement's result as an Arrow table (no Python objects per row)."""
        try:
            res = conn.execute(cypher)
        except RuntimeError as exc:
            raise QueryError(f"Ladybug: {exc}") from None
        try:
            return res.get_as_arrow()
        finally:
            res.close()

    def _count(self, conn: ladybug.Connection, pattern: str) -> int:
        return int(self._arrow(conn, f"MATCH {pattern} RETURN count(*) AS c").column(0)[0].as_py())

    @staticmethod
    def _write_parquet(tmp: Path, name: str, table: pa.Table, ends: bool = False) -> Path:
        names = ["from", "to"] if ends else []
        names += [f"c{i}" for i in range(table.num_columns - len(names))]
        path = tmp / f"{name}.parquet"
        pq.write_table(table.rename_columns(names), path)
        return path

    def _keys_in_graph(self, conn: ladybug.Connection, tmp: Path, label: str, key: str, keys: pa.Array) -> pa.Array:
        """Which of ``keys`` are keys of ``label`` nodes: one join over a Parquet file of keys."""
        path = tmp / "keys.parquet"
        pq.write_table(pa.table({"k": keys}), path)
        got = self._arrow(conn, f"LOAD FROM '{path}' MATCH (n:{label} {{{_q(key)}: k}}) RETURN n.{_q(key)} AS k")
        return got.column(0).combine_chunks() if got.num_rows else pa.array([], pa.string())

    def _copy(self, conn: ladybug.Connection, target: str, table: pa.Table, options: str = "") -> None:
        """``COPY target FROM`` an Arrow table (scanned in place: no file is written), with the bulk
        load's threads (COPY splits its input among them; the serving connections use fewer)."""
        conn.set_max_threads_for_exec(BULK_THREADS)
        try:
            self._run(conn, f"COPY {target} FROM $rows{options}", {"rows": table})
        finally:
            conn.set_max_threads_for_exec(int(self.settings.embedded_threads))

    def _write_node_table(self, label: str, table: pa.Table, known_new: bool = False) -> pa.Array:
        import pyarrow.compute as pc

        nt = self.schema.node(label)
        props = list(nt.properties.values())
        with self._write_lock, self._conn() as conn, self._tmpdir() as tmp:
            keys = table[nt.key].combine_chunks()
            if known_new or self._count(conn, f"(n:{label})") == 0:
                new, old = table, None
            else:
                mask = pc.is_in(keys, value_set=self._keys_in_graph(conn, tmp, label, nt.key, keys))
                new, old = table.filter(pc.invert(mask)), table.filter(mask)
            if new.num_rows:
                self._copy(conn, label, new)
            created = new[nt.key].combine_chunks()
            if old is not None and old.num_rows:
                path = self._write_parquet(tmp, "old", old)
                key_col = f"c{props.index(nt.properties[nt.key])}"
                sets = ", ".join(f"n.{_q(p.name)} = c{i}" for i, p in enumerate(props) if p.name != nt.key)
                self._run(conn, f"LOAD FROM '{path}' MERGE (n:{label} {{{_q(nt.key)}: {key_col}}}) SET {sets}")
        return created

    def _write_rel_table(self, rel_type: str, from_label: str, to_label: str, table: pa.Table,
                         surely_new: Any = None) -> None:
        import pyarrow.compute as pc

        rt = self.schema.rel(rel_type)
        props = list(rt.properties.values())
        with self._write_lock, self._conn() as conn, self._tmpdir() as tmp:
            sure = None
            if surely_new is not None and pc.any(surely_new).as_py():
                sure, table = table.filter(surely_new), table.filter(pc.invert(surely_new))
            if not table.num_rows or self._count(conn, f"()-[r:{rel_type}]->()") == 0:
                new, old = table, None
            else:
                path = self._write_parquet(tmp, "ends", table.select(["from", "to"]), ends=True)
                # the relationships there, with their properties: only those whose values change are set
                # (a reload sets nothing; the MATCH ... SET below is slow on a node with many edges)
                got = self._arrow(conn, f"LOAD FROM '{path}' MATCH (a:{from_label} {{id: `from`}})-[r:{rel_type}]->"
                                        f"(b:{to_label} {{id: `to`}}) RETURN `from` AS f, `to` AS t"
                                  + "".join(f", r.{_q(p.name)} AS p{i}" for i, p in enumerate(props)))
                pairs = pc.binary_join_element_wise(table["from"], table["to"], "\x1f")
                have = (pc.binary_join_element_wise(got.column(0), got.column(1), "\x1f").combine_chunks()
                        if got.num_rows else pa.array([], pa.string()))
                mask = pc.is_in(pairs, value_set=have)
                new, old = table.filter(pc.invert(mask)), table.filter(mask)
                if old.num_rows and props:
                    at = pc.index_in(pairs.filter(mask), value_set=have)
                    same = None
                    for i, p in enumerate(props):
                        mine = old[p.name].combine_chunks()
                        there = got.column(2 + i).combine_chunks().take(at).cast(mine.type)
                        eq = pc.or_kleene(pc.fill_null(pc.equal(mine, there), False),
                                          pc.and_(pc.is_null(mine), pc.is_null(there)))
                        same = eq if same is None else pc.and_(same, eq)
                    old = old.filter(pc.invert(same))
            if sure is not None:
                new = pa.concat_tables([sure, new])
            if new.num_rows:
                self._copy(conn, rel_type, new, f" (from='{from_label}', to='{to_label}')")
            if old is not None and old.num_rows and props:
                path = self._write_parquet(tmp, "old", old, ends=True)
                sets = ", ".join(f"r.{_q(p.name)} = c{i}" for i, p in enumerate(props))
                self._run(conn, f"LOAD FROM '{path}' MATCH (a:{from_label} {{id: `from`}})-[r:{rel_type}]->"
                                f"(b:{to_label} {{id: `to`}}) SET {sets}")

    def missing_ids(self, label: str, ids: set[str]) -> set[str]:
        if len(ids) <= 1000:
            return super().missing_ids(label, ids)
        import pyarrow.compute as pc

        nt = self.schema.node(label)
        keys = pa.array(sorted(ids), pa.string())
        with self._conn() as conn, self._tmpdir() as tmp:
            if self._count(conn, f"(n:{label})") == 0:
                return set(ids)
            found = self._keys_in_graph(conn, tmp, label, nt.key, keys)
        return set(keys.filter(pc.invert(pc.is_in(keys, value_set=found))).to_pylist())

    def _upsert_nodes(self, label: str, rows: list[dict[str, Any]], merge: bool = False) -> None:
        nt = self.schema.node(label)
        props = list(nt.properties.values())
        with self._write_lock, self._conn() as conn, self._tmpdir() as tmp:
            existing = self._existing_keys(conn, label, nt.key, [r[nt.key] for r in rows])
            new = [r for r in rows if r[nt.key] not in existing]
            old = [r for r in rows if r[nt.key] in existing]
            if new:
                path = self._parquet(tmp, "new", new, props)
                self._run(conn, f"COPY {label} FROM '{path}'")
            if old:
                path = self._parquet(tmp, "old", old, props)
                key_col = f"c{props.index(nt.properties[nt.key])}"
                value = "coalesce(c{i}, n.{name})" if merge else "c{i}"
                sets = ", ".join(f"n.{_q(p.name)} = " + value.format(i=i, name=_q(p.name))
                                 for i, p in enumerate(props) if p.name != nt.key)
                self._run(conn, f"LOAD FROM '{path}' MERGE (n:{label} {{{_q(nt.key)}: {key_col}}}) SET {sets}")

    def _upsert_rels(self, rel_type: str, from_label: str, to_label: str, rows: list[dict[str, Any]]) -> None:
        rt = self.schema.rel(rel_type)
        props = list(rt.properties.values())
        with self._write_lock, self._conn() as conn, self._tmpdir() as tmp:
            existing: set[tuple[str, str]] = set()
            for part in chunks(sorted({r["from"] for r in rows}), 50_000):
                res = self._run(
                    conn,
                    f"UNWIND $ids AS i MATCH (a:{from_label} {{id: i}})-[:{rel_type}]->(b:{to_label}) "
                    "RETURN a.id, b.id",
                    {"ids": part},
                )
                existing.update((r[0], r[1]) for r in res.rows)
            new = [r for r in rows if (r["from"], r["to"]) not in existing]
            old = [r for r in rows if (r["from"], r["to"]) in existing]
            if new:
                path = self._parquet(tmp, "new", new, props, ends=True)
                self._run(conn, f"COPY {rel_type} FROM '{path}' (from='{from_label}', to='{to_label}')")
            if old and props:
                path = self._parquet(tmp, "old", old, props, ends=True)
                sets = ", ".join(f"r.{_q(p.name)} = c{i}" for i, p in enumerate(props))
                self._run(
                    conn,
                    f"LOAD FROM '{path}' MATCH (a:{from_label} {{id: `from`}})-[r:{rel_type}]->"
                    f"(b:{to_label} {{id: `to`}}) SET {sets}",
                )

    def clear(self) -> None:
        with self._write_lock, self._conn() as conn:
            tables = self._tables(conn)
            for name, kind in tables.items():
                if kind == "REL":
                    self._run(conn, f"DROP TABLE {name}")
            for name, kind in tables.items():
                if kind == "NODE":
                    self._run(conn, f"DROP TABLE {name}")
        self.apply_schema()

    # --- bulk reads --------------------------------------------------------------------------
    #: time limit of a bulk read (the derived index's whole-registry scans run in the background)
    BULK_TIMEOUT = 600.0

    def query_arrow(self, name: str, params: dict[str, Any] | None = None,
                    batch_size: int = 200_000) -> Iterator[pa.Table]:
        """Backend.query_arrow through Ladybug's Arrow export (``get_as_arrow``): columns are converted
        in C++, many times faster than ``get_next`` row by row. Ladybug materialises the whole result
        before it is exported, so a catalogue query read this way should have narrow rows."""
        q = get_query(name)
        cypher, bound = q.cypher(self.name), q.bind(params or {})
        # a connection of its own, closed after: a connection keeps the operators' buffers of the
        # statements it ran (in the buffer pool), and a bulk read's are large
        conn = self._connect()
        try:
            conn.set_query_timeout(int(max(self.settings.query_timeout, self.BULK_TIMEOUT) * 1000))
            try:
                res = conn.execute(cypher, bound)
            except RuntimeError as exc:
                raise QueryError(f"Ladybug: {exc}") from None
            try:
                table = res.get_as_arrow(batch_size) if res.get_num_tuples() else None
            finally:
                res.close()
        finally:
            conn.close()
        if table is None:
            return
        for batch in table.to_batches():
            yield pa.Table.from_batches([batch])

    # --- user Cypher -------------------------------------------------------------------------
    def read_cypher(self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
                    max_rows: int | None = None) -> Result:
        """User Cypher, guarded (:mod:`policykg.graph.guard`). In a READ ONLY transaction, Ladybug prepares
        it: one statement (the engine refuses several) that the engine counts as read-only (it checks that
        when it prepares, not when it executes: ``nextval`` and writes are refused there). Its ``EXPLAIN``
        plan must then hold only reads of this graph; it runs as that prepared statement, and the
        transaction is rolled back. A backend opened read-only cannot write at all."""
        text = guard.screen(cypher, guard.LADYBUG_WORDS)
        params = params or {}
        timeout = timeout if timeout is not None else self.settings.query_timeout
        max_rows = max_rows if max_rows is not None else self.settings.max_rows
        with self._conn() as conn:
            conn.set_query_timeout(int(timeout * 1000))
            self._run(conn, "BEGIN TRANSACTION READ ONLY")
            try:
                stmt = guard.prepare_ladybug(conn, text)
                plan = self._run(conn, guard.prepare_ladybug(conn, "EXPLAIN " + text), params)
                guard.check_ladybug_plan("\n".join(str(v) for row in plan.rows for v in row))
                return self._run(conn, stmt, params, max_rows=max_rows)
            finally:
                conn.set_query_timeout(0)
                try:
                    self._run(conn, "ROLLBACK")
                except QueryError:
                    pass

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._prepared.close()
        while not self._pool.empty():
            close_quietly(self._pool.get_nowait())
        try:
            self.db.close()
        except Exception as exc:  # noqa: BLE001
            raise BackendError(f"closing the embedded database failed: {exc}") from None
        finally:
            filelock.release(self._lock)
