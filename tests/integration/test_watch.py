"""The dormancy and expiry watch (core.services.watch) with a frozen clock, on the real database.

Rows stamped by the database itself (documents' ``recorded_at``, programs' ``updated_at``) carry
the real time, so the frozen clock starts a little after it and only moves forward."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tortoise.transactions import in_transaction

from core import clock
from core.enums import Area, Direction, ProgramType
from core.models import AuditEntry, ExpiryReminder, Partnership
from core.months import shift_moment, shift_months
from core.services import evaluations, partnerships, programs, watch
from core.services.signals import signals_of
from core.settings import Settings
from core.stages import Stage, Status
from tests import factories
from tests.factories import ACTOR

JAKARTA = ZoneInfo("Asia/Jakarta")
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
WATCH_EVENTS = (
    "partnership.dormant",
    "partnership.reactivated",
    "partnership.expiry_reminder",
    "partnership.expired",
)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    clock.freeze(T0)
    yield
    clock.freeze(None)


def on(day: date) -> datetime:
    """T0's time of day in Jakarta, on ``day`` (an Indonesian date, as the watch counts them)."""
    return datetime.combine(day, T0.astimezone(JAKARTA).time(), tzinfo=JAKARTA).astimezone(UTC)


def at(moment: datetime) -> datetime:
    clock.freeze(moment)
    return moment


async def tick(moment: datetime, **options: object) -> watch.TickResult:
    return await watch.tick(now=at(moment), **options)  # type: ignore[arg-type]


async def events(p: Partnership | None = None) -> list[tuple[str, dict]]:
    """The watch's events (and expiry), in commit order."""
    rows = await factories.outbox_rows(p)
    return [(row.type, row.payload) for row in rows if row.type in WATCH_EVENTS]


async def signed(valid_until: date, **names: str) -> Partnership:
    """A partnership signed at the clock's time (in implementation, active)."""
    return await factories.walk(await factories.pair(**names), Stage.IMPLEMENTATION,
                                valid_until=valid_until)  # fmt: skip


async def activity(p: Partnership, on: date, participants: int = 5) -> None:
    program = await programs.create_program(
        partnership_id=p.id, title="Exchange", area=Area.EDUCATION, type=ProgramType.OTHER,
        actor=ACTOR,
    )  # fmt: skip
    await programs.record_activity(
        program_id=program.id, occurred_on=on, direction=Direction.INBOUND,
        participants=participants, actor=ACTOR,
    )  # fmt: skip


FAR = shift_months(T0.date(), 120)  # a term that outlives every test


# --- dormancy ------------------------------------------------------------------------------------


async def test_dormant_once_after_twelve_months_then_reactivated_once(db: str) -> None:
    p = await signed(FAR)
    assert p.stage_entered_at == T0  # signing is its last activity
    just_before = shift_moment(T0, 12) - timedelta(seconds=1)
    assert (await tick(just_before)).changed == 0
    assert (await partnerships.get(p.id)).dormant_since is None

    due = shift_moment(T0, 12)
    result = await tick(due + timedelta(days=3))
    assert (result.dormant, result.changed) == (1, 1)
    row = await partnerships.get(p.id)
    assert row.dormant_since == due  # when the twelve months ran out, not when the watch looked
    assert row.version == p.version  # the watch's flag is no officer's conflict
    assert await events(p) == [
        ("partnership.dormant", {"partnership_id": p.id, "dormant_since": due.isoformat(),
                                 "last_activity_at": T0.isoformat(), "months": 12}),
    ]  # fmt: skip
    assert (await tick(due + timedelta(days=40))).changed == 0  # idempotent
    assert len(await events(p)) == 1

    resumed = at(due + timedelta(days=60))
    await activity(p, resumed.date())
    assert (await partnerships.get(p.id)).dormant_since == due  # cleared by the next pass
    result = await tick(resumed + timedelta(hours=1))
    assert (result.reactivated, result.changed) == (1, 1)
    assert (await partnerships.get(p.id)).dormant_since is None
    midnight = datetime.combine(resumed.date(), datetime.min.time(), tzinfo=UTC)
    assert (await events(p))[1:] == [
        ("partnership.reactivated", {"partnership_id": p.id, "dormant_since": due.isoformat(),
                                     "last_activity_at": midnight.isoformat()}),
    ]  # fmt: skip
    assert (await tick(resumed + timedelta(days=2))).changed == 0
    assert len(await events(p)) == 2
    audit = AuditEntry.filter(actor=watch.ACTOR).order_by("id")
    actions = await audit.values_list("action", flat=True)
    assert actions == ["partnership.dormant", "partnership.reactivated"]


