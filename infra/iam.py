"""Least-privilege IAM policy documents, built from statements that name their resources.

Every tier writes its IAM through these helpers, so the guardrail "no `*` action or resource"
is enforced where the statement is written (a wrong statement fails at construction, hence in
the unit tests) and checked again on the deployed program by the policy pack
(`policy/guardrails.py` reuses `wildcard_violations`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

# The only actions allowed on Resource "*": AWS X-Ray's PutTraceSegments/PutTelemetryRecords do
# not support resource-level permissions (the service authorization reference lists no
# resource type for them), so a Lambda with active tracing can only be granted them on "*".
ACTIONS_REQUIRING_ANY_RESOURCE = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def wildcard_violations(document: Mapping[str, Any] | str) -> list[str]:
    """What is wrong with a policy document's wildcards, one message per bad statement.

    An Allow statement may not grant every action (`*`, `service:*`), nor act on every resource
    (`*`) unless all its actions are in ACTIONS_REQUIRING_ANY_RESOURCE. `NotAction` and
    `NotResource` in an Allow are refused too: they grant everything but a list. Deny statements
    are free to be broad (a broad deny only takes rights away).
    """
    if isinstance(document, str):
        document = json.loads(document)
    problems = []
    for number, statement in enumerate(_as_list(document.get("Statement")), start=1):
        if statement.get("Effect") != "Allow":
            continue
        label = statement.get("Sid") or f"statement {number}"
        actions = [str(a) for a in _as_list(statement.get("Action"))]
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        if "NotAction" in statement or "NotResource" in statement:
            problems.append(f"{label}: Allow with NotAction/NotResource grants almost everything")
        broad = [a for a in actions if a == "*" or a.endswith(":*")]
        if broad:
            problems.append(f"{label}: Action {broad} grants every action; name the actions")
        if "*" in resources and not set(actions) <= ACTIONS_REQUIRING_ANY_RESOURCE:
            others = sorted(set(actions) - ACTIONS_REQUIRING_ANY_RESOURCE)
            problems.append(f"{label}: Resource '*' for {others}; name the resources (ARNs)")
    return problems


def statement(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    principal: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Any] | None = None,
    effect: str = "Allow",
    sid: str | None = None,
) -> dict[str, Any]:
    """One statement; resources may be Outputs (ARNs of other resources)."""
    if not actions or not resources:
        raise ValueError("a statement needs at least one action and one resource")
    result: dict[str, Any] = {"Effect": effect, "Action": sorted(actions), "Resource": list(resources)}
    if sid:
        result["Sid"] = sid
    if principal:
        result["Principal"] = dict(principal)
    if conditions:
        result["Condition"] = dict(conditions)
    return result


def xray_statement() -> dict[str, Any]:
    """Lets a traced Lambda send its segments (only on "*": see ACTIONS_REQUIRING_ANY_RESOURCE)."""
    return statement(sorted(ACTIONS_REQUIRING_ANY_RESOURCE), ["*"], sid="XRayTracing")


def render_policy(statements: Sequence[dict[str, Any]]) -> str:
    """The JSON document of these (resolved) statements; ValueError if one breaks the wildcard
    guardrail, so a bad statement stops the program instead of reaching AWS."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    problems = wildcard_violations(document)
    if problems:
        raise ValueError("IAM policy breaks the wildcard guardrail: " + "; ".join(problems))
    return json.dumps(document, sort_keys=True)


def policy_document(*statements: dict[str, Any]) -> pulumi.Output[str]:
    """The JSON document of these statements, once their ARNs are known (see render_policy)."""
    return pulumi.Output.from_input(list(statements)).apply(render_policy)


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (e.g. `lambda.amazonaws.com`) assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        sort_keys=True,
    )
