"""Programs under a partnership and the activities that record what happened."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from core import clock, outbox
from core.enums import Area, Direction, FundingSource, ProgramStatus, ProgramType
from core.errors import DomainError, ErrorCode
from core.events import ActivityRecorded, ProgramCreated, ProgramUpdated
from core.models import Activity, Partnership, Program
from core.pagination import Page, Window, paginate
from core.services import audit
from core.services.locking import locked
from core.stages import LIVE_STATUSES, Status
from core.validation import (
    check_non_negative,
    check_not_future,
    check_range,
    limit_text,
    require_text,
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# What describes a program: create takes them all, update any of them.
FIELDS = (
    "title", "area", "type", "status", "starts_on", "ends_on", "budget", "currency",
    "funding_source", "lead_agency", "description",
)  # fmt: skip
MAX_BUDGET = Decimal("9999999999999999.99")
CENTS = Decimal("0.01")


async def get(program_id: int) -> Program:
    found = await Program.get_or_none(id=program_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such program", "id")
    return found


async def create_program(
    *,
    partnership_id: int,
    title: str,
    area: Area,
    type: ProgramType,
    status: ProgramStatus = ProgramStatus.PLANNED,
    starts_on: date | None = None,
    ends_on: date | None = None,
    budget: Decimal | None = None,
    currency: str = "IDR",
    funding_source: FundingSource | None = None,
    lead_agency: str = "",
    description: str = "",
    actor: str,
) -> Program:
    """Start a program under a live partnership."""
    limit_text(description, "description")
    values = _checked(
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        budget=budget,
        currency=currency,
        lead_agency=lead_agency,
    )
    async with in_transaction():
        partnership = await locked(Partnership, partnership_id, "partnership", "partnershipId")
        if partnership.status not in LIVE_STATUSES:
            raise DomainError.one(
                ErrorCode.PARTNERSHIP_CLOSED,
                f"the partnership is {partnership.status.value}; it cannot take new programs",
                "partnershipId",
            )
        program = await Program.create(
            partnership_id=partnership.id,
            area=area,
            type=type,
            status=status,
            funding_source=funding_source,
            description=description,
            **values,
        )
        await audit.record(actor=actor, action="program.create", entity=program)
        await outbox.record(
            ProgramCreated(
                partnership_id=partnership.id,
                program_id=program.id,
                area=area.value,
                status=status.value,
            ),
            actor=actor,
        )
    return program


async def update_program(
    *,
    program_id: int,
    expected_version: int | None = None,
    actor: str,
    **changes: object,
) -> Program:
    """Change a program's fields; ``changes`` holds only the fields given (None = unchanged)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    given = {key: value for key, value in changes.items() if value is not None}
    if isinstance(given.get("description"), str):
        limit_text(given["description"], "description")  # type: ignore[arg-type]
    async with in_transaction():
        await _lock_partnership_of(program_id, "id")
        program = await locked(Program, program_id, "program")
        if expected_version is not None and program.version != expected_version:
            raise DomainError.one(
                ErrorCode.CONFLICT,
                f"someone else changed this program first (it is now at version "
                f"{program.version}); reload it and try again",
                "expectedVersion",
            )
        before = audit.snapshot(program)
        merged = {key: given.get(key, getattr(program, key)) for key in FIELDS}
        checked = _checked(
            title=merged["title"],  # type: ignore[arg-type]
            starts_on=merged["starts_on"],  # type: ignore[arg-type]
            ends_on=merged["ends_on"],  # type: ignore[arg-type]
            budget=merged["budget"],  # type: ignore[arg-type]
            currency=merged["currency"],  # type: ignore[arg-type]
            lead_agency=merged["lead_agency"],  # type: ignore[arg-type]
        )
        given.update({key: checked[key] for key in given if key in checked})
        if given:
            version = program.version
            written = await Program.filter(id=program.id, version=version).update(
                **given, version=version + 1, updated_at=clock.now()
            )
            if written != 1:
                raise DomainError.one(
                    ErrorCode.CONFLICT, "someone else changed this program first", "expectedVersion"
                )
            for key, value in given.items():
                setattr(program, key, value)
            program.version = version + 1
            await audit.record(actor=actor, action="program.update", entity=program, before=before)
            await outbox.record(
                ProgramUpdated(
                    partnership_id=program.partnership_id,
                    program_id=program.id,
                    changed=tuple(sorted(given)),
                ),
                actor=actor,
            )
    return program


