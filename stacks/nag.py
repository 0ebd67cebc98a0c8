"""cdk-nag 3 wiring: the AWS Solutions pack on the app, and one way to acknowledge a finding.

cdk-nag 3 reports through CDK's ``Validations``: an unacknowledged finding fails synthesis. Each
acknowledgement names one finding (``RuleId[FindingId]`` for rules such as IAM5 that report
several) and carries the reason it is acceptable here, next to the resource it concerns.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

# Validations prefixes each plugin's rule ids with the plugin name.
PLUGIN = "AwsSolutions"


def enable_nag_checks(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))


def acknowledge(
    construct: IConstruct, rule_id: str, finding: str | None = None, *, reason: str
) -> None:
    """Acknowledge one cdk-nag finding on ``construct`` (and its children) with a reason."""
    finding_id = f"{rule_id}[{finding}]" if finding else rule_id
    cdk.Validations.of(construct).acknowledge(
        cdk.Acknowledgment(id=f"{PLUGIN}::{finding_id}", reason=reason)
    )
