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
    """Load the seed policy (杭高新〔2024〕16号) into the configured backend, then serve the API."""
    from policykg.ingest.policy import ingest_seed

    with _backend() as backend:
        report = ingest_seed(backend)
        counts = backend.counts()
    for item in report:
        out.print(f"ingested {item['source']}: {item['document']} ({item['status']})")
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


def main() -> None:
    try:
        app()
    except PolicyKGError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
