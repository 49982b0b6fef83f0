"""Every IAM policy we generate, read by parliament (the IAM linter, its own copy of AWS's service
authorization reference): no action AWS does not know, no action granted on a resource type AWS
cannot authorize it on (RESOURCE_MISMATCH: IAM would silently not grant it, and the first
`pulumi up` from CI would be denied). The CI roles of bootstrap/ are checked whole; the
program's own policies (prod and dev, under the mocks) as well."""
from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest
from conftest import ACCOUNT, REGION, evaluate_program, test_config
from parliament import analyze_policy_string

from bootstrap.delivery_access import deployment_policy
from policy.guardrails import POLICY_DOCUMENTS

STATE_BUCKET = "arn:aws:s3:::saint-esprit-state-1a2b3c4"
STATE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f4e2b7a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
ROLES = {"preview": (["saint-esprit-dev-*", "saint-esprit-prod-*"], False),
         "dev": (["saint-esprit-dev-*"], True),
         "production": (["saint-esprit-prod-*"], True)}
# Parliament splits ARNs on ":", so a colon inside the resource part breaks its parsing where AWS
# has none: a policy variable (`${cognito-identity.amazonaws.com:sub}`, which AWS substitutes
# before matching) and a DynamoDB stream label (a timestamp, `…/stream/2025-11-18T09:00:00.000`).
# Both are given a colon-free value of the same shape before the check.
POLICY_VARIABLE = re.compile(r"\$\{[^}]+\}")
STREAM_LABEL = re.compile(r"(/stream/[0-9T.-]*):([0-9]{2}):([0-9]{2})")


def parliament_text(text: str) -> str:
    return STREAM_LABEL.sub(r"\1-\2-\3", POLICY_VARIABLE.sub("example-identity", text))


def findings(document: dict | str, tolerated: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    """Parliament's findings on one document, minus the (issue, action) pairs tolerated."""
    text = document if isinstance(document, str) else json.dumps(document)
    problems = []
    for finding in analyze_policy_string(parliament_text(text)).findings:
        details = finding.detail if isinstance(finding.detail, list) else [finding.detail]
        left = [d for d in details if not (isinstance(d, dict) and (finding.issue, d.get("action")) in tolerated)]
        if left:
            problems.append(f"{finding.issue}: {left}")
    return problems


@lru_cache(maxsize=None)
def role_policy(environment: str) -> dict:
    names, write = ROLES[environment]
    return deployment_policy(ACCOUNT, REGION, STATE_BUCKET, STATE_KEY, names=names, write=write)


@pytest.mark.parametrize("environment", sorted(ROLES))
def test_each_ci_role_policy_passes_parliament(environment):
    assert findings(role_policy(environment)) == []


def test_the_check_catches_what_would_deny_the_first_deployment():
    """The two classes the issue reproduced: an action scoped to an ARN that AWS authorizes on
    "*" only, and an action name that does not exist."""
    scoped_wrongly = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["appsync:CreateResolver", "lambda:CreateEventSourceMapping"],
        "Resource": [f"arn:aws:appsync:{REGION}:{ACCOUNT}:apis/*"]}]}
    unknown = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["cloudfront:CreateDistributionWithTags"],
        "Resource": [f"arn:aws:cloudfront::{ACCOUNT}:distribution/*"]}]}
    assert [f.split(":")[0] for f in findings(scoped_wrongly)] == ["RESOURCE_MISMATCH"]
    assert [f.split(":")[0] for f in findings(unknown)] == ["UNKNOWN_ACTION"]


# dynamodb:ListStreams lists an account's streams and has no resource type; the stream consumers
# (infra/streams.py) are granted it with their other stream reads on the stream ARNs, as AWS's own
# Lambda documentation writes it. IAM ignores that grant and Lambda's poller never calls it, so it
# denies nothing; it is the one finding tolerated in the program's policies.
TOLERATED = frozenset({("RESOURCE_MISMATCH", "dynamodb:ListStreams")})


def program_findings(run) -> dict[str, list[str]]:
    """Findings per resource name, over every policy document the program declares."""
    found = {}
    for resource in run.resources:
        documents = [resource.inputs["policy"]] if resource.type in POLICY_DOCUMENTS else []
        if resource.type == "aws:iam/role:Role":
            documents += [inline["policy"] for inline in resource.inputs.get("inlinePolicies") or []]
        problems = [p for document in documents if document for p in findings(document, TOLERATED)]
        if problems:
            found[resource.name] = problems
    return found


# The bridge tier exists only while a legacy table is bridged: declared here with one.
LEGACY_NEWS_STREAM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/saint-esprit-news/stream/2025-11-18T09:00:00.000"


@pytest.mark.parametrize("stack, settings", [("prod", {}), ("dev", {}),
                                             ("prod", {"legacyBridge": {"news": LEGACY_NEWS_STREAM}})],
                         ids=["prod", "dev", "prod-with-bridge"])
def test_every_policy_the_program_declares_passes_parliament(site_dir, stack, settings):
    run = evaluate_program(stack, test_config(stack, site_dir, **settings))
    checked = [r for r in run.resources if r.type in POLICY_DOCUMENTS]
    assert len(checked) >= 5  # the tiers' role policies and both bucket policies
    assert program_findings(run) == {}
