"""Small builders for test data, going through the real services."""

from __future__ import annotations

from datetime import date

from core.enums import ApprovalType, Area, Decision, DocumentType, PartnershipKind, RegionLevel
from core.models import City, Partnership
from core.services import cities, partnerships, records
from core.stages import SIGNING_APPROVALS, Stage

ACTOR = "test-officer"


async def city(name: str, country: str = "ID", level: RegionLevel = RegionLevel.CITY) -> City:
    return await cities.create_city(name=name, level=level, country_code=country)


async def pair(
    indonesian: str = "Bandung", foreign: str = "Braunschweig", country: str = "DE"
) -> Partnership:
    """A new partnership (identification) between two new cities."""
    home = await city(indonesian)
    away = await city(foreign, country)
    return await partnerships.propose(
        indonesian_region_id=home.id,
        foreign_region_id=away.id,
        kind=PartnershipKind.SISTER_CITY,
        areas=[Area.EDUCATION, Area.CULTURE],
        actor=ACTOR,
    )


async def document(p: Partnership, kind: DocumentType, **extra: object) -> None:
    await records.add_document(partnership_id=p.id, type=kind, actor=ACTOR, **extra)  # type: ignore[arg-type]


async def signing_papers(p: Partnership, *, valid_until: date = date(2030, 12, 31)) -> None:
    """Everything negotiation needs before signing: work plan, approvals, signed agreement."""
    await document(p, DocumentType.WORK_PLAN)
    for kind in SIGNING_APPROVALS:
        await records.record_approval(
            partnership_id=p.id, type=kind, decision=Decision.APPROVED, actor=ACTOR
        )
    await document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=date(2025, 1, 10),
        valid_from=date(2025, 1, 10),
        valid_until=valid_until,
    )


async def advance(p: Partnership, to: Stage) -> Partnership:
    current = await partnerships.get(p.id)
    return await partnerships.advance_stage(
        partnership_id=p.id, to=to, expected_version=current.version, actor=ACTOR
    )


async def at_stage(stage: Stage, **kwargs: str) -> Partnership:
    """A partnership walked through the real transitions up to ``stage``."""
    p = await pair(**kwargs)
    order = [Stage.EXPLORATION, Stage.NEGOTIATION, Stage.IMPLEMENTATION, Stage.EVALUATION]
    papers = {
        Stage.EXPLORATION: lambda: document(p, DocumentType.FEASIBILITY_STUDY),
        Stage.NEGOTIATION: lambda: document(p, DocumentType.LETTER_OF_INTENT),
        Stage.IMPLEMENTATION: lambda: signing_papers(p),
        Stage.EVALUATION: _nothing,
    }
    for step in order:
        if stage is Stage.IDENTIFICATION:
            break
        await papers[step]()
        p = await advance(p, step)
        if step is stage:
            break
    return p


async def _nothing() -> None:
    return None


__all__ = ["ApprovalType", "at_stage", "city", "pair"]
