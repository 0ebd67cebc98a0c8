"""Would AWS allow what the deployed pipeline does? The template's policies, evaluated as IAM does.

Every request the running system makes (tests/cdk/access/requests.py) is evaluated by
``@cloud-copilot/iam-simulate`` against the identity policies of the caller's role, the
resource's policy and, for KMS, the key policy, after resolving the template's tokens to concrete
ARNs for one account and region. A row fails with the evaluator's reasons (which policy type
denied, which statement). Why this evaluator: docs/deploy.md, "How the access tests judge the
template".
"""

from __future__ import annotations

import os

import pytest

from tests.cdk.access.requests import ALLOWED, DENIED, AccessRequest, AccessTable
from tests.cdk.access.simulator import Verdict, evaluate, evaluator_problem
from tests.cdk.access.template import DeployedTemplate, Environment
from tests.cdk.conftest import ACCOUNT, REGION, SECRETS_KEY, Synthesized

ENV = Environment(account=ACCOUNT, region=REGION)


def _require_evaluator() -> None:
    problem = evaluator_problem()
    if problem is None:
        return
    # CI (and `make test`, which installs it) must never pass without evaluating the policies.
    if os.environ.get("CI") or os.environ.get("POS_REQUIRE_IAM_EVALUATOR"):
        pytest.fail(f"the IAM policy evaluator is required here: {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def deployed(deployed_synth: Synthesized) -> DeployedTemplate:
    return DeployedTemplate(deployed_synth.template_json, deployed_synth.stack.stack_name, ENV)


@pytest.fixture(scope="module")
def table(deployed: DeployedTemplate) -> list[AccessRequest]:
    return AccessTable(deployed, secrets_kms_key_arn=SECRETS_KEY).rows()


@pytest.fixture(scope="module")
def verdicts(deployed: DeployedTemplate, table: list[AccessRequest]) -> dict[str, Verdict]:
    _require_evaluator()
    names = [row.name for row in table]
    assert len(names) == len(set(names)), "row names must be unique"
    return evaluate({row.name: row.simulation(deployed) for row in table})


def _matches(expected: str, result: str) -> bool:
    if expected == DENIED:
        return result in ("ImplicitlyDenied", "ExplicitlyDenied")
    return expected == result


def test_every_request_gets_the_expected_decision(
    table: list[AccessRequest], verdicts: dict[str, Verdict]
) -> None:
    wrong = []
    for row in table:
        verdict = verdicts[row.name]
        if not _matches(row.expected, verdict.result):
            why = verdict.denials or verdict.errors or ""
            got = f"expected {row.expected}, got {verdict.result} {why}"
            wrong.append(f"{row.name}\n    {row.row()}\n    {got}")
    assert not wrong, f"{len(wrong)} of {len(table)} requests decided wrongly:\n" + "\n".join(wrong)


def test_the_table_covers_every_function_alarm_and_part(
    deployed: DeployedTemplate, table: list[AccessRequest]
) -> None:
    functions = deployed.of_type("AWS::Lambda::Function")
    alarms = deployed.of_type("AWS::CloudWatch::Alarm")
    log_rows = [r for r in table if r.action == "logs:PutLogEvents" and r.expected == ALLOWED]
    publish_rows = [r for r in table if r.action == "sns:Publish" and r.expected == ALLOWED]
    # transform, migrations, the provider framework, the monitor and the canary
    assert len(functions) == 5
    assert len(log_rows) == len(functions) + 2  # + Firehose's two streams
    # 31 + the dead letter's redrivable records + the other kinds' five tasks (failed, backlog,
    # silent) + their five rejected shares + the canary's three
    assert len(publish_rows) == len(alarms) == 31 + 1 + 5 * 3 + 5 + 3
    assert sum(r.expected != ALLOWED for r in table) >= 10
