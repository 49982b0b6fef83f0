"""The mocks harness (infra/mocks.py) against the Pulumi SDK it was written for.

The runs use Pulumi's public testing API only, but the recording monitor reads fields of the
engine's registration requests (parent, protect, dependencies, retainOnDelete, importId,
ignoreChanges) that the mocks API does not hand over. Those belong to the SDK's wire protocol:
the SDK is pinned in requirements.txt, and this file is the one place an upgrade that moves
them fails, loudly, before any tier's test gives a puzzling answer.
"""
from __future__ import annotations

from importlib.metadata import version

import pulumi
import pulumi_aws as aws
from conftest import ROOT, evaluate, resolve


def pinned(distribution: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name, _, rest = line.partition("==")
        if name.strip() == distribution:
            return rest.split("#")[0].strip()
    raise AssertionError(f"{distribution} is not pinned in requirements.txt")


def test_the_installed_pulumi_sdk_is_the_pinned_one():
    assert version("pulumi") == pinned("pulumi"), (
        "the Pulumi SDK changed: run tests/unit/test_harness.py, then pin the new version")


def test_the_monitor_records_what_the_engine_is_asked_for():
    declared = {}

    def program():
        class Tier(pulumi.ComponentResource):
            def __init__(self):
                super().__init__("saint-esprit:test:Tier", "tier", None,
                                 pulumi.ResourceOptions(protect=True))

        tier = Tier()
        queue = declared["queue"] = aws.sqs.Queue("queue", opts=pulumi.ResourceOptions(parent=tier))
        aws.sns.Topic("topic", opts=pulumi.ResourceOptions(
            depends_on=[queue], retain_on_delete=True, ignore_changes=["tags"], import_="arn-of-topic"))
        aws.cognito.UserPool.get("pool", "eu-west-3_" + "Ab3dE6gH9")
        pulumi.export("queueUrl", queue.url)

    run = evaluate(program)
    tier, queue, topic, pool = (run.named(name) for name in ("tier", "queue", "topic", "pool"))
    assert queue.parent == tier.urn and queue.protect and tier.protect and not tier.custom
    assert queue.dependencies == [] and topic.dependencies == [queue.urn]
    assert topic.retain_on_delete and topic.ignore_changes == ["tags"] and topic.import_id == "arn-of-topic"
    assert not topic.protect and topic.id == "arn-of-topic"
    assert pool.read and pool.id == "eu-west-3_" + "Ab3dE6gH9"
    assert queue.outputs["url"] == run.exports["queueUrl"] == resolve(declared["queue"].url)
