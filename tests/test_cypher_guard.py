"""The user-Cypher guard (POST /api/cypher, Backend.read_cypher) against attacks, on both backends.

Every attack must be refused with the reason named, leave the graph and its schema as they were, write
no file, read no file into the answer, and make no request to the HTTP listener it points at. Reads
must still pass, with parameters, the row cap and the time limit.
"""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import ladybug
import pytest
from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.errors import QueryError, QueryTimeout, ReadOnlyViolation
from policykg.graph import guard, open_backend
from policykg.ingest.policy import ingest_seed
from policykg.settings import get_settings

pytestmark = pytest.mark.backend

SECRET = "top-secret-line-7d1c"
TIER = "(:Tier {id: 'pwn', name: 'pwn'})"

# (id, statement, engines on which the engine accepts it). There, only the guard's refusal (403 read_only)
# passes; elsewhere the engine's own error (400 query_error: syntax, unknown procedure) is a refusal too.
# Placeholders: {url} the listener, {secret} a file holding SECRET, {out} a file path, {dir} a folder path.
BOTH, LB, N4, NONE = ("embedded", "neo4j"), ("embedded",), ("neo4j",), ()
ATTACKS = [
    # the bypasses of the regex guard
    ("lb-comment-in-string-commit", "RETURN '//'; COMMIT; CREATE NODE TABLE Pwn(id STRING, PRIMARY KEY(id))", LB),
    ("lb-comment-in-string-delete", "RETURN '//'; COMMIT; MATCH (c:Clause) DETACH DELETE c", LB),
    ("lb-copy-to-file", "COPY (MATCH (c:Clause) RETURN c.title) TO '{out}'", LB),
    ("lb-unwind-load-from", "UNWIND ['//'] AS a LOAD FROM '{secret}' (file_format='csv', header=false) RETURN *", LB),
    ("n4-comment-trick-load-csv", "WITH '//' AS a LOAD CSV FROM '{url}' AS l RETURN l", N4),
    ("n4-backtick-load-csv", "WITH 1 AS `a'` LOAD CSV FROM '{url}' AS l RETURN l // '", N4),
    ("n4-show-transactions", "SHOW TRANSACTIONS", N4),
    ("n4-show-transactions-yield", "SHOW TRANSACTIONS YIELD currentQuery, parameters RETURN *", N4),
    ("n4-terminate-transactions", "TERMINATE TRANSACTIONS 'neo4j-transaction-1'", N4),
    ("n4-show-settings", "SHOW SETTINGS", N4),
    # writes, plain and hidden
    ("create", f"CREATE {TIER}", BOTH),
    ("create-after-with", f"MATCH (c:Clause) WITH c LIMIT 1 CREATE {TIER}", BOTH),
    ("create-lowercase", "match (c:Clause) with c limit 1 create (:Tier {id: 'pwn', name: 'pwn'})", BOTH),
    ("detach-delete-lowercase", "match (c:Clause) detach delete c", BOTH),
    ("merge", "MERGE (t:Tier {id: 'pwn'}) SET t.name = 'pwn'", BOTH),
    ("set", "MATCH (c:Clause) SET c.title = 'pwn'", BOTH),
    ("foreach", f"FOREACH (x IN [1] | CREATE {TIER})", N4),
    ("call-subquery-write", "MATCH (c:Clause) CALL { WITH c DETACH DELETE c } RETURN 1", N4),
    ("call-scoped-subquery-write", "MATCH (c:Clause) CALL (c) { DETACH DELETE c } RETURN 1", N4),
    ("call-in-transactions", f"UNWIND [1] AS x CALL (x) {{ CREATE {TIER} }} IN TRANSACTIONS RETURN 1", N4),
    ("call-in-transactions-read", "UNWIND [1] AS x CALL (x) { RETURN x AS y } IN TRANSACTIONS RETURN y", N4),
    # lexical tricks
    ("comment-opened-in-string", f"MATCH (c:Clause) WHERE c.title = '/*' CREATE {TIER} RETURN '*/'", BOTH),
    ("line-comment-in-string", f"RETURN '// x' AS a; CREATE {TIER}", BOTH),
    ("backtick-quote", f"WITH 1 AS `a'` CREATE {TIER} RETURN 1 // '", BOTH),
    ("backtick-doubled", f"WITH 1 AS `a``'` CREATE {TIER} RETURN 1 // '", BOTH),
    ("escaped-backslash", f"RETURN 'a\\\\' AS a; CREATE {TIER} // '", BOTH),
    # Neo4j reads \u0027 as a quote before it parses (a syntax error here); Ladybug as an escape in the string
    ("unicode-escape-quote", f"RETURN 'a\\u0027' AS a; CREATE {TIER} // '", LB),
    ("nested-comment", f"/* /* */ CREATE {TIER} // */", BOTH),
    ("unterminated-comment", f"CREATE {TIER} /* ", BOTH),
    # several statements
    ("two-statements", f"MATCH (n) RETURN count(n); CREATE {TIER}", BOTH),
    ("two-statements-semicolon", f"MATCH (n) RETURN count(n); CREATE {TIER};", BOTH),
    ("two-reads", "MATCH (n) RETURN count(n); MATCH (n) RETURN count(n)", BOTH),
    ("comment-then-statement", f"MATCH (n) RETURN count(n) /* harmless */ ; CREATE {TIER}", BOTH),
    # EXPLAIN / PROFILE
    ("explain-create", f"EXPLAIN CREATE {TIER}", BOTH),
    ("profile-create", f"PROFILE CREATE {TIER}", BOTH),
    ("profile-read", "profile MATCH (n) RETURN count(n)", BOTH),
    ("comment-then-profile", f"/* x */ PROFILE CREATE {TIER}", BOTH),
    # schema changes
    ("lb-create-node-table", "CREATE NODE TABLE Pwn(id STRING, PRIMARY KEY(id))", LB),
    ("lb-drop-table", "DROP TABLE Tier", LB),
    ("lb-alter-table", "ALTER TABLE Clause ADD pwn INT64", LB),
    ("lb-comment-on", "COMMENT ON TABLE Clause IS 'pwn'", LB),
    ("lb-create-macro", "CREATE MACRO pwn(x) AS x + 1", LB),
    ("lb-create-sequence", "CREATE SEQUENCE pwn", LB),
    ("lb-nextval", "RETURN nextval('guard_seq') AS v", LB),
    ("lb-nextval-in-where", "MATCH (c:Clause) WHERE nextval('guard_seq') > 0 RETURN count(c)", LB),
    ("n4-create-index", "CREATE INDEX pwn FOR (n:Tier) ON (n.name)", N4),
    ("n4-drop-constraint", "DROP CONSTRAINT policykg_Clause_id", N4),
    # files, URLs, extensions, other databases
    ("lb-load-from-file", "LOAD FROM '{secret}' (file_format='csv', header=false) RETURN *", LB),
    ("lb-load-from-header-oracle", f"LOAD FROM '{{secret}}' (file_format='csv', header=true) RETURN `{SECRET}`", LB),
    ("lb-load-from-url", "LOAD FROM '{url}' (file_format='csv') RETURN *", LB),
    ("lb-load-with-headers", "LOAD WITH HEADERS (a STRING) FROM '{secret}' RETURN *", LB),
    ("lb-copy-from", "COPY Tier FROM '{secret}'", LB),
    ("lb-copy-to-lowercase", "copy (match (t:Tier) return t.id) to '{out}'", LB),
    ("lb-export-database", "EXPORT DATABASE '{dir}'", LB),
    ("lb-import-database", "IMPORT DATABASE '{dir}'", LB),
    ("lb-attach", "ATTACH '{dir}/other.lbdb' AS other (dbtype lbug)", LB),
    ("lb-use", "USE other", LB),
    ("lb-install-httpfs", "INSTALL httpfs", LB),
    ("lb-load-extension", "LOAD EXTENSION httpfs", LB),
    ("lb-uninstall", "UNINSTALL fts", LB),
    ("lb-begin", "BEGIN TRANSACTION", LB),
    ("lb-begin-read-only", "BEGIN TRANSACTION READ ONLY", LB),
    ("lb-commit", "COMMIT", LB),
    ("lb-rollback", "ROLLBACK", LB),
    ("lb-checkpoint", "CHECKPOINT", LB),
    ("lb-call-setting", "CALL threads=1", LB),
    ("lb-call-current-setting", "CALL current_setting('threads') RETURN *", LB),
    ("n4-load-csv-url", "LOAD CSV FROM '{url}' AS l RETURN l", N4),
    ("n4-load-csv-file", "LOAD CSV FROM 'file://{secret}' AS l RETURN l", N4),
    ("n4-load-csv-lowercase", "load csv with headers from '{url}' as l return l", N4),
    ("n4-load-csv-in-subquery", "MATCH (c:Clause) WITH c LIMIT 1 CALL (c) { LOAD CSV FROM '{url}' AS l RETURN l } "
                                "RETURN l", N4),
    ("n4-load-csv-in-union", "MATCH (c:Clause) RETURN c.id AS l UNION LOAD CSV FROM '{url}' AS l RETURN l[0] AS l", N4),
    ("n4-use-system-labels", "USE system CALL db.labels()", N4),
    ("n4-use-system-procedures", "USE system SHOW PROCEDURES", N4),
    ("n4-use-same-create", f"USE neo4j CREATE {TIER}", N4),
    ("n4-use-system-users", "USE system SHOW USERS", NONE),  # Neo4j: USE is not allowed with admin commands
    ("n4-use-system-match", "USE system MATCH (n) RETURN n", NONE),  # Neo4j: MATCH is not allowed on system
    ("n4-show-users", "SHOW USERS", N4),
    ("n4-show-current-user", "SHOW CURRENT USER", N4),
    ("n4-show-procedures", "SHOW PROCEDURES", N4),
    ("n4-show-databases", "SHOW DATABASES", N4),
    ("n4-alter-user", "ALTER USER neo4j SET PASSWORD 'pwned-pwned'", N4),
    ("n4-dbms-list-config", "CALL dbms.listConfig()", N4),
    ("n4-dbms-components", "CALL dbms.components() YIELD name RETURN name", N4),
    ("n4-dbms-current-user", "CALL dbms.showCurrentUser()", N4),
    ("n4-db-clear-caches", "CALL db.clearQueryCaches()", N4),
    ("n4-db-await-indexes", "CALL db.awaitIndexes()", N4),
    ("n4-tx-metadata", "CALL tx.setMetaData({a: 1})", N4),
    ("n4-apoc-load", "CALL apoc.load.json('{url}')", NONE),  # no APOC here: the engine knows no such procedure
]


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server hook
            hits.append(self.path)
            body = f"{SECRET},b\n1,2\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/data.csv", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", params=("embedded", "neo4j"))
