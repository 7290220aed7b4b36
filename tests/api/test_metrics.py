"""/metrics: Prometheus text with requests and latency by GraphQL operation, errors by code and
the outbox backlog; label values stay bounded."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from api.metrics import OTHER, BoundedLabels, operation_name
from core import clock
from tests import factories
from tests.api.conftest import GraphQLClient


async def scrape(client: GraphQLClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_and_latency_are_counted_by_operation_name(gql: GraphQLClient) -> None:
    labels = {"route": "/graphql", "method": "POST", "status": "200", "operation": "CityCount"}
    before = await scrape(gql)
    await gql.ok("query CityCount { cities { totalCount } }")
    await gql.ok("query CityCount { cities { totalCount } }")
    await gql.ok("{ cities { totalCount } }")
    after = await scrape(gql)
    requests = "kembar_http_requests_total"
    assert value(after, requests, **labels) - value(before, requests, **labels) == 2
    assert value(after, requests, **{**labels, "operation": "anonymous"}) == 1
    latency = "kembar_http_request_duration_seconds_count"
    assert value(after, latency, route="/graphql", operation="CityCount") == 2
    assert value(after, "kembar_http_request_duration_seconds_sum", route="/graphql",
                 operation="CityCount") > 0  # fmt: skip
    # the scrape itself is counted too
    assert value(after, requests, route="/metrics", method="GET", status="200", operation="") >= 1


async def test_errors_are_counted_by_code(gql: GraphQLClient) -> None:
    before = await scrape(gql)
    body = await gql('query BadPage { cities(after: "garbage") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    await gql("query Broken { noSuchField }")  # a validation error: no code of ours
    after = await scrape(gql)
    errors = "kembar_graphql_errors_total"
    assert value(after, errors, code="INVALID") - value(before, errors, code="INVALID") == 1
    assert value(after, errors, code="unknown") - value(before, errors, code="unknown") == 1
    assert value(after, "kembar_http_requests_total", route="/graphql", method="POST",
                 status="200", operation="BadPage") == 1  # fmt: skip


async def test_error_responses_written_outside_graphql_are_counted(client_as) -> None:
    client = await client_as(None, max_body_bytes=64)
    response = await client.http.post("/graphql", json={"query": "{ cities { totalCount } }" * 9})
    assert response.status_code == 413
    after = await scrape(client)
    assert value(after, "kembar_graphql_errors_total", code="BODY_TOO_LARGE") == 1


async def test_the_outbox_backlog_is_read_at_scrape_time(gql: GraphQLClient) -> None:
    empty = await scrape(gql)
    assert value(empty, "kembar_outbox_backlog_up") == 1
    assert value(empty, "kembar_outbox_unsent") == 0
    assert value(empty, "kembar_outbox_oldest_unsent_age_seconds") == 0
    start = clock.now()
    try:
        clock.freeze(start - timedelta(minutes=5))
        await factories.pair()
        clock.freeze(start)
        waiting = await scrape(gql)
    finally:
        clock.freeze(None)
    assert value(waiting, "kembar_outbox_unsent") == 1
    assert 299 <= value(waiting, "kembar_outbox_oldest_unsent_age_seconds") <= 301


def test_operation_names_come_from_the_request_or_the_only_named_operation() -> None:
    assert operation_name("query A { x } query B { y }", "B") == "B"
    assert operation_name("# query Commented\nmutation Save { x }", None) == "Save"
    assert operation_name("fragment F on City { id } query Q { ...F }", None) == "Q"
    assert operation_name("query A { x } query B { y }", None) is None
    assert operation_name("{ x }", None) is None


def test_label_values_are_bounded() -> None:
    labels = BoundedLabels(limit=2)
    assert [labels(n) for n in ("One", "Two", "Three", "One")] == ["One", "Two", OTHER, "One"]
    assert labels("anonymous") == "anonymous" and labels("unknown") == "unknown"
    assert BoundedLabels()("x" * 65) == OTHER
    assert BoundedLabels()("not-a-name") == OTHER
    assert BoundedLabels()("1abc") == OTHER


async def test_many_operation_names_collapse_to_other(gql: GraphQLClient) -> None:
    for i in range(205):
        await gql.ok(f"query Op{i} {{ cities {{ totalCount }} }}")
    after = await scrape(gql)
    operations = {
        dict(labels)["operation"]
        for (name, labels) in after
        if name == "kembar_http_requests_total" and dict(labels)["route"] == "/graphql"
    }
    assert len(operations) == 201 and OTHER in operations
    other = {"route": "/graphql", "method": "POST", "status": "200", "operation": OTHER}
    assert value(after, "kembar_http_requests_total", **other) == 5
