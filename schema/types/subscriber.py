"""Subscribers (never their webhook secret), their deliveries, and each delivery's attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from core import policy
from core.models import delivery as delivery_models
from core.models import subscriber as subscriber_models
from core.services import deliveries as delivery_service
from core.services import subscribers as subscriber_service
from schema.connection import CountedConnection, paged, window
from schema.context import Info
from schema.ids import as_db_id
from schema.permissions import SignedIn

TopicKind = strawberry.enum(subscriber_models.TopicKind, description="What a subscriber follows")
DeliveryChannel = strawberry.enum(delivery_models.Channel, name="DeliveryChannel")
DeliveryStatus = strawberry.enum(delivery_models.DeliveryStatus, name="DeliveryStatus")


def _gid(kind: str, pk: int | None) -> relay.GlobalID | None:
    return None if pk is None else relay.GlobalID(kind, str(pk))


@strawberry.type(description="What a subscriber follows; eventTypes narrows it (empty: all)")
class SubscriberTopic:
    kind: TopicKind
    partnership_id: relay.GlobalID | None
    region_id: relay.GlobalID | None = strawberry.field(
        description="The region, and every region inside it"
    )
    country_code: str | None


@strawberry.type(description="One try of a delivery")
class DeliveryAttempt:
    attempted_at: datetime
    status_code: int | None = strawberry.field(description="The HTTP status; null: no response")
    duration_ms: int
    error: str | None
    correlation_id: str

    @classmethod
    def from_model(cls, row: Any) -> DeliveryAttempt:
        return cls(
            attempted_at=row.attempted_at,
            status_code=row.status_code,
            duration_ms=row.duration_ms,
            error=row.error,
            correlation_id=row.correlation_id,
        )


@strawberry.type(description="One event to one subscriber on one channel (exactly once)")
class Delivery(relay.Node):
    id: relay.NodeID[int]
    event_id: str
    event_type: str
    channel: DeliveryChannel
    status: DeliveryStatus
    attempt_count: int = strawberry.field(description="Attempts since it was last (re)started")
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    envelope: JSON = strawberry.field(description="The event as it is sent")
    created_at: datetime
    attempts: list[DeliveryAttempt] = strawberry.field(description="Every attempt, oldest first")

    @classmethod
    def from_model(cls, row: Any, attempts: list[Any] | None = None) -> Delivery:
        return cls(
            id=row.id,
            event_id=str(row.event_id),
            event_type=row.event_type,
            channel=row.channel,
            status=row.status,
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            last_error=row.last_error,
            envelope=row.envelope,
            created_at=row.created_at,
            attempts=[DeliveryAttempt.from_model(a) for a in attempts or []],
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> list[Delivery | None]:
        found: list[Delivery | None] = []
        for node_id in node_ids:
            pk = as_db_id(str(node_id))
            row = await delivery_service.find(pk) if pk else None
            owner = await subscriber_service.owner_of(row.subscriber_id) if row else None
            if row is None or not policy.can_manage_subscriber(info.context.principal, owner):
                found.append(None)
                continue
            attempts = await delivery_service.attempts_of([row.id])
            found.append(cls.from_model(row, attempts[row.id]))
        return found


@strawberry.type
class DeliveryConnection(CountedConnection[Delivery]):
    pass


@strawberry.input
class DeliveryFilter:
    channel: DeliveryChannel | None = None
    status: DeliveryStatus | None = None


@strawberry.type(description="Someone or some system told of events by e-mail, webhook or in-app")
class Subscriber(relay.Node):
    id: relay.NodeID[int]
    name: str
    locale: str = strawberry.field(description="id or en")
    email: str | None
    email_enabled: bool
    webhook_url: str | None
    webhook_enabled: bool
    webhook_disabled_at: datetime | None
    webhook_disabled_reason: str | None
    failing_since: datetime | None = strawberry.field(
        description="When the webhook started failing (null: it is not failing)"
    )
    in_app_enabled: bool
    topic: SubscriberTopic
    event_types: list[str]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_model(cls, row: Any) -> Subscriber:
        return cls(
            id=row.id,
            name=row.name,
            locale=row.locale.value,
            email=row.email,
            email_enabled=row.email_enabled,
            webhook_url=row.webhook_url,
            webhook_enabled=row.webhook_enabled,
            webhook_disabled_at=row.webhook_disabled_at,
            webhook_disabled_reason=row.webhook_disabled_reason,
            failing_since=row.failing_since,
            in_app_enabled=row.in_app_enabled,
            topic=SubscriberTopic(
                kind=row.topic_kind,
                partnership_id=_gid("Partnership", row.partnership_id),
                region_id=_gid("City", row.region_id),
                country_code=row.country_id,
            ),
            event_types=list(row.event_types or []),
            created_at=row.created_at,
            updated_at=row.updated_at,
            version=row.version,
        )

    @strawberry.field(description="Its deliveries, by id; page size at most 100")
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: DeliveryFilter | None = None,
    ) -> DeliveryConnection:
        f = filter or DeliveryFilter()
        attempts: dict[int, list[Any]] = {}

        async def page() -> Any:
            found = await delivery_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                subscriber_id=self.id,
                channel=f.channel,
                status=f.status,
            )
            attempts.update(await delivery_service.attempts_of([row.id for row in found.items]))
            return found

        return await paged(
            DeliveryConnection, lambda row: Delivery.from_model(row, attempts[row.id]), page
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> list[Subscriber | None]:
        found: list[Subscriber | None] = []
        for node_id in node_ids:
            pk = as_db_id(str(node_id))
            row = await subscriber_service.find(pk) if pk else None
            principal = info.context.principal
            if row is None or not policy.can_manage_subscriber(principal, row.owner_id):
                found.append(None)
            else:
                found.append(cls.from_model(row))
        return found


@strawberry.type
class SubscriberConnection(CountedConnection[Subscriber]):
    pass


@strawberry.type
class SubscriberQueries:
    @strawberry.field(
        description="Subscribers: your own (admins: every one); null without a token",
        permission_classes=[SignedIn],
    )
    async def subscribers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> SubscriberConnection | None:
        principal = info.context.principal
        if not policy.can_administer(principal) and principal.account_id is None:
            return None
        return await paged(
            SubscriberConnection,
            Subscriber.from_model,
            lambda: subscriber_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                owner_id=None if policy.can_administer(principal) else principal.account_id,
            ),
        )
