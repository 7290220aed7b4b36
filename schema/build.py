"""Build the one schema of this process (two schemas using relay.node() fail: upstream #3823)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors, ParserCache, QueryDepthLimiter, ValidationCache

from schema.mutations import Mutation
from schema.queries import Query
from schema.unexpected import is_unexpected

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: QueryDepthLimiter(max_depth=10),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="internal error"),
    ],
)
