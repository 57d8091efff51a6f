"""The ``policykg`` command: a thin layer over the same functions the API calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
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
def ingest(files: list[Path] = typer.Argument(..., exists=False, help="Policy documents (.md, .txt).")) -> None:
    """Parse policy documents and write them, with their evidence, to the graph."""
    from policykg.ingest.policy import ingest_paths

    with _backend() as backend:
        report = ingest_paths(backend, files)
    failed = 0
    for item in report:
        if item["status"] == "error":
            failed += 1
            err.print(f"[red]error[/red] {item['source']}: {item['error']}")
        else:
            out.print(f"{item['status']} {item['source']}: {item['document']} ({item['clauses']} clauses)")
    if failed:
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
    chunk: int = typer.Option(50_000, "--chunk", min=1, help="Records validated and written together."),
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


def _serve(host: str, port: int) -> None:
    import uvicorn

    from policykg.api.app import create_app

    out.print(f"serving http://{host}:{port}/  (API docs at /docs, health at /api/health)")
    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
) -> None:
    """Serve the JSON API (OpenAPI docs at /docs)."""
    _serve(host, port)


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

    The same answer as GET /api/enterprises/USCC/eligible-clauses: sorted by status, then estimate; the
    total applies each document's stacking rule (one project paid once, at the highest).
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


def main() -> None:
    try:
        app()
    except PolicyKGError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
