"""The migration's preflight against moto: each mistake an operator can make on the command line
stops the run before anything is read, names what is wrong and what to do, exits non-zero and
leaves a report; a dry run checks the same."""
from __future__ import annotations

import json

import boto3
import pytest

from newsroom.entities import ENTITIES
from test_migration import FIXTURES, bucket_contents, legacy_store, migrate  # noqa: F401
from tools.migrate import main


def stack_output(tables) -> dict[str, str]:
    """What `pulumi stack output tableNames --json` prints for the test's stack."""
    return {entity.name: tables.name(entity) for entity in ENTITIES}


def nothing_written(store, tables) -> bool:
    """The target tables (read in the stack's region, whatever the run was told) and the media
    bucket are still empty."""
    dynamodb = boto3.client("dynamodb", region_name="eu-west-3")
    rows = sum(dynamodb.scan(TableName=tables.name(entity))["Count"] for entity in ENTITIES)
    return rows == 0 and bucket_contents(store["media"]) == {}


def refused(store, tmp_path, capsys, *extra) -> tuple[list[dict], str]:
    """Run a migration that must stop at the preflight: its problems (from the report) and what
    it printed. Nothing may have been written anywhere."""
    with pytest.raises(SystemExit) as stopped:
        migrate(store, tmp_path, *extra)
    assert stopped.value.code == 2
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["stoppedByPreflight"] is True and report["problems"], report
    assert nothing_written(store, store["targets"])
    printed = capsys.readouterr().err
    for problem in report["problems"]:
        assert problem["subject"] in printed and problem["problem"] in printed
    return report["problems"], printed


def only(problems: list[dict]) -> dict:
    assert len(problems) == 1, problems
    return problems[0]


def test_a_missing_legacy_table_is_named_with_how_to_name_or_skip_it(legacy_store, tmp_path, capsys):
    problems, _ = refused(legacy_store, tmp_path, capsys, "--legacy-table", "multitracks=saint-esprit-multitrack")
    problem = only(problems)
    assert problem["subject"] == "legacy table saint-esprit-multitrack (multitracks)"
    assert "does not exist in eu-west-3" in problem["problem"]
    assert "--legacy-table multitracks=<table>" in problem["problem"] and "--legacy-table multitracks=" in problem["problem"]


def test_the_wrong_region_is_named_with_where_the_buckets_are(legacy_store, tables, tmp_path, capsys, monkeypatch):
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(variable, "eu-west-1")
    problems, _ = refused(legacy_store, tmp_path, capsys)
    first = problems[0]
    assert first["subject"] == "AWS region eu-west-1"
    assert "none of the 12 tables named exists here (the buckets are in eu-west-3)" in first["problem"]
    assert "export AWS_REGION" in first["problem"]
    assert {p["subject"] for p in problems[1:]} >= {
        f"legacy table {legacy_store['tables']['news']} (news)", f"target table {tables.name('news')} (news)"}


@pytest.mark.parametrize("mistake", ["a table of no stack", "the legacy table"])
def test_wrong_target_table_names_are_refused(legacy_store, tables, tmp_path, capsys, mistake):
    output = stack_output(tables)
    output["news"] = "se-prod-newz" if mistake == "a table of no stack" else legacy_store["tables"]["news"]
    problems, _ = refused(legacy_store, tmp_path, capsys, "--target-tables", json.dumps(output))
    problem = only(problems)
    assert problem["subject"] == f"target table {output['news']} (news)"
    expected = "does not exist in eu-west-3" if mistake == "a table of no stack" else "keyed id + createdAt: a legacy table?"
    assert expected in problem["problem"] and "pulumi stack output tableNames" in problem["problem"]


def test_a_missing_legacy_bucket_is_named(legacy_store, tmp_path, capsys):
    problem = only(refused(legacy_store, tmp_path, capsys, "--legacy-bucket", "saint-esprit-audoi")[0])
    assert problem["subject"] == "legacy bucket saint-esprit-audoi"
    assert "--legacy-bucket ''" in problem["problem"]


def test_a_typo_key_in_target_tables_is_not_ignored(legacy_store, tables, tmp_path, capsys):
    """TABLE_NEWS is still set from an earlier shell: a typo used to migrate the news there
    silently."""
    output = stack_output(tables)
    output["newz"] = output.pop("news")
    problems, _ = refused(legacy_store, tmp_path, capsys, "--target-tables", json.dumps(output))
    problem = only(problems)
    assert problem["subject"] == "--target-tables key 'newz'"
    assert "did you mean 'news'?" in problem["problem"]


def test_a_stack_output_without_multitracks_asks_to_deploy_first(legacy_store, tables, tmp_path, capsys, monkeypatch):
    """The output of a stack deployed before the multitracks entity: nothing is written to the
    other tables before the run finds out."""
    output = stack_output(tables)
    del output["multitracks"]
    monkeypatch.delenv("TABLE_MULTITRACKS")
    problem = only(refused(legacy_store, tmp_path, capsys, "--target-tables", json.dumps(output))[0])
    assert problem["subject"] == "target table of multitracks"
    assert "TABLE_MULTITRACKS is unset" in problem["problem"] and "pulumi up" in problem["problem"]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry run", "real run"])
def test_a_missing_media_bucket_stops_the_dry_run_too(legacy_store, tmp_path, capsys, dry_run):
    extra = ["--media-bucket", "se-prod-medai"] + (["--dry-run"] if dry_run else [])
    problem = only(refused(legacy_store, tmp_path, capsys, *extra)[0])
    assert problem["subject"] == "media bucket se-prod-medai"
    assert "pulumi stack output mediaBucket" in problem["problem"]


def test_every_mistake_is_listed_in_one_run(legacy_store, tables, tmp_path, capsys):
    output = stack_output(tables)
    output["journal"] = output.pop("journals")
    problems, printed = refused(
        legacy_store, tmp_path, capsys, "--target-tables", json.dumps(output),
        "--legacy-bucket", "saint-esprit-audoi", "--media-bucket", "se-prod-medai", "--dry-run",
        "--owners", str(tmp_path / "owners.json"), "--media-base-url", "newsroom.example/media",
        "--legacy-table", "multitrack=saint-esprit-multitracks")
    assert [p["subject"] for p in problems] == [
        "--target-tables key 'journal'",
        "--legacy-table multitrack=saint-esprit-multitracks",
        f"--owners {tmp_path / 'owners.json'}",
        "--media-base-url newsroom.example/media",
        "media bucket se-prod-medai",
        "legacy bucket saint-esprit-audoi",
    ]
    assert printed.startswith("Migration stopped before reading anything: 6 problem(s) to fix first")


def test_a_missing_report_folder_stops_before_the_run_not_after_it(legacy_store, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--legacy-bucket", legacy_store["bucket"], "--media-bucket", legacy_store["media"],
              "--media-base-url", "https://newsroom.example/media", "--owners", str(FIXTURES / "owners.json"),
              "--report", str(tmp_path / "reports" / "migration.json")])
    assert stopped.value.code == 2
    assert f"--report {tmp_path / 'reports' / 'migration.json'}: folder {tmp_path / 'reports'} does not exist" in capsys.readouterr().err
    assert nothing_written(legacy_store, legacy_store["targets"])


def test_a_run_that_passes_the_preflight_is_unchanged(legacy_store, tmp_path):
    report = migrate(legacy_store, tmp_path, "--dry-run")
    assert "stoppedByPreflight" not in report and report["entities"]["multitracks"]["created"] == 3
    assert boto3.client("s3").list_objects_v2(Bucket=legacy_store["media"]).get("KeyCount") == 0
