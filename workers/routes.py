"""The routing table: which actors consume each event type. Every event type is listed (a test
checks it), even when nothing but the notifier consumes it."""

from __future__ import annotations

METRICS = "metrics.refresh"
EVALUATIONS = "evaluations.track"
NOTIFY = "events.notify"

_STAGE = (METRICS, EVALUATIONS, NOTIFY)
_PROGRAM = (METRICS, NOTIFY)

ROUTES: dict[str, tuple[str, ...]] = {
    "partnership.proposed": (METRICS, NOTIFY),
    "partnership.stage_advanced": _STAGE,
    "partnership.abandoned": _STAGE,
    "partnership.terminated": _STAGE,
    "partnership.expired": _STAGE,
    "partnership.document_added": (NOTIFY,),
    "partnership.approval_recorded": (NOTIFY,),
    "program.created": _PROGRAM,
    "program.updated": _PROGRAM,
    "program.activity_recorded": _PROGRAM,
    "evaluation.opened": (NOTIFY,),
    "evaluation.closed": (NOTIFY,),
    "evaluation.filled": (NOTIFY,),
    "partnership.dormant": (NOTIFY,),  # the watch (core/services/watch.py)
    "partnership.reactivated": (NOTIFY,),
    "partnership.expiry_reminder": (NOTIFY,),
}


def consumers(event_type: str) -> tuple[str, ...]:
    """The actor names an event of this type goes to (none for an unknown type)."""
    return ROUTES.get(event_type, ())
