"""Opaque global ids (Relay): decode one into a database id of the expected type."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry import relay

from core.errors import DomainError, ErrorCode

MAX_DB_ID = 2**31 - 1  # every primary key behind a GraphQL node is a 32-bit integer


def as_db_id(node_id: str) -> int | None:
    """``node_id`` as a database id, or None when it cannot be one (garbled or out of range)."""
    try:
        value = int(node_id)
    except ValueError:
        return None
    return value if 1 <= value <= MAX_DB_ID else None


def db_id(global_id: relay.GlobalID, expected: str, field: str) -> int:
    """The integer id inside ``global_id``, or INVALID when it names another type or is garbled."""
    if global_id.type_name != expected:
        raise DomainError.one(ErrorCode.INVALID, f"{field} must be the id of a {expected}", field)
    value = as_db_id(global_id.node_id)
    if value is None:
        raise DomainError.one(ErrorCode.INVALID, f"{field} is not a valid id", field)
    return value


async def load_nodes(loader: object, node_ids: Iterable[str]) -> list[object | None]:
    """Rows for ``node_ids`` through a by-id DataLoader; None for ids that cannot exist."""
    keys = [as_db_id(node_id) for node_id in node_ids]
    rows = await loader.load_many([key for key in keys if key is not None])  # type: ignore[attr-defined]
    found = iter(rows)
    return [None if key is None else next(found) for key in keys]
