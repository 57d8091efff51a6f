"""`policykg analytics`: network analytics with networkx (policykg.networks)."""

from __future__ import annotations

import typer
from rich.table import Table

from policykg.cli.common import configured_backend, out, print_json, quiet_neo4j_notices

analytics_app = typer.Typer(help="Network analytics with networkx (no Neo4j plug-in): centrality, communities, "
                                 "similarity. The same graph and seed give the same answer.", no_args_is_help=True)


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

    quiet_neo4j_notices()
    with configured_backend() as backend:
        result = networks.centrality(backend, kind, measure=measure, seed=seed)
    items = result.pop("items")
    if as_json:
        print_json(networks.page(items, limit, 0, **result))
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

    quiet_neo4j_notices()
    with configured_backend() as backend:
        result = networks.communities(backend, seed=seed, resolution=resolution, min_size=min_size)
    items = result.pop("items")
    if as_json:
        print_json(networks.page(items, limit, 0, **result))
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

    quiet_neo4j_notices()
    with configured_backend() as backend:
        result = networks.similar(backend, uscc)
        items = result.pop("items")
        shown = networks.with_names(backend, items[:limit])
    if as_json:
        print_json({**networks.page(items, limit, 0, **result), "items": shown})
        return
    table = Table("id", "name", "jaccard", "shared", title=f"similar to {uscc} ({len(items)} share something)")
    for it in shown:
        table.add_row(it["id"], str(it["name"] or ""), f"{it['jaccard']:.3f}",
                      ", ".join(str(s["name"] or s["id"]) for s in it["shared"]))
    out.print(table)
