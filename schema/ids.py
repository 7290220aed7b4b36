"""Opaque global ids (Relay): decode one into a database id of the expected type."""

from __future__ import annotations

from strawberry import relay

from core.errors import DomainError, ErrorCode


def db_id(global_id: relay.GlobalID, expected: str, field: str) -> int:
    """The integer id inside ``global_id``, or INVALID when it names another type or is garbled."""
    if global_id.type_name != expected:
        raise DomainError.one(ErrorCode.INVALID, f"{field} must be the id of a {expected}", field)
    try:
        return int(global_id.node_id)
    except ValueError as exc:
        raise DomainError.one(ErrorCode.INVALID, f"{field} is not a valid id", field) from exc
