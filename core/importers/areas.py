"""Free-text focus areas ("culture, education, HR (staff dispatch)") → areas of cooperation."""

from __future__ import annotations

import re

from core.enums import Area

# Word stems that name an area, as the sources write them. Case-insensitive except "HR" / "S&T".
_PATTERNS: tuple[tuple[Area, re.Pattern[str]], ...] = tuple(
    (area, re.compile(pattern, flags))
    for area, pattern, flags in (
        (Area.EDUCATION, r"\b(educat|student|lecturer|school|academ|universit)", re.I),
        (Area.CULTURE, r"\b(cultur|art\b|arts\b|heritage)", re.I),
        (Area.ECONOMY, r"\b(econom|trade|invest|commerce|business|industr)", re.I),
        (Area.TOURISM, r"\btouris", re.I),
        (Area.ENVIRONMENT, r"\b(environment|waste|low-carbon|water|green)", re.I),
        (Area.INFRASTRUCTURE, r"\b(urban|infrastructur|spatial|port\b|port management)", re.I),
        (Area.HEALTH, r"\bhealth", re.I),
        (Area.HUMAN_RESOURCES, r"(\bHR\b|human.resource|staff|capacity)", 0),
        (Area.SCIENCE_TECHNOLOGY, r"(\bS&T\b|[Ss]cience|[Tt]echnolog|aircraft)", 0),
        (Area.YOUTH_SPORT, r"\b(youth|sport)", re.I),
        (Area.DISASTER_MANAGEMENT, r"\b(disaster|earthquake)", re.I),
        (Area.GOVERNMENT, r"\b(administrat|governan|government|border)", re.I),
    )
)


def areas(text: str) -> list[Area]:
    """The areas named in ``text``, in Area order; OTHER when text is given but names none."""
    found = [area for area, pattern in _PATTERNS if pattern.search(text)]
    if not found and text.strip():
        return [Area.OTHER]
    return found
