"""What every long-running command does first: read the settings (a missing or bad value stops it
with one line naming the variable, exit code 2, no traceback) and set up the process's logs."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from core import logs
from core.settings import Settings, get_settings

BAD_SETTINGS = 2  # a usage error, as typer's own


def settings_or_exit() -> Settings:
    """The process's settings, or exit 2 with one line naming what is missing or wrong."""
    try:
        return get_settings()
    except ValidationError as error:
        typer.echo(f"kembar: {describe(error)}", err=True)
        raise typer.Exit(BAD_SETTINGS) from None


def start(role: str) -> Settings:
    """Settings (or exit 2), then this process's logging for ``role``."""
    settings = settings_or_exit()
    logs.configure(settings, role=role)
    return settings


def describe(error: ValidationError) -> str:
    """One line: each problem with the environment variable it comes from."""
    problems = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["loc"]:
            variable = "KEMBAR_" + "_".join(str(part) for part in item["loc"]).upper()
            problems.append(f"{variable}: {message}")
        else:
            problems.append(message)
    return "bad settings: " + "; ".join(problems)
