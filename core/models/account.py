"""Accounts, the regions an officer manages, and API tokens (stored as SHA-256 hashes only)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from core.models.geo import City
from core.policy import Role


class Account(Model):
    """Someone (or some system) that calls the API: a role, and regions when an officer."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=16)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "account"


class AccountRegion(Model):
    """One Indonesian region an officer manages (and every region inside it)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "kembar.Account", related_name="region_links", on_delete=fields.CASCADE
    )
    account_id: int
    region: fields.ForeignKeyRelation[City] = fields.ForeignKeyField(
        "kembar.City", related_name="officer_links", on_delete=fields.RESTRICT
    )
    region_id: int

    class Meta:
        table = "account_region"
        unique_together = (("account", "region"),)


class ApiToken(Model):
    """A bearer token. Only its SHA-256 is kept: the token itself is shown once, at creation."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "kembar.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    account_id: int
    token_hash = fields.CharField(max_length=64, unique=True)  # hex SHA-256
    prefix = fields.CharField(max_length=16)  # the first characters, to tell tokens apart
    name = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=200)
    expires_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
