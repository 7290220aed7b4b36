"""Propose and describe partnerships; move them through their stages."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from core.services import partnerships as partnership_service
from schema.context import Info
from schema.enums import Area, PartnershipKind, Stage
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import ManagesPartnership, ManagesRegion
from schema.types.partnership import Partnership


@strawberry.input
class ProposePartnershipInput:
    indonesian_region_id: relay.GlobalID
    foreign_region_id: relay.GlobalID
    kind: PartnershipKind
    areas: list[Area] = strawberry.field(default_factory=list)
    description: str = ""
    established_on: date | None = None


@strawberry.input(description="Fields left out (or null) stay as they are")
class UpdatePartnershipInput:
    id: relay.GlobalID
    expected_version: int | None = None
    kind: PartnershipKind | None = None
    areas: list[Area] | None = None
    description: str | None = None
    established_on: date | None = None


@strawberry.input
class AdvanceStageInput:
    id: relay.GlobalID
    to: Stage
    expected_version: int = strawberry.field(
        description="The version you saw; if someone moved it since, you get CONFLICT"
    )
    reason: str = ""


@strawberry.input
class CloseInput:
    id: relay.GlobalID
    expected_version: int
    reason: str


@strawberry.type
class PartnershipPayload:
    partnership: Partnership | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _id(value: relay.GlobalID) -> int:
    return db_id(value, "Partnership", "id")


@strawberry.type
class PartnershipMutations:
    @strawberry.mutation(
        description="Record a candidate partner: a new partnership in identification",
        permission_classes=[ManagesRegion],
    )
    async def propose_partnership(
        self, info: Info, input: ProposePartnershipInput
    ) -> PartnershipPayload:
        return await run(
            PartnershipPayload,
            "partnership",
            Partnership.from_model,
            lambda: partnership_service.propose(
                indonesian_region_id=db_id(
                    input.indonesian_region_id, "City", "indonesianRegionId"
                ),
                foreign_region_id=db_id(input.foreign_region_id, "City", "foreignRegionId"),
                kind=input.kind,
                areas=list(input.areas),
                description=input.description,
                established_on=input.established_on,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(permission_classes=[ManagesPartnership])
    async def update_partnership(
        self, info: Info, input: UpdatePartnershipInput
    ) -> PartnershipPayload:
        return await run(
            PartnershipPayload,
            "partnership",
            Partnership.from_model,
            lambda: partnership_service.update_details(
                partnership_id=_id(input.id),
                expected_version=input.expected_version,
                kind=input.kind,
                areas=list(input.areas) if input.areas is not None else None,
                description=input.description,
                established_on=input.established_on,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(
        description="Move to another stage if its documents and approvals allow",
        permission_classes=[ManagesPartnership],
    )
    async def advance_stage(self, info: Info, input: AdvanceStageInput) -> PartnershipPayload:
        return await run(
            PartnershipPayload,
            "partnership",
            Partnership.from_model,
            lambda: partnership_service.advance_stage(
                partnership_id=_id(input.id),
                to=input.to,
                expected_version=input.expected_version,
                reason=input.reason,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(
        description="Give a partnership up before signing",
        permission_classes=[ManagesPartnership],
    )
    async def abandon_partnership(self, info: Info, input: CloseInput) -> PartnershipPayload:
        return await run(
            PartnershipPayload,
            "partnership",
            Partnership.from_model,
            lambda: partnership_service.abandon(
                partnership_id=_id(input.id),
                expected_version=input.expected_version,
                reason=input.reason,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(
        description="End a signed partnership (a termination notice is needed)",
        permission_classes=[ManagesPartnership],
    )
    async def terminate_partnership(self, info: Info, input: CloseInput) -> PartnershipPayload:
        return await run(
            PartnershipPayload,
            "partnership",
            Partnership.from_model,
            lambda: partnership_service.terminate(
                partnership_id=_id(input.id),
                expected_version=input.expected_version,
                reason=input.reason,
                actor=info.context.actor,
            ),
        )
