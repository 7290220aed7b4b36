"""Bad input never gives HTTP 500 or a traceback: GraphQL rejects it, or a coded error names the
field; an unexpected exception is masked as "internal error" and nothing is half-written."""

from __future__ import annotations

import base64
import json

import pytest

from core.services import partnerships as partnership_service
from tests import factories
from tests.api.test_mutations import gid, written


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def post(gql, query: str, **variables: object) -> dict:
    response = await gql.http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code in (200, 400), response.text
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    body = response.json()
    assert body.get("errors"), body
    return body


PAGE = "{ partnerships(%s) { totalCount edges { node { id } } } }"
# INVALID; page sizes over the limit may carry the more specific PAGE_SIZE_LIMIT code.
REFUSED = {"INVALID", "PAGE_SIZE_LIMIT"}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ("first: 101", "first"),
        ("last: 101", "last"),
        ("first: -1", "first"),
        ("last: -5", "last"),
        ("first: 1, last: 1", "last"),
        ('after: "not a cursor"', "after"),
        ('after: "' + b64("kc:abc") + '"', "after"),
        ('after: "' + b64("xx:5") + '"', "after"),
        ('before: "' + b64("kc:99999999999999999999") + '"', "before"),
        ('before: "%%%"', "before"),
        ("filter: {signedYear: 0}", "filter.signedYear"),
        ("filter: {signedYear: 2000000000}", "filter.signedYear"),
        ('filter: {countryCode: "IDN"}', "filter.countryCode"),
        ('filter: {regionId: "' + b64("Partnership:1") + '"}', "filter.regionId"),
        ('filter: {regionId: "' + b64("City:abc") + '"}', "filter.regionId"),
        ('filter: {regionId: "' + b64("City:99999999999") + '"}', "filter.regionId"),
    ],
)
async def test_coded_query_errors(gql, args, field) -> None:
    await factories.pair()
    body = await post(gql, PAGE % args)
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["field"] == field
    assert error["extensions"]["code"] in REFUSED
    assert error.get("path", ["partnerships"]) == ["partnerships"]
    assert error["message"] != "internal error"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ cities(first: 500) { totalCount } }", "first"),
        ('{ cities(filter: {parentId: "' + b64("Program:1") + '"}) { totalCount } }',
         "filter.parentId"),
        ('{ cities(filter: {countryCode: "Indonesia"}) { totalCount } }', "filter.countryCode"),
        ("{ programs(filter: {year: 10000}) { totalCount } }", "filter.year"),
        ('{ programs(filter: {partnershipId: "' + b64("City:1") + '"}) { totalCount } }',
         "filter.partnershipId"),
        ('{ programs(after: "' + b64("kc:-1x") + '") { totalCount } }', "after"),
    ],
)  # fmt: skip
async def test_coded_errors_on_the_other_connections(gql, query, field) -> None:
    body = await post(gql, query)
    assert body["errors"][0]["extensions"]["field"] == field
    assert body["errors"][0]["extensions"]["code"] in REFUSED


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        ("query($id: ID!) { node(id: $id) { id } }", {"id": "garbage"}, "GlobalID"),
        ("query($id: ID!) { node(id: $id) { id } }", {"id": b64("Nope:1")}, "Nope"),
        ("{ partnerships(first: 99999999999) { totalCount } }", {}, "32-bit"),
        ("{ partnerships(filter: {stage: SIGNED}) { totalCount } }", {}, "SIGNED"),
        ('{ partnerships(filter: {kind: "SISTER_CITY"}) { totalCount } }', {}, "PartnershipKind"),
        ("query($f: PartnershipFilter) { partnerships(filter: $f) { totalCount } }",
         {"f": {"area": "MINING"}}, "MINING"),
        ("query($f: ProgramFilter) { programs(filter: $f) { totalCount } }",
         {"f": {"year": 2**40}}, "32-bit"),
        ("mutation($i: RecordActivityInput!) { recordActivity(input: $i) { errors { code } } }",
         {"i": {"programId": b64("Program:1"), "occurredOn": "2025-02-30", "direction": "INBOUND",
                "participants": 1}}, "Date"),
        ("mutation($i: RecordActivityInput!) { recordActivity(input: $i) { errors { code } } }",
         {"i": {"programId": b64("Program:1"), "occurredOn": "yesterday", "direction": "INBOUND",
                "participants": 1}}, "Date"),
        ("mutation($i: RecordActivityInput!) { recordActivity(input: $i) { errors { code } } }",
         {"i": {"programId": b64("Program:1"), "occurredOn": "2025-01-01", "direction": "INBOUND",
                "participants": 2**31}}, "32-bit"),
        ("mutation($i: CreateCityInput!) { createCity(input: $i) { errors { code } } }",
         {"i": {"name": "X", "level": "VILLAGE", "countryCode": "ID"}}, "VILLAGE"),
        ("mutation($i: CreateCityInput!) { createCity(input: $i) { errors { code } } }",
         {"i": {"name": "X", "level": "CITY", "countryCode": "ID", "population": 10**12}},
         "32-bit"),
        ("mutation($i: CreateProgramInput!) { createProgram(input: $i) { errors { code } } }",
         {"i": {"partnershipId": b64("Partnership:1"), "title": "t", "area": "HEALTH",
                "type": "GRANT", "budget": "lots"}}, "Decimal"),
        ("{ partnerships { edges { node { nope } } } }", {}, "nope"),
        ("{ partnerships { ", {}, "Syntax"),
    ],
)  # fmt: skip
async def test_rejected_by_graphql_itself(gql, query, variables, words) -> None:
    await factories.pair()
    before = await written()
    body = await post(gql, query, **variables)
    assert words in json.dumps(body["errors"])
    assert all(e["message"] != "internal error" for e in body["errors"])
    assert await written() == before


