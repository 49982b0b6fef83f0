"""Calling the resolver Lambda the way AppSync does, from the JSON fixture in AWS's own shape
(tests/events/appsync_resolver_event.json): only the field, arguments and caller change. The
resolver is the one `handlers.resolver.build` makes for the test's tables."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"
GROUPS = ("admins", "journalists", "volunteers")


def event_fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@dataclass
class LambdaContext:
    """The attributes Powertools' Logger reads from Lambda's context object."""

    function_name: str = "saint-esprit-resolver"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-3:000000000000:function:saint-esprit-resolver"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"


def identity(sub: str | None, group: str | None = "journalists", *, via_claims: bool = False):
    """AppSync's Cognito identity for a user in `group` (None: a user in no group); `sub` None
    is an anonymous call (no identity at all)."""
    if sub is None:
        return None
    caller = copy.deepcopy(event_fixture("appsync_resolver_event.json")["identity"])
    groups = [group] if group else []
    caller.update(sub=sub, username=f"user-{sub}")
    caller["claims"].update({"sub": sub, "cognito:username": f"user-{sub}", "cognito:groups": groups})
    if via_claims:
        caller["groups"] = None
    else:
        caller["groups"] = groups
    return caller


def appsync_event(field: str, arguments: dict[str, Any], caller: dict | None) -> dict[str, Any]:
    event = event_fixture("appsync_resolver_event.json")
    event["info"]["fieldName"] = field
    event["info"]["parentTypeName"] = (
        "Query" if field.startswith(("get", "list", "changes")) else "Mutation"
    )
    event["arguments"] = arguments
    event["identity"] = caller
    return event


def call(tables, field: str, caller: dict | None = None, /, **arguments: Any) -> dict[str, Any]:
    """The envelope of a resolver built for `tables` for one field: {"data": ...} or
    {"error": {...}}; the caller is journalist-1 unless given, no one with `anonymous=True`."""
    from handlers import resolver

    return call_with(resolver.build(tables), field, caller, **arguments)


def call_with(handler, field: str, caller: dict | None = None, /, **arguments: Any) -> dict[str, Any]:
    """`call`, on a resolver handler already built."""
    if caller is None and "anonymous" not in arguments:
        caller = identity("journalist-1")
    arguments.pop("anonymous", None)
    return handler(appsync_event(field, arguments, caller), LambdaContext())


def data_of(envelope: dict[str, Any]) -> Any:
    assert "error" not in envelope, envelope
    return envelope["data"]


def error_of(envelope: dict[str, Any]) -> dict[str, Any]:
    assert "error" in envelope, envelope
    return envelope["error"]


def dump_tables(tables) -> dict[str, list]:
    """Every stored item of every entity table, in DynamoDB's wire format (exact bytes), to
    prove that a refused call changed nothing. A test helper: the handlers never scan."""
    from newsroom.entities import ENTITIES

    client = tables.dynamodb()
    dump = {}
    for entity in ENTITIES:
        found = client.scan(TableName=tables.name(entity), ConsistentRead=True)["Items"]
        dump[entity.name] = sorted(found, key=lambda item: item["id"]["S"])
    return dump


def seed(tables, entity, item_id: str, owner: str, *, deleted: bool = False, **fields: Any) -> dict:
    """Store an item as the API would have (optionally as a tombstone) without calling it."""
    from newsroom import items
    from newsroom.aws import to_dynamodb

    item = items.new_item(entity, {"title": item_id, **fields}, item_id=item_id, owner_id=owner,
                          updated_by=owner, now_ms=1_763_451_000_000)
    if deleted:
        item = items.tombstone(item, updated_by=owner, now_ms=1_763_451_000_001)
    tables.dynamodb().put_item(TableName=tables.name(entity), Item=to_dynamodb(item))
    return item
