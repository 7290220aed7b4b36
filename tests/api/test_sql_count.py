"""The SQL-count guard: a page of partnerships with every nested list costs a fixed number of
statements, whatever the page size (DataLoaders batch each relation into one query)."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from api.graphql import KembarGraphQL
from core.enums import (
    ApprovalType,
    Area,
    Decision,
    Direction,
    DocumentType,
    PartnershipKind,
    ProgramType,
    RegionLevel,
)
from core.models import City, Partnership, Program, StageChange
from core.services import partnerships, programs, records
from core.stages import Stage
from tests import factories

QUERY = """query($first: Int!) { partnerships(first: $first) { totalCount edges { node {
  indonesianRegion { name country { name } }
  foreignRegion { name parent { name } }
  areas
  programs { title activities { participants } }
  documents { type }
  approvals { type }
  history { toStage actor } } } } }"""

# One statement each: the page, totalCount, the regions (both sides), their countries, the foreign
# regions' parents, areas, programs, activities, documents, approvals, history.
STATEMENTS = 11
COUNTRIES = ["JP", "KR", "DE", "NL", "AU"]


async def build(n: int) -> None:
    """``n`` partnerships, each with its two regions (the foreign one inside a province), an
    offer letter, an approval, two programs with an activity each, and two history rows."""
    provinces = {
        code: await factories.region(f"Province of {code}", code, RegionLevel.PROVINCE)
        for code in COUNTRIES
    }
    for i in range(n):
        code = COUNTRIES[i % len(COUNTRIES)]
        home = await factories.region(f"Kota {i}")
        away = await factories.region(f"City {i}", code, parent_id=provinces[code].id)
        p = await partnerships.propose(
            indonesian_region_id=home.id, foreign_region_id=away.id,
            kind=PartnershipKind.SISTER_CITY, areas=[Area.EDUCATION, Area.TOURISM], actor="t",
        )  # fmt: skip
        await records.add_document(partnership_id=p.id, type=DocumentType.OFFER_LETTER, actor="t")
        await records.record_approval(
            partnership_id=p.id, type=ApprovalType.PARTNER, decision=Decision.APPROVED, actor="t"
        )
        p = await partnerships.advance_stage(
            partnership_id=p.id, to=Stage.EXPLORATION, expected_version=p.version, actor="t"
        )
        for title, area in (("Exchange", Area.EDUCATION), ("Festival", Area.TOURISM)):
            program = await programs.create_program(
                partnership_id=p.id, title=f"{title} {i}", area=area, type=ProgramType.OTHER,
                actor="t",
            )  # fmt: skip
            await programs.record_activity(
                program_id=program.id, occurred_on=date(2025, 1, 2), direction=Direction.INBOUND,
                participants=i, actor="t",
            )  # fmt: skip


@pytest.fixture(autouse=True)
def roomy_cost_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """This guard's query asks for a page of 100 with six nested lists, as issue 2 requires; where
    the app limits a query's estimated cost, raise that limit for these tests only."""
    original = KembarGraphQL.get_context

    async def get_context(self: KembarGraphQL, request: object, response: object = None) -> object:
        context = await original(self, request, response)
        if hasattr(context, "cost_limit"):
            context.cost_limit = 1_000_000
        return context

    monkeypatch.setattr(KembarGraphQL, "get_context", get_context)


async def statements(gql, sql_counter, query: str, **variables: object) -> tuple[int, dict]:
    sql_counter.statements.clear()
    data = await gql.ok(query, **variables)
    return len(sql_counter.statements), data


async def test_page_of_10_and_of_100_cost_the_same(gql, sql_counter, backend) -> None:
    await build(100)
    assert await Partnership.all().count() == 100
    assert await Program.all().count() == 200
    assert await StageChange.all().count() == 200
    await gql.ok("{ __typename }")  # warm anything per-client (e.g. authentication caches)
    baseline, _ = await statements(gql, sql_counter, "{ __typename }")

    counts = {}
    for first in (10, 100):
        total, data = await statements(gql, sql_counter, QUERY, first=first)
        counts[first] = total - baseline
        page = data["partnerships"]
        assert page["totalCount"] == 100
        assert len(page["edges"]) == first
        for edge in page["edges"]:
            node = edge["node"]
            assert node["indonesianRegion"]["country"]["name"] == "Indonesia"
            assert node["foreignRegion"]["parent"]["name"].startswith("Province of ")
            assert node["areas"] == ["EDUCATION", "TOURISM"]
            assert len(node["programs"]) == 2
            assert all(len(p["activities"]) == 1 for p in node["programs"])
            assert node["documents"] == [{"type": "OFFER_LETTER"}]
            assert node["approvals"] == [{"type": "PARTNER"}]
            assert [h["toStage"] for h in node["history"]] == ["IDENTIFICATION", "EXPLORATION"]
        last = page["edges"][-1]["node"]
        assert last["indonesianRegion"]["name"] == f"Kota {first - 1}"
        assert [p["title"] for p in last["programs"]] == [
            f"Exchange {first - 1}", f"Festival {first - 1}"
        ]  # fmt: skip
    assert counts[10] == counts[100] == STATEMENTS, (backend, counts, sql_counter.statements)


