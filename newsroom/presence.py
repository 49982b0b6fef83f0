"""Edit presence ("who is editing what"): soft locks that warn and never block a save.

A journalist's browser announces that they are editing an item and renews the announcement every
minute; an announcement lasts 90 s, so one from a browser that died disappears by itself: reads
leave out expired rows at once, and DynamoDB's TTL (`purgeAt`, epoch seconds) deletes them later
(TTL runs within a day or two, hence the check on read). The version check of the item's own
update still decides which save wins; presence only tells people before they start.

The resolver routes `announceEditing`, `stopEditing`, `clearEditing` and `listEditors` here;
each function returns GraphQL `Presence` shapes and raises `newsroom.errors` types. Rules (the
items' own, from `newsroom.auth`): every newsroom member sees who is editing; volunteers announce
only on items they may write (their own, or one not created yet); only admins clear someone
else's announcement.
"""
from __future__ import annotations

import time
from typing import Any

from newsroom.auth import Identity
from newsroom.aws import from_dynamodb, to_dynamodb
from newsroom.entities import BY_NAME, PRESENCE
from newsroom.errors import ValidationError
from newsroom.items import client_id
from newsroom.tables import Tables

# The client renews every 60 s; 90 s leaves room for one late renewal before the name vanishes.
ANNOUNCEMENT_MS = 90_000
MAX_FIELD_LENGTH = 256


def announce(
    tables: Tables,
    identity: Identity, entity: str, item_id: str, field: str | None = None, *, now_ms: int | None = None
) -> dict[str, Any]:
    """Announce (or renew) that the caller is editing an item, optionally one field of it."""
    item_id = _item_id(entity, item_id)
    if field is not None and (not isinstance(field, str) or len(field) > MAX_FIELD_LENGTH):
        raise ValidationError(f"field must be a field name of at most {MAX_FIELD_LENGTH} characters")
    if not identity.can_write_all:
        _require_write(tables, identity, entity, item_id)
    now = _now(now_ms)
    row = {
        PRESENCE.hash_key: _item_key(entity, item_id),
        PRESENCE.range_key: identity.sub,
        "entity": entity,
        "id": item_id,
        "editorName": identity.display_name,
        "expiresAt": now + ANNOUNCEMENT_MS,
        PRESENCE.ttl_attribute: (now + ANNOUNCEMENT_MS) // 1000 + 1,
    }
    if field:
        row["field"] = field
    tables.dynamodb().put_item(TableName=tables.presence, Item=to_dynamodb(row))
    return _presence(row, active=True)


def stop(
    tables: Tables, identity: Identity, entity: str, item_id: str, *, now_ms: int | None = None
) -> dict[str, Any]:
    """The caller stopped editing (closed the editor or saved)."""
    return _end(tables, entity, _item_id(entity, item_id), identity.sub, identity.display_name, _now(now_ms))


def clear(
    tables: Tables,
    identity: Identity, entity: str, item_id: str, editor_id: str, *, now_ms: int | None = None
) -> dict[str, Any]:
    """Remove someone's announcement (admins only; clearing one's own is the same as stop)."""
    item_id = _item_id(entity, item_id)
    if not isinstance(editor_id, str) or not editor_id:
        raise ValidationError("editorId must be the editor's user id (the editorId of listEditors)")
    if editor_id != identity.sub:
        identity.require_admin("clear someone else's editing announcement")
    return _end(tables, entity, item_id, editor_id, None, _now(now_ms))


def list_editors(
    tables: Tables, identity: Identity, entity: str, item_id: str, *, now_ms: int | None = None
) -> list[dict[str, Any]]:
    """Who is editing an item now; announcements past their expiry are left out even before
    DynamoDB's TTL deletes them. `identity` is a signed-in member: every member may see this."""
    item_id = _item_id(entity, item_id)
    now = _now(now_ms)
    response = tables.dynamodb().query(
        TableName=tables.presence,
        KeyConditionExpression="#key = :key",
        ExpressionAttributeNames={"#key": PRESENCE.hash_key},
        ExpressionAttributeValues={":key": {"S": _item_key(entity, item_id)}},
        ConsistentRead=True,
    )
    rows = [from_dynamodb(image) for image in response["Items"]]
    return [_presence(row, active=True) for row in rows if int(row["expiresAt"]) > now]


def _end(
    tables: Tables, entity: str, item_id: str, editor_id: str, editor_name: str | None, now: int
) -> dict[str, Any]:
    response = tables.dynamodb().delete_item(
        TableName=tables.presence,
        Key=to_dynamodb({PRESENCE.hash_key: _item_key(entity, item_id), PRESENCE.range_key: editor_id}),
        ReturnValues="ALL_OLD",
    )
    old = from_dynamodb(response.get("Attributes") or {})
    row = {
        PRESENCE.range_key: editor_id,
        "entity": entity,
        "id": item_id,
        "editorName": old.get("editorName", editor_name),
        "field": old.get("field"),
        "expiresAt": now,
    }
    return _presence(row, active=False)


def _require_write(tables: Tables, identity: Identity, entity: str, item_id: str) -> None:
    """Volunteers may announce only what they may save: their own item, or one not created yet."""
    response = tables.dynamodb().get_item(
        TableName=tables.name(entity),
        Key={"id": {"S": item_id}},
        ProjectionExpression="id, ownerId",
    )
    if "Item" in response:
        identity.require_write(from_dynamodb(response["Item"]))


def _presence(row: dict[str, Any], *, active: bool) -> dict[str, Any]:
    """The GraphQL `Presence` shape of a stored announcement."""
    return {
        "entity": row["entity"],
        "id": row["id"],
        "editorId": row[PRESENCE.range_key],
        "editorName": row.get("editorName"),
        "field": row.get("field"),
        "expiresAt": int(row["expiresAt"]),
        "active": active,
    }


def _item_id(entity: str, item_id: Any) -> str:
    if entity not in BY_NAME:
        raise ValidationError(f"entity must be one of {', '.join(BY_NAME)}, not {entity!r}")
    return client_id(item_id)


def _item_key(entity: str, item_id: str) -> str:
    return f"{entity}#{item_id}"


def _now(now_ms: int | None) -> int:
    return int(time.time() * 1000) if now_ms is None else now_ms
