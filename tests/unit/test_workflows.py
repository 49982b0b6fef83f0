"""The GitHub Actions workflows, checked here so that a broken one fails `make test`, not a push.

Two layers: check-jsonschema validates every workflow against GitHub's workflow schema (vendored
in the package, so it runs offline), then the delivery rules the team relies on are asserted
(pinned actions, OIDC instead of keys, prod behind an approval, previews with the policy pack).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def schema_check(paths: list[Path]) -> subprocess.CompletedProcess:
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        pytest.fail("check-jsonschema is missing: add check-jsonschema==0.39.0 to requirements.txt")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on:` as True
    return workflow


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_every_workflow_matches_githubs_schema():
    assert {p.name for p in FILES} >= {"ci.yml", "deploy.yml", "pulumi.yml"}
    result = schema_check(FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_workflow_is_rejected(tmp_path):
    broken = tmp_path / "broken.yml"
    # `runs-on` missing and a step that both runs and uses: GitHub would refuse this file.
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: make test\n        uses: actions/checkout@v4.2.2\n")
    result = schema_check([broken])
    assert result.returncode != 0 and "broken.yml" in result.stdout + result.stderr


def test_actions_are_pinned_to_versions_and_no_aws_keys_are_stored():
    for path in FILES:
        text = path.read_text()
        workflow = load(path.name)
        for step in steps(workflow):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned"
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, path.name


def test_ci_runs_make_test_on_pull_requests_and_main():
    workflow = load("ci.yml")
    assert "pull_request" in workflow["on"] and workflow["on"]["push"]["branches"] == ["main"]
    assert any("bash .ci/run" == step.get("run") for step in steps(workflow))
    assert (WORKFLOWS.parents[1] / ".ci" / "run").is_file()


def test_pull_requests_preview_both_stacks_with_the_policy_pack_and_comment():
    deploy, pulumi = load("deploy.yml"), load("pulumi.yml")
    preview = deploy["jobs"]["preview"]
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert preview["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert preview["with"]["command"] == "preview"
    action = next(s for s in steps(pulumi) if s.get("uses", "").startswith("pulumi/actions@"))
    assert action["with"]["policyPacks"] == "policy"
    assert "inputs.command == 'preview'" in action["with"]["comment-on-pr"]


def test_main_goes_to_dev_then_to_prod_behind_the_production_environment():
    jobs = load("deploy.yml")["jobs"]
    assert jobs["up-dev"]["if"] == "github.event_name == 'push'"
    assert jobs["up-dev"]["with"] == {"command": "up", "stack": "dev", "environment": "dev"}
    assert jobs["up-prod"]["needs"] == "up-dev"
    assert jobs["up-prod"]["with"] == {"command": "up", "stack": "prod", "environment": "production"}


def test_aws_access_goes_through_oidc_and_an_environment_scoped_role():
    workflow = load("pulumi.yml")
    job = workflow["jobs"]["pulumi"]
    assert job["permissions"]["id-token"] == "write"
    assert job["environment"] == "${{ inputs.environment }}"
    aws = next(s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    for caller in load("deploy.yml")["jobs"].values():  # a called workflow gets no more than its caller
        assert caller["permissions"]["id-token"] == "write"
