"""Subscribers: create, change, delete; the webhook secret, generated here and shown only once."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from core.errors import DomainError, ErrorCode, Problem
from core.events import EVENT_TYPES
from core.mail.errors import MailError
from core.mail.sender import checked_address
from core.models import City, Country, Delivery, Partnership, Subscriber
from core.models.subscriber import Locale, TopicKind
from core.pagination import Page, Window, paginate
from core.services import audit
from core.services.locking import locked
from core.settings import get_settings
from core.validation import limit_text, require_text
from core.webhooks import address, signing

UNSET: Any = object()  # "not given" for update's optional fields (None means "clear")

# Kembar's own notices, which a subscriber may also choose by type
NOTICE_TYPES = frozenset({"subscriber.webhook_disabled"})


@dataclass(frozen=True, slots=True)
class Issued:
    """A subscriber just written; ``secret`` (``whsec_...``) only when one was generated now."""

    subscriber: Subscriber
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class TopicInput:
    kind: TopicKind
    partnership_id: int | None = None
    region_id: int | None = None
    country_code: str | None = None


async def get(subscriber_id: int) -> Subscriber:
    found = await Subscriber.get_or_none(id=subscriber_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such subscriber", "id")
    return found


async def find(subscriber_id: int) -> Subscriber | None:
    return await Subscriber.get_or_none(id=subscriber_id)


async def owner_of(subscriber_id: int) -> int | None:
    """The owning account of a subscriber (None: none, or no such subscriber)."""
    rows = await Subscriber.filter(id=subscriber_id).values_list("owner_id", flat=True)
    return rows[0] if rows else None


def _locale(value: str) -> Locale:
    try:
        return Locale(value.strip().lower())
    except ValueError as exc:
        raise DomainError.one(ErrorCode.INVALID, "locale must be id or en", "locale") from exc


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = limit_text(value.strip(), "email", max_length=254)
    local, _, domain = text.rpartition("@")
    if not local or "." not in domain or any(ch.isspace() for ch in text):
        raise DomainError.one(ErrorCode.INVALID, "not an email address", "email")
    try:  # the check the mail channel makes before every send: what it refuses, refuse now
        checked_address(text)
    except MailError as exc:
        raise DomainError.one(ErrorCode.INVALID, "not an email address", "email") from exc
    return text


def _webhook_url(value: str | None) -> str | None:
    """A URL a webhook may go to, as far as can be told without DNS (that is checked again, with
    DNS, at every send)."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    problem = address.url_problem(url)
    if problem is not None:
        raise DomainError.one(ErrorCode.INVALID, f"the webhook URL {problem}", "webhookUrl")
    url = address.normalised(url)  # an international host name kept as punycode
    host = urlsplit(url).hostname or ""
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return url
    if not address.allowed(literal, get_settings().webhook_allowed_networks):
        raise DomainError.one(
            ErrorCode.INVALID, "the webhook URL points to a non-public address", "webhookUrl"
        )
    return url


def _event_types(values: list[str] | None) -> list[str]:
    chosen = list(dict.fromkeys(v.strip() for v in values or []))
    unknown = [v for v in chosen if v not in EVENT_TYPES and v not in NOTICE_TYPES]
    if unknown:
        raise DomainError.one(
            ErrorCode.INVALID, f"unknown event type {unknown[0]!r}", "eventTypes"
        )
    return chosen


async def _topic(topic: TopicInput) -> dict[str, Any]:
    """The topic columns, checked: the kind names exactly the one target it needs, which exists."""
    given = {
        "partnershipId": topic.partnership_id,
        "regionId": topic.region_id,
        "countryCode": topic.country_code,
    }
    needed = {
        TopicKind.PARTNERSHIP: "partnershipId",
        TopicKind.REGION: "regionId",
        TopicKind.COUNTRY: "countryCode",
        TopicKind.ALL: None,
    }[topic.kind]
    problems = [
        Problem(ErrorCode.INVALID, f"a {topic.kind.value} topic takes no {name}", f"topic.{name}")
        for name, value in given.items()
        if value is not None and name != needed
    ]
    if needed is not None and given[needed] is None:
        problems.append(
            Problem(ErrorCode.REQUIRED, f"a {topic.kind.value} topic needs {needed}", "topic")
        )
    if problems:
        raise DomainError(problems)
    columns: dict[str, Any] = {
        "topic_kind": topic.kind,
        "partnership_id": None,
        "region_id": None,
        "country_id": None,
    }
    if topic.kind is TopicKind.PARTNERSHIP:
        if not await Partnership.filter(id=topic.partnership_id).exists():
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such partnership", "topic.partnershipId")
        columns["partnership_id"] = topic.partnership_id
    elif topic.kind is TopicKind.REGION:
        if not await City.filter(id=topic.region_id).exists():
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such region", "topic.regionId")
        columns["region_id"] = topic.region_id
    elif topic.kind is TopicKind.COUNTRY:
        code = (topic.country_code or "").strip().upper()
        if not await Country.filter(code=code).exists():
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such country", "topic.countryCode")
        columns["country_id"] = code
    return columns


def _check_channels(sub: Subscriber) -> None:
    if sub.email_enabled and not sub.email:
        raise DomainError.one(ErrorCode.REQUIRED, "e-mail is on but there is no address", "email")
    if sub.webhook_enabled and not sub.webhook_url:
        raise DomainError.one(
            ErrorCode.REQUIRED, "the webhook is on but there is no URL", "webhookUrl"
        )


