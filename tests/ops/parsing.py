"""Parse a `kembar` command line with the CLI's own parser, without running it: an unknown
option and a value of the wrong type (``--port abc``) both fail (``--help`` catches only the
first)."""

from __future__ import annotations

import typer
from typer._click.exceptions import UsageError  # typer ships its own click

from cli.main import app

__all__ = ["UsageError", "parse"]


def parse(argv: list[str]) -> typer.Context:
    """The context ``kembar <argv[1:]>`` would run with; UsageError when it does not parse."""
    assert argv[0] == "kembar", argv
    group = typer.main.get_command(app)
    root = typer.Context(group, info_name="kembar")
    command = group.get_command(root, argv[1])  # type: ignore[attr-defined]
    assert command is not None, f"no command {argv[1]}"
    return command.make_context(argv[1], list(argv[2:]), parent=root)
