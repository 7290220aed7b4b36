"""What the watch and the health score read about each partnership, in a few grouped queries for
any number of partnerships (no per-row query).

**Activity** is anything recorded about a partnership's life:

- an activity of one of its programs, on the day it took place (``activity.occurred_on``);
- a program created or changed (``program.updated_at``);
- a document or an approval recorded (``recorded_at``);
- a stage or status change (``stage_change.at``, and ``partnership.stage_entered_at``);
- an evaluation filled in (``evaluation.filled_at``).

What the watch itself writes (the dormant flag, expiry reminders) is not activity, and neither is
what the workers recompute (metrics). A back-dated activity counts on the day it happened, not on
the day it was typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from tortoise.functions import Count, Max, Sum

from core.enums import ProgramStatus
from core.models import Activity, Approval, Document, Evaluation, Program, StageChange
from core.months import shift_moment

RECENT_MONTHS = 12  # "recent participants" count activities of the last twelve months


@dataclass(frozen=True, slots=True)
class Signals:
    """One partnership's figures; ``last_activity_at`` is None only when nothing was recorded."""

    partnership_id: int
    last_activity_at: datetime | None
    programs: int  # not cancelled
    participants_recent: int  # in and out, activities of the last RECENT_MONTHS months
    # the score (0..100) of the latest evaluation with one, by round and opening (not by when it
    # was filled: a later round filled with findings only, or an old one corrected, does not
    # change which score counts), and that evaluation's recommendation
    evaluation_score: int | None
    evaluation_recommendation: str | None
    evaluation_filled_at: datetime | None  # the latest filling of any evaluation (activity)


async def signals_of(keys: Sequence[int], *, now: datetime) -> list[Signals]:
    """:class:`Signals` for each key, in the order of ``keys`` (seven statements in all)."""
    ids = sorted(set(keys))
    latest: dict[int, list[datetime]] = {key: [] for key in ids}
    if not ids:
        return []
    for model, column, owner in (
        (Activity, "occurred_on", "program__partnership_id"),
        (Program, "updated_at", "partnership_id"),
        (Document, "recorded_at", "partnership_id"),
        (Approval, "recorded_at", "partnership_id"),
        (StageChange, "at", "partnership_id"),
    ):
        rows = (
            await model.filter(**{f"{owner}__in": ids})
            .annotate(last=Max(column))
            .group_by(owner)
            .values(owner, "last")
        )
        for row in rows:
            moment = as_moment(row["last"])
            if moment is not None:
                latest[row[owner]].append(moment)
    programs: dict[int, int] = dict.fromkeys(ids, 0)
    for row in (
        await Program.filter(partnership_id__in=ids)
        .exclude(status=ProgramStatus.CANCELLED)
        .annotate(n=Count("id"))
        .group_by("partnership_id")
        .values("partnership_id", "n")
    ):
        programs[row["partnership_id"]] = int(row["n"])
    people: dict[int, int] = dict.fromkeys(ids, 0)
    since = shift_moment(now, -RECENT_MONTHS).date()
    for row in (
        await Activity.filter(program__partnership_id__in=ids, occurred_on__gte=since)
        .annotate(people=Sum("participants"))
        .group_by("program__partnership_id")
        .values("program__partnership_id", "people")
    ):
        people[row["program__partnership_id"]] = int(row["people"] or 0)
    evaluations: dict[int, dict[str, Any]] = {}
    filled_at: dict[int, datetime] = {}
    for row in (
        await Evaluation.filter(partnership_id__in=ids, filled_at__isnull=False)
        .order_by("round", "opened_at", "id")
        .values("partnership_id", "score", "recommendation", "filled_at")
    ):
        key = row["partnership_id"]
        if row["score"] is not None:  # the last one wins: the latest opened with a score
            evaluations[key] = row
        filled = as_moment(row["filled_at"])  # any filling is activity, scored or not
        if filled is not None:
            latest[key].append(filled)
            filled_at[key] = max(filled, filled_at.get(key, filled))
    found = {
        key: Signals(
            partnership_id=key,
            last_activity_at=max(latest[key]) if latest[key] else None,
            programs=programs[key],
            participants_recent=people[key],
            evaluation_score=evaluations[key]["score"] if key in evaluations else None,
            evaluation_recommendation=_text(evaluations[key]["recommendation"])
            if key in evaluations
            else None,
            evaluation_filled_at=filled_at.get(key),
        )
        for key in ids
    }
    return [found[key] for key in keys]


def last_activity(signals: Signals, stage_entered_at: datetime | None) -> datetime | None:
    """The latest activity, counting the partnership's own entry into its current stage."""
    moments = [m for m in (signals.last_activity_at, as_moment(stage_entered_at)) if m is not None]
    return max(moments) if moments else None


def as_moment(value: object) -> datetime | None:
    """A database value (datetime, date, or their text on SQLite) as an aware UTC datetime; a
    date counts from its midnight."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        value = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise TypeError(f"not a date or time: {value!r}")


def _text(value: object) -> str | None:
    return None if value is None else str(getattr(value, "value", value))
