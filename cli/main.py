"""Entry point of the `kembar` console script: every command, one place to find them."""

from __future__ import annotations

import typer

from cli import accounts as accounts_cli
from cli import data
from cli import workers as workers_cli
from cli.check import check
from cli.export_schema import export_schema
from cli.migrate import migrate
from cli.serve import serve
from cli.watch import watch

app = typer.Typer(
    name="kembar",
    help="Kembar: sister-city partnerships for Indonesian regional governments.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Kembar: sister-city partnerships for Indonesian regional governments."""


app.command("migrate")(migrate)
app.command("serve")(serve)
app.command("export-schema")(export_schema)
app.command("worker")(workers_cli.worker)
app.command("relay")(workers_cli.relay)
app.command("dead-letters")(workers_cli.dead_letters)
app.command("replay")(workers_cli.replay)
app.command("backlog")(workers_cli.backlog)
app.command("watch")(watch)
app.command("import-cities")(data.import_cities)
app.command("import-pairs")(data.import_pairs)
app.command("seed-demo")(data.seed_demo)
app.command("create-token")(accounts_cli.create_token)
app.command("revoke-token")(accounts_cli.revoke_token)
app.command("check")(check)

if __name__ == "__main__":
    app()
