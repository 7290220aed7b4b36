"""Who may do what: pure functions of a :class:`Principal` and facts about the target (no I/O).

Roles:

- **admin**: everything, including accounts, tokens, reference data (cities, countries) and the
  audit log.
- **officer**: bound to one or more Indonesian regions. Manages (proposes, describes, moves
  through stages, attaches documents and approvals to, runs programs and activities of) the
  partnerships whose Indonesian region is one of theirs *or lies inside one of theirs* through the
  parent chain: an officer of the province of Jawa Barat manages Kota Bandung's partnerships (the
  province coordinates its kota and kabupaten), while an officer of Kota Bandung does not manage
  Jawa Barat's own. Reads what a viewer reads.
- **viewer**: reads everything that is not secret (not accounts, tokens or the audit log).
- **anonymous** (no token): public data only, meaning reference data (countries, cities) and
  partnerships past signing (status active, terminated or expired) with their regions, areas,
  programs and activities. Not partnerships in preparation or abandoned, not documents, approvals,
  stage history or what is missing for the next stage, not who recorded anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from core.errors import ErrorCode, Problem
from core.stages import Status


class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: ``actor`` is what services record (an account's email, or "anonymous")."""

    actor: str
    role: Role | None = None  # None: anonymous
    regions: frozenset[int] = field(default_factory=frozenset)
    account_id: int | None = None
    token_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.role is not None


ANONYMOUS = Principal(actor="anonymous")

PUBLIC_STATUSES: frozenset[Status] = frozenset({Status.ACTIVE, Status.TERMINATED, Status.EXPIRED})


def readable_statuses(principal: Principal) -> frozenset[Status] | None:
    """The partnership statuses ``principal`` may read; None means every status."""
    return None if principal.authenticated else PUBLIC_STATUSES


def can_read_partnership(principal: Principal, status: Status) -> bool:
    """Whether ``principal`` may see a partnership (and its programs) in ``status``."""
    allowed = readable_statuses(principal)
    return allowed is None or status in allowed


def can_read_internal(principal: Principal) -> bool:
    """Documents, approvals, stage history, guards and who recorded what: signed-in roles."""
    return principal.authenticated


def can_manage(principal: Principal, region_chain: Iterable[int] | None) -> bool:
    """Whether ``principal`` may change a partnership whose Indonesian region, followed by its
    ancestors, is ``region_chain`` (None: the target could not be found, so only an admin may
    go on and be told so)."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.OFFICER or region_chain is None:
        return False
    return not principal.regions.isdisjoint(region_chain)


def manages_some_region(principal: Principal) -> bool:
    """An officer with at least one region (worth looking the target's regions up)."""
    return principal.role is Role.OFFICER and bool(principal.regions)


def can_edit_reference_data(principal: Principal) -> bool:
    """Cities, regions and diplomatic relations are shared by everyone: admins only."""
    return principal.role is Role.ADMIN


def can_administer(principal: Principal) -> bool:
    """Accounts, tokens and the audit log."""
    return principal.role is Role.ADMIN


def can_manage_subscriber(principal: Principal, owner_id: int | None) -> bool:
    """Admins manage every subscriber; an account manages its own."""
    if can_administer(principal):
        return True
    return principal.authenticated and owner_id is not None and owner_id == principal.account_id


def account_problems(role: Role, region_countries: dict[int, str | None]) -> list[Problem]:
    """What is wrong with giving ``role`` the regions in ``region_countries`` (id -> country
    code, None when no such region): officers need at least one, all Indonesian; other roles
    none."""
    if role is not Role.OFFICER:
        if region_countries:
            return [Problem(ErrorCode.INVALID, "only officers have regions", "regionIds")]
        return []
    if not region_countries:
        return [Problem(ErrorCode.REQUIRED, "an officer needs at least one region", "regionIds")]
    problems = []
    for region_id, country in region_countries.items():
        if country is None:
            problems.append(Problem(ErrorCode.NOT_FOUND, f"no region {region_id}", "regionIds"))
        elif country != "ID":
            problems.append(
                Problem(ErrorCode.INVALID, f"region {region_id} is not in Indonesia", "regionIds")
            )
    return problems
