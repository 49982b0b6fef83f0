"""The newsroom's entities and their tables: the one list the infrastructure, the handlers,
the local stack and the migration all read (never write a second one).

Every entity table is keyed on `id` alone and carries a few attributes that exist only to feed
its indexes, so that each access pattern is a Query or a GetItem, never a Scan:

- `liveList`   = the entity name while the item is live, removed on a tombstone: the sparse
                 index LIVE_INDEX lists live items newest-first (hash liveList, range createdAt).
- `changeFeed` = the entity name, always: FEED_INDEX lists every change, tombstones included,
                 by `updatedAt` (catch-up of reconnecting clients).
- `trashList`  = the entity name while the item is a tombstone, removed on restore: the sparse
                 index TRASH_INDEX lists deleted items newest deletion first (range deletedAt).
- `ownerId`    = JWT `sub` of the creator: OWNER_INDEX lists one owner's items.
- `scheduledDate` (journals, conductors): SCHEDULE_INDEX lists a day's rundowns.
- `purgeAt`    = epoch seconds, set on tombstones only: DynamoDB's TTL purges them.
  (`expiresAt` is taken: legacy news use it for their own meaning.)

Besides these, `id` and the system attributes, an item stores the app's fields packed in one
JSON attribute, `appFields` (newsroom/items.py, "stored form"; docs/contracts.md).
"""
from __future__ import annotations

from dataclasses import dataclass

LIVE_INDEX = "live-createdAt"
FEED_INDEX = "feed-updatedAt"
OWNER_INDEX = "owner-createdAt"
SCHEDULE_INDEX = "scheduledDate-createdAt"
TRASH_INDEX = "trash-deletedAt"
TTL_ATTRIBUTE = "purgeAt"

# Attributes that exist only for the indexes and TTL: never shown to clients.
INDEX_ATTRIBUTES = ("liveList", "changeFeed", "trashList", TTL_ATTRIBUTE)
# Attributes only the server sets; whatever a client sends for them is ignored.
SYSTEM_ATTRIBUTES = ("version", "createdAt", "updatedAt", "ownerId", "updatedBy", "deletedAt")


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class Entity:
    """One kind of newsroom item and the DynamoDB table that stores it (its physical name: a
    `Tables` value, newsroom/tables.py)."""

    name: str  # table suffix, GraphQL `Entity` enum value, storage `type`: "news"
    type_name: str  # GraphQL object type: "News"
    plural: str  # GraphQL list suffix: listNews, listAnimations
    id_prefix: str  # prefix of ids the app generates: "news-<epoch ms>"
    scheduled: bool = False  # journals and conductors are looked up by scheduled date

    @property
    def indexes(self) -> tuple[Index, ...]:
        common = (
            Index(LIVE_INDEX, "liveList", "createdAt"),
            Index(FEED_INDEX, "changeFeed", "updatedAt"),
            Index(OWNER_INDEX, "ownerId", "createdAt"),
            Index(TRASH_INDEX, "trashList", "deletedAt"),
        )
        if self.scheduled:
            return common + (Index(SCHEDULE_INDEX, "scheduledDate", "createdAt"),)
        return common

    @property
    def attribute_types(self) -> dict[str, str]:
        """DynamoDB types of the key attributes of the table and its indexes."""
        types = {"id": "S"}
        for index in self.indexes:
            types[index.hash_key] = "S"
            types[index.range_key] = "N"
        return types


ENTITIES: tuple[Entity, ...] = (
    Entity("news", "News", "News", "news"),
    Entity("animations", "Animation", "Animations", "animation"),
    Entity("blocks", "Block", "Blocks", "block"),
    Entity("conductors", "Conductor", "Conductors", "conductor", scheduled=True),
    Entity("journals", "Journal", "Journals", "journal", scheduled=True),
    # The app's multitrack editor projects: `name`, `linkedNewsId`, `duration`,
    # `tracks[].clips[].s3Url` (docs/contracts.md).
    Entity("multitracks", "Multitrack", "Multitracks", "multitrack"),
)
BY_NAME = {entity.name: entity for entity in ENTITIES}
BY_TYPE = {entity.type_name: entity for entity in ENTITIES}


@dataclass(frozen=True)
class PresenceTable:
    """Edit presence (soft locks): who is editing which item, expiring by itself.

    Key: `itemKey` = "<entity>#<id>" (hash) + `editorId` = JWT sub (range). `expiresAt` (epoch
    ms) is what reads check; `purgeAt` (epoch seconds) is the TTL attribute, because DynamoDB
    purges expired items only within a day or two.
    """

    name: str = "presence"
    hash_key: str = "itemKey"
    range_key: str = "editorId"
    ttl_attribute: str = TTL_ATTRIBUTE


PRESENCE = PresenceTable()
