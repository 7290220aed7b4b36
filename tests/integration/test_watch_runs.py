"""Where the watch runs: inside the active relay's loop, from `kembar watch --once`, and under an
officer's row lock (it waits, then decides on what the officer committed)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Awaitable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from core import clock
from core.enums import Area, Direction, ProgramType
from core.envelope import Envelope
from core.errors import DomainError, ErrorCode
from core.models import ExpiryReminder, Partnership
from core.months import shift_moment, shift_months
from core.services import evaluations, programs, watch
from core.settings import Settings
from core.stages import Stage
from tests import factories
from workers.relay import run_relay

T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    clock.freeze(T0)
    yield
    clock.freeze(None)


async def signed(valid_until: date) -> Partnership:
    return await factories.walk(await factories.pair(), Stage.IMPLEMENTATION,
                                valid_until=valid_until)  # fmt: skip


async def relay_for(seconds: float, settings: Settings) -> list[str]:
    """Run the relay loop for ``seconds``; the types of the events it published."""
    published: list[str] = []
    dormant = asyncio.Event()

    async def publish(envelope: Envelope) -> None:
        published.append(envelope.type)
        if envelope.type == "partnership.dormant":
            dormant.set()

    stop = asyncio.Event()
    task = asyncio.create_task(run_relay(publish, settings=settings, stop=stop))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(dormant.wait(), seconds)
    await asyncio.sleep(0.3)  # anything more would show up now
    stop.set()
    await task
    return published


def settings_for(db: str, **values: object) -> Settings:
    return Settings(database_url=db, relay_poll_seconds=0.05, relay_idle_poll_seconds=0.1,
                    **values)  # type: ignore[arg-type]  # fmt: skip


async def test_the_relay_runs_the_watch_and_sends_its_events(db: str) -> None:
    p = await signed(shift_months(T0.date(), 60))
    clock.freeze(shift_moment(T0, 13))
    published = await relay_for(10, settings_for(db))
    assert published.count("partnership.dormant") == 1, published
    assert (await Partnership.get(id=p.id)).dormant_since == shift_moment(T0, 12)


async def test_an_interval_of_zero_turns_the_watch_off(db: str) -> None:
    p = await signed(shift_months(T0.date(), 60))
    clock.freeze(shift_moment(T0, 13))
    published = await relay_for(1.0, settings_for(db, watch_interval_seconds=0))
    assert "partnership.dormant" not in published
    assert (await Partnership.get(id=p.id)).dormant_since is None


async def test_kembar_watch_once(db: str) -> None:
    clock.freeze(None)  # the command runs on the real clock
    p = await signed(date.today() + timedelta(days=100))  # under six months left
    env = {**os.environ, "KEMBAR_DATABASE_URL": db}
    kembar = str(Path(sys.executable).with_name("kembar"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([kembar, "watch", *args], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    first = await asyncio.to_thread(run, "--once")
    assert first.returncode == 0, first.stderr
    assert "1 reminders" in first.stdout, first.stdout
    again = await asyncio.to_thread(run, "--once")
    assert again.returncode == 0 and "0 reminders" in again.stdout, again.stdout
    assert await ExpiryReminder.filter(partnership_id=p.id).count() == 1
    bare = await asyncio.to_thread(run)
    assert bare.returncode == 2 and "--once" in bare.stdout


@pytest.mark.postgres
async def test_the_watch_waits_for_an_officers_lock_and_sees_the_commit(db: str) -> None:
    """An officer's transaction holds the partnership's row lock while recording an activity; the
    watch, finding the partnership dormant in its batched read, waits for the lock and decides
    again on what was committed: no dormant flag, no event."""
    p = await signed(shift_months(T0.date(), 60))
    program = await programs.create_program(
        partnership_id=p.id, title="Exchange", area=Area.EDUCATION, type=ProgramType.OTHER,
        actor="officer",
    )  # fmt: skip
    later = shift_moment(T0, 13)
    officer = await asyncpg.connect(db)
    try:
        transaction = officer.transaction()
        await transaction.start()
        await officer.execute("SELECT id FROM partnership WHERE id = $1 FOR UPDATE", p.id)
        ticking = asyncio.create_task(watch.tick(now=later))
        await asyncio.sleep(0.5)
        assert not ticking.done()  # waiting for the lock
        await officer.execute(
            "INSERT INTO activity (program_id, occurred_on, direction, participants, description,"
            " recorded_at, recorded_by) VALUES ($1, $2, 'inbound', 3, '', $3, 'officer')",
            program.id, later.date(), later,
        )  # fmt: skip
        await transaction.commit()
        result = await asyncio.wait_for(ticking, 10)
    finally:
        await officer.close()
    assert (result.dormant, result.changed) == (0, 0)
    assert (await Partnership.get(id=p.id)).dormant_since is None


@pytest.mark.postgres
@pytest.mark.parametrize("service", ["record_activity", "update_program", "fill_evaluation"])
async def test_what_records_activity_waits_for_the_watchs_lock(db: str, service: str) -> None:
    """The watch decides under the partnership's row lock: recording an activity, changing a
    program or filling an evaluation takes that lock too, so it waits for the watch's decision
    instead of slipping in underneath it (a false ``partnership.dormant``)."""
    p = await signed(shift_months(T0.date(), 60))
    program = await programs.create_program(
        partnership_id=p.id, title="Exchange", area=Area.EDUCATION, type=ProgramType.OTHER,
        actor="officer",
    )  # fmt: skip
    p = await factories.advance(p, Stage.EVALUATION)
    async with in_transaction():
        await evaluations.track(partnership_id=p.id)
    evaluation = (await evaluations.list_evaluations(partnership_id=p.id))[0]
    calls = {
        "record_activity": lambda: programs.record_activity(
            program_id=program.id,
            occurred_on=T0.date(),
            direction=Direction.INBOUND,
            participants=3,
            actor="officer",
        ),
        "update_program": lambda: programs.update_program(
            program_id=program.id, title="Exchange 2", actor="officer"
        ),
        "fill_evaluation": lambda: evaluations.fill_evaluation(
            evaluation_id=evaluation.id, score=80, actor="officer"
        ),
    }
    watcher = await asyncpg.connect(db)  # holds the lock the watch holds while it decides
    try:
        transaction = watcher.transaction()
        await transaction.start()
        await watcher.execute("SELECT id FROM partnership WHERE id = $1 FOR UPDATE", p.id)
        writing = asyncio.create_task(calls[service]())
        await asyncio.sleep(0.5)
        assert not writing.done()  # waiting for the partnership's lock
        await transaction.commit()
        await asyncio.wait_for(writing, 10)
    finally:
        await watcher.close()


async def test_the_partnership_lock_of_an_unknown_row_is_not_found(db: str) -> None:
    """Locking the owner first keeps the answers for a row that does not exist."""
    def activity() -> Awaitable[object]:
        return programs.record_activity(
            program_id=404,
            occurred_on=T0.date(),
            direction=Direction.INBOUND,
            participants=1,
            actor="o",
        )

    for call, field in (
        (lambda: evaluations.fill_evaluation(evaluation_id=404, score=1, actor="o"), "id"),
        (lambda: programs.update_program(program_id=404, title="x", actor="o"), "id"),
        (activity, "programId"),
    ):
        with pytest.raises(DomainError) as exc:
            await call()
        assert [(p.code, p.field) for p in exc.value.problems] == [(ErrorCode.NOT_FOUND, field)]
