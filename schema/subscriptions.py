"""The Subscription root: partnership events, live over graphql-transport-ws, resumable.

Each message carries a ``cursor``; a client that reconnects passes its last one as ``after`` and
gets every later event exactly once, in order (:mod:`core.fanout`), or ``CURSOR_EXPIRED`` when the
events after it are no longer retained, so it knows to refetch. Callers see the events of the
partnerships they may read (as in the ``partnerships`` query); anonymous callers only the public
kinds (programs and their activities, a partnership's termination or expiry), without reasons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types.nodes import SelectedField

from core import batch, policy
from core.errors import DomainError, ErrorCode
from core.events import EVENT_TYPES
from core.fanout import SlowConsumer, TooManySubscriptions, Unavailable
from core.notices import CursorExpired, Notice, RecentIds, cursor_key
from core.services import accounts as account_service
from core.stages import Status
from schema.context import Info
from schema.errors import as_graphql_error
from schema.ids import db_id
from schema.loaders import Loaders
from schema.permissions import visible
from schema.types.partnership import Partnership

log = logging.getLogger("kembar.live")

# What anonymous callers may follow: what the public partnership pages show changing.
PUBLIC_EVENT_TYPES = frozenset(
    {
        "program.created",
        "program.updated",
        "program.activity_recorded",
        "partnership.terminated",
        "partnership.expired",
    }
)
PRIVATE_PAYLOAD_KEYS = frozenset({"reason"})  # like stage history: signed-in roles only


class LiveCode(StrEnum):
    """``extensions.code`` of the errors that end a live subscription."""

    CURSOR_EXPIRED = "CURSOR_EXPIRED"  # refetch, then subscribe without `after`
    SLOW_CONSUMER = "SLOW_CONSUMER"  # resume from `extensions.lastCursor`
    TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
    UNAVAILABLE = "UNAVAILABLE"
    UNAUTHENTICATED = "UNAUTHENTICATED"  # the token lapsed while subscribed: sign in again


def live_error(code: LiveCode, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value, **extensions})


@strawberry.type(description="One event about a partnership, as a live subscription delivers it")
class PartnershipEventMessage:
    cursor: str = strawberry.field(
        description="Opaque; pass the last one you saw as `after` to resume"
    )
    event_id: strawberry.ID = strawberry.field(description="The event's id (stable)")
    type: str = strawberry.field(description="e.g. partnership.stage_advanced")
    occurred_at: datetime
    correlation_id: str
    payload: JSON = strawberry.field(description="The event's fields (ids and values)")
    partnership_db_id: strawberry.Private[int]
    notice: strawberry.Private[Notice]

    @strawberry.field(description="The partnership as it is now (null if you may not read it)")
    async def partnership(self, info: Info) -> Partnership | None:
        row = await _row(self.notice, self.partnership_db_id)
        shown = visible(info, [row] if row is not None else [])
        return Partnership.from_model(shown[0]) if shown else None

    @classmethod
    def from_notice(cls, notice: Notice, *, public: bool) -> PartnershipEventMessage:
        envelope = notice.envelope
        payload = dict(envelope["payload"])
        if public:
            payload = {k: v for k, v in payload.items() if k not in PRIVATE_PAYLOAD_KEYS}
        return cls(
            cursor=notice.cursor,
            event_id=strawberry.ID(str(envelope["event_id"])),
            type=str(envelope["type"]),
            occurred_at=datetime.fromisoformat(str(envelope["occurred_at"])),
            correlation_id=str(envelope["correlation_id"]),
            payload=payload,
            partnership_db_id=int(payload["partnership_id"]),
            notice=notice,
        )


@dataclass(frozen=True, slots=True)
class _Scope:
    status: Status
    regions: frozenset[int]  # both regions and their ancestors


async def _row(notice: Notice, partnership_id: int) -> Any:
    """The notice's partnership row, read once per notice for every subscription it reaches."""
    task = notice.memo.get("row")
    if task is None:
        task = notice.memo["row"] = asyncio.ensure_future(batch.partnerships([partnership_id]))
    [row] = await asyncio.shield(task)
    return row


async def _load_scope(notice: Notice, partnership_id: int) -> _Scope | None:
    row = await _row(notice, partnership_id)
    if row is None:
        return None
    regions: set[int] = set()
    for region_id in (row.indonesian_region_id, row.foreign_region_id):
        regions.update(await account_service.region_chain(region_id) or ())
    return _Scope(status=Status(row.status), regions=frozenset(regions))


async def _scope(notice: Notice, partnership_id: int) -> _Scope | None:
    """The partnership's status and regions, looked up once per notice for every subscription."""
    task = notice.memo.get("scope")
    if task is None:
        task = notice.memo["scope"] = asyncio.ensure_future(_load_scope(notice, partnership_id))
    return await asyncio.shield(task)


