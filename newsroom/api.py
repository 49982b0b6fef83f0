"""The newsroom API: every query and mutation of the GraphQL schema except `publish`, over one
set of tables (`Tables`), and the dispatch of an AppSync event to them (`resolve`), which the
resolver Lambda (handlers/resolver.py) and the local stack serve.

Routes are generated from the entity list, so News, Animation, Block, Conductor and Journal get
the same get/list/create/update/delete/restore/purge behaviour. Each read is one GetItem or one
Query on an index (never a Scan). A create is one conditional PutItem; an update, delete or
restore reads the stored item (whole-document replace must carry its createdAt and ownerId,
a tombstone keeps its fields) and writes it with one PutItem conditioned on the version read,
so a stale editor gets a ConflictError carrying the server's item (from the read, or from
ReturnValuesOnConditionCheckFailure when someone saved in between) instead of overwriting
someone else's work.

The answer is an envelope (`{"data"}` or `{"error"}`, see newsroom/errors.py) that
infra/resolvers/invoke.js turns into the GraphQL result or error (docs/contracts.md).
"""
from __future__ import annotations

import base64
import binascii
import inspect
import json
from typing import Any, Callable

from newsroom import items, presence
from newsroom.auth import Identity
from newsroom.aws import from_dynamodb, to_dynamodb
from newsroom.entities import (
    BY_NAME,
    ENTITIES,
    FEED_INDEX,
    LIVE_INDEX,
    OWNER_INDEX,
    SCHEDULE_INDEX,
    TRASH_INDEX,
    Entity,
)
from newsroom.errors import (
    ApiError,
    ConflictError,
    NotFoundError,
    ValidationError,
    failure,
    success,
)
from newsroom.items import now_ms
from newsroom.observability import MetricUnit, logger, metrics
from newsroom.tables import Tables

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_LIVE_ONLY = "attribute_not_exists(deletedAt)"


# ------------------------------------------------------------------------------ arguments
def _entity(name: Any) -> Entity:
    try:
        return BY_NAME[name]
    except (KeyError, TypeError):
        raise ValidationError(f"entity must be one of {', '.join(BY_NAME)}") from None


def _limit(limit: Any) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be an integer from 1 to {MAX_LIMIT}")
    return limit


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("expectedVersion must be the item's version (an integer ≥ 0)")
    return value


def _fields(data: Any) -> dict[str, Any]:
    """`data: AWSJSON`: AppSync hands it over parsed, the local gateway as a string."""
    if isinstance(data, str):
        try:
            data = items.parsed_json(data)
        except ValueError:
            raise ValidationError("data must be a JSON object of the item's fields") from None
    if not isinstance(data, dict):
        raise ValidationError("data must be a JSON object of the item's fields")
    return data


def _encode_token(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key).encode()).decode()


def _decode_token(token: Any) -> dict[str, Any] | None:
    if token is None:
        return None
    try:
        last_key = json.loads(base64.urlsafe_b64decode(str(token).encode()))
    except (ValueError, binascii.Error):
        last_key = None
    if not isinstance(last_key, dict) or not all(
        isinstance(value, dict) and len(value) == 1 for value in last_key.values()
    ):
        raise ValidationError("nextToken is not one this list returned: start again without it")
    return last_key


# ------------------------------------------------------------------------------- storage
def _client_error_code(error: Exception) -> str | None:
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code")


def _read(tables: Tables, entity: Entity, item_id: str) -> dict[str, Any] | None:
    response = tables.dynamodb().get_item(
        TableName=tables.name(entity), Key={"id": {"S": item_id}}, ConsistentRead=True
    )
    return from_dynamodb(response["Item"]) if "Item" in response else None


def _query(
    tables: Tables, entity: Entity, limit: Any, next_token: Any, **query: Any
) -> tuple[list, str | None]:
    """One page of an index Query: the items and the token of the next page.

    Only the attributes clients get are read (`items.client_attributes`: not the index
    attributes, each a value to serialise and deserialise per item). An item without packed
    fields is one stored before packing, or a job's row: read again whole."""
    names = {f"#read{n}": name for n, name in enumerate(items.client_attributes(entity))}
    request = {
        "TableName": tables.name(entity),
        "Limit": _limit(limit),
        **query,
        "ProjectionExpression": ", ".join(names),
        "ExpressionAttributeNames": {**query.get("ExpressionAttributeNames", {}), **names},
    }
    start = _decode_token(next_token)
    if start:
        request["ExclusiveStartKey"] = start
    try:
        response = tables.dynamodb().query(**request)
    except Exception as error:
        if start and _client_error_code(error) == "ValidationException":
            raise ValidationError("nextToken belongs to another list: start again without it")
        raise
    metrics.add_metric(name="ItemsRead", unit=MetricUnit.Count, value=response.get("ScannedCount", 0))
    found = [from_dynamodb(image) for image in response.get("Items", [])]
    found = [item if items.APP_FIELDS in item else (_read(tables, entity, item["id"]) or item) for item in found]
    return found, _encode_token(response.get("LastEvaluatedKey"))


