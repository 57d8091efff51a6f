"""The guard for user Cypher (``Backend.read_cypher``): what a user's statement may do is decided by the
engine's own parse and plan, never by patterns over the text.

The engine parses the statement and refuses more than one (Ladybug when it prepares it, Neo4j when it
plans it). Each backend asks its engine for the plan (``EXPLAIN``, which runs nothing) and refuses any plan
that holds an operator other than a read of this graph: a write, a file or URL read (``LOAD CSV``,
``LOAD FROM``), a file write (``COPY … TO``, ``EXPORT``), a procedure or table function outside a short
list of schema readers, an administration command, a transaction statement, another database. The
statement then runs where the engine itself refuses writes: a Ladybug READ ONLY transaction (prepared
inside it, which is when Ladybug checks) that is rolled back, or a Neo4j READ transaction; with a time
limit and a row cap.

:func:`words` is a lexer that skips string literals, back-quoted names and comments. It is a secondary
check only: it refuses ``EXPLAIN``/``PROFILE`` prefixes on both engines and, on Ladybug, the clauses whose
*binding* already opens a file (``LOAD FROM`` reads a CSV header to name its columns) before the plan can be
asked for.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from policykg.errors import QueryError, ReadOnlyViolation


def refuse(reason: str) -> ReadOnlyViolation:
    return ReadOnlyViolation(f"refused: {reason}; only reads of this graph are allowed here", reason=reason)


# --- the lexer -------------------------------------------------------------------------------------
def words(text: str) -> list[str]:
    """The bare words of a Cypher statement in order (identifiers and keywords, upper-cased), outside
    string literals ('…' and "…" with backslash escapes), back-quoted names (`…`, a doubled backquote
    inside) and comments (``//`` to the end of the line, ``/* … */``, not nested, as both engines
    lex them). Raises :class:`ReadOnlyViolation` on an unterminated literal, name or comment."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i += 1
            while i < n and text[i] != c:
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                raise refuse("an unterminated string literal")
            i += 1
        elif c == "`":
            end = text.find("`", i + 1)  # a doubled `` is a closing and an opening one: the same bare words
            if end < 0:
                raise refuse("an unterminated back-quoted name")
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise refuse("an unterminated comment")
            i = end + 2
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            out.append(text[i:j].upper())
            i = j
        else:
            i += 1
    return out


def screen(cypher: str, refused_words: Mapping[str, str] | None = None) -> str:
    """The statement to give the engine (surrounding blanks removed) after the lexical checks: not empty,
    no ``EXPLAIN``/``PROFILE`` prefix (the guard asks for the plan itself; ``PROFILE`` runs the statement),
    none of ``refused_words`` (word -> reason) as a bare word."""
    text = cypher.strip()
    found = words(text)
    if not found:
        raise refuse("no statement given")
    if found[0] in ("EXPLAIN", "PROFILE"):
        raise refuse(f"{found[0]} is added by the server, not accepted from a query")
    for w in found:
        if refused_words and w in refused_words:
            raise refuse(refused_words[w])
    return text


# --- Ladybug ---------------------------------------------------------------------------------------
#: Words whose clauses open a file or a database while the statement is bound, before its plan can be
#: read (the plan check refuses them all as well, once planned).
LADYBUG_WORDS = {
    "LOAD": "LOAD FROM / LOAD EXTENSION reads files",
    "COPY": "COPY reads or writes files",
    "IMPORT": "IMPORT DATABASE reads files",
    "EXPORT": "EXPORT DATABASE writes files",
    "ATTACH": "ATTACH opens another database",
    "INSTALL": "INSTALL downloads an extension",
}

