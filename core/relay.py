"""Claim unsent outbox rows, hand them to a publish function, mark them sent. No broker here.

How order is kept
-----------------
Within one partnership, outbox ``seq`` order is commit order: every service that writes a
partnership's event holds that partnership's row lock (``SELECT ... FOR UPDATE``) until commit.
A batch is claimed in ``seq`` order with ``FOR UPDATE SKIP LOCKED`` and published in that order;
the first publish that fails stops the batch, so nothing later overtakes an unsent row.

Several relays with ``SKIP LOCKED`` alone would break that order (relay A claims seq 1..100,
relay B claims 101..200 and may publish 150 before A publishes 50), so the relay process
(:mod:`workers.relay`) lets only one relay be active, the holder of a PostgreSQL advisory lock;
the others stand by and take over within a second or two when it dies (its session, and with it
the lock, ends). ``SKIP LOCKED`` still keeps a handover safe: an old leader's claimed rows are
skipped, never sent twice by two relays at once. On SQLite there is a single writer and a single
(embedded) relay.

Order on the wire is not order of effect: a Dramatiq worker runs several messages at once and a
retry comes back later. So the consumers where order matters (metrics, evaluation records) do not
apply deltas from the event: they lock the partnership row and recompute from its committed
history, which gives the same result whatever order (or how many times) the messages arrive in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core import clock
from core.envelope import Envelope
from core.models import OutboxEvent, ProcessedEvent

log = logging.getLogger(__name__)

Publish = Callable[[Envelope], Awaitable[None]]
"""Hands one envelope to the message broker; raises when the broker did not take it."""


@dataclass(frozen=True, slots=True)
class BatchResult:
    claimed: int
    sent: int
    error: BaseException | None = None  # the publish failure that stopped the batch


async def relay_batch(publish: Publish, *, limit: int = 100) -> BatchResult:
    """Publish up to ``limit`` unsent events in ``seq`` order and mark them sent, in one
    transaction. A publish failure stops the batch: what went out is marked sent, the failing row
    keeps its error and an attempt count, the rest stay unsent for the next try."""
    async with in_transaction():
        rows = (
            await OutboxEvent.filter(sent_at__isnull=True)
            .order_by("seq")
            .limit(limit)
            .select_for_update(skip_locked=True)
        )
        sent: list[int] = []
        error: BaseException | None = None
        for row in rows:
            try:
                await publish(Envelope.from_row(row))
            except Exception as exc:  # the broker refused or is down: keep the row, report
                error = exc
                await OutboxEvent.filter(seq=row.seq).update(
                    attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
                break
            sent.append(row.seq)
        if sent:
            await OutboxEvent.filter(seq__in=sent).update(
                sent_at=clock.now(), attempts=F("attempts") + 1, last_error=None
            )
    return BatchResult(claimed=len(rows), sent=len(sent), error=error)


async def prune(*, sent_before_days: int, processed_before_days: int) -> tuple[int, int]:
    """Delete outbox rows sent more than ``sent_before_days`` ago and processed-event keys older
    than ``processed_before_days``; returns how many of each."""
    now = clock.now()
    outbox = await OutboxEvent.filter(
        sent_at__isnull=False, sent_at__lt=now - timedelta(days=sent_before_days)
    ).delete()
    processed = await ProcessedEvent.filter(
        processed_at__lt=now - timedelta(days=processed_before_days)
    ).delete()
    return outbox, processed
