"""Everything the migration's command line names, checked before anything is read.

An operator's mistake (a table in another region, a typo in a name, the stack output of a
stack deployed before an entity existed) must stop the run at once with a message that names
the table, bucket or key and says what to do, in a dry run as in a real one, instead of a
traceback halfway through (or, for a missing media bucket, a dry run that passes and a real run
that crashes). Every problem is collected, so one run lists them all.

Only metadata calls are made here (DescribeTable, HeadBucket, GetBucketLocation,
DescribeUserPool): no item or document is read.
"""
from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from newsroom.entities import BY_NAME, ENTITIES, LIVE_INDEX
from newsroom.tables import Tables, variable
from tools.legacy import DEFAULT_TABLES
from tools.owners import OwnerDirectory

STACK_TABLES = 'pass the stack output: --target-tables "$(pulumi stack output tableNames --json -s $STACK)"'
_MISSING = {"ResourceNotFoundException", "NoSuchBucket", "404", "NotFound"}
_DENIED = {"AccessDenied", "AccessDeniedException", "403", "Forbidden"}
_BAD_CREDENTIALS = {"UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId",
                    "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException"}


@dataclass(frozen=True)
class Problem:
    subject: str  # the table, bucket, option or key, by name
    advice: str  # what is wrong with it and what to do

    def as_report(self) -> dict[str, str]:
        return {"subject": self.subject, "problem": self.advice}

    def __str__(self) -> str:
        return f"{self.subject}: {self.advice}"


class PreflightFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


class _CannotAsk(Exception):
    """AWS refuses the credentials or cannot be reached: every other check would fail alike."""

    def __init__(self, problem: Problem):
        self.problem = problem


@dataclass
class Checked:
    """What the run uses, once every name is known to be right."""

    s3: Any
    dynamodb: Any  # reaches the target and the legacy tables (the run's region)
    region: str
    tables: Tables  # the target tables, what the item rules (newsroom.legacy) write to
    legacy_tables: dict[str, str]  # entity -> legacy table
    owners: OwnerDirectory | None  # from --owners; None: built from the pool or empty