#: Physical operators of Ladybug plans that only read this graph's tables.
LADYBUG_READ_OPERATORS = frozenset({
    "RESULT_COLLECTOR", "PROJECTION", "FILTER", "FLATTEN", "LIMIT", "SKIP", "UNWIND", "EMPTY_RESULT",
    "SCAN_NODE_TABLE", "SCAN_REL_TABLE", "PRIMARY_KEY_SCAN_NODE_TABLE", "QUERY_PRIMARY_KEY_LOOKUP",
    "OFFSET_SCAN_NODE_TABLE",
    "COUNT_REL_TABLE", "RECURSIVE_EXTEND", "PATH_PROPERTY_PROBE", "SEMI_MASKER",
    "HASH_JOIN_BUILD", "HASH_JOIN_PROBE", "INTERSECT_BUILD", "INTERSECT", "CROSS_PRODUCT",
    "AGGREGATE", "AGGREGATE_FINALIZE", "AGGREGATE_SCAN", "MULTIPLICITY_REDUCER", "UNION_ALL_SCAN",
    "ORDER_BY", "ORDER_BY_MERGE", "ORDER_BY_SCAN", "TOP_K", "TOP_K_SCAN", "DUMMY_SINK",
    "TABLE_FUNCTION_CALL",  # each function it calls is checked against LADYBUG_READ_FUNCTIONS
})

#: Table functions a plan may call: Ladybug's own scan of intermediate results, and the schema readers.
LADYBUG_READ_FUNCTIONS = frozenset({
    "READ_FTABLE", "SHOW_TABLES", "TABLE_INFO", "SHOW_CONNECTION", "DB_VERSION", "SHOW_FUNCTIONS",
})

#: What each refused operator does, for the refusal's message.
_LADYBUG_WHY = {
    "COPY_TO": "COPY … TO writes a file", "EXPORT_DATABASE": "EXPORT DATABASE writes files",
    "IMPORT_DATABASE": "IMPORT DATABASE reads files", "ATTACH_DATABASE": "ATTACH opens another database",
    "DETACH_DATABASE": "DETACH changes the attached databases", "USE_DATABASE": "USE switches the database",
    "INSTALL_EXTENSION": "INSTALL downloads an extension", "LOAD_EXTENSION": "LOAD EXTENSION runs a library",
    "UNINSTALL_EXTENSION": "UNINSTALL removes an extension", "TRANSACTION": "a transaction statement",
    "STANDALONE_CALL": "CALL changes a setting", "INSERT": "a write (CREATE)", "MERGE": "a write (MERGE)",
    "SET_PROPERTY": "a write (SET)", "DELETE": "a write (DELETE)", "DROP": "DROP changes the schema",
    "CREATE_TABLE": "CREATE … TABLE changes the schema", "ALTER": "ALTER changes the schema",
}

#: an operator's heading: the only text of its box's line (boxes of sibling operators share a line)
_LB_OPERATOR = re.compile(r"(?:^|│)[ \t]*([A-Z][A-Z0-9_]*)\[(\d+)\][ \t]*(?=│|$)", re.M)
_LB_FUNCTION = re.compile(r"Function: ([A-Za-z0-9_]+)")
_LB_SKIP = re.compile(r"Skip: (\d+)")

#: The deepest SKIP a user's statement may take on Ladybug: 0.22 crashes the process on an ordered SKIP
#: some thousands of rows past the end of the answer (the plan shows the SKIP with parameters bound).
LADYBUG_MAX_SKIP = 5_000


def check_ladybug_plan(plan: str) -> None:
    """Refuse a Ladybug ``EXPLAIN`` plan (its text) unless every operator reads this graph and every table
    function is a schema reader.

    The plan draws each operator as a box headed ``NAME[id]`` (ids 0..n-1) and names a table function as
    ``Function: NAME``. Text the query puts in the plan (an expression) can only add names, which must be
    allowed too; an operator whose heading the pattern misses leaves its id out, and the plan is refused."""
    ops = _LB_OPERATOR.findall(plan)
    if not ops:
        raise refuse("the engine gave no plan to check")
    ids = {int(i) for _, i in ops}
    if ids != set(range(max(ids) + 1)):
        raise refuse("the plan could not be read whole")
    for name, _ in ops:
        if name not in LADYBUG_READ_OPERATORS:
            raise refuse(_LADYBUG_WHY.get(name, f"the plan has {name}"))
    functions = _LB_FUNCTION.findall(plan)
    if len(functions) < sum(name == "TABLE_FUNCTION_CALL" for name, _ in ops):
        raise refuse("a table function of the plan is not named")
    for fn in functions:
        if fn.upper() not in LADYBUG_READ_FUNCTIONS:
            what = "reads a file" if fn.upper().startswith(("READ_", "SCAN_")) else "is not a schema reader"
            raise refuse(f"the table function {fn} {what}")
    deepest = max((int(n) for n in _LB_SKIP.findall(plan)), default=0)
    if deepest > LADYBUG_MAX_SKIP:
        raise refuse(f"SKIP {deepest} is deeper than the embedded engine can take safely ({LADYBUG_MAX_SKIP}); "
                     "page with a WHERE on the ordering key instead")


