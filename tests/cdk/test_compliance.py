"""cdk-nag (AWS Solutions) and cfn-lint on the synthesized app, and the template snapshot."""

from __future__ import annotations

import json
import re
from typing import Any

from cfnlint.api import lint

from stacks.requirements import REPO_ROOT
from tests.cdk.conftest import Synthesized

# Every acknowledged cdk-nag finding (reasons live next to the resources in stacks/).
_POLICY = "DefaultPolicy/Resource"
_MIGRATIONS = "RetailPosPipeline/SnowflakeMigrations"
EXPECTED_ACKNOWLEDGEMENTS = {
    ("RetailPosPipeline/Ingest/Stream/Resource", "AwsSolutions-KDS3"),
    ("RetailPosPipeline/Delivery/DeliveryStream", "AwsSolutions-KDF1"),
    (
        f"RetailPosPipeline/Delivery/Role/{_POLICY}",
        "AwsSolutions-IAM5[Resource::<DeliveryErrorOutputBucketD225DDE7.Arn>/processing-failed/*]",
    ),
    (
        f"RetailPosPipeline/Delivery/Role/{_POLICY}",
        "AwsSolutions-IAM5[Resource::<DeliveryErrorOutputBucketD225DDE7.Arn>/snowflake-failed/*]",
    ),
    (
        f"RetailPosPipeline/Delivery/Role/{_POLICY}",
        "AwsSolutions-IAM5[Resource::<TransformFunction387E2620.Arn>:*]",
    ),
    (f"RetailPosPipeline/TransformFunctionRole/{_POLICY}", "AwsSolutions-IAM5[Resource::*]"),
    (f"{_MIGRATIONS}/MigrationsFunctionRole/{_POLICY}", "AwsSolutions-IAM5[Resource::*]"),
    (
        f"{_MIGRATIONS}/ProviderRole/{_POLICY}",
        "AwsSolutions-IAM5[Resource::<SnowflakeMigrationsMigrationsFunction5120A60B.Arn>:*]",
    ),
}
# With every optional part on (tests/cdk/conftest.py FULL_SETTINGS): the Snowflake monitor's and
# the canary's roles add one finding each (X-Ray and cloudwatch:PutMetricData on *); the secrets
# key grants name the key.
EXPECTED_ACKNOWLEDGEMENTS_DEPLOYED = EXPECTED_ACKNOWLEDGEMENTS | {
    (
        f"RetailPosPipeline/Monitoring/SnowflakeMonitor/MonitorFunctionRole/{_POLICY}",
        "AwsSolutions-IAM5[Resource::*]",
    ),
    (
        f"RetailPosPipeline/Monitoring/Canary/CanaryFunctionRole/{_POLICY}",
        "AwsSolutions-IAM5[Resource::*]",
    ),
}
# cfn-lint warnings we accept, with why. (Errors are never accepted.)
ACCEPTED_CFN_LINT_WARNINGS = {
    "W3005": "aws-cdk-lib makes each Lambda function depend on its role and the role's policy; "
    "the role dependency is also implied by the GetAtt, so it is redundant, not wrong",
}


def _nag_report(synthesized: Synthesized) -> dict[str, Any]:
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    return dict(plugin)


def _both(synthesized: Synthesized, deployed_synth: Synthesized) -> list[Synthesized]:
    return [synthesized, deployed_synth]


def test_cdk_nag_has_no_unacknowledged_findings(
    synthesized: Synthesized, deployed_synth: Synthesized
) -> None:
    for synth in _both(synthesized, deployed_synth):
        report = _nag_report(synth)
        assert report["violations"] == []
        assert report["conclusion"] == "success"


def test_every_acknowledgement_matches_a_real_finding_and_has_a_reason(
    synthesized: Synthesized, deployed_synth: Synthesized
) -> None:
    for synth, expected in (
        (synthesized, EXPECTED_ACKNOWLEDGEMENTS),
        (deployed_synth, EXPECTED_ACKNOWLEDGEMENTS_DEPLOYED),
    ):
        suppressed = _nag_report(synth)["suppressedViolations"]
        acknowledged = {
            (construct["constructPath"], finding["ruleName"])
            for finding in suppressed
            for construct in finding["violatingConstructs"]
        }
        assert acknowledged == expected
        for finding in suppressed:
            assert len(finding["reason"]) >= 60, finding["acknowledgedId"]


def test_cfn_lint_finds_no_errors(synthesized: Synthesized, deployed_synth: Synthesized) -> None:
    for synth in _both(synthesized, deployed_synth):
        _lint(synth)


def _lint(synthesized: Synthesized) -> None:
    template = synthesized.template_json
    matches = lint(json.dumps(template), regions=["eu-west-1"])
    errors = [m for m in matches if m.rule.id.startswith("E")]
    warnings = [m for m in matches if m.rule.id.startswith("W")]
    assert errors == []
    assert {m.rule.id for m in warnings} <= ACCEPTED_CFN_LINT_WARNINGS.keys(), warnings


_HASH = re.compile(r"[0-9a-f]{64}")


def test_template_matches_snapshot(synthesized: Synthesized, snapshot: Any) -> None:
    """Any change to the template shows up in review; refresh with --snapshot-update.

    Content hashes (asset hashes, the SQL fingerprint) are replaced: they change with every edit
    of the Lambda code or SQL, which other tests cover.
    """
    text = _HASH.sub("<sha256>", json.dumps(synthesized.template_json, indent=1, sort_keys=True))
    # Unbundled assets point at the checkout, which lives anywhere (CI clones elsewhere).
    text = text.replace(str(synthesized.outdir), "<outdir>").replace(str(REPO_ROOT), "<repo>")
    assert text == snapshot
