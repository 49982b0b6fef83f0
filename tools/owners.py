"""Who owns a migrated item: legacy user names and old Cognito subs mapped to the new pool's subs.

Legacy items rarely carry a `userId`; what they have is the S3 document they came from (named
after a user) and an `author` display name. The mapping comes from a JSON file the operator
writes (`{"simonmarty": "<sub>", "<old sub>": "<new sub>"}`) or from the user pool itself.
`author` is never changed: it stays the display name as written.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from tools.legacy import LegacyRecord, user_key


class OwnerDirectory:
    def __init__(self, mapping: dict[str, str], fallback_owner: str):
        # Keys compared case- and accent-insensitively, as the old app's user names were.
        self._subs = {user_key(name): sub for name, sub in mapping.items()}
        self._subs.update({name: sub for name, sub in mapping.items()})  # subs verbatim
        self.fallback_owner = fallback_owner
        self.unmapped: Counter[str] = Counter()

    @classmethod
    def from_file(cls, path: Path, fallback_owner: str) -> "OwnerDirectory":
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise ValueError(f"{path}: expected a JSON object of legacy name or sub → new sub")
        return cls(mapping, fallback_owner)

    @classmethod
    def from_user_pool(cls, cognito, user_pool_id: str, fallback_owner: str) -> "OwnerDirectory":
        """Every user of the pool under each name a legacy item may use for them: the pool's
        username, `preferred_username`, `name`, the local part of `email`, and their own `sub`
        (an adopted pool keeps its subs, so old `userId`s map to themselves)."""
        mapping: dict[str, str] = {}
        for page in cognito.get_paginator("list_users").paginate(UserPoolId=user_pool_id):
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                sub = attributes.get("sub")
                if not sub:
                    continue
                names = [user["Username"], attributes.get("preferred_username"), attributes.get("name")]
                if attributes.get("email"):
                    names.append(attributes["email"].split("@", 1)[0])
                for name in filter(None, names):
                    mapping.setdefault(name, sub)
                mapping[sub] = sub
        return cls(mapping, fallback_owner)

    def owner_of(self, record: LegacyRecord) -> str:
        """The new sub of the item's owner, trying what identifies them best first; the fallback
        owner (counted under the names tried) when nothing matches."""
        candidates = [
            record.data.get("userId"),
            record.data.get("ownerId"),
            record.document_user_id,
            record.legacy_user,
            record.data.get("author"),
        ]
        tried = [str(c) for c in candidates if c]
        for name in tried:
            sub = self._subs.get(name) or self._subs.get(user_key(name))
            if sub:
                return sub
        self.unmapped[tried[0] if tried else "(no user)"] += 1
        return self.fallback_owner

    def report(self) -> dict[str, int]:
        return dict(sorted(self.unmapped.items()))


