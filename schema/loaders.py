"""Per-request DataLoaders: every relation field resolves through one of these (no N+1)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from core import batch, clock
from core.services import evaluations, metrics, signals


class Loaders:
    """A fresh set per request, so that cached rows never outlive it."""

    def __init__(self) -> None:
        self.city_by_id = DataLoader(batch.cities)
        self.country_by_code = DataLoader(batch.countries)
        self.partnership_by_id = DataLoader(batch.partnerships)
        self.program_by_id = DataLoader(batch.programs)
        self.partnerships_by_region = DataLoader(batch.partnerships_of_regions)
        self.areas_by_partnership = DataLoader(batch.areas_of_partnerships)
        self.programs_by_partnership = DataLoader(batch.programs_of_partnerships)
        self.documents_by_partnership = DataLoader(batch.documents_of_partnerships)
        self.approvals_by_partnership = DataLoader(batch.approvals_of_partnerships)
        self.history_by_partnership = DataLoader(batch.history_of_partnerships)
        self.activities_by_program = DataLoader(batch.activities_of_programs)
        self.metrics_by_partnership = DataLoader(metrics.metrics_of_partnerships)
        self.evaluations_by_partnership = DataLoader(evaluations.evaluations_of_partnerships)
        self.evaluation_by_id = DataLoader(batch.evaluations)
        self.signals_by_partnership = DataLoader(
            lambda keys: signals.signals_of(keys, now=clock.now())
        )
