"""`kembar create-token` / `kembar revoke-token`: bootstrap the first admin, or script access."""

from __future__ import annotations

from datetime import timedelta

import typer

from cli.database import with_database
from core import tokens
from core.errors import DomainError
from core.models import ApiToken
from core.policy import Role
from core.services import accounts

ACTOR = "cli"


def create_token(
    email: str = typer.Option(..., help="The account's email; created when it does not exist"),
    role: Role = typer.Option(Role.VIEWER, help="Role of a new account (existing keep theirs)"),
    region: list[int] = typer.Option(
        [], help="Officers: an Indonesian region id they manage (repeat for several)"
    ),
    name: str = typer.Option("", help="What the token is for"),
    days: int = typer.Option(90, help="Days until it expires; 0: never"),
) -> None:
    """Create a token (and the account, if new). The token is printed once: store it now."""

    async def work() -> tuple[str, str]:
        try:
            account = await accounts.by_email(email)
        except DomainError:
            account = await accounts.create_account(
                email=email, role=role, region_ids=region, actor=ACTOR
            )
        issued = await accounts.create_token(
            account_id=account.id,
            name=name,
            expires_in=timedelta(days=days) if days > 0 else None,
            actor=ACTOR,
        )
        about = f"{account.email} ({account.role.value}), token {issued.token.prefix}…"
        return about, issued.secret

    try:
        about, secret = with_database(work)
    except DomainError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(about, err=True)
    typer.echo(secret)


def revoke_token(
    token: str = typer.Argument(..., help="The token itself, or the prefix `kembar` showed"),
) -> None:
    """Revoke a token (by the token, or by its shown prefix); it stops working at once."""

    async def work() -> int:
        if tokens.looks_valid(token):
            found = await ApiToken.get_or_none(token_hash=tokens.digest(token))
            if found is None or found.revoked_at is not None:
                return 0
            await accounts.revoke_token(token_id=found.id, actor=ACTOR)
            return 1
        return len(await accounts.revoke_tokens_by_prefix(prefix=token, actor=ACTOR))

    count = with_database(work)
    if count == 0:  # a well-formed request that found nothing: 1, not usage's 2
        typer.echo("kembar: no live token matches", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {count} token(s)")
