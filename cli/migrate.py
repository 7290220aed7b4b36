"""`kembar migrate`: apply database migrations and load reference data (countries)."""

from __future__ import annotations

import asyncio

import typer

from cli.database import with_database
from cli.startup import start
from core.countries import ensure_countries
from core.db import migrate as apply_migrations
from core.settings import get_settings


def apply() -> int:
    """Apply every pending migration and add missing countries; returns how many were added."""
    asyncio.run(apply_migrations(get_settings().database_url))
    return with_database(ensure_countries)


def migrate() -> None:
    """Apply every pending migration, then add any missing countries. Safe to run again."""
    settings = start("cli")
    added = apply()
    typer.echo(f"migrated {settings.database_url.split('@')[-1]}; {added} countries added")
