"""The synthesized template as deployed: CDK tokens resolved to concrete names and ARNs.

CloudFormation turns ``Ref``, ``Fn::GetAtt``, ``Fn::Join`` and ``Fn::Sub`` into values at deploy
time; IAM then evaluates the resulting strings. To evaluate the policies offline this module does
the same for one fixed account and region, giving every resource the physical name CloudFormation
would generate (``<stack>-<LogicalId>-<suffix>``, deterministic here) and building each ARN in the
format its service documents (the ``Fn::GetAtt ... Arn`` return values in the CloudFormation
template reference; a log group's ``Arn`` ends in ``:*``). An intrinsic or resource type this
module does not know raises, so a policy is never evaluated on a half-resolved string.

It also says which policies apply to a principal or a resource: the role's identity policies
(``AWS::IAM::Policy`` attached to it and the role's inline policies), a topic's
``AWS::SNS::TopicPolicy``, a bucket's ``AWS::S3::BucketPolicy``, a key's ``KeyPolicy`` and a
function's ``AWS::Lambda::Permission`` resources, turned into the resource-based policy Lambda
builds from them.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PolicyDocument = dict[str, Any]


@dataclass(frozen=True)
class Environment:
    account: str = "123456789012"
    region: str = "eu-west-1"
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"


class UnresolvableError(ValueError):
    """A token this resolver does not implement: extend it rather than guess."""


def _suffix(logical_id: str, length: int = 12) -> str:
    """The random-looking suffix CloudFormation appends to generated names (fixed per id)."""
    digest = hashlib.sha256(logical_id.encode()).hexdigest().upper()
    return digest[:length]


class DeployedTemplate:
    """A template whose values can be resolved the way CloudFormation resolves them."""

    def __init__(self, template: dict[str, Any], stack_name: str, env: Environment) -> None:
        self.template = template
        self.resources: dict[str, dict[str, Any]] = template["Resources"]
        self.stack_name = stack_name
        self.env = env
        self.stack_id = (
            f"arn:{env.partition}:cloudformation:{env.region}:{env.account}:stack/{stack_name}/"
            f"{uuid.uuid5(uuid.NAMESPACE_URL, stack_name)}"
        )

    # --- names and ARNs -----------------------------------------------------------------------
    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def logical_id(self, resource_type: str, path_suffix: str) -> str:
        """The one resource of ``resource_type`` whose construct path ends in ``path_suffix``."""
        found = [
            logical_id
            for logical_id, resource in self.of_type(resource_type).items()
            if str(resource.get("Metadata", {}).get("aws:cdk:path", "")).endswith(path_suffix)
        ]
        if len(found) != 1:
            raise KeyError(f"{resource_type} at */{path_suffix}: found {found}")
        return found[0]

    def _explicit_name(self, resource: dict[str, Any], prop: str) -> str | None:
        value = resource.get("Properties", {}).get(prop)
        return None if value is None else str(self.resolve(value))

    def physical_name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        kind = resource["Type"]
        explicit = {
            "AWS::Lambda::Function": "FunctionName",
            "AWS::Logs::LogGroup": "LogGroupName",
            "AWS::Logs::LogStream": "LogStreamName",
            "AWS::IAM::Role": "RoleName",
            "AWS::S3::Bucket": "BucketName",
            "AWS::SNS::Topic": "TopicName",
            "AWS::Kinesis::Stream": "Name",
            "AWS::KinesisFirehose::DeliveryStream": "DeliveryStreamName",
            "AWS::CloudWatch::Alarm": "AlarmName",
            "AWS::Events::Rule": "Name",
        }.get(kind)
        if explicit and (name := self._explicit_name(resource, explicit)):
            return name
        if kind == "AWS::KMS::Key":
            return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.stack_name}.{logical_id}"))
        if kind == "AWS::S3::Bucket":  # lower case, at most 63 characters
            return f"{self.stack_name}-{logical_id}-{_suffix(logical_id)}".lower()[:63]
        if kind == "AWS::IAM::Role":  # at most 64 characters
            return f"{self.stack_name}-{logical_id}-{_suffix(logical_id)}"[:64]
        if kind == "AWS::Lambda::Function":
            return f"{self.stack_name}-{logical_id}-{_suffix(logical_id)}"[:64]
        return f"{self.stack_name}-{logical_id}-{_suffix(logical_id)}"

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": self.env.account,
            "AWS::Region": self.env.region,
            "AWS::Partition": self.env.partition,
            "AWS::URLSuffix": self.env.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
        }
        if name in pseudo:
            return pseudo[name]
        kind = self.resources[name]["Type"]
        if kind == "AWS::SNS::Topic":
            return self.get_att(name, "TopicArn")
        if kind in {
            "AWS::Lambda::Function",
            "AWS::Logs::LogGroup",
            "AWS::Logs::LogStream",
            "AWS::IAM::Role",
            "AWS::KMS::Key",
            "AWS::S3::Bucket",
            "AWS::Kinesis::Stream",
            "AWS::KinesisFirehose::DeliveryStream",
            "AWS::CloudWatch::Alarm",
            "AWS::Events::Rule",
        }:
            return self.physical_name(name)
        raise UnresolvableError(f"Ref to {kind} ({name})")

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        e = self.env
        arns: dict[str, Callable[[], str]] = {
            "AWS::IAM::Role": lambda: f"arn:{e.partition}:iam::{e.account}:role/{name}",
            "AWS::Lambda::Function": lambda: (
                f"arn:{e.partition}:lambda:{e.region}:{e.account}:function:{name}"
            ),
            # "The ARN of the log group, such as arn:aws:logs:...:log-group:NAME:*".
            "AWS::Logs::LogGroup": lambda: (
                f"arn:{e.partition}:logs:{e.region}:{e.account}:log-group:{name}:*"
            ),
            "AWS::KMS::Key": lambda: f"arn:{e.partition}:kms:{e.region}:{e.account}:key/{name}",
            "AWS::Kinesis::Stream": lambda: (
                f"arn:{e.partition}:kinesis:{e.region}:{e.account}:stream/{name}"
            ),
            "AWS::S3::Bucket": lambda: f"arn:{e.partition}:s3:::{name}",
            "AWS::SNS::Topic": lambda: f"arn:{e.partition}:sns:{e.region}:{e.account}:{name}",
            "AWS::Events::Rule": lambda: (
                f"arn:{e.partition}:events:{e.region}:{e.account}:rule/{name}"
            ),
            "AWS::KinesisFirehose::DeliveryStream": lambda: (
                f"arn:{e.partition}:firehose:{e.region}:{e.account}:deliverystream/{name}"
            ),
            "AWS::CloudWatch::Alarm": lambda: (
                f"arn:{e.partition}:cloudwatch:{e.region}:{e.account}:alarm:{name}"
            ),
        }
        if attribute in ("Arn", "TopicArn") and kind in arns:
            return arns[kind]()
        if kind == "AWS::SNS::Topic" and attribute == "TopicName":
            return name
        if kind == "AWS::KMS::Key" and attribute == "KeyId":
            return name
        raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute} ({kind})")

    # --- intrinsic functions ------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if v != {"Ref": "AWS::NoValue"}]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [(key, arg)] = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self.resolve(p)) for p in self.resolve(parts))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(index)]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key.startswith("Fn::") or key == "Condition":
                raise UnresolvableError(f"{key} is not implemented")
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        resolved = {k: str(self.resolve(v)) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name in resolved:
                return resolved[name]
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)

    # --- which policies apply -----------------------------------------------------------------
    def identity_policies(self, role_id: str) -> list[tuple[str, PolicyDocument]]:
        role = self.resources[role_id]
        if role["Properties"].get("ManagedPolicyArns"):
            raise UnresolvableError(f"{role_id} has managed policies; their documents are not here")
        found = [
            (str(p["PolicyName"]), self.resolve(p["PolicyDocument"]))
            for p in role["Properties"].get("Policies", [])
        ]
        for logical_id, policy in self.of_type("AWS::IAM::Policy").items():
            if {"Ref": role_id} in policy["Properties"].get("Roles", []):
                found.append((logical_id, self.resolve(policy["Properties"]["PolicyDocument"])))
        return found

    def topic_policy(self, topic_id: str) -> PolicyDocument | None:
        return self._attached_policy("AWS::SNS::TopicPolicy", "Topics", topic_id)

    def bucket_policy(self, bucket_id: str) -> PolicyDocument | None:
        for policy in self.of_type("AWS::S3::BucketPolicy").values():
            if policy["Properties"]["Bucket"] == {"Ref": bucket_id}:
                return dict(self.resolve(policy["Properties"]["PolicyDocument"]))
        return None

    def key_policy(self, key_id: str) -> PolicyDocument:
        return dict(self.resolve(self.resources[key_id]["Properties"]["KeyPolicy"]))

    def function_policy(self, function_id: str) -> PolicyDocument | None:
        """Lambda's resource-based policy, as AddPermission builds it from each permission."""
        function_arn = self.get_att(function_id, "Arn")
        statements = []
        for logical_id, permission in self.of_type("AWS::Lambda::Permission").items():
            props = self.resolve(permission["Properties"])
            if props["FunctionName"] not in (function_arn, self.physical_name(function_id)):
                continue
            principal = str(props["Principal"])
            conditions: dict[str, dict[str, str]] = {}
            if "SourceArn" in props:
                conditions["ArnLike"] = {"AWS:SourceArn": props["SourceArn"]}
            if "SourceAccount" in props:
                conditions["StringEquals"] = {"AWS:SourceAccount": props["SourceAccount"]}
            statements.append(
                {
                    "Sid": logical_id,
                    "Effect": "Allow",
                    "Principal": (
                        {"Service": principal}
                        if principal.endswith(".amazonaws.com")
                        else {"AWS": principal}
                    ),
                    "Action": props["Action"],
                    "Resource": function_arn,
                    **({"Condition": conditions} if conditions else {}),
                }
            )
        return {"Version": "2012-10-17", "Statement": statements} if statements else None

    def _attached_policy(self, kind: str, prop: str, target_id: str) -> PolicyDocument | None:
        documents = [
            self.resolve(p["Properties"]["PolicyDocument"])
            for p in self.of_type(kind).values()
            if {"Ref": target_id} in p["Properties"][prop]
        ]
        if len(documents) > 1:
            raise UnresolvableError(f"{target_id} has {len(documents)} {kind}s")
        return dict(documents[0]) if documents else None
