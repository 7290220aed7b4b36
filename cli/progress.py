"""Progress bars for long commands: on stderr, only when it is a terminal unless the command's
``--progress/--no-progress`` says otherwise, so piped output and logs stay clean."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Shown = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Show a progress bar on stderr (default: when stderr is a terminal).",
        show_default=False,
    ),
]

Advance = Callable[[int, int | None], None]  # (done, total or None while unknown)


@contextmanager
def bar(label: str, shown: bool | None) -> Iterator[Advance]:
    """A bar labelled ``label``; yields ``advance(done, total)``. Nothing is drawn when hidden."""
    if not (sys.stderr.isatty() if shown is None else shown):
        yield lambda done, total: None
        return
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)
