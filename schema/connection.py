"""Relay connections with ``totalCount``, built from a :class:`core.pagination.Page`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry import relay

from core.errors import DomainError, ErrorCode
from core.pagination import Page, Window, decode_cursor
from schema.errors import as_graphql_error
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


async def paged(
    connection: type[Any], convert: Callable[[Any], Any], work: Callable[[], Awaitable[Page]]
) -> Any:
    """``build`` the page that ``work`` fetches; its refusals (bad cursor, page too large, bad
    filter) become query errors that keep their code and field. ``work`` is called inside the
    guard, so the window and the filters' ids are checked there too."""
    try:
        page = await work()
    except DomainError as error:
        raise as_graphql_error(error) from error
    return build(connection, page, convert)
