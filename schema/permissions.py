"""Permission classes declared on fields and mutations; each delegates to :mod:`core.policy`.

A refused mutation returns its payload with ``errors: [{code: FORBIDDEN}]`` (nothing is
written); a refused read returns null or an empty list, never a top-level error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry import relay
from strawberry.permission import BasePermission

from core import policy
from core.errors import ErrorCode
from core.services import accounts as account_service
from core.services import subscribers as subscriber_service
from schema.errors import UserError
from schema.ids import as_db_id

FORBIDDEN_MESSAGE = "you may not do this"


def principal_of(info: Any) -> policy.Principal:
    return info.context.principal


class _MutationPermission(BasePermission):
    """Refusal is the mutation's own payload with a FORBIDDEN error, not a GraphQL error."""

    message = FORBIDDEN_MESSAGE
    # The payload class of the field this instance guards (one instance per field: constant).
    _payload: Any = None

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        self._payload = info.return_type
        return await self.allows(principal_of(info), kwargs)

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        raise NotImplementedError

    def on_unauthorized(self) -> Any:
        return self._payload(
            errors=[UserError(field=None, code=ErrorCode.FORBIDDEN, message=self.message)]
        )


def _db_id(value: Any, expected: str) -> int | None:
    """The integer id in a global id of type ``expected``, or None when it is anything else."""
    if not isinstance(value, relay.GlobalID) or value.type_name != expected:
        return None
    return as_db_id(value.node_id)  # None when garbled or out of the database's range


class IsAdmin(_MutationPermission):
    """Accounts, tokens and the audit log."""

    message = "only an admin may do this"

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        return policy.can_administer(principal)


class EditsReferenceData(_MutationPermission):
    """Cities, regions and diplomatic relations."""

    message = "only an admin may change cities, regions and countries"

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        return policy.can_edit_reference_data(principal)


class _ManagesScope(_MutationPermission):
    """Admins, and officers whose regions contain the target's Indonesian region."""

    message = "you may only change partnerships of your own regions"

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        if policy.can_manage(principal, None):  # an admin: no look-up needed
            return True
        if not policy.manages_some_region(principal):
            return False
        return policy.can_manage(principal, await self.chain(arguments.get("input")))

    async def chain(self, data: Any) -> Iterable[int] | None:
        raise NotImplementedError


class ManagesRegion(_ManagesScope):
    """Proposing: the new partnership's Indonesian region must be in scope."""

    async def chain(self, data: Any) -> Iterable[int] | None:
        region_id = _db_id(getattr(data, "indonesian_region_id", None), "City")
        return None if region_id is None else await account_service.region_chain(region_id)


class ManagesPartnership(_ManagesScope):
    """The partnership named by ``input.id`` or ``input.partnershipId``."""

    async def chain(self, data: Any) -> Iterable[int] | None:
        value = getattr(data, "partnership_id", None) or getattr(data, "id", None)
        partnership_id = _db_id(value, "Partnership")
        if partnership_id is None:
            return None
        return await account_service.partnership_chain(partnership_id)


class ManagesProgram(_ManagesScope):
    """The program named by ``input.id`` or ``input.programId`` (through its partnership)."""

    async def chain(self, data: Any) -> Iterable[int] | None:
        value = getattr(data, "program_id", None) or getattr(data, "id", None)
        program_id = _db_id(value, "Program")
        return None if program_id is None else await account_service.program_chain(program_id)


class ManagesEvaluation(_ManagesScope):
    """The evaluation named by ``input.id`` (through its partnership)."""

    async def chain(self, data: Any) -> Iterable[int] | None:
        evaluation_id = _db_id(getattr(data, "id", None), "Evaluation")
        if evaluation_id is None:
            return None
        return await account_service.evaluation_chain(evaluation_id)


class _ReadPermission(BasePermission):
    """A refused read gives null (or an empty list): the field's type must allow it."""

    message = FORBIDDEN_MESSAGE
    _empty: Any = None

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        self._empty = [] if _is_list(info.return_type) else None
        return self.allows(principal_of(info))

    def allows(self, principal: policy.Principal) -> bool:
        raise NotImplementedError

    def on_unauthorized(self) -> Any:
        return self._empty


def _is_list(return_type: Any) -> bool:
    from strawberry.types.base import StrawberryList

    return isinstance(return_type, StrawberryList)


class ReadsInternal(_ReadPermission):
    """Documents, approvals, stage history, guards, who recorded what: signed-in roles."""

    def allows(self, principal: policy.Principal) -> bool:
        return policy.can_read_internal(principal)


class ReadsAdministration(_ReadPermission):
    """Accounts, tokens and the audit log: admins."""

    def allows(self, principal: policy.Principal) -> bool:
        return policy.can_administer(principal)


class SignedIn(_ReadPermission):
    def allows(self, principal: policy.Principal) -> bool:
        return principal.authenticated


def visible(info: Any, rows: Iterable[Any]) -> list[Any]:
    """The partnership rows (anything with ``status``) the caller may read."""
    principal = principal_of(info)
    return [row for row in rows if policy.can_read_partnership(principal, row.status)]


class SignedInWithAccount(_MutationPermission):
    """Creating a subscriber: any account (it becomes the owner)."""

    message = "sign in to create a subscriber"

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        return principal.authenticated and principal.account_id is not None


class ManagesSubscriber(_MutationPermission):
    """The subscriber named by ``input.id``: its owner, or an admin."""

    message = "you may only change your own subscribers"

    async def allows(self, principal: policy.Principal, arguments: dict[str, Any]) -> bool:
        if policy.can_administer(principal):
            return True
        subscriber_id = _db_id(getattr(arguments.get("input"), "id", None), "Subscriber")
        if subscriber_id is None or not principal.authenticated:
            return False
        return policy.can_manage_subscriber(
            principal, await subscriber_service.owner_of(subscriber_id)
        )
