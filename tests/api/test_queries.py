"""Queries through GraphQL: pagination edges, every filter, node(id:), missingFor, GraphiQL."""

from __future__ import annotations

from datetime import date

import pytest

from core.enums import (
    ApprovalType,
    Area,
    Decision,
    DocumentType,
    PartnershipKind,
    ProgramStatus,
    ProgramType,
    RegionLevel,
)
from core.models import City, Partnership
from core.services import partnerships, programs, records
from core.stages import SIGNING_APPROVALS, Stage
from tests import factories
from tests.api.test_mutations import gid

CITY_PAGE = """query($first: Int, $after: String, $last: Int, $before: String,
                   $filter: CityFilter) {
  cities(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } } } }"""


async def _cities(n: int) -> list[City]:
    return [await factories.region(f"Kota {i:02d}") for i in range(n)]


async def test_forward_to_the_end_and_back(gql) -> None:
    made = await _cities(25)
    names, after, pages = [], None, []
    while True:
        page = (await gql.ok(CITY_PAGE, first=10, after=after))["cities"]
        pages.append(page)
        names += [e["node"]["name"] for e in page["edges"]]
        assert page["totalCount"] == 25
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert [len(p["edges"]) for p in pages] == [10, 10, 5]
    assert names == [c.name for c in made]  # stable, no duplicates, no gaps
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert pages[-1]["pageInfo"]["endCursor"] == pages[-1]["edges"][-1]["cursor"]

    back, before = [], None
    while True:
        page = (await gql.ok(CITY_PAGE, last=10, before=before))["cities"]
        back = [e["node"]["name"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == names

    end = (await gql.ok(CITY_PAGE, first=10, after=pages[-1]["pageInfo"]["endCursor"]))["cities"]
    assert end["edges"] == []
    assert end["pageInfo"] == {
        "hasNextPage": False, "hasPreviousPage": True, "startCursor": None, "endCursor": None
    }  # fmt: skip


async def test_last_before_in_the_middle_and_first_zero(gql) -> None:
    made = await _cities(25)
    page = (await gql.ok(CITY_PAGE, first=12))["cities"]
    middle = (await gql.ok(CITY_PAGE, last=5, before=page["pageInfo"]["endCursor"]))["cities"]
    assert [e["node"]["name"] for e in middle["edges"]] == [c.name for c in made[6:11]]
    assert middle["pageInfo"]["hasPreviousPage"] is True
    assert middle["pageInfo"]["hasNextPage"] is True
    zero = (await gql.ok(CITY_PAGE, first=0))["cities"]
    assert zero["edges"] == [] and zero["totalCount"] == 25 and zero["pageInfo"]["hasNextPage"]
    hundred = (await gql.ok(CITY_PAGE, first=100))["cities"]
    assert len(hundred["edges"]) == 25 and hundred["pageInfo"]["hasNextPage"] is False


async def test_empty_result(gql) -> None:
    page = (await gql.ok(CITY_PAGE, first=10))["cities"]
    assert page == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None,
                     "endCursor": None},
        "edges": [],
    }  # fmt: skip
    data = await gql.ok("{ partnerships { totalCount edges { node { id } } } "
                        "programs { totalCount edges { node { id } } } }")  # fmt: skip
    assert data == {"partnerships": {"totalCount": 0, "edges": []},
                    "programs": {"totalCount": 0, "edges": []}}  # fmt: skip


async def test_total_count_with_filter_across_pages(gql) -> None:
    await _cities(5)
    for i in range(12):
        await factories.region(f"Ville {i}", "FR")
    first = (await gql.ok(CITY_PAGE, first=5, filter={"countryCode": "fr"}))["cities"]
    second = (
        await gql.ok(CITY_PAGE, first=5, after=first["pageInfo"]["endCursor"],
                     filter={"countryCode": "FR"})
    )["cities"]  # fmt: skip
    assert first["totalCount"] == second["totalCount"] == 12
    assert [e["node"]["name"] for e in first["edges"] + second["edges"]] == [
        f"Ville {i}" for i in range(10)
    ]


