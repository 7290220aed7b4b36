"""Load one row for update (FOR UPDATE on PostgreSQL; SQLite's single writer serialises instead)."""

from __future__ import annotations

from typing import TypeVar

from tortoise.models import Model

from core.errors import DomainError, ErrorCode

M = TypeVar("M", bound=Model)


async def locked(model: type[M], pk: int, what: str, field: str = "id") -> M:
    """The row with primary key ``pk``, locked until the transaction ends, or NOT_FOUND."""
    row = await model.select_for_update().get_or_none(pk=pk)
    if row is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, f"no such {what}", field)
    return row
