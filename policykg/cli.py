"""The ``policykg`` command: a thin layer over the same functions the API calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from policykg import __version__
from policykg.errors import PolicyKGError

app = typer.Typer(
    name="policykg",
    help="A knowledge graph of industrial policies, enterprises and funds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
DEMO_ENTERPRISES = 1000
err = Console(stderr=True, soft_wrap=True)


def _backend(**kwargs: Any):
    from policykg.graph import open_backend

    return open_backend(**kwargs)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        out.print(f"policykg {__version__}")
        raise typer.Exit()


@app.command()
def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API after loading."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Load the seed policy (杭高新〔2024〕16号) and a 1,000-enterprise synthetic registry into the
    configured backend, then serve the API. Running it again changes nothing."""
    from policykg.ingest.load import load_paths
    from policykg.ingest.policy import ingest_seed
    from policykg.ingest.synth import synth
    from policykg.settings import get_settings

    registry = get_settings().data_dir / "demo-registry"
    with _backend() as backend:
        report = ingest_seed(backend)
        synth(DEMO_ENTERPRISES, 0, registry)
        loaded = load_paths(backend, [registry], progress=False)
        counts = backend.counts()
    for item in report:
        out.print(f"ingested {item['source']}: {item['document']} ({item['status']})")
    out.print(f"loaded the synthetic registry in {registry}: read {loaded.read} = loaded {loaded.loaded}"
              f" + rejected {loaded.rejected}")
    if not loaded.ok:
        raise PolicyKGError(f"the demo registry did not load cleanly; see the rejects files in {registry}")
    out.print(
        "graph: " + ", ".join(f"{k} {v}" for k, v in counts["nodes"].items() if v)
        + " | " + ", ".join(f"{k} {v}" for k, v in counts["relationships"].items() if v)
    )
    if serve:
        _serve(host, port)


@app.command()
def ingest(files: list[Path] = typer.Argument(..., exists=False, help="Policy documents (.md, .txt, .html, "
                                             ".docx, .pdf).")) -> None:
    """Parse policy documents and write them, with their evidence, to the graph.

    A file that cannot be read (corrupt, too large, no numbered items …) is reported with its reason
    and the others still ingest; exits 1 when any file failed.
    """
    from policykg.ingest.policy import ingest_paths

    with _backend() as backend:
        report = ingest_paths(backend, files)
    counts = {"created": 0, "unchanged": 0, "error": 0}
    for item in report:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
        if item["status"] == "error":
            err.print(f"[red]error[/red] {escape(item['source'])}: {escape(item['error'])}")
        else:
            out.print(f"{item['status']} {escape(item['source'])}: {item['document']} ({item['clauses']} clauses)")
    out.print(f"files {len(report)} = created {counts['created']} + unchanged {counts['unchanged']}"
              f" + failed {counts['error']}")
    if counts["error"]:
        raise typer.Exit(1)


@app.command()
def parse(
    file: Path = typer.Argument(..., help="A policy document."),
    as_json: bool = typer.Option(False, "--json", help="Print the full parse as JSON."),
) -> None:
    """Parse a document without touching the database."""
    from policykg.ingest.parse import parse_file

    doc = parse_file(file)
    if as_json:
        _print_json(doc.to_dict())
        return
    d = doc.document
    out.print(f"{d.title}\n{d.doc_number or '(no number)'}  issued {d.issued_date}  in force {d.effective_date}")
    table = Table("id", "label", "kind", "title")
    for c in doc.clauses:
        table.add_row(c.id, c.label, c.kind, c.title or c.text[:30])
    out.print(table)