def guarded(request, tmp_path_factory):
    """One seeded graph per backend and a client of its API with /api/cypher on, for the whole module:
    every attack checks that the graph is as it found it."""
    if request.param == "embedded":
        settings = get_settings(backend="embedded", data_dir=tmp_path_factory.mktemp("guard") / "data",
                                buffer_pool_mb=256)
        backend = open_backend(settings)
        # a sequence, whose nextval() writes though a plan shows no write operator
        conn = ladybug.Connection(backend.db)
        conn.execute("CREATE SEQUENCE guard_seq")
        conn.close()
    else:
        backend = request.getfixturevalue("_neo4j_backend")
        backend.clear()
        backend.drop_schema()
        backend.apply_schema()
    ingest_seed(backend)
    app = create_app(backend.settings.model_copy(update={"allow_cypher": True}), backend=backend)
    with TestClient(app) as client:
        yield backend, client
    if request.param == "embedded":
        backend.close()


@pytest.fixture
def seeded(guarded):
    return guarded[0]


def _state(backend):
    """What an attack must not change: counts by label and type, every node and relationship, the clause
    titles, and the schema (Ladybug's tables; Neo4j's labels, types, constraints and indexes)."""
    read = backend.read_cypher
    state = {
        "counts": backend.counts(),
        "nodes": read("MATCH (n) RETURN count(n) AS n").rows,
        "rels": read("MATCH ()-[r]->() RETURN count(r) AS n").rows,
        "titles": read("MATCH (c:Clause) RETURN c.id, c.title ORDER BY c.id").rows,
    }
    if backend.name == "embedded":
        state["tables"] = read("CALL show_tables() RETURN name, type ORDER BY name").rows
        try:
            state["sequence"] = read("RETURN currval('guard_seq') AS v").rows
        except QueryError as exc:  # never advanced: "not yet defined"
            state["sequence"] = exc.message
    else:
        state["labels"] = sorted(read("CALL db.labels()").rows)
        state["types"] = sorted(read("CALL db.relationshipTypes()").rows)
        for what in ("CONSTRAINTS", "INDEXES"):
            records, _, _ = backend.driver.execute_query(f"SHOW {what} YIELD name RETURN name ORDER BY name",
                                                         database_=backend.database)
            state[what] = [r["name"] for r in records]
    return state


