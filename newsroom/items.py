"""The newsroom's storage rules as plain functions: how an item the app sends becomes the item a
table stores, how versions, ownership and tombstones evolve, and what clients get back.

Nothing here knows about Lambda, AppSync or boto3: the resolver, the publisher, the local stack
and the legacy migration (tools/) all call these functions, so a rule changes in one place.
"""
from __future__ import annotations

import base64
import json
import math
import re
import secrets
import time
from datetime import datetime, timezone
from decimal import (
    Clamped,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    Overflow,
    Rounded,
    Underflow,
)
from typing import Any

from newsroom.entities import INDEX_ATTRIBUTES, SYSTEM_ATTRIBUTES, Entity
from newsroom.errors import ValidationError

# DynamoDB refuses items over 400 KB; AppSync refuses subscription messages over 240 KB. Every
# write through the API must fit both, so that subscribers always receive the whole item.
DYNAMODB_ITEM_LIMIT = 400 * 1024
SUBSCRIPTION_MESSAGE_LIMIT = 240 * 1024
# Room for the rest of the subscription message around the item (op, id, version, author...).
_MESSAGE_ENVELOPE = 1024

DEFAULT_RETENTION_DAYS = 30
MAX_ID_LENGTH = 256

# What DynamoDB can hold (its "Service quotas" page): documents nest at most 32 levels; numbers
# have at most 38 significant digits within about 1E-130..1E+125 (the context below is boto3's
# own serializer's, so what passes here serializes); an index key string is at most 2,048 bytes
# (partition) or 1,024 bytes (sort); attribute names are not empty.
MAX_NESTING = 32
DYNAMODB_NUMBERS = Context(Emin=-128, Emax=126, prec=38,
                           traps=[Clamped, Overflow, Inexact, Rounded, Underflow])
INDEX_KEY_BYTES = {"partition": 2048, "sort": 1024}

# Durations the app has stored as "M:SS" (or "H:MM:SS") strings; the API stores seconds.
DURATION_FIELDS = ("duration", "audioDuration")
# Legacy conductors carry `date`/`startTime`; the schedule index reads `scheduledDate`.
LEGACY_SCHEDULE_FIELDS = (("date", "scheduledDate"), ("startTime", "scheduledTime"))
# Base64 audio embedded in items (legacy `audioData`, any "data:audio/..." string).
EMBEDDED_AUDIO_FIELD = "audioData"
_DATA_AUDIO = re.compile(r"^\s*data:audio/", re.IGNORECASE)
_CLOCK = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)\s*$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


# ---------------------------------------------------------------------------------- helpers
def now_ms() -> int:
    """The server's clock, in epoch milliseconds (what createdAt/updatedAt hold)."""
    return int(time.time() * 1000)


def epoch_ms(value: Any) -> int | None:
    """Epoch milliseconds from what old and new data hold: a number (ms) or an ISO-8601 string
    (`2025-11-18T07:30:00.000Z`; no zone = UTC). None when the value is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)) or (isinstance(value, float) and math.isfinite(value)):
        return int(value)
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return int(moment.timestamp() * 1000)
    return None


def seconds(value: Any, field: str = "duration") -> Any:
    """Seconds from a duration: numbers stay, "M:SS" / "H:MM:SS" / "90" strings are converted
    (exactly, in decimal: whether DynamoDB can hold the result is `storable`'s question)."""
    if not isinstance(value, str):
        return value
    clock = _CLOCK.match(value)
    try:
        if clock:
            hours, minutes, secs = clock.groups()
            total = Decimal(hours or 0) * 3600 + Decimal(minutes) * 60 + Decimal(secs)
        else:
            total = Decimal(value.strip())
    except DecimalException:
        total = None
    if total is None or not total.is_finite():
        raise ValidationError(
            f"{field} must be a number of seconds or \"M:SS\", not {value[:40]!r}"
        )
    return int(total) if total == total.to_integral_value() else total


def generate_id(entity: Entity, now_ms: int) -> str:
    """An id in the app's own form (`news-<ms>`) plus a random suffix, so two items created in
    the same millisecond never collide."""
    return f"{entity.id_prefix}-{now_ms}-{secrets.token_hex(3)}"


def client_id(value: Any) -> str:
    """A client-chosen id as stored: legacy numeric ids become strings; empty, over-long or
    control-character ids are refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError("id must be a string such as \"news-1731913200000\"")
    item_id = _unicode(str(value), "id")
    if not item_id.strip() or item_id != item_id.strip():
        raise ValidationError("id must not be empty or start/end with spaces")
    if len(item_id) > MAX_ID_LENGTH or any(ord(char) < 32 for char in item_id):
        raise ValidationError(
            f"id must be at most {MAX_ID_LENGTH} printable characters"
        )
    return item_id


def _unicode(text: str, path: str) -> str:
    """Text DynamoDB (UTF-8 on the wire) can carry: JSON's `\\ud800` escapes decode to lone
    surrogates, which no UTF-8 encoder accepts."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"{path} holds a lone surrogate (an unpaired \\ud800-\\udfff escape): not valid text"
        ) from None
    return text


