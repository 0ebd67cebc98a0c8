"""What a failed first deploy leaves behind, what a deletion keeps, and termination protection."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk

from stacks.application import project_context
from tests.cdk.conftest import SETTINGS, Synthesized, synth_isolated

# Data, and the keys and logs needed to read it, must survive `cdk destroy`.
KEPT_ON_DELETE = {
    "AWS::Kinesis::Stream",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
    "AWS::Logs::LogStream",
}


def test_nothing_survives_a_rolled_back_first_create(deployed_synth: Synthesized) -> None:
    """DeletionPolicy Retain would keep a resource when its create rolls back (an orphaned
    on-demand stream is billed hourly); RetainExceptOnCreate keeps it only on delete."""
    resources = deployed_synth.template_json["Resources"]
    retained = {k: r["Type"] for k, r in resources.items() if r.get("DeletionPolicy") == "Retain"}
    assert retained == {}
    kept = {
        r["Type"] for r in resources.values() if r.get("DeletionPolicy") == "RetainExceptOnCreate"
    }
    assert kept == KEPT_ON_DELETE | {"AWS::KMS::Key"}
    for resource in resources.values():
        if resource["Type"] in KEPT_ON_DELETE:
            assert resource["DeletionPolicy"] == "RetainExceptOnCreate", resource["Type"]
            assert resource["UpdateReplacePolicy"] == "Retain", resource["Type"]


def test_keys_of_kept_data_are_kept_and_the_alarm_topic_key_is_not(
    deployed_synth: Synthesized,
) -> None:
    stack = deployed_synth.stack
    resources = deployed_synth.template_json["Resources"]

    def policy(construct: object) -> str:
        logical_id = stack.resolve(construct.node.default_child.logical_id)  # type: ignore[attr-defined]
        return str(resources[logical_id].get("DeletionPolicy", "Delete"))

    assert policy(stack.ingest.key) == "RetainExceptOnCreate"
    assert policy(stack.delivery.error_output.key) == "RetainExceptOnCreate"
    # SNS keeps no messages: nothing encrypted with the topic key outlives the topic.
    assert policy(stack.monitoring.topic_key) == "Delete"


def _manifest_termination_protection(synthesized: Synthesized) -> bool:
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    artifact = manifest["artifacts"][synthesized.stack.artifact_id]
    return bool(artifact["properties"].get("terminationProtection", False))


def test_termination_protection_is_off_until_asked_for(
    synthesized: Synthesized, tmp_path: Path
) -> None:
    """On before the first create, a failed first deploy could not be deleted by the next one."""
    assert _manifest_termination_protection(synthesized) is False
    context = project_context()
    context.update({**SETTINGS, "termination_protection": "true"})
    context["aws:cdk:bundling-stacks"] = []
    app = cdk.App(context=context, outdir=str(tmp_path))
    stack = synth_isolated(app)
    app.synth()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["artifacts"][stack.artifact_id]["properties"]["terminationProtection"] is True
