"""Move the newsroom's legacy data into the platform's tables, once or as often as needed.

    .venv/bin/python -m tools.migrate --media-bucket B --media-base-url https://site/media \\
        --owners owners.json [--dry-run] [--copy-public-audio] [--report report.json]

Sources (only read, never modified): the old per-user S3 documents `users/{user}/data.json` and
the current DynamoDB tables keyed `(id, createdAt)`. Target: the tables `--target-tables` names
(the stack output), else the `TABLE_*` environment variables (newsroom.tables.variable), passed
as a `Tables` to the item rules, which write through the resolver's own rules
(newsroom.items: normalisation, versions, owner; newsroom.legacy: when a row replaces an item,
shared with the bridge that keeps carrying the scheduled jobs' writes), so a migrated item is
exactly what the API would have stored.

- All copies of one id collapse into one item: the most recently updated wins; the report lists
  what was dropped.
- Idempotent: an item is written only if the target lacks it or holds an older version of it
  (conditional writes, so a concurrent edit through the API is never overwritten). A second run
  reports everything `unchanged`. There is no checkpoint file: after a crash, run the same
  command again and it resumes where it stopped, because whatever was written is now unchanged.
- `--dry-run` reads everything and reports what would happen; it writes nothing anywhere.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TextIO

import boto3

from newsroom.entities import BY_NAME, ENTITIES
from newsroom.errors import ValidationError
from newsroom.items import client_id
from newsroom.legacy import carry_over, refuse_tombstone
from newsroom.tables import Tables
from tools import preflight
from tools.legacy import (
    Duplicate,
    LegacyRecord,
    Malformed,
    collapse_duplicates,
    read_dynamodb_tables,
    read_s3_documents,
)
from tools.legacy_audio import MediaMover
from tools.owners import OwnerDirectory
from tools.progress import Progress

# The report's counts per entity, in the order an operator reads them.
COLUMNS = ("read", "created", "updated", "unchanged", "skipped_newer", "duplicates_merged", "rejected")


@dataclass
class Report:
    dry_run: bool
    counts: dict[str, Counter] = field(
        default_factory=lambda: {entity.name: Counter() for entity in ENTITIES}
    )
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)

    def reject(self, record: LegacyRecord, reason: str) -> None:
        self.counts[record.entity]["rejected"] += 1
        self.rejected.append(
            {"entity": record.entity, "id": record.id, "source": record.source, "reason": reason}
        )

    def as_json(self, owners: OwnerDirectory, mover: MediaMover) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "entities": {
                name: {column: counts[column] for column in COLUMNS}
                for name, counts in self.counts.items()
            },
            "rejected": self.rejected,
            "duplicates": [duplicate.as_report() for duplicate in self.duplicates],
            "malformedDocuments": [{"source": m.source, "error": m.error} for m in self.malformed],
            "unmappedOwners": {"fallbackOwner": owners.fallback_owner, "items": owners.report()},
            "audio": {
                "embeddedMoved": mover.counts.embedded_moved,
                "publicCopied": mover.counts.public_copied,
                "bytesStored": mover.counts.bytes_stored,
                "missingPublic": mover.counts.missing_public,
            },
        }


class Migration:
    def __init__(
        self,
        *,
        tables: Tables,
        owners: OwnerDirectory,
        mover: MediaMover,
        dry_run: bool = False,
        progress_stream: TextIO | None = None,
    ):
        self.tables = tables  # the target tables
        self.owners = owners
        self.mover = mover
        self.dry_run = dry_run
        self.progress_stream = progress_stream
        self.report = Report(dry_run)

    def run(self, sources: Iterable[LegacyRecord | Malformed]) -> dict[str, Any]:
        records = []
        for read in sources:
            if isinstance(read, Malformed):
                self.report.malformed.append(read)
                continue
            self.report.counts[read.entity]["read"] += 1
            if read.id is None:
                self.report.reject(read, "no id")
            else:
                records.append(read)
        winners, duplicates = collapse_duplicates(records)
        self.report.duplicates = duplicates
        for duplicate in duplicates:
            self.report.counts[duplicate.entity]["duplicates_merged"] += len(duplicate.dropped)

        progress = Progress(len(winners), "migrating", self.progress_stream)
        for record in winners:
            try:
                refuse_tombstone(record.data)  # before its audio is moved
                outcome = self._migrate(record)
            except ValidationError as error:
                self.report.reject(record, error.message)
                outcome = "rejected"
            else:
                self.report.counts[record.entity][outcome] += 1
            progress.advance(f"{record.entity} {record.id}: {outcome}")
        progress.close()
        return self.report.as_json(self.owners, self.mover)

    def _migrate(self, record: LegacyRecord) -> str:
        """Write one item unless the target already holds it or something newer; the outcome."""
        entity = BY_NAME[record.entity]
        item_id = client_id(record.id)
        data = self.mover.move_audio(item_id, record.data)
        owner = self.owners.owner_of(record)
        return carry_over(
            self.tables, entity, data, item_id=item_id, owner=owner,
            written_ms=record.updated_ms, created_ms=record.created_ms, dry_run=self.dry_run,
        )


# ---------------------------------------------------------------------------------- command
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.migrate",
        description=__doc__.split("\n\n")[0],
        epilog="AWS credentials and region as usual (AWS_PROFILE, AWS_REGION).",
    )
    parser.add_argument("--target-tables", metavar="JSON",
                        help="the stack output tableNames ({\"news\": \"...\", ...}); default: "
                        "the TABLE_NEWS, TABLE_ANIMATIONS, ... environment variables")
    source = parser.add_argument_group("legacy sources (read only)")
    source.add_argument("--legacy-bucket", default="saint-esprit-audio",
                        help="old S3 store ('' to skip it; default %(default)s)")
    source.add_argument("--legacy-prefix", default="users/", help="default %(default)s")
    source.add_argument("--legacy-table", action="append", default=[], metavar="ENTITY=TABLE",
                        help="legacy table of an entity (default saint-esprit-<entity>); "
                        "ENTITY= skips that table")
    source.add_argument("--skip-tables", action="store_true", help="read no legacy table")
    owners = parser.add_argument_group("owners").add_mutually_exclusive_group()
    owners.add_argument("--owners", type=Path, metavar="MAPPING.json",
                        help='{"legacy user name or old sub": "new sub", ...}')
    owners.add_argument("--user-pool-id", help="match users by name, email local part or sub")
    parser.add_argument("--fallback-owner", default="legacy-migration",
                        help="owner of items whose user is not found (reported; default %(default)s)")
    media = parser.add_argument_group("media")
    media.add_argument("--media-bucket", required=True)
    media.add_argument("--media-base-url", required=True, help="https://<site>/media")
    media.add_argument("--copy-public-audio", action="store_true",
                       help="copy audio the items reference in the old public bucket")
    media.add_argument("--public-bucket", help="old public bucket (default: --legacy-bucket)")
    media.add_argument("--public-url-prefix", action="append", default=[],
                       help="URL prefix that maps to keys of the old bucket (repeatable; "
                       "default its S3 URLs)")
    parser.add_argument("--dry-run", action="store_true", help="write nothing, report what would happen")
    parser.add_argument("--report", type=Path, default=Path("migration-report.json"),
                        help="JSON report path (default %(default)s)")
    return parser


def read_sources(s3, dynamodb, bucket: str, prefix: str, tables: dict[str, str]):
    if bucket:
        yield from read_s3_documents(s3, bucket, prefix)
    yield from read_dynamodb_tables(dynamodb, tables)


def summary(report: dict[str, Any]) -> str:
    """The report as an operator reads it at the end of a run."""
    lines = [("DRY RUN: nothing written. " if report["dryRun"] else "") + "Migration report",
             f"{'entity':<12}" + "".join(f"{c:>{len(c) + 2}}" for c in COLUMNS)]
    for name, counts in report["entities"].items():
        lines.append(f"{name:<12}" + "".join(f"{counts[c]:>{len(c) + 2}}" for c in COLUMNS))
    for title, key in (("rejected", "rejected"), ("malformed documents", "malformedDocuments")):
        for entry in report[key]:
            lines.append(f"{title}: " + ", ".join(f"{k}={v}" for k, v in entry.items()))
    for duplicate in report["duplicates"]:
        lines.append(f"duplicates of {duplicate['entity']} {duplicate['id']}: kept "
                     f"{duplicate['kept']['source']} @ {duplicate['kept']['updatedAt']}, dropped "
                     f"{len(duplicate['dropped'])}")
    if report["unmappedOwners"]["items"]:
        lines.append(f"owned by {report['unmappedOwners']['fallbackOwner']} (user not found): "
                     + json.dumps(report["unmappedOwners"]["items"], ensure_ascii=False))
    lines.append("audio: " + json.dumps(report["audio"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the migration. Every name is checked first (tools/preflight.py): a mistake stops the run before anything
    is read, with the problems printed and written to the report, and exit status 2."""
    args = _parser().parse_args(argv)
    try:
        checked = preflight.check(args)
    except preflight.PreflightFailed as failed:
        _stop(args, failed.problems)
    s3, dynamodb, region = checked.s3, checked.dynamodb, checked.region
    if checked.owners is not None:
        owners = checked.owners
    elif args.user_pool_id:
        owners = OwnerDirectory.from_user_pool(
            boto3.client("cognito-idp", region_name=region), args.user_pool_id, args.fallback_owner)
    else:
        owners = OwnerDirectory({}, args.fallback_owner)
    public_bucket = (args.public_bucket or args.legacy_bucket) if args.copy_public_audio else None
    mover = MediaMover(
        s3, media_bucket=args.media_bucket, media_base_url=args.media_base_url,
        dry_run=args.dry_run, public_bucket=public_bucket,
        public_url_prefixes=tuple(args.public_url_prefix) or (
            f"https://{public_bucket}.s3.{region}.amazonaws.com/",
            f"https://{public_bucket}.s3.amazonaws.com/",
            f"https://s3.{region}.amazonaws.com/{public_bucket}/",
        ) if public_bucket else (),
    )
    migration = Migration(tables=checked.tables, owners=owners, mover=mover, dry_run=args.dry_run)
    sources = read_sources(s3, dynamodb, args.legacy_bucket, args.legacy_prefix, checked.legacy_tables)
    report = migration.run(sources)
    _write_report(args.report, report)
    print(summary(report))
    print(f"report written to {args.report}")
    return report


def _write_report(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _stop(args, problems: list[preflight.Problem]) -> None:
    """Nothing was read: say what to fix, keep it in the report, exit non-zero."""
    print(f"Migration stopped before reading anything: {len(problems)} problem(s) to fix first",
          file=sys.stderr)
    for problem in problems:
        print(f"- {problem}", file=sys.stderr)
    if Path(args.report).parent.is_dir():
        _write_report(args.report, {"dryRun": args.dry_run, "stoppedByPreflight": True,
                                    "problems": [problem.as_report() for problem in problems]})
        print(f"report written to {args.report}", file=sys.stderr)
    raise SystemExit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