def _number(value: int | float | Decimal, path: str) -> int | Decimal:
    """A number as DynamoDB stores it (floats become Decimal), or ValidationError."""
    try:
        number = DYNAMODB_NUMBERS.create_decimal(
            str(value) if isinstance(value, float) else value
        )
    except (DecimalException, ValueError):  # ValueError: an int too long for str()
        number = None
    # The context's exponents reach a little beyond DynamoDB's own bounds.
    if number is None or not number.is_finite() or (number and not -130 <= number.adjusted() <= 125):
        raise ValidationError(
            f"{path} must be a finite number of at most 38 significant digits between 1E-130 "
            "and 1E+125: DynamoDB cannot store it"
        )
    return value if isinstance(value, int) else number


def storable(value: Any, path: str, depth: int = 0) -> Any:
    """The one rule for what an item may hold: a value DynamoDB can store, as it will be
    stored, or a ValidationError naming where the offending part is (`sounds[0].name`).

    Numbers DynamoDB holds (floats → Decimal), text that is valid Unicode, field names that are
    neither empty nor invalid, at most 32 levels of lists and maps; no embedded base64 audio
    wherever it hides. Lists and maps keep their order and content."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return _number(value, path)
    if isinstance(value, str):
        if _DATA_AUDIO.match(value):
            raise _embedded_audio(path)
        return _unicode(value, path)
    if isinstance(value, (dict, list, tuple)) and depth >= MAX_NESTING:
        raise ValidationError(
            f"{path} nests lists and maps deeper than DynamoDB's {MAX_NESTING} levels"
        )
    if isinstance(value, dict):
        if EMBEDDED_AUDIO_FIELD in value and value[EMBEDDED_AUDIO_FIELD]:
            raise _embedded_audio(f"{path}.{EMBEDDED_AUDIO_FIELD}")
        return {_name(key, path): storable(inner, f"{path}.{key}", depth + 1)
                for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(inner, f"{path}[{n}]", depth + 1) for n, inner in enumerate(value)]
    return value


def _name(key: Any, path: str) -> str:
    """A field name DynamoDB accepts (moto stores an empty one in a form that breaks every
    later read of the table)."""
    name = str(key)
    if not name:
        raise ValidationError(f"{path} has a field with an empty name \"\": name it or drop it")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # never echo it: the error message must be valid text too
        raise ValidationError(f"{path} has a field name holding a lone surrogate") from None
    return name


def parsed_json(text: str) -> Any:
    """JSON text of an item's fields (`data: AWSJSON` as the local gateway hands it over). A
    document nested too deep for the decoder (about 1,000 levels) is a ValidationError naming
    the field that nests, like any item nesting beyond DynamoDB's 32 levels."""
    try:
        return json.loads(text)
    except RecursionError:
        field = _deepest_field(text)
    raise ValidationError(
        f"{field} nests lists and maps deeper than DynamoDB's {MAX_NESTING} levels"
    )


def _deepest_field(text: str) -> str:
    """The top-level field whose value first nests beyond MAX_NESTING levels ("data" when the
    document itself does), read without recursion."""
    depth, in_string, escaped, start, last_string, field = 0, False, False, 0, "", "data"
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string, last_string = False, text[start:position]
        elif char == '"':
            in_string, start = True, position + 1
        elif char == ":" and depth == 1:
            try:
                field = _unicode(json.loads(f'"{last_string}"'), "data")
            except (ValueError, ValidationError):
                field = "data"
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING + 1:
                return field
        elif char in "]}":
            depth -= 1
    return field


