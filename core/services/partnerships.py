"""Partnership services: propose, update, and every stage transition (with history and outbox)."""

from __future__ import annotations

from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from core import clock, outbox
from core.enums import Area, PartnershipKind
from core.errors import DomainError, ErrorCode, Problem
from core.events import (
    PartnershipAbandoned,
    PartnershipExpired,
    PartnershipProposed,
    PartnershipTerminated,
    StageAdvanced,
)
from core.models import City, Partnership, PartnershipArea, StageChange
from core.pagination import Page, Window, paginate
from core.services import audit
from core.services import facts as facts_service
from core.services.cities import is_country_code
from core.services.locking import locked
from core.stages import LIVE_STATUSES, Action, Outcome, Stage, Status, plan
from core.validation import limit_text, require_text

INDONESIA = "ID"


async def get(partnership_id: int) -> Partnership:
    """The partnership, or a NOT_FOUND error."""
    found = await Partnership.get_or_none(id=partnership_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such partnership", "id")
    return found


async def propose(
    *,
    indonesian_region_id: int,
    foreign_region_id: int,
    kind: PartnershipKind,
    areas: list[Area],
    description: str = "",
    established_on: date | None = None,
    actor: str,
) -> Partnership:
    """Record a candidate partner: a new partnership in identification."""
    limit_text(description, "description")
    indonesian = await City.get_or_none(id=indonesian_region_id)
    foreign = await City.get_or_none(id=foreign_region_id)
    problems = []
    if indonesian is None:
        problems.append(Problem(ErrorCode.NOT_FOUND, "no such region", "indonesianRegionId"))
    elif indonesian.country_id != INDONESIA:
        problems.append(
            Problem(ErrorCode.INVALID, "this region is not in Indonesia", "indonesianRegionId")
        )
    if foreign is None:
        problems.append(Problem(ErrorCode.NOT_FOUND, "no such region", "foreignRegionId"))
    elif foreign.country_id == INDONESIA:
        problems.append(
            Problem(ErrorCode.INVALID, "the partner must be outside Indonesia", "foreignRegionId")
        )
    if established_on is not None and established_on > clock.today():
        problems.append(Problem(ErrorCode.INVALID, "the date is in the future", "establishedOn"))
    if problems:
        raise DomainError(problems)
    if await _live_exists(indonesian_region_id, foreign_region_id):
        raise _duplicate()
    now = clock.now()
    try:
        async with in_transaction():
            partnership = await Partnership.create(
                indonesian_region_id=indonesian_region_id,
                foreign_region_id=foreign_region_id,
                kind=kind,
                stage=Stage.IDENTIFICATION,
                status=Status.IN_PREPARATION,
                description=description,
                established_on=established_on,
                stage_entered_at=now,
                transition_seq=1,
            )
            await _set_areas(partnership.id, areas)
            await StageChange.create(
                partnership_id=partnership.id,
                action=Action.PROPOSE,
                from_stage=None,
                to_stage=Stage.IDENTIFICATION,
                from_status=None,
                to_status=Status.IN_PREPARATION,
                at=now,
                actor=actor,
                reason=description,
            )
            await audit.record(actor=actor, action="partnership.propose", entity=partnership)
            await outbox.record(
                PartnershipProposed(
                    partnership_id=partnership.id,
                    indonesian_region_id=indonesian_region_id,
                    foreign_region_id=foreign_region_id,
                    kind=kind.value,
                    stage=Stage.IDENTIFICATION.value,
                ),
                actor=actor,
            )
    except IntegrityError as exc:  # a concurrent proposal for the same pair won the race
        raise _duplicate() from exc
    return partnership


async def update_details(
    *,
    partnership_id: int,
    expected_version: int | None = None,
    kind: PartnershipKind | None = None,
    areas: list[Area] | None = None,
    description: str | None = None,
    established_on: date | None = None,
    actor: str,
) -> Partnership:
    """Change what describes a partnership (not its stage)."""
    async with in_transaction():
        partnership = await locked(Partnership, partnership_id, "partnership")
        _check_version(partnership, expected_version)
        before = audit.snapshot(partnership)
        changes: dict[str, object] = {}
        if kind is not None:
            changes["kind"] = kind
        if description is not None:
            changes["description"] = limit_text(description, "description")
        if established_on is not None:
            if established_on > clock.today():
                raise DomainError.one(
                    ErrorCode.INVALID, "the date is in the future", "establishedOn"
                )
            changes["established_on"] = established_on
        if areas is not None:
            await _set_areas(partnership.id, areas)
        await _save(partnership, changes)
        await audit.record(
            actor=actor, action="partnership.update", entity=partnership, before=before
        )
    return partnership


async def advance_stage(
    *, partnership_id: int, to: Stage, expected_version: int, reason: str = "", actor: str
) -> Partnership:
    """Move a partnership to another stage, if its guards allow."""
    return await _transition(partnership_id, Action.ADVANCE, to, expected_version, reason, actor)


async def abandon(
    *, partnership_id: int, expected_version: int, reason: str, actor: str
) -> Partnership:
    """Give a partnership up before signing."""
    require_text(reason, "reason")
    return await _transition(partnership_id, Action.ABANDON, None, expected_version, reason, actor)


async def terminate(
    *, partnership_id: int, expected_version: int, reason: str, actor: str
) -> Partnership:
    """End a signed partnership; a termination notice must be on record."""
    require_text(reason, "reason")
    return await _transition(
        partnership_id, Action.TERMINATE, None, expected_version, reason, actor
    )


async def expire(*, partnership_id: int, actor: str) -> Partnership:
    """Mark an agreement whose term has run out without renewal as expired."""
    partnership = await get(partnership_id)
    return await _transition(
        partnership_id, Action.EXPIRE, None, partnership.version, "the term ended", actor
    )


async def _transition(
    partnership_id: int,
    action: Action,
    to: Stage | None,
    expected_version: int,
    reason: str,
    actor: str,
) -> Partnership:
    limit_text(reason, "reason")
    async with in_transaction():
        partnership = await locked(Partnership, partnership_id, "partnership")
        _check_version(partnership, expected_version)
        facts = await facts_service.gather(partnership)
        outcome = plan(facts, action, to)
        if isinstance(outcome, list):
            raise DomainError(outcome)
        await _apply(partnership, action, outcome, reason, actor)
    return partnership


async def _apply(
    partnership: Partnership, action: Action, outcome: Outcome, reason: str, actor: str
) -> None:
    now = clock.now()
    before_stage, before_status = partnership.stage, partnership.status
    before = audit.snapshot(partnership)
    changes: dict[str, object] = {
        "stage": outcome.stage,
        "status": outcome.status,
        "round": outcome.round,
        "transition_seq": partnership.transition_seq + 1,
    }
    if outcome.stage is not before_stage:
        changes["stage_entered_at"] = now
    if outcome.term is not None:
        changes["signed_on"] = outcome.term.signed_on
        changes["valid_from"] = outcome.term.valid_from
        changes["valid_until"] = outcome.term.valid_until
    if outcome.renewed:
        changes["renewal_count"] = partnership.renewal_count + 1
    await _save(partnership, changes)
    await StageChange.create(
        partnership_id=partnership.id,
        action=action,
        from_stage=before_stage,
        to_stage=outcome.stage,
        from_status=before_status,
        to_status=outcome.status,
        at=now,
        actor=actor,
        reason=reason,
    )
    stage = outcome.stage.value
    event = {
        Action.ADVANCE: lambda: StageAdvanced(
            partnership_id=partnership.id,
            from_stage=before_stage.value,
            to_stage=stage,
            status=outcome.status.value,
            round=outcome.round,
            reason=reason,
        ),
        Action.ABANDON: lambda: PartnershipAbandoned(
            partnership_id=partnership.id, stage=stage, reason=reason
        ),
        Action.TERMINATE: lambda: PartnershipTerminated(
            partnership_id=partnership.id, stage=stage, reason=reason
        ),
        Action.EXPIRE: lambda: PartnershipExpired(
            partnership_id=partnership.id,
            stage=stage,
            valid_until=str(partnership.valid_until),
        ),
    }[action]()
    await outbox.record(event, actor=actor)
    await audit.record(
        actor=actor, action=f"partnership.{action.value}", entity=partnership, before=before
    )


async def _save(partnership: Partnership, changes: dict[str, object]) -> None:
    """Write ``changes`` and bump the version, only if nobody else bumped it meanwhile."""
    version = partnership.version
    changes = {**changes, "version": version + 1, "updated_at": clock.now()}
    updated = await Partnership.filter(id=partnership.id, version=version).update(**changes)
    if updated != 1:
        raise _conflict()
    for key, value in changes.items():
        setattr(partnership, key, value)


def _check_version(partnership: Partnership, expected_version: int | None) -> None:
    if expected_version is not None and partnership.version != expected_version:
        raise _conflict(partnership.version)


def _conflict(current: int | None = None) -> DomainError:
    now = f" (it is now at version {current})" if current is not None else ""
    return DomainError.one(
        ErrorCode.CONFLICT,
        f"someone else changed this partnership first{now}; reload it and try again",
        "expectedVersion",
    )


def _duplicate() -> DomainError:
    return DomainError.one(
        ErrorCode.DUPLICATE,
        "these two regions already have a live partnership",
        "foreignRegionId",
    )


async def _live_exists(indonesian_region_id: int, foreign_region_id: int) -> bool:
    return await Partnership.filter(
        indonesian_region_id=indonesian_region_id,
        foreign_region_id=foreign_region_id,
        status__in=list(LIVE_STATUSES),
    ).exists()


async def _set_areas(partnership_id: int, areas: list[Area]) -> None:
    await PartnershipArea.filter(partnership_id=partnership_id).delete()
    unique = list(dict.fromkeys(areas))
    if unique:
        await PartnershipArea.bulk_create(
            [PartnershipArea(partnership_id=partnership_id, area=area) for area in unique]
        )


async def search(
    *,
    window: Window,
    stage: Stage | None = None,
    status: Status | None = None,
    kind: PartnershipKind | None = None,
    area: Area | None = None,
    region_id: int | None = None,
    country_code: str | None = None,
    signed_year: int | None = None,
    dormant: bool | None = None,
    statuses: frozenset[Status] | None = None,
) -> Page[Partnership]:
    """Partnerships matching every filter given, by id. ``region_id`` matches either side;
    ``country_code`` matches either region's country; ``dormant`` the watch's flag."""
    if signed_year is not None and not 1 <= signed_year <= 9999:
        raise DomainError.one(
            ErrorCode.INVALID, "signedYear must be between 1 and 9999", "filter.signedYear"
        )
    code = (country_code or "").strip().upper()
    if code and not is_country_code(code):
        raise DomainError.one(
            ErrorCode.INVALID, "countryCode must be a two-letter ISO code", "filter.countryCode"
        )
    query = Partnership.all()
    if statuses is not None:  # what the caller may see (anonymous: public statuses)
        query = query.filter(status__in=sorted(statuses))
    if stage is not None:
        query = query.filter(stage=stage)
    if status is not None:
        query = query.filter(status=status)
    if kind is not None:
        query = query.filter(kind=kind)
    if area is not None:
        query = query.filter(
            id__in=Subquery(PartnershipArea.filter(area=area).values("partnership_id"))
        )
    if region_id is not None:
        query = query.filter(Q(indonesian_region_id=region_id) | Q(foreign_region_id=region_id))
    if code:
        query = query.filter(
            Q(foreign_region_id__in=Subquery(City.filter(country_id=code).values("id")))
            | Q(indonesian_region_id__in=Subquery(City.filter(country_id=code).values("id")))
        )
    if signed_year is not None:
        query = query.filter(
            signed_on__gte=date(signed_year, 1, 1), signed_on__lte=date(signed_year, 12, 31)
        )
    if dormant is not None:
        query = query.filter(dormant_since__isnull=not dormant)
    return await paginate(query, window)


async def check_advance(partnership_id: int, to: Stage) -> list[Problem]:
    """Every problem that would refuse moving the partnership to ``to`` now (empty: it may)."""
    partnership = await get(partnership_id)
    outcome = plan(await facts_service.gather(partnership), Action.ADVANCE, to)
    return outcome if isinstance(outcome, list) else []
