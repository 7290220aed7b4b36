"""The Mutation root, merged from one class per aggregate."""

from __future__ import annotations

from strawberry.tools import merge_types

from schema.mutations.cities import CityMutations
from schema.mutations.partnerships import PartnershipMutations
from schema.mutations.programs import ProgramMutations
from schema.mutations.records import RecordMutations

Mutation = merge_types(
    "Mutation", (CityMutations, PartnershipMutations, RecordMutations, ProgramMutations)
)