def _index_keys(entity: Entity, item: dict[str, Any]) -> None:
    """Index keys within DynamoDB's key sizes (a longer one fails the whole write)."""
    for index in entity.indexes:
        for kind, attribute in (("partition", index.hash_key), ("sort", index.range_key)):
            value = item.get(attribute)
            limit = INDEX_KEY_BYTES[kind]
            if isinstance(value, str) and len(value.encode("utf-8")) > limit:
                raise ValidationError(
                    f"{attribute} is {len(value.encode('utf-8'))} bytes, over the {limit} bytes "
                    f"of an index key: shorten it"
                )


def _embedded_audio(path: str) -> ValidationError:
    return ValidationError(
        f"{path} holds base64 audio: audio belongs in the media bucket. Upload it with "
        "saveAudioFile and store the returned audioUrl/audioKey instead."
    )


def _plain(value: Any) -> Any:
    """Decimals back to int/float, binaries (a job may write them; boto3 reads them as its
    `Binary`, which has `__bytes__`) as base64 text, at any depth (what JSON clients expect)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray)) or hasattr(value, "__bytes__"):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(inner) for inner in value]
    return value


# ----------------------------------------------------------------------------- normalise
def normalise(entity: Entity, data: dict[str, Any]) -> dict[str, Any]:
    """The app's fields of one item, cleaned for storage.

    - Empty values: a top-level field that is None or "" is removed, so "cleared", "null" and
      "undefined" all read back as absent (the app tests fields for truthiness; index keys such
      as `scheduledDate` cannot be empty strings). Inside lists and maps nothing is removed:
      conductor `segments`, `sounds`, journal `newsIds` and block `items` are kept as sent,
      in order.
    - `duration` / `audioDuration` "M:SS" → seconds; top-level `...At` ISO strings → epoch ms.
    - Legacy `date` / `startTime` also fill `scheduledDate` / `scheduledTime` when absent.
    - Server-set fields (`version`, `createdAt`, ..., `deletedAt`) and index attributes are
      dropped: only the server sets them.
    - Whatever DynamoDB could not store (`storable`), and index keys over DynamoDB's key size
      → ValidationError naming the field; floats → Decimal. Idempotent.
    """
    if not isinstance(data, dict):
        raise ValidationError(f"a {entity.type_name} must be a JSON object of its fields")
    if data.get(EMBEDDED_AUDIO_FIELD):
        raise _embedded_audio(EMBEDDED_AUDIO_FIELD)
    clean: dict[str, Any] = {}
    for field, value in data.items():
        field = _name(field, "data")
        if field in SYSTEM_ATTRIBUTES or field in INDEX_ATTRIBUTES:
            continue
        if value is None or value == "":
            continue
        if field in DURATION_FIELDS:
            value = seconds(value, field)
        elif field.endswith("At") and isinstance(value, str):
            value = epoch_ms(value) if epoch_ms(value) is not None else value
        clean[field] = storable(value, field)
    for legacy, current in LEGACY_SCHEDULE_FIELDS:
        if current not in clean and isinstance(clean.get(legacy), str):
            clean[current] = clean[legacy]
    if entity.scheduled and "scheduledDate" in clean and not isinstance(clean["scheduledDate"], str):
        raise ValidationError("scheduledDate must be a date string YYYY-MM-DD")
    _index_keys(entity, clean)
    return clean


# --------------------------------------------------------------------------- stored form
# How an item is stored (docs/contracts.md, "Stored items"): as top-level attributes only what
# DynamoDB itself reads (the key `id`, the system attributes, the index attributes and every
# index's keys, e.g. journals' `scheduledDate`), and all the app's other fields in ONE string
# attribute, APP_FIELDS, holding them as a JSON object. Reading an item costs per attribute
# value at every layer (DynamoDB's serialiser, boto3's deserialiser in the resolver): a news is
# read as 9 values instead of about 20, a 12-segment conductor as 8 instead of about 90
# (docs/benchmarks.md). Numbers in APP_FIELDS are JSON numbers (what clients get anyway).
# The station's scheduled jobs write plain attributes (a PutItem of a whole row, an UpdateItem
# `SET title = ...` on a packed item): readers merge them over APP_FIELDS (they are newer),
# and the publisher's adoption packs them.
APP_FIELDS = "appFields"


def _top_level(entity: Entity) -> frozenset[str]:
    """Attributes stored as themselves: what DynamoDB's key, indexes and TTL read."""
    keys = {attribute for index in entity.indexes for attribute in (index.hash_key, index.range_key)}
    return frozenset({"id", *SYSTEM_ATTRIBUTES, *INDEX_ATTRIBUTES, *keys})


