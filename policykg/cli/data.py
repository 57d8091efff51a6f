"""Commands that fill the graph and its index: demo, ingest, parse, stats, load, synth, index."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from policykg.cli.common import configured_backend, err, out, print_json
from policykg.cli.serving import serve_api
from policykg.errors import PolicyKGError

DEMO_ENTERPRISES = 1000


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
    with configured_backend() as backend:
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
        serve_api(host, port)


def ingest(files: list[Path] = typer.Argument(..., exists=False, help="Policy documents (.md, .txt, .html, "
                                             ".docx, .pdf).")) -> None:
    """Parse policy documents and write them, with their evidence, to the graph.

    A file that cannot be read (corrupt, too large, no numbered items …) is reported with its reason
    and the others still ingest; exits 1 when any file failed.
    """
    from policykg.ingest.policy import ingest_paths

    with configured_backend() as backend:
        report = ingest_paths(backend, files)
    counts = {"created": 0, "unchanged": 0, "error": 0}
    for item in report:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
        if item["status"] == "error":
            err.print(f"[red]error[/red] {escape(item['source'])}: {escape(item['error'])}")
        else:
            out.print(f"{item['status']} {escape(item['source'])}: {item['document']} ({item['clauses']} clauses)")
            for key in ("supersedes", "possibly_supersedes", "amends", "superseded_by"):
                if item.get(key):
                    out.print(f"  {key.replace('_', ' ')} {', '.join(item[key])}")
    out.print(f"files {len(report)} = created {counts['created']} + unchanged {counts['unchanged']}"
              f" + failed {counts['error']}")
    if counts["error"]:
        raise typer.Exit(1)


def parse(
    file: Path = typer.Argument(..., help="A policy document."),
    as_json: bool = typer.Option(False, "--json", help="Print the full parse as JSON."),
) -> None:
    """Parse a document without touching the database."""
    from policykg.ingest.parse import parse_file

    doc = parse_file(file)
    if as_json:
        print_json(doc.to_dict())
        return
    d = doc.document
    out.print(f"{d.title}\n{d.doc_number or '(no number)'}  issued {d.issued_date}  in force {d.effective_date}")
    table = Table("id", "label", "kind", "title")
    for c in doc.clauses:
        table.add_row(c.id, c.label, c.kind, c.title or c.text[:30])
    out.print(table)


def stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Count nodes per label and relationships per type."""
    with configured_backend() as backend:
        data = {"backend": backend.name, **backend.counts()}
    if as_json:
        print_json(data)
        return
    table = Table("kind", "name", "count", title=f"backend: {data['backend']}")
    for label, n in data["nodes"].items():
        table.add_row("node", label, str(n))
    for rel, n in data["relationships"].items():
        table.add_row("relationship", rel, str(n))
    out.print(table)


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

    with configured_backend() as backend:
        report = load_paths(backend, paths, chunk_size=chunk)
    if as_json:
        print_json(report.to_dict())
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
        print_json(result)
        return
    for kind, f in result["files"].items():
        out.print(f"{kind:<12} {f['rows']:>9}  {f['path']}")
    out.print(f"seed {result['seed']}, {result['seconds']:.1f} s; load with: policykg load {out_dir}")


def index_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Build the derived (matching / gaps) index for the data as it is now and keep it on disk
    (POLICYKG_DERIVED_DIR, default <data_dir>/derived), where `policykg serve` reads it; an index
    already there for the same data is kept."""
    from policykg.analysis.service import prepare
    from policykg.settings import get_settings

    settings = get_settings()
    info = prepare(settings)
    if info is None:
        out.print("[red]no index: there is no embedded database yet, or the data changed while it was built "
                  "(run it again)[/]")
        raise typer.Exit(1)
    if as_json:
        print_json(info)
    else:
        out.print(f"{info['enterprises']:,} enterprises, {info['megabytes']} MB, in {info['stored']} "
                  f"({info['seconds']} s)")
