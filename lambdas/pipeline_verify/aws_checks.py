"""The AWS side of a deployment, with read-only calls: each live resource against what the
stack's template declares (``stack.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lambdas.pipeline_verify.report import Check, failed, passed
from lambdas.pipeline_verify.stack import StackView

AREA = "aws"
CLOUDWATCH = "cloudwatch.amazonaws.com"


@dataclass(frozen=True)
class AwsClients:
    kinesis: Any
    firehose: Any
    lambda_: Any
    cloudwatch: Any
    sns: Any


def aws_checks(clients: AwsClients, stack: StackView) -> Iterator[Check]:
    yield from _stream(clients.kinesis, stack)
    yield from _delivery(clients.firehose, stack)
    yield from _transform(clients.lambda_, stack)
    yield from _alarms(clients.cloudwatch, stack)
    yield from _topic_policy(clients.sns, stack)


def _error(call: str, error: Exception) -> str:
    return f"{call} failed: {error}"


def _stream(kinesis: Any, stack: StackView) -> Iterator[Check]:
    name = stack.output("StreamName")
    check = f"stream {name}"
    try:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    except Exception as error:
        yield failed(
            AREA,
            check,
            "an ACTIVE, KMS-encrypted stream",
            _error("DescribeStreamSummary", error),
            "deploy the stack (npx cdk deploy); check the region and credentials",
        )
        return
    status, encryption = summary.get("StreamStatus"), summary.get("EncryptionType", "NONE")
    found = f"{status}, encryption {encryption}"
    if status == "ACTIVE" and encryption == "KMS":
        yield passed(AREA, check, found)
    else:
        yield failed(
            AREA,
            check,
            "ACTIVE, encryption KMS",
            found,
            "wait for UPDATING to end; a stream without KMS was changed outside the stack:"
            " npx cdk deploy restores StreamEncryption",
        )


def _delivery(firehose: Any, stack: StackView) -> Iterator[Check]:
    name = stack.output("DeliveryStreamName")
    check = f"delivery stream {name}"
    expected = (
        "ACTIVE; source the stream; Snowflake destination BRONZE.JSON_RAW_DATA; Lambda "
        "processor = the transform; error output to the error bucket"
    )
    try:
        description = firehose.describe_delivery_stream(DeliveryStreamName=name)[
            "DeliveryStreamDescription"
        ]
    except Exception as error:
        yield failed(
            AREA,
            check,
            expected,
            _error("DescribeDeliveryStream", error),
            "deploy the stack (npx cdk deploy)",
        )
        return
    problems = []
    status = description.get("DeliveryStreamStatus")
    if status != "ACTIVE":
        problems.append(f"status {status}")
    source = description.get("Source", {}).get("KinesisStreamSourceDescription", {})
    if not str(source.get("KinesisStreamARN", "")).endswith(
        f":stream/{stack.output('StreamName')}"
    ):
        problems.append(f"source {source.get('KinesisStreamARN')}")
    destinations = description.get("Destinations") or [{}]
    snowflake = destinations[0].get("SnowflakeDestinationDescription")
    if snowflake is None:
        problems.append("no Snowflake destination")
    else:
        table = f"{snowflake.get('Schema')}.{snowflake.get('Table')}"
        if table.upper() != "BRONZE.JSON_RAW_DATA":
            problems.append(f"destination table {table}")
        processors = snowflake.get("ProcessingConfiguration", {})
        function = stack.output("TransformFunctionName")
        lambdas = [
            parameter.get("ParameterValue", "")
            for processor in processors.get("Processors", [])
            if processor.get("Type") == "Lambda"
            for parameter in processor.get("Parameters", [])
            if parameter.get("ParameterName") == "LambdaArn"
        ]
        if not processors.get("Enabled") or not any(
            f":function:{function}" in arn for arn in lambdas
        ):
            problems.append(f"transform processor {lambdas or 'missing'}")
        bucket = snowflake.get("S3DestinationDescription", {}).get("BucketARN", "")
        if bucket != f"arn:aws:s3:::{stack.output('ErrorBucketName')}":
            problems.append(f"error bucket {bucket or 'missing'}")
    if problems:
        yield failed(
            AREA,
            check,
            expected,
            "; ".join(problems),
            "the delivery stream differs from the stack: npx cdk deploy (or drift "
            "detection in the CloudFormation console shows who changed it)",
        )
    else:
        yield passed(AREA, check, "ACTIVE, Snowflake BRONZE.JSON_RAW_DATA, transform, error bucket")


def _transform(lambda_: Any, stack: StackView) -> Iterator[Check]:
    name = stack.output("TransformFunctionName")
    check = f"function {name}"
    declared = next(
        (
            resource.get("Properties", {})
            for logical, resource in stack.resources("AWS::Lambda::Function").items()
            if stack.physical_ids.get(logical) == name
        ),
        None,
    )
    if declared is None:
        yield failed(
            AREA,
            check,
            "the stack's transform function",
            "not in the stack's resources",
            "deploy the current version of the stack",
        )
        return
    want = {
        "runtime": declared.get("Runtime"),
        "architecture": (declared.get("Architectures") or ["x86_64"])[0],
        "memory": declared.get("MemorySize", 128),
        "timeout": declared.get("Timeout", 3),
    }
    try:
        live = lambda_.get_function_configuration(FunctionName=name)
    except Exception as error:
        yield failed(
            AREA,
            check,
            _describe(want),
            _error("GetFunctionConfiguration", error),
            "deploy the stack (npx cdk deploy)",
        )
        return
    have = {
        "runtime": live.get("Runtime"),
        "architecture": (live.get("Architectures") or ["x86_64"])[0],
        "memory": live.get("MemorySize"),
        "timeout": live.get("Timeout"),
    }
    if have == want:
        yield passed(AREA, check, _describe(have))
    else:
        yield failed(
            AREA,
            check,
            _describe(want),
            _describe(have),
            "the function was changed outside the stack: npx cdk deploy restores it",
        )


def _describe(config: dict[str, Any]) -> str:
    return (
        f"{config['runtime']} {config['architecture']}, {config['memory']} MB, "
        f"timeout {config['timeout']} s"
    )


def _alarms(cloudwatch: Any, stack: StackView) -> Iterator[Check]:
    topic = stack.output("AlarmTopicArn")
    names = sorted(
        stack.physical_ids[logical]
        for logical in stack.resources("AWS::CloudWatch::Alarm")
        if logical in stack.physical_ids
    )
    check = f"{len(names)} alarms"
    live: dict[str, dict[str, Any]] = {}
    try:
        for start in range(0, len(names), 100):
            answer = cloudwatch.describe_alarms(
                AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
            for alarm in [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]:
                live[alarm["AlarmName"]] = alarm
    except Exception as error:
        yield failed(
            AREA,
            check,
            "every alarm of the stack, each with an action on the topic",
            _error("DescribeAlarms", error),
            "check the region and credentials",
        )
        return
    missing = [name for name in names if name not in live]
    silent = [
        name for name in names if name in live and topic not in live[name].get("AlarmActions", [])
    ]
    disabled = [name for name in names if name in live and not live[name].get("ActionsEnabled")]
    if missing or silent or disabled:
        found = "; ".join(
            f"{label}: {', '.join(items)}"
            for label, items in (
                ("missing", missing),
                ("no action on the topic", silent),
                ("actions disabled", disabled),
            )
            if items
        )
        yield failed(
            AREA,
            check,
            f"each alarm exists and notifies {topic}",
            found,
            "npx cdk deploy restores the alarms and their actions "
            "(aws cloudwatch enable-alarm-actions for disabled ones)",
        )
    else:
        yield passed(AREA, check, f"all exist, each notifies {topic.rsplit(':', 1)[-1]}")


def _topic_policy(sns: Any, stack: StackView) -> Iterator[Check]:
    topic = stack.output("AlarmTopicArn")
    check = "alarm topic policy"
    expected = f"an Allow of sns:Publish for {CLOUDWATCH}"
    try:
        attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
        policy = json.loads(attributes.get("Policy") or "{}")
    except Exception as error:
        yield failed(
            AREA,
            check,
            expected,
            _error("GetTopicAttributes", error),
            "deploy the stack (npx cdk deploy)",
        )
        return
    if any(_allows_cloudwatch(statement) for statement in policy.get("Statement", [])):
        yield passed(AREA, check, f"{CLOUDWATCH} may publish")
    else:
        yield failed(
            AREA,
            check,
            expected,
            "no statement lets CloudWatch publish: alarms stay silent",
            "npx cdk deploy restores the topic policy (stacks/monitoring.py)",
        )


def _allows_cloudwatch(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal", {})
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    services = [services] if isinstance(services, str) else services
    actions = statement.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return CLOUDWATCH in services and any(a in ("sns:Publish", "sns:*", "*") for a in actions)