@app.command()
def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Count nodes per label and relationships per type."""
    with _backend() as backend:
        data = {"backend": backend.name, **backend.counts()}
    if as_json:
        _print_json(data)
        return
    table = Table("kind", "name", "count", title=f"backend: {data['backend']}")
    for label, n in data["nodes"].items():
        table.add_row("node", label, str(n))
    for rel, n in data["relationships"].items():
        table.add_row("relationship", rel, str(n))
    out.print(table)


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="Tables (.csv, .jsonl, .xlsx) or folders of them."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    chunk: int | None = typer.Option(None, "--chunk", min=1, help="Records validated and written together "
                                     "(default: 50,000; 250,000 for CSV tables read by column)."),
) -> None:
    """Validate and load enterprises, funds, investments, selections and grants.

    Rejected records go, with file, line, field and reason, to <file>.rejects.csv beside each
    input; exits 1 when any record was rejected. Loading the same files again changes nothing.
    """
    from policykg.ingest.load import load_paths

    with _backend() as backend:
        report = load_paths(backend, paths, chunk_size=chunk)
    if as_json:
        _print_json(report.to_dict())
    else:
        table = Table("kind", "file", "read", "loaded", "rejected", "rejects file")
        for t in report.tables:
            table.add_row(t.kind, t.file, str(t.read), str(t.loaded) + (f" ({t.duplicates} duplicate)" if t.duplicates
                                                                          else ""),
                          str(t.rejected), t.rejects_file or "")
        out.print(table)
        for t in report.tables:
            if t.ignored_columns:
                err.print(f"note: {t.file}: columns not in the import format, ignored: {', '.join(t.ignored_columns)}")
        for ref in report.reference:
            out.print(f"reference data: {ref}")
        out.print(f"read {report.read} = loaded {report.loaded} + rejected {report.rejected}"
                  f"  ({report.seconds:.1f} s)")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def synth(
    enterprises: int = typer.Option(..., "--enterprises", "-n", min=1, help="How many enterprises."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same bytes."),
    out_dir: Path = typer.Option(..., "--out", help="Folder to write the CSV files to."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write a synthetic enterprise registry (every name marked 虚构) in the import formats."""
    from policykg.ingest.synth import synth as make

    result = make(enterprises, seed, out_dir)
    if as_json:
        _print_json(result)
        return
    for kind, f in result["files"].items():
        out.print(f"{kind:<12} {f['rows']:>9}  {f['path']}")
    out.print(f"seed {result['seed']}, {result['seconds']:.1f} s; load with: policykg load {out_dir}")


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise typer.BadParameter(f"expected key=value, got {text!r}")
    key, _, value = text.partition("=")
    return key.strip(), value


@app.command()
def query(
    name: str | None = typer.Argument(None, help="Catalogue query name."),
    param: list[str] = typer.Option([], "-p", "--param", help="A parameter as key=value (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    list_: bool = typer.Option(False, "--list", help="List the catalogue."),
) -> None:
    """Run a named query from the catalogue."""
    from policykg.queries import catalogue, get_query

    if list_ or not name:
        if as_json:
            _print_json([q.describe() for q in catalogue().values()])
            return
        table = Table("name", "parameters", "description")
        for q in catalogue().values():
            table.add_row(q.name, ", ".join(f"{p.name}: {p.type}" for p in q.params), q.description)
        out.print(table)
        return
    get_query(name)  # fail early, before opening a database
    params = dict(_param(p) for p in param)
    with _backend() as backend:
        result = backend.query(name, params)
    if as_json:
        _print_json(result.records())
        return
    table = Table(*result.columns)
    for row in result.rows:
        table.add_row(*[json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v) for v in row])
    out.print(table)


#: the embedded buffer pool of a serving process unless POLICYKG_BUFFER_POOL_MB says otherwise
SERVE_BUFFER_POOL_MB = 192


def _serve(host: str, port: int, workers: int = 1, access_log: bool = False) -> None:
    import os

    from policykg.api.serving import limit_malloc_arenas, prepare_in_background
    from policykg.settings import get_settings

    settings = get_settings()
    limit_malloc_arenas()
    # Arrow's own allocator (mimalloc or jemalloc) keeps what a large answer freed; the system's gives it
    # back, which holds a serving process's memory down (at 1M, about 50 MB in a worker that has served
    # large neighbourhoods). Read when pyarrow is first imported: here, before this process or its
    # workers import it. An ARROW_DEFAULT_MEMORY_POOL already set wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if settings.backend == "embedded" and "buffer_pool_mb" not in settings.model_fields_set:
        # Serving reads key lookups and small expansions: a smaller buffer pool than loading needs
        # keeps a process's memory in bounds (each worker has its own pool).
        settings = get_settings(buffer_pool_mb=SERVE_BUFFER_POOL_MB)
        os.environ["POLICYKG_BUFFER_POOL_MB"] = str(SERVE_BUFFER_POOL_MB)  # for worker processes
    # The derived (matching / gaps) index is built, or found on disk, by a process of its own: the
    # serving processes wait for it (answering live meanwhile) and map what it wrote, one copy in memory
    # whatever the number of workers; the memory of building it goes back to the system when it ends.
    preparing = prepare_in_background(settings)
    if settings.backend == "embedded" and workers == 1:
        # one server opens the database read-write (the API's writes), which it cannot while the
        # preparing process has it open: it waits
        with out.status("preparing the matching / gaps index (policykg index)"):
            preparing.join()
    try:
        _run_uvicorn(host, port, workers, access_log)
    finally:
        if preparing.is_alive():
            preparing.terminate()
        preparing.join(30)


