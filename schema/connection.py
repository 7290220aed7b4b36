"""Relay connections with ``totalCount``, built from a :class:`core.pagination.Page`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

from core.errors import DomainError, ErrorCode
from core.pagination import Page, Window, decode_cursor
from schema.ids import MAX_DB_ID

NodeT = TypeVar("NodeT")


@strawberry.type
class CountedConnection(relay.Connection[NodeT], Generic[NodeT]):
    """A page of results; ``totalCount`` counts every match (one extra query, only when asked)."""

    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items match, across all pages")
    async def total_count(self) -> int:
        return await self.count()


def window(
    first: int | None, after: str | None, last: int | None, before: str | None, max_size: int
) -> Window:
    for name, cursor in (("after", after), ("before", before)):
        # A cursor that no row could have produced is refused here: the database would fail on it.
        if cursor and not 0 <= decode_cursor(cursor, name) <= MAX_DB_ID:
            raise DomainError.one(ErrorCode.INVALID, f"{name} is not a valid cursor", name)
    return Window(first=first, after=after, last=last, before=before, max_size=max_size)


def build(connection: type[Any], page: Page, convert: Callable[[Any], Any]) -> Any:
    """``connection`` (a CountedConnection subclass) holding ``page``'s items as GraphQL types."""
    edges = [relay.Edge(node=convert(item), cursor=page.cursor(item)) for item in page.items]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=page.count,
    )
