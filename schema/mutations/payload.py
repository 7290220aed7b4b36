"""Run one service call for a mutation: its result in the payload, or its typed errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from core.errors import DomainError
from schema.errors import user_errors

P = TypeVar("P")


async def run(
    payload: Callable[..., P],
    field: str,
    convert: Callable[[Any], Any],
    work: Callable[[], Awaitable[Any]],
) -> P:
    """``payload(field=convert(result))``, or ``payload(errors=[...])`` if the service refused.

    ``work`` is called inside the guard, so decoding ids in it is covered too. Unexpected
    exceptions are not caught here: they surface as masked internal errors.
    """
    try:
        result = await work()
    except DomainError as error:
        return payload(errors=user_errors(error))
    return payload(**{field: convert(result)})
