"""The stack's settings: read once from `pulumi.Config`, checked, and handed to the tiers typed.

Every value lives in `Pulumi.<stack>.yaml` (or `pulumi config set`); nothing about an
environment is written in code. A missing or invalid value stops the program with a
`SettingsError` naming the key and what it accepts, before any resource is declared.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from newsroom.auth import GROUPS
from newsroom.entities import BY_NAME
from newsroom.items import DEFAULT_RETENTION_DAYS
from infra.station_app import StationAppError, station_files

PROJECT = "saint-esprit"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "eu-west-3"
DEFAULT_SITE_DIR = "frontend/dist"
ENVIRONMENTS = ("dev", "prod")
# The only retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)
DEFAULT_LOG_RETENTION_DAYS = 30
TOMBSTONE_RETENTION_RANGE = (1, 365)

# Resource names are built from the prefix; S3 bucket names are the strictest (lower case), X-Ray
# sampling rule names the shortest (32 characters: "<prefix>-api").
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{0,26}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# CloudFront only takes certificates from ACM in us-east-1.
CERTIFICATE_ARN = re.compile(r"^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$")
USER_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-[a-z]+)+-\d)_[0-9A-Za-z]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Cognito app client ids: letters, digits, "_" or "+", at most 128 (CreateUserPoolClient).
APP_CLIENT_ID = re.compile(r"^[A-Za-z0-9_+]{1,128}$")
# A Cognito-prefix hosted UI domain says its region: <prefix>.auth.<region>.amazoncognito.com.
COGNITO_DOMAIN = re.compile(r"^[a-z0-9-]+\.auth\.(?P<region>[a-z]{2}(-[a-z]+)+-\d)\.amazoncognito\.com$")


ALARM_EMAIL_MISSING = (
    f"NOBODY WILL BE TOLD WHEN CHANGES STOP REACHING THE NEWSROOM: {PROJECT}:alarmEmail is not set, so "
    "the alarm on failed stream batches e-mails no one. Set it: "
    f"`pulumi config set {PROJECT}:alarmEmail <address>` (docs/deploy.md), then confirm AWS's e-mail."
)


class SettingsError(ValueError):
    """A stack setting is missing or invalid; the message names the key and what it accepts."""

    def __init__(self, key: str, problem: str, allowed: str):
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        super().__init__(
            f"stack setting {full_key} {problem}; allowed: {allowed} "
            f"(set it with `pulumi config set {full_key} <value>`, see docs/deploy.md)"
        )
        self.key = full_key


@dataclass(frozen=True)
class Settings:
    environment: str
    production: bool
    name_prefix: str
    region: str = DEFAULT_REGION
    domain_names: tuple[str, ...] = ()
    certificate_arn: str | None = None
    adopted_user_pool_id: str | None = None
    tombstone_retention_days: int = DEFAULT_RETENTION_DAYS
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    alarm_email: str | None = None
    site_dir: Path = ROOT / DEFAULT_SITE_DIR
    # The station's own app folder, published instead of the built newsroom page (infra/cdn.py).
    app_dir: Path | None = None
    invalidation_paths: dict[str, list[str]] = field(default_factory=dict)
    # Legacy tables the scheduled jobs still write, carried by the bridge: entity → stream ARN.
    legacy_bridge: dict[str, str] = field(default_factory=dict)
    # App clients of the adopted pool, besides the stack's own, whose tokens AppSync and the
    # identity pool accept (the station's app signs in through its own client).
    accepted_client_ids: tuple[str, ...] = ()
    # The adopted pool's hosted UI (host, no scheme): config.json's "hostedUi" (token refresh).
    hosted_ui_domain: str | None = None
    # Newsroom groups that already exist in the adopted pool: imported, never created.
    existing_groups: tuple[str, ...] = ()

    @classmethod
    def load(cls) -> "Settings":
        config = pulumi.Config(PROJECT)
        region = pulumi.Config("aws").get("region") or DEFAULT_REGION
        if not REGION.match(region):
            raise SettingsError("aws:region", f"is {region!r}", "an AWS region name such as eu-west-3")
        environment = _choice(config, "environment", ENVIRONMENTS)
        domain_names = _domain_names(config)
        adopted_user_pool_id = _adopted_user_pool_id(config, region)
        settings = cls(
            environment=environment,
            production=environment == "prod",
            name_prefix=_matching(config, "namePrefix", NAME_PREFIX,
                                  "2 to 28 lower-case letters, digits and hyphens, starting with a letter")
            or f"{PROJECT}-{environment}",
            region=region,
            domain_names=domain_names,
            certificate_arn=_certificate_arn(config, domain_names),
            adopted_user_pool_id=adopted_user_pool_id,
            tombstone_retention_days=_int_in_range(config, "tombstoneRetentionDays",
                                                   DEFAULT_RETENTION_DAYS, *TOMBSTONE_RETENTION_RANGE),
            log_retention_days=_log_retention_days(config),
            alarm_email=_matching(config, "alarmEmail", EMAIL, "an e-mail address"),
            site_dir=_site_dir(config),
            app_dir=_app_dir(config, _site_dir(config)),
            invalidation_paths=_invalidation_paths(config),
            legacy_bridge=_legacy_bridge(config, region),
            accepted_client_ids=_accepted_client_ids(config, adopted_user_pool_id),
            hosted_ui_domain=_hosted_ui_domain(config, region),
            existing_groups=_existing_groups(config, adopted_user_pool_id),
        )
        if settings.production and settings.alarm_email is None:
            # Not an error: the committed prod file must deploy as is (the address is the
            # operator's to give), but a preview must say it, every time, until it is set.
            pulumi.log.warn(ALARM_EMAIL_MISSING)
        return settings


def _raw(config: pulumi.Config, key: str) -> Any:
    value = config.get(key)
    return None if value in (None, "") else value


def _object(config: pulumi.Config, key: str, expected: str) -> Any:
    try:
        return config.get_object(key)
    except (ValueError, pulumi.ConfigTypeError):
        raise SettingsError(key, "is not valid JSON/YAML structure", expected) from None


def _choice(config: pulumi.Config, key: str, allowed: tuple[str, ...]) -> str:
    value = _raw(config, key)
    if value not in allowed:
        problem = "is missing" if value is None else f"is {value!r}"
        raise SettingsError(key, problem, " | ".join(allowed))
    return value


def _matching(config: pulumi.Config, key: str, pattern: re.Pattern, allowed: str) -> str | None:
    value = _raw(config, key)
    if value is not None and not pattern.match(value):
        raise SettingsError(key, f"is {value!r}", allowed)
    return value


def _int(config: pulumi.Config, key: str, default: int, allowed: str) -> int:
    value = _raw(config, key)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(key, f"is {value!r}", allowed) from None


def _int_in_range(config: pulumi.Config, key: str, default: int, low: int, high: int) -> int:
    allowed = f"a whole number of days from {low} to {high} (default {default})"
    value = _int(config, key, default, allowed)
    if not low <= value <= high:
        raise SettingsError(key, f"is {value}", allowed)
    return value


def _log_retention_days(config: pulumi.Config) -> int:
    allowed = ", ".join(map(str, LOG_RETENTION_DAYS)) + f" (default {DEFAULT_LOG_RETENTION_DAYS})"
    value = _int(config, "logRetentionDays", DEFAULT_LOG_RETENTION_DAYS, allowed)
    if value not in LOG_RETENTION_DAYS:
        raise SettingsError("logRetentionDays", f"is {value}", allowed)
    return value


def _domain_names(config: pulumi.Config) -> tuple[str, ...]:
    allowed = 'a list of DNS names, e.g. ["saint-esprit.link", "www.saint-esprit.link"], or none'
    value = _object(config, "domainNames", allowed) or []
    if not isinstance(value, list) or not all(isinstance(n, str) and DOMAIN_NAME.match(n) for n in value):
        raise SettingsError("domainNames", f"is {value!r}", allowed)
    return tuple(value)


def _certificate_arn(config: pulumi.Config, domain_names: tuple[str, ...]) -> str | None:
    """The pair joins at the cut-over (docs/runbooks/cut-over.md): both set, or neither."""
    allowed = "the ARN of an ACM certificate in us-east-1 covering domainNames (CloudFront's region)"
    value = _matching(config, "certificateArn", CERTIFICATE_ARN, allowed)
    if domain_names and value is None:
        raise SettingsError("certificateArn", "is missing but domainNames is set", allowed)
    if value is not None and not domain_names:
        raise SettingsError("certificateArn", "is set but domainNames is empty", "no certificate without domainNames")
    return value


def _list(config: pulumi.Config, key: str, pattern: re.Pattern, allowed: str) -> tuple[str, ...]:
    """A list of distinct strings, each matching `pattern`."""
    value = _object(config, key, allowed) or []
    valid = isinstance(value, list) and all(isinstance(v, str) and pattern.match(v) for v in value)
    if not valid or len(set(value)) != len(value):
        raise SettingsError(key, f"is {value!r}", allowed)
    return tuple(value)


def _accepted_client_ids(config: pulumi.Config, adopted_user_pool_id: str | None) -> tuple[str, ...]:
    allowed = ("a list of app client ids of the adopted pool (letters, digits, _ or +), "
               'e.g. ["<the station app\'s client id>"], or none')
    value = _list(config, "acceptedClientIds", APP_CLIENT_ID, allowed)
    if value and adopted_user_pool_id is None:
        raise SettingsError("acceptedClientIds", "is set but adoptedUserPoolId is not",
                            "other clients only of an adopted pool (a created pool has only the stack's)")
    return value


def _hosted_ui_domain(config: pulumi.Config, region: str) -> str | None:
    allowed = (f"the host of the pool's hosted UI without https://, e.g. <prefix>.auth.{region}.amazoncognito.com "
               "or a custom domain such as auth.example.org, or none")
    value = _matching(config, "hostedUiDomain", DOMAIN_NAME, allowed)
    cognito = COGNITO_DOMAIN.match(value or "")
    if cognito and cognito["region"] != region:
        raise SettingsError("hostedUiDomain", f"is {value!r}, a domain outside {region}", allowed)
    return value


def _existing_groups(config: pulumi.Config, adopted_user_pool_id: str | None) -> tuple[str, ...]:
    allowed = f"a list of the newsroom groups ({', '.join(GROUPS)}) that already exist in the adopted pool, or none"
    value = _list(config, "existingGroups", re.compile(f"^({'|'.join(GROUPS)})$"), allowed)
    if value and adopted_user_pool_id is None:
        raise SettingsError("existingGroups", "is set but adoptedUserPoolId is not",
                            "groups to import only from an adopted pool")
    return value


def _adopted_user_pool_id(config: pulumi.Config, region: str) -> str | None:
    allowed = f"the id of an existing Cognito user pool in {region} (<region>_<id>), or none to create one"
    value = _matching(config, "adoptedUserPoolId", USER_POOL_ID, allowed)
    if value is not None and USER_POOL_ID.match(value)["region"] != region:
        raise SettingsError("adoptedUserPoolId", f"is {value!r}, a pool outside {region}", allowed)
    return value


def _site_dir(config: pulumi.Config) -> Path:
    path = Path(_raw(config, "siteDir") or DEFAULT_SITE_DIR)
    return path if path.is_absolute() else ROOT / path


def _app_dir(config: pulumi.Config, site_dir: Path) -> Path | None:
    """The station's app folder (its repository's `frontend/`), relative to the repository or
    absolute; checked whole (its index.html, the storage tag to swap, the build's bundle)."""
    value = _raw(config, "appDir")
    if value is None:
        return None
    path = Path(value) if Path(value).is_absolute() else ROOT / value
    try:
        station_files(path, site_dir)
    except StationAppError as error:
        raise SettingsError("appDir", f"is {value!r}: {error}",
                            "the folder of the station's app (the one holding its index.html), or none") from None
    return path


def _invalidation_paths(config: pulumi.Config) -> dict[str, list[str]]:
    allowed = (f"an object from entity ({', '.join(BY_NAME)}) to a list of site paths starting "
               'with "/", e.g. {"journals": ["/journal/*"]}')
    value = _object(config, "invalidationPaths", allowed) or {}
    valid = isinstance(value, dict) and all(
        entity in BY_NAME and isinstance(paths, list)
        and all(isinstance(p, str) and p.startswith("/") for p in paths)
        for entity, paths in value.items()
    )
    if not valid:
        raise SettingsError("invalidationPaths", f"is {value!r}", allowed)
    return value


STREAM_ARN = re.compile(r"^arn:aws:dynamodb:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:"
                        r"table/[A-Za-z0-9_.-]{3,255}/stream/[0-9A-Za-z:.-]+$")


def _legacy_bridge(config: pulumi.Config, region: str) -> dict[str, str]:
    allowed = (f"an object from entity ({', '.join(BY_NAME)}) to the stream ARN of its legacy table "
               f"in {region}, e.g. {{\"news\": \"arn:aws:dynamodb:{region}:<account>:table/"
               "saint-esprit-news/stream/<label>\"} (docs/runbooks/cut-over.md), or none")
    value = _object(config, "legacyBridge", allowed) or {}
    valid = isinstance(value, dict) and all(
        entity in BY_NAME and isinstance(arn, str) and STREAM_ARN.match(arn)
        and STREAM_ARN.match(arn)["region"] == region
        for entity, arn in value.items()
    )
    if not valid:
        raise SettingsError("legacyBridge", f"is {value!r}", allowed)
    return value
