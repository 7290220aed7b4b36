"""A suggested partner city, its score and the factors behind it (Indonesian and English)."""

from __future__ import annotations

from typing import Any

import strawberry

from core.models.subscriber import Locale as Language
from schema.types.geo import City

Locale = strawberry.enum(Language, description="The language of texts meant for people")


@strawberry.type(description="One factor of a suggestion: its score, weight and reason in words")
class SuggestionFactor:
    name: str = strawberry.field(description="population, climate, coast, areas or network")
    score: float = strawberry.field(description="In [0, 1]")
    weight: float = strawberry.field(description="Its share of the total; the weights sum to 1")
    reason_id: str = strawberry.field(description="The reason, in Indonesian")
    reason_en: str = strawberry.field(description="The reason, in English")


@strawberry.type(description="A foreign city suggested as a partner for an Indonesian region")
class PartnerSuggestion:
    city: City
    score: float = strawberry.field(description="The weighted sum of the factors, in [0, 1]")
    factors: list[SuggestionFactor]
    found: strawberry.Private[Any]

    @classmethod
    def from_service(cls, found: Any) -> PartnerSuggestion:
        return cls(
            city=City.from_model(found.city),
            score=found.score,
            factors=[
                SuggestionFactor(
                    name=f.name,
                    score=f.score,
                    weight=f.weight,
                    reason_id=f.reason_id,
                    reason_en=f.reason_en,
                )
                for f in found.factors
            ],
            found=found,
        )

    @strawberry.field(description="The reasons of the factors that count, the strongest first")
    def reasons(self, locale: Locale = Language.EN) -> list[str]:  # type: ignore[valid-type]
        return self.found.reasons(indonesian=locale is Language.ID)
