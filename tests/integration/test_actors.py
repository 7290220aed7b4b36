"""The actors' effects: metrics and evaluation records, each applied once per event."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core import clock
from core.enums import Area, Direction, DocumentType, ProgramType
from core.envelope import Envelope
from core.errors import DomainError
from core.events import EVENT_TYPES
from core.models import Evaluation, OutboxEvent, PartnershipMetrics, ProcessedEvent, Recommendation
from core.services import evaluations, metrics, partnerships, programs
from core.stages import Stage
from tests import factories
from workers import routes
from workers.actors import ACTORS


async def run_actor(name: str, envelope: Envelope) -> None:
    await ACTORS[name].fn.__wrapped__(envelope.to_dict())  # type: ignore[attr-defined]


def test_every_event_type_has_a_route_and_every_route_an_actor() -> None:
    assert set(routes.ROUTES) == set(EVENT_TYPES)
    assert {name for names in routes.ROUTES.values() for name in names} <= set(ACTORS)


def test_actors_have_explicit_policies_not_dramatiq_defaults() -> None:
    for actor in ACTORS.values():
        assert actor.options["max_retries"] <= 10
        assert actor.options["max_backoff"] <= 60_000
        assert actor.options["time_limit"] <= 30_000
        assert actor.queue_name in ("evaluations", "notifications")


async def _program_with_activity(p: Any) -> None:
    program = await programs.create_program(
        partnership_id=p.id,
        title="Teacher exchange",
        area=Area.EDUCATION,
        type=ProgramType.TEACHER_EXCHANGE,
        budget=Decimal("1500000.50"),
        actor=factories.ACTOR,
    )
    for direction, people in ((Direction.INBOUND, 12), (Direction.OUTBOUND, 5)):
        await programs.record_activity(
            program_id=program.id,
            occurred_on=clock.today(),
            direction=direction,
            participants=people,
            actor=factories.ACTOR,
        )


async def _leave_evaluation(p: Any, to: Stage) -> Any:
    await factories.document(p, DocumentType.EVALUATION_REPORT)
    return await factories.advance(p, to)


async def test_every_actor_run_twice_with_one_envelope_has_one_effect(db: str) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    await _program_with_activity(p)
    p = await factories.advance(p, Stage.EVALUATION)
    entered = await OutboxEvent.filter(type="partnership.stage_advanced").order_by("-seq").first()
    assert entered is not None
    envelope = Envelope.from_row(entered)
    for name in routes.consumers(envelope.type):
        await run_actor(name, envelope)
    before = (
        await Evaluation.all().values(),
        await PartnershipMetrics.all().values(),
        await OutboxEvent.all().count(),
        await ProcessedEvent.all().count(),
    )
    for name in routes.consumers(envelope.type):
        await run_actor(name, envelope)
    after = (
        await Evaluation.all().values(),
        await PartnershipMetrics.all().values(),
        await OutboxEvent.all().count(),
        await ProcessedEvent.all().count(),
    )
    assert after == before
    assert len(before[0]) == 1  # one evaluation opened
    assert before[3] == len(routes.consumers(envelope.type))
    assert await OutboxEvent.filter(type="evaluation.opened").count() == 1


async def test_failed_effect_leaves_no_processed_key_and_a_retry_applies_it(db: str) -> None:
    p = await factories.pair()
    row = await OutboxEvent.filter(aggregate_id=str(p.id)).first()
    assert row is not None
    envelope = Envelope.from_row(row)
    broken = Envelope.from_dict({**envelope.to_dict(), "payload": {"partnership_id": "x"}})
    with pytest.raises(ValueError):
        await run_actor(routes.METRICS, broken)
    assert await ProcessedEvent.all().count() == 0
    await run_actor(routes.METRICS, envelope)
    assert await ProcessedEvent.filter(event_id=envelope.event_id).count() == 1
    assert await PartnershipMetrics.filter(partnership_id=p.id).exists()


async def test_metrics_count_programs_activities_people_budget_and_stage_time(
    db: str, drain_outbox: Any
) -> None:
    start = clock.now()
    try:
        clock.freeze(start - timedelta(days=30))
        p = await factories.at_stage(Stage.EXPLORATION)
        clock.freeze(start - timedelta(days=20))
        await factories.document(p, DocumentType.LETTER_OF_INTENT)
        p = await factories.advance(p, Stage.NEGOTIATION)
        await factories.signing_papers(p)
        clock.freeze(start - timedelta(days=10))
        p = await factories.advance(p, Stage.IMPLEMENTATION)
        clock.freeze(start)
        await _program_with_activity(p)
        await drain_outbox()
    finally:
        clock.freeze(None)
    found = await metrics.get_metrics(partnership_id=p.id)
    assert found is not None
    assert found.programs == 1 and found.activities == 2
    assert (found.participants_inbound, found.participants_outbound) == (12, 5)
    assert found.budget_by_currency == {"IDR": Decimal("1500000.50")}
    assert found.last_activity_on == start.date()
    assert found.current_stage == "implementation"
    day = 86_400
    assert found.seconds_in_stage["exploration"] == pytest.approx(10 * day, abs=5)
    assert found.seconds_in_stage["negotiation"] == pytest.approx(10 * day, abs=5)
    assert found.seconds_in_stage["implementation"] >= 10 * day - 5
    assert (await metrics.metrics_of_partnerships([p.id, 999_999]))[1] is None


async def test_evaluation_opened_with_kpis_and_closed_with_default_recommendations(
    db: str, drain_outbox: Any
) -> None:
    p = await factories.at_stage(Stage.IMPLEMENTATION)
    await _program_with_activity(p)
    p = await factories.advance(p, Stage.EVALUATION)
    await drain_outbox()
    [first] = await evaluations.list_evaluations(partnership_id=p.id)
    assert first.closed_at is None and first.recommendation is None
    assert first.kpi["activities"] == 2 and first.kpi["participants_inbound"] == 12
    assert first.period_end == clock.today()

    p = await _leave_evaluation(p, Stage.IMPLEMENTATION)  # continue
    p = await factories.advance(p, Stage.EVALUATION)
    p = await _leave_evaluation(p, Stage.NEGOTIATION)  # renew
    await drain_outbox()
    first, second = await evaluations.list_evaluations(partnership_id=p.id)
    assert (first.outcome, first.recommendation, first.recommended_by) == (
        "implementation",
        Recommendation.CONTINUE,
        "default",
    )
    assert (second.outcome, second.recommendation) == ("negotiation", Recommendation.RENEW)
    assert second.round == 1 and second.closed_at is not None
    assert await OutboxEvent.filter(type="evaluation.opened").count() == 2
    assert await OutboxEvent.filter(type="evaluation.closed").count() == 2


async def test_an_officers_recommendation_is_kept_when_the_evaluation_closes(
    db: str, drain_outbox: Any
) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await drain_outbox()
    [evaluation] = await evaluations.list_evaluations(partnership_id=p.id)
    filled = await evaluations.fill_evaluation(
        evaluation_id=evaluation.id,
        findings="Exchanges stalled in 2025; the work plan needs new areas.",
        recommendation=Recommendation.REVISE,
        score=62,
        expected_version=evaluation.version,
        actor="officer@bandung",
    )
    assert filled.version == evaluation.version + 1
    await _leave_evaluation(p, Stage.IMPLEMENTATION)
    await drain_outbox()
    [closed] = await evaluations.list_evaluations(partnership_id=p.id)
    assert (closed.recommendation, closed.recommended_by, closed.score) == (
        Recommendation.REVISE,
        "officer@bandung",
        62,
    )
    assert closed.outcome == "implementation" and closed.closed_at is not None
    assert await OutboxEvent.filter(type="evaluation.filled").count() == 1


async def test_termination_from_evaluation_closes_it_with_terminate(
    db: str, drain_outbox: Any
) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await factories.document(p, DocumentType.TERMINATION_NOTICE)
    current = await partnerships.get(p.id)
    await partnerships.terminate(
        partnership_id=p.id,
        expected_version=current.version,
        reason="no activity for three years",
        actor=factories.ACTOR,
    )
    await drain_outbox()
    [closed] = await evaluations.list_evaluations(partnership_id=p.id)
    assert (closed.outcome, closed.recommendation) == ("terminated", Recommendation.TERMINATE)
    found = await metrics.get_metrics(partnership_id=p.id)
    assert found is not None and found.current_stage is None


async def test_fill_evaluation_refuses_bad_input(db: str, drain_outbox: Any) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await drain_outbox()
    [evaluation] = await evaluations.list_evaluations(partnership_id=p.id)
    with pytest.raises(DomainError) as bad_score:
        await evaluations.fill_evaluation(evaluation_id=evaluation.id, score=101, actor="o")
    assert bad_score.value.problems[0].field == "score"
    with pytest.raises(DomainError) as stale:
        await evaluations.fill_evaluation(
            evaluation_id=evaluation.id, findings="x", expected_version=99, actor="o"
        )
    assert stale.value.problems[0].code == "conflict"
    with pytest.raises(DomainError) as missing:
        await evaluations.fill_evaluation(evaluation_id=999_999, findings="x", actor="o")
    assert missing.value.problems[0].code == "not_found"


async def test_records_converge_whatever_order_the_events_arrive_in(db: str) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    p = await _leave_evaluation(p, Stage.IMPLEMENTATION)
    rows = await OutboxEvent.filter(type="partnership.stage_advanced").order_by("-seq")
    for row in rows:  # newest first: the worst order
        await run_actor(routes.EVALUATIONS, Envelope.from_row(row))
    [evaluation] = await evaluations.list_evaluations(partnership_id=p.id)
    assert evaluation.closed_at is not None
    assert evaluation.recommendation is Recommendation.CONTINUE
    assert await OutboxEvent.filter(type="evaluation.opened").count() == 1
    assert await OutboxEvent.filter(type="evaluation.closed").count() == 1
    assert date.today() >= evaluation.period_start
