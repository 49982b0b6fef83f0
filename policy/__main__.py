"""The policy pack: `pulumi preview --policy-pack policy` (from the repository root).

Only this file builds the `PolicyPack`: doing so starts the pack's server and blocks, so the
tests import the policies from `policy.guardrails` instead.
"""
import sys
from pathlib import Path

# The pack runs from this folder; the guardrails reuse `infra.iam` from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.guardrails import POLICIES  # noqa: E402

PolicyPack(
    name="saint-esprit-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
)
