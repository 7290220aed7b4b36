"""Tortoise ORM models, one module per aggregate. App label: ``kembar``."""

from core.models.geo import City, Country
from core.models.outbox import OutboxEvent
from core.models.partnership import Partnership, PartnershipArea, StageChange
from core.models.program import Activity, Program
from core.models.record import Approval, Document

MODEL_MODULES = [
    "core.models.geo",
    "core.models.partnership",
    "core.models.record",
    "core.models.program",
    "core.models.outbox",
]

__all__ = [
    "MODEL_MODULES",
    "Activity",
    "Approval",
    "City",
    "Country",
    "Document",
    "OutboxEvent",
    "Partnership",
    "PartnershipArea",
    "Program",
    "StageChange",
]
