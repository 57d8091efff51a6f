"""What every command shares: the Typer app, the consoles, opening the backend, printing JSON."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import typer
from rich.console import Console

from policykg import __version__

app = typer.Typer(
    name="policykg",
    help="A knowledge graph of industrial policies, enterprises and funds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def configured_backend(**kwargs: Any):
    """The backend the settings name (its engine imported on first use: ``policykg parse`` opens none)."""
    from policykg.graph import open_backend

    return open_backend(**kwargs)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def quiet_neo4j_notices() -> None:
    """The Neo4j driver logs a warning for every property a query names that no node has yet."""
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        out.print(f"policykg {__version__}")
        raise typer.Exit()
