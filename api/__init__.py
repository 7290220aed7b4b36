"""The ASGI application: Starlette serving the GraphQL schema, with per-request context."""
