"""The audit log: ``record`` inside the transaction of every change; ``search`` for admins."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from core import clock, correlation
from core.models import AuditEntry
from core.pagination import Page, Window, paginate

# Never copied into the log, whatever the entity.
SECRET_FIELDS = frozenset({"token_hash", "secret", "webhook_secret", "password", "password_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(row: Model | None, **extra: Any) -> dict[str, Any] | None:
    """``row``'s database fields (secrets left out) as JSON values, plus ``extra``."""
    if row is None:
        return None
    names = row._meta.db_fields  # column names, e.g. "indonesian_region_id"
    state = {
        name: _plain(getattr(row, row._meta.fields_db_projection_reverse.get(name, name), None))
        for name in sorted(names)
        if name not in SECRET_FIELDS
    }
    return {**state, **{k: _plain(v) for k, v in extra.items()}}


async def record(
    *,
    actor: str,
    action: str,
    entity: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | bool | None = True,
) -> AuditEntry:
    """Append one entry; ``after=True`` (the default) snapshots ``entity`` as it is now.
    Commits or rolls back with the surrounding transaction."""
    return await AuditEntry.create(
        at=clock.now(),
        actor=actor,
        action=action,
        entity_type=entity._meta.db_table,
        entity_id=str(entity.pk),
        before=before,
        after=snapshot(entity) if after is True else after,
        correlation_id=correlation.current(),
    )


async def search(
    *,
    window: Window,
    actor: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> Page[AuditEntry]:
    """Entries matching every filter given, oldest first."""
    query = AuditEntry.all()
    if actor is not None:
        query = query.filter(actor=actor)
    if entity_type is not None:
        query = query.filter(entity_type=entity_type)
    if entity_id is not None:
        query = query.filter(entity_id=entity_id)
    if action is not None:
        query = query.filter(action=action)
    return await paginate(query, window)
