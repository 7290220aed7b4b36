"""Small builders for test data, going through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from core import clock
from core.enums import ApprovalType, Area, Decision, DocumentType, PartnershipKind, RegionLevel
from core.models import Approval, City, Document, OutboxEvent, Partnership, StageChange
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


async def signing_papers(
    p: Partnership,
    *,
    valid_until: date = date(2030, 12, 31),
    signed_on: date = date(2025, 1, 10),
) -> None:
    """Everything negotiation needs before signing: work plan, approvals, signed agreement."""
    await document(p, DocumentType.WORK_PLAN)
    for kind in SIGNING_APPROVALS:
        await records.record_approval(
            partnership_id=p.id, type=kind, decision=Decision.APPROVED, actor=ACTOR
        )
    await document(
        p,
        DocumentType.SIGNED_AGREEMENT,
        issued_on=signed_on,
        valid_from=signed_on,
        valid_until=valid_until,
    )


async def advance(p: Partnership, to: Stage) -> Partnership:
    current = await partnerships.get(p.id)
    return await partnerships.advance_stage(
        partnership_id=p.id, to=to, expected_version=current.version, actor=ACTOR
    )


async def at_stage(stage: Stage, **kwargs: str) -> Partnership:
    """A partnership walked through the real transitions up to ``stage``."""
    return await walk(await pair(**kwargs), stage)


async def walk(p: Partnership, stage: Stage, **papers: object) -> Partnership:
    """Walk ``p`` (in identification) through the real transitions up to ``stage``; ``papers``
    go to :func:`signing_papers` (e.g. ``valid_until``)."""
    order = [Stage.EXPLORATION, Stage.NEGOTIATION, Stage.IMPLEMENTATION, Stage.EVALUATION]
    steps = {
        Stage.EXPLORATION: lambda: document(p, DocumentType.FEASIBILITY_STUDY),
        Stage.NEGOTIATION: lambda: document(p, DocumentType.LETTER_OF_INTENT),
        Stage.IMPLEMENTATION: lambda: signing_papers(p, **papers),  # type: ignore[arg-type]
        Stage.EVALUATION: _nothing,
    }
    for step in order:
        if stage is Stage.IDENTIFICATION:
            break
        await steps[step]()
        p = await advance(p, step)
        if step is stage:
            break
    return p


async def _nothing() -> None:
    return None


__all__ = ["ApprovalType", "at_stage", "city", "pair"]


# --- additions for the integration tests (service level) ----------------------------------------


@contextmanager
def frozen(at: datetime | date) -> Iterator[None]:
    """Freeze core.clock at ``at`` (a date means its noon, UTC) for the ``with`` block."""
    moment = at if isinstance(at, datetime) else datetime.combine(at, time(12), tzinfo=UTC)
    clock.freeze(moment)
    try:
        yield
    finally:
        clock.freeze(None)


async def region(
    name: str, country: str = "ID", level: RegionLevel = RegionLevel.CITY, **extra: object
) -> City:
    """A city or region through the real service, with any other field (parent_id, ...)."""
    return await cities.create_city(name=name, level=level, country_code=country, **extra)  # type: ignore[arg-type]


async def propose(home: City, away: City, **extra: object) -> Partnership:
    values: dict[str, object] = {
        "kind": PartnershipKind.SISTER_CITY,
        "areas": [Area.EDUCATION],
        "actor": ACTOR,
        **extra,
    }
    return await partnerships.propose(
        indonesian_region_id=home.id,
        foreign_region_id=away.id,
        **values,  # type: ignore[arg-type]
    )


async def evaluation_report(p: Partnership) -> None:
    await document(p, DocumentType.EVALUATION_REPORT)


async def approve_all(p: Partnership, decision: Decision = Decision.APPROVED) -> None:
    for kind in SIGNING_APPROVALS:
        await records.record_approval(
            partnership_id=p.id, type=kind, decision=decision, actor=ACTOR
        )


async def history(p: Partnership) -> list[StageChange]:
    return list(await StageChange.filter(partnership_id=p.id).order_by("id"))


async def outbox_rows(p: Partnership | None = None) -> list[OutboxEvent]:
    """Outbox rows about partnership ``p`` (or every row), in commit order."""
    query = (
        OutboxEvent.all()
        if p is None
        else OutboxEvent.filter(aggregate_type="partnership", aggregate_id=str(p.id))
    )
    return list(await query.order_by("seq"))


@dataclass(frozen=True)
class Snapshot:
    """What a refused write must leave unchanged."""

    stage: str
    status: str
    round: int
    version: int
    renewal_count: int
    history: int
    outbox: int
    documents: int
    approvals: int


async def snapshot(p: Partnership) -> Snapshot:
    row = await partnerships.get(p.id)
    return Snapshot(
        stage=row.stage.value,
        status=row.status.value,
        round=row.round,
        version=row.version,
        renewal_count=row.renewal_count,
        history=await StageChange.filter(partnership_id=p.id).count(),
        outbox=await OutboxEvent.all().count(),
        documents=await Document.filter(partnership_id=p.id).count(),
        approvals=await Approval.filter(partnership_id=p.id).count(),
    )