def prepare_ladybug(conn: Any, text: str) -> Any:
    """A user's statement prepared on a Ladybug connection, which parses and binds it as exactly one
    statement; the engine refuses several ("We do not support prepare multiple statements"), and a write
    in a read-only transaction or database."""
    try:
        with warnings.catch_warnings():  # prepare() is deprecated in Ladybug 0.22 (pinned), not gone
            warnings.simplefilter("ignore", DeprecationWarning)
            stmt = conn.prepare(text)
        msg = "" if stmt.is_success() else stmt.get_error_message()
    except RuntimeError as exc:
        msg = str(exc)
    if "multiple statements" in msg:
        raise refuse("more than one statement (the engine parsed several)")
    if "read-only transaction" in msg or "read-only database" in msg:
        raise refuse(f"the engine counts the statement as a write ({msg})")
    if msg:
        raise QueryError(f"Ladybug: {msg}")
    return stmt


# --- Neo4j -----------------------------------------------------------------------------------------
#: Procedures a plan may call: the schema readers.
NEO4J_PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys", "db.schema.visualization",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties",
})

_NEO4J_WHY = {
    "LoadCSV": "LOAD CSV reads files and URLs",
    "TransactionForeach": "CALL { … } IN TRANSACTIONS", "TransactionApply": "CALL { … } IN TRANSACTIONS",
    "AdministrationCommand": "an administration command",
}


def neo4j_operators(plan: Mapping[str, Any] | None) -> Iterable[tuple[str, str, str]]:
    """``(operator, database, details)`` of every operator of a Neo4j plan (``summary.plan``), children
    included; ``operatorType`` is ``Name@database``."""
    stack = [plan] if plan else []
    while stack:
        node = stack.pop()
        name, _, db = str(node.get("operatorType", "")).partition("@")
        yield name, db, str((node.get("args") or {}).get("Details", ""))
        stack.extend(node.get("children") or ())


def check_neo4j_plan(query_type: str | None, plan: Mapping[str, Any] | None, database: str | None,
                     used_database: str | None) -> None:
    """Refuse a Neo4j ``EXPLAIN`` answer unless the statement reads (query type ``r``), in ``database``,
    with no operator that reads files or URLs, calls a procedure outside :data:`NEO4J_PROCEDURES`, shows or
    terminates transactions, settings or other server state, or commits in batches."""
    ops = list(neo4j_operators(plan))
    if not ops:
        raise refuse("the engine gave no plan to check")
    for db in sorted({db for _, db, _ in ops} | {used_database or ""}):
        if database and db and db != database:
            raise refuse(f"the statement uses the database {db!r}")
    if query_type != "r":
        kind = {"w": "a write", "rw": "a write", "s": "a schema or administration command"}.get(
            query_type or "", f"a statement of type {query_type!r}")
        raise refuse(f"{kind} (query type {query_type!r})")
    for name, _, details in ops:
        if name in _NEO4J_WHY:
            raise refuse(_NEO4J_WHY[name])
        if name.startswith(("Show", "Terminate")) or "Command" in name:
            raise refuse(f"{name} is an administration command")
        if name == "ProcedureCall" or "." in name:  # on some plans the operator is the procedure's name
            proc = details.split("(", 1)[0].strip() if name == "ProcedureCall" else name
            if proc not in NEO4J_PROCEDURES:
                raise refuse(f"the procedure {proc or '?'} is not a schema reader")