def _fill(statement: str, tmp_path: Path, url: str) -> tuple[str, list[Path]]:
    secret = tmp_path / "secret.csv"
    secret.write_text(f"{SECRET},b\n1,2\n", encoding="utf-8")
    out, folder = tmp_path / "out" / "stolen.csv", tmp_path / "export"
    out.parent.mkdir()
    for key, value in {"{url}": url, "{secret}": secret, "{out}": out, "{dir}": folder}.items():
        statement = statement.replace(key, str(value))
    return statement, [out, folder, folder / "other.lbdb"]


@pytest.mark.parametrize(("statement", "engines"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_and_changes_nothing(guarded, tmp_path, listener, statement, engines):
    backend, client = guarded
    url, hits = listener
    query, written = _fill(statement, tmp_path, url)
    before = _state(backend)
    r = client.post("/api/cypher", json={"query": query})
    error = r.json()["error"]
    if backend.name in engines:
        assert (r.status_code, error["code"]) == (403, "read_only"), (query, r.text)
        assert error["message"].startswith("refused: ") and len(error["message"]) > len("refused: ") + 10
    else:  # not this engine's syntax: its parser refuses it
        assert (r.status_code, error["code"]) in ((403, "read_only"), (400, "query_error")), (query, r.text)
    assert r.text.count(SECRET) <= query.count(SECRET)  # an error may quote the query, nothing more
    assert hits == []
    assert not any(p.exists() for p in written), [str(p) for p in written if p.exists()]
    assert _state(backend) == before


def test_backend_refusal_names_the_reason(seeded, listener):
    url, hits = listener
    lb = seeded.name == "embedded"
    cases = {
        f"MATCH (n) RETURN count(n); CREATE {TIER}": "more than one statement",
        f"CREATE {TIER}": "counts the statement as a write" if lb else "a write (query type 'w')",
        "PROFILE MATCH (n) RETURN n": "PROFILE is added by the server",
        ("COPY (RETURN 1) TO '/tmp/x.csv'" if lb else f"LOAD CSV FROM '{url}' AS l RETURN l"):
            "COPY reads or writes files" if lb else "LOAD CSV reads files and URLs",
        ("CALL current_setting('threads') RETURN *" if lb else "CALL db.ping()"):
            "CURRENT_SETTING is not a schema reader" if lb else "the procedure db.ping is not a schema reader",
        ("CALL threads=1" if lb else "CALL dbms.components()"):
            "CALL changes a setting" if lb else "administration command (query type 's')",
        ("BEGIN TRANSACTION" if lb else "SHOW TRANSACTIONS"):
            "a transaction statement" if lb else "ShowTransactions is an administration command",
    }
    for statement, reason in cases.items():
        with pytest.raises(ReadOnlyViolation) as info:
            seeded.read_cypher(statement)
        assert reason in info.value.message, (statement, info.value.message)
    assert hits == []


def test_reads_pass(seeded):
    lb = seeded.name == "embedded"
    res = seeded.read_cypher("MATCH (c:Clause) WHERE c.kind = $kind RETURN c.number AS n ORDER BY n",
                             {"kind": "measure"}, max_rows=3)
    assert res.columns == ["n"] and res.rows == [[1], [2], [3]] and res.truncated is True
    # words of refused clauses inside strings, names and comments are only text
    res = seeded.read_cypher("MATCH (c:Clause {number: 5, kind: 'measure'}) /* LOAD COPY; CREATE */ "
                             "WITH c, 'LOAD FROM x; COPY // CREATE' AS `load ; copy` "
                             "RETURN c.title AS title, `load ; copy` AS s // ; DROP TABLE Clause\n;")
    assert res.rows == [["培育新一代人工智能产业", "LOAD FROM x; COPY // CREATE"]] and res.truncated is False
    res = seeded.read_cypher("MATCH (a:Clause)-[r]->(b) RETURN count(r) > 0 AS linked")
    assert res.rows == [[True]]
    # the schema readers
    schema = "CALL show_tables() RETURN name ORDER BY name" if lb else "CALL db.labels() YIELD label RETURN label"
    assert ["Clause"] in seeded.read_cypher(schema).rows


def test_a_deep_ordered_skip_cannot_crash_the_embedded_engine(guarded):
    """Ladybug 0.22 kills the process on an ORDER BY ... SKIP far past the last row: the plan's SKIP is
    bounded there (this test would end pytest itself otherwise). Neo4j answers an empty page."""
    backend, client = guarded
    for body in ({"query": "MATCH (c:Clause) RETURN c.id ORDER BY c.id SKIP 1000000 LIMIT 5"},
                 {"query": "MATCH (c:Clause) RETURN c.id ORDER BY c.id SKIP $s LIMIT 5", "params": {"s": 20000}},
                 {"query": "UNWIND range(1, 10) AS x RETURN x ORDER BY x SKIP 2147483648"}):
        r = client.post("/api/cypher", json=body)
        if backend.name == "embedded":
            assert r.status_code == 403 and "SKIP" in r.json()["error"]["message"], r.text
        else:
            assert r.status_code == 200 and r.json()["rows"] == [], r.text
    r = client.post("/api/cypher", json={"query": "MATCH (c:Clause) RETURN c.id ORDER BY c.id SKIP 5000 LIMIT 5"})
    assert r.status_code == 200 and r.json()["rows"] == []


def test_runaway_read_is_stopped(seeded):
    with pytest.raises(QueryTimeout):
        seeded.read_cypher("UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y "
                           "WITH x, y WHERE (x * y) % 7 = 3 RETURN count(*)", timeout=1.0)


def test_no_file_header_oracle(guarded, tmp_path):
    """Planning ``LOAD FROM`` reads the file's header on Ladybug: a right guess of a column name and a wrong
    one must get the same answer (refused before the statement is planned)."""
    backend, client = guarded
    secret = tmp_path / "secret.csv"
    secret.write_text(f"{SECRET},b\n1,2\n", encoding="utf-8")
    answers = []
    for guess in (SECRET, "wrong-guess-0000000"):
        query = f"LOAD FROM '{secret}' (file_format='csv', header=true) RETURN `{guess}`"
        r = client.post("/api/cypher", json={"query": query})
        answers.append((r.status_code, r.text.replace(guess, "?")))
    assert answers[0] == answers[1]
    assert answers[0][0] in ((403, 400) if backend.name == "neo4j" else (403,))


@pytest.mark.parametrize(("text", "expected"), [
    ("MATCH (n) RETURN n", ["MATCH", "N", "RETURN", "N"]),
    ("RETURN 'it\\'s // not /* a comment' AS x", ["RETURN", "AS", "X"]),
    ('RETURN "a\\"b" AS LOAD', ["RETURN", "AS", "LOAD"]),
    ("RETURN 1 AS `a``b // c` // LOAD\n, 2 /* COPY */ AS y", ["RETURN", "AS", "AS", "Y"]),
    ("RETURN '\\\\' AS x, 'COPY' AS y", ["RETURN", "AS", "X", "AS", "Y"]),
    ("/* /* */ CREATE // */", ["CREATE"]),
])
def test_lexer_skips_literals_names_and_comments(text, expected):
    assert guard.words(text) == expected


@pytest.mark.parametrize("text", ["RETURN 'abc", 'RETURN "a\\"', "RETURN `abc", "RETURN 1 /* x", "RETURN 'a\\'"])
def test_lexer_refuses_unterminated_text(text):
    with pytest.raises(ReadOnlyViolation, match="unterminated"):
        guard.words(text)


def test_plan_text_cannot_hide_an_operator():
    """A Ladybug plan whose operator headings are not all readable (an id missing) is refused, and a
    name the query puts into the plan's text must be allowed as well."""
    box = "│{:^30}│\n"
    fine = box.format("RESULT_COLLECTOR[1]") + box.format("Expressions: x") + box.format("PROJECTION[0]")
    guard.check_ladybug_plan(fine)
    with pytest.raises(ReadOnlyViolation, match="could not be read whole"):
        guard.check_ladybug_plan(box.format("RESULT_COLLECTOR[2]") + box.format("copy_to[1]")
                                 + box.format("PROJECTION[0]"))
    with pytest.raises(ReadOnlyViolation, match="COPY"):
        guard.check_ladybug_plan(fine + box.format("COPY_TO[1]"))
    with pytest.raises(ReadOnlyViolation, match="no plan"):
        guard.check_ladybug_plan("RESULT_COLLECTOR[0]x")
    scan = box.format("RESULT_COLLECTOR[1]") + box.format("TABLE_FUNCTION_CALL[0]")
    guard.check_ladybug_plan(scan + box.format("Function: SHOW_TABLES"))
    with pytest.raises(ReadOnlyViolation, match="not named"):
        guard.check_ladybug_plan(scan)
    with pytest.raises(ReadOnlyViolation, match="READ_CSV reads a file"):
        guard.check_ladybug_plan(scan + box.format("Function: SHOW_TABLES") + box.format("Function: READ_CSV"))


def test_neo4j_plan_check_reads_every_operator():
    """The Neo4j check walks the whole plan: a refused operator deep down, a procedure, another database."""
    def op(name, details="", *children, db="neo4j"):
        return {"operatorType": f"{name}@{db}", "args": {"Details": details}, "children": list(children)}

    guard.check_neo4j_plan("r", op("ProduceResults", "l", op("ProcedureCall", "db.labels() :: (label :: STRING)")),
                           "neo4j", "neo4j")
    deep = op("ProduceResults", "l", op("Apply", "", op("AllNodesScan", "n"), op("Limit", "1", op("LoadCSV", "l"))))
    with pytest.raises(ReadOnlyViolation, match="LOAD CSV"):
        guard.check_neo4j_plan("r", deep, "neo4j", "neo4j")
    with pytest.raises(ReadOnlyViolation, match="dbms.listConfig"):
        guard.check_neo4j_plan("r", op("ProduceResults", "", op("ProcedureCall", "dbms.listConfig() :: (name)")),
                               "neo4j", "neo4j")
    with pytest.raises(ReadOnlyViolation, match="'system'"):
        guard.check_neo4j_plan("r", op("ProduceResults", "", op("db.labels", db="system")), "neo4j", "neo4j")
    with pytest.raises(ReadOnlyViolation, match="TerminateTransactions"):
        guard.check_neo4j_plan("r", op("ProduceResults", "", op("TerminateTransactions")), "neo4j", "neo4j")
    with pytest.raises(ReadOnlyViolation, match="no plan"):
        guard.check_neo4j_plan("r", None, "neo4j", "neo4j")


def test_read_only_embedded_database_refuses_writes(tmp_path):
    """An embedded backend opened read-only (the API's worker processes): the handle cannot write, and
    the guard still refuses with the reason."""
    settings = get_settings(backend="embedded", data_dir=tmp_path / "data", buffer_pool_mb=256)
    with open_backend(settings) as writer:
        ingest_seed(writer)
        before = writer.counts()
    with open_backend(settings, apply_schema=False, read_only=True) as reader:
        assert reader.read_cypher("MATCH (c:Clause) RETURN count(c) > 0 AS some").rows == [[True]]
        for statement in (f"CREATE {TIER}", f"RETURN 1; CREATE {TIER}", "COPY (RETURN 1) TO '/tmp/x.csv'"):
            with pytest.raises(ReadOnlyViolation, match="^refused: "):
                reader.read_cypher(statement)
        assert reader.counts() == before
