"""The pure policy: who may read and change what (no database)."""

from __future__ import annotations

import pytest

from core import policy, tokens
from core.errors import ErrorCode
from core.policy import ANONYMOUS, Principal, Role
from core.stages import Status

JABAR, BANDUNG, JATIM, SURABAYA = 1, 2, 3, 4
BANDUNG_CHAIN = (BANDUNG, JABAR)  # Kota Bandung lies in Jawa Barat
SURABAYA_CHAIN = (SURABAYA, JATIM)
JABAR_CHAIN = (JABAR,)

ADMIN = Principal(actor="admin@x", role=Role.ADMIN)
VIEWER = Principal(actor="viewer@x", role=Role.VIEWER)
BANDUNG_OFFICER = Principal(actor="bdg@x", role=Role.OFFICER, regions=frozenset({BANDUNG}))
JABAR_OFFICER = Principal(actor="jabar@x", role=Role.OFFICER, regions=frozenset({JABAR}))
TWO_REGIONS = Principal(actor="two@x", role=Role.OFFICER, regions=frozenset({BANDUNG, SURABAYA}))
NO_REGIONS = Principal(actor="none@x", role=Role.OFFICER)


@pytest.mark.parametrize(
    ("principal", "chain", "allowed"),
    [
        (ADMIN, BANDUNG_CHAIN, True),
        (ADMIN, None, True),  # an admin goes on, and is told NOT_FOUND by the service
        (BANDUNG_OFFICER, BANDUNG_CHAIN, True),
        (BANDUNG_OFFICER, SURABAYA_CHAIN, False),
        (BANDUNG_OFFICER, JABAR_CHAIN, False),  # not upwards: the province is not Bandung's
        (BANDUNG_OFFICER, None, False),
        (JABAR_OFFICER, BANDUNG_CHAIN, True),  # downwards: the province manages its kota
        (JABAR_OFFICER, JABAR_CHAIN, True),
        (JABAR_OFFICER, SURABAYA_CHAIN, False),
        (TWO_REGIONS, SURABAYA_CHAIN, True),
        (TWO_REGIONS, BANDUNG_CHAIN, True),
        (NO_REGIONS, BANDUNG_CHAIN, False),
        (VIEWER, BANDUNG_CHAIN, False),
        (ANONYMOUS, BANDUNG_CHAIN, False),
    ],
)
def test_can_manage(principal: Principal, chain: tuple[int, ...] | None, allowed: bool) -> None:
    assert policy.can_manage(principal, chain) is allowed


@pytest.mark.parametrize("status", list(Status))
def test_anonymous_reads_only_partnerships_past_signing(status: Status) -> None:
    public = status in {Status.ACTIVE, Status.TERMINATED, Status.EXPIRED}
    assert policy.can_read_partnership(ANONYMOUS, status) is public
    for principal in (ADMIN, VIEWER, BANDUNG_OFFICER):
        assert policy.can_read_partnership(principal, status)


def test_readable_statuses() -> None:
    assert policy.readable_statuses(ANONYMOUS) == policy.PUBLIC_STATUSES
    assert Status.IN_PREPARATION not in policy.PUBLIC_STATUSES
    assert Status.ABANDONED not in policy.PUBLIC_STATUSES
    assert policy.readable_statuses(VIEWER) is None


@pytest.mark.parametrize(
    ("principal", "internal", "reference", "administer", "manages_some"),
    [
        (ADMIN, True, True, True, False),
        (BANDUNG_OFFICER, True, False, False, True),
        (NO_REGIONS, True, False, False, False),
        (VIEWER, True, False, False, False),
        (ANONYMOUS, False, False, False, False),
    ],
)
def test_role_capabilities(
    principal: Principal, internal: bool, reference: bool, administer: bool, manages_some: bool
) -> None:
    assert policy.can_read_internal(principal) is internal
    assert policy.can_edit_reference_data(principal) is reference
    assert policy.can_administer(principal) is administer
    assert policy.manages_some_region(principal) is manages_some


def test_anonymous_is_not_authenticated() -> None:
    assert not ANONYMOUS.authenticated
    assert ANONYMOUS.actor == "anonymous"
    assert VIEWER.authenticated


@pytest.mark.parametrize(
    ("role", "regions", "codes"),
    [
        (Role.OFFICER, {}, [ErrorCode.REQUIRED]),
        (Role.OFFICER, {BANDUNG: "ID"}, []),
        (Role.OFFICER, {BANDUNG: "ID", 99: None}, [ErrorCode.NOT_FOUND]),
        (Role.OFFICER, {7: "DE"}, [ErrorCode.INVALID]),
        (Role.VIEWER, {}, []),
        (Role.ADMIN, {BANDUNG: "ID"}, [ErrorCode.INVALID]),
    ],
)
def test_account_problems(
    role: Role, regions: dict[int, str | None], codes: list[ErrorCode]
) -> None:
    assert [p.code for p in policy.account_problems(role, regions)] == codes


def test_tokens_are_random_and_hashed() -> None:
    first, second = tokens.generate(), tokens.generate()
    assert first != second
    assert first.startswith("kmb_") and len(first) > 40
    assert tokens.looks_valid(first)
    assert tokens.digest(first) != tokens.digest(second)
    assert len(tokens.digest(first)) == 64 and first not in tokens.digest(first)
    assert tokens.shown_prefix(first) == first[:12]
    assert not tokens.looks_valid("Bearer")
    assert not tokens.looks_valid("kmb_" + "é" * 30)