async def record_activity(
    *,
    program_id: int,
    occurred_on: date,
    direction: Direction,
    participants: int,
    description: str = "",
    actor: str,
) -> Activity:
    """Record something that happened under a program (inbound or outbound)."""
    check_non_negative(participants, "participants")
    if participants > 1_000_000:
        raise DomainError.one(
            ErrorCode.INVALID, "participants is implausibly large", "participants"
        )
    check_not_future(occurred_on, clock.today(), "occurredOn")
    limit_text(description, "description", max_length=10_000)
    async with in_transaction():
        await _lock_partnership_of(program_id, "programId")
        program = await locked(Program, program_id, "program", "programId")
        if program.status is ProgramStatus.CANCELLED:
            raise DomainError.one(ErrorCode.INVALID, "the program was cancelled", "programId")
        activity = await Activity.create(
            program_id=program.id,
            occurred_on=occurred_on,
            direction=direction,
            participants=participants,
            description=description,
            recorded_by=actor,
        )
        await audit.record(actor=actor, action="activity.record", entity=activity)
        await outbox.record(
            ActivityRecorded(
                partnership_id=program.partnership_id,
                program_id=program.id,
                activity_id=activity.id,
                direction=direction.value,
                participants=participants,
                occurred_on=occurred_on.isoformat(),
            ),
            actor=actor,
        )
    return activity


async def _lock_partnership_of(program_id: int, field: str) -> None:
    """Lock the program's partnership first (one statement), as every service writing that
    partnership's events does, and the watch while it decides: the program's lock comes after."""
    owner = Program.filter(id=program_id).values("partnership_id")
    if not await Partnership.select_for_update().filter(id__in=Subquery(owner)).only("id"):
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such program", field)


def _checked(
    *,
    title: str,
    starts_on: date | None,
    ends_on: date | None,
    budget: Decimal | None,
    currency: str,
    lead_agency: str,
) -> dict[str, object]:
    check_range(starts_on, ends_on, "endsOn")
    if budget is not None and not budget.is_finite():  # NaN cannot even be compared
        raise DomainError.one(ErrorCode.INVALID, "budget must be a finite amount", "budget")
    check_non_negative(budget, "budget")
    if budget is not None and budget > MAX_BUDGET:
        raise DomainError.one(ErrorCode.INVALID, "budget is too large", "budget")
    currency = currency.strip().upper()
    if not _CURRENCY.match(currency):
        raise DomainError.one(
            ErrorCode.INVALID, "currency must be an ISO 4217 code such as IDR", "currency"
        )
    return {
        "title": require_text(title, "title", max_length=300),
        "starts_on": starts_on,
        "ends_on": ends_on,
        # As the column stores it (2 places; no negative zero), so the payload shows the same.
        "budget": None if budget is None else abs(q) if (q := budget.quantize(CENTS)) == 0 else q,
        "currency": currency,
        "lead_agency": limit_text(lead_agency, "leadAgency", max_length=200),
    }


async def search(
    *,
    window: Window,
    area: Area | None = None,
    type: ProgramType | None = None,
    status: ProgramStatus | None = None,
    year: int | None = None,
    partnership_id: int | None = None,
    partnership_statuses: frozenset[Status] | None = None,
) -> Page[Program]:
    """Programs matching every filter given, by id. ``year``: programs running during that year."""
    if year is not None and not 1 <= year <= 9999:
        raise DomainError.one(ErrorCode.INVALID, "year must be between 1 and 9999", "filter.year")
    query = Program.all()
    if partnership_statuses is not None:  # what the caller may see (anonymous: public ones)
        query = query.filter(partnership__status__in=sorted(partnership_statuses))
    if area is not None:
        query = query.filter(area=area)
    if type is not None:
        query = query.filter(type=type)
    if status is not None:
        query = query.filter(status=status)
    if partnership_id is not None:
        query = query.filter(partnership_id=partnership_id)
    if year is not None:
        query = query.filter(starts_on__lte=date(year, 12, 31)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=date(year, 1, 1))
        )
    return await paginate(query, window)
