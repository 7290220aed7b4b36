"""Evaluation records: opened by a worker when a partnership enters evaluation and monitoring
(period, KPI snapshot), closed when it leaves (outcome, recommendation); an officer fills in the
findings, recommendation and score.

The worker derives the records from the partnership's stage history (an append-only log), not from
the event that woke it, so late, repeated or out-of-order deliveries converge on the same records.
When it leaves evaluation without an officer's recommendation, the recommendation defaults from
where it went: back to implementation = continue, to negotiation = renew, terminated or expired =
terminate.
"""

from __future__ import annotations

from datetime import date

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from core import clock, outbox
from core.errors import DomainError, ErrorCode
from core.events import EvaluationClosed, EvaluationFilled, EvaluationOpened
from core.models import Evaluation, Partnership, Recommendation, StageChange
from core.services import audit
from core.services.metrics import figures
from core.stages import LIVE_STATUSES, Stage, Status
from core.validation import limit_text

WORKER = "system:evaluations"

DEFAULT_RECOMMENDATION: dict[str, Recommendation] = {
    Stage.IMPLEMENTATION.value: Recommendation.CONTINUE,
    Stage.NEGOTIATION.value: Recommendation.RENEW,
    Status.TERMINATED.value: Recommendation.TERMINATE,
    Status.EXPIRED.value: Recommendation.TERMINATE,
}


async def list_evaluations(*, partnership_id: int) -> list[Evaluation]:
    """A partnership's evaluations, oldest first."""
    return await Evaluation.filter(partnership_id=partnership_id).order_by("opened_at", "id")


async def evaluations_of_partnerships(keys: list[int]) -> list[list[Evaluation]]:
    """Batch form of :func:`list_evaluations`, in the order of ``keys`` (for a DataLoader)."""
    rows = await Evaluation.filter(partnership_id__in=list(set(keys))).order_by("opened_at", "id")
    groups: dict[int, list[Evaluation]] = {}
    for row in rows:
        groups.setdefault(row.partnership_id, []).append(row)
    return [groups.get(key, []) for key in keys]


async def get(evaluation_id: int) -> Evaluation:
    found = await Evaluation.get_or_none(id=evaluation_id)
    if found is None:
        raise DomainError.one(ErrorCode.NOT_FOUND, "no such evaluation", "id")
    return found


async def fill_evaluation(
    *,
    evaluation_id: int,
    findings: str | None = None,
    recommendation: Recommendation | None = None,
    score: int | None = None,
    expected_version: int | None = None,
    actor: str,
) -> Evaluation:
    """Fill in an evaluation's findings, recommendation and score (open or closed); fields left
    None stay as they are. An officer's recommendation is kept when the evaluation closes."""
    if findings is not None:
        limit_text(findings, "findings", max_length=20_000)
    if score is not None and not 0 <= score <= 100:
        raise DomainError.one(ErrorCode.INVALID, "score must be between 0 and 100", "score")
    async with in_transaction():
        # the partnership's lock first (the watch decides under it), then the evaluation's
        owner = Evaluation.filter(id=evaluation_id).values("partnership_id")
        await Partnership.select_for_update().filter(id__in=Subquery(owner)).only("id")
        evaluation = await Evaluation.select_for_update().get_or_none(id=evaluation_id)
        if evaluation is None:
            raise DomainError.one(ErrorCode.NOT_FOUND, "no such evaluation", "id")
        if expected_version is not None and evaluation.version != expected_version:
            raise DomainError.one(
                ErrorCode.CONFLICT,
                f"someone else changed this evaluation first (it is now at version "
                f"{evaluation.version}); reload it and try again",
                "expectedVersion",
            )
        before = audit.snapshot(evaluation)
        changes: dict[str, object] = {
            "filled_by": actor,
            "filled_at": clock.now(),
            "version": evaluation.version + 1,
        }
        if findings is not None:
            changes["findings"] = findings
        if recommendation is not None:
            changes["recommendation"] = recommendation
            changes["recommended_by"] = actor
        if score is not None:
            changes["score"] = score
        await Evaluation.filter(id=evaluation.id).update(**changes)
        for key, value in changes.items():
            setattr(evaluation, key, value)
        await audit.record(actor=actor, action="evaluation.fill", entity=evaluation, before=before)
        await outbox.record(
            EvaluationFilled(
                partnership_id=evaluation.partnership_id,
                evaluation_id=evaluation.id,
                recommendation=evaluation.recommendation.value
                if evaluation.recommendation
                else None,
                score=evaluation.score,
            ),
            actor=actor,
        )
    return evaluation


