"""Build the one schema of this process (two schemas using relay.node() fail: upstream #3823)."""

from __future__ import annotations

from strawberry.extensions import MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.tools import merge_types

from schema.administration import AdministrationQueries
from schema.limits.codes import CodedSchema
from schema.limits.cost import QueryCost
from schema.limits.introspection import IntrospectionSwitch
from schema.limits.rules import DepthAndAliasLimits
from schema.mutations import Mutation
from schema.operations import OperationsQuery
from schema.queries import Query
from schema.subscriptions import Subscription
from schema.types.subscriber import SubscriberQueries
from schema.unexpected import MaskUnexpected

MAX_TOKENS = 2_000

schema = CodedSchema(
    query=merge_types(
        "Query", (Query, AdministrationQueries, OperationsQuery, SubscriberQueries)
    ),
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        DepthAndAliasLimits,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        IntrospectionSwitch,
        QueryCost,
        MaskUnexpected,
    ],
)
