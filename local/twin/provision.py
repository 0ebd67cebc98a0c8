"""Provisions a synthesized stack template into moto: the resources verify checks (stream, keys,
buckets, roles, functions, topic and its policy, delivery stream, alarms), created with the
template's own properties through boto3, as CloudFormation would. Returns the StackView
(template, physical ids, outputs) that CloudFormation answers for a deployed stack.

Properties are passed to the API as the template states them, keeping only the members the API's
input shape has (CloudFormation and the API share their names for these types). Function code is
a placeholder zip: the twin's Firehose worker calls the real handler in-process. Other resource
types (policies, log groups, the custom resource, the dashboard) get a physical id only.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import boto3

from lambdas.pipeline_verify.stack import StackView
from local.kinesis import LOCAL_REGION

_KEY = "local"  # moto accepts any credentials; not a secret
# Creation order: what a resource refers to is created before it.
_ORDER = (
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::Kinesis::Stream",
    "AWS::Lambda::Function",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::CloudWatch::Alarm",
)
_NAME_PROPERTY = {
    "AWS::Kinesis::Stream": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def client(service: str, endpoint_url: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        region_name=LOCAL_REGION,
        endpoint_url=endpoint_url,
        aws_access_key_id=_KEY,
        aws_secret_access_key=_KEY,
    )


class _Resolver:
    """CloudFormation's intrinsic functions over the physical ids and attributes assigned."""

    def __init__(self, stack_name: str, account: str, region: str) -> None:
        self.pseudo = {
            "AWS::StackName": stack_name,
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }
        self.refs: dict[str, str] = {}
        self.attributes: dict[str, dict[str, str]] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self(item) for item in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self.pseudo.get(argument, self.refs.get(argument, argument))
            if key == "Fn::GetAtt":
                logical, attribute = (
                    argument if isinstance(argument, list) else argument.split(".", 1)
                )
                return self.attributes.get(logical, {}).get(attribute, f"{logical}.{attribute}")
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self(items))
            if key == "Fn::Select":
                index, items = argument
                return self(items)[int(self(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self(text)).split(separator)
            if key == "Fn::Sub":
                text, names = (argument, {}) if isinstance(argument, str) else argument
                names = {k: self(v) for k, v in names.items()}
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m[1], names)), text)
        return {
            key: v for key, v in ((k, self(item)) for k, item in value.items()) if v is not None
        }

    def _sub(self, name: str, names: dict[str, Any]) -> Any:
        if name in names:
            return names[name]
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self({"Fn::GetAtt": [logical, attribute]})
        return self({"Ref": name})


def _shaped(api: Any, operation: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with only the members the operation's input shape has, recursively."""
    shape = api.meta.service_model.operation_model(operation).input_shape
    return dict(_fit(shape, values))


def _fit(shape: Any, value: Any) -> Any:
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _fit(shape.members[k], v) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_fit(shape.member, item) for item in value]
    if shape.type_name == "integer":
        return int(value)
    if shape.type_name in ("double", "float"):
        return float(value)
    if shape.type_name == "boolean" and isinstance(value, str):
        return value.lower() == "true"
    return value


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "local twin: the handler runs in-process\n")
    return buffer.getvalue()