def client_attributes(entity: Entity) -> tuple[str, ...]:
    """The stored attributes a client's view of a packed item is made of (what lists read)."""
    return tuple(sorted(_top_level(entity) - set(INDEX_ATTRIBUTES))) + (APP_FIELDS,)


def unpacked(item: dict[str, Any]) -> dict[str, Any]:
    """A stored item with its packed app fields spread out, plain attributes winning (a job's
    write is newer than the packing): the one reader of the stored form, for packed items,
    items the jobs wrote plain, and packed items a job updated. Numbers are Decimal or int,
    as DynamoDB reads give them."""
    fields = _packed_fields(item, parse_float=Decimal)
    if fields is None:
        return item
    fields.update((key, value) for key, value in item.items() if key != APP_FIELDS)
    return fields


def _packed_fields(item: dict[str, Any], parse_float: Any = float) -> dict[str, Any] | None:
    """The fields packed in APP_FIELDS; None when the item has none (or a job's own attribute
    of that name, not a JSON object: then it is an app field like the others)."""
    text = item.get(APP_FIELDS)
    if not isinstance(text, str):
        return None
    try:
        fields = json.loads(text, parse_float=parse_float)
    except ValueError:
        return None
    return fields if isinstance(fields, dict) else None


def plain_fields(entity: Entity, item: dict[str, Any]) -> list[str]:
    """The app fields a stored item holds as plain attributes (written outside the API)."""
    kept = _top_level(entity)
    return [key for key in item if key not in kept and key != APP_FIELDS]


def packed(entity: Entity, view: dict[str, Any]) -> dict[str, Any]:
    """The stored form of an item seen whole (the client's view plus index attributes, as
    `unpacked` reads it): DynamoDB's attributes as they are, every other field in APP_FIELDS
    (an app field that happens to be named so included)."""
    kept = _top_level(entity)
    stored = {key: value for key, value in view.items() if key in kept}
    fields = {key: value for key, value in view.items() if key not in kept}
    if fields:
        stored[APP_FIELDS] = json.dumps(fields, ensure_ascii=False, separators=(",", ":"),
                                        default=_plain)  # Decimals, sets, binaries
    return stored