async def track(*, partnership_id: int) -> tuple[int, int]:
    """Bring a partnership's evaluation records in line with its stage history: open one for each
    entry into evaluation, close it at the change that followed. Run inside a transaction (it
    locks the partnership row); returns how many records it opened and closed."""
    partnership = await Partnership.select_for_update().get_or_none(id=partnership_id)
    if partnership is None:
        return 0, 0
    changes = await StageChange.filter(partnership_id=partnership_id).order_by("id")
    known = {e.opened_change_id: e for e in await Evaluation.filter(partnership_id=partnership_id)}
    opened = closed = 0
    implementation_since: date | None = None
    round_ = 1  # from the history, not the partnership's round now: the worker may be late
    for index, change in enumerate(changes):
        if change.to_stage is Stage.NEGOTIATION and change.from_stage is Stage.EVALUATION:
            round_ += 1
        if (
            change.to_stage is Stage.IMPLEMENTATION
            and change.from_stage is not Stage.IMPLEMENTATION
        ):
            implementation_since = clock.local_date(change.at)
        if change.to_stage is not Stage.EVALUATION or change.from_stage is Stage.EVALUATION:
            continue
        evaluation = known.get(change.id)
        if evaluation is None:
            evaluation = await _open(partnership, change, round_, implementation_since)
            opened += 1
        following = changes[index + 1] if index + 1 < len(changes) else None
        if following is not None and evaluation.closed_change_id is None:
            await _close(evaluation, following)
            closed += 1
    return opened, closed


async def _open(
    partnership: Partnership, change: StageChange, round_: int, implementation_since: date | None
) -> Evaluation:
    period_start = implementation_since or partnership.signed_on or clock.local_date(change.at)
    kpi = await figures(partnership_id=partnership.id, as_of=change.at, since=period_start)
    kpi["budget_by_currency"] = {k: str(v) for k, v in kpi["budget_by_currency"].items()}
    if kpi["last_activity_on"] is not None:
        kpi["last_activity_on"] = kpi["last_activity_on"].isoformat()
    evaluation = await Evaluation.create(
        partnership_id=partnership.id,
        round=round_,
        opened_change_id=change.id,
        opened_at=change.at,
        period_start=period_start,
        period_end=clock.local_date(change.at),  # an Indonesian date, as clock.today
        kpi=kpi,
    )
    await outbox.record(
        EvaluationOpened(
            partnership_id=partnership.id,
            evaluation_id=evaluation.id,
            period_start=evaluation.period_start.isoformat(),
            period_end=evaluation.period_end.isoformat(),
        ),
        actor=WORKER,
    )
    return evaluation


async def _close(evaluation: Evaluation, following: StageChange) -> None:
    outcome = (
        following.to_stage.value
        if following.to_status in LIVE_STATUSES
        else following.to_status.value
    )
    changes: dict[str, object] = {
        "closed_change_id": following.id,
        "closed_at": following.at,
        "outcome": outcome,
        "version": evaluation.version + 1,
    }
    if evaluation.recommendation is None and outcome in DEFAULT_RECOMMENDATION:
        changes["recommendation"] = DEFAULT_RECOMMENDATION[outcome]
        changes["recommended_by"] = "default"
    # Only if no officer wrote meanwhile (their fill bumps the version): else retry from scratch.
    written = await Evaluation.filter(id=evaluation.id, version=evaluation.version).update(
        **changes
    )
    if written != 1:
        raise DomainError.one(ErrorCode.CONFLICT, "the evaluation changed while closing it")
    for key, value in changes.items():
        setattr(evaluation, key, value)
    await outbox.record(
        EvaluationClosed(
            partnership_id=evaluation.partnership_id,
            evaluation_id=evaluation.id,
            outcome=outcome,
            recommendation=evaluation.recommendation.value if evaluation.recommendation else None,
            score=evaluation.score,
        ),
        actor=WORKER,
    )
