"""`kembar migrate`: apply database migrations and load reference data (countries)."""

from __future__ import annotations

import asyncio

import typer

from cli.database import database_errors_reported, with_database
from cli.startup import settings_or_exit, start
from core.countries import ensure_countries
from core.db import migrate as apply_migrations


def apply() -> int:
    """Apply every pending migration and add missing countries; returns how many were added."""
    settings = settings_or_exit()
    with database_errors_reported(settings):
        asyncio.run(apply_migrations(settings.database_url))
    return with_database(ensure_countries)


def migrate() -> None:
    """Apply every pending migration, then add any missing countries. Safe to run again."""
    settings = start("cli")
    added = apply()
    typer.echo(f"migrated {settings.database_url.split('@')[-1]}; {added} countries added")
