"""API tokens: random, shown once, stored as SHA-256 (high-entropy: no slow hash is needed)."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "kmb_"
_PREFIX_SHOWN = 12  # "kmb_" and 8 random characters: enough to tell tokens apart in a list


def generate() -> str:
    """A new token: ``kmb_`` and 256 random bits, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The hex SHA-256 kept in the database instead of the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:_PREFIX_SHOWN]


def looks_valid(token: str) -> bool:
    """Cheap shape check before any database look-up."""
    return token.startswith(PREFIX) and 20 <= len(token) <= 100 and token.isascii()