@dataclass
class _Preflight:
    args: Any
    environ: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)

    def problem(self, subject: str, advice: str) -> None:
        self.problems.append(Problem(subject, advice))

    # ------------------------------------------------------------ the command line alone
    def targets(self) -> dict[str, str]:
        """The target table of every entity: --target-tables (the stack output), else the
        TABLE_* variable the operator exported (newsroom.tables.variable names it)."""
        given: dict[str, Any] = {}
        if self.args.target_tables is not None:
            try:
                given = json.loads(self.args.target_tables)
            except ValueError as error:
                self.problem("--target-tables", f"is not JSON ({error}); {STACK_TABLES}")
                given = {}
            if not isinstance(given, dict):
                self.problem("--target-tables", f"is a JSON {type(given).__name__}, not an object "
                             f"of entity to table name; {STACK_TABLES}")
                given = {}
        for key, table in given.items():
            if key not in BY_NAME:
                close = difflib.get_close_matches(key, BY_NAME, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.problem(f"--target-tables key {key!r}", f"is no entity ({hint}the keys are "
                             f"{', '.join(BY_NAME)}); {STACK_TABLES}")
            elif not isinstance(table, str) or not table:
                self.problem(f"--target-tables key {key!r}", f"must name a table, not {table!r}")
        targets = {}
        for entity in ENTITIES:
            table = given.get(entity.name) or self.environ.get(variable(entity.name))
            if isinstance(table, str) and table:
                targets[entity.name] = table
            elif entity.name not in given:
                self.problem(
                    f"target table of {entity.name}",
                    f"not named: --target-tables has no key {entity.name!r} and {variable(entity.name)} "
                    f"is unset. A stack deployed before {entity.name} existed has no such table: "
                    f"deploy it (pulumi up), then {STACK_TABLES}")
        shared = {table for table in targets.values() if list(targets.values()).count(table) > 1}
        for table in sorted(shared):
            names = [entity for entity, named in targets.items() if named == table]
            self.problem(f"target table {table}", f"named for {', '.join(names)}: each entity has "
                         f"its own table; {STACK_TABLES}")
        return targets

    def legacy_tables(self) -> dict[str, str]:
        tables = {} if self.args.skip_tables else dict(DEFAULT_TABLES)
        for override in self.args.legacy_table:
            entity, _, table = override.partition("=")
            if entity not in DEFAULT_TABLES:
                self.problem(f"--legacy-table {override}", f"{entity!r} is no entity: write "
                             f"ENTITY=TABLE (or ENTITY= to skip it), ENTITY one of {', '.join(DEFAULT_TABLES)}")
            elif table:
                tables[entity] = table
            else:
                tables.pop(entity, None)
        return tables

    def owners(self) -> OwnerDirectory | None:
        if not self.args.owners:
            return None
        try:
            return OwnerDirectory.from_file(self.args.owners, self.args.fallback_owner)
        except (OSError, ValueError) as error:
            self.problem(f"--owners {self.args.owners}", f"cannot be used ({error}); write "
                         '{"legacy user name or old sub": "new sub", ...} (docs/runbooks/migration.md)')
            return None

    def media_base_url(self) -> None:
        url = urlsplit(self.args.media_base_url)
        if url.scheme not in ("https", "http") or not url.netloc or not url.path.rstrip("/").endswith("/media"):
            self.problem(f"--media-base-url {self.args.media_base_url}", "must be where the site "
                         "serves the media bucket, https://<site>/media: pass the stack output "
                         "(pulumi stack output mediaBaseUrl -s $STACK)")

    def report_folder(self) -> None:
        folder = Path(self.args.report).parent
        if not folder.is_dir():
            self.problem(f"--report {self.args.report}", f"folder {folder} does not exist: create "
                         "it or choose another report path")

    # ------------------------------------------------------------------------ AWS names
    def ask(self, call: Callable[[], Any], subject: str, permission: str, missing: str) -> Any:
        """The answer of one metadata call; None with a problem noted when it fails. `missing`
        is the advice when the resource does not exist."""
        try:
            return call()
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in _BAD_CREDENTIALS:
                raise _CannotAsk(Problem("AWS credentials", f"refused ({code}): export "
                                                  "AWS_PROFILE=<a valid operator profile>")) from None
            if code in _MISSING:
                self.problem(subject, missing)
            elif code in _DENIED:
                self.problem(subject, f"access denied ({code}): the operator's profile needs "
                             f"{permission} on it (docs/runbooks/migration.md, Permissions)")
            else:
                self.problem(subject, f"{code}: {error.response.get('Error', {}).get('Message', '')}")
        except BotoCoreError as error:  # no endpoint for the region, connection refused...
            raise _CannotAsk(Problem("AWS", f"unreachable ({error}): check AWS_REGION "
                                              "and the network")) from None
        return None

    def bucket_region(self, s3, bucket: str) -> str | None:
        try:
            location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        except (ClientError, BotoCoreError):
            return None
        return location or "us-east-1"


def check(args, *, environ: Mapping[str, str] = os.environ) -> Checked:
    """Every name of the command line (and the TABLE_* variables it falls back on), checked;
    PreflightFailed listing every problem."""
    run = _Preflight(args, environ)
    targets, legacy_tables, owners = run.targets(), run.legacy_tables(), run.owners()
    run.media_base_url()
    run.report_folder()
    session = boto3.session.Session()
    region = session.region_name
    if not region:
        raise PreflightFailed(run.problems + [Problem("AWS region", "none set: export "
                              "AWS_REGION=<the region of the stack and the legacy tables>")])
    if session.get_credentials() is None:
        raise PreflightFailed(run.problems + [Problem("AWS credentials", "none found: export "
                              "AWS_PROFILE=<operator profile> (docs/runbooks/migration.md, Permissions)")])
    tables = Tables(targets, region=region)
    s3, dynamodb = boto3.client("s3", region_name=region), tables.dynamodb()
    try:
        _check_aws(run, s3, dynamodb, region, targets, legacy_tables)
    except _CannotAsk as refused:
        run.problems.append(refused.problem)
    if run.problems:
        raise PreflightFailed(run.problems)
    return Checked(s3, dynamodb, region, tables, legacy_tables, owners)


def _check_aws(run: _Preflight, s3, dynamodb, region: str, targets: dict[str, str],
               legacy_tables: dict[str, str]) -> None:
    args = run.args
    first_aws_problem = len(run.problems)
    tables_found = []
    for entity, table in targets.items():
        described = run.ask(
            lambda: dynamodb.describe_table(TableName=table)["Table"],
            f"target table {table} ({entity})", "dynamodb:DescribeTable",
            f"does not exist in {region}; {STACK_TABLES}")
        tables_found.append(described is not None)
        if described is not None and not _is_platform_table(described):
            run.problem(f"target table {table} ({entity})", "is not a table of the platform (it is "
                        f"keyed {_key_of(described)}: a legacy table?); {STACK_TABLES}")
    for entity, table in legacy_tables.items():
        found = run.ask(
            lambda: dynamodb.describe_table(TableName=table)["Table"],
            f"legacy table {table} ({entity})", "dynamodb:DescribeTable",
            f"does not exist in {region}: name it with --legacy-table {entity}=<table>, or skip it "
            f"with --legacy-table {entity}= (its items are then not migrated)")
        tables_found.append(found is not None)

    buckets = [(args.media_bucket, "media bucket", "does not exist: pass the stack output "
                "(pulumi stack output mediaBucket -s $STACK)")]
    if args.legacy_bucket:
        buckets.append((args.legacy_bucket, "legacy bucket", "does not exist: name the old store "
                        "with --legacy-bucket, or --legacy-bucket '' to read no S3 documents"))
    public_bucket = args.public_bucket or args.legacy_bucket
    if args.copy_public_audio and public_bucket and public_bucket != args.legacy_bucket:
        buckets.append((public_bucket, "public bucket", "does not exist: name the old public "
                        "bucket with --public-bucket, or leave out --copy-public-audio"))
    elif args.copy_public_audio and not public_bucket:
        run.problem("--copy-public-audio", "needs the old public bucket: --public-bucket <bucket>")
    bucket_regions = {}
    for bucket, kind, missing in buckets:
        if run.ask(lambda: s3.head_bucket(Bucket=bucket), f"{kind} {bucket}", "s3:ListBucket",
                   missing) is not None:
            bucket_regions[bucket] = run.bucket_region(s3, bucket)

    if tables_found and not any(tables_found):
        elsewhere = sorted({r for r in bucket_regions.values() if r and r != region})
        hint = f" (the buckets are in {', '.join(elsewhere)})" if elsewhere else ""
        run.problems.insert(first_aws_problem, Problem(
            f"AWS region {region}", f"none of the {len(tables_found)} tables named exists here"
            f"{hint}: if the stack and the legacy tables live in another region, export "
            "AWS_REGION=<that region>"))

    if args.user_pool_id:
        cognito = boto3.client("cognito-idp", region_name=region)
        run.ask(lambda: cognito.describe_user_pool(UserPoolId=args.user_pool_id),
                f"user pool {args.user_pool_id}", "cognito-idp:DescribeUserPool",
                f"does not exist in {region}: pass the stack output (pulumi stack output "
                "userPoolId -s $STACK)")


def _key_of(table: dict[str, Any]) -> str:
    return " + ".join(key["AttributeName"] for key in table.get("KeySchema", []))


def _is_platform_table(table: dict[str, Any]) -> bool:
    """Keyed on `id` alone, with the live list's index (newsroom/entities.py)."""
    indexes = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    return _key_of(table) == "id" and LIVE_INDEX in indexes
