"""Commands that read the graph: query (the catalogue), match (an enterprise's measures), viz (pages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from policykg.cli.common import configured_backend, out, print_json


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise typer.BadParameter(f"expected key=value, got {text!r}")
    key, _, value = text.partition("=")
    return key.strip(), value


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
            print_json([q.describe() for q in catalogue().values()])
            return
        table = Table("name", "parameters", "description")
        for q in catalogue().values():
            table.add_row(q.name, ", ".join(f"{p.name}: {p.type}" for p in q.params), q.description)
        out.print(table)
        return
    get_query(name)  # fail early, before opening a database
    params = dict(_param(p) for p in param)
    with configured_backend() as backend:
        result = backend.query(name, params)
    if as_json:
        print_json(result.records())
        return
    table = Table(*result.columns)
    for row in result.rows:
        table.add_row(*[json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v) for v in row])
    out.print(table)


def _yuan(est: dict[str, Any] | None) -> str:
    return "" if not est else f"{est['low']:,}–{est['high']:,}"


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

    with configured_backend() as backend:
        result = eligible_clauses(backend, uscc, on, document)
    if as_json:
        print_json(result)
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
    with configured_backend() as backend:
        written = write_standalone(backend, view, out_path, params)
    for path in written:
        out.print(f"wrote {path} ({path.stat().st_size // 1024:,} KB)")
