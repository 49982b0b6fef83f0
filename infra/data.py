"""The data tier: one DynamoDB table per newsroom entity, plus the edit-presence table.

Tables, keys and indexes come from `newsroom/entities.py`, the list the functions and the local
stack read too, so an index the resolver queries always exists in production. Their names are
`Tables.named(namePrefix)`'s (newsroom/tables.py), as the local stack names its own.
"""
from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from newsroom.entities import ENTITIES, PRESENCE, TTL_ATTRIBUTE, Entity
from newsroom.tables import Tables


@dataclass
class DataTierArgs:
    # Production tables refuse deletion twice: in AWS (deletion protection) and in Pulumi
    # (`protect`), so neither a console click nor a `pulumi destroy` loses the newsroom's work.
    production: bool = False
    name_prefix: str = "saint-esprit"
    # Restore to any second of the last 35 days; on by default: editors overwrite each other.
    point_in_time_recovery: bool = True
    # Customer managed KMS key ARN; None uses the AWS managed key (aws/dynamodb), no key to run.
    kms_key_arn: pulumi.Input[str] | None = None


class DataTier(pulumi.ComponentResource):
    tables: dict[str, aws.dynamodb.Table]
    presence_table: aws.dynamodb.Table

    def __init__(self, name: str, args: DataTierArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("saint-esprit:data:DataTier", name, None, opts)
        self._name = name
        self._args = args
        self._names = Tables.named(args.name_prefix)
        self.tables = {entity.name: self._entity_table(entity) for entity in ENTITIES}
        self.presence_table = self._presence_table()
        self.register_outputs({
            "table_names": {entity: table.name for entity, table in self.tables.items()},
            "presence_table_name": self.presence_table.name,
        })

    def _child_options(self) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, protect=self._args.production)

    def _common(self) -> dict:
        """What every table shares: on-demand billing, encryption, PITR, TTL purging, and a
        stream with both images (the publisher tells a delete from a restore by comparing them;
        presence has no consumer, but an unread stream costs nothing and keeps the guardrail
        "streams on every table" without exceptions)."""
        return dict(
            billing_mode="PAY_PER_REQUEST",
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=self._args.kms_key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=self._args.point_in_time_recovery
            ),
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=TTL_ATTRIBUTE, enabled=True),
            deletion_protection_enabled=self._args.production,
        )

    def _entity_table(self, entity: Entity) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{self._name}-{entity.name}",
            name=self._names.name(entity),
            hash_key="id",
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=attribute, type=kind)
                for attribute, kind in entity.attribute_types.items()
            ],
            global_secondary_indexes=[
                aws.dynamodb.TableGlobalSecondaryIndexArgs(
                    name=index.name,
                    key_schemas=[
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(attribute_name=index.hash_key, key_type="HASH"),
                        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(attribute_name=index.range_key, key_type="RANGE"),
                    ],
                    # Lists return whole items: projecting everything saves a GetItem per row.
                    projection_type="ALL",
                )
                for index in entity.indexes
            ],
            **self._common(),
            opts=self._child_options(),
        )

    def _presence_table(self) -> aws.dynamodb.Table:
        # Announcements expire by themselves (TTL); the presence mutations notify subscribers
        # directly, so no stream consumer reads this table.
        return aws.dynamodb.Table(
            f"{self._name}-{PRESENCE.name}",
            name=self._names.presence,
            hash_key=PRESENCE.hash_key,
            range_key=PRESENCE.range_key,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=PRESENCE.hash_key, type="S"),
                aws.dynamodb.TableAttributeArgs(name=PRESENCE.range_key, type="S"),
            ],
            **self._common(),
            opts=self._child_options(),
        )
