"""GraphQL exposure of what the workers keep: metrics, evaluations (and filling one in), and the
admins' view of the outbox backlog and dead letters."""

from __future__ import annotations

from strawberry.relay import to_base64
from tortoise.transactions import in_transaction

from core.policy import Role
from core.services import evaluations, metrics
from core.stages import Stage
from tests import factories

PARTNERSHIP = """query($id: ID!) { node(id: $id) { ... on Partnership {
  metrics { programs participantsInbound timeInStage { stage seconds } }
  evaluations { id round recommendation findings score version closedAt kpi } } } }"""

FILL = """mutation($input: FillEvaluationInput!) { fillEvaluation(input: $input) {
  evaluation { recommendation findings score filledBy version }
  errors { field code message } } }"""


async def _as_workers_would(partnership_id: int) -> None:
    """What the `metrics.refresh` and `evaluations.track` actors do for an event."""
    async with in_transaction():
        await metrics.refresh(partnership_id=partnership_id)
        await evaluations.track(partnership_id=partnership_id)


async def test_metrics_and_an_open_evaluation_are_exposed_and_filled_in(gql) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await _as_workers_would(p.id)
    data = await gql.ok(PARTNERSHIP, id=to_base64("Partnership", p.id))
    node = data["node"]
    assert node["metrics"]["programs"] == 0
    assert {t["stage"] for t in node["metrics"]["timeInStage"]} >= {"IDENTIFICATION", "EVALUATION"}
    [evaluation] = node["evaluations"]
    assert evaluation["closedAt"] is None and evaluation["recommendation"] is None

    filled = await gql.ok(
        FILL,
        input={
            "id": evaluation["id"],
            "expectedVersion": evaluation["version"],
            "recommendation": "REVISE",
            "findings": "Exchanges below plan; revise the plan of action",
            "score": 62,
        },
    )
    assert filled["fillEvaluation"]["errors"] == []
    assert filled["fillEvaluation"]["evaluation"]["recommendation"] == "REVISE"
    assert filled["fillEvaluation"]["evaluation"]["score"] == 62

    stale = await gql.ok(
        FILL, input={"id": evaluation["id"], "expectedVersion": evaluation["version"], "score": 1}
    )
    assert [(e["field"], e["code"]) for e in stale["fillEvaluation"]["errors"]] == [
        ("expectedVersion", "CONFLICT")
    ]
    out_of_range = await gql.ok(FILL, input={"id": evaluation["id"], "score": 101})
    assert [e["code"] for e in out_of_range["fillEvaluation"]["errors"]] == ["INVALID"]
    wrong_type = await gql.ok(FILL, input={"id": to_base64("Partnership", p.id), "score": 5})
    assert [e["code"] for e in wrong_type["fillEvaluation"]["errors"]] == ["INVALID"]


async def test_evaluations_are_internal_and_filled_only_by_the_regions_officer(client_as) -> None:
    p = await factories.at_stage(Stage.EVALUATION)
    await _as_workers_would(p.id)
    [record] = await evaluations.list_evaluations(partnership_id=p.id)
    evaluation_id = to_base64("Evaluation", record.id)

    anonymous = await client_as(None)
    hidden = await anonymous.ok(PARTNERSHIP, id=to_base64("Partnership", p.id))
    assert hidden["node"]["evaluations"] == []  # signed partnership is public; evaluations not
    assert (await anonymous.ok("query($id: ID!) { node(id: $id) { id } }", id=evaluation_id))[
        "node"
    ] is None

    other = await factories.city("Surabaya")
    stranger = await client_as(Role.OFFICER, regions=(other.id,))
    refused = await stranger.ok(FILL, input={"id": evaluation_id, "score": 10})
    assert [e["code"] for e in refused["fillEvaluation"]["errors"]] == ["FORBIDDEN"]
    officer = await client_as(Role.OFFICER, regions=(p.indonesian_region_id,))
    accepted = await officer.ok(FILL, input={"id": evaluation_id, "score": 10})
    assert accepted["fillEvaluation"]["evaluation"]["score"] == 10
    [after] = await evaluations.list_evaluations(partnership_id=p.id)
    assert after.score == 10 and after.filled_by is not None


async def test_admins_see_the_outbox_backlog_and_others_do_not(gql, client_as) -> None:
    await factories.pair()  # one proposal: one unsent outbox event
    query = "{ outboxBacklog { unsent oldestAgeSeconds failing } deadLetters { queue } }"
    data = await gql.ok(query)
    assert data["outboxBacklog"]["unsent"] == 1
    assert data["outboxBacklog"]["oldestAgeSeconds"] >= 0
    assert data["deadLetters"] == []  # no Redis configured in API tests: nothing to list
    viewer = await client_as(Role.VIEWER)
    assert (await viewer.ok(query))["outboxBacklog"] is None
    refused = await viewer.ok("mutation { replayDeadLetters { replayed errors { code } } }")
    assert refused["replayDeadLetters"]["errors"][0]["code"] == "FORBIDDEN"
