"""Depth and alias limits as validation rules built once per process.

strawberry's QueryDepthLimiter and MaxAliasesLimiter build a new rule class for every request,
so ValidationCache (keyed by the rules) never hits and every request is validated again; these
reuse one class each, so a repeated document is validated once.
"""

from __future__ import annotations

from strawberry.extensions import AddValidationRules
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

MAX_DEPTH = 10
MAX_ALIASES = 30

_RULES = (depth_rule(MAX_DEPTH, None, None), aliases_rule(MAX_ALIASES))


class DepthAndAliasLimits(AddValidationRules):
    """Refuse documents nested deeper than MAX_DEPTH or with more than MAX_ALIASES aliases."""

    def __init__(self) -> None:
        super().__init__(list(_RULES))