async def test_city_filters(gql) -> None:
    jabar = await factories.region("Jawa Barat", level=RegionLevel.PROVINCE)
    bandung = await factories.region(
        "Bandung", parent_id=jabar.id, alternate_names=["Paris van Java"]
    )
    await factories.region("Bogor", level=RegionLevel.REGENCY, parent_id=jabar.id)
    await factories.region("Gwangju", "KR", alternate_names=["광주"])
    await factories.region("Gwangju", "KR", RegionLevel.COUNTY)

    async def names(**flt: object) -> list[str]:
        page = (await gql.ok(CITY_PAGE, first=50, filter=flt))["cities"]
        assert page["totalCount"] == len(page["edges"])
        return [e["node"]["name"] for e in page["edges"]]

    assert await names(countryCode="KR") == ["Gwangju", "Gwangju"]
    assert await names(parentId=gid("City", jabar.id)) == ["Bandung", "Bogor"]
    assert await names(level="REGENCY") == ["Bogor"]
    assert await names(level="PROVINCE") == ["Jawa Barat"]
    assert await names(search="paris VAN") == ["Bandung"]
    assert await names(search="광주") == ["Gwangju"]
    assert await names(search="gwangju", level="COUNTY") == ["Gwangju"]
    assert await names(search="jawa", countryCode="ID") == ["Jawa Barat"]
    assert await names(search="nowhere") == []
    assert bandung.parent_id == jabar.id


@pytest.fixture
async def pairs(db: str) -> dict[str, Partnership]:
    """Bandung-Braunschweig (sister city, education; signed 2025), Surabaya-Kitakyushu
    (environment, exploration), Medan-Gwangju (friendship, abandoned)."""
    bandung = await factories.region("Bandung")
    signed = await factories.at_stage(Stage.IMPLEMENTATION)  # Bandung/Braunschweig (new cities)
    sby = await factories.region("Surabaya")
    kk = await factories.region("Kitakyushu", "JP")
    explored = await factories.propose(sby, kk, areas=[Area.ENVIRONMENT, Area.ECONOMY])
    await factories.document(explored, DocumentType.OFFER_LETTER)
    explored = await factories.advance(explored, Stage.EXPLORATION)
    medan = await factories.region("Medan")
    gwangju = await factories.region("Gwangju", "KR")
    closed = await factories.propose(medan, gwangju, kind=PartnershipKind.FRIENDSHIP,
                                     areas=[Area.CULTURE])  # fmt: skip
    closed = await partnerships.abandon(
        partnership_id=closed.id, expected_version=closed.version, reason="x", actor="t"
    )
    return {"signed": signed, "explored": explored, "closed": closed, "bandung": bandung,
            "sby": sby, "kk": kk}  # fmt: skip


PARTNERSHIPS = """query($filter: PartnershipFilter) { partnerships(first: 100, filter: $filter) {
  totalCount edges { node { id } } } }"""


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({}, ["signed", "explored", "closed"]),
        ({"stage": "EXPLORATION"}, ["explored"]),
        ({"stage": "IMPLEMENTATION"}, ["signed"]),
        ({"status": "ABANDONED"}, ["closed"]),
        ({"status": "ACTIVE"}, ["signed"]),
        ({"kind": "FRIENDSHIP"}, ["closed"]),
        ({"kind": "SISTER_CITY"}, ["signed", "explored"]),
        ({"area": "ENVIRONMENT"}, ["explored"]),
        ({"area": "EDUCATION"}, ["signed"]),
        ({"area": "HEALTH"}, []),
        ({"countryCode": "jp"}, ["explored"]),
        ({"countryCode": "ID"}, ["signed", "explored", "closed"]),
        ({"countryCode": "KR", "status": "IN_PREPARATION"}, []),
        ({"signedYear": 2025}, ["signed"]),
        ({"signedYear": 2024}, []),
        ({"stage": "EXPLORATION", "kind": "SISTER_CITY", "area": "ECONOMY"}, ["explored"]),
    ],
)
async def test_partnership_filters(gql, pairs, flt, expected) -> None:
    page = (await gql.ok(PARTNERSHIPS, filter=flt))["partnerships"]
    assert [e["node"]["id"] for e in page["edges"]] == [
        gid("Partnership", pairs[name].id) for name in expected
    ]
    assert page["totalCount"] == len(expected)