async def test_activity_of_every_kind_keeps_it_awake(db: str) -> None:
    """A filled evaluation and a stage change are activity; so is a back-dated activity, on the
    day it happened (not the day it was typed in)."""
    p = await signed(FAR)
    nine = at(shift_moment(T0, 9))
    p = await factories.advance(p, Stage.EVALUATION)  # a stage change at +9 months
    assert (await tick(shift_moment(T0, 13))).dormant == 0
    async with in_transaction():  # what the evaluations worker does on the stage event
        assert (await evaluations.track(partnership_id=p.id))[0] == 1
    evaluation = (await evaluations.list_evaluations(partnership_id=p.id))[0]
    filled = at(shift_moment(nine, 11))
    await evaluations.fill_evaluation(
        evaluation_id=evaluation.id, expected_version=evaluation.version, score=70, actor=ACTOR
    )
    assert (await tick(shift_moment(nine, 13))).dormant == 0  # 2 months after the filling
    backdated = shift_months(filled.date(), -3)
    at(shift_moment(filled, 2))
    await activity(p, backdated)  # happened before the filling: does not move the date
    result = await tick(shift_moment(filled, 12) + timedelta(seconds=1))
    assert result.dormant == 1
    assert (await partnerships.get(p.id)).dormant_since == shift_moment(filled, 12)


async def test_only_active_partnerships_go_dormant(db: str) -> None:
    preparing = await factories.at_stage(Stage.NEGOTIATION)
    assert (await tick(shift_moment(T0, 30))).changed == 0
    assert (await partnerships.get(preparing.id)).dormant_since is None
    assert await events() == []


async def test_the_period_is_a_setting(db: str) -> None:
    p = await signed(FAR)
    assert (await tick(shift_moment(T0, 13), dormancy_months=24)).dormant == 0
    assert (await tick(shift_moment(T0, 24), dormancy_months=24)).dormant == 1
    assert (await partnerships.get(p.id)).dormant_since == shift_moment(T0, 24)


async def test_a_closed_partnership_loses_its_flag_without_an_event(db: str) -> None:
    p = await signed(shift_months(T0.date(), 14))
    assert (await tick(shift_moment(T0, 12) + timedelta(days=1))).dormant == 1
    result = await tick(shift_moment(T0, 14) + timedelta(days=1))  # the term ended meanwhile
    assert (result.expired, result.cleared) == (1, 1)
    row = await partnerships.get(p.id)
    assert (row.status, row.dormant_since) == (Status.EXPIRED, None)
    assert [kind for kind, _ in await events(p)].count("partnership.reactivated") == 0
    assert (await tick(shift_moment(T0, 15))).changed == 0


# --- expiry reminders and expiry -----------------------------------------------------------------


async def test_each_reminder_exactly_once_then_expiry(db: str) -> None:
    end = shift_months(T0.date(), 24)
    p = await signed(end)
    six = on(shift_months(end, -6))
    one = on(shift_months(end, -1))

    await tick(six - timedelta(days=1))
    assert [k for k, _ in await events(p) if k != "partnership.dormant"] == []
    for moment in (six, six + timedelta(days=1), one - timedelta(days=1)):  # twice and more
        await tick(moment)
    await tick(one)
    await tick(one + timedelta(days=20))
    await tick(on(end))  # the last valid day: still active
    reminders = [(k, e) for k, e in await events(p) if k == "partnership.expiry_reminder"]
    assert reminders == [
        ("partnership.expiry_reminder",
         {"partnership_id": p.id, "months_before": months, "valid_until": end.isoformat()})
        for months in (6, 1)
    ]  # fmt: skip
    assert (await partnerships.get(p.id)).status is Status.ACTIVE
    rows = await ExpiryReminder.filter(partnership_id=p.id).order_by("id")
    assert [(r.valid_until, r.months_before, r.sent_at) for r in rows] == [
        (end, 6, six), (end, 1, one)
    ]  # fmt: skip

    result = await tick(on(end + timedelta(days=1)))
    assert result.expired == 1
    row = await partnerships.get(p.id)
    assert row.status is Status.EXPIRED
    history = await factories.history(p)
    assert (history[-1].action.value, history[-1].actor) == ("expire", watch.ACTOR)
    expired = [e for k, e in await events(p) if k == "partnership.expired"]
    assert expired == [{"partnership_id": p.id, "stage": "implementation",
                        "valid_until": end.isoformat()}]  # fmt: skip
    later = on(end + timedelta(days=5))
    assert (await tick(later)).changed == 0
    assert len([k for k, _ in await events(p) if k == "partnership.expired"]) == 1


async def test_a_jump_past_both_thresholds_sends_only_the_one_due(db: str) -> None:
    end = shift_months(T0.date(), 24)
    p = await signed(end)
    await tick(on(end - timedelta(days=10)))
    reminders = [e["months_before"] for k, e in await events(p) if k.endswith("reminder")]
    assert reminders == [1]  # the 6-month one is not sent late


