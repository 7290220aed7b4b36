"""Introspection that can be switched off (production default): ``__schema`` and ``__type``
are refused before execution; ``__typename`` stays allowed."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule, validate
from strawberry.extensions import SchemaExtension

from schema.limits import LimitCode


class IntrospectionSwitch(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        allowed = getattr(context.context, "introspection", True)
        if not allowed and context.graphql_document is not None and context.result is None:
            found = validate(
                context.schema._schema, context.graphql_document, [NoSchemaIntrospectionCustomRule]
            )
            if found:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            "introspection is disabled on this server",
                            extensions={"code": LimitCode.INTROSPECTION_DISABLED.value},
                        )
                    ],
                )
        yield
