"""The cost of a query, computed before execution from the page sizes it asks for.

Every object the query may return counts once: a connection's page size multiplies what is
selected inside it, and a plain list field (``programs``, ``documents``...) counts as
``LIST_ESTIMATE`` items. Scalars are free. The result is reported in ``extensions.cost``
(``{requested, limit}``) as GitHub and Shopify do, and a query over the limit is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from schema.limits import LimitCode

LIST_ESTIMATE = 10  # items assumed in a list field that takes no page size
DEFAULT_PAGE = 20  # core.pagination.Window.default_size
PAGE_ARGUMENTS = ("first", "last")


@dataclass
class Estimate:
    requested: int = 0
    oversized: list[tuple[str, int]] = field(default_factory=list)  # (argument, value)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


def _int(node: Any, variables: Mapping[str, Any]) -> int | None:
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, VariableNode):
        value = variables.get(node.name.value)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return None


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    page_size_max: int,
) -> Estimate:
    """What ``document``'s operation may return, before running it."""
    result = Estimate()
    operation = _operation(document, operation_name)
    if operation is None:
        return result
    root = schema.get_root_type(operation.operation)
    if root is None:
        return result
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    _walk(
        schema, root, operation.selection_set, 1, fragments, variables or {}, page_size_max, result
    )
    return result


def _fields(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> Iterator[tuple[FieldNode, str | None]]:
    """Every field selected, through fragments, with the type condition it sits under."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection, None
        elif isinstance(selection, InlineFragmentNode):
            outer = selection.type_condition.name.value if selection.type_condition else None
            for node, inner in _fields(selection.selection_set, fragments, seen):
                yield node, inner or outer
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                for node, inner in _fields(fragment.selection_set, fragments, seen | {name}):
                    yield node, inner or fragment.type_condition.name.value


def _walk(
    schema: GraphQLSchema,
    parent: Any,
    selection_set: SelectionSetNode,
    multiplier: int,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    page_size_max: int,
    result: Estimate,
) -> None:
    for node, condition in _fields(selection_set, fragments):
        owner = schema.get_type(condition) if condition else parent
        fields = getattr(owner, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            continue  # scalars, __typename, introspection meta fields
        size = 1
        arguments = {a.name.value: a.value for a in node.arguments or ()}
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            size = DEFAULT_PAGE
            for name in PAGE_ARGUMENTS:
                value = _int(arguments.get(name), variables)
                if value is not None:
                    if value > page_size_max:
                        result.oversized.append((name, value))
                    size = max(0, value)
        elif _is_list(definition.type) and not owner.name.endswith("Connection"):
            size = LIST_ESTIMATE
        result.requested += multiplier * size
        target = get_named_type(definition.type)
        if is_composite_type(target):
            _walk(
                schema,
                target,
                node.selection_set,
                multiplier * max(size, 1),
                fragments,
                variables,
                page_size_max,
                result,
            )


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class QueryCost(SchemaExtension):
    """Refuse, before execution, pages over the size limit and queries over the cost budget."""

    def __init__(self) -> None:
        self.cost: dict[str, int] | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        settings = context.context
        limit = getattr(settings, "cost_limit", 10_000)
        page_size_max = getattr(settings, "page_size_max", 100)
        if context.graphql_document is not None and context.result is None:
            found = estimate(
                context.schema._schema,
                context.graphql_document,
                context.operation_name,
                context.variables,
                page_size_max=page_size_max,
            )
            self.cost = {"requested": found.requested, "limit": limit}
            errors = [
                GraphQLError(
                    f"{name} must be at most {page_size_max} (page size limit), not {value}",
                    extensions={"code": LimitCode.PAGE_SIZE_LIMIT.value, "field": name},
                )
                for name, value in found.oversized
            ]
            if not errors and found.requested > limit:
                errors.append(
                    GraphQLError(
                        f"this query may return {found.requested} objects; the limit is "
                        f"{limit}: ask for smaller pages or fewer nested lists",
                        extensions={"code": LimitCode.COST_LIMIT.value, **self.cost},
                    )
                )
            if errors:
                context.result = GraphQLExecutionResult(data=None, errors=errors)
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost} if self.cost is not None else {}
