"""The relay's publish function: one Dramatiq message per consumer of the event (routing table),
so that each consumer retries, fails and is replayed on its own."""

from __future__ import annotations

import asyncio
import uuid

import dramatiq
from dramatiq import Message

from core.envelope import Envelope
from core.relay import Publish
from workers import routes
from workers.actors import ACTORS


def messages_for(envelope: Envelope) -> list[Message[object]]:
    """The messages that deliver ``envelope`` to its consumers; message ids are derived from the
    event id and actor name, so a message can be traced back to its event."""
    body = envelope.to_dict()
    messages = []
    for name in routes.consumers(envelope.type):
        actor = ACTORS[name]
        messages.append(
            Message(
                queue_name=actor.queue_name,
                actor_name=actor.actor_name,
                args=(body,),
                kwargs={},
                options={},
                message_id=str(uuid.uuid5(envelope.event_id, name)),
            )
        )
    return messages


def publisher(broker: dramatiq.Broker) -> Publish:
    """A :data:`core.relay.Publish` that enqueues on ``broker`` (off the event loop: the Redis
    client blocks, and when Redis is down a connect may take its timeout)."""

    def enqueue(envelope: Envelope) -> None:
        for message in messages_for(envelope):
            broker.enqueue(message)

    async def publish(envelope: Envelope) -> None:
        await asyncio.to_thread(enqueue, envelope)

    return publish