async def test_budgets_out_of_range_are_typed_errors(gql) -> None:
    p = await factories.pair()
    q = """mutation($i: CreateProgramInput!) { createProgram(input: $i) { program { id }
           errors { field code } } }"""
    for budget in ("-1", "-1e30", "1e17", "Infinity", "-Infinity", "NaN", "sNaN"):
        before = await written()
        data = (
            await gql.ok(q, i={"partnershipId": gid("Partnership", p.id), "title": "t",
                               "area": "HEALTH", "type": "GRANT", "budget": budget})
        )["createProgram"]  # fmt: skip
        assert data == {"program": None, "errors": [{"field": "budget", "code": "INVALID"}]}, budget
        assert await written() == before
    top = (
        await gql.ok(q, i={"partnershipId": gid("Partnership", p.id), "title": "t",
                           "area": "HEALTH", "type": "GRANT", "budget": "9999999999999999.99"})
    )["createProgram"]  # fmt: skip
    assert top["errors"] == []


async def test_malformed_node_ids_give_null(gql) -> None:
    city = await factories.city("Bandung")
    for node_id in (
        b64("City:abc"), b64("City:"), b64("City:99999999999"), b64("City:-1"),
        b64("Account:99999999999"), b64("Account:abc"), b64("Subscriber:99999999999"),
        b64("Delivery:99999999999"),
    ):  # fmt: skip
        body = await gql(" query($id: ID!) { node(id: $id) { id } }", id=node_id)
        assert body["data"] == {"node": None} and "errors" not in body, node_id
    assert await gql.ok("query($id: ID!) { node(id: $id) { id } }", id=gid("City", city.id))


async def test_depth_limit(gql) -> None:
    await factories.pair()
    # 13 levels through single objects only (so no page-size or cost limit is what refuses it).
    nested = "parent { " * 8 + "name " + "} " * 8
    deep = "{ partnerships(first: 1) { edges { node { indonesianRegion { " + nested + "} } } } }"
    body = await post(gql, deep)
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert "data" not in body or body["data"] is None
    shallow = "{ partnerships { edges { node { indonesianRegion { name } } } } }"
    assert (await gql.ok(shallow))["partnerships"]["edges"][0]["node"]["indonesianRegion"] == {
        "name": "Bandung"
    }


async def test_unexpected_exception_is_masked(gql, monkeypatch) -> None:
    p = await factories.pair()

    async def boom(**kwargs: object) -> None:
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(partnership_service, "update_details", boom)
    before = await written()
    response = await gql.http.post(
        "/graphql",
        json={"query": """mutation($id: ID!) { updatePartnership(input: {id: $id,
              description: "x"}) { partnership { id } errors { code } } }""",
              "variables": {"id": gid("Partnership", p.id)}},
    )  # fmt: skip
    assert response.status_code == 200
    assert "hunter2" not in response.text and "Traceback" not in response.text
    [error] = response.json()["errors"]
    assert error["message"] == "internal error"
    assert error["path"] == ["updatePartnership"]
    assert await written() == before

    async def search_boom(**kwargs: object) -> None:
        raise RuntimeError("db exploded")

    monkeypatch.setattr(partnership_service, "search", search_boom)
    body = await post(gql, "{ partnerships { totalCount } }")
    assert [e["message"] for e in body["errors"]] == ["internal error"]
    assert "db exploded" not in json.dumps(body)


async def test_not_json_and_wrong_methods_are_not_500(gql) -> None:
    for content in (b"{not json", b"[]", b'{"query": 5}', b""):
        response = await gql.http.post(
            "/graphql", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code in (400, 415, 422), (content, response.status_code)
        assert "Traceback" not in response.text


async def test_a_nul_character_is_a_typed_error_not_an_internal_one(gql) -> None:
    home = await factories.city("Bogor")
    away = await factories.city("Nagaoka", "JP")
    body = await gql.ok(
        """mutation($input: ProposePartnershipInput!) { proposePartnership(input: $input) {
             partnership { id } errors { field code } } }""",
        input={
            "indonesianRegionId": gid("City", home.id),
            "foreignRegionId": gid("City", away.id),
            "kind": "SISTER_CITY",
            "description": "bad\u0000text",
        },
    )
    assert body["proposePartnership"] == {
        "partnership": None,
        "errors": [{"field": "description", "code": "INVALID"}],
    }
