"""Who is told of events: a subscriber, its channels (e-mail, webhook, in-app) and its topic."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from core.models.account import Account
from core.models.geo import City, Country
from core.models.partnership import Partnership


class Locale(StrEnum):
    """The language a subscriber reads (e-mail templates, in-app texts)."""

    ID = "id"
    EN = "en"


class TopicKind(StrEnum):
    """What a subscriber follows: one partnership, a region (and inside it), a country, or all."""

    PARTNERSHIP = "partnership"
    REGION = "region"
    COUNTRY = "country"
    ALL = "all"


class Subscriber(Model):
    """Someone or some system told of the events of its topic, on each channel it has enabled."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "kembar.Account", related_name="subscribers", null=True, on_delete=fields.CASCADE
    )
    owner_id: int | None
    name = fields.CharField(max_length=200)
    locale = fields.CharEnumField(Locale, max_length=2, default=Locale.ID)
    email = fields.CharField(max_length=254, null=True)
    email_enabled = fields.BooleanField(default=False)
    webhook_url = fields.CharField(max_length=2000, null=True)
    # base64 of 32 random bytes; shown once (as whsec_...) when created or rotated
    webhook_secret = fields.CharField(max_length=64, null=True)
    webhook_enabled = fields.BooleanField(default=False)
    webhook_disabled_at = fields.DatetimeField(null=True)
    webhook_disabled_reason = fields.CharField(max_length=500, null=True)
    failing_since = fields.DatetimeField(null=True)  # first failure of the current failing streak
    in_app_enabled = fields.BooleanField(default=False)
    topic_kind = fields.CharEnumField(TopicKind, max_length=16)
    partnership: fields.ForeignKeyNullableRelation[Partnership] = fields.ForeignKeyField(
        "kembar.Partnership", related_name="subscribers", null=True, on_delete=fields.RESTRICT
    )
    partnership_id: int | None
    region: fields.ForeignKeyNullableRelation[City] = fields.ForeignKeyField(
        "kembar.City", related_name="subscribers", null=True, on_delete=fields.RESTRICT
    )
    region_id: int | None
    country: fields.ForeignKeyNullableRelation[Country] = fields.ForeignKeyField(
        "kembar.Country", related_name="subscribers", null=True, on_delete=fields.RESTRICT
    )
    country_id: str | None
    event_types: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]  # []: all
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "subscriber"
