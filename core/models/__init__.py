"""Tortoise ORM models, one module per aggregate. App label: ``kembar``."""

from core.models.account import Account, AccountRegion, ApiToken
from core.models.audit import AuditEntry
from core.models.delivery import Channel, Delivery, DeliveryAttempt, DeliveryStatus
from core.models.evaluation import Evaluation, PartnershipMetrics, Recommendation
from core.models.geo import City, Country
from core.models.outbox import OutboxEvent
from core.models.partnership import Partnership, PartnershipArea, StageChange
from core.models.processed import ProcessedEvent
from core.models.program import Activity, Program
from core.models.record import Approval, Document
from core.models.subscriber import Locale, Subscriber, TopicKind
from core.models.watch import ExpiryReminder

MODEL_MODULES = [
    "core.models.geo",
    "core.models.partnership",
    "core.models.record",
    "core.models.program",
    "core.models.outbox",
    "core.models.evaluation",
    "core.models.processed",
    "core.models.account",
    "core.models.audit",
    "core.models.subscriber",
    "core.models.delivery",
    "core.models.watch",
]

__all__ = [
    "MODEL_MODULES",
    "Account",
    "AccountRegion",
    "Activity",
    "ApiToken",
    "Approval",
    "AuditEntry",
    "Channel",
    "City",
    "Country",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Document",
    "Evaluation",
    "ExpiryReminder",
    "Locale",
    "OutboxEvent",
    "Partnership",
    "PartnershipArea",
    "PartnershipMetrics",
    "ProcessedEvent",
    "Program",
    "Recommendation",
    "StageChange",
    "Subscriber",
    "TopicKind",
]
