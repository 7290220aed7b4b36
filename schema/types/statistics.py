"""Portfolio statistics of a region or of the whole country (see core.services.statistics)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from schema.context import Info
from schema.enums import Area, FundingSource, PartnershipStatus, Stage
from schema.types.evaluation import Money
from schema.types.geo import City


@strawberry.type
class StageCount:
    stage: Stage
    partnerships: int


@strawberry.type
class StatusCount:
    status: PartnershipStatus
    partnerships: int


@strawberry.type(description="Partnerships by the partner region's country")
class CountryCount:
    country_code: str
    name: str
    partnerships: int


@strawberry.type
class AreaCount:
    area: Area
    partnerships: int


@strawberry.type
class YearCount:
    year: int
    partnerships: int


@strawberry.type(description="Programs (cancelled ones left out) and their budgets, by currency")
class AreaPrograms:
    area: Area
    programs: int
    budget: list[Money]


@strawberry.type(description="Programs (cancelled ones left out) and their budgets, by currency")
class FundingPrograms:
    funding_source: FundingSource | None = strawberry.field(description="null: not recorded")
    programs: int
    budget: list[Money]


@strawberry.type(description="Activities of one calendar year and their participants")
class YearParticipants:
    year: int
    activities: int
    inbound: int
    outbound: int


@strawberry.type(description="Figures of a region's partnerships (regions inside it included)")
class PortfolioStatistics:
    as_of: date
    partnerships: int
    by_stage: list[StageCount]
    by_status: list[StatusCount]
    by_country: list[CountryCount] = strawberry.field(description="Most partnerships first")
    by_area: list[AreaCount]
    by_signed_year: list[YearCount]
    programs: int = strawberry.field(description="Programs not cancelled")
    programs_by_area: list[AreaPrograms]
    programs_by_funding_source: list[FundingPrograms]
    participants_by_year: list[YearParticipants]
    dormant: int = strawberry.field(description="Active partnerships flagged dormant")
    expiring_within_6_months: int = strawberry.field(
        description="Active partnerships whose agreement ends within six months"
    )
    region_id: strawberry.Private[int | None]

    @strawberry.field(description="The region asked for; null for the whole country")
    async def region(self, info: Info) -> City | None:
        if self.region_id is None:
            return None
        return City.from_model(await info.context.loaders.city_by_id.load(self.region_id))

    @classmethod
    def from_statistics(cls, s: Any) -> PortfolioStatistics:
        return cls(
            region_id=s.region_id,
            as_of=s.as_of,
            partnerships=s.partnerships,
            by_stage=[StageCount(stage=Stage(k), partnerships=n) for k, n in s.by_stage.items()],
            by_status=[
                StatusCount(status=PartnershipStatus(k), partnerships=n)
                for k, n in s.by_status.items()
            ],
            by_country=[
                CountryCount(country_code=c.code, name=c.name, partnerships=c.partnerships)
                for c in s.by_country
            ],
            by_area=[AreaCount(area=Area(k), partnerships=n) for k, n in s.by_area.items()],
            by_signed_year=[YearCount(year=y, partnerships=n) for y, n in s.by_signed_year.items()],
            programs=s.programs,
            programs_by_area=[
                AreaPrograms(area=Area(t.key), programs=t.programs, budget=_money(t.budget))
                for t in s.programs_by_area
            ],
            programs_by_funding_source=[
                FundingPrograms(
                    funding_source=FundingSource(t.key) if t.key is not None else None,
                    programs=t.programs,
                    budget=_money(t.budget),
                )
                for t in s.programs_by_funding_source
            ],
            participants_by_year=[
                YearParticipants(
                    year=y.year, activities=y.activities, inbound=y.inbound, outbound=y.outbound
                )
                for y in s.participants_by_year
            ],
            dormant=s.dormant,
            expiring_within_6_months=s.expiring_within_6_months,
        )


def _money(budget: dict[str, Any]) -> list[Money]:
    return [Money(currency=currency, amount=amount) for currency, amount in budget.items()]
