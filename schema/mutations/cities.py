"""Create and update cities; record diplomatic relations."""

from __future__ import annotations

import strawberry
from strawberry import relay

from core.services import cities as city_service
from schema.context import Info
from schema.enums import RegionLevel
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import EditsReferenceData
from schema.types.geo import City, Country


@strawberry.input
class CreateCityInput:
    name: str
    level: RegionLevel
    country_code: str
    alternate_names: list[str] | None = None
    parent_id: relay.GlobalID | None = None
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    geonames_id: int | None = None


@strawberry.input(description="Fields left out (or null) stay as they are")
class UpdateCityInput:
    id: relay.GlobalID
    name: str | None = None
    level: RegionLevel | None = None
    country_code: str | None = None
    alternate_names: list[str] | None = None
    parent_id: relay.GlobalID | None = None
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    timezone: str | None = None
    geonames_id: int | None = None


@strawberry.type
class CityPayload:
    city: City | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CountryPayload:
    country: Country | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CityMutations:
    @strawberry.mutation(permission_classes=[EditsReferenceData])
    async def create_city(self, info: Info, input: CreateCityInput) -> CityPayload:
        return await run(
            CityPayload,
            "city",
            City.from_model,
            lambda: city_service.create_city(
                name=input.name,
                level=input.level,
                country_code=input.country_code,
                alternate_names=input.alternate_names,
                parent_id=db_id(input.parent_id, "City", "parentId") if input.parent_id else None,
                population=input.population,
                latitude=input.latitude,
                longitude=input.longitude,
                timezone=input.timezone,
                geonames_id=input.geonames_id,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(permission_classes=[EditsReferenceData])
    async def update_city(self, info: Info, input: UpdateCityInput) -> CityPayload:
        return await run(
            CityPayload,
            "city",
            City.from_model,
            lambda: city_service.update_city(
                city_id=db_id(input.id, "City", "id"),
                name=input.name,
                level=input.level,
                country_code=input.country_code,
                alternate_names=input.alternate_names,
                parent_id=db_id(input.parent_id, "City", "parentId") if input.parent_id else None,
                population=input.population,
                latitude=input.latitude,
                longitude=input.longitude,
                timezone=input.timezone,
                geonames_id=input.geonames_id,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(
        description="Record whether Indonesia has diplomatic relations with it",
        permission_classes=[EditsReferenceData],
    )
    async def set_diplomatic_relations(
        self, info: Info, country_code: str, has_relations: bool
    ) -> CountryPayload:
        return await run(
            CountryPayload,
            "country",
            Country.from_model,
            lambda: city_service.set_diplomatic_relations(
                country_code=country_code, has_relations=has_relations, actor=info.context.actor
            ),
        )
