"""Expected failures in GraphQL: ``UserError`` in mutation payloads, coded errors in queries."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from core.errors import DomainError, ErrorCode, Problem


@strawberry.type(description="Something wrong with the input; nothing was changed.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is")
    code: ErrorCode
    message: str


def user_errors(problems: DomainError | list[Problem]) -> list[UserError]:
    """The problems of a refusal (or a refusal itself) as GraphQL ``UserError`` objects."""
    found = problems.problems if isinstance(problems, DomainError) else problems
    return [UserError(field=p.field, code=p.code, message=p.message) for p in found]


def as_graphql_error(error: DomainError) -> GraphQLError:
    """A query-level error that keeps its code and field in ``extensions``."""
    first = error.problems[0]
    return GraphQLError(str(error), extensions={"code": first.code.name, "field": first.field})
