"""A repeated document is validated once per process (the limits must not defeat the cache)."""

from __future__ import annotations

import pytest
import strawberry.schema.schema as strawberry_schema

from schema import schema


async def test_identical_documents_are_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = strawberry_schema.validate

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting)
    document = "query Repeated { __typename again: __typename }"
    for _ in range(5):
        result = await schema.execute(document)
        assert result.errors is None
        assert result.data == {"__typename": "Query", "again": "Query"}
    assert len(calls) <= 1  # once, or not at all if an earlier test validated it