@dataclass(frozen=True, slots=True)
class _Filter:
    principal: policy.Principal
    partnership_id: int | None
    region_id: int | None
    types: frozenset[str] | None

    async def admits(self, notice: Notice) -> bool:
        try:
            envelope = notice.envelope
            kind = envelope["type"]
            partnership_id = int(envelope["payload"]["partnership_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("skipping a malformed notice %s", notice.cursor)
            return False
        if self.types is not None and kind not in self.types:
            return False
        if not self.principal.authenticated and kind not in PUBLIC_EVENT_TYPES:
            return False
        if self.partnership_id is not None and partnership_id != self.partnership_id:
            return False
        if self.region_id is None and self.principal.authenticated:
            return True
        scope = await _scope(notice, partnership_id)
        if scope is None or not policy.can_read_partnership(self.principal, scope.status):
            return False
        return self.region_id is None or self.region_id in scope.regions


async def _filter(
    info: Info,
    partnership_id: relay.GlobalID | None,
    region_id: relay.GlobalID | None,
    types: list[str] | None,
    after: str | None,
) -> _Filter:
    """The subscription's filter, or DomainError for bad arguments (checked before streaming)."""
    principal = info.context.principal
    wanted: frozenset[str] | None = None
    if types is not None:
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown or not types:
            raise DomainError.one(
                ErrorCode.INVALID,
                f"unknown event types: {', '.join(unknown)}" if unknown else "types is empty",
                "types",
            )
        wanted = frozenset(types)
        if not principal.authenticated and not wanted <= PUBLIC_EVENT_TYPES:
            raise DomainError.one(
                ErrorCode.FORBIDDEN,
                "sign in to follow " + ", ".join(sorted(wanted - PUBLIC_EVENT_TYPES)),
                "types",
            )
    if after is not None:
        try:
            cursor_key(after)
        except ValueError as exc:
            message = "after is not a valid cursor"
            raise DomainError.one(ErrorCode.INVALID, message, "after") from exc
    pid = None if partnership_id is None else db_id(partnership_id, "Partnership", "partnershipId")
    if pid is not None:
        row = await info.context.loaders.partnership_by_id.load(pid)
        if row is None or not visible(info, [row]):
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such partnership", "partnershipId")
    rid = None if region_id is None else db_id(region_id, "City", "regionId")
    if rid is not None and await info.context.loaders.city_by_id.load(rid) is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such region", "regionId")
    return _Filter(principal=principal, partnership_id=pid, region_id=rid, types=wanted)


def _selects_partnership(info: Info) -> bool:
    """Whether messages resolve their partnership (fragments: assume so)."""
    return any(
        not isinstance(selection, SelectedField) or selection.name == "partnership"
        for field in info.selected_fields
        for selection in field.selections
    )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Partnership events as they happen, filtered by partnership, region (either "
        "side, or a region containing it) and event types; `after` resumes from a message's "
        "cursor"
    )
    async def partnership_events(
        self,
        info: Info,
        partnership_id: relay.GlobalID | None = None,
        region_id: relay.GlobalID | None = None,
        types: list[str] | None = None,
        after: str | None = None,
    ) -> AsyncGenerator[PartnershipEventMessage, None]:
        try:
            wanted = await _filter(info, partnership_id, region_id, types, after)
        except DomainError as error:
            raise as_graphql_error(error) from error
        fanout = info.context.live
        if fanout is None:
            raise live_error(LiveCode.UNAVAILABLE, "live events are not served by this process")
        public = not info.context.principal.authenticated
        fresh_loaders = _selects_partnership(info)
        recent = RecentIds()
        try:
            async for notice in fanout.stream(after):
                if not await wanted.admits(notice) or recent.seen(notice.envelope["event_id"]):
                    continue
                if fresh_loaders:  # each message shows its partnership as it is
                    info.context.loaders = Loaders()
                yield PartnershipEventMessage.from_notice(notice, public=public)
        except CursorExpired as exc:
            raise live_error(
                LiveCode.CURSOR_EXPIRED,
                "the events after this cursor are no longer retained: refetch, then subscribe "
                "without after",
                field="after",
            ) from exc
        except SlowConsumer as exc:
            raise live_error(
                LiveCode.SLOW_CONSUMER,
                "this subscription fell too far behind and was closed: resume from lastCursor",
                lastCursor=exc.last_cursor,
            ) from exc
        except TooManySubscriptions as exc:
            raise live_error(
                LiveCode.TOO_MANY_SUBSCRIPTIONS,
                "this server holds all the live subscriptions "
                "it may: try again later or another server",
            ) from exc
        except Unavailable as exc:
            raise live_error(
                LiveCode.UNAVAILABLE, "the event stream cannot be read now: try again"
            ) from exc