def _run_uvicorn(host: str, port: int, workers: int, access_log: bool) -> None:
    import os

    from policykg.api.serving import READ_ONLY_ENV, run_supervised

    # uvloop and httptools when installed (uvicorn[standard]); asyncio and h11 otherwise
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "access_log": access_log,
                               "loop": "auto", "http": "auto"}
    out.print(f"serving http://{host}:{port}/  (API docs at /docs, health at /api/health)"
              + (f" with {workers} worker processes" if workers > 1 else ""))
    # Each worker opens the backend itself. Several embedded workers open the database read-only, which
    # several processes may do at once (the API only reads); a single one opens it read-write.
    os.environ[READ_ONLY_ENV] = "1" if workers > 1 else "0"
    # even one worker runs under the supervisor, which starts another if it dies (a crash in the engine)
    run_supervised(workers, **options)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (embedded: each opens the database "
                                "read-only; nothing else may write to it meanwhile)."),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="Log every request (uvicorn)."),
) -> None:
    """Serve the JSON API (OpenAPI docs at /docs). The embedded buffer pool is 192 MiB per process unless
    POLICYKG_BUFFER_POOL_MB is set."""
    _serve(host, port, workers, access_log)


@app.command("index")
def index_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Build the derived (matching / gaps) index for the data as it is now and keep it on disk
    (POLICYKG_DERIVED_DIR, default <data_dir>/derived), where `policykg serve` reads it; an index
    already there for the same data is kept."""
    from policykg.analysis.derived_store import prepare
    from policykg.settings import get_settings

    settings = get_settings()
    info = prepare(settings)
    if info is None:
        out.print("[red]no index: there is no embedded database yet, or the data changed while it was built "
                  "(run it again)[/]")
        raise typer.Exit(1)
    if as_json:
        _print_json(info)
    else:
        out.print(f"{info['enterprises']:,} enterprises, {info['megabytes']} MB, in {info['stored']} "
                  f"({info['seconds']} s)")


def _yuan(est: dict[str, Any] | None) -> str:
    return "" if not est else f"{est['low']:,}–{est['high']:,}"


@app.command()
def match(
    uscc: str = typer.Argument(..., help="The enterprise's 统一社会信用代码 (USCC)."),
    on: str | None = typer.Option(None, "--on", help="Date the documents must be in force on (YYYY-MM-DD; default today)."),
    document: str | None = typer.Option(None, "--document", help="Only this policy document (id)."),
    as_json: bool = typer.Option(False, "--json", help="Print the full answer (reasons as graph paths) as JSON."),
) -> None:
    """Every measure in force with the enterprise's status (met / unknown / not_met), estimate and reasons.

    The answer of GET /api/enterprises/USCC/eligible-clauses, sorted by status, then estimate.

    The total applies each document's stacking rule: one project is paid once, at the highest.
    """
    from policykg.analysis.eligibility import eligible_clauses

    with _backend() as backend:
        result = eligible_clauses(backend, uscc, on, document)
    if as_json:
        _print_json(result)
        return
    ent = result["enterprise"]
    table = Table("status", "document", "no.", "measure", "estimate (yuan)", "why", title=f"{ent['name']} ({ent['id']})"
                  f" — measures in force on {result['as_of']}")
    for r in result["items"]:
        c = r["clause"]
        if r["status"] == "met":
            why = "; ".join(sorted({x["dimension"] for x in r["reasons"] if x["status"] == "met"}))
        elif r["status"] == "unknown":
            why = ("missing: " + ", ".join(r["missing"])) if r["missing"] else "no machine-checkable criterion"
        else:
            why = ("near miss, " if r["near_miss"] else "") + "not met: " + ", ".join(r["failed"])
        table.add_row(r["status"], c["doc_number"] or c["document"], c["label"], c["title"] or "",
                      _yuan(r["estimate_cny"]), why)
    out.print(table)
    counts = result["counts"]
    out.print(f"met {counts['met']}, unknown {counts['unknown']}, not met {counts['not_met']}; "
              f"estimated total (stacking applied): {_yuan(result['estimate_total_cny']) or 'none'} yuan"
              + (f" (without stacking {_yuan(result['estimate_total']['without_stacking_cny'])})"
                 if result["estimate_total"]["without_stacking_cny"] != result["estimate_total_cny"] else ""))


# --- export, copy, analytics (policykg.export, policykg.networks) ---------------------------------------

def _quiet_neo4j_notices() -> None:
    """The Neo4j driver logs a warning for every property a query names that no node has yet."""
    import logging

    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


@app.command("export")
def export_cmd(
    fmt: str = typer.Option(..., "--format", "-f", help="ttl | jsonld | nt | graphml | gexf | neo4j-csv"),
    out_path: Path = typer.Option(..., "--out", "-o", help="File to write (a folder for neo4j-csv)."),
    document: str | None = typer.Option(None, "--document", help="Only this PolicyDocument (id) and what it states and names."),
    industry: str | None = typer.Option(None, "--industry", help="Only this Industry (id), its narrower and broader "
                                                                 "industries, the clauses naming them, their enterprises."),
    enterprise: str | None = typer.Option(None, "--enterprise", help="Only this enterprise's (USCC) neighbourhood, "
                                                                     "investors and grants."),
    node: str | None = typer.Option(None, "--node", help="Only the neighbourhood of this node (any id)."),
    depth: int = typer.Option(1, "--depth", min=1, max=4, help="With --node: how many relationships away."),
    base: str | None = typer.Option(None, "--base", help="Base IRI of the RDF export (default POLICYKG_RDF_BASE)."),
    ontology: bool = typer.Option(True, "--ontology/--no-ontology", help="Include the ontology in RDF exports."),
    validate: bool = typer.Option(False, "--validate", help="RDF: load the file back and validate it against the "
                                                            "SHACL shapes (pyshacl)."),
    check: bool = typer.Option(False, "--check", help="RDF, whole graph: load the file back and compare SPARQL "
                                                      "answers with the catalogue's."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Export the graph (or one document, industry, enterprise or neighbourhood) in an open format.

    RDF (ttl, jsonld, nt) uses the schema's own terms plus PROV-O evidence, SKOS industries and
    Dublin Core documents, with IRIs under POLICYKG_RDF_BASE; graphml and gexf open in Gephi,
    Cytoscape or networkx; neo4j-csv writes the files and the command for neo4j-admin database import.
    Exits 1 when --validate or --check fails.
    """
    from policykg.export import RDF, check_format, export, verify_file
    from policykg.export.dump import select_part

    _quiet_neo4j_notices()
    fmt = check_format(fmt)
    if (validate or check) and fmt not in RDF:
        raise PolicyKGError("--validate and --check apply to RDF exports (ttl, jsonld, nt)")
    with _backend() as backend:
        part = select_part(backend, document=document, industry=industry, enterprise=enterprise, node=node,
                           depth=depth)
        if check and not part.whole:
            raise PolicyKGError("--check compares with the whole graph's catalogue answers: export the whole graph")
        report = export(backend, fmt, out_path, part, base=base, with_ontology=ontology)
        if validate or check:
            report["verification"] = verify_file(backend, out_path, fmt, validate=validate, check=check, base=base)
    if as_json:
        _print_json(report)
    else:
        what = "the whole graph" if part.whole else f"{part.kind} {part.start}"
        out.print(f"exported {what}: {report['nodes']} nodes, {report['relationships']} relationships"
                  + (f", {report['triples']} triples" if "triples" in report else "")
                  + f" -> {report['path']} ({report['bytes']:,} bytes, {report['read_seconds'] + report['seconds']:.1f} s)")
        for note in report.get("notes", []):
            err.print(f"note: {note}")
        if fmt == "neo4j-csv":
            out.print("import into an empty Neo4j 5 database (server stopped) with:")
            sys.stdout.write(report["command"] + "\n")
            out.print(f"then run {Path(report['path']) / 'post-import.cypher'} once (cypher-shell -f), and any policykg "
                      "command with POLICYKG_BACKEND=neo4j to create the constraints (see README.txt there).")
        v = report.get("verification")
        if v and "shacl" in v:
            s = v["shacl"]
            out.print(f"SHACL: {'conforms' if s['conforms'] else 'does NOT conform'} ({s['violations']} violations, "
                      f"{s['triples']} triples, {s['seconds']:.1f} s)")
            if not s["conforms"]:
                err.print(s["report"])
        if v and "sparql" in v:
            r = v["sparql"]
            out.print(f"SPARQL round trip: {r['cases']} cases, {r['rows']} rows: "
                      + ("all equal to the catalogue's answers" if r["equal"] else f"{len(r['different'])} differ"))
            for d in r["different"][:5]:
                err.print(f"  {d['check']} {d['params']}: catalogue {len(d['catalogue'])} rows, SPARQL {len(d['sparql'])}")
    if report.get("verification") and not report["verification"]["ok"]:
        raise typer.Exit(1)


