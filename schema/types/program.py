"""Programs and their activities."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from schema.connection import CountedConnection
from schema.context import Info
from schema.enums import Area, Direction, FundingSource, ProgramStatus, ProgramType
from schema.ids import load_nodes
from schema.permissions import ReadsInternal, visible

if TYPE_CHECKING:
    from schema.types.partnership import Partnership


@strawberry.type(description="Something that happened under a program")
class Activity:
    id: strawberry.ID
    occurred_on: date
    direction: Direction
    participants: int
    description: str
    recorded_at: datetime
    recorded_by: str | None = strawberry.field(
        permission_classes=[ReadsInternal], description="Null for anonymous callers"
    )

    @classmethod
    def from_model(cls, row: Any) -> Activity:
        return cls(
            id=strawberry.ID(str(row.id)),
            occurred_on=row.occurred_on,
            direction=row.direction,
            participants=row.participants,
            description=row.description,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )


@strawberry.type(description="A program run under a partnership's plan of action")
class Program(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str
    area: Area
    type: ProgramType
    status: ProgramStatus
    starts_on: date | None
    ends_on: date | None
    budget: Decimal | None
    currency: str
    funding_source: FundingSource | None
    lead_agency: str = strawberry.field(description="The lead regional agency (OPD)")
    version: int
    created_at: datetime
    updated_at: datetime
    partnership_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Any) -> Program:
        return cls(
            id=row.id,
            title=row.title,
            description=row.description,
            area=row.area,
            type=row.type,
            status=row.status,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            budget=row.budget,
            currency=row.currency,
            funding_source=row.funding_source,
            lead_agency=row.lead_agency,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            partnership_id=row.partnership_id,
        )

    @strawberry.field
    async def partnership(
        self, info: Info
    ) -> Annotated[Partnership, strawberry.lazy("schema.types.partnership")]:
        from schema.types.partnership import Partnership

        row = await info.context.loaders.partnership_by_id.load(self.partnership_id)
        return Partnership.from_model(row)

    @strawberry.field
    async def activities(self, info: Info) -> list[Activity]:
        rows = await info.context.loaders.activities_by_program.load(self.id)
        return [Activity.from_model(row) for row in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Program | None]:
        rows = await load_nodes(info.context.loaders.program_by_id, node_ids)
        owners = await info.context.loaders.partnership_by_id.load_many(
            [row.partnership_id for row in rows if row]
        )
        shown = {owner.id for owner in visible(info, [o for o in owners if o])}
        return [cls.from_model(r) if r and r.partnership_id in shown else None for r in rows]


@strawberry.type
class ProgramConnection(CountedConnection[Program]):
    pass
