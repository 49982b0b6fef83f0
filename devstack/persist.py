"""`--persist DIR`: keep the newsroom's data between runs of the local stack.

moto keeps everything in memory, so the stack saves what matters itself when it stops cleanly
(Ctrl-C, SIGTERM) and re-creates it at the next start, through the ordinary AWS APIs:
- every item of the five entity tables (tombstones included), in DynamoDB's JSON;
- every object of the media bucket (files under DIR/media/, content types in the manifest);
- the demo users' passwords, so they stay the same.
Cognito gives users a new `sub` at each start, so `ownerId`/`updatedBy` of restored items are
mapped from the old subs to the new ones. Not kept: edit presence (it expires within minutes),
the certificate (new at each start), pending stream records, CloudFront invalidations.
"""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsroom.entities import ENTITIES

if TYPE_CHECKING:
    from devstack.stack import Stack

STATE_FILE = "state.json"
MEDIA_DIR = "media"
# Item attributes holding a user's sub.
SUB_ATTRIBUTES = ("ownerId", "updatedBy")


@dataclass
class SavedState:
    users: dict[str, dict[str, str]]  # username → {password, group, sub}
    items: dict[str, list[dict[str, Any]]]  # entity name → items in DynamoDB JSON
    media: list[dict[str, str]]  # [{key, contentType}]
    directory: Path


def _to_json(value: Any) -> Any:
    """DynamoDB JSON from boto3 (binaries as bytes) made JSON-safe."""
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"base64"}:
            return base64.b64decode(value["base64"])
        return {key: _from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_json(item) for item in value]
    return value


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def save(directory: Path, stack: "Stack") -> None:
    dynamodb, s3 = stack.dynamodb, stack.client("s3")
    items: dict[str, list[dict[str, Any]]] = {}
    for entity in ENTITIES:
        items[entity.name] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=stack.tables.name(entity)):
            items[entity.name] += [_to_json(item) for item in page["Items"]]
    media = []
    media_root = (directory / MEDIA_DIR).resolve()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=stack.media_bucket):
        for listed in page.get("Contents", []):
            target = (media_root / listed["Key"]).resolve()
            if not target.is_relative_to(media_root):
                continue  # a key like "../x" must not write outside DIR
            found = s3.get_object(Bucket=stack.media_bucket, Key=listed["Key"])
            _write_atomically(target, found["Body"].read())
            media.append({"key": listed["Key"], "contentType": found.get("ContentType", "")})
    users = {
        user["username"]: {**user, "sub": stack.subs[user["username"]]} for user in stack.users
    }
    state = {"users": users, "items": items, "media": media}
    _write_atomically(directory / STATE_FILE, json.dumps(state).encode())


def load(directory: Path) -> SavedState | None:
    """What an earlier run saved in `directory`, or None (first run)."""
    path = directory / STATE_FILE
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    return SavedState(state["users"], state["items"], state["media"], directory)


def restore(saved: SavedState, stack: "Stack") -> None:
    """Put the saved items and media back into a freshly provisioned stack."""
    new_subs = {
        user["sub"]: stack.subs[username]
        for username, user in saved.users.items()
        if username in stack.subs
    }
    dynamodb = stack.dynamodb
    for entity in ENTITIES:
        table = stack.tables.name(entity)
        for item in saved.items.get(entity.name, []):
            item = _from_json(item)
            for attribute in SUB_ATTRIBUTES:
                old = item.get(attribute, {}).get("S")
                if old in new_subs:
                    item[attribute] = {"S": new_subs[old]}
            dynamodb.put_item(TableName=table, Item=item)
    s3 = stack.client("s3")
    for media in saved.media:
        body = (saved.directory / MEDIA_DIR / media["key"]).read_bytes()
        extra = {"ContentType": media["contentType"]} if media["contentType"] else {}
        s3.put_object(Bucket=stack.media_bucket, Key=media["key"], Body=body, **extra)
