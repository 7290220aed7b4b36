"""Which errors are unexpected (masked as "internal error") and logging them with an id."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.relay.types import GlobalIDValueError

log = logging.getLogger("kembar.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """True for exceptions raised by our code or libraries; False for GraphQL's own errors
    (syntax, validation, coded errors we raised on purpose) and for a global id naming a type
    that does not exist (the client's mistake, reported as strawberry words it)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | GlobalIDValueError):
        return False
    log.error("unexpected error at %s", error.path, exc_info=original)
    return True
