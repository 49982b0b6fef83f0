"""Delivery access for the platform: `cd bootstrap && pulumi up` once per AWS account.

Outputs go to GitHub (docs/runbooks/first-deployment.md): `roleArns` → the variable
AWS_ROLE_ARN of each GitHub environment, `backendUrl` → the repository variable
PULUMI_BACKEND_URL, `secretsProvider` → `pulumi stack init --secrets-provider`.
"""
import sys
from pathlib import Path

import pulumi

# Pulumi runs this file from bootstrap/; the shared IAM helpers live at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bootstrap.delivery_access import DeliveryAccess, DeliveryAccessArgs  # noqa: E402

config = pulumi.Config()
access = DeliveryAccess("delivery", DeliveryAccessArgs(
    repository=config.require("repository"),
    existing_oidc_provider_arn=config.get("existingOidcProviderArn") or None,
))

pulumi.export("roleArns", access.role_arns)
pulumi.export("stateBucket", access.state_bucket.bucket)
pulumi.export("backendUrl", access.backend_url)
pulumi.export("secretsProvider", access.secrets_provider)
