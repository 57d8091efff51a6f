"""Loading: ``policykg load`` end to end, then the engine's own bulk path on the same rows.

The loaded graph is exported table by table to Parquet (one file per node label, one per
relationship type and pair of end labels; columns named as in the schema, relationships with
``from`` / ``to`` ids first). Those files are then loaded raw into an empty database:

- Ladybug: ``COPY Label FROM 'file'`` for every table, in a fresh process and a fresh database
  whose DDL (``EmbeddedBackend.ddl()``, applied by ``open_backend``) is made untimed first;
- Neo4j: batched ``UNWIND $rows AS row CREATE ... SET`` through the plain driver, after the
  uniqueness constraints (untimed); the rows of each table are read from its file before its timer.

Run as ``python -m bench.bulk ladybug-copy MANIFEST DATA_DIR BUFFER_POOL_MB`` for the raw Ladybug
load (it prints its timings as JSON).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bench.common import POLICYKG, Finished, dir_size, run_measured
from policykg.graph.schema import Schema, load_schema
from policykg.graph.types import arrow_type

BATCH = 10_000
EXPORT_BATCH = 100_000


# --------------------------------------------------------------------------------------------
# policykg load
# --------------------------------------------------------------------------------------------

def load_ours(registry: Path, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """``policykg load REGISTRY --json`` in a subprocess: wall time, records/s, peak RSS."""
    fin = run_measured([POLICYKG, "load", str(registry), "--json"], env=env, cwd=cwd)
    if fin.returncode != 0:
        raise RuntimeError(f"policykg load exited {fin.returncode}: {fin.stderr.strip()[-2000:]}")
    report = json.loads(fin.stdout)
    written = sum(report["written"].values())
    return {
        "seconds": round(fin.seconds, 3),
        "records": report["loaded"],
        "rejected": report["rejected"],
        "records_per_s": round(report["loaded"] / fin.seconds),
        "written": written,
        "written_per_s": round(written / fin.seconds),
        "peak_rss_bytes": fin.peak_rss_bytes,
        "report_seconds": report["seconds"],
        "kinds": report["kinds"],
        "reference": report["reference"],
    }


# --------------------------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------------------------

def tables(schema: Schema) -> list[dict[str, Any]]:
    """Every node table and every (relationship type, from label, to label), with their columns."""
    out = []
    for label, nt in schema.nodes.items():
        out.append({"kind": "node", "table": label, "columns": [(p.name, p.type) for p in nt.properties.values()]})
    for rel_type, rt in schema.relationships.items():
        for a, b in rt.endpoints:
            out.append({"kind": "rel", "table": rel_type, "from": a, "to": b,
                        "columns": [("from", "string"), ("to", "string")]
                        + [(p.name, p.type) for p in rt.properties.values()]})
    return out


def _file_name(t: dict[str, Any]) -> str:
    return f"{t['table']}.parquet" if t["kind"] == "node" else f"{t['table']}.{t['from']}.{t['to']}.parquet"


def _match(t: dict[str, Any]) -> str:
    if t["kind"] == "node":
        return f"MATCH (n:{t['table']})"
    return f"MATCH (a:{t['from']})-[r:{t['table']}]->(b:{t['to']})"


def export_ladybug(db_path: Path, out: Path, buffer_pool_mb: int) -> list[dict[str, Any]]:
    """``COPY (MATCH ... RETURN ...) TO 'file.parquet'`` for every non-empty table."""
    import ladybug

    out.mkdir(parents=True, exist_ok=True)
    db = ladybug.Database(str(db_path), buffer_pool_size=buffer_pool_mb * 1024 * 1024)
    conn = ladybug.Connection(db)
    manifest = []
    try:
        for t in tables(load_schema()):
            rows = conn.execute(f"{_match(t)} RETURN count(*)").get_next()[0]
            if not rows:
                continue
            var = "n" if t["kind"] == "node" else "r"
            cols = ["a.id AS `from`", "b.id AS `to`"] if t["kind"] == "rel" else []
            cols += [f"{var}.`{name}` AS `{name}`" for name, _ in t["columns"] if name not in ("from", "to")]
            path = out / _file_name(t)
            conn.execute(f"COPY ({_match(t)} RETURN {', '.join(cols)}) TO '{path}'")
            manifest.append({**t, "rows": rows, "path": str(path)})
    finally:
        conn.close()
        db.close()
    return manifest


def export_neo4j(driver: Any, database: str, out: Path) -> list[dict[str, Any]]:
    """Every non-empty table read through the driver and written to Parquet in batches."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for t in tables(load_schema()):
        schema = pa.schema([(name, arrow_type(typ)) for name, typ in t["columns"]])
        dates = [name for name, typ in t["columns"] if typ == "date"]
        if t["kind"] == "node":
            cypher = f"{_match(t)} RETURN properties(n) AS p"
        else:
            cypher = f"{_match(t)} RETURN properties(r) AS p, a.id AS `from`, b.id AS `to`"
        path = out / _file_name(t)
        rows = 0
        writer = None
        with driver.session(database=database) as session:
            batch: list[dict[str, Any]] = []
            for record in session.run(cypher):
                row = dict(record["p"])
                if t["kind"] == "rel":
                    row["from"], row["to"] = record["from"], record["to"]
                for name in dates:
                    if row.get(name) is not None:
                        row[name] = row[name].to_native()
                batch.append(row)
                if len(batch) >= EXPORT_BATCH:
                    writer = writer or pq.ParquetWriter(path, schema)
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    rows += len(batch)
                    batch = []
            if batch:
                writer = writer or pq.ParquetWriter(path, schema)
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                rows += len(batch)
        if writer:
            writer.close()
            manifest.append({**t, "rows": rows, "path": str(path)})
    return manifest


