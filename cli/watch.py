"""`kembar watch --once`: one pass of the dormancy and expiry watch (the active relay runs it
every KEMBAR_WATCH_INTERVAL_SECONDS; this is for admins and tests)."""

from __future__ import annotations

import typer

from cli.database import with_database


def watch(
    once: bool = typer.Option(False, "--once", help="run one pass now and exit"),
) -> None:
    """Flag dormant partnerships, send due expiry reminders, expire ended agreements."""
    if not once:
        typer.echo(
            "the active `kembar relay` (or `kembar serve`) runs the watch periodically; "
            "use `kembar watch --once` for one pass now"
        )
        raise typer.Exit(2)

    async def main() -> int:
        from core import clock
        from core.services.watch import tick

        result = await tick(now=clock.now())
        typer.echo(
            f"checked {result.checked}: {result.dormant} dormant, {result.reactivated} "
            f"reactivated, {result.cleared} flags cleared, {result.reminders} reminders, "
            f"{result.expired} expired, {result.failed} failed (see the log)"
        )
        return result.failed

    if with_database(main):
        raise typer.Exit(1)  # some partnerships could not be processed
