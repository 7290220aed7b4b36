"""GraphQL over HTTP media types: pick the response type from Accept; tell request errors."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def response_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client accepts it at least as much as
    ``application/json`` (the spec's preference); ``application/json`` otherwise."""
    if not accept:
        return JSON
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        best[media] = max(best.get(media, 0.0), q)
    graphql = best.get(GRAPHQL_RESPONSE_JSON, 0.0)
    plain = max(best.get(JSON, 0.0), best.get("application/*", 0.0), best.get("*/*", 0.0))
    return GRAPHQL_RESPONSE_JSON if graphql > 0 and graphql >= plain else JSON


def is_request_error(result: Any) -> bool:
    """No data and only errors without a path: the request was refused before execution
    (syntax, validation, limits), so the response has no ``data`` entry."""
    errors = getattr(result, "errors", None)
    return bool(errors) and result.data is None and all(not e.path for e in errors)
