"""Subscribers (their owner or an admin) and deliveries (admins: redeliver, replay). A webhook's
signing secret is returned once: by createSubscriber or updateSubscriber when they generate it,
and by rotateWebhookSecret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from core.services import deliveries as delivery_service
from core.services import subscribers as subscriber_service
from core.services.subscribers import TopicInput
from schema.context import Info
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import IsAdmin, ManagesSubscriber, SignedInWithAccount
from schema.types.subscriber import Delivery, Subscriber, TopicKind


@strawberry.input(
    description="kind PARTNERSHIP needs partnershipId, REGION regionId, COUNTRY countryCode"
)
class SubscriberTopicInput:
    kind: TopicKind
    partnership_id: relay.GlobalID | None = None
    region_id: relay.GlobalID | None = None
    country_code: str | None = None


@strawberry.input
class CreateSubscriberInput:
    name: str
    topic: SubscriberTopicInput
    locale: str = strawberry.field(default="id", description="id or en")
    email: str | None = None
    email_enabled: bool = False
    webhook_url: str | None = strawberry.field(
        default=None, description="http(s); its signing secret is shown once, in the payload"
    )
    webhook_enabled: bool = False
    in_app_enabled: bool = False
    event_types: list[str] = strawberry.field(
        default_factory=list, description="e.g. partnership.stage_advanced; empty: every type"
    )


@strawberry.input(description="Fields left out stay as they are; email or webhookUrl null clears")
class UpdateSubscriberInput:
    id: relay.GlobalID
    name: str | None = None
    locale: str | None = None
    email: str | None = strawberry.UNSET
    email_enabled: bool | None = None
    webhook_url: str | None = strawberry.UNSET
    webhook_enabled: bool | None = strawberry.field(
        default=None, description="true also clears a disabled endpoint's state"
    )
    in_app_enabled: bool | None = None
    topic: SubscriberTopicInput | None = None
    event_types: list[str] | None = None


@strawberry.input
class SubscriberIdInput:
    id: relay.GlobalID


@strawberry.input
class RedeliverInput:
    delivery_id: relay.GlobalID


@strawberry.input
class ReplayEventsInput:
    since: datetime = strawberry.field(description="Every event that occurred since then")
    subscriber_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only to this subscriber (null: to every one)"
    )


@strawberry.type
class SubscriberPayload:
    subscriber: Subscriber | None = None
    webhook_secret: str | None = strawberry.field(
        default=None,
        description="whsec_...: the signing secret, only when generated now. Store it now",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSubscriberPayload:
    deleted_id: relay.GlobalID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeliveryPayload:
    delivery: Delivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReplayEventsPayload:
    deliveries: int | None = strawberry.field(default=None, description="How many will be sent")
    errors: list[UserError] = strawberry.field(default_factory=list)


def _topic(data: SubscriberTopicInput) -> TopicInput:
    return TopicInput(
        kind=data.kind,
        partnership_id=None
        if data.partnership_id is None
        else db_id(data.partnership_id, "Partnership", "topic.partnershipId"),
        region_id=None
        if data.region_id is None
        else db_id(data.region_id, "City", "topic.regionId"),
        country_code=data.country_code,
    )


def _given(value: Any) -> Any:
    return subscriber_service.UNSET if value is strawberry.UNSET else value


def _issued(payload: SubscriberPayload) -> SubscriberPayload:
    issued = payload.subscriber
    if issued is not None:
        payload.subscriber = Subscriber.from_model(issued.subscriber)  # type: ignore[attr-defined]
        payload.webhook_secret = issued.secret  # type: ignore[attr-defined]
    return payload


@strawberry.type
class SubscriberMutations:
    @strawberry.mutation(permission_classes=[SignedInWithAccount])
    async def create_subscriber(
        self, info: Info, input: CreateSubscriberInput
    ) -> SubscriberPayload:
        return _issued(
            await run(
                SubscriberPayload,
                "subscriber",
                lambda issued: issued,
                lambda: subscriber_service.create(
                    owner_id=info.context.principal.account_id,
                    name=input.name,
                    locale=input.locale,
                    email=input.email,
                    email_enabled=input.email_enabled,
                    webhook_url=input.webhook_url,
                    webhook_enabled=input.webhook_enabled,
                    in_app_enabled=input.in_app_enabled,
                    topic=_topic(input.topic),
                    event_types=input.event_types,
                    actor=info.context.actor,
                ),
            )
        )

    @strawberry.mutation(permission_classes=[ManagesSubscriber])
    async def update_subscriber(
        self, info: Info, input: UpdateSubscriberInput
    ) -> SubscriberPayload:
        return _issued(
            await run(
                SubscriberPayload,
                "subscriber",
                lambda issued: issued,
                lambda: subscriber_service.update(
                    subscriber_id=db_id(input.id, "Subscriber", "id"),
                    name=input.name,
                    locale=input.locale,
                    email=_given(input.email),
                    email_enabled=input.email_enabled,
                    webhook_url=_given(input.webhook_url),
                    webhook_enabled=input.webhook_enabled,
                    in_app_enabled=input.in_app_enabled,
                    topic=None if input.topic is None else _topic(input.topic),
                    event_types=input.event_types,
                    actor=info.context.actor,
                ),
            )
        )

    @strawberry.mutation(permission_classes=[ManagesSubscriber])
    async def delete_subscriber(
        self, info: Info, input: SubscriberIdInput
    ) -> DeleteSubscriberPayload:
        return await run(
            DeleteSubscriberPayload,
            "deleted_id",
            lambda row: relay.GlobalID("Subscriber", str(row.id)),
            lambda: subscriber_service.delete(
                subscriber_id=db_id(input.id, "Subscriber", "id"), actor=info.context.actor
            ),
        )

    @strawberry.mutation(
        permission_classes=[ManagesSubscriber],
        description="A new webhook signing secret, shown once; the old one stops at once",
    )
    async def rotate_webhook_secret(
        self, info: Info, input: SubscriberIdInput
    ) -> SubscriberPayload:
        return _issued(
            await run(
                SubscriberPayload,
                "subscriber",
                lambda issued: issued,
                lambda: subscriber_service.rotate_secret(
                    subscriber_id=db_id(input.id, "Subscriber", "id"), actor=info.context.actor
                ),
            )
        )

    @strawberry.mutation(
        permission_classes=[ManagesSubscriber],
        description="Turn a disabled webhook endpoint back on",
    )
    async def enable_webhook(self, info: Info, input: SubscriberIdInput) -> SubscriberPayload:
        return await run(
            SubscriberPayload,
            "subscriber",
            Subscriber.from_model,
            lambda: subscriber_service.enable_webhook(
                subscriber_id=db_id(input.id, "Subscriber", "id"), actor=info.context.actor
            ),
        )

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Send one delivery again, from the start of the retry schedule",
    )
    async def redeliver(self, info: Info, input: RedeliverInput) -> DeliveryPayload:
        async def work() -> tuple[Any, list[Any]]:
            row = await delivery_service.redeliver(
                delivery_id=db_id(input.delivery_id, "Delivery", "deliveryId"),
                actor=info.context.actor,
            )
            return row, (await delivery_service.attempts_of([row.id]))[row.id]

        return await run(DeliveryPayload, "delivery", lambda pair: Delivery.from_model(*pair), work)

    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Send every event since a time again (webhook and e-mail deliveries)",
    )
    async def replay_events(self, info: Info, input: ReplayEventsInput) -> ReplayEventsPayload:
        return await run(
            ReplayEventsPayload,
            "deliveries",
            lambda count: count,
            lambda: delivery_service.replay(
                since=input.since,
                subscriber_id=None
                if input.subscriber_id is None
                else db_id(input.subscriber_id, "Subscriber", "subscriberId"),
                actor=info.context.actor,
            ),
        )
