"""Ladybug's client as the embedded backend uses it: answers read into plain values, and statements
prepared once per connection and kept (:class:`PreparedStatements`)."""

from __future__ import annotations

import warnings
from typing import Any

import ladybug
import pyarrow as pa

from policykg.graph.rows import plain

_PLAIN_ARROW = (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_floating,
                pa.types.is_boolean, pa.types.is_null)


def rows_by_column(res: Any) -> list[list[Any]] | None:
    """A large answer's rows through Ladybug's Arrow export, converted column by column in C (row by
    row, ``get_next`` and :func:`value` pay Python's cost for every value, which a hub's answer multiplies).
    Only for plain columns (strings, numbers, booleans), whose values need no conversion; None
    otherwise, and the caller reads the rows one by one."""
    types = res.get_column_data_types()
    if not all(t in ("STRING", "INT64", "INT32", "DOUBLE", "BOOL") for t in types):
        return None
    table = res.get_as_arrow()
    if not all(any(ok(f.type) for ok in _PLAIN_ARROW) for f in table.schema):
        return None
    return [list(r) for r in zip(*(c.to_pylist() for c in table.columns), strict=True)]


def value(v: Any) -> Any:
    """One value of a Ladybug answer as policykg gives it (a node, relationship or path as a dict)."""
    if isinstance(v, dict) and "_LABEL" in v:
        # Ladybug returns every column of a table, null or not; Neo4j stores no nulls. Drop them.
        out = {k: plain(x) for k, x in v.items() if not k.startswith("_") and x is not None}
        if "_SRC" in v:
            return {"_type": v["_LABEL"], **out}
        if "_NODES" in v:
            return {"_path": [value(n) for n in v["_NODES"]], "_rels": [value(r) for r in v.get("_RELS", [])]}
        return {"_label": v["_LABEL"], **out}
    return plain(v)


def close_quietly(thing: Any) -> None:
    try:
        thing.close()
    except Exception:  # noqa: BLE001 - closing is best effort
        pass


def prepare(conn: ladybug.Connection, cypher: str) -> Any:
    """``cypher`` prepared on ``conn``, or the text itself when it fails to prepare (it then runs as
    text, so that errors keep their usual form)."""
    try:
        with warnings.catch_warnings():  # prepare() is deprecated in Ladybug 0.22 (pinned), not gone
            warnings.simplefilter("ignore", DeprecationWarning)
            stmt = conn.prepare(cypher)
    except RuntimeError:
        return cypher
    return stmt if stmt.is_success() else cypher


class PreparedStatements:
    """Statements kept prepared per connection: key lookups (at most ``max_kept`` in all) and, per
    connection, the ``keep_recent`` expansions used last.

    A prepared key lookup lets Ladybug skip parsing, planning and its checks of the text for Python
    scans (a parameterless string is even planned anew each time), which cost more than these lookups
    themselves. Only key lookups are kept: a prepared statement holds on to its operators' buffers (hash
    tables of a scan, a shortest-path search) until it runs again. Ladybug binds a prepared statement
    again when the tables change."""

    def __init__(self, keep_recent: int, max_kept: int) -> None:
        self.keep_recent = keep_recent
        self.max_kept = max_kept
        self.kept: dict[tuple[int, str], Any] = {}  # (connection, text) -> prepared key lookup
        self.recent: dict[int, dict[str, Any]] = {}  # connection -> text -> prepared expansion, last used last

    def statement(self, conn: ladybug.Connection, cypher: str, keep: bool | str) -> Any:
        """The statement to run ``cypher`` with: kept (``keep``), among the recent ones
        (``keep="recent"``), or prepared for this run only; the text when it fails to prepare."""
        if keep == "recent":
            return self._recent(conn, cypher)
        return self._kept(conn, cypher) if keep else prepare(conn, cypher)

    def _kept(self, conn: ladybug.Connection, cypher: str) -> Any:
        key = (id(conn), cypher)
        stmt = self.kept.get(key)
        if stmt is None:
            stmt = prepare(conn, cypher)
            if isinstance(stmt, str):
                return stmt
            if len(self.kept) < self.max_kept:
                self.kept[key] = stmt
        return stmt

    def _recent(self, conn: ladybug.Connection, cypher: str) -> Any:
        """The prepared statement for ``cypher`` among this connection's recent ones (most recent last),
        the least recently used closed beyond ``keep_recent``."""
        recent = self.recent.setdefault(id(conn), {})
        stmt = recent.pop(cypher, None)
        if stmt is None:
            stmt = prepare(conn, cypher)
            if isinstance(stmt, str):
                return stmt
        recent[cypher] = stmt
        while len(recent) > self.keep_recent:
            old = recent.pop(next(iter(recent)))
            old.close()
        return stmt

    def release(self, conn: ladybug.Connection, cypher: str, stmt: Any, kept: bool) -> None:
        """Close ``stmt`` unless it is to be kept and is held here (not held: the cache was full)."""
        key = (id(conn), cypher)
        recent = self.recent.get(id(conn), {})
        held = self.kept.get(key) is stmt or recent.get(cypher) is stmt
        if kept and held:
            return
        if self.kept.get(key) is stmt:
            del self.kept[key]
        if recent.get(cypher) is stmt:
            del recent[cypher]
        stmt.close()

    def forget(self, conn: ladybug.Connection) -> None:
        """Close the statements of ``conn`` (a connection about to be closed)."""
        for key in [k for k in self.kept if k[0] == id(conn)]:
            close_quietly(self.kept.pop(key))
        for stmt in self.recent.pop(id(conn), {}).values():
            close_quietly(stmt)

    def close(self) -> None:
        for stmt in [*self.kept.values(), *(s for r in self.recent.values() for s in r.values())]:
            close_quietly(stmt)
        self.kept.clear()
        self.recent.clear()
