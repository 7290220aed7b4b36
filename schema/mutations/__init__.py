"""The Mutation root, merged from one class per aggregate."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.mutations.accounts import AccountMutations
from schema.mutations.cities import CityMutations
from schema.mutations.evaluations import EvaluationMutations
from schema.mutations.partnerships import PartnershipMutations
from schema.mutations.programs import ProgramMutations
from schema.mutations.records import RecordMutations
from schema.mutations.subscribers import SubscriberMutations
from schema.operations import OperationsMutations

Mutation = merge_types(
    "Mutation",
    (
        CityMutations,
        PartnershipMutations,
        RecordMutations,
        ProgramMutations,
        EvaluationMutations,
        AccountMutations,
        OperationsMutations,
        SubscriberMutations,
    ),
)
