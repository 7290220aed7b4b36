"""portfolioStatistics, Partnership.health and Partnership.dormantSince through the GraphQL API."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date

import pytest

from core.models import Partnership
from core.policy import Role
from tests import factories
from tests.integration.test_statistics import TODAY, build


@pytest.fixture(autouse=True)
def today() -> Iterator[date]:
    with factories.frozen(TODAY):
        yield TODAY


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


STATS = """query($regionId: ID) { portfolioStatistics(regionId: $regionId) {
  asOf partnerships region { name }
  byStage { stage partnerships } byStatus { status partnerships }
  byCountry { countryCode name partnerships } byArea { area partnerships }
  bySignedYear { year partnerships } programs
  programsByArea { area programs budget { currency amount } }
  programsByFundingSource { fundingSource programs budget { currency amount } }
  participantsByYear { year activities inbound outbound }
  dormant expiringWithin6Months } }"""


async def test_whole_country(gql, db) -> None:
    await build()
    s = (await gql.ok(STATS))["portfolioStatistics"]
    assert (s["asOf"], s["partnerships"], s["region"]) == (TODAY.isoformat(), 5, None)
    assert s["byStage"] == [
        {"stage": "EXPLORATION", "partnerships": 1}, {"stage": "IDENTIFICATION", "partnerships": 2},
        {"stage": "IMPLEMENTATION", "partnerships": 2},
    ]  # fmt: skip
    assert {r["status"]: r["partnerships"] for r in s["byStatus"]} == {
        "ABANDONED": 1, "ACTIVE": 2, "IN_PREPARATION": 2
    }  # fmt: skip
    assert s["byCountry"][0] == {"countryCode": "JP", "name": "Japan", "partnerships": 2}
    assert s["bySignedYear"] == [
        {"year": 2024, "partnerships": 1}, {"year": 2025, "partnerships": 1}
    ]  # fmt: skip
    assert s["programs"] == 4
    assert s["programsByArea"][0] == {
        "area": "CULTURE", "programs": 1, "budget": [{"currency": "EUR", "amount": "50.00"}]
    }  # fmt: skip
    assert s["programsByFundingSource"][-1] == {"fundingSource": None, "programs": 1, "budget": []}
    assert s["participantsByYear"] == [
        {"year": 2025, "activities": 1, "inbound": 10, "outbound": 0},
        {"year": 2026, "activities": 3, "inbound": 7, "outbound": 6},
    ]
    assert (s["dormant"], s["expiringWithin6Months"]) == (1, 1)


async def test_one_province_and_what_anonymous_callers_see(gql, client_as, db) -> None:
    w = await build()
    s = (await gql.ok(STATS, regionId=gid("City", w.jabar.id)))["portfolioStatistics"]
    assert (s["region"], s["partnerships"], s["programs"]) == ({"name": "Jawa Barat"}, 4, 2)
    anonymous = await client_as(None)
    s = (await anonymous.ok(STATS, regionId=gid("City", w.jabar.id)))["portfolioStatistics"]
    assert (s["partnerships"], s["byStatus"]) == (1, [{"status": "ACTIVE", "partnerships": 1}])


@pytest.mark.parametrize(
    ("region", "code"),
    [
        (gid("Partnership", 1), "INVALID"),  # another type's id
        (gid("City", 0), "INVALID"),  # no row can have it
        (gid("City", 99999), "NOT_FOUND"),
    ],
)
async def test_a_bad_region_is_a_typed_error(gql, db, region: str, code: str) -> None:
    body = await gql(STATS, regionId=region)
    assert body.get("data") is None or body["data"]["portfolioStatistics"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["field"] == "regionId", error


async def test_a_garbled_region_id_is_refused_in_words(gql, db) -> None:
    body = await gql(STATS, regionId="not-a-global-id")
    assert body.get("data") is None or body["data"]["portfolioStatistics"] is None
    assert "GlobalID" in body["errors"][0]["message"], body  # not an "internal error"


HEALTH = """{ partnerships(first: 10) { edges { node { dormantSince
  health { score components { name score weight detail detailId } } } } } }"""


async def test_health_and_dormancy_on_the_partnerships_list(gql, client_as, db) -> None:
    w = await build()
    nodes = [e["node"] for e in (await gql.ok(HEALTH))["partnerships"]["edges"]]
    assert len(nodes) == 5
    by_id = dict(zip(sorted(p.id for p in await Partnership.all()), nodes, strict=True))
    bandung = by_id[w.p_bandung.id]
    assert bandung["dormantSince"] is not None
    names = [c["name"] for c in bandung["health"]["components"]]
    assert names == ["activity_recency", "programs", "participants", "evaluation", "stage_time"]
    assert 0 <= bandung["health"]["score"] <= 100
    parts = {c["name"]: c for c in bandung["health"]["components"]}
    assert parts["programs"]["score"] == 80  # two programs not cancelled
    assert parts["participants"]["score"] == 12  # 6 people since June 2025: 2 points each
    assert "Aktivitas terakhir" in parts["activity_recency"]["detailId"]
    assert by_id[w.p_jabar.id]["health"] is None  # abandoned
    preparing = by_id[w.p_bogor.id]["health"]
    assert [c["name"] for c in preparing["components"]] == ["activity_recency", "stage_time"]

    viewer = await client_as(Role.VIEWER)
    seen = [e["node"]["health"] for e in (await viewer.ok(HEALTH))["partnerships"]["edges"]]
    assert sum(health is not None for health in seen) == 4  # all but the abandoned one
    public = await client_as(None)
    shown = [e["node"] for e in (await public.ok(HEALTH))["partnerships"]["edges"]]
    assert shown and all(node["health"] is None for node in shown)
    assert any(node["dormantSince"] is not None for node in shown)  # public, like the status