async def test_a_short_term_gets_its_reminder_at_once(db: str) -> None:
    p = await signed(T0.date() + timedelta(days=100))  # under 6 months left at signing
    assert (await tick(T0 + timedelta(minutes=1))).reminders == 1
    assert [e["months_before"] for k, e in await events(p) if k.endswith("reminder")] == [6]


async def test_a_renewal_gets_its_own_reminders(db: str) -> None:
    first_end = shift_months(T0.date(), 12)
    p = await signed(first_end)
    one = on(shift_months(first_end, -1))
    await tick(shift_moment(T0, 7))
    await tick(one)
    # renewal: evaluation, back to negotiation, a new agreement with a new end date
    at(one + timedelta(days=1))
    p = await factories.advance(p, Stage.EVALUATION)
    await factories.evaluation_report(p)
    p = await factories.advance(p, Stage.NEGOTIATION)
    second_end = shift_months(first_end, 60)
    signed_on = (one + timedelta(days=1)).date()
    await factories.signing_papers(p, valid_until=second_end, signed_on=signed_on)
    p = await factories.advance(p, Stage.IMPLEMENTATION)
    assert (p.valid_until, p.renewal_count) == (second_end, 1)
    await tick(on(first_end + timedelta(days=2)))
    assert (await partnerships.get(p.id)).status is Status.ACTIVE  # renewed: not expired

    await tick(on(shift_months(second_end, -6)))
    await tick(on(shift_months(second_end, -1)))
    reminders = [
        (e["valid_until"], e["months_before"]) for k, e in await events(p) if k.endswith("reminder")
    ]
    assert reminders == [
        (first_end.isoformat(), 6), (first_end.isoformat(), 1),
        (second_end.isoformat(), 6), (second_end.isoformat(), 1),
    ]  # fmt: skip


async def test_many_partnerships_in_batches(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch, "BATCH", 2)
    made = [await signed(FAR, indonesian=f"Kota {i}", foreign=f"City {i}") for i in range(5)]
    result = await tick(shift_moment(T0, 12) + timedelta(days=1))
    assert (result.checked, result.dormant) == (5, 5)
    assert len(await events()) == 5
    assert (await tick(shift_moment(T0, 12) + timedelta(days=2))).changed == 0
    assert {e["partnership_id"] for _, e in await events()} == {p.id for p in made}


def test_which_reminder_is_due() -> None:
    end = date(2030, 8, 31)
    assert watch.reminder_due(end, date(2030, 2, 27)) is None
    assert watch.reminder_due(end, date(2030, 2, 28)) == 6
    assert watch.reminder_due(end, date(2030, 7, 30)) == 6
    assert watch.reminder_due(end, date(2030, 7, 31)) == 1
    assert watch.reminder_due(end, end) == 1
    assert watch.reminder_due(end, date(2030, 9, 1)) is None
    assert watch.reminder_due(None, end) is None


# --- the health signals --------------------------------------------------------------------------


async def evaluate(p: Partnership, moment: datetime) -> tuple[Partnership, int]:
    """Enter evaluation at ``moment`` (the worker opens the record); the record's id."""
    at(moment)
    p = await factories.advance(p, Stage.EVALUATION)
    async with in_transaction():  # what the evaluations worker does on the stage event
        await evaluations.track(partnership_id=p.id)
    return p, (await evaluations.list_evaluations(partnership_id=p.id))[-1].id


async def test_the_health_score_takes_the_latest_scored_evaluation(db: str) -> None:
    """A later evaluation filled with findings only does not hide the score of an earlier one;
    the latest evaluation (by when it was opened, not filled) with a score is the one shown,
    and any filling still counts as activity."""
    p = await signed(FAR)
    p, first = await evaluate(p, shift_moment(T0, 1))
    await evaluations.fill_evaluation(evaluation_id=first, score=85, actor=ACTOR)
    await factories.evaluation_report(p)
    p = await factories.advance(p, Stage.IMPLEMENTATION)
    async with in_transaction():
        await evaluations.track(partnership_id=p.id)
    p, second = await evaluate(p, shift_moment(T0, 13))
    filled = at(shift_moment(T0, 14))
    await evaluations.fill_evaluation(evaluation_id=second, findings="on track", actor=ACTOR)
    now = shift_moment(T0, 15)
    (signal,) = await signals_of([p.id], now=now)
    assert (signal.evaluation_score, signal.evaluation_filled_at) == (85, filled)
    assert signal.last_activity_at == filled
    await evaluations.fill_evaluation(evaluation_id=second, score=40, actor=ACTOR)
    at(shift_moment(T0, 16))  # round 1 corrected after round 2 was scored: round 2 still shows
    await evaluations.fill_evaluation(evaluation_id=first, findings="corrected", actor=ACTOR)
    (signal,) = await signals_of([p.id], now=now)
    assert signal.evaluation_score == 40


