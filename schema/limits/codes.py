"""Give strawberry's own limit errors (depth, aliases, tokens) their codes in ``extensions``."""

from __future__ import annotations

import re

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.limits import LimitCode

# The messages of QueryDepthLimiter, MaxAliasesLimiter and graphql-core's token limit.
_PATTERNS = (
    (re.compile(r"exceeds maximum operation depth of \d+$"), LimitCode.DEPTH_LIMIT),
    (re.compile(r"^\d+ aliases found\. Allowed: \d+$"), LimitCode.ALIAS_LIMIT),
    (re.compile(r"Document contains more than \d+ tokens\."), LimitCode.TOKEN_LIMIT),
)


def code_of(error: GraphQLError) -> LimitCode | None:
    for pattern, code in _PATTERNS:
        if pattern.search(error.message):
            return code
    return None


def tag(errors: list[GraphQLError] | None) -> None:
    for error in errors or ():
        code = code_of(error)
        if code is not None:
            error.extensions = {**(error.extensions or {}), "code": code.value}


class CodedSchema(strawberry.Schema):
    """Tags limit errors on every path (parse errors can leave before extensions resume)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        tag(errors)
        super().process_errors(errors, execution_context)
