"""Gather what the stage guards need to know about one partnership (three small queries)."""

from __future__ import annotations

from core import clock
from core.enums import ApprovalType, Decision, DocumentType
from core.models import Approval, Country, Document, Partnership
from core.stages import Facts, Term


async def gather(partnership: Partnership) -> Facts:
    """The :class:`core.stages.Facts` of ``partnership`` as it is in the database now."""
    country = await Country.filter(cities__id=partnership.foreign_region_id).first()
    documents = await Document.filter(
        partnership_id=partnership.id, round=partnership.round
    ).order_by("id")
    approvals = await Approval.filter(
        partnership_id=partnership.id, round=partnership.round
    ).order_by("id")
    latest: dict[ApprovalType, Decision] = {a.type: a.decision for a in approvals}
    agreements = [d for d in documents if d.type is DocumentType.SIGNED_AGREEMENT]
    agreement = agreements[-1] if agreements else None
    return Facts(
        stage=partnership.stage,
        status=partnership.status,
        round=partnership.round,
        today=clock.today(),
        diplomatic_relations=bool(country and country.diplomatic_relations),
        documents_in_round=frozenset(d.type for d in documents),
        documents_in_stage=frozenset(
            d.type for d in documents if d.stage_seq == partnership.transition_seq
        ),
        approvals_in_round=latest,
        agreement=(
            Term(agreement.issued_on, agreement.valid_from, agreement.valid_until)
            if agreement
            else None
        ),
        valid_until=partnership.valid_until,
    )
