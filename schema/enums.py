"""The domain's vocabularies as GraphQL enums (names in GraphQL, values stored in the database)."""

from __future__ import annotations

import strawberry

from core import enums, stages
from core import errors as domain_errors

RegionLevel = strawberry.enum(enums.RegionLevel)
PartnershipKind = strawberry.enum(enums.PartnershipKind)
Area = strawberry.enum(enums.Area, description="Area of cooperation (PP 28/2018)")
DocumentType = strawberry.enum(enums.DocumentType)
ApprovalType = strawberry.enum(enums.ApprovalType)
Decision = strawberry.enum(enums.Decision)
ProgramType = strawberry.enum(enums.ProgramType)
FundingSource = strawberry.enum(enums.FundingSource)
ProgramStatus = strawberry.enum(enums.ProgramStatus)
Direction = strawberry.enum(enums.Direction)
Stage = strawberry.enum(stages.Stage, description="The five stages of a partnership")
PartnershipStatus = strawberry.enum(stages.Status, name="PartnershipStatus")
TransitionAction = strawberry.enum(stages.Action, name="TransitionAction")
ErrorCode = strawberry.enum(domain_errors.ErrorCode)