@pytest.mark.parametrize("first", [1, 10])
async def test_the_counter_sees_an_n_plus_one(gql, sql_counter, first) -> None:
    """The guard can fail: resolving a region per row without the loader costs one per row."""
    await build(10)
    await gql.ok("{ __typename }")
    baseline, _ = await statements(gql, sql_counter, "{ __typename }")
    q = "query($first: Int!) { partnerships(first: $first) { edges { node { id } } } }"
    plain, _ = await statements(gql, sql_counter, q, first=first)
    rows = await Partnership.all().limit(first)
    sql_counter.statements.clear()
    for row in rows:
        await City.get(id=row.indonesian_region_id)
    assert len(sql_counter.statements) == first
    assert plain - baseline == 1


HEALTH = """query($first: Int!) { partnerships(first: $first) { edges { node {
  dormantSince health { score components { name score detail } } } } } }"""
# The page, then the health signals of the whole page: latest activity, program change, document,
# approval and stage change (one grouped query each), programs, recent participants, evaluations.
HEALTH_STATEMENTS = 9
# Grouped queries: stage and status, partner country, area, year signed, programs, activities by
# year and direction, dormant, expiring; a region adds its lookup and one query per level inside.
STATISTICS_STATEMENTS = 8
STATISTICS = """query($regionId: ID) { portfolioStatistics(regionId: $regionId) {
  partnerships byStage { stage partnerships } byStatus { status partnerships }
  byCountry { countryCode partnerships } byArea { area partnerships }
  bySignedYear { year partnerships } programs programsByArea { area programs }
  programsByFundingSource { fundingSource programs } participantsByYear { year inbound }
  dormant expiringWithin6Months } }"""


async def test_health_on_a_page_of_10_and_of_100_cost_the_same(gql, sql_counter, backend) -> None:
    await build(100)
    await gql.ok("{ __typename }")
    baseline, _ = await statements(gql, sql_counter, "{ __typename }")
    counts = {}
    for first in (10, 100):
        total, data = await statements(gql, sql_counter, HEALTH, first=first)
        counts[first] = total - baseline
        nodes = [edge["node"] for edge in data["partnerships"]["edges"]]
        assert len(nodes) == first
        for node in nodes:
            parts = {c["name"]: c["score"] for c in node["health"]["components"]}
            assert list(parts) == ["activity_recency", "stage_time"]  # all in exploration
    assert counts[10] == counts[100] == HEALTH_STATEMENTS, (backend, counts, sql_counter.statements)


@pytest.mark.parametrize("size", [5, 50])
async def test_portfolio_statistics_cost_a_fixed_number_of_statements(
    gql, sql_counter, backend, size: int
) -> None:
    await build(size)
    await gql.ok("{ __typename }")
    baseline, _ = await statements(gql, sql_counter, "{ __typename }")
    total, data = await statements(gql, sql_counter, STATISTICS)
    assert data["portfolioStatistics"]["partnerships"] == size
    assert data["portfolioStatistics"]["programs"] == 2 * size
    assert total - baseline == STATISTICS_STATEMENTS, (backend, sql_counter.statements)

    province = await City.get(name="Province of JP")  # its cities are one level down
    region = base64.b64encode(f"City:{province.id}".encode()).decode()
    total, data = await statements(gql, sql_counter, STATISTICS, regionId=region)
    assert data["portfolioStatistics"]["partnerships"] == len(range(0, size, len(COUNTRIES)))
    # the region's lookup, its cities, their (no) children
    assert total - baseline == STATISTICS_STATEMENTS + 3, (backend, sql_counter.statements)
