"""What AWS hands the functions, for the benchmarks that call them in-process: AppSync's direct
Lambda resolver event and DynamoDB stream records, built by the local stack's own builders
(devstack/invoke.py, devstack/streams.py) so that the benchmarks measure the same events the
stack serves.
"""
from __future__ import annotations

import itertools
from typing import Any

from devstack import invoke
from devstack.streams import lambda_record
from newsroom.aws import to_dynamodb
from newsroom.entities import Entity
from newsroom.tables import Tables

REGION = "eu-west-3"
_sequence = itertools.count(200000000000000000000001)


def identity(sub: str, group: str = "journalists") -> dict[str, Any]:
    """AppSync's identity of a Cognito user in `group` (what devstack.identity hands resolvers)."""
    claims = {"sub": sub, "cognito:username": f"user-{sub}", "cognito:groups": [group],
              "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_bench", "token_use": "access"}
    return {"sub": sub, "issuer": claims["iss"], "username": claims["cognito:username"], "claims": claims,
            "sourceIp": ["192.0.2.10"], "defaultAuthStrategy": "ALLOW", "groups": [group]}


def resolver_event(field: str, caller: dict[str, Any], **arguments: Any) -> dict[str, Any]:
    """The direct Lambda resolver event of one GraphQL field (Query or Mutation)."""
    parent = "Query" if field.startswith(("get", "list", "changes")) else "Mutation"
    info = {"fieldName": field, "parentTypeName": parent, "variables": {},
            "selectionSetList": [], "selectionSetGraphQL": ""}
    return invoke.request(arguments, caller, None, info, {"headers": {}, "domainName": None})


def context(function_name: str) -> invoke.LambdaContext:
    return invoke.LambdaContext(function_name, REGION)


def stream_record(tables: Tables, entity: Entity, event_name: str, old: dict | None,
                  new: dict | None) -> dict[str, Any]:
    """One record of the entity table's stream (NEW_AND_OLD_IMAGES), as Lambda receives it."""
    change: dict[str, Any] = {"Keys": {"id": {"S": (new or old)["id"]}},
                              "SequenceNumber": str(next(_sequence)), "StreamViewType": "NEW_AND_OLD_IMAGES"}
    if old is not None:
        change["OldImage"] = to_dynamodb(old)
    if new is not None:
        change["NewImage"] = to_dynamodb(new)
    arn = f"arn:aws:dynamodb:{REGION}:000000000000:table/{tables.name(entity)}/stream/2025-11-18T07:30:00.000"
    return lambda_record({"eventID": change["SequenceNumber"], "eventName": event_name, "dynamodb": change},
                         arn, REGION)
