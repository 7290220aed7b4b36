"""Accounts and API tokens: create, revoke, authenticate; and the region chains policy reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import clock, tokens
from core.errors import DomainError, ErrorCode
from core.models import Account, AccountRegion, ApiToken, City, Evaluation, Partnership, Program
from core.pagination import Page, Window, paginate
from core.policy import Principal, Role, account_problems
from core.services import audit
from core.services.locking import locked
from core.validation import limit_text

MAX_CHAIN = 8  # regions nest a few levels deep; stop on a (corrupt) cycle


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just created: ``secret`` exists only in this object, never in the database."""

    token: ApiToken
    secret: str


async def get(account_id: int) -> Account:
    found = await Account.get_or_none(id=account_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such account", "accountId")
    return found


async def by_email(email: str) -> Account:
    found = await Account.get_or_none(email=_email(email))
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such account", "email")
    return found


def _email(email: str) -> str:
    value = email.strip().lower()
    limit_text(value, "email", max_length=254)
    if "@" not in value or value.startswith("@") or value.endswith("@") or " " in value:
        raise DomainError.one(ErrorCode.INVALID, "not an email address", "email")
    return value


async def _checked_regions(role: Role, region_ids: list[int]) -> list[int]:
    unique = list(dict.fromkeys(region_ids))
    found = {c.id: c.country_id for c in await City.filter(id__in=unique)}
    problems = account_problems(role, {rid: found.get(rid) for rid in unique})
    if problems:
        raise DomainError(problems)
    return unique


async def create_account(
    *, email: str, role: Role, region_ids: list[int] | None = None, name: str = "", actor: str
) -> Account:
    """A new account; an officer needs at least one Indonesian region."""
    address = _email(email)
    limit_text(name, "name", max_length=200)
    regions = await _checked_regions(role, region_ids or [])
    try:
        async with in_transaction():
            account = await Account.create(email=address, role=role, name=name)
            await _set_regions(account.id, regions)
            await audit.record(
                actor=actor, action="account.create", entity=account, after=_state(account, regions)
            )
    except IntegrityError as exc:
        raise DomainError.one(ErrorCode.DUPLICATE, "this email has an account", "email") from exc
    return account


async def update_account(
    *,
    account_id: int,
    role: Role | None = None,
    region_ids: list[int] | None = None,
    active: bool | None = None,
    name: str | None = None,
    actor: str,
) -> Account:
    """Change an account's role, regions, name or whether it may sign in."""
    async with in_transaction():
        account = await locked(Account, account_id, "account", "accountId")
        before = _state(account, await regions_of(account.id))
        new_role = role or account.role
        if region_ids is None and new_role is not Role.OFFICER:
            region_ids = []  # leaving the officer role drops the regions
        regions = await _checked_regions(
            new_role, region_ids if region_ids is not None else sorted(await regions_of(account.id))
        )
        if name is not None:
            limit_text(name, "name", max_length=200)
            account.name = name
        if active is not None:
            account.active = active
        account.role = new_role
        await account.save()
        await _set_regions(account.id, regions)
        await audit.record(
            actor=actor,
            action="account.update",
            entity=account,
            before=before,
            after=_state(account, regions),
        )
    return account


async def _set_regions(account_id: int, regions: list[int]) -> None:
    await AccountRegion.filter(account_id=account_id).delete()
    if regions:
        await AccountRegion.bulk_create(
            [AccountRegion(account_id=account_id, region_id=r) for r in regions]
        )


def _state(account: Account, regions: list[int] | frozenset[int]) -> dict[str, object] | None:
    return audit.snapshot(account, region_ids=sorted(regions))


async def regions_of(account_id: int) -> frozenset[int]:
    rows = await AccountRegion.filter(account_id=account_id).values_list("region_id", flat=True)
    return frozenset(int(r) for r in rows)


async def search(*, window: Window) -> Page[Account]:
    """Every account, by id."""
    return await paginate(Account.all(), window)


async def tokens_of(account_id: int) -> list[ApiToken]:
    return list(await ApiToken.filter(account_id=account_id).order_by("id"))


async def create_token(
    *,
    account_id: int,
    name: str = "",
    expires_in: timedelta | None = timedelta(days=90),
    actor: str,
) -> IssuedToken:
    """A new bearer token for the account. Its secret is returned here and nowhere else."""
    limit_text(name, "name", max_length=200)
    if expires_in is not None and expires_in <= timedelta(0):
        raise DomainError.one(ErrorCode.INVALID, "the expiry must be in the future", "expiresIn")
    secret = tokens.generate()
    async with in_transaction():
        account = await locked(Account, account_id, "account", "accountId")
        if not account.active:
            raise DomainError.one(ErrorCode.INVALID, "the account is deactivated", "accountId")
        token = await ApiToken.create(
            account_id=account.id,
            token_hash=tokens.digest(secret),
            prefix=tokens.shown_prefix(secret),
            name=name,
            created_by=actor,
            expires_at=clock.now() + expires_in if expires_in is not None else None,
        )
        await audit.record(actor=actor, action="token.create", entity=token)
    return IssuedToken(token=token, secret=secret)


async def revoke_token(*, token_id: int, actor: str) -> ApiToken:
    """Stop a token from working, from the next request on (idempotent)."""
    async with in_transaction():
        token = await locked(ApiToken, token_id, "token", "tokenId")
        if token.revoked_at is None:
            before = audit.snapshot(token)
            token.revoked_at = clock.now()
            await token.save(update_fields=["revoked_at"])
            await audit.record(actor=actor, action="token.revoke", entity=token, before=before)
    return token


async def revoke_tokens_by_prefix(*, prefix: str, actor: str) -> list[ApiToken]:
    """Revoke every live token whose shown prefix is ``prefix`` (what ``kembar`` lists)."""
    found = await ApiToken.filter(prefix=prefix, revoked_at=None)
    return [await revoke_token(token_id=t.id, actor=actor) for t in found]


async def authenticate(secret: str, *, now: datetime | None = None) -> Principal | None:
    """The principal a bearer token stands for, or None when it is unknown, revoked, expired, or
    its account is deactivated."""
    if not tokens.looks_valid(secret):
        return None
    token = await ApiToken.get_or_none(token_hash=tokens.digest(secret)).select_related("account")
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= (now or clock.now()):
        return None
    account = token.account
    if not account.active:
        return None
    regions = await regions_of(account.id) if account.role is Role.OFFICER else frozenset()
    return Principal(
        actor=account.email,
        role=account.role,
        regions=regions,
        account_id=account.id,
        token_id=token.id,
    )


async def region_chain(region_id: int) -> tuple[int, ...] | None:
    """``region_id`` and its ancestors, nearest first; None when there is no such region."""
    chain: list[int] = []
    current: int | None = region_id
    while current is not None and current not in chain and len(chain) < MAX_CHAIN:
        row = await City.filter(id=current).values_list("parent_id", flat=True)
        if not row:
            return tuple(chain) if chain else None
        chain.append(current)
        current = row[0]
    return tuple(chain)


async def partnership_chain(partnership_id: int) -> tuple[int, ...] | None:
    """The region chain of the partnership's Indonesian region; None when it does not exist."""
    found = await Partnership.filter(id=partnership_id).values_list(
        "indonesian_region_id", flat=True
    )
    return await region_chain(found[0]) if found else None


async def evaluation_chain(evaluation_id: int) -> tuple[int, ...] | None:
    """The region chain of the evaluation's partnership; None when it does not exist."""
    found = await Evaluation.filter(id=evaluation_id).values_list("partnership_id", flat=True)
    return await partnership_chain(found[0]) if found else None


async def program_chain(program_id: int) -> tuple[int, ...] | None:
    """The region chain of the program's partnership; None when it does not exist."""
    found = await Program.filter(id=program_id).values_list("partnership_id", flat=True)
    return await partnership_chain(found[0]) if found else None
