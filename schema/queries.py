"""The Query root: node lookup, the three Relay connections, and countries."""

from __future__ import annotations

import strawberry
from strawberry import relay

from core import policy
from core.services import cities as city_service
from core.services import partnerships as partnership_service
from core.services import programs as program_service
from schema.connection import paged, window
from schema.context import Info
from schema.enums import (
    Area,
    PartnershipKind,
    PartnershipStatus,
    ProgramStatus,
    ProgramType,
    RegionLevel,
    Stage,
)
from schema.ids import db_id
from schema.statistics import portfolio_statistics_field
from schema.suggestions import suggest_partners_field
from schema.types.geo import City, CityConnection, Country
from schema.types.partnership import Partnership, PartnershipConnection
from schema.types.program import Program, ProgramConnection


@strawberry.input
class CityFilter:
    country_code: str | None = None
    parent_id: relay.GlobalID | None = None
    level: RegionLevel | None = None
    search: str | None = strawberry.field(
        default=None, description="Text in the name or any alternate name (case-insensitive)"
    )


@strawberry.input
class PartnershipFilter:
    stage: Stage | None = None
    status: PartnershipStatus | None = None
    kind: PartnershipKind | None = None
    area: Area | None = None
    region_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A region on either side"
    )
    country_code: str | None = strawberry.field(
        default=None, description="Either region's country (ISO alpha-2)"
    )
    signed_year: int | None = None
    dormant: bool | None = strawberry.field(
        default=None, description="Flagged by the watch: no recorded activity for months"
    )


@strawberry.input
class ProgramFilter:
    area: Area | None = None
    type: ProgramType | None = None
    status: ProgramStatus | None = None
    year: int | None = strawberry.field(default=None, description="Programs running that year")
    partnership_id: relay.GlobalID | None = None


def _id(value: relay.GlobalID | None, expected: str, field: str) -> int | None:
    return None if value is None else db_id(value, expected, field)


@strawberry.type
class Query:
    node: relay.Node | None = relay.node()

    @strawberry.field(description="Cities and regions, by id; page size at most 100")
    async def cities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: CityFilter | None = None,
    ) -> CityConnection:
        f = filter or CityFilter()
        return await paged(
            CityConnection,
            City.from_model,
            lambda: city_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                country_code=f.country_code,
                parent_id=_id(f.parent_id, "City", "filter.parentId"),
                level=f.level,
                text=f.search,
            ),
        )

    @strawberry.field(description="Partnerships, by id; page size at most 100")
    async def partnerships(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: PartnershipFilter | None = None,
    ) -> PartnershipConnection:
        f = filter or PartnershipFilter()
        return await paged(
            PartnershipConnection,
            Partnership.from_model,
            lambda: partnership_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                stage=f.stage,
                status=f.status,
                kind=f.kind,
                area=f.area,
                region_id=_id(f.region_id, "City", "filter.regionId"),
                country_code=f.country_code,
                signed_year=f.signed_year,
                dormant=f.dormant,
                statuses=policy.readable_statuses(info.context.principal),
            ),
        )

    @strawberry.field(description="Programs, by id; page size at most 100")
    async def programs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ProgramFilter | None = None,
    ) -> ProgramConnection:
        f = filter or ProgramFilter()
        return await paged(
            ProgramConnection,
            Program.from_model,
            lambda: program_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                area=f.area,
                type=f.type,
                status=f.status,
                year=f.year,
                partnership_id=_id(f.partnership_id, "Partnership", "filter.partnershipId"),
                partnership_statuses=policy.readable_statuses(info.context.principal),
            ),
        )

    suggest_partners = suggest_partners_field

    portfolio_statistics = portfolio_statistics_field

    @strawberry.field(description="Every country, by name")
    async def countries(self, with_relations: bool | None = None) -> list[Country]:
        rows = await city_service.countries(with_relations=with_relations)
        return [Country.from_model(row) for row in rows]
