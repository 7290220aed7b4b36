"""Create and update programs; record their activities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from core.services import programs as program_service
from schema.context import Info
from schema.enums import Area, Direction, FundingSource, ProgramStatus, ProgramType
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import ManagesPartnership, ManagesProgram
from schema.types.program import Activity, Program


@strawberry.input
class CreateProgramInput:
    partnership_id: relay.GlobalID
    title: str
    area: Area
    type: ProgramType
    status: ProgramStatus = ProgramStatus.PLANNED
    starts_on: date | None = None
    ends_on: date | None = None
    budget: Decimal | None = None
    currency: str = "IDR"
    funding_source: FundingSource | None = None
    lead_agency: str = ""
    description: str = ""


@strawberry.input(description="Fields left out (or null) stay as they are")
class UpdateProgramInput:
    id: relay.GlobalID
    expected_version: int | None = None
    title: str | None = None
    area: Area | None = None
    type: ProgramType | None = None
    status: ProgramStatus | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    budget: Decimal | None = None
    currency: str | None = None
    funding_source: FundingSource | None = None
    lead_agency: str | None = None
    description: str | None = None


@strawberry.input
class RecordActivityInput:
    program_id: relay.GlobalID
    occurred_on: date
    direction: Direction
    participants: int
    description: str = ""


@strawberry.type
class ProgramPayload:
    program: Program | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ActivityPayload:
    activity: Activity | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProgramMutations:
    @strawberry.mutation(permission_classes=[ManagesPartnership])
    async def create_program(self, info: Info, input: CreateProgramInput) -> ProgramPayload:
        return await run(
            ProgramPayload,
            "program",
            Program.from_model,
            lambda: program_service.create_program(
                partnership_id=db_id(input.partnership_id, "Partnership", "partnershipId"),
                actor=info.context.actor,
                **{name: getattr(input, name) for name in program_service.FIELDS},
            ),
        )

    @strawberry.mutation(permission_classes=[ManagesProgram])
    async def update_program(self, info: Info, input: UpdateProgramInput) -> ProgramPayload:
        return await run(
            ProgramPayload,
            "program",
            Program.from_model,
            lambda: program_service.update_program(
                program_id=db_id(input.id, "Program", "id"),
                expected_version=input.expected_version,
                actor=info.context.actor,
                **{name: getattr(input, name) for name in program_service.FIELDS},
            ),
        )

    @strawberry.mutation(permission_classes=[ManagesProgram])
    async def record_activity(self, info: Info, input: RecordActivityInput) -> ActivityPayload:
        return await run(
            ActivityPayload,
            "activity",
            Activity.from_model,
            lambda: program_service.record_activity(
                program_id=db_id(input.program_id, "Program", "programId"),
                occurred_on=input.occurred_on,
                direction=input.direction,
                participants=input.participants,
                description=input.description,
                actor=info.context.actor,
            ),
        )
