"""Who is calling, and what they may do: the newsroom's roles, read from AppSync's identity.

Groups come from `identity.groups`, else the `cognito:groups` claim. Journalists and admins read
and write everything; volunteers ("bénévoles") read everything and write only what they own;
only admins restore, purge, or clear someone else's presence. The presence handlers import the
same rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsroom.errors import Unauthorized

ADMINS = "admins"
JOURNALISTS = "journalists"
VOLUNTEERS = "volunteers"
GROUPS = (ADMINS, JOURNALISTS, VOLUNTEERS)


def _groups(identity: dict[str, Any]) -> frozenset[str]:
    groups = identity.get("groups")
    if groups is None:
        groups = (identity.get("claims") or {}).get("cognito:groups")
    if isinstance(groups, str):
        # Some token consumers flatten the list to "a,b" or "a b".
        groups = groups.replace(",", " ").split()
    return frozenset(str(group) for group in groups or ())


@dataclass(frozen=True)
class Identity:
    sub: str
    username: str
    groups: frozenset[str]
    display_name: str

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "Identity":
        """The signed-in newsroom member behind an AppSync event; Unauthorized for anonymous
        calls, IAM callers without a user, and users in none of the newsroom's groups."""
        identity = event.get("identity") if isinstance(event, dict) else None
        if not isinstance(identity, dict) or not identity.get("sub"):
            raise Unauthorized("sign in first: this call needs a signed-in newsroom user")
        groups = _groups(identity)
        if not groups & set(GROUPS):
            raise Unauthorized(
                "your account is in none of the groups admins, journalists or volunteers: "
                "ask an admin to add you to one"
            )
        claims = identity.get("claims") or {}
        username = str(identity.get("username") or claims.get("cognito:username") or identity["sub"])
        full_name = " ".join(
            str(claims[part]) for part in ("given_name", "family_name") if claims.get(part)
        )
        display_name = str(
            claims.get("name") or full_name or claims.get("preferred_username") or username
        )
        return cls(str(identity["sub"]), username, groups, display_name)

    @property
    def is_admin(self) -> bool:
        return ADMINS in self.groups

    @property
    def can_write_all(self) -> bool:
        """Journalists and admins edit anyone's items; volunteers only their own."""
        return bool(self.groups & {ADMINS, JOURNALISTS})

    def owns(self, item: dict[str, Any]) -> bool:
        return item.get("ownerId") == self.sub

    def may_write(self, item: dict[str, Any]) -> bool:
        return self.can_write_all or self.owns(item)

    def require_write(self, item: dict[str, Any]) -> None:
        if not self.may_write(item):
            raise Unauthorized(
                f"volunteers may change only their own items; {item.get('id')} belongs to "
                "someone else (ask a journalist)"
            )

    def require_admin(self, action: str) -> None:
        if not self.is_admin:
            raise Unauthorized(f"only admins may {action}")
