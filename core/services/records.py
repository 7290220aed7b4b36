"""Documents and approvals: what the stage guards read."""

from __future__ import annotations

from datetime import date

from tortoise.transactions import in_transaction

from core import clock, outbox
from core.enums import ApprovalType, Decision, DocumentType
from core.errors import DomainError, ErrorCode
from core.events import ApprovalRecorded, DocumentAdded
from core.models import Approval, Document, Partnership
from core.services import audit
from core.services.locking import locked
from core.stages import LIVE_STATUSES
from core.validation import check_not_future, check_range, check_url, limit_text

AGREEMENTS = frozenset({DocumentType.SIGNED_AGREEMENT, DocumentType.DRAFT_AGREEMENT})


async def add_document(
    *,
    partnership_id: int,
    type: DocumentType,
    number: str = "",
    issued_on: date | None = None,
    issuer: str = "",
    url: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    actor: str,
) -> Document:
    """Attach a document to a live partnership (in its current round and stage)."""
    limit_text(number, "number", max_length=200)
    limit_text(issuer, "issuer", max_length=200)
    url = check_url(url, "url")
    check_not_future(issued_on, clock.today(), "issuedOn")
    if (valid_from or valid_until) and type not in AGREEMENTS:
        raise DomainError.one(
            ErrorCode.INVALID, "only an agreement has a term (validFrom, validUntil)", "validFrom"
        )
    check_range(valid_from, valid_until, "validUntil")
    if type is DocumentType.SIGNED_AGREEMENT and issued_on is None:
        raise DomainError.one(
            ErrorCode.REQUIRED, "a signed agreement needs its signing date", "issuedOn"
        )
    async with in_transaction():
        partnership = await _live(partnership_id)
        document = await Document.create(
            partnership_id=partnership.id,
            type=type,
            number=number,
            issued_on=issued_on,
            issuer=issuer,
            url=url,
            valid_from=valid_from,
            valid_until=valid_until,
            round=partnership.round,
            stage_seq=partnership.transition_seq,
            recorded_by=actor,
        )
        await audit.record(actor=actor, action="document.add", entity=document)
        await outbox.record(
            DocumentAdded(
                partnership_id=partnership.id, document_id=document.id, document_type=type.value
            ),
            actor=actor,
        )
    return document


async def record_approval(
    *,
    partnership_id: int,
    type: ApprovalType,
    decision: Decision,
    reference: str = "",
    decided_on: date | None = None,
    note: str = "",
    actor: str,
) -> Approval:
    """Record an approval decision; the latest decision of each type in a round counts."""
    limit_text(reference, "reference", max_length=200)
    limit_text(note, "note", max_length=10_000)
    check_not_future(decided_on, clock.today(), "decidedOn")
    async with in_transaction():
        partnership = await _live(partnership_id)
        approval = await Approval.create(
            partnership_id=partnership.id,
            type=type,
            decision=decision,
            reference=reference,
            decided_on=decided_on,
            note=note,
            round=partnership.round,
            recorded_by=actor,
        )
        await audit.record(actor=actor, action="approval.record", entity=approval)
        await outbox.record(
            ApprovalRecorded(
                partnership_id=partnership.id,
                approval_id=approval.id,
                approval_type=type.value,
                decision=decision.value,
            ),
            actor=actor,
        )
    return approval


async def _live(partnership_id: int) -> Partnership:
    # Locked so that a concurrent transition sees (or precedes) this record, never half of it.
    partnership = await locked(Partnership, partnership_id, "partnership", "partnershipId")
    if partnership.status not in LIVE_STATUSES:
        raise DomainError.one(
            ErrorCode.PARTNERSHIP_CLOSED,
            f"the partnership is {partnership.status.value}; nothing more can be recorded",
            "partnershipId",
        )
    return partnership
