"""Accounts, their API tokens (never their secrets), and audit log entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from core import policy
from core.errors import DomainError
from core.services import accounts as account_service
from schema.connection import CountedConnection
from schema.context import Info
from schema.ids import as_db_id
from schema.types.geo import City

Role = strawberry.enum(policy.Role, name="Role", description="What an account may do")


@strawberry.type(description="An API token: only its first characters are ever shown again")
class ApiToken:
    id: strawberry.ID
    prefix: str = strawberry.field(description="The token's first characters, to recognise it")
    name: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, row: Any) -> ApiToken:
        return cls(
            id=strawberry.ID(str(row.id)),
            prefix=row.prefix,
            name=row.name,
            created_at=row.created_at,
            created_by=row.created_by,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="Someone (or some system) calling the API")
class Account(relay.Node):
    id: relay.NodeID[int]
    email: str
    name: str
    role: Role
    active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, row: Any) -> Account:
        return cls(
            id=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            active=row.active,
            created_at=row.created_at,
        )

    @strawberry.field(description="The regions an officer manages (and every region inside them)")
    async def regions(self, info: Info) -> list[City]:
        ids = sorted(await account_service.regions_of(self.id))
        rows = await info.context.loaders.city_by_id.load_many(ids)
        return [City.from_model(row) for row in rows if row is not None]

    @strawberry.field
    async def tokens(self) -> list[ApiToken]:
        return [ApiToken.from_model(row) for row in await account_service.tokens_of(self.id)]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> list[Account | None]:
        if not policy.can_administer(info.context.principal):
            return [None for _ in node_ids]
        found = []
        for node_id in node_ids:
            pk = as_db_id(str(node_id))  # None when garbled or beyond the database's range
            try:
                found.append(await account_service.get(pk) if pk is not None else None)
            except DomainError:
                found.append(None)
        return [cls.from_model(row) if row else None for row in found]


@strawberry.type(description="One change: who, what, when, and the state before and after")
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: JSON | None
    after: JSON | None
    correlation_id: str

    @classmethod
    def from_model(cls, row: Any) -> AuditEntry:
        return cls(
            id=strawberry.ID(str(row.id)),
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
            correlation_id=row.correlation_id,
        )


@strawberry.type
class AccountConnection(CountedConnection[Account]):
    pass


@strawberry.type
class AuditEntryConnection(CountedConnection[AuditEntry]):
    pass
