"""Admins' view of the background work: the outbox backlog and failed messages, with replay."""

from __future__ import annotations

from datetime import datetime

import strawberry

from core.errors import ErrorCode
from core.services import backlog as backlog_service
from core.services import dead_letters as dead_letter_service
from core.settings import get_settings
from schema.errors import UserError
from schema.permissions import IsAdmin, ReadsAdministration


@strawberry.type(description="Events committed but not yet handed to the workers")
class OutboxBacklog:
    unsent: int
    oldest_age_seconds: float | None
    failing: int = strawberry.field(description="Unsent events whose last publish failed")
    last_error: str | None


@strawberry.type(description="A message the workers gave up on (kept 7 days)")
class DeadLetter:
    queue: str
    redis_message_id: str = strawberry.field(description="Give it to replayDeadLetter")
    message_id: str
    actor_name: str
    event_id: str | None
    event_type: str | None
    failed_at: datetime
    retries: int
    error: str
    traceback: str


@strawberry.type
class ReplayPayload:
    replayed: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OperationsQuery:
    @strawberry.field(permission_classes=[ReadsAdministration])
    async def outbox_backlog(self) -> OutboxBacklog | None:
        found = await backlog_service.outbox_backlog()
        return OutboxBacklog(
            unsent=found.unsent,
            oldest_age_seconds=found.oldest_age_seconds,
            failing=found.failing,
            last_error=found.last_error,
        )

    @strawberry.field(
        permission_classes=[ReadsAdministration],
        description="Failed messages, newest first (empty in the embedded mode)",
    )
    async def dead_letters(
        self, queue: str | None = None, limit: int = 100
    ) -> list[DeadLetter] | None:
        letters = await dead_letter_service.list_dead_letters(queue=queue, limit=min(limit, 500))
        return [
            DeadLetter(
                queue=d.queue,
                redis_message_id=d.redis_message_id,
                message_id=d.message_id,
                actor_name=d.actor_name,
                event_id=d.event_id,
                event_type=d.event_type,
                failed_at=d.failed_at,
                retries=d.retries,
                error=d.error,
                traceback=d.traceback,
            )
            for d in letters
        ]


@strawberry.type
class OperationsMutations:
    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Put failed messages back on their queue: one (queue and redisMessageId), "
        "or every one of a queue, or all",
    )
    async def replay_dead_letters(
        self, queue: str | None = None, redis_message_id: str | None = None
    ) -> ReplayPayload:
        if not get_settings().redis_url:
            return ReplayPayload(
                errors=[
                    UserError(
                        field=None,
                        code=ErrorCode.INVALID,
                        message="no Redis is configured: the embedded workers keep no dead "
                        "letters (failures are in the log)",
                    )
                ]
            )
        if redis_message_id is not None:
            if queue is None:
                return ReplayPayload(
                    errors=[
                        UserError(field="queue", code=ErrorCode.REQUIRED, message="name the queue")
                    ]
                )
            replayed = await dead_letter_service.replay(
                queue=queue, redis_message_id=redis_message_id
            )
            if replayed is None:
                return ReplayPayload(
                    errors=[
                        UserError(
                            field="redisMessageId",
                            code=ErrorCode.NOT_FOUND,
                            message="no such dead message",
                        )
                    ]
                )
            return ReplayPayload(replayed=1)
        return ReplayPayload(replayed=await dead_letter_service.replay_all(queue=queue))