async def test_partnership_filter_by_dormancy(gql, pairs) -> None:
    """The watch's flag: dormant true lists the flagged one only, false the others."""
    flagged = pairs["signed"]
    await Partnership.filter(id=flagged.id).update(dormant_since=date(2025, 1, 1))

    async def ids(dormant: bool) -> list[str]:
        page = await gql.ok(PARTNERSHIPS, filter={"dormant": dormant})
        return [e["node"]["id"] for e in page["partnerships"]["edges"]]

    assert await ids(True) == [gid("Partnership", flagged.id)]
    assert await ids(False) == [
        gid("Partnership", pairs[name].id) for name in ("explored", "closed")
    ]


async def test_partnership_filter_by_region_on_either_side(gql, pairs) -> None:
    for region, expected in (("sby", ["explored"]), ("kk", ["explored"]), ("bandung", [])):
        page = await gql.ok(PARTNERSHIPS, filter={"regionId": gid("City", pairs[region].id)})
        assert [e["node"]["id"] for e in page["partnerships"]["edges"]] == [
            gid("Partnership", pairs[name].id) for name in expected
        ]


async def test_program_filters(gql, pairs) -> None:
    signed, explored = pairs["signed"], pairs["explored"]
    made = {}
    for key, p, area, kind, status, start, end in [
        ("a", signed, Area.EDUCATION, ProgramType.STUDENT_EXCHANGE, ProgramStatus.ONGOING,
         date(2024, 3, 1), date(2025, 2, 1)),
        ("b", signed, Area.CULTURE, ProgramType.CULTURAL_FESTIVAL, ProgramStatus.PLANNED,
         date(2026, 1, 1), None),
        ("c", explored, Area.ENVIRONMENT, ProgramType.TECHNICAL_PROJECT, ProgramStatus.COMPLETED,
         date(2022, 1, 1), date(2022, 12, 31)),
    ]:  # fmt: skip
        made[key] = await programs.create_program(
            partnership_id=p.id, title=key, area=area, type=kind, status=status,
            starts_on=start, ends_on=end, actor="t",
        )  # fmt: skip
    q = """query($filter: ProgramFilter) { programs(filter: $filter) { totalCount
           edges { node { title } } } }"""
    cases = [
        ({"area": "CULTURE"}, ["b"]),
        ({"type": "TECHNICAL_PROJECT"}, ["c"]),
        ({"status": "ONGOING"}, ["a"]),
        ({"year": 2025}, ["a"]),
        ({"year": 2024}, ["a"]),
        ({"year": 2030}, ["b"]),
        ({"year": 2023}, []),
        ({"partnershipId": gid("Partnership", signed.id)}, ["a", "b"]),
        ({"partnershipId": gid("Partnership", explored.id), "area": "CULTURE"}, []),
        ({}, ["a", "b", "c"]),
    ]
    for flt, expected in cases:
        page = (await gql.ok(q, filter=flt))["programs"]
        assert [e["node"]["title"] for e in page["edges"]] == expected, flt
        assert page["totalCount"] == len(expected), flt


NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on City { name } ... on Partnership { stage } ... on Program { title } } }"""


async def test_node_returns_the_right_type_and_null_when_gone(gql, pairs) -> None:
    program = await programs.create_program(
        partnership_id=pairs["explored"].id, title="Clean river", area=Area.ENVIRONMENT,
        type=ProgramType.TECHNICAL_PROJECT, actor="t",
    )  # fmt: skip
    for kind, pk, field, value in [
        ("City", pairs["kk"].id, "name", "Kitakyushu"),
        ("Partnership", pairs["explored"].id, "stage", "EXPLORATION"),
        ("Program", program.id, "title", "Clean river"),
    ]:
        node = (await gql.ok(NODE, id=gid(kind, pk)))["node"]
        assert node == {"__typename": kind, "id": gid(kind, pk), field: value}
    for kind in ("City", "Partnership", "Program"):
        assert (await gql.ok(NODE, id=gid(kind, 424242)))["node"] is None
    lonely = await factories.region("Nowhere", "NZ")
    assert (await gql.ok(NODE, id=gid("City", lonely.id)))["node"]["name"] == "Nowhere"
    await lonely.delete()
    assert (await gql.ok(NODE, id=gid("City", lonely.id)))["node"] is None
    # The id of one type never finds another type's row with the same number.
    assert program.id != pairs["kk"].id
    assert (await gql.ok(NODE, id=gid("Program", pairs["kk"].id)))["node"] is None


MISSING = """query($id: ID!, $to: Stage!) { node(id: $id) { ... on Partnership {
  missingFor(to: $to) { field code } } } }"""


async def test_missing_for_lists_exactly_the_blockers_until_recorded(gql) -> None:
    n = await factories.at_stage(Stage.NEGOTIATION)
    pid = gid("Partnership", n.id)

    async def missing(to: str = "IMPLEMENTATION") -> list[tuple[str, str]]:
        node = (await gql.ok(MISSING, id=pid, to=to))["node"]
        return [(e["field"], e["code"]) for e in node["missingFor"]]

    assert await missing() == [
        ("documents.work_plan", "DOCUMENT_MISSING"),
        ("approvals.dprd", "APPROVAL_MISSING"),
        ("approvals.kemendagri_verification", "APPROVAL_MISSING"),
        ("approvals.government_approval", "APPROVAL_MISSING"),
        ("approvals.full_powers", "APPROVAL_MISSING"),
        ("documents.signed_agreement", "DOCUMENT_MISSING"),
    ]
    assert await missing("EVALUATION") == [("to", "TRANSITION_NOT_ALLOWED")]
    await factories.document(n, DocumentType.WORK_PLAN)
    for kind in SIGNING_APPROVALS[:2]:
        await records.record_approval(
            partnership_id=n.id, type=kind, decision=Decision.APPROVED, actor="t"
        )
    assert await missing() == [
        ("approvals.government_approval", "APPROVAL_MISSING"),
        ("approvals.full_powers", "APPROVAL_MISSING"),
        ("documents.signed_agreement", "DOCUMENT_MISSING"),
    ]
    await records.record_approval(
        partnership_id=n.id, type=ApprovalType.GOVERNMENT_APPROVAL, decision=Decision.APPROVED,
        actor="t",
    )  # fmt: skip
    await records.record_approval(
        partnership_id=n.id, type=ApprovalType.FULL_POWERS, decision=Decision.APPROVED, actor="t"
    )
    await factories.document(
        n, DocumentType.SIGNED_AGREEMENT, issued_on=date(2025, 1, 10),
        valid_from=date(2025, 1, 10), valid_until=date(2030, 1, 9),
    )  # fmt: skip
    assert await missing() == []
    # ...and the advance it predicted really succeeds.
    data = await gql.ok(
        """mutation($id: ID!, $v: Int!) { advanceStage(input: {id: $id, to: IMPLEMENTATION,
           expectedVersion: $v}) { partnership { status } errors { code } } }""",
        id=pid, v=n.version,
    )  # fmt: skip
    assert data["advanceStage"] == {"partnership": {"status": "ACTIVE"}, "errors": []}


async def test_graphiql_in_a_browser(gql) -> None:
    response = await gql.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