# --- failures ------------------------------------------------------------------------------------


async def test_one_failing_partnership_does_not_stop_the_others(
    db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A partnership whose processing keeps failing is logged and counted; every other one, in
    its batch and the later ones, is still processed (the database stays real)."""
    monkeypatch.setattr(watch, "BATCH", 2)
    made = [await signed(FAR, indonesian=f"Kota {i}", foreign=f"City {i}") for i in range(4)]
    poisoned = made[0].id
    real = watch.signals_of

    async def failing(keys: list[int], *, now: datetime) -> list:
        if poisoned in keys:
            raise RuntimeError("poisoned partnership")
        return await real(keys, now=now)

    monkeypatch.setattr(watch, "signals_of", failing)
    result = await tick(shift_moment(T0, 12) + timedelta(days=1))
    assert (result.checked, result.dormant, result.failed) == (4, 3, 1)
    assert {e["partnership_id"] for _, e in await events()} == {p.id for p in made[1:]}
    assert (await partnerships.get(poisoned)).dormant_since is None
    assert f"partnership {poisoned} failed" in caplog.text
    again = await tick(shift_moment(T0, 12) + timedelta(days=2))
    assert (again.changed, again.failed) == (0, 1)


async def test_a_reminder_already_recorded_is_not_sent_twice(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the watch miss that a reminder was sent, the unique row says so: no second event,
    no failure, and the rest of that partnership's pass still lands."""
    p = await signed(shift_months(T0.date(), 12))
    assert (await tick(shift_moment(T0, 7))).reminders == 1

    async def forgetful(rows: list[Partnership]) -> set:
        return set()

    monkeypatch.setattr(watch, "_sent_reminders", forgetful)
    result = await tick(shift_moment(T0, 7) + timedelta(days=1))
    assert (result.reminders, result.failed) == (0, 0)
    assert await ExpiryReminder.filter(partnership_id=p.id).count() == 1
    assert [k for k, _ in await events(p)] == ["partnership.expiry_reminder"]


async def test_the_events_of_one_pass_share_one_correlation_id(db: str) -> None:
    """Every event one pass writes (dormancy, reminders, expiry) carries the pass's correlation
    id, ``watch-`` and a fresh hex part; the next pass has its own."""
    dozing = await signed(FAR, indonesian="Kota A", foreign="City A")
    ending = await signed(shift_months(T0.date(), 13), indonesian="Kota B", foreign="City B")
    ended = await signed(shift_months(T0.date(), 6), indonesian="Kota C", foreign="City C")
    await tick(shift_moment(T0, 12) + timedelta(days=1))
    rows = [r for r in await factories.outbox_rows() if r.type in WATCH_EVENTS]
    assert {r.type for r in rows} == set(WATCH_EVENTS) - {"partnership.reactivated"}
    assert {r.payload["partnership_id"] for r in rows} == {dozing.id, ending.id, ended.id}
    (first,) = {r.correlation_id for r in rows}
    assert first.startswith("watch-") and len(first) == len("watch-") + 12
    await activity(dozing, shift_moment(T0, 12).date() + timedelta(days=1))
    await tick(shift_moment(T0, 12) + timedelta(days=2))
    later = [r for r in await factories.outbox_rows() if r.type in WATCH_EVENTS][len(rows) :]
    assert [r.type for r in later] == ["partnership.reactivated"]
    assert later[0].correlation_id.startswith("watch-") and later[0].correlation_id != first


async def test_the_day_is_jakartas(db: str) -> None:
    """``valid_until`` is an Indonesian date: at 18:00 UTC on 30 June it is already 1 July in
    Jakarta, so an agreement valid until 30 June expires then, not six or seven hours later."""
    at(datetime(2026, 6, 1, 3, tzinfo=UTC))
    p = await signed(date(2026, 6, 30))
    last_minute = await tick(datetime(2026, 6, 30, 16, 59, tzinfo=UTC))  # 23:59 in Jakarta
    assert (last_minute.expired, (await partnerships.get(p.id)).status) == (0, Status.ACTIVE)
    assert clock.today() == date(2026, 6, 30)
    assert (await tick(datetime(2026, 6, 30, 18, tzinfo=UTC))).expired == 1
    assert clock.today() == date(2026, 7, 1)
    assert (await partnerships.get(p.id)).status is Status.EXPIRED


def test_the_zone_is_a_setting_checked_at_start() -> None:
    assert Settings().timezone == "Asia/Jakarta"
    assert clock.local_date(datetime(2026, 6, 30, 18, tzinfo=UTC)) == date(2026, 7, 1)
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(timezone="Asia/Atlantis")