def provision(template: dict[str, Any], endpoint_url: str, stack_name: str) -> StackView:
    """Creates the template's resources in the moto server at ``endpoint_url``."""
    account = "123456789012"
    region = LOCAL_REGION
    resolve = _Resolver(stack_name, account, region)
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    clients: dict[str, Any] = {}

    def api(service: str) -> Any:
        if service not in clients:
            clients[service] = client(service, endpoint_url)
        return clients[service]

    # Names first, as CloudFormation does: explicit names, else <stack>-<logical id>.
    for logical, resource in resources.items():
        kind = resource["Type"]
        explicit = resource.get("Properties", {}).get(_NAME_PROPERTY.get(kind, ""))
        name = resolve(explicit) if explicit else f"{stack_name}-{logical}"[:64]
        if kind == "AWS::S3::Bucket":
            name = name.lower()
        resolve.refs[logical] = name
        resolve.attributes[logical] = _attributes(kind, name, account, region)
    creators: dict[str, Callable[[str, dict[str, Any]], None]] = {}

    def role(logical: str, properties: dict[str, Any]) -> None:
        api("iam").create_role(
            RoleName=resolve.refs[logical],
            AssumeRolePolicyDocument=__import__("json").dumps(
                properties["AssumeRolePolicyDocument"]
            ),
        )

    def key(logical: str, properties: dict[str, Any]) -> None:
        metadata = api("kms").create_key(Description=properties.get("Description", logical))[
            "KeyMetadata"
        ]
        resolve.refs[logical] = metadata["KeyId"]
        resolve.attributes[logical] = {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}

    def bucket(logical: str, properties: dict[str, Any]) -> None:
        api("s3").create_bucket(Bucket=resolve.refs[logical])

    def stream(logical: str, properties: dict[str, Any]) -> None:
        kinesis, name = api("kinesis"), resolve.refs[logical]
        mode = properties.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED")
        if mode == "ON_DEMAND":
            kinesis.create_stream(StreamName=name, StreamModeDetails={"StreamMode": mode})
        else:
            kinesis.create_stream(StreamName=name, ShardCount=int(properties.get("ShardCount", 1)))
        encryption = properties.get("StreamEncryption")
        if encryption:
            kinesis.start_stream_encryption(
                StreamName=name,
                EncryptionType=encryption["EncryptionType"],
                KeyId=encryption["KeyId"],
            )

    def function(logical: str, properties: dict[str, Any]) -> None:
        values = dict(
            properties, FunctionName=resolve.refs[logical], Code={"ZipFile": _placeholder_zip()}
        )
        api("lambda").create_function(**_shaped(api("lambda"), "CreateFunction", values))

    def topic(logical: str, properties: dict[str, Any]) -> None:
        attributes = {"DisplayName": properties.get("DisplayName", "")}
        if properties.get("KmsMasterKeyId"):
            attributes["KmsMasterKeyId"] = properties["KmsMasterKeyId"]
        arn = api("sns").create_topic(Name=resolve.refs[logical], Attributes=attributes)["TopicArn"]
        resolve.refs[logical] = arn
        resolve.attributes[logical] = {"TopicArn": arn, "TopicName": arn.rsplit(":", 1)[1]}

    def topic_policy(logical: str, properties: dict[str, Any]) -> None:
        policy = __import__("json").dumps(properties["PolicyDocument"])
        for arn in properties["Topics"]:
            api("sns").set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=policy
            )

    def delivery(logical: str, properties: dict[str, Any]) -> None:
        firehose = api("firehose")
        values = dict(properties, DeliveryStreamName=resolve.refs[logical])
        firehose.create_delivery_stream(**_shaped(firehose, "CreateDeliveryStream", values))

    def alarm(logical: str, properties: dict[str, Any]) -> None:
        cloudwatch = api("cloudwatch")
        values = dict(properties, AlarmName=resolve.refs[logical])
        cloudwatch.put_metric_alarm(**_shaped(cloudwatch, "PutMetricAlarm", values))

    creators.update(
        {
            "AWS::IAM::Role": role,
            "AWS::KMS::Key": key,
            "AWS::S3::Bucket": bucket,
            "AWS::Kinesis::Stream": stream,
            "AWS::Lambda::Function": function,
            "AWS::SNS::Topic": topic,
            "AWS::SNS::TopicPolicy": topic_policy,
            "AWS::KinesisFirehose::DeliveryStream": delivery,
            "AWS::CloudWatch::Alarm": alarm,
        }
    )
    for kind in _ORDER:
        for logical, resource in resources.items():
            if resource["Type"] == kind:
                creators[kind](logical, resolve(resource.get("Properties", {})))
    outputs = {
        name: str(resolve(output["Value"])) for name, output in template.get("Outputs", {}).items()
    }
    physical = {logical: resolve.refs[logical] for logical in resources}
    return StackView(template, physical, outputs)


def _attributes(kind: str, name: str, account: str, region: str) -> dict[str, str]:
    arn = {
        "AWS::Kinesis::Stream": f"arn:aws:kinesis:{region}:{account}:stream/{name}",
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::Lambda::Function": f"arn:aws:lambda:{region}:{account}:function:{name}",
        "AWS::IAM::Role": f"arn:aws:iam::{account}:role/{name}",
        "AWS::KinesisFirehose::DeliveryStream": (
            f"arn:aws:firehose:{region}:{account}:deliverystream/{name}"
        ),
        "AWS::CloudWatch::Alarm": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
        "AWS::Logs::LogGroup": f"arn:aws:logs:{region}:{account}:log-group:{name}:*",
    }.get(kind, f"arn:aws:local:{region}:{account}:{name}")
    return {"Arn": arn}