def _put(
    tables: Tables, entity: Entity, item: dict[str, Any], condition: str, values: dict[str, Any]
) -> None:
    """One conditional PutItem. On a failed condition the stored item comes back with the
    error (ReturnValuesOnConditionCheckFailure), so a conflict needs no extra read."""
    from botocore.exceptions import ClientError

    items.check_size(item)
    request = {
        "TableName": tables.name(entity),
        "Item": to_dynamodb(item),
        "ConditionExpression": condition,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if values:
        request["ExpressionAttributeValues"] = to_dynamodb(values)
    try:
        tables.dynamodb().put_item(**request)
    except ClientError as error:
        if _client_error_code(error) != "ConditionalCheckFailedException":
            raise
        stored = error.response.get("Item")
        raise _StaleWrite(from_dynamodb(stored) if stored else None) from None


class _StaleWrite(Exception):
    def __init__(self, stored: dict[str, Any] | None):
        self.stored = stored


def _conflict(entity: Entity, item_id: str, stored: dict[str, Any] | None) -> ApiError:
    if stored is None:
        return NotFoundError(f"{entity.type_name} {item_id} does not exist")
    state = "was deleted" if items.is_tombstone(stored) else f"is at version {items.version_of(stored)}"
    return ConflictError(
        f"{entity.type_name} {item_id} {state} since you loaded it: merge your changes into "
        "errorInfo.current and save again with its version",
        items.to_client(stored),
    )


def _replace(
    tables: Tables, entity: Entity, identity: Identity, current: dict[str, Any], item: dict[str, Any]
) -> dict[str, Any]:
    """Write `item` over `current` only if nobody wrote in between (and, for volunteers, only
    if they still own it)."""
    condition, values = "version = :read", {":read": items.version_of(current)}
    if items.version_of(current) == 0:  # written outside the API before versioning
        condition = "attribute_exists(id) AND (attribute_not_exists(version) OR version = :read)"
    if not identity.can_write_all:
        condition += " AND ownerId = :sub"
        values[":sub"] = identity.sub
    try:
        _put(tables, entity, item, condition, values)
    except _StaleWrite as stale:
        raise _conflict(entity, current["id"], stale.stored) from None
    return item


def _current(tables: Tables, entity: Entity, item_id: Any) -> dict[str, Any]:
    item_id = items.client_id(item_id)
    current = _read(tables, entity, item_id)
    if current is None:
        raise NotFoundError(f"{entity.type_name} {item_id} does not exist")
    return current


# ---------------------------------------------------------------------------- operations
def get_item(tables: Tables, identity: Identity, entity: Entity, id: Any) -> dict | None:
    found = _read(tables, entity, items.client_id(id))
    return items.to_graphql(entity, found) if found else None


def _connection(entity: Entity, page: tuple[list, str | None]) -> dict[str, Any]:
    found, token = page
    return {"items": [items.to_graphql(entity, item) for item in found], "nextToken": token}


def _sparse_list(tables: Tables, entity: Entity, index: str, attribute: str, limit, nextToken) -> dict:
    """A page of an index that holds only the items listed (`attribute` = the entity name on
    them alone), newest first: every item read is returned."""
    return _connection(entity, _query(
        tables, entity, limit, nextToken,
        IndexName=index,
        KeyConditionExpression=f"{attribute} = :entity",
        ExpressionAttributeValues={":entity": {"S": entity.name}},
        ScanIndexForward=False,
    ))


def list_items(tables: Tables, identity: Identity, entity: Entity, limit=None, nextToken=None) -> dict:
    """Live items newest first (the live index holds no tombstones)."""
    return _sparse_list(tables, entity, LIVE_INDEX, "liveList", limit, nextToken)


def list_deleted(tables: Tables, identity: Identity, entity: Entity, limit=None, nextToken=None) -> dict:
    """The trash: tombstones not yet purged, newest deletion first (the trash index holds
    tombstones only, so no live item is read to find them)."""
    return _sparse_list(tables, entity, TRASH_INDEX, "trashList", limit, nextToken)


def list_by_owner(tables: Tables, identity: Identity, entity: Entity, ownerId: Any, limit=None, nextToken=None):
    return _connection(entity, _query(
        tables, entity, limit, nextToken,
        IndexName=OWNER_INDEX,
        KeyConditionExpression="ownerId = :owner",
        FilterExpression=_LIVE_ONLY,
        ExpressionAttributeValues={":owner": {"S": items.client_id(ownerId)}},
        ScanIndexForward=False,
    ))


def list_by_date(tables: Tables, identity: Identity, entity: Entity, scheduledDate: Any, limit=None, nextToken=None):
    if not isinstance(scheduledDate, str) or not scheduledDate:
        raise ValidationError("scheduledDate must be a date string YYYY-MM-DD")
    return _connection(entity, _query(
        tables, entity, limit, nextToken,
        IndexName=SCHEDULE_INDEX,
        KeyConditionExpression="scheduledDate = :day",
        FilterExpression=_LIVE_ONLY,
        ExpressionAttributeValues={":day": {"S": scheduledDate}},
        ScanIndexForward=False,
    ))


def changes_since(tables: Tables, identity: Identity, entity: Any, since: Any, limit=None, nextToken=None):
    """Every change since `since` (tombstones included), oldest first, for reconnecting
    clients."""
    entity = _entity(entity)
    if isinstance(since, bool) or not isinstance(since, (int, float)):
        raise ValidationError("since must be a time in epoch milliseconds")
    found, token = _query(
        tables, entity, limit, nextToken,
        IndexName=FEED_INDEX,
        KeyConditionExpression="changeFeed = :entity AND updatedAt > :since",
        ExpressionAttributeValues={
            ":entity": {"S": entity.name},
            ":since": {"N": str(int(since))},
        },
        ScanIndexForward=True,
    )
    return {"items": [items.to_change(entity, item) for item in found], "nextToken": token}


def create_item(tables: Tables, identity: Identity, entity: Entity, input: dict) -> dict:
    """A new item (version 1, owned by the caller). An id that exists already is refused with
    the stored item, so a client that retried a lost response can see its first write."""
    if not isinstance(input, dict):
        raise ValidationError("input must be {id?, data}")
    item = items.new_item(
        entity,
        _fields(input.get("data")),
        item_id=input.get("id"),
        owner_id=identity.sub,
        updated_by=identity.sub,
        now_ms=now_ms(),
    )
    try:
        _put(tables, entity, item, "attribute_not_exists(id)", {})
    except _StaleWrite as stale:
        raise ConflictError(
            f"{entity.type_name} {item['id']} exists already: load it, or create with another id",
            items.to_client(stale.stored) if stale.stored else None,
        ) from None
    return items.to_graphql(entity, item)


def update_item(tables: Tables, identity: Identity, entity: Entity, input: dict) -> dict:
    """Replace the whole item (fields absent from `data` are removed) if `expectedVersion` is
    still the stored version."""
    if not isinstance(input, dict):
        raise ValidationError("input must be {id, expectedVersion, data}")
    expected = _version(input.get("expectedVersion"))
    data = _fields(input.get("data"))
    current = _current(tables, entity, input.get("id"))
    identity.require_write(current)
    if items.is_tombstone(current) or items.version_of(current) != expected:
        raise _conflict(entity, current["id"], current)
    item = items.replaced_item(entity, current, data, updated_by=identity.sub, now_ms=now_ms())
    return items.to_graphql(entity, _replace(tables, entity, identity, current, item))


def delete_item(
    tables: Tables, identity: Identity, entity: Entity, id: Any, expectedVersion: Any, *,
    retention_days: int = items.DEFAULT_RETENTION_DAYS,
) -> dict:
    """Soft delete: a tombstone that subscribers see as a delete, restorable for `retention_days`
    (the stack's setting), until DynamoDB's TTL purges it."""
    expected = _version(expectedVersion)
    current = _current(tables, entity, id)
    identity.require_write(current)
    if items.is_tombstone(current) or items.version_of(current) != expected:
        raise _conflict(entity, current["id"], current)
    item = items.tombstone(
        current, updated_by=identity.sub, now_ms=now_ms(), retention_days=retention_days
    )
    return items.to_graphql(entity, _replace(tables, entity, identity, current, item))


def restore_item(tables: Tables, identity: Identity, entity: Entity, id: Any) -> dict:
    identity.require_admin("restore deleted items")
    current = _current(tables, entity, id)
    if not items.is_tombstone(current):
        raise ValidationError(f"{entity.type_name} {current['id']} is not deleted: nothing to restore")
    item = items.restored(current, updated_by=identity.sub, now_ms=now_ms())
    return items.to_graphql(entity, _replace(tables, entity, identity, current, item))


def purge_item(tables: Tables, identity: Identity, entity: Entity, id: Any) -> dict:
    """Delete forever (admins): the item is gone, no tombstone to restore."""
    identity.require_admin("delete items forever")
    item_id = items.client_id(id)
    response = tables.dynamodb().delete_item(
        TableName=tables.name(entity), Key={"id": {"S": item_id}}, ReturnValues="ALL_OLD"
    )
    if "Attributes" not in response:
        raise NotFoundError(f"{entity.type_name} {item_id} does not exist")
    return items.to_graphql(entity, from_dynamodb(response["Attributes"]))


# ----------------------------------------------------------------------- edit presence
# The presence rules are newsroom/presence.py's; these check the arguments' shapes only.
def announce_editing(tables: Tables, identity: Identity, entity: Any, id: Any, field: Any = None) -> dict:
    return presence.announce(tables, identity, _entity(entity).name, items.client_id(id), field)


def stop_editing(tables: Tables, identity: Identity, entity: Any, id: Any) -> dict:
    return presence.stop(tables, identity, _entity(entity).name, items.client_id(id))


def clear_editing(tables: Tables, identity: Identity, entity: Any, id: Any, editorId: Any) -> dict:
    return presence.clear(tables, identity, _entity(entity).name, items.client_id(id),
                          items.client_id(editorId))


def list_editors(tables: Tables, identity: Identity, entity: Any, id: Any) -> list:
    return presence.list_editors(tables, identity, _entity(entity).name, items.client_id(id))


# -------------------------------------------------------------------------------- routes
class Route:
    """One field of the schema: the operation that serves it and the arguments bound to it
    before the client's (the entity of a generated field). An operation's keyword-only
    parameters are the stack's settings (`retention_days`): the client's arguments never
    reach them."""

    def __init__(self, operation: Callable, *bound: Any):
        self.operation, self.bound = operation, bound
        self.signature = inspect.signature(operation)
        self.settings = frozenset(name for name, parameter in self.signature.parameters.items()
                                  if parameter.kind is inspect.Parameter.KEYWORD_ONLY)

    def __call__(self, tables: Tables, identity: Identity, field_name: str,
                 arguments: dict[str, Any], settings: dict[str, Any]) -> Any:
        chosen = {name: value for name, value in settings.items() if name in self.settings}
        try:  # an argument naming a setting is one too many, like one the field does not take
            self.signature.bind(tables, identity, *self.bound, **chosen, **arguments)
        except TypeError:
            raise ValidationError(f"{field_name} takes other arguments: see the schema") from None
        return self.operation(tables, identity, *self.bound, **chosen, **arguments)


def _fields_of(entity: Entity) -> dict[tuple[str, str], Callable]:
    name, plural = entity.type_name, entity.plural
    fields = {
        ("Query", f"get{name}"): get_item,
        ("Query", f"list{plural}"): list_items,
        ("Query", f"list{plural}ByOwner"): list_by_owner,
        ("Query", f"listDeleted{plural}"): list_deleted,
        ("Mutation", f"create{name}"): create_item,
        ("Mutation", f"update{name}"): update_item,
        ("Mutation", f"delete{name}"): delete_item,
        ("Mutation", f"restore{name}"): restore_item,
        ("Mutation", f"purge{name}"): purge_item,
    }
    if entity.scheduled:
        fields[("Query", f"list{plural}ByDate")] = list_by_date
    return fields


def _routes() -> dict[tuple[str, str], Route]:
    """Every field the API serves, by (parent type, field name)."""
    routes = {
        key: Route(operation, entity) for entity in ENTITIES
        for key, operation in _fields_of(entity).items()
    }
    routes.update({
        ("Query", "changesSince"): Route(changes_since),
        ("Query", "listEditors"): Route(list_editors),
        ("Mutation", "announceEditing"): Route(announce_editing),
        ("Mutation", "stopEditing"): Route(stop_editing),
        ("Mutation", "clearEditing"): Route(clear_editing),
    })
    return routes


ROUTES = _routes()


def resolve(
    tables: Tables,
    event: dict[str, Any],
    *,
    retention_days: int = items.DEFAULT_RETENTION_DAYS,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The envelope answering one AppSync event (a direct Lambda resolver's): the caller's
    identity is checked before anything else runs; an error the caller can act on is its typed
    envelope, anything else an InternalError naming `request_id` (the Lambda request, to find
    the logged stack trace), never the trace itself."""
    try:
        info = event["info"]
        field_name = info["fieldName"]
        route = ROUTES.get((info["parentTypeName"], field_name))
        if route is None:
            raise LookupError(f"no route for {info['parentTypeName']}.{field_name}")
        arguments = {**event["arguments"]}
        metrics.add_metric(name=field_name, unit=MetricUnit.Count, value=1)
        identity = Identity.from_event(event)
        settings = {"retention_days": retention_days}
        return success(route(tables, identity, field_name, arguments, settings))
    except ApiError as error:
        logger.info("refused", extra={"errorType": error.error_type, "reason": error.message})
        return failure(error)
    except Exception:
        logger.exception("unexpected error")
        return failure(ApiError(f"internal error (request {request_id}); please retry or report it"))
