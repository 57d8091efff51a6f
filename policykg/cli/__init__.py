"""The ``policykg`` command: a thin layer over the same functions the API calls.

One module per group of commands; they are registered here, in the order ``policykg --help`` lists them.
"""

from __future__ import annotations

import sys

from policykg.cli import analytics, data, exports, reads, serving
from policykg.cli.common import app, err
from policykg.errors import PolicyKGError

for name, command in [("demo", data.demo), ("ingest", data.ingest), ("parse", data.parse), ("stats", data.stats),
                      ("load", data.load), ("synth", data.synth), ("query", reads.query), ("serve", serving.serve),
                      ("index", data.index_cmd), ("match", reads.match), ("export", exports.export_cmd),
                      ("copy", exports.copy_cmd)]:
    app.command(name)(command)
app.add_typer(analytics.analytics_app, name="analytics")
app.command("viz")(reads.viz)


def main() -> None:
    try:
        app()
    except PolicyKGError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        sys.exit(2)
