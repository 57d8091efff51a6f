"""Commands that write the graph elsewhere: export (open formats), copy (to the other backend)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from policykg.cli.common import configured_backend, err, out, print_json, quiet_neo4j_notices
from policykg.errors import PolicyKGError


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

    quiet_neo4j_notices()
    fmt = check_format(fmt)
    if (validate or check) and fmt not in RDF:
        raise PolicyKGError("--validate and --check apply to RDF exports (ttl, jsonld, nt)")
    with configured_backend() as backend:
        part = select_part(backend, document=document, industry=industry, enterprise=enterprise, node=node,
                           depth=depth)
        if check and not part.whole:
            raise PolicyKGError("--check compares with the whole graph's catalogue answers: export the whole graph")
        report = export(backend, fmt, out_path, part, base=base, with_ontology=ontology)
        if validate or check:
            report["verification"] = verify_file(backend, out_path, fmt, validate=validate, check=check, base=base)
    if as_json:
        print_json(report)
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

    quiet_neo4j_notices()
    settings = get_settings()
    target_conf = target_settings(settings, to.strip().lower())
    with configured_backend(settings=settings) as source, open_backend(target_conf) as target:
        report = copy_graph(source, target, clear=clear, merge=merge)
        if verify:
            report.verification = compare(source, target)
    data = report.to_dict()
    if as_json:
        print_json(data)
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
