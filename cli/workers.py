"""`kembar worker`, `kembar relay`, `kembar dead-letters`, `kembar replay`: the event pipeline."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import redis
import typer

from cli.database import with_database
from cli.progress import Advance, Shown, bar
from cli.startup import settings_or_exit, start

T = TypeVar("T")


def worker(
    processes: int = typer.Option(2, help="worker processes"),
    threads: int = typer.Option(4, help="threads per process"),
    queues: list[str] = typer.Option(None, "--queue", "-Q", help="only these queues"),
) -> None:
    """Run Dramatiq workers for the actors (needs KEMBAR_REDIS_URL). Same as
    `dramatiq workers.actors`."""
    settings = start("worker")
    if not settings.redis_url:
        typer.echo("KEMBAR_REDIS_URL is not set: `kembar serve` runs the workers in-process")
        raise typer.Exit(2)
    if settings.worker_metrics_port and "dramatiq_prom_db" not in os.environ:
        # Dramatiq's metrics files live in one folder per host by default, summed by whoever
        # serves them: give this worker (its port) its own, emptied, so it counts only itself.
        port = settings.worker_metrics_port
        folder = Path(tempfile.gettempdir()) / f"kembar-worker-metrics-{port}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        os.environ["dramatiq_prom_db"] = str(folder)
    argv = [sys.executable, "-m", "dramatiq", "workers.actors"]
    argv += ["--processes", str(processes), "--threads", str(threads)]
    for queue in queues or []:
        argv += ["--queues", queue]
    os.execv(sys.executable, argv)


def relay() -> None:
    """Relay the outbox to Redis until stopped (SIGINT/SIGTERM). Several may run: one is active,
    the others stand by."""
    settings = start("relay")
    if not settings.redis_url:
        typer.echo("KEMBAR_REDIS_URL is not set: `kembar serve` runs the relay in-process")
        raise typer.Exit(2)

    async def main() -> None:
        from workers.broker import broker
        from workers.publish import publisher
        from workers.relay import run_relay

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_relay(publisher(broker), settings=settings, stop=stop)

    with_database(main)


def dead_letters(
    queue: str = typer.Option(None, help="only this queue"),
    limit: int = typer.Option(50, help="at most this many"),
    traceback: bool = typer.Option(False, "--traceback", help="show each full traceback"),
) -> None:
    """List messages that failed for good, newest first, with their error."""
    from core.services.dead_letters import list_dead_letters

    settings_or_exit()
    letters = _with_redis(list_dead_letters(queue=queue, limit=limit))
    if not letters:
        typer.echo("no dead letters")
        return
    for letter in letters:
        typer.echo(
            f"{letter.failed_at:%Y-%m-%d %H:%M:%S} {letter.queue} {letter.redis_message_id} "
            f"{letter.actor_name} {letter.event_type} {letter.event_id} "
            f"retries={letter.retries}\n    {letter.error}"
        )
        if traceback:
            typer.echo(letter.traceback)


def replay(
    redis_message_id: str = typer.Argument(None, help="the id `dead-letters` shows"),
    queue: str = typer.Option(None, help="the message's queue (required with an id)"),
    all_: bool = typer.Option(False, "--all", help="replay every dead letter (of --queue)"),
    progress: Shown = None,
) -> None:
    """Put dead messages back on their queue (the actors ignore events they already applied)."""
    from core.services import dead_letters as service

    settings_or_exit()
    if all_:
        with bar("replay", progress) as advance:
            count = _with_redis(_replay_each(queue, advance))
        typer.echo(f"replayed {count}")
        return
    if not redis_message_id or not queue:
        typer.echo("give a message id and --queue, or --all")
        raise typer.Exit(2)
    new_id = _with_redis(service.replay(queue=queue, redis_message_id=redis_message_id))
    if new_id is None:
        typer.echo("no such dead letter")
        raise typer.Exit(1)
    typer.echo(f"replayed as {new_id}")


def backlog() -> None:
    """The outbox backlog: unsent events and the age of the oldest."""
    from core.services.backlog import outbox_backlog

    found = with_database(outbox_backlog)
    age = f"{found.oldest_age_seconds:.1f}s" if found.oldest_age_seconds is not None else "-"
    typer.echo(f"unsent={found.unsent} oldest={age} failing={found.failing}")
    if found.last_error:
        typer.echo(f"last error: {found.last_error}")


def _with_redis(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; an unreachable Redis is one line and exit code 1, not a traceback."""
    try:
        return asyncio.run(work)
    except (redis.ConnectionError, redis.TimeoutError) as error:
        typer.echo(f"kembar: cannot reach Redis: {error}", err=True)
        raise typer.Exit(1) from None


async def _replay_each(queue: str | None, advance: Advance) -> int:
    """``replay_all``, one message at a time so that the bar moves; returns how many."""
    from core.services import dead_letters as service

    replayed = seen = 0
    while letters := await service.list_dead_letters(queue=queue, limit=500):
        seen += len(letters)
        for letter in letters:
            if await service.replay(queue=letter.queue, redis_message_id=letter.redis_message_id):
                replayed += 1
            advance(replayed, seen)
    return replayed
