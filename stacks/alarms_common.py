"""What every alarm of the pipeline shares: the topic it notifies and how a plain alarm is made.

Alarms made here (metrics cdk-monitoring-constructs has no support for) notify the topic both
when they fire and when they recover, like the facade's alarms, and carry a name that starts
with the stack's so an operator can filter one deployment's alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct


@dataclass(frozen=True)
class AlarmTarget:
    topic: sns.ITopic
    name_prefix: str


def notify(alarm: cloudwatch.Alarm, target: AlarmTarget) -> cloudwatch.Alarm:
    action = actions.SnsAction(target.topic)
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)
    return alarm


def plain_alarm(
    scope: Construct,
    construct_id: str,
    target: AlarmTarget,
    *,
    metric: cloudwatch.IMetric,
    threshold: float,
    comparison: cloudwatch.ComparisonOperator,
    missing: cloudwatch.TreatMissingData,
    description: str,
    evaluation_periods: int = 1,
    datapoints_to_alarm: int | None = None,
) -> cloudwatch.Alarm:
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        alarm_name=f"{target.name_prefix}-{construct_id}",
        alarm_description=description,
        metric=metric,
        threshold=threshold,
        comparison_operator=comparison,
        evaluation_periods=evaluation_periods,
        datapoints_to_alarm=datapoints_to_alarm or evaluation_periods,
        treat_missing_data=missing,
    )
    return notify(alarm, target)
