"""The Neo4j backend: the official driver, batched ``UNWIND $rows`` writes, reads routed READ.

The reference backend: every catalogue query's answer on Neo4j is the one the embedded backend
must match. Works with any Neo4j 5.26+ reachable over Bolt (a server, a cluster, Aura, or the
development server that ``scripts/neo4j-dev`` builds from Maven Central).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j import exceptions as nx
from neo4j.graph import Node, Path, Relationship

from policykg.errors import BackendUnavailable, QueryError, QueryOutOfMemory, QueryTimeout, ReadOnlyViolation
from policykg.graph import guard
from policykg.graph.base import BATCH, Backend, Result, chunks, plain, quote_name
from policykg.queries import get_query

_q = quote_name
_PLAIN = (str, int, float, bool)  # values the driver gives that need no conversion
#: The catalogue names optional properties (a document's ``expiry_date``) that a graph may not have yet: the
#: server's notice for each ("property key does not exist") is not asked for.
_DRIVER_CONFIG: dict[str, Any] = {
    "notifications_disabled_classifications": [neo4j.NotificationDisabledClassification.UNRECOGNIZED]}


#: how long a write is retried when the connection fails (a load waits out a short outage)
WRITE_RETRY_SECONDS = 30.0


def _connection_config(settings: Any) -> dict[str, Any]:
    """The driver's time limits: connecting, taking a connection from the pool, and retrying a read all
    end within ``neo4j_connection_timeout``, so a request answers 503 soon when the server is down (the
    driver's defaults wait up to a minute); writes get their own longer retry (:data:`WRITE_RETRY_SECONDS`)."""
    limit = float(settings.neo4j_connection_timeout)
    # a read is retried (a pooled connection the server dropped) for half the limit, first after a tenth
    return {**_DRIVER_CONFIG, "connection_timeout": limit, "connection_acquisition_timeout": limit,
            "max_transaction_retry_time": limit / 2, "initial_retry_delay": limit / 10}


def _query_error(exc: Any) -> QueryError:
    """The error to raise for a Neo4jError a query got (by its status code)."""
    code = exc.code or ""
    if "TransactionTimedOut" in code:  # also TransactionTimedOutClientConfiguration
        return QueryTimeout("the query ran past the time limit (POLICYKG_QUERY_TIMEOUT) and was stopped")
    if "ForbiddenDueToTransactionType" in code:
        return ReadOnlyViolation(f"refused: only reads are allowed here ({exc.message})")
    if "MemoryPoolOutOfMemoryError" in code or "TransactionMemoryLimit" in code:
        return QueryOutOfMemory(f"the query needs more memory than Neo4j lets a transaction use "
                                f"(db.memory.transaction.max and the server's memory pools): {exc.message}",
                                code=code, setting="db.memory.transaction.max")
    return QueryError(f"Neo4j: {exc.message}", code=code)


def _unavailable(exc: Exception, uri: str) -> BackendUnavailable:
    if isinstance(exc, nx.AuthError):
        return BackendUnavailable(
            f"Neo4j at {uri} refused the credentials: check NEO4J_USER and NEO4J_PASSWORD.",
            setting="NEO4J_PASSWORD",
        )
    return BackendUnavailable(
        f"cannot reach Neo4j at {uri} ({type(exc).__name__}: {exc}). Check NEO4J_URI, and that the "
        "server is running (for development: scripts/neo4j-dev start).",
        setting="NEO4J_URI",
    )


class Neo4jBackend(Backend):
    name = "neo4j"

    def __init__(self, settings: Any, schema: Any = None) -> None:
        super().__init__(settings, schema)
        self.uri = settings.neo4j_uri
        self.database = settings.neo4j_database
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
        self._auth = (settings.neo4j_user, password)
        try:
            self.driver = GraphDatabase.driver(self.uri, auth=self._auth, **_connection_config(settings))
            self.driver.verify_connectivity()
        except (nx.ServiceUnavailable, nx.AuthError, nx.ConfigurationError, ValueError, OSError) as exc:
            raise _unavailable(exc, self.uri) from None
        self._version: str | None = None
        # the asynchronous driver of each event loop that ran a lookup (alookup); its connections belong
        # to that loop
        self._adrivers: dict[asyncio.AbstractEventLoop, neo4j.AsyncDriver] = {}

    # --- plumbing -----------------------------------------------------------------------------
    def _value(self, v: Any) -> Any:
        if isinstance(v, Node):
            return {"_label": next(iter(v.labels), None), **{k: self._value(x) for k, x in v.items()}}
        if isinstance(v, Relationship):
            return {"_type": v.type, **{k: self._value(x) for k, x in v.items()}}
        if isinstance(v, Path):
            return {"_path": [self._value(n) for n in v.nodes], "_rels": [self._value(r) for r in v.relationships]}
        if isinstance(v, (neo4j.time.Date, neo4j.time.DateTime)):
            return v.iso_format()
        if isinstance(v, list):
            return [self._value(x) for x in v]
        if isinstance(v, dict):
            return {k: self._value(x) for k, x in v.items()}
        return plain(v)

    def _run_tx(self, cypher: str, params: dict[str, Any], *, write: bool, timeout: float,
                max_rows: int | None = None) -> Result:
        @neo4j.unit_of_work(timeout=timeout)
        def work(tx: neo4j.ManagedTransaction) -> Result:
            res = tx.run(cypher, params)
            columns = list(res.keys())
            rows: list[list[Any]] = []
            truncated = False
            for record in res:
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append([self._value(v) for v in record.values()])
            return Result(columns, rows, truncated)

        try:
            if write:
                with self.driver.session(database=self.database, max_transaction_retry_time=WRITE_RETRY_SECONDS,
                                         initial_retry_delay=1.0) as session:
                    return session.execute_write(work)
            with self.driver.session(database=self.database) as session:
                return session.execute_read(work)
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError) as exc:
            raise _unavailable(exc, self.uri) from None
        except nx.Neo4jError as exc:
            raise _query_error(exc) from None

    def execute(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Result:
        return self._run_tx(cypher, params or {}, write=write, timeout=self.settings.query_timeout)

    def lookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """A generated key lookup or expansion (Backend.find_nodes / expand: reads, values as
        parameters) as one auto-commit READ statement: RUN and PULL go in one round trip, where a
        managed transaction (``execute_read``) adds a BEGIN and a COMMIT, about as long again as these
        statements themselves. A connection that the server dropped is retried once, on a new one."""
        query = neo4j.Query(cypher, timeout=self.settings.query_timeout)
        for last in (False, True):
            with self._lookup_errors(last):
                with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                    res = session.run(query, params)
                    return Result(list(res.keys()), [self._row(record) for record in res])
        raise AssertionError("unreachable")  # pragma: no cover

    def _path_cypher(self, source_key: str, source_label: str, target_key: str, target_label: str) -> str:
        return (f"MATCH (a:{source_label} {{{quote_name(source_key)}: $source}}), "
                f"(b:{target_label} {{{quote_name(target_key)}: $target}})\n"
                f"MATCH p = shortestPath((a)-[*..{int(self.MAX_PATH)}]-(b))\n"
                "RETURN [n IN nodes(p) | n.id] AS nodes, [r IN relationships(p) | type(r)] AS types, length(p) AS length, "
                "[r IN relationships(p) | startNode(r).id] AS rel_sources")

    async_lookups = True

    async def alookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """:meth:`lookup` through the driver's asynchronous API, on the running event loop: no hand-off to
        a worker thread and back, which costs more than the asynchronous driver's own overhead for a
        small answer.

        For a large answer it is the other way round: the asynchronous driver reads many rows more
        slowly than the synchronous one, and decoding them would hold the loop. So at most
        ``ASYNC_ROWS`` rows are read here; an answer with more is left (the server discards the rest) and
        read again with :meth:`lookup` in a thread."""
        query = neo4j.Query(cypher, timeout=self.settings.query_timeout)
        for last in (False, True):
            with self._lookup_errors(last):
                # a first batch of ASYNC_ROWS + 1 rows tells a large answer (the driver asks 1,000 by default)
                async with self._adriver().session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                                   fetch_size=self.ASYNC_ROWS + 1) as session:
                    res = await session.run(query, params)
                    columns = list(res.keys())
                    records = await res.fetch(self.ASYNC_ROWS + 1)
                    if len(records) <= self.ASYNC_ROWS:
                        return Result(columns, [self._row(record) for record in records])
                    await res.consume()  # the server discards the rest, unread
                break  # a large answer
        return await asyncio.to_thread(self.lookup, cypher, params, keep=keep)

    #: the most rows :meth:`alookup` reads on the event loop: decoding more would hold up other requests
    ASYNC_ROWS = 256

    def _row(self, record: Any) -> list[Any]:
        value = self._value
        return [v if v is None or type(v) in _PLAIN else value(v) for v in record.values()]

    @contextmanager
    def _lookup_errors(self, last: bool) -> Iterator[None]:
        """The errors of a lookup as policykg's; a dropped connection is swallowed (to be tried again)
        unless this is the ``last`` try."""
        try:
            yield
        except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
            if last:
                raise _unavailable(exc, self.uri) from None
        except nx.AuthError as exc:
            raise _unavailable(exc, self.uri) from None
        except nx.Neo4jError as exc:
            raise _query_error(exc) from None

    def _adriver(self) -> neo4j.AsyncDriver:
        """The asynchronous driver of the running event loop (made at its first use there)."""
        loop = asyncio.get_running_loop()
        driver = self._adrivers.get(loop)
        if driver is None:
            for old in [old for old in self._adrivers if old.is_closed()]:  # loops that ended without aclose
                del self._adrivers[old]
            driver = self._adrivers[loop] = neo4j.AsyncGraphDatabase.driver(
                self.uri, auth=self._auth, **_connection_config(self.settings))
        return driver

    async def aclose(self) -> None:
        driver = self._adrivers.pop(asyncio.get_running_loop(), None)
        if driver is not None:
            await driver.close()

    def engine_version(self) -> str:
        if self._version is None:
            try:
                records, _, _ = self.driver.execute_query(
                    "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0], edition",
                    routing_=RoutingControl.READ, database_=self.database,
                )
                r = records[0]
                self._version = f"{r[0]} {r[1]} {r[2]}"
            except (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError) as exc:
                raise _unavailable(exc, self.uri) from None
            except nx.Neo4jError:
                self._version = "Neo4j"
        return self._version

    # Neo4j Community reports no last-committed transaction id, so writes through policykg stamp a
    # single node of a label outside the schema with a fresh random token (writes made outside
    # policykg, e.g. by hand in the Neo4j browser, are not seen until the next policykg write).
    _META = "_PolicykgMeta"

    VERSION_TTL = 1.0  # a round trip: asked at most once a second (writes by this process count at once)
    VERSION_GRACE = 2.0  # and asked again in the background meanwhile (Backend.known_data_version)

    def identity(self) -> str:
        return f"neo4j:{self.uri}/{self.database}"

    def _engine_data_version(self) -> str:
        res = self.execute(f"OPTIONAL MATCH (m:{self._META} {{key: 'data'}}) RETURN m.version")
        return str(res.rows[0][0]) if res.rows and res.rows[0][0] is not None else "-"

    def _stamp_change(self) -> None:
        self.execute(f"MERGE (m:{self._META} {{key: 'data'}}) SET m.version = randomUUID()", write=True)

    # --- schema ------------------------------------------------------------------------------
    def ddl(self) -> list[str]:
        """Constraints and indexes for the schema (names prefixed ``policykg_``)."""
        stmts = []
        for nt in self.schema.nodes.values():
            stmts.append(
                f"CREATE CONSTRAINT policykg_{nt.label}_{nt.key} IF NOT EXISTS "
                f"FOR (n:{nt.label}) REQUIRE n.{_q(nt.key)} IS UNIQUE"
            )
            for prop in nt.indexes:
                stmts.append(
                    f"CREATE INDEX policykg_{nt.label}_{prop} IF NOT EXISTS FOR (n:{nt.label}) ON (n.{_q(prop)})"
                )
        return stmts

    def apply_schema(self) -> None:
        """Create what :meth:`ddl` lists and is missing. Several processes may do this at once (the workers
        of ``serve --workers``): ``IF NOT EXISTS`` does not cover a rule that another transaction creates
        meanwhile, for which Neo4j answers EquivalentSchemaRuleAlreadyExists — the rule is there, as asked."""
        for stmt in self.ddl():
            try:
                self.driver.execute_query(stmt, database_=self.database)
            except (nx.ServiceUnavailable, nx.AuthError) as exc:
                raise _unavailable(exc, self.uri) from None
            except nx.ClientError as exc:
                if exc.code != "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists":
                    raise
        self.driver.execute_query("CALL db.awaitIndexes(300)", database_=self.database)

    # --- writes ------------------------------------------------------------------------------
    def _upsert_nodes(self, label: str, rows: list[dict[str, Any]], merge: bool = False) -> None:
        nt = self.schema.node(label)
        op = "+=" if merge else "="  # rows carry no nulls (see _props): += keeps what they leave out
        cypher = f"UNWIND $rows AS row MERGE (n:{label} {{{_q(nt.key)}: row.{_q(nt.key)}}}) SET n {op} row"
        for part in chunks(rows, BATCH):
            self.execute(cypher, {"rows": [self._props(r) for r in part]}, write=True)

    @staticmethod
    def _props(row: dict[str, Any]) -> dict[str, Any]:
        # Neo4j stores no nulls: a missing property reads back as null, as in Ladybug.
        return {k: v for k, v in row.items() if v is not None}

    def _upsert_rels(self, rel_type: str, from_label: str, to_label: str, rows: list[dict[str, Any]]) -> None:
        cypher = (
            f"UNWIND $rows AS row MATCH (a:{from_label} {{id: row.from}}) MATCH (b:{to_label} {{id: row.to}}) "
            f"MERGE (a)-[r:{rel_type}]->(b) SET r = row.props"
        )
        for part in chunks(rows, BATCH):
            payload = [
                {"from": r["from"], "to": r["to"],
                 "props": self._props({k: v for k, v in r.items() if k not in ("from", "to")})}
                for r in part
            ]
            self.execute(cypher, {"rows": payload}, write=True)

    # --- bulk writes from Arrow tables (Backend.write_tables) -------------------------------------
    # Columns go as one list parameter each and rows are addressed by index: no map per row is
    # built in Python. A null makes no property (SET n.p = null on a new node; a null in the map of
    # `SET n = {...}` removes the property), as Neo4j stores no nulls.
    WRITE_BATCH = 20_000

    def _has_any(self, pattern: str) -> bool:
        res = self.execute(f"MATCH {pattern} RETURN count(*) > 0")
        return bool(res.rows and res.rows[0][0])

    @staticmethod
    def _columns(part: Any, names: list[str]) -> dict[str, list[Any]]:
        return {f"c{i}": part.column(name).to_pylist() for i, name in enumerate(names)}

    def _write_node_table(self, label: str, table: Any, known_new: bool = False) -> Any:
        import pyarrow as pa
        import pyarrow.compute as pc

        nt = self.schema.node(label)
        names = list(table.column_names)
        k = names.index(nt.key)
        others = [(i, n) for i, n in enumerate(names) if n != nt.key]
        create = (f"UNWIND range(0, size($c{k}) - 1) AS i CREATE (n:{label} {{{_q(nt.key)}: $c{k}[i]}}) "
                  + ("SET " + ", ".join(f"n.{_q(n)} = $c{i}[i]" for i, n in others) if others else ""))
        replace = (f"UNWIND range(0, size($c{k}) - 1) AS i MATCH (n:{label} {{{_q(nt.key)}: $c{k}[i]}}) "
                   "SET n = {" + ", ".join(f"{_q(n)}: $c{i}[i]" for i, n in enumerate(names)) + "}")
        check = not known_new and self._has_any(f"(n:{label})")
        created = []
        for start in range(0, table.num_rows, self.WRITE_BATCH):
            part = table.slice(start, self.WRITE_BATCH)
            if check:
                keys = part.column(nt.key).to_pylist()
                res = self.execute(f"UNWIND $ids AS i MATCH (n:{label} {{{_q(nt.key)}: i}}) RETURN i", {"ids": keys})
                mask = pc.is_in(part.column(nt.key), value_set=pa.array([r[0] for r in res.rows], pa.string()))
                new, old = part.filter(pc.invert(mask)), part.filter(mask)
            else:
                new, old = part, None
            if new.num_rows:
                self.execute(create, self._columns(new, names), write=True)
                created.append(new.column(nt.key).combine_chunks())
            if old is not None and old.num_rows:
                self.execute(replace, self._columns(old, names), write=True)
        return pa.concat_arrays(created) if created else pa.array([], pa.string())

    def _write_rel_table(self, rel_type: str, from_label: str, to_label: str, table: Any,
                         surely_new: Any = None) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        names = list(table.column_names)  # from, to, properties
        props = [(i, n) for i, n in enumerate(names) if n not in ("from", "to")]
        match = f"UNWIND range(0, size($c0) - 1) AS i MATCH (a:{from_label} {{id: $c0[i]}}) MATCH (b:{to_label} {{id: $c1[i]}}) "
        create = match + f"CREATE (a)-[r:{rel_type}]->(b)" + (
            " SET " + ", ".join(f"r.{_q(n)} = $c{i}[i]" for i, n in props) if props else "")
        replace = (f"UNWIND range(0, size($c0) - 1) AS i MATCH (a:{from_label} {{id: $c0[i]}})-[r:{rel_type}]->"
                   f"(b:{to_label} {{id: $c1[i]}}) SET r = {{" + ", ".join(f"{_q(n)}: $c{i}[i]" for i, n in props) + "}")
        check = self._has_any(f"()-[r:{rel_type}]->()")
        for start in range(0, table.num_rows, self.WRITE_BATCH):
            part = table.slice(start, self.WRITE_BATCH)
            sure = surely_new.slice(start, self.WRITE_BATCH) if surely_new is not None else None
            if check and (sure is None or not pc.all(sure).as_py()):
                cols = self._columns(part, names)
                res = self.execute(
                    f"UNWIND range(0, size($c0) - 1) AS i MATCH (a:{from_label} {{id: $c0[i]}})-[:{rel_type}]->"
                    f"(b:{to_label} {{id: $c1[i]}}) RETURN DISTINCT i", {"c0": cols["c0"], "c1": cols["c1"]})
                mask = pa.array(pc.is_in(pa.array(range(part.num_rows)),
                                         value_set=pa.array([r[0] for r in res.rows], pa.int64())))
                new, old = part.filter(pc.invert(mask)), part.filter(mask)
            else:
                new, old = part, None
            if new.num_rows:
                self.execute(create, self._columns(new, names), write=True)
            if old is not None and old.num_rows:
                self.execute(replace, self._columns(old, names), write=True)

    def clear(self) -> None:
        # Relationships first, in batches: DETACH DELETE of a hub (a place, an industry) with all its
        # relationships in one transaction can run past any time limit.
        for stmt in ("MATCH ()-[r]->() WITH r LIMIT 50000 DELETE r RETURN count(*) AS c",
                     "MATCH (n) WITH n LIMIT 50000 DETACH DELETE n RETURN count(*) AS c"):
            while True:
                res = self.execute(stmt, write=True)
                if not res.rows or res.rows[0][0] == 0:
                    break
        self._changed()

    def drop_schema(self) -> None:
        """Drop this project's constraints and indexes (tests use it to start from nothing)."""
        for kind, plural in (("CONSTRAINT", "CONSTRAINTS"), ("INDEX", "INDEXES")):
            records, _, _ = self.driver.execute_query(
                f"SHOW {plural} YIELD name WHERE name STARTS WITH 'policykg_' RETURN name", database_=self.database
            )
            for r in records:
                self.driver.execute_query(f"DROP {kind} {_q(r['name'])} IF EXISTS", database_=self.database)

    # --- bulk reads --------------------------------------------------------------------------
    def query_arrow(self, name: str, params: dict[str, Any] | None = None,
                    batch_size: int = 200_000) -> Iterator[Any]:
        """Backend.query_arrow: the records streamed from one read transaction (the driver fetches them
        in batches; nothing holds the whole answer), converted to Arrow ``batch_size`` rows at a time."""
        import pyarrow as pa

        q = get_query(name)
        cypher, bound = q.cypher(self.name), q.bind(params or {})

        def table(columns: list[str], rows: list[list[Any]]) -> Any:
            cols = []
            for c in zip(*rows, strict=True):
                values = list(c)
                if any(v is not None and not isinstance(v, (str, int, float, bool)) for v in values):
                    values = [self._value(v) for v in values]
                cols.append(pa.array(values))
            return pa.Table.from_arrays(cols, names=columns)

        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session, \
                    session.begin_transaction(timeout=self.settings.query_timeout) as tx:
                res = tx.run(cypher, bound)
                columns = list(res.keys())
                rows: list[list[Any]] = []
                for record in res:
                    rows.append(record.values())
                    if len(rows) >= batch_size:
                        yield table(columns, rows)
                        rows = []
                if rows:
                    yield table(columns, rows)
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.AuthError) as exc:
            raise _unavailable(exc, self.uri) from None
        except nx.Neo4jError as exc:
            raise _query_error(exc) from None

    # --- user Cypher -------------------------------------------------------------------------
    def read_cypher(self, cypher: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
                    max_rows: int | None = None) -> Result:
        """User Cypher, guarded (:mod:`policykg.graph.guard`): the server plans it (``EXPLAIN``, which runs
        nothing and refuses more than one statement), the plan must be a read of this database with no
        file or URL read, no procedure but the schema readers, no administration command; then it runs in
        a READ transaction with a time limit."""
        text = guard.screen(cypher)
        params = params or {}
        timeout = timeout if timeout is not None else self.settings.query_timeout
        try:
            _, summary, _ = self.driver.execute_query(
                neo4j.Query("EXPLAIN " + text, timeout=timeout), params, routing_=RoutingControl.READ,
                database_=self.database)
        except (nx.ServiceUnavailable, nx.AuthError) as exc:
            raise _unavailable(exc, self.uri) from None
        except nx.Neo4jError as exc:
            if "exactly one statement" in (exc.message or ""):
                raise guard.refuse("more than one statement (the engine parsed several)") from None
            raise QueryError(f"Neo4j: {exc.message}", code=exc.code) from None
        guard.check_neo4j_plan(summary.query_type, summary.plan, self.database, summary.database)
        max_rows = max_rows if max_rows is not None else self.settings.max_rows
        return self._run_tx(text, params, write=False, timeout=timeout, max_rows=max_rows)

    def close(self) -> None:
        self._adrivers.clear()  # each is closed by aclose() on its own loop, before the loop ends
        self.driver.close()
