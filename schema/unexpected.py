"""Which errors are unexpected (masked as "internal error") and logging them with an id."""

from __future__ import annotations

import logging
import uuid

from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.relay.types import GlobalIDValueError

log = logging.getLogger("kembar.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """True for exceptions raised by our code or libraries; False for GraphQL's own errors
    (syntax, validation, coded errors we raised on purpose) and for a global id naming a type
    that does not exist (the client's mistake, reported as strawberry words it)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | GlobalIDValueError):
        return False
    return True


class MaskUnexpected(MaskErrors):
    """Unexpected errors become "internal error" with an ``errorId`` that is also logged, with the
    traceback, so a caller's report finds the cause; expected errors keep their codes."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = uuid.uuid4().hex
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_ERROR", "errorId": error_id}
        return masked