# --------------------------------------------------------------------------------------------
# raw loads
# --------------------------------------------------------------------------------------------

def ladybug_copy(manifest_file: Path, data_dir: Path, buffer_pool_mb: int) -> dict[str, Any]:
    """Raw Ladybug: DDL untimed, then ``COPY ... FROM`` every file (nodes first); the close (checkpoint)
    is timed apart."""
    import ladybug

    from policykg.graph import open_backend
    from policykg.settings import get_settings

    manifest = json.loads(manifest_file.read_text())
    settings = get_settings(backend="embedded", data_dir=data_dir, buffer_pool_mb=buffer_pool_mb)
    open_backend(settings).close()  # EmbeddedBackend.ddl(), untimed
    db = ladybug.Database(str(settings.embedded_path), buffer_pool_size=buffer_pool_mb * 1024 * 1024)
    conn = ladybug.Connection(db)
    per_table = {}
    start = time.perf_counter()
    for t in sorted(manifest, key=lambda t: t["kind"] != "node"):
        t0 = time.perf_counter()
        if t["kind"] == "node":
            conn.execute(f"COPY {t['table']} FROM '{t['path']}'")
        else:
            conn.execute(f"COPY {t['table']} FROM '{t['path']}' (from='{t['from']}', to='{t['to']}')")
        per_table[Path(t["path"]).stem] = round(time.perf_counter() - t0, 4)
    copy_seconds = time.perf_counter() - start
    conn.close()
    db.close()
    close_seconds = time.perf_counter() - start - copy_seconds
    return {"copy_seconds": round(copy_seconds, 3), "close_seconds": round(close_seconds, 3), "tables": per_table}


def raw_ladybug(manifest: list[dict[str, Any]], work: Path, buffer_pool_mb: int) -> dict[str, Any]:
    """Runs :func:`ladybug_copy` in a fresh process on a fresh database."""
    import shutil

    data_dir = work / "raw-copy"
    shutil.rmtree(data_dir, ignore_errors=True)
    manifest_file = work / "export-manifest.json"
    manifest_file.write_text(json.dumps(manifest))
    fin: Finished = run_measured([sys.executable, "-m", "bench.bulk", "ladybug-copy", str(manifest_file),
                                  str(data_dir), str(buffer_pool_mb)], cwd=Path(__file__).resolve().parent.parent)
    if fin.returncode != 0:
        raise RuntimeError(f"raw Ladybug COPY failed ({fin.returncode}): {fin.stderr.strip()[-2000:]}")
    result = json.loads(fin.stdout.strip().splitlines()[-1])
    rows = sum(t["rows"] for t in manifest)
    seconds = result["copy_seconds"] + result["close_seconds"]
    return {"method": "Ladybug COPY FROM parquet, fresh process and database, DDL untimed", "rows": rows,
            "seconds": round(seconds, 3), **result, "rows_per_s": round(rows / seconds) if seconds else None,
            "process_seconds": round(fin.seconds, 3), "peak_rss_bytes": fin.peak_rss_bytes,
            "db_bytes": dir_size(data_dir)}


