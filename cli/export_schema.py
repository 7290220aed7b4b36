"""`kembar export-schema`: write the GraphQL SDL that the code builds (reviewed in git)."""

from __future__ import annotations

from pathlib import Path

import typer

DEFAULT = Path(__file__).parents[1] / "schema" / "schema.graphql"


def export_schema(
    output: Path = typer.Option(DEFAULT, help="Where to write the SDL ('-' for stdout)"),
) -> None:
    """Print or write the schema's SDL; CI fails when the committed file differs."""
    from schema import schema

    sdl = schema.as_str().strip() + "\n"
    if str(output) == "-":
        typer.echo(sdl, nl=False)
    else:
        output.write_text(sdl, encoding="utf-8")
        typer.echo(f"wrote {output}")
