"""Who is calling: the bearer token of an HTTP request or of a websocket's connection_init."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.policy import ANONYMOUS, Principal
from core.services import accounts as account_service


class InvalidToken(Exception):
    """A token was sent but stands for nobody (unknown, revoked, expired, deactivated)."""


def bearer(value: str | None) -> str | None:
    """The token in an ``Authorization: Bearer ...`` value; None when there is none."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken
    return token.strip()


def from_connection_params(params: Mapping[str, Any] | None) -> str | None:
    """The token in a connection_init payload: ``{"Authorization": "Bearer ..."}`` (any case) or
    ``{"token": "..."}``."""
    if not params:
        return None
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
            return bearer(value)
    token = params.get("token")
    if token is None:
        return None
    if not isinstance(token, str) or not token:
        raise InvalidToken
    return token


async def principal_for(token: str | None) -> Principal:
    """ANONYMOUS without a token; the token's principal; InvalidToken when it is not valid."""
    if token is None:
        return ANONYMOUS
    found = await account_service.authenticate(token)
    if found is None:
        raise InvalidToken
    return found
