"""Create the platform's tables in a DynamoDB endpoint (moto) from the entity definitions.

The same definitions drive `infra/data.py`, so the local stack and the tests always have the
tables, indexes, streams and TTL that production has.
"""
from __future__ import annotations

from typing import Any

from newsroom.entities import ENTITIES, PRESENCE, TTL_ATTRIBUTE, Entity
from newsroom.tables import Tables


def _entity_table_spec(entity: Entity, table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in entity.attribute_types.items()
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in entity.indexes
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


def _presence_table_spec(table_name: str) -> dict[str, Any]:
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": PRESENCE.hash_key, "KeyType": "HASH"},
            {"AttributeName": PRESENCE.range_key, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": PRESENCE.hash_key, "AttributeType": "S"},
            {"AttributeName": PRESENCE.range_key, "AttributeType": "S"},
        ],
    }


def create_tables(dynamodb, tables: Tables) -> None:
    """Create every table `tables` names (skipping existing ones), with its TTL switched on."""
    existing = set(dynamodb.list_tables()["TableNames"])
    specs = [_entity_table_spec(entity, tables.name(entity)) for entity in ENTITIES]
    specs.append(_presence_table_spec(tables.presence))
    for spec in specs:
        name = spec["TableName"]
        if name not in existing:
            dynamodb.create_table(**spec)
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )


# ------------------------------------------------------------------ the rest of the local stack
# Demo accounts, one or two per newsroom group, seeded at every start (passwords generated).
DEMO_USERS = (
    ("admin", "admins", "Admin Démo"),
    ("journalist", "journalists", "Journaliste Démo"),
    ("journalist2", "journalists", "Journaliste Deux"),
    ("volunteer", "volunteers", "Bénévole Démo"),
)
GROUPS = ("admins", "journalists", "volunteers")


def generate_password() -> str:
    """A password Cognito's default policy accepts (upper, lower, digit, symbol; 8+ chars)."""
    import secrets
    import string

    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    return f"Se{body}7!"


def create_media_bucket(s3, name: str, site_origin: str) -> str:
    """The bucket holding audio under `media/`; CORS lets the site upload to it directly."""
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        region = s3.meta.region_name
        location = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}
        }
        s3.create_bucket(Bucket=name, **location)
    s3.put_bucket_cors(
        Bucket=name,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [site_origin],
                    "AllowedMethods": ["GET", "HEAD", "PUT", "POST", "DELETE"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 300,
                }
            ]
        },
    )
    return name


def create_distribution(cloudfront, media_bucket: str) -> str:
    """A CloudFront distribution in front of the media bucket: gives the invalidator a real
    DISTRIBUTION_ID (moto records its invalidations; it serves nothing itself)."""
    import uuid

    origin_id = "media"
    config = {
        "CallerReference": str(uuid.uuid4()),
        "Comment": "Saint-Esprit local stack",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": origin_id,
                    "DomainName": f"{media_bucket}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id,
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def create_user_pool(cognito_idp, name: str) -> tuple[str, str]:
    """A user pool with the newsroom's groups and a public app client (no secret). Returns
    (pool id, client id). USER_PASSWORD_AUTH is allowed because moto has no SRP."""
    pool_id = cognito_idp.create_user_pool(
        PoolName=name,
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = cognito_idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-web",
        GenerateSecret=False,
        ExplicitAuthFlows=[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )["UserPoolClient"]["ClientId"]
    for group in GROUPS:
        cognito_idp.create_group(UserPoolId=pool_id, GroupName=group)
    return pool_id, client_id


def create_user(cognito_idp, pool_id: str, username: str, password: str, group: str,
                display_name: str) -> str:
    """A confirmed user (permanent password) in one group; returns its `sub`."""
    response = cognito_idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "name", "Value": display_name},
            {"Name": "email", "Value": f"{username}@saint-esprit.local"},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    cognito_idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )
    cognito_idp.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    attributes = {a["Name"]: a["Value"] for a in response["User"]["Attributes"]}
    return attributes["sub"]


def create_identity_pool(cognito_identity, name: str, region: str, pool_id: str,
                         client_id: str) -> str:
    """The identity pool that trades a user pool token for media-bucket credentials; no
    unauthenticated identities."""
    return cognito_identity.create_identity_pool(
        IdentityPoolName=name.replace("-", "_"),
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {
                "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool_id}",
                "ClientId": client_id,
                "ServerSideTokenCheck": False,
            }
        ],
    )["IdentityPoolId"]
