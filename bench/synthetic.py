"""Give the first pages of partnerships realistic nested data, through the real services.

The imported twinning lists yield about a hundred partnerships, all in identification with no
programs (only the five demo partnerships have papers and programs). A benchmark of "a page of 20
partnerships with programs and history" would then measure mostly empty lists. This module walks
each of the first ``--pages`` pages (ordered by id, like the ``partnerships`` connection) through
``core.services``: documents and approvals, stage advances (so history rows are real transitions,
with the outbox events they write), programs with budgets, and activities. Everything is
deterministic (seeded by the partnership id), so two runs build the same data.

Run by ``bench/graphql_load.py`` as a subprocess, with KEMBAR_DATABASE_URL set:

    .venv/bin/python bench/synthetic.py --pages 5
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core import clock
from core.db import close_db, init_db
from core.enums import (
    Area,
    Decision,
    Direction,
    DocumentType,
    FundingSource,
    ProgramStatus,
    ProgramType,
)
from core.errors import DomainError
from core.models import Partnership, Program
from core.services import partnerships, programs, records
from core.settings import get_settings
from core.stages import SIGNING_APPROVALS, Stage

ACTOR = "bench-synthetic"
PAGE = 20

# How far each partnership gets (weights), like a regional portfolio: many stay early.
STAGES = (
    (Stage.IDENTIFICATION, 20),
    (Stage.EXPLORATION, 25),
    (Stage.NEGOTIATION, 20),
    (Stage.IMPLEMENTATION, 25),
    (Stage.EVALUATION, 10),
)
PROGRAM_TITLES = (
    ("Student exchange", Area.EDUCATION, ProgramType.STUDENT_EXCHANGE),
    ("Teacher exchange", Area.EDUCATION, ProgramType.TEACHER_EXCHANGE),
    ("Cultural festival", Area.CULTURE, ProgramType.CULTURAL_FESTIVAL),
    ("Trade mission", Area.ECONOMY, ProgramType.TRADE_MISSION),
    ("Civil servant training", Area.HUMAN_RESOURCES, ProgramType.TRAINING),
    ("Waste management project", Area.ENVIRONMENT, ProgramType.TECHNICAL_PROJECT),
    ("Tourism promotion visit", Area.TOURISM, ProgramType.DELEGATION_VISIT),
    ("Disaster preparedness training", Area.DISASTER_MANAGEMENT, ProgramType.TRAINING),
    ("Youth football exchange", Area.YOUTH_SPORT, ProgramType.YOUTH_EXCHANGE),
    ("Public health cooperation", Area.HEALTH, ProgramType.TECHNICAL_PROJECT),
)
AGENCIES = ("Bappeda", "Dinas Pendidikan", "Dinas Pariwisata", "Dinas Lingkungan Hidup", "Setda")


@dataclass
class Tally:
    partnerships: int = 0
    advances: int = 0
    refused: int = 0
    documents: int = 0
    approvals: int = 0
    programs: int = 0
    activities: int = 0
    token: bool = False


async def enrich(partnership_id: int, tally: Tally) -> None:
    rng = random.Random(partnership_id)
    today = clock.today()
    target = rng.choices([s for s, _ in STAGES], weights=[w for _, w in STAGES])[0]
    order = [s for s, _ in STAGES]
    reached = Stage.IDENTIFICATION
    start = today - timedelta(days=rng.randint(700, 1400))  # when the work began
    step = 0

    def day() -> date:
        nonlocal step
        step += rng.randint(20, 90)
        return min(start + timedelta(days=step), today)

    async def document(kind: DocumentType, **extra: object) -> None:
        on = extra.pop("issued_on", None) or day()
        await records.add_document(
            partnership_id=partnership_id,
            type=kind,
            number=f"bench/{kind.value}/{partnership_id}",
            issued_on=on,
            actor=ACTOR,
            **extra,
        )
        tally.documents += 1

    async def advance(to: Stage) -> bool:
        current = await partnerships.get(partnership_id)
        try:
            await partnerships.advance_stage(
                partnership_id=partnership_id,
                to=to,
                expected_version=current.version,
                reason="bench synthetic data",
                actor=ACTOR,
            )
        except DomainError:  # e.g. no diplomatic relations with the partner's country
            tally.refused += 1
            return False
        tally.advances += 1
        return True

    try:
        for stage in order[1 : order.index(target) + 1]:
            if stage is Stage.EXPLORATION:
                await document(
                    rng.choice((DocumentType.OFFER_LETTER, DocumentType.FEASIBILITY_STUDY))
                )
            elif stage is Stage.NEGOTIATION:
                await document(DocumentType.LETTER_OF_INTENT)
            elif stage is Stage.IMPLEMENTATION:
                await document(DocumentType.WORK_PLAN)
                for kind in SIGNING_APPROVALS:
                    await records.record_approval(
                        partnership_id=partnership_id,
                        type=kind,
                        decision=Decision.APPROVED,
                        decided_on=day(),
                        reference=f"bench/{kind.value}/{partnership_id}",
                        actor=ACTOR,
                    )
                    tally.approvals += 1
                signed = day()
                await document(
                    DocumentType.SIGNED_AGREEMENT,
                    issued_on=signed,
                    valid_from=signed + timedelta(days=1),
                    valid_until=signed + timedelta(days=5 * 365),
                )
            if not await advance(stage):
                break
            reached = stage
        await _programs(partnership_id, reached, rng, today, tally)
        if reached is Stage.EVALUATION:
            await document(DocumentType.EVALUATION_REPORT, issued_on=today)
    except DomainError as exc:
        print(f"partnership {partnership_id}: {exc}", file=sys.stderr)
    tally.partnerships += 1


async def _programs(
    partnership_id: int, reached: Stage, rng: random.Random, today: date, tally: Tally
) -> None:
    running = reached in (Stage.IMPLEMENTATION, Stage.EVALUATION)
    count = rng.randint(2, 4) if running else rng.randint(0, 1) + (reached is Stage.NEGOTIATION)
    for n in range(count):
        title, area, kind = rng.choice(PROGRAM_TITLES)
        starts = today - timedelta(days=rng.randint(60, 500)) if running else None
        status = (
            rng.choice((ProgramStatus.ONGOING, ProgramStatus.COMPLETED))
            if running
            else (ProgramStatus.PLANNED)
        )
        program = await programs.create_program(
            partnership_id=partnership_id,
            title=f"{title} {today.year - (n % 2)}",
            area=area,
            type=kind,
            status=status,
            starts_on=starts,
            ends_on=starts + timedelta(days=rng.randint(90, 720)) if starts else None,
            budget=Decimal(rng.randrange(50, 2500) * 1_000_000),
            currency="IDR",
            funding_source=rng.choice(list(FundingSource)),
            lead_agency=rng.choice(AGENCIES),
            actor=ACTOR,
        )
        tally.programs += 1
        if starts is None:
            continue
        for _ in range(rng.randint(1, 3)):
            await programs.record_activity(
                program_id=program.id,
                occurred_on=min(starts + timedelta(days=rng.randint(0, 300)), today),
                direction=rng.choice(list(Direction)),
                participants=rng.randint(3, 60),
                description="bench synthetic activity",
                actor=ACTOR,
            )
            tally.activities += 1


async def issue_token(path: str) -> bool:
    """A viewer account and bearer token for the load generator, when the product has accounts
    (anonymous clients may not read stage history). Writes the secret to ``path``."""
    try:
        from core.policy import Role
        from core.services import accounts
    except ImportError:
        return False
    try:
        account = await accounts.create_account(
            email=f"bench-{random.randrange(10**8)}@example.org",
            role=Role.VIEWER,
            name="bench/graphql_load.py",
            actor=ACTOR,
        )
        issued = await accounts.create_token(account_id=account.id, name="bench", actor=ACTOR)
    except Exception as exc:  # e.g. a database migrated before accounts existed
        print(f"no viewer token: {exc}", file=sys.stderr)
        return False
    Path(path).write_text(issued.secret)
    return True


async def main(pages: int, concurrency: int, token_file: str | None = None) -> Tally:
    settings = get_settings()
    await init_db(settings.database_url, pool_max=max(concurrency + 2, 4))
    tally = Tally()
    try:
        first = (
            await Partnership.all().order_by("id").limit(pages * PAGE).values_list("id", flat=True)
            if pages > 0
            else []
        )
        with_programs = set(
            await Program.filter(partnership_id__in=first).values_list("partnership_id", flat=True)
        )
        todo = [pid for pid in first if pid not in with_programs]  # demo ones are already rich
        gate = asyncio.Semaphore(concurrency)

        async def one(pid: int) -> None:
            async with gate:
                await enrich(pid, tally)

        await asyncio.gather(*(one(pid) for pid in todo))
        if token_file:
            tally.token = await issue_token(token_file)
    finally:
        await close_db()
    return tally


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5, help="pages of 20 to enrich (default 5)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--token-file", help="issue a viewer bearer token and write it here")
    args = parser.parse_args()
    started = time.perf_counter()
    result = asyncio.run(main(args.pages, args.concurrency, args.token_file))
    print(
        f"synthetic: {result.partnerships} partnerships enriched: {result.advances} stage advances "
        f"({result.refused} refused), {result.documents} documents, {result.approvals} approvals, "
        f"{result.programs} programs, {result.activities} activities"
        f"{'; viewer token issued' if result.token else ''} ({time.perf_counter() - started:.1f} s)"
    )