@app.command("copy")
def copy_cmd(
    to: str = typer.Option(..., "--to", help="The backend to copy to: neo4j or embedded (the source is POLICYKG_BACKEND)."),
    clear: bool = typer.Option(False, "--clear", help="Empty the target first."),
    merge: bool = typer.Option(False, "--merge", help="Add to a target that already holds a graph."),
    verify: bool = typer.Option(True, "--verify/--no-verify", help="Compare counts, catalogue answers and content "
                                                                  "afterwards."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Copy the graph from the configured backend to the other one (same settings otherwise).

    Every node and relationship is read from the source and written through the target's bulk path;
    nothing is re-collected. Then both are compared: counts per label and type, every catalogue
    query (with parameters drawn from the graph), and a digest of every property. Exits 1 if they differ.
    """
    from policykg.export.copy import compare, copy_graph, target_settings
    from policykg.graph import open_backend
    from policykg.settings import get_settings

    _quiet_neo4j_notices()
    settings = get_settings()
    target_conf = target_settings(settings, to.strip().lower())
    with _backend(settings=settings) as source, open_backend(target_conf) as target:
        report = copy_graph(source, target, clear=clear, merge=merge)
        if verify:
            report.verification = compare(source, target)
    data = report.to_dict()
    if as_json:
        _print_json(data)
    else:
        out.print(f"copied {source.name} -> {target.name}: {sum(report.nodes.values())} nodes, "
                  f"{sum(report.relationships.values())} relationships in {report.seconds:.1f} s"
                  + (" (target cleared first)" if report.cleared else ""))
        v = report.verification
        if v:
            q = v["queries"]
            out.print(f"counts: {'equal' if v['counts']['equal'] else 'DIFFERENT ' + str(v['counts']['differences'])}; "
                      f"catalogue: {q['cases'] - len(q['different']) - len(q['errors'])} of {q['cases']} answers equal "
                      f"({q['queries']} queries); content: {'equal' if v['content']['equal'] else 'DIFFERENT in ' + ', '.join(v['content']['different'])}")
            for d in q["different"][:10]:
                err.print(f"  differs: {d['query']} {json.dumps(d['params'], ensure_ascii=False)[:120]}")
            for e in q["errors"][:10]:
                err.print(f"  failed on {e['backend']}: {e['query']}: {e['error']}")
    if not report.ok:
        raise typer.Exit(1)


analytics_app = typer.Typer(help="Network analytics with networkx (no Neo4j plug-in): centrality, communities, "
                                 "similarity. The same graph and seed give the same answer.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")


@analytics_app.command("centrality")
def analytics_centrality(
    kind: str = typer.Option("clause", "--kind", help="clause | industry | tier | place | all"),
    measure: str = typer.Option("pagerank", "--measure", help="pagerank | degree | betweenness (sort order)"),
    seed: int = typer.Option(42, "--seed", help="Seed of the betweenness sampling (large graphs)."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Rank clauses (or industries, tiers, places) on the clause–industry–tier–place projection."""
    from policykg import networks

    _quiet_neo4j_notices()
    with _backend() as backend:
        result = networks.centrality(backend, kind, measure=measure, seed=seed)
    items = result.pop("items")
    if as_json:
        _print_json(networks.page(items, limit, 0, **result))
        return
    table = Table("rank", "id", "name", "degree", "pagerank", "betweenness",
                  title=f"{kind} centrality by {measure} ({result['graph']['nodes']} nodes, "
                        f"{result['graph']['edges']} edges)")
    for it in items[:limit]:
        table.add_row(str(it["rank"]), it["id"], str(it["name"] or ""), str(it["degree"]), f"{it['pagerank']:.4f}",
                      f"{it['betweenness']:.4f}")
    out.print(table)


@analytics_app.command("communities")
def analytics_communities(
    seed: int = typer.Option(42, "--seed", help="Louvain seed."),
    resolution: float = typer.Option(1.0, "--resolution", min=0.001, help="Louvain resolution (higher: smaller communities)."),
    min_size: int = typer.Option(2, "--min-size", min=1, help="Smallest community listed."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many communities to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Communities of enterprises linked by shared investors (funds) and shared industries (Louvain)."""
    from policykg import networks

    _quiet_neo4j_notices()
    with _backend() as backend:
        result = networks.communities(backend, seed=seed, resolution=resolution, min_size=min_size)
    items = result.pop("items")
    if as_json:
        _print_json(networks.page(items, limit, 0, **result))
        return
    g = result["graph"]
    table = Table("#", "size", "industries", "investors", "members (first 3)",
                  title=f"{len(items)} communities of ≥{min_size} ({g['enterprises']} enterprises, {g['edges']} links; "
                        f"modularity {result['modularity']:.3f}, seed {seed})")
    for it in items[:limit]:
        table.add_row(str(it["id"]), str(it["size"]),
                      ", ".join(f"{x['name']} {x['enterprises']}" for x in it["industries"][:3]),
                      ", ".join(f"{x['name']} {x['enterprises']}" for x in it["investors"][:3]),
                      ", ".join(m["id"] for m in it["members"][:3]))
    out.print(table)


@analytics_app.command("similar")
def analytics_similar(
    uscc: str = typer.Argument(..., help="The enterprise's USCC."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Enterprises most similar to one: Jaccard on shared industries, places, tiers, programmes and investors."""
    from policykg import networks

    _quiet_neo4j_notices()
    with _backend() as backend:
        result = networks.similar(backend, uscc)
        items = result.pop("items")
        shown = networks.with_names(backend, items[:limit])
    if as_json:
        _print_json({**networks.page(items, limit, 0, **result), "items": shown})
        return
    table = Table("id", "name", "jaccard", "shared", title=f"similar to {uscc} ({len(items)} share something)")
    for it in shown:
        table.add_row(it["id"], str(it["name"] or ""), f"{it['jaccard']:.3f}",
                      ", ".join(str(s["name"] or s["id"]) for s in it["shared"]))
    out.print(table)


@app.command()
def viz(
    view: str = typer.Argument(..., help="policy-map | industries | enterprise | explore | budget | all"),
    out_path: Path | None = typer.Option(None, "--out", help="File to write (default VIEW.html); for `all`, a folder "
                                          "(default policykg-pages/)."),
    document: str | None = typer.Option(None, "--document", help="policy-map, industries, budget: a PolicyDocument id."),
    uscc: str | None = typer.Option(None, "--uscc", help="enterprise: the firm (default: the one meeting most measures)."),
    node_id: str | None = typer.Option(None, "--id", help="explore: the centre node (default: the first document)."),
    depth: int = typer.Option(2, "--depth", min=1, max=4, help="explore: relationships from the centre."),
    limit: int = typer.Option(500, "--limit", min=1, max=2000, help="explore: at most this many nodes."),
    enterprises: int = typer.Option(0, "--enterprises", min=0, max=100, help="industries: firms drawn per industry."),
) -> None:
    """Write a page as one standalone HTML file (scripts, styles and data inlined: it opens from disk with
    no network), or every page and an index with VIEW `all`. The same pages are served at /viz/."""
    from policykg.viz.render import PAGES, write_standalone

    if view != "all" and view not in PAGES:
        raise typer.BadParameter(f"unknown view {view!r}; choose one of {', '.join(PAGES)} or all", param_hint="VIEW")
    params = {"document": document, "uscc": uscc, "id": node_id, "depth": depth, "limit": limit,
              "enterprises": enterprises}
    with _backend() as backend:
        written = write_standalone(backend, view, out_path, params)
    for path in written:
        out.print(f"wrote {path} ({path.stat().st_size // 1024:,} KB)")


def main() -> None:
    try:
        app()
    except PolicyKGError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