def _new_secret(sub: Subscriber) -> str:
    secret = signing.new_secret()
    sub.webhook_secret = signing.encode(secret)
    return signing.shown(secret)


async def create(
    *,
    owner_id: int | None,
    name: str,
    locale: str = "id",
    email: str | None = None,
    email_enabled: bool = False,
    webhook_url: str | None = None,
    webhook_enabled: bool = False,
    in_app_enabled: bool = False,
    topic: TopicInput,
    event_types: list[str] | None = None,
    actor: str,
) -> Issued:
    """A new subscriber; when it has a webhook URL, its signing secret is in the result, once."""
    sub = Subscriber(
        owner_id=owner_id,
        name=require_text(name, "name", max_length=200),
        locale=_locale(locale),
        email=_email(email),
        email_enabled=email_enabled,
        webhook_url=_webhook_url(webhook_url),
        webhook_enabled=webhook_enabled,
        in_app_enabled=in_app_enabled,
        event_types=_event_types(event_types),
        **await _topic(topic),
    )
    _check_channels(sub)
    secret = _new_secret(sub) if sub.webhook_url else None
    async with in_transaction():
        await sub.save()
        await audit.record(actor=actor, action="subscriber.create", entity=sub)
    return Issued(sub, secret)


async def update(
    *,
    subscriber_id: int,
    name: str | None = None,
    locale: str | None = None,
    email: str | None = UNSET,
    email_enabled: bool | None = None,
    webhook_url: str | None = UNSET,
    webhook_enabled: bool | None = None,
    in_app_enabled: bool | None = None,
    topic: TopicInput | None = None,
    event_types: list[str] | None = None,
    actor: str,
) -> Issued:
    """Change what is given. A first webhook URL gets a new secret (in the result, once);
    turning the webhook on again clears a disabled endpoint's state."""
    secret = None
    async with in_transaction():
        sub = await locked(Subscriber, subscriber_id, "subscriber")
        before = audit.snapshot(sub)
        if name is not None:
            sub.name = require_text(name, "name", max_length=200)
        if locale is not None:
            sub.locale = _locale(locale)
        if email is not UNSET:
            sub.email = _email(email)
        if email_enabled is not None:
            sub.email_enabled = email_enabled
        if webhook_url is not UNSET:
            sub.webhook_url = _webhook_url(webhook_url)
        if webhook_enabled is not None:
            if webhook_enabled and not sub.webhook_enabled:
                _clear_disabled(sub)
            sub.webhook_enabled = webhook_enabled
        if in_app_enabled is not None:
            sub.in_app_enabled = in_app_enabled
        if topic is not None:
            for column, value in (await _topic(topic)).items():
                setattr(sub, column, value)
        if event_types is not None:
            sub.event_types = _event_types(event_types)
        _check_channels(sub)
        if sub.webhook_url and not sub.webhook_secret:
            secret = _new_secret(sub)
        sub.version += 1
        await sub.save()
        await audit.record(actor=actor, action="subscriber.update", entity=sub, before=before)
    return Issued(sub, secret)


def _clear_disabled(sub: Subscriber) -> None:
    sub.webhook_disabled_at = None
    sub.webhook_disabled_reason = None
    sub.failing_since = None


async def delete(*, subscriber_id: int, actor: str) -> Subscriber:
    """Remove a subscriber with its deliveries and their attempts."""
    async with in_transaction():
        sub = await locked(Subscriber, subscriber_id, "subscriber")
        before = audit.snapshot(sub)
        await audit.record(
            actor=actor, action="subscriber.delete", entity=sub, before=before, after=None
        )
        await Delivery.filter(subscriber_id=sub.id).delete()
        await sub.delete()
    return sub


async def rotate_secret(*, subscriber_id: int, actor: str) -> Issued:
    """A new webhook signing secret, in the result once; the old one stops at once."""
    async with in_transaction():
        sub = await locked(Subscriber, subscriber_id, "subscriber")
        if not sub.webhook_url:
            raise DomainError.one(ErrorCode.REQUIRED, "the subscriber has no webhook URL", "id")
        secret = _new_secret(sub)
        sub.version += 1
        await sub.save()
        await audit.record(actor=actor, action="subscriber.rotate_secret", entity=sub)
    return Issued(sub, secret)


async def enable_webhook(*, subscriber_id: int, actor: str) -> Subscriber:
    """Turn a (disabled) webhook endpoint back on; later events are sent again."""
    async with in_transaction():
        sub = await locked(Subscriber, subscriber_id, "subscriber")
        if not sub.webhook_url:
            raise DomainError.one(ErrorCode.REQUIRED, "the subscriber has no webhook URL", "id")
        before = audit.snapshot(sub)
        _clear_disabled(sub)
        sub.webhook_enabled = True
        sub.version += 1
        await sub.save()
        await audit.record(
            actor=actor, action="subscriber.enable_webhook", entity=sub, before=before
        )
    return sub


async def search(*, window: Window, owner_id: int | None = None) -> Page[Subscriber]:
    """Subscribers by id: every one, or those of ``owner_id``."""
    query = Subscriber.all() if owner_id is None else Subscriber.filter(owner_id=owner_id)
    return await paginate(query, window)

