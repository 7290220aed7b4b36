"""Accounts and API tokens (admins only). A token's secret is returned once, by createToken."""

from __future__ import annotations

from datetime import timedelta

import strawberry
from strawberry import relay

from core.errors import DomainError, ErrorCode
from core.services import accounts as account_service
from schema.context import Info
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import IsAdmin
from schema.types.account import Account, ApiToken, Role

MAX_EXPIRY_DAYS = 3650


@strawberry.input
class CreateAccountInput:
    email: str
    role: Role
    region_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Officers: the Indonesian regions they manage"
    )
    name: str = ""


@strawberry.input(description="Fields left out (or null) stay as they are")
class UpdateAccountInput:
    id: relay.GlobalID
    role: Role | None = None
    region_ids: list[relay.GlobalID] | None = None
    active: bool | None = strawberry.field(
        default=None, description="false: its tokens stop working"
    )
    name: str | None = None


@strawberry.input
class CreateTokenInput:
    account_id: relay.GlobalID
    name: str = ""
    expires_in_days: int | None = strawberry.field(
        default=90, description="null: never expires (revoke it when done)"
    )


@strawberry.input
class RevokeTokenInput:
    id: strawberry.ID


@strawberry.type
class AccountPayload:
    account: Account | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TokenPayload:
    token: ApiToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateTokenPayload:
    token: ApiToken | None = None
    secret: str | None = strawberry.field(
        default=None,
        description="The bearer token. Shown only in this response: store it now",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


def _regions(ids: list[relay.GlobalID]) -> list[int]:
    return [db_id(value, "City", "regionIds") for value in ids]


def _expiry(days: int | None) -> timedelta | None:
    if days is None:
        return None
    if not 0 < days <= MAX_EXPIRY_DAYS:
        raise DomainError.one(
            ErrorCode.INVALID, f"expiresInDays must be 1 to {MAX_EXPIRY_DAYS}", "expiresInDays"
        )
    return timedelta(days=days)


def _token_id(value: strawberry.ID) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise DomainError.one(ErrorCode.INVALID, "not a token id", "id") from exc


@strawberry.type
class AccountMutations:
    @strawberry.mutation(permission_classes=[IsAdmin])
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        return await run(
            AccountPayload,
            "account",
            Account.from_model,
            lambda: account_service.create_account(
                email=input.email,
                role=input.role,
                region_ids=_regions(input.region_ids),
                name=input.name,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def update_account(self, info: Info, input: UpdateAccountInput) -> AccountPayload:
        return await run(
            AccountPayload,
            "account",
            Account.from_model,
            lambda: account_service.update_account(
                account_id=db_id(input.id, "Account", "id"),
                role=input.role,
                region_ids=_regions(input.region_ids) if input.region_ids is not None else None,
                active=input.active,
                name=input.name,
                actor=info.context.actor,
            ),
        )

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def create_token(self, info: Info, input: CreateTokenInput) -> CreateTokenPayload:
        async def issue() -> account_service.IssuedToken:
            return await account_service.create_token(
                account_id=db_id(input.account_id, "Account", "accountId"),
                name=input.name,
                expires_in=_expiry(input.expires_in_days),
                actor=info.context.actor,
            )

        payload = await run(CreateTokenPayload, "token", lambda issued: issued, issue)
        if payload.token is not None:
            issued = payload.token
            payload.token, payload.secret = ApiToken.from_model(issued.token), issued.secret
        return payload

    @strawberry.mutation(permission_classes=[IsAdmin])
    async def revoke_token(self, info: Info, input: RevokeTokenInput) -> TokenPayload:
        return await run(
            TokenPayload,
            "token",
            ApiToken.from_model,
            lambda: account_service.revoke_token(
                token_id=_token_id(input.id), actor=info.context.actor
            ),
        )
