"""The read side generated from the schema: nodes by id whatever their label, their expansions, and
shortest paths between two nodes (:class:`KeyLookups`, a part of every :class:`~policykg.graph.base.Backend`).

``MATCH (n {id: $id})`` names no label, so neither engine can use a key index: Neo4j scans every
node, Ladybug every table. These lookups seek the key of each schema label instead, and expand a
node through the relationship types the schema allows it, each branch typed at both ends. Labels
and types come from the schema only; ids are always parameters. The answers are those of the
catalogue queries ``nodes_by_id`` and ``neighbours`` (tests/test_perf_paths.py).
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Iterable
from typing import Any

from policykg.graph.rows import Result, chunks, quote_name
from policykg.graph.schema import Schema


class KeyLookups(abc.ABC):
    """Statements generated from the schema for reads by key; a backend supplies :meth:`execute`
    (and may run the lookups its own way: :meth:`lookup`, :meth:`alookup`, :meth:`_path_cypher`)."""

    schema: Schema

    @abc.abstractmethod
    def execute(self, cypher: str, params: dict[str, Any] | None = None, *, write: bool = False) -> Result:
        """Run trusted Cypher: a catalogue statement or one generated from the schema, values as
        parameters; never a user's text (that is :meth:`Backend.read_cypher`). ``write``: as a write."""

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

    def lookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """Run a generated key lookup (a read); a backend may keep such statements prepared (``keep``:
        True, worth keeping: small and run on every request; ``"recent"``: worth keeping while it is
        among the few used last, as an expansion by one label)."""
        return self.execute(cypher, params)

    #: :meth:`alookup` runs on the event loop itself (the engine's client is asynchronous), not in a thread
    async_lookups: bool = False

    async def alookup(self, cypher: str, params: dict[str, Any], *, keep: bool | str = True) -> Result:
        """:meth:`lookup` for a caller on an event loop (the API). This default runs it in a worker thread;
        a backend whose client is asynchronous answers on the loop (:attr:`async_lookups`)."""
        return await asyncio.to_thread(self.lookup, cypher, params, keep=keep)

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
                for r in self.lookup(cypher, params, keep=keep).records()]

    async def afind_nodes(self, ids: Iterable[str]) -> list[dict[str, Any]]:
        """:meth:`find_nodes` on an event loop (:meth:`alookup`)."""
        return [r for cypher, params, keep in self._find_statements(ids)
                for r in (await self.alookup(cypher, params, keep=keep)).records()]

    def _find_statements(self, ids: Iterable[str]) -> list[tuple[str, dict[str, Any], bool | str]]:
        """The statements of :meth:`find_nodes`: ``(cypher, parameters, keep)`` (see :meth:`lookup`)."""
        ids = list(dict.fromkeys(i for i in ids if i is not None))
        if not ids:
            return []
        cache = self._lookup_cache()
        if len(ids) == 1:
            # one id (a neighbourhood's centre, on every request): a seek per label on `$id`, without
            # the UNWIND, which costs Ladybug as much as the seek
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
    #: (for every branch, most of a small expansion's time). The cap is an int of ours, never a
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
            if limit:  # each branch stops after cap rows: a hub (an industry and all its firms) is not read whole
                branches = [b + limit for b in branches]
            cache[key] = "\nUNION ALL\n".join(branches) if branches else None
        return cache[key]

    #: the longest path :meth:`shortest_path` looks for, in relationships
    MAX_PATH = 6

    def shortest_path(self, source: tuple[str, str], target: tuple[str, str]) -> dict[str, Any] | None:
        """One shortest path between two nodes given as ``(id, label)`` (up to :attr:`MAX_PATH`
        relationships, either direction), or None: ``{nodes: [ids], types: [relationship types],
        forward: [bool], length}``, where ``forward[i]`` says the i-th relationship goes from ``nodes[i]``
        to ``nodes[i + 1]`` (read from the path itself: expanding its nodes to learn it would read whole
        hubs, every firm of an industry).

        The ends are matched by their label and key, an index seek, where the catalogue's
        ``shortest_path`` (which knows no labels) looks the ids up in every node, a scan that grows with
        the graph; the directions come from the path, not from expanding its nodes."""
        cache = self._lookup_cache()
        key = ("path", source[1], target[1])
        if key not in cache:
            cache[key] = self._path_cypher(self.schema.node(source[1]).key, source[1],
                                           self.schema.node(target[1]).key, target[1])
        # prepared for this run only: a search's plan and buffers are not worth keeping (see lookup)
        rows = self.lookup(cache[key], {"source": source[0], "target": target[0]}, keep=False).records()
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
        neighbourhood has as many rows as the cap allows)."""
        return [r for cypher, params, keep in self._expand_statements(nodes, cap)
                for r in self.lookup(cypher, params, keep=keep).rows]

    async def aexpand_rows(self, nodes: dict[str, str], cap: int | None = None) -> list[list[Any]]:
        """:meth:`expand_rows` on an event loop (:meth:`alookup`)."""
        return [r for cypher, params, keep in self._expand_statements(nodes, cap)
                for r in (await self.alookup(cypher, params, keep=keep)).rows]

    def _expand_statements(self, nodes: dict[str, str],
                           cap: int | None = None) -> list[tuple[str, dict[str, Any], bool | str]]:
        """The statements of :meth:`expand_rows`: ``(cypher, parameters, keep)`` (see :meth:`lookup`)."""
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
