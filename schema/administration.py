"""Query fields about who uses the API: the caller's own account, accounts, the audit log."""

from __future__ import annotations

import strawberry

from core.services import accounts as account_service
from core.services import audit as audit_service
from schema.connection import paged, window
from schema.context import Info
from schema.permissions import ReadsAdministration, SignedIn
from schema.types.account import Account, AccountConnection, AuditEntry, AuditEntryConnection


@strawberry.input
class AuditFilter:
    actor: str | None = None
    entity_type: str | None = strawberry.field(
        default=None, description="A table name, e.g. partnership, document, account"
    )
    entity_id: str | None = None
    action: str | None = strawberry.field(default=None, description="e.g. partnership.advance")


@strawberry.type
class AdministrationQueries:
    @strawberry.field(
        description="The account of the token in use (null without one)",
        permission_classes=[SignedIn],
    )
    async def me(self, info: Info) -> Account | None:
        account_id = info.context.principal.account_id
        if account_id is None:
            return None
        return Account.from_model(await account_service.get(account_id))

    @strawberry.field(
        description="Every account (admins only; null for others)",
        permission_classes=[ReadsAdministration],
    )
    async def accounts(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> AccountConnection | None:
        return await paged(
            AccountConnection,
            Account.from_model,
            lambda: account_service.search(
                window=window(first, after, None, None, info.context.page_size_max)
            ),
        )

    @strawberry.field(
        description="Every change, oldest first (admins only; null for others)",
        permission_classes=[ReadsAdministration],
    )
    async def audit_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: AuditFilter | None = None,
    ) -> AuditEntryConnection | None:
        f = filter or AuditFilter()
        return await paged(
            AuditEntryConnection,
            AuditEntry.from_model,
            lambda: audit_service.search(
                window=window(first, after, last, before, info.context.page_size_max),
                actor=f.actor,
                entity_type=f.entity_type,
                entity_id=f.entity_id,
                action=f.action,
            ),
        )
