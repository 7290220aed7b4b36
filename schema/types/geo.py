"""Countries and cities/regions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from schema.connection import CountedConnection
from schema.context import Info
from schema.enums import RegionLevel
from schema.ids import load_nodes
from schema.permissions import visible

if TYPE_CHECKING:
    from schema.types.partnership import Partnership


@strawberry.type
class Country:
    code: str = strawberry.field(description="ISO 3166-1 alpha-2")
    name: str
    diplomatic_relations: bool = strawberry.field(
        description="Whether Indonesia has diplomatic relations with it (a stage-1 guard)"
    )

    @classmethod
    def from_model(cls, row: Any) -> Country:
        return cls(code=row.code, name=row.name, diplomatic_relations=row.diplomatic_relations)


@strawberry.type(description="A city or region, Indonesian or foreign. Names are not unique.")
class City(relay.Node):
    id: relay.NodeID[int]
    name: str
    alternate_names: list[str]
    level: RegionLevel
    population: int | None
    latitude: float | None
    longitude: float | None
    timezone: str | None
    geonames_id: int | None
    country_code: str
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: Any) -> City:
        return cls(
            id=row.id,
            name=row.name,
            alternate_names=list(row.alternate_names or []),
            level=row.level,
            population=row.population,
            latitude=row.latitude,
            longitude=row.longitude,
            timezone=row.timezone,
            geonames_id=row.geonames_id,
            country_code=row.country_id,
            parent_id=row.parent_id,
        )

    @strawberry.field
    async def country(self, info: Info) -> Country:
        return Country.from_model(
            await info.context.loaders.country_by_code.load(self.country_code)
        )

    @strawberry.field(description="The region this one lies in (e.g. a kota's province)")
    async def parent(self, info: Info) -> City | None:
        if self.parent_id is None:
            return None
        row = await info.context.loaders.city_by_id.load(self.parent_id)
        return City.from_model(row) if row else None

    @strawberry.field(description="Partnerships this region takes part in, on either side")
    async def partnerships(
        self, info: Info
    ) -> list[Annotated[Partnership, strawberry.lazy("schema.types.partnership")]]:
        from schema.types.partnership import Partnership

        rows = await info.context.loaders.partnerships_by_region.load(self.id)
        return [Partnership.from_model(row) for row in visible(info, rows)]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[City | None]:
        rows = await load_nodes(info.context.loaders.city_by_id, node_ids)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type
class CityConnection(CountedConnection[City]):
    pass
