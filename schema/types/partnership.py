"""Partnerships, their documents, approvals and stage history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from core.services import partnerships as partnership_service
from schema.connection import CountedConnection
from schema.context import Info
from schema.enums import (
    ApprovalType,
    Area,
    Decision,
    DocumentType,
    PartnershipKind,
    PartnershipStatus,
    Stage,
    TransitionAction,
)
from schema.errors import UserError, user_errors
from schema.ids import load_nodes
from schema.permissions import ReadsInternal, visible
from schema.types.geo import City

if TYPE_CHECKING:
    from schema.types.evaluation import Evaluation, PartnershipMetrics
    from schema.types.health import PartnershipHealth
    from schema.types.program import Program


@strawberry.type
class Document:
    id: strawberry.ID
    type: DocumentType
    number: str
    issued_on: date | None
    issuer: str
    url: str
    valid_from: date | None
    valid_until: date | None
    round: int = strawberry.field(description="The agreement round it was recorded in")
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def from_model(cls, row: Any) -> Document:
        return cls(
            id=strawberry.ID(str(row.id)),
            type=row.type,
            number=row.number,
            issued_on=row.issued_on,
            issuer=row.issuer,
            url=row.url,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            round=row.round,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )


@strawberry.type
class Approval:
    id: strawberry.ID
    type: ApprovalType
    decision: Decision
    reference: str
    decided_on: date | None
    note: str
    round: int
    recorded_at: datetime
    recorded_by: str

    @classmethod
    def from_model(cls, row: Any) -> Approval:
        return cls(
            id=strawberry.ID(str(row.id)),
            type=row.type,
            decision=row.decision,
            reference=row.reference,
            decided_on=row.decided_on,
            note=row.note,
            round=row.round,
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
        )


@strawberry.type(description="One change of stage or status: from, to, when, by whom, why")
class StageChange:
    action: TransitionAction
    from_stage: Stage | None
    to_stage: Stage
    from_status: PartnershipStatus | None
    to_status: PartnershipStatus
    at: datetime
    actor: str
    reason: str

    @classmethod
    def from_model(cls, row: Any) -> StageChange:
        return cls(
            action=row.action,
            from_stage=row.from_stage,
            to_stage=row.to_stage,
            from_status=row.from_status,
            to_status=row.to_status,
            at=row.at,
            actor=row.actor,
            reason=row.reason,
        )


@strawberry.type(description="A partnership between an Indonesian region and a foreign one")
class Partnership(relay.Node):
    id: relay.NodeID[int]
    kind: PartnershipKind
    stage: Stage
    status: PartnershipStatus
    description: str
    round: int = strawberry.field(description="Agreement round: 1, then +1 per renewal negotiation")
    renewal_count: int
    signed_on: date | None
    valid_from: date | None
    valid_until: date | None
    established_on: date | None
    stage_entered_at: datetime
    version: int = strawberry.field(description="Send it back as expectedVersion when changing")
    created_at: datetime
    updated_at: datetime
    dormant_since: datetime | None = strawberry.field(
        description="Set by the watch when an active partnership had no activity for the "
        "dormancy period (the moment it ran out); null again once activity resumes"
    )
    indonesian_region_id: strawberry.Private[int]
    foreign_region_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: Any) -> Partnership:
        return cls(
            id=row.id,
            kind=row.kind,
            stage=row.stage,
            status=row.status,
            description=row.description,
            round=row.round,
            renewal_count=row.renewal_count,
            signed_on=row.signed_on,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            established_on=row.established_on,
            stage_entered_at=row.stage_entered_at,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            dormant_since=row.dormant_since,
            indonesian_region_id=row.indonesian_region_id,
            foreign_region_id=row.foreign_region_id,
        )

    @strawberry.field
    async def indonesian_region(self, info: Info) -> City:
        return City.from_model(
            await info.context.loaders.city_by_id.load(self.indonesian_region_id)
        )

    @strawberry.field
    async def foreign_region(self, info: Info) -> City:
        return City.from_model(await info.context.loaders.city_by_id.load(self.foreign_region_id))

    @strawberry.field
    async def areas(self, info: Info) -> list[Area]:
        return await info.context.loaders.areas_by_partnership.load(self.id)

    @strawberry.field
    async def programs(
        self, info: Info
    ) -> list[Annotated[Program, strawberry.lazy("schema.types.program")]]:
        from schema.types.program import Program

        rows = await info.context.loaders.programs_by_partnership.load(self.id)
        return [Program.from_model(row) for row in rows]

    @strawberry.field(permission_classes=[ReadsInternal])
    async def documents(self, info: Info) -> list[Document]:
        rows = await info.context.loaders.documents_by_partnership.load(self.id)
        return [Document.from_model(row) for row in rows]

    @strawberry.field(permission_classes=[ReadsInternal])
    async def approvals(self, info: Info) -> list[Approval]:
        rows = await info.context.loaders.approvals_by_partnership.load(self.id)
        return [Approval.from_model(row) for row in rows]

    @strawberry.field(
        description="Every stage and status change, oldest first",
        permission_classes=[ReadsInternal],
    )
    async def history(self, info: Info) -> list[StageChange]:
        rows = await info.context.loaders.history_by_partnership.load(self.id)
        return [StageChange.from_model(row) for row in rows]

    @strawberry.field(description="Figures kept by the workers; null until they first ran")
    async def metrics(
        self, info: Info
    ) -> Annotated[PartnershipMetrics, strawberry.lazy("schema.types.evaluation")] | None:
        from schema.types.evaluation import PartnershipMetrics

        view = await info.context.loaders.metrics_by_partnership.load(self.id)
        return PartnershipMetrics.from_view(view) if view is not None else None

    @strawberry.field(
        permission_classes=[ReadsInternal],
        description="Evaluation records, oldest first: opened on entering evaluation",
    )
    async def evaluations(
        self, info: Info
    ) -> list[Annotated[Evaluation, strawberry.lazy("schema.types.evaluation")]]:
        from schema.types.evaluation import Evaluation

        rows = await info.context.loaders.evaluations_by_partnership.load(self.id)
        return [Evaluation.from_model(row) for row in rows]

    @strawberry.field(
        permission_classes=[ReadsInternal],
        description="How alive it is (0-100) and why; null once closed",
    )
    async def health(
        self, info: Info
    ) -> Annotated[PartnershipHealth, strawberry.lazy("schema.types.health")] | None:
        from schema.types.health import health_of

        return await health_of(
            info,
            partnership_id=self.id,
            stage=self.stage,
            status=self.status,
            stage_entered_at=self.stage_entered_at,
        )

    @strawberry.field(
        description="What still stands in the way of moving to `to` (empty when it may move)",
        permission_classes=[ReadsInternal],
    )
    async def missing_for(self, to: Stage) -> list[UserError]:
        return user_errors(await partnership_service.check_advance(self.id, to))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Partnership | None]:
        rows = await load_nodes(info.context.loaders.partnership_by_id, node_ids)
        shown = {id(row) for row in visible(info, [row for row in rows if row])}
        return [cls.from_model(row) if id(row) in shown else None for row in rows]


@strawberry.type
class PartnershipConnection(CountedConnection[Partnership]):
    pass
