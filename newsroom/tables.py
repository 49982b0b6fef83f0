"""Where the newsroom's tables are: `Tables`, the one value every function that reads or writes
them takes explicitly.

    tables = Tables.named("saint-esprit-dev")            # the local stack, the tests
    tables = Tables.from_env(os.environ)                 # a Lambda entry point, once, at import
    tables.name("news")                                  # "saint-esprit-dev-news"
    tables.dynamodb()                                    # the client that reaches them

The environment variables naming the tables (`TABLE_NEWS`, ..., `TABLE_PRESENCE`) are written
by the infrastructure (infra/api.py, infra/streams.py) and read by the entry points; both spell
them through `variable()` / `variables()`, the one place they are mapped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TypeVar

from newsroom import aws
from newsroom.entities import BY_NAME, ENTITIES, PRESENCE, Entity

T = TypeVar("T")
# Every table the platform has: the entities' and the presence table.
TABLE_KEYS: tuple[str, ...] = (*(entity.name for entity in ENTITIES), PRESENCE.name)


def variable(key: str) -> str:
    """The environment variable naming one table for the functions: TABLE_NEWS, TABLE_PRESENCE."""
    if key not in TABLE_KEYS:
        raise KeyError(f"no table {key!r}: one of {', '.join(TABLE_KEYS)}")
    return f"TABLE_{key.upper()}"


def variables(names: Mapping[str, T]) -> dict[str, T]:
    """`{entity or "presence": name}` → `{TABLE_*: name}` (names may be Pulumi outputs)."""
    return {variable(key): name for key, name in names.items()}


@dataclass(frozen=True)
class Tables:
    """The physical name of each table (entity name or "presence" → table name) and the
    endpoint and region that reach them (None: the SDK's own defaults, as in Lambda).

    A function deployed for a few entities only (the legacy bridge) gets only theirs: asking
    for another names what is missing instead of guessing."""

    names: Mapping[str, str]
    endpoint_url: str | None = None
    region: str | None = None
    _by_table: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.names) - set(TABLE_KEYS))
        if unknown:
            raise ValueError(f"unknown tables {unknown}: the keys are {', '.join(TABLE_KEYS)}")
        empty = sorted(key for key, name in self.names.items() if not isinstance(name, str) or not name)
        if empty:
            raise ValueError(f"tables {empty} have no name")
        object.__setattr__(self, "names", dict(self.names))
        object.__setattr__(self, "_by_table", {name: key for key, name in self.names.items()})

    # ----------------------------------------------------------------------- constructors
    @classmethod
    def named(cls, prefix: str, **where: Any) -> "Tables":
        """Every table, named `<prefix>-<entity>` and `<prefix>-presence` as infra/data.py
        names them."""
        return cls({key: f"{prefix}-{key}" for key in TABLE_KEYS}, **where)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **where: Any) -> "Tables":
        """The tables the environment names (TABLE_*); those it does not name are absent."""
        names = {key: environ[variable(key)] for key in TABLE_KEYS if environ.get(variable(key))}
        return cls(names, endpoint_url=environ.get("AWS_ENDPOINT_URL") or None, **where)

    # ---------------------------------------------------------------------------- lookups
    def name(self, entity: Entity | str) -> str:
        """The table of an entity (or of "presence")."""
        key = entity.name if isinstance(entity, Entity) else entity
        try:
            return self.names[key]
        except KeyError:
            if key not in TABLE_KEYS:
                raise KeyError(f"no table {key!r}: one of {', '.join(TABLE_KEYS)}") from None
            raise LookupError(
                f"no table for {key!r} here ({variable(key)} names it for a deployed function)"
            ) from None

    @property
    def presence(self) -> str:
        return self.name(PRESENCE.name)

    def entity_of(self, table_name: str) -> Entity:
        """The entity a table belongs to (stream records name their table, not their entity)."""
        key = self._by_table.get(table_name)
        if key not in BY_NAME:
            raise LookupError(f"table {table_name!r} belongs to no entity of {sorted(self.names)}")
        return BY_NAME[key]

    def env(self) -> dict[str, str]:
        """The TABLE_* variables a deployed function would get for these tables."""
        return variables(self.names)

    def dynamodb(self):
        """The DynamoDB client that reaches these tables (one per endpoint and region)."""
        return aws.client("dynamodb", endpoint_url=self.endpoint_url, region=self.region)
