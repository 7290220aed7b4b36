"""Limits on what one request may ask for, each refused with its own ``extensions.code``."""

from __future__ import annotations

from enum import StrEnum


class LimitCode(StrEnum):
    DEPTH_LIMIT = "DEPTH_LIMIT"
    ALIAS_LIMIT = "ALIAS_LIMIT"
    TOKEN_LIMIT = "TOKEN_LIMIT"
    PAGE_SIZE_LIMIT = "PAGE_SIZE_LIMIT"
    COST_LIMIT = "COST_LIMIT"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    RATE_LIMITED = "RATE_LIMITED"  # HTTP 429, from api/ratelimit.py
    BODY_TOO_LARGE = "BODY_TOO_LARGE"  # HTTP 413, from api/bodylimit.py
