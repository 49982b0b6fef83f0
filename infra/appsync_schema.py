"""Load `infra/schema.graphql` as AppSync reads it: with AppSync's own scalars and directives.

graphql-core does not know them, so they are declared here once; the unit tests (schema
checks) and the local gateway (which serves the same schema) both build it through `load()`.
Pure Python: no Pulumi import, so the local stack can use it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")

# AppSync's per-request limits (docs/contracts.md), the same in the local stack. The deepest
# query the app sends is 3 levels (`listNews { items { id } }`); a load pages every entity in one
# request, one resolver per entity (frontend/src/operations.js): both limits leave room for that.
QUERY_DEPTH_LIMIT = 5
RESOLVER_COUNT_LIMIT = 12

APPSYNC_PRELUDE = """
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_subscribe(mutations: [String!]!) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String!]) on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String!]!) on FIELD_DEFINITION
"""


def schema_sdl() -> str:
    """The schema exactly as deployed to AppSync (without the prelude)."""
    return SCHEMA_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load() -> GraphQLSchema:
    return build_schema(APPSYNC_PRELUDE + schema_sdl())
