"""The routing table: which actors consume each event type. Every event type is listed (a test
checks it), even when nothing but the notifier consumes it."""

from __future__ import annotations

METRICS = "metrics.refresh"
EVALUATIONS = "evaluations.track"
NOTIFY = "events.notify"
DELIVERIES = "deliveries.plan"  # subscribers: webhook, e-mail, in-app (issue 4)

_STAGE = (METRICS, EVALUATIONS, NOTIFY, DELIVERIES)
_PROGRAM = (METRICS, NOTIFY, DELIVERIES)

ROUTES: dict[str, tuple[str, ...]] = {
    "partnership.proposed": (METRICS, NOTIFY, DELIVERIES),
    "partnership.stage_advanced": _STAGE,
    "partnership.abandoned": _STAGE,
    "partnership.terminated": _STAGE,
    "partnership.expired": _STAGE,
    "partnership.document_added": (NOTIFY, DELIVERIES),
    "partnership.approval_recorded": (NOTIFY, DELIVERIES),
    "program.created": _PROGRAM,
    "program.updated": _PROGRAM,
    "program.activity_recorded": _PROGRAM,
    "evaluation.opened": (NOTIFY, DELIVERIES),
    "evaluation.closed": (NOTIFY, DELIVERIES),
    "evaluation.filled": (NOTIFY, DELIVERIES),
    "partnership.dormant": (NOTIFY, DELIVERIES),  # the watch (core/services/watch.py)
    "partnership.reactivated": (NOTIFY, DELIVERIES),
    "partnership.expiry_reminder": (NOTIFY, DELIVERIES),
}


def consumers(event_type: str) -> tuple[str, ...]:
    """The actor names an event of this type goes to (none for an unknown type)."""
    return ROUTES.get(event_type, ())
