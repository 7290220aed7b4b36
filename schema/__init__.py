"""The GraphQL schema (strawberry): types, queries, mutations. Built once per process."""

from schema.build import schema

__all__ = ["schema"]
