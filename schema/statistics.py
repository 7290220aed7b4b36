"""The ``portfolioStatistics`` query field."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from core import clock, policy
from core.errors import DomainError
from core.services import statistics as statistics_service
from schema.context import Info
from schema.errors import as_graphql_error
from schema.ids import db_id
from schema.types.statistics import PortfolioStatistics


async def portfolio_statistics(
    info: Info,
    region_id: Annotated[
        relay.GlobalID | None,
        strawberry.argument(description="A region, the regions inside it included; none: all"),
    ] = None,
) -> PortfolioStatistics:
    try:
        stats = await statistics_service.portfolio(
            region_id=None if region_id is None else db_id(region_id, "City", "regionId"),
            today=clock.today(),
            statuses=policy.readable_statuses(info.context.principal),
        )
    except DomainError as error:
        raise as_graphql_error(error) from error
    return PortfolioStatistics.from_statistics(stats)


portfolio_statistics_field = strawberry.field(
    resolver=portfolio_statistics,
    description="Partnerships, programs and participants of a region or of all Indonesia, "
    "counted as the caller may read them",
)
