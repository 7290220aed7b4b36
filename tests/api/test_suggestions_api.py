"""suggestPartners over the real ASGI app: shape, both locales, visibility, typed errors."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest

from core.enums import Area
from core.models import City
from core.policy import Role
from core.suggestions import index as city_index
from tests.api.conftest import ClientFactory, GraphQLClient
from tests.api.test_mutations import gid, written
from tests.integration.test_suggestions import build_world, twin

QUERY = """
query($region: ID!, $areas: [Area!], $countries: [String!], $first: Int!) {
  suggestPartners(regionId: $region, areas: $areas, countries: $countries, first: $first) {
    city { id name countryCode population }
    score
    factors { name score weight reasonId reasonEn }
    en: reasons
    id: reasons(locale: ID)
  }
}
"""


@pytest.fixture(autouse=True)
async def fresh_index(db: str) -> AsyncIterator[None]:
    city_index.forget()
    yield
    city_index.forget()


async def ask(client: GraphQLClient, region: City | str, **variables: object) -> dict:
    """suggestPartners for ``region`` (a city, or a global id as given)."""
    given = region if isinstance(region, str) else gid("City", region.id)
    values = {"region": given, "first": 10, **variables}
    return await client(QUERY, **values)


async def test_suggestions_with_factors_and_reasons_in_both_languages(
    client_as: ClientFactory,
) -> None:
    world = await build_world()
    await twin(world["Medan"], world["Gwangju"], [Area.EDUCATION])
    anonymous = await client_as(None)  # public, like cities
    body = await ask(anonymous, world["Surabaya"], countries=["KR"], first=3)
    assert "errors" not in body, body
    found = body["data"]["suggestPartners"]
    # Incheon (3.0 M) is nearer Surabaya's 3.0 M than Busan (3.3 M); Gwangju is twinned with Medan.
    assert [s["city"]["name"] for s in found] == ["Incheon", "Busan", "Gwangju"]
    busan = found[1]
    assert [f["name"] for f in busan["factors"]] == [
        "population", "climate", "coast", "areas", "network",
    ]  # fmt: skip
    assert sum(f["weight"] for f in busan["factors"]) == pytest.approx(1.0)
    assert busan["score"] == pytest.approx(
        sum(f["score"] * f["weight"] for f in busan["factors"]), abs=1e-3
    )
    population = busan["factors"][0]
    assert population["reasonEn"] == "Similar population (3.3 M vs 3 M)"
    assert population["reasonId"] == "Populasi serupa (3,3 jt vs 3 jt)"
    assert busan["en"][0] == population["reasonEn"] and busan["id"][0] == population["reasonId"]
    assert len(busan["en"]) == len(busan["id"]) == sum(f["score"] > 0 for f in busan["factors"])


async def test_anonymous_callers_see_no_links_through_unsigned_partnerships(
    client_as: ClientFactory,
) -> None:
    world = await build_world()
    await twin(world["Medan"], world["Gwangju"], [Area.EDUCATION])  # in preparation

    async def gwangju(client: GraphQLClient) -> dict:
        body = await ask(client, world["Surabaya"], countries=["KR"], areas=["EDUCATION"])
        [found] = [s for s in body["data"]["suggestPartners"] if s["city"]["name"] == "Gwangju"]
        return {f["name"]: f["score"] for f in found["factors"]}

    public = await gwangju(await client_as(None))
    signed_in = await gwangju(await client_as(Role.VIEWER))
    assert public["areas"] == 0 and public["network"] == 0
    assert signed_in["areas"] == 1 and signed_in["network"] > 0


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"first": 0}, "INVALID", "first"),
        ({"first": 51}, "INVALID", "first"),
        ({"countries": ["XX"]}, "NOT_FOUND", "countries"),
        ({"countries": ["Korea"]}, "INVALID", "countries"),
        ({"countries": ["ID"]}, "INVALID", "countries"),
        ({"region": b64("City:99999")}, "NOT_FOUND", "regionId"),
        ({"region": b64("City:abc")}, "INVALID", "regionId"),
        ({"region": b64("Partnership:1")}, "INVALID", "regionId"),
        ({"region": "Busan"}, "INVALID", "regionId"),
    ],
)
async def test_bad_arguments_are_coded_errors(
    client_as: ClientFactory, variables: dict, code: str, field: str
) -> None:
    world = await build_world()
    region = variables.pop("region", "Surabaya")
    before = await written()
    client = await client_as(None)
    body = await ask(client, world.get(region, region), **variables)
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)
    assert error["path"] == ["suggestPartners"]
    assert error["message"] != "internal error"
    assert await written() == before


async def test_graphql_itself_refuses_unknown_areas_and_locales(client_as: ClientFactory) -> None:
    world = await build_world()
    client = await client_as(None)
    body = await ask(client, world["Surabaya"], areas=["MINING"])
    assert "MINING" in str(body["errors"]) and body.get("data") is None
    region = gid("City", world["Surabaya"].id)
    body = await client(
        "query($r: ID!) { suggestPartners(regionId: $r) { reasons(locale: FR) } }", r=region
    )
    assert "FR" in str(body["errors"])
