"""Officers fill in an evaluation's findings, recommendation and score."""

from __future__ import annotations

import strawberry
from strawberry import relay

from core.services import evaluations as evaluation_service
from schema.context import Info
from schema.errors import UserError
from schema.ids import db_id
from schema.mutations.payload import run
from schema.permissions import ManagesEvaluation
from schema.types.evaluation import Evaluation, Recommendation


@strawberry.input(description="Fields left out (or null) stay as they are")
class FillEvaluationInput:
    id: relay.GlobalID
    expected_version: int | None = None
    findings: str | None = None
    recommendation: Recommendation | None = None
    score: int | None = strawberry.field(default=None, description="0 to 100")


@strawberry.type
class EvaluationPayload:
    evaluation: Evaluation | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(permission_classes=[ManagesEvaluation])
    async def fill_evaluation(self, info: Info, input: FillEvaluationInput) -> EvaluationPayload:
        return await run(
            EvaluationPayload,
            "evaluation",
            Evaluation.from_model,
            lambda: evaluation_service.fill_evaluation(
                evaluation_id=db_id(input.id, "Evaluation", "id"),
                expected_version=input.expected_version,
                findings=input.findings,
                recommendation=input.recommendation,
                score=input.score,
                actor=info.context.actor,
            ),
        )