# ------------------------------------------------------------------------------------ size
def dynamodb_size(value: Any) -> int:
    """Bytes DynamoDB counts for a value (names + values; numbers and containers as documented
    by DynamoDB, rounded up)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return 1 + (len(str(abs(value)).replace(".", "")) + 1) // 2
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return 3 + sum(1 + dynamodb_size(k) + dynamodb_size(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return 3 + sum(1 + dynamodb_size(v) for v in value)
    return len(str(value))


def subscription_size(item: dict[str, Any]) -> int:
    """Bytes of the subscription message carrying this item (the item travels JSON-encoded
    inside a JSON message, so its quotes are escaped once more)."""
    encoded = json.dumps(json.dumps(to_client(item), ensure_ascii=False), ensure_ascii=False)
    return len(encoded.encode("utf-8")) + _MESSAGE_ENVELOPE


def fits_subscription(item: dict[str, Any]) -> bool:
    return subscription_size(item) <= SUBSCRIPTION_MESSAGE_LIMIT


def check_size(item: dict[str, Any]) -> None:
    """ValidationError before writing a stored item (`packed`) DynamoDB (400 KB) or a
    subscription message (240 KB, the client's view) could not carry."""
    size = dynamodb_size(item)
    if size > DYNAMODB_ITEM_LIMIT:
        raise ValidationError(
            f"item is {size // 1024} KB, over DynamoDB's {DYNAMODB_ITEM_LIMIT // 1024} KB item "
            "limit: shorten the text or move attachments to the media bucket"
        )
    size = subscription_size(item)
    if size > SUBSCRIPTION_MESSAGE_LIMIT:
        raise ValidationError(
            f"item is {size // 1024} KB as a change message, over AppSync's "
            f"{SUBSCRIPTION_MESSAGE_LIMIT // 1024} KB subscription limit: shorten the text or "
            "move attachments to the media bucket"
        )


# --------------------------------------------------------------------------- life cycle
def new_item(
    entity: Entity,
    data: dict[str, Any],
    *,
    item_id: str | None,
    owner_id: str,
    updated_by: str,
    now_ms: int,
    created_at: int | None = None,
) -> dict[str, Any]:
    """The stored form of a new item (version 1). `item_id` None → a generated id;
    `created_at` lets the migration keep a legacy creation time (default `now_ms`)."""
    if not owner_id:
        raise ValidationError("an item needs an owner (the creator's sub)")
    item = normalise(entity, data)
    item.update(
        id=generate_id(entity, now_ms) if item_id is None else client_id(item_id),
        version=1,
        createdAt=now_ms if created_at is None else int(created_at),
        updatedAt=now_ms,
        ownerId=owner_id,
        updatedBy=updated_by,
        liveList=entity.name,
        changeFeed=entity.name,
    )
    return packed(entity, item)


def version_of(item: dict[str, Any]) -> int:
    """The stored version; items written outside the API before versioning count as 0."""
    return int(item.get("version") or 0)


def _next_write(current: dict[str, Any], updated_by: str, now_ms: int) -> dict[str, Any]:
    """System fields every write sets: version+1, and an `updatedAt` that never goes back (the
    change feed is ordered by it)."""
    return {
        "version": version_of(current) + 1,
        "updatedAt": max(int(now_ms), int(current.get("updatedAt") or 0) + 1),
        "updatedBy": updated_by,
    }


def replaced_item(
    entity: Entity, current: dict[str, Any], data: dict[str, Any], *, updated_by: str, now_ms: int
) -> dict[str, Any]:
    """The stored form after an update: the whole document is replaced (fields absent from
    `data` disappear); id, createdAt and ownerId carry over from `current`."""
    item = normalise(entity, data)
    item.update(
        id=current["id"],
        createdAt=int(current.get("createdAt") or now_ms),
        ownerId=current.get("ownerId") or updated_by,
        liveList=entity.name,
        changeFeed=entity.name,
        **_next_write(current, updated_by, now_ms),
    )
    return packed(entity, item)


def tombstone(
    current: dict[str, Any],
    *,
    updated_by: str,
    now_ms: int,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> dict[str, Any]:
    """A soft delete: the item leaves the live list for the trash, stays in the change feed
    (subscribers and catching-up clients see a delete) and is purged by TTL after
    `retention_days`."""
    item = {key: value for key, value in current.items() if key != "liveList"}
    item.update(_next_write(current, updated_by, now_ms))
    item["deletedAt"] = item["updatedAt"]
    item["purgeAt"] = item["updatedAt"] // 1000 + retention_days * 86400
    item["trashList"] = item["changeFeed"]
    return item


def restored(current: dict[str, Any], *, updated_by: str, now_ms: int) -> dict[str, Any]:
    """A tombstone brought back to life (out of the trash), with a new version."""
    item = {key: value for key, value in current.items() if key not in ("deletedAt", "purgeAt", "trashList")}
    item.update(_next_write(current, updated_by, now_ms))
    item["liveList"] = item["changeFeed"]
    return item


def is_tombstone(item: dict[str, Any] | None) -> bool:
    return bool(item) and item.get("deletedAt") is not None


def written_outside_the_api(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    """A write no API call made: a back-end job's PutItem or UpdateItem straight into the table
    (the Flash Info jobs). Such an item lacks the attributes the indexes need, or its version
    did not move, so lists, catch-up and clients' version checks would miss it."""
    if new is None:
        return False
    if new.get("changeFeed") is None:
        return True
    return version_of(new) <= (version_of(old) if old else 0)


def adoption(
    entity: Entity, old: dict[str, Any] | None, new: dict[str, Any], *, now_ms: int
) -> tuple[dict[str, Any], list[str]]:
    """What makes an item written outside the API an item like any other: (attributes to set,
    attributes to remove) on the stored item. Its version follows the one it replaced; the
    creation time and owner are the replaced item's when the write dropped them; `updatedBy`
    is cleared unless the writer changed it (nobody signed in ran the job). The app fields the
    job wrote as plain attributes are packed (over the packed fields they supersede) and
    removed: the adopted item is stored like an API write (`plain_fields` names them, so the
    caller can check they are still the values it packs)."""
    before = old or {}
    listed = "trashList" if is_tombstone(new) else "liveList"
    updated_at = max(int(now_ms), epoch_ms(new.get("updatedAt")) or 0,
                     (epoch_ms(before.get("updatedAt")) or 0) + 1)
    sets: dict[str, Any] = {
        "version": max(version_of(before), version_of(new)) + 1,
        "changeFeed": entity.name,
        listed: entity.name,
        "updatedAt": updated_at,
        "createdAt": epoch_ms(before.get("createdAt")) or epoch_ms(new.get("createdAt")) or updated_at,
    }
    if not new.get("ownerId") and before.get("ownerId"):
        sets["ownerId"] = before["ownerId"]
    removes = ["liveList" if listed == "trashList" else "trashList"]
    if new.get("updatedBy") is not None and new.get("updatedBy") == before.get("updatedBy"):
        removes.append("updatedBy")
    plain = plain_fields(entity, new)
    if plain:
        sets[APP_FIELDS] = packed(entity, unpacked(new))[APP_FIELDS]
        removes.extend(plain)
    return sets, removes


# ------------------------------------------------------------------------------- clients
def to_client(item: dict[str, Any]) -> dict[str, Any]:
    """The item as the app sees it (`data`, `Change.item`) from a stored item, packed or plain
    (`unpacked`): index attributes dropped, numbers as JSON numbers."""
    # The packed fields are JSON already (no Decimal to convert): only the attributes are walked.
    client = _packed_fields(item)
    if client is None:
        return {key: _plain(value) for key, value in item.items() if key not in INDEX_ATTRIBUTES}
    client.update((key, _plain(value)) for key, value in item.items()
                  if key not in INDEX_ATTRIBUTES and key != APP_FIELDS)
    return client


# String fields of the GraphQL item types (each type declares the subset it has).
_TYPED_TEXT_FIELDS = ("ownerId", "updatedBy", "title", "status", "category", "author", "scheduledDate")


def _text(value: Any) -> str | None:
    """Legacy items hold numbers or lists where the schema says String: show them as text."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def to_graphql(entity: Entity, item: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL `News`/`Conductor`/... object: typed fields plus `data` (the JSON item)."""
    client = to_client(item)
    shape = {field: _text(client.get(field)) for field in _TYPED_TEXT_FIELDS}
    shape.update(
        id=client["id"],
        version=version_of(client),
        createdAt=client.get("createdAt") or 0,
        updatedAt=client.get("updatedAt") or client.get("createdAt") or 0,
        deletedAt=client.get("deletedAt"),
        data=json.dumps(client, ensure_ascii=False),
    )
    return shape


def change_op(
    item: dict[str, Any] | None,
    *,
    previous: dict[str, Any] | None = None,
    inserted: bool = False,
    removed: bool = False,
) -> str:
    """The API's ChangeOp of a write that left `item` stored, the one rule of the catch-up feed
    (which sees the stored item alone) and the publisher (which also sees the `previous` item
    and whether the write `inserted` or `removed` it): a removal (TTL or purge) is a purge, a
    tombstone a delete, a cleared tombstone a restore, an insert or version 1 a create (version 1
    in a modification: a write made outside the API, just adopted), anything else an update."""
    if removed:
        return "PURGE"
    if is_tombstone(item):
        return "DELETE"
    if is_tombstone(previous):
        return "RESTORE"
    return "CREATE" if inserted or version_of(item) == 1 else "UPDATE"


def to_change(
    entity: Entity, item: dict[str, Any], *, op: str | None = None, with_item: bool = True
) -> dict[str, Any]:
    """A GraphQL `Change` for one stored item (catch-up query and publisher share it). Without
    `with_item` (items over the subscription limit) clients refetch with getT."""
    client = to_client(item)
    return {
        "entity": entity.name,
        "op": op or change_op(item),
        "id": client["id"],
        "version": client.get("version"),
        "item": json.dumps(client, ensure_ascii=False) if with_item else None,
        "changedBy": client.get("updatedBy"),
        "changedAt": client.get("updatedAt") or client.get("createdAt") or 0,
    }
