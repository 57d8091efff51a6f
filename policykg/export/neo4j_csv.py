"""Files for ``neo4j-admin database import full``: the fastest way into an empty Neo4j database.

One pair of files per node label and per relationship endpoint pair: a header file and a data
file (UTF-8, comma-separated, every text value quoted, quotes doubled, newlines kept inside quoted
fields). Node headers: ``id:ID(Label)`` (the key, stored as the ``id`` property, in the label's own
id space), ``:LABEL`` and each property with its type — ``name:string``, ``number:long``,
``value:double``, ``listed:boolean``, ``founded:date``, ``synonyms:string[]`` (items joined by the
array delimiter, ``;`` unless a value contains it). Relationship headers: ``:START_ID(From)``,
``:END_ID(To)``, ``:TYPE`` and the properties. ``import.sh`` holds the exact command, and
``README.txt`` says how to run it; :func:`import_command` gives the arguments.

Values: a missing value is an empty unquoted field (no property); an empty text is ``""``. The
import tool stores no empty lists (an empty field is no property), so the nodes whose list is empty
are set by ``post-import.cypher``, to run once after the import (``cypher-shell -f``).
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from policykg.errors import ValidationError
from policykg.graph.base import GraphBatch
from policykg.graph.schema import Property, Schema, load_schema
from policykg.graph.types import neo4j_import_type

ARRAY_DELIMITERS = (";", "|", "\u001f")


def _text(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _field(value: Any, prop: Property, array_delimiter: str) -> str:
    if value is None:
        return ""
    t = prop.type
    if t == "string":
        return _text(str(value))
    if t == "string[]":
        return _text(array_delimiter.join(str(v) for v in value)) if value else ""
    if t == "bool":
        return "true" if value else "false"
    if t == "date":
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    if t == "float":
        return repr(float(value))
    return str(int(value))


def _line(fields: list[str]) -> str:
    return ",".join(fields) + "\n"


def _list_items(label: str, rows: Iterable[dict[str, Any]], schema: Schema) -> set[str]:
    lists = [p.name for p in schema.node(label).properties.values() if p.type == "string[]"]
    return {str(v) for r in rows for name in lists for v in (r.get(name) or [])} if lists else set()


def choose_array_delimiter(batch: GraphBatch, schema: Schema) -> str:
    """``;`` unless a list item contains it (then ``|``, then the unit separator U+001F)."""
    items: set[str] = set()
    for label, rows in batch.nodes.items():
        items |= _list_items(label, rows, schema)
    return _delimiter(items)


def _delimiter(items: set[str]) -> str:
    for d in ARRAY_DELIMITERS:
        if not any(d in item for item in items):
            return d
    raise ValidationError("every array delimiter candidate occurs inside a list value", field="array_delimiter")


class _Files:
    """Header and data files, written label by label and type by type (rows may come in pages)."""

    def __init__(self, out: Path, schema: Schema, delim: str) -> None:
        self.out, self.schema, self.delim = out, schema, delim
        out.mkdir(parents=True, exist_ok=True)
        self.nodes: dict[str, list[Any]] = {}  # label -> [header, data, count]
        self.rels: dict[tuple[str, str, str], list[Any]] = {}
        self.empty_lists: dict[tuple[str, str], list[str]] = {}

    def _open(self, stem: str, header: list[str]) -> list[Any]:
        hpath, dpath = self.out / f"{stem}.header.csv", self.out / f"{stem}.csv"
        hpath.write_text(_line(header), encoding="utf-8")
        dpath.write_text("", encoding="utf-8")
        return [hpath, dpath, 0]

    def add_nodes(self, label: str, rows: list[dict[str, Any]]) -> None:
        nt = self.schema.node(label)
        props = [p for p in nt.properties.values() if p.name != nt.key]
        if label not in self.nodes:
            self.nodes[label] = self._open(f"nodes_{label}", [f"{nt.key}:ID({label})", ":LABEL"]
                                           + [f"{p.name}:{neo4j_import_type(p.type)}" for p in props])
        entry, key_prop, d = self.nodes[label], nt.properties[nt.key], self.delim
        with entry[1].open("a", encoding="utf-8", newline="") as f:
            for r in rows:
                f.write(_line([_field(r[nt.key], key_prop, d), label] + [_field(r.get(p.name), p, d) for p in props]))
                for p in props:
                    if p.type == "string[]" and r.get(p.name) == []:
                        self.empty_lists.setdefault((label, p.name), []).append(str(r[nt.key]))
        entry[2] += len(rows)

    def add_rels(self, rel_type: str, a: str, b: str, rows: list[dict[str, Any]]) -> None:
        props = list(self.schema.check_endpoints(rel_type, a, b).properties.values())
        key = (rel_type, a, b)
        if key not in self.rels:
            self.rels[key] = self._open(f"rels_{rel_type}_{a}_{b}", [f":START_ID({a})", f":END_ID({b})", ":TYPE"]
                                        + [f"{p.name}:{neo4j_import_type(p.type)}" for p in props])
        entry, d, id_prop = self.rels[key], self.delim, Property("id", "string")
        with entry[1].open("a", encoding="utf-8", newline="") as f:
            for r in rows:
                f.write(_line([_field(r["from"], id_prop, d), _field(r["to"], id_prop, d), rel_type]
                              + [_field(r.get(p.name), p, d) for p in props]))
        entry[2] += len(rows)

    def finish(self, database: str) -> dict[str, Any]:
        nodes = [(label, h, d, n) for label, (h, d, n) in self.nodes.items()]
        rels = [(t, h, d, n) for (t, _, _), (h, d, n) in self.rels.items()]
        return _finish(self.out, nodes, rels, self.delim, database, _post_import(self.empty_lists))


def write(batch: GraphBatch, out: Path, schema: Schema | None = None, *, database: str = "neo4j") -> dict[str, Any]:
    """Write the header and data files of a batch to ``out`` (a folder); returns the files and the command."""
    schema = schema or load_schema()
    files = _Files(out, schema, choose_array_delimiter(batch, schema))
    for label, rows in batch.nodes.items():
        files.add_nodes(label, rows)
    for (rel_type, a, b), rows in batch.relationships.items():
        files.add_rels(rel_type, a, b, rows)
    return files.finish(database)


def write_backend(backend: Any, out: Path, *, database: str = "neo4j") -> dict[str, Any]:
    """The whole graph of a backend, streamed page by page (memory stays flat for large graphs)."""
    from policykg.export.dump import endpoint_pairs, iter_nodes, iter_rels

    schema = backend.schema
    items: set[str] = set()
    for label, nt in schema.nodes.items():  # only labels with list properties (the taxonomy's)
        if any(p.type == "string[]" for p in nt.properties.values()):
            for rows in iter_nodes(backend, label):
                items |= _list_items(label, rows, schema)
    files = _Files(out, schema, _delimiter(items))
    for label in schema.nodes:
        for rows in iter_nodes(backend, label):
            files.add_nodes(label, rows)
    for rel_type, a, b in endpoint_pairs(schema):
        for rows in iter_rels(backend, rel_type, a, b):
            files.add_rels(rel_type, a, b, rows)
    return files.finish(database)


def _post_import(empty: dict[tuple[str, str], list[str]]) -> list[str]:
    out: list[str] = []
    for (label, prop), ids in empty.items():
        ids = sorted(ids)
        for i in range(0, len(ids), 1000):
            part = ", ".join(json.dumps(x, ensure_ascii=False) for x in ids[i:i + 1000])
            out.append(f"MATCH (n:{label}) WHERE n.`id` IN [{part}] SET n.`{prop}` = []")
    return out


def _finish(out: Path, nodes: list[tuple[str, Path, Path, int]], rels: list[tuple[str, Path, Path, int]],
            delim: str, database: str, post: list[str]) -> dict[str, Any]:
    """Write post-import.cypher, import.sh and README.txt; return the files and the command."""
    (out / "post-import.cypher").write_text(
        "// Run once after the import (e.g. cypher-shell -f post-import.cypher): neo4j-admin stores no empty\n"
        "// lists, so the nodes whose list property is empty get it here.\n" + "".join(s + ";\n" for s in post),
        encoding="utf-8")
    args = import_args(out, nodes, rels, delim, database)
    command = "neo4j-admin " + " ".join(shlex.quote(a) for a in args)
    relative = "neo4j-admin " + " ".join(shlex.quote(a) for a in import_args(out, nodes, rels, delim, database,
                                                                             relative=True))
    script = out / "import.sh"
    script.write_text(
        "#!/bin/sh\n"
        "# Import the policykg export into an EMPTY Neo4j 5 database (stop the server first; the\n"
        "# database must not exist or be empty). Then start Neo4j, run post-import.cypher once, and run\n"
        "# any policykg command with POLICYKG_BACKEND=neo4j: it creates the constraints and indexes.\n"
        "# To replace an existing database, add --overwrite-destination=true.\n"
        'cd "$(dirname "$0")" || exit 1\n'
        + relative + "\n",
        encoding="utf-8")
    script.chmod(0o755)
    (out / "README.txt").write_text(
        "policykg export for neo4j-admin database import (Neo4j 5).\n\n"
        "1. Stop the Neo4j server (or use a database that does not exist yet).\n"
        f"2. In this folder, run ./import.sh, that is:\n\n   {relative}\n\n"
        "   (add --overwrite-destination=true to replace an existing database).\n"
        "3. Start Neo4j; if the database did not exist before, run CREATE DATABASE "
        f"{database} in the system database.\n"
        "   Then run post-import.cypher once (cypher-shell -f post-import.cypher): it sets the empty lists.\n"
        "4. Point policykg at it (POLICYKG_BACKEND=neo4j, NEO4J_URI, NEO4J_PASSWORD) and run `policykg stats`:\n"
        "   policykg creates its constraints and indexes (policykg_*) the first time it opens the database.\n\n"
        f"Array delimiter: {delim!r}. Text fields are quoted and may span lines (--multiline-fields=true).\n",
        encoding="utf-8")
    rel_counts: dict[str, int] = {}
    for t, _, _, n in rels:
        rel_counts[t] = rel_counts.get(t, 0) + n
    return {"files": [str(p) for _, h, d, _ in nodes + rels for p in (h, d)]
            + [str(script), str(out / "post-import.cypher"), str(out / "README.txt")],
            "post_import": post, "nodes": {label: n for label, _, _, n in nodes}, "relationships": rel_counts,
            "array_delimiter": delim, "command": command, "args": args}


def import_args(out: Path, nodes: list[tuple[str, Path, Path, int]], rels: list[tuple[str, Path, Path, int]],
                delim: str, database: str = "neo4j", *, relative: bool = False) -> list[str]:
    """The arguments of ``neo4j-admin`` (Neo4j 5 syntax) for the files written."""

    def p(path: Path) -> str:
        return path.name if relative else str(path.resolve())

    args = ["database", "import", "full"]
    args += [f"--nodes={label}={p(h)},{p(d)}" for label, h, d, _ in nodes]
    args += [f"--relationships={t}={p(h)},{p(d)}" for t, h, d, _ in rels]
    args += [f"--array-delimiter={'U+001F' if delim == chr(0x1F) else delim}", "--multiline-fields=true",
             f"--report-file={p(out / 'import.report')}", database]
    return args
