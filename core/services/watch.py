"""The dormancy and expiry watch: one pass over the active partnerships, run periodically by the
active relay (``workers/relay.py``) or once by ``kembar watch --once``.

For each active partnership (and each closed one still flagged dormant):

- **Dormancy**: no activity (see :mod:`core.services.signals`) for ``dormancy_months`` months sets
  ``dormant_since`` (the moment the period ran out) and emits ``partnership.dormant`` once. When
  activity resumes, the next pass clears the flag and emits ``partnership.reactivated`` (the
  services that record activity are left alone: the flag clears within one watch interval). A
  partnership that closed (expired, terminated) while dormant loses the flag without an event.
- **Expiry reminders**: ``partnership.expiry_reminder`` 6 months before the agreement's
  ``valid_until`` and again 1 month before, each once per term (a row in ``expiry_reminder`` keyed
  by partnership, end date and months). A reminder whose window has passed is not sent late: a
  term signed with three weeks left gets the 1-month reminder only.
- **Expiry**: after ``valid_until`` the partnership is expired through
  :func:`core.services.partnerships.expire` (which emits ``partnership.expired``). The end date is
  an Indonesian one: the watch's "today" is the date in the ``timezone`` setting (Asia/Jakarta),
  as :func:`core.clock.today` is.

A cheap batched read finds the partnerships that need a change; each change is then decided again
and written in its own short transaction holding the partnership's row lock (the lock every
service takes), so the watch never races an officer's edit. A second pass emits nothing new.
A partnership whose processing fails is logged and counted (``TickResult.failed``) and the pass
goes on with the others; the next pass tries it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from uuid import uuid4

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core import clock, correlation, outbox
from core.errors import DomainError
from core.events import ExpiryReminderIssued, PartnershipDormant, PartnershipReactivated
from core.models import ExpiryReminder, Partnership
from core.months import shift_moment, shift_months
from core.services import audit
from core.services import partnerships as partnership_service
from core.services.locking import locked
from core.services.signals import last_activity, signals_of
from core.settings import get_settings
from core.stages import Status

log = logging.getLogger(__name__)

ACTOR = "kembar-watch"
REMINDER_MONTHS = (6, 1)  # longest first: each reminder is due until the next one's window opens
BATCH = 500


@dataclass(slots=True)
class TickResult:
    """What one pass did (counts of partnerships)."""

    checked: int = 0
    dormant: int = 0
    reactivated: int = 0
    cleared: int = 0  # closed partnerships that lost their dormant flag (no event)
    reminders: int = 0
    expired: int = 0
    failed: int = 0  # partnerships whose processing raised (logged; the next pass retries)

    @property
    def changed(self) -> int:
        return self.dormant + self.reactivated + self.cleared + self.reminders + self.expired


@dataclass(frozen=True, slots=True)
class _Due:
    expire: bool = False
    dormant_since: datetime | None = None  # should be flagged dormant since then
    reactivate: bool = False
    clear: bool = False
    reminder: int | None = None  # months before the end

    def __bool__(self) -> bool:
        return bool(
            self.expire
            or self.dormant_since
            or self.reactivate
            or self.clear
            or self.reminder is not None
        )


async def tick(*, now: datetime, dormancy_months: int | None = None) -> TickResult:
    """One pass of the watch at ``now`` (normally ``clock.now()``): flag and clear dormancy, send
    due expiry reminders, expire ended agreements. Idempotent. Its events and log lines carry
    one correlation id for the pass (``watch-`` and 12 hex digits)."""
    token = correlation.bind(f"watch-{uuid4().hex[:12]}")
    try:
        return await _tick(now, dormancy_months or get_settings().dormancy_months)
    finally:
        correlation.reset(token)


async def _tick(now: datetime, months: int) -> TickResult:
    result = TickResult()
    after = 0
    while True:
        rows = (
            await Partnership.filter(Q(status=Status.ACTIVE) | Q(dormant_since__isnull=False))
            .filter(id__gt=after)
            .order_by("id")
            .limit(BATCH)
        )
        if not rows:
            return result
        after = rows[-1].id
        result.checked += len(rows)
        for partnership_id in await _candidates(rows, now, months):
            try:
                await _apply(partnership_id, now, months, result)
            except Exception:  # one partnership's fault must not hold up the others
                log.exception("watch: partnership %s failed", partnership_id)
                result.failed += 1


async def _candidates(rows: list[Partnership], now: datetime, months: int) -> list[int]:
    """The ids of ``rows`` that need a change, from one batched read; should that read fail
    (one partnership's data can break it), every row, each then decided on its own."""
    try:
        signals = await signals_of([row.id for row in rows], now=now)
        sent = await _sent_reminders(rows)
        return [
            row.id
            for row, signal in zip(rows, signals, strict=True)
            if _due(row, last_activity(signal, row.stage_entered_at), now, months, sent)
        ]
    except Exception:
        log.exception("watch: the batched read failed; deciding each partnership on its own")
        return [row.id for row in rows]


def _due(
    row: Partnership,
    last: datetime | None,
    now: datetime,
    months: int,
    sent: set[tuple[int, date, int]],
) -> _Due:
    """What the watch should do to this partnership now (pure)."""
    if row.status is not Status.ACTIVE:
        return _Due(clear=row.dormant_since is not None)
    today = clock.local_date(now)  # valid_until is an Indonesian date
    if row.valid_until is not None and row.valid_until < today:
        return _Due(expire=True)
    dormant_at = shift_moment(last, months) if last is not None else None
    is_dormant = dormant_at is not None and dormant_at <= now
    reminder = reminder_due(row.valid_until, today)
    return _Due(
        dormant_since=dormant_at if is_dormant and row.dormant_since is None else None,
        reactivate=not is_dormant and row.dormant_since is not None,
        reminder=reminder
        if reminder is not None and (row.id, row.valid_until, reminder) not in sent
        else None,
    )


def reminder_due(valid_until: date | None, today: date) -> int | None:
    """Which reminder (6 or 1 months before) is due on ``today`` for a term ending on
    ``valid_until``, or None: the 6-month one from 6 months before the end until the 1-month
    one's window opens, the 1-month one from then until the last valid day."""
    if valid_until is None or today > valid_until:
        return None
    for months in sorted(REMINDER_MONTHS):  # shortest first: the most urgent that applies
        if today >= shift_months(valid_until, -months):
            return months
    return None


async def _sent_reminders(rows: list[Partnership]) -> set[tuple[int, date, int]]:
    terms = [row.id for row in rows if row.status is Status.ACTIVE and row.valid_until]
    if not terms:
        return set()
    return {
        (r["partnership_id"], r["valid_until"], r["months_before"])
        for r in await ExpiryReminder.filter(partnership_id__in=terms).values(
            "partnership_id", "valid_until", "months_before"
        )
    }


async def _apply(partnership_id: int, now: datetime, months: int, result: TickResult) -> None:
    """Decide again under the row lock and write, one partnership, one transaction."""
    try:
        async with in_transaction():
            row = await locked(Partnership, partnership_id, "partnership")
            signal = (await signals_of([row.id], now=now))[0]
            last = last_activity(signal, row.stage_entered_at)
            sent = await _sent_reminders([row])
            due = _due(row, last, now, months, sent)
            if due.expire:
                pass  # below, through the service (its own transaction and lock)
            elif due.clear:
                await _set_dormant(row, None, "partnership.dormancy_cleared")
                result.cleared += 1
            else:
                await _dormancy(row, due, last, months, result)
                if due.reminder is not None and await _remind(row, due.reminder, now):
                    result.reminders += 1
    except DomainError as error:  # the partnership vanished meanwhile
        log.info("watch: partnership %s skipped: %s", partnership_id, error)
        return
    if due.expire and await _expire(partnership_id, result):
        await _apply(partnership_id, now, months, result)  # an expired one keeps no dormant flag


async def _dormancy(
    row: Partnership, due: _Due, last: datetime | None, months: int, result: TickResult
) -> None:
    if due.dormant_since is not None:
        await _set_dormant(row, due.dormant_since, "partnership.dormant")
        await outbox.record(
            PartnershipDormant(
                partnership_id=row.id,
                dormant_since=due.dormant_since.isoformat(),
                last_activity_at=last.isoformat() if last else "",
                months=months,
            ),
            actor=ACTOR,
        )
        result.dormant += 1
    elif due.reactivate:
        since = row.dormant_since
        await _set_dormant(row, None, "partnership.reactivated")
        await outbox.record(
            PartnershipReactivated(
                partnership_id=row.id,
                dormant_since=since.isoformat() if since else "",
                last_activity_at=last.isoformat() if last else "",
            ),
            actor=ACTOR,
        )
        result.reactivated += 1


async def _set_dormant(row: Partnership, since: datetime | None, action: str) -> None:
    """The flag is the watch's, not the officers': it leaves ``version`` alone, so an officer's
    pending edit is not refused as a conflict because the watch passed by."""
    before = audit.snapshot(row)
    await Partnership.filter(id=row.id).update(dormant_since=since)
    row.dormant_since = since
    await audit.record(actor=ACTOR, action=action, entity=row, before=before)


async def _remind(row: Partnership, months: int, now: datetime) -> bool:
    """Record and emit the reminder; False if its row already exists (it was sent)."""
    assert row.valid_until is not None
    try:
        async with in_transaction():  # a savepoint: a duplicate leaves the rest of the pass
            await ExpiryReminder.create(
                partnership_id=row.id, valid_until=row.valid_until, months_before=months,
                sent_at=now,
            )  # fmt: skip
    except IntegrityError:
        log.info("watch: partnership %s: the %d-month reminder was already sent", row.id, months)
        return False
    await outbox.record(
        ExpiryReminderIssued(
            partnership_id=row.id, months_before=months, valid_until=row.valid_until.isoformat()
        ),
        actor=ACTOR,
    )
    return True


async def _expire(partnership_id: int, result: TickResult) -> bool:
    try:
        await partnership_service.expire(partnership_id=partnership_id, actor=ACTOR)
    except DomainError as error:  # renewed, closed or changed meanwhile: the next pass sees
        log.info("watch: partnership %s not expired: %s", partnership_id, error)
        return False
    result.expired += 1
    return True
