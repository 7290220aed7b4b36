"""Attach documents and record approvals (what the stage guards read)."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay

from core.services import records as record_service
from schema.context import Info
from schema.enums import ApprovalType, Decision, DocumentType
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import ManagesPartnership
from schema.types.partnership import Approval, Document


@strawberry.input
class AddDocumentInput:
    partnership_id: relay.GlobalID
    type: DocumentType
    number: str = ""
    issued_on: date | None = None
    issuer: str = ""
    url: str = ""
    valid_from: date | None = strawberry.field(default=None, description="Agreements only")
    valid_until: date | None = strawberry.field(default=None, description="Agreements only")


@strawberry.input
class RecordApprovalInput:
    partnership_id: relay.GlobalID
    type: ApprovalType
    decision: Decision
    reference: str = ""
    decided_on: date | None = None
    note: str = ""


@strawberry.type
class DocumentPayload:
    document: Document | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApprovalPayload:
    approval: Approval | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordMutations:
    @strawberry.mutation(permission_classes=[ManagesPartnership])
    async def add_document(self, info: Info, input: AddDocumentInput) -> DocumentPayload:
        return await run(
            DocumentPayload,
            "document",
            Document.from_model,
            lambda: record_service.add_document(
                partnership_id=db_id(input.partnership_id, "Partnership", "partnershipId"),
                type=input.type,
                number=input.number,
                issued_on=input.issued_on,
                issuer=input.issuer,
                url=input.url,
                valid_from=input.valid_from,
                valid_until=input.valid_until,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(permission_classes=[ManagesPartnership])
    async def record_approval(self, info: Info, input: RecordApprovalInput) -> ApprovalPayload:
        return await run(
            ApprovalPayload,
            "approval",
            Approval.from_model,
            lambda: record_service.record_approval(
                partnership_id=db_id(input.partnership_id, "Partnership", "partnershipId"),
                type=input.type,
                decision=input.decision,
                reference=input.reference,
                decided_on=input.decided_on,
                note=input.note,
                actor=info.context.actor,
            ),
        )