def raw_neo4j(backend: Any, manifest: list[dict[str, Any]]) -> dict[str, Any]:
    """Raw Neo4j: clear, drop our schema, create the uniqueness constraints (untimed), then UNWIND batches."""
    driver, database = backend.driver, backend.database
    backend.clear()
    backend.drop_schema()
    for stmt in backend.ddl():
        if stmt.startswith("CREATE CONSTRAINT"):
            driver.execute_query(stmt, database_=database)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    per_table = {}
    seconds = 0.0
    for t in sorted(manifest, key=lambda t: t["kind"] != "node"):
        table = pq.read_table(t["path"]).to_pylist()
        if t["kind"] == "node":
            cypher = f"UNWIND $rows AS row CREATE (n:{t['table']}) SET n = row"
            rows = [{k: v for k, v in r.items() if v is not None} for r in table]
        else:
            cypher = (f"UNWIND $rows AS row MATCH (a:{t['from']} {{id: row.from}}) MATCH (b:{t['to']} {{id: row.to}}) "
                      f"CREATE (a)-[r:{t['table']}]->(b) SET r = row.props")
            rows = [{"from": r.pop("from"), "to": r.pop("to"), "props": {k: v for k, v in r.items() if v is not None}}
                    for r in table]
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            driver.execute_query(cypher, {"rows": rows[i : i + BATCH]}, database_=database)
        elapsed = time.perf_counter() - t0
        per_table[Path(t["path"]).stem] = round(elapsed, 4)
        seconds += elapsed
    total = sum(t["rows"] for t in manifest)
    return {"method": f"Neo4j UNWIND CREATE, batches of {BATCH}, uniqueness constraints untimed", "rows": total,
            "seconds": round(seconds, 3), "rows_per_s": round(total / seconds) if seconds else None,
            "tables": per_table}


def raw_neo4j_again(results_file: Path, manifest_file: Path, work: Path) -> dict[str, Any]:
    """The raw Neo4j baseline alone, into a fresh server and database, for a results file whose
    ``bulk_raw`` phase failed: updates the file (bulk_raw, its ratio and the targets)."""
    from bench.neo4j_server import neo4j_server
    from bench.targets import judge
    from policykg.graph import open_backend
    from policykg.settings import get_settings

    results = json.loads(results_file.read_text())
    manifest = json.loads(manifest_file.read_text())
    with neo4j_server(work, results["scale"]) as server:
        backend = open_backend(get_settings(backend="neo4j", neo4j_uri=server.uri, neo4j_user=server.user,
                                            neo4j_password=server.password), apply_schema=False)
        try:
            raw = raw_neo4j(backend, manifest)
        finally:
            backend.close()
    raw["ratio"] = round(results["load"]["seconds"] / raw["seconds"], 3) if raw["seconds"] else None
    raw["note"] = "measured by `python -m bench.bulk neo4j-raw` into a fresh server (the run's own bulk_raw phase failed)"
    results["bulk_raw"] = raw
    results.get("errors", {}).pop("bulk_raw", None)
    results["targets"] = judge(results)
    results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return raw


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[0] == "ladybug-copy":
        print(json.dumps(ladybug_copy(Path(argv[1]), Path(argv[2]), int(argv[3]))))
    elif len(argv) == 4 and argv[0] == "neo4j-raw":
        print(json.dumps(raw_neo4j_again(Path(argv[1]), Path(argv[2]), Path(argv[3]))))
    else:
        sys.exit("usage: python -m bench.bulk ladybug-copy MANIFEST DATA_DIR BUFFER_POOL_MB\n"
                 "       python -m bench.bulk neo4j-raw RESULTS_JSON MANIFEST WORK_DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
