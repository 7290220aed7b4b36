"""``suggestPartners``: foreign cities for an Indonesian region, ranked by explainable factors.

Public like ``cities``; the partnerships whose areas and links count are those the caller may
read (anonymous callers: signed ones only).
"""

from __future__ import annotations

import strawberry
from strawberry import relay

from core import policy
from core.errors import DomainError
from core.services import suggestions as suggestion_service
from schema.context import Info
from schema.enums import Area
from schema.errors import as_graphql_error
from schema.ids import db_id
from schema.types.suggestion import PartnerSuggestion


async def suggest_partners(
    info: Info,
    region_id: relay.GlobalID,
    areas: list[Area] | None = None,  # type: ignore[valid-type]
    countries: list[str] | None = None,
    first: int = 10,
) -> list[PartnerSuggestion]:
    try:
        found = await suggestion_service.suggest(
            region_id=db_id(region_id, "City", "regionId"),
            areas=list(areas or []),
            countries=countries,
            first=first,
            statuses=policy.readable_statuses(info.context.principal),
        )
    except DomainError as error:
        raise as_graphql_error(error) from error
    return [PartnerSuggestion.from_service(s) for s in found]


suggest_partners_field = strawberry.field(
    resolver=suggest_partners,
    description=(
        "Foreign cities suited to an Indonesian region as partners, best first (at most "
        f"{suggestion_service.MAX_FIRST}): similar population and geography, shared areas of "
        "interest, the twinning network; only countries with diplomatic relations, never an "
        "existing partner"
    ),
)
