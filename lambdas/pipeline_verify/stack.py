"""What the stack declares, as verify reads it: the template, each resource's physical id and the
outputs. Deployed: CloudFormation's own answers (GetTemplate, DescribeStackResources,
DescribeStacks). The local twin writes the same three from the synthesized template it
provisioned into moto (``local/twin``), so every check compares live resources with one source."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTPUTS = (
    "StreamName",
    "DeliveryStreamName",
    "ErrorBucketName",
    "AlarmTopicArn",
    "TransformFunctionName",
)


_NESTED = re.compile(r"^[A-Za-z0-9]+[0-9A-F]{8}$")


class StackNotFoundError(RuntimeError):
    """The stack (or an output verify needs) is not there; the message names it."""


@dataclass(frozen=True)
class StackView:
    template: dict[str, Any]
    physical_ids: dict[str, str]  # logical id -> physical id
    outputs: dict[str, str]

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical: resource
            for logical, resource in self.template.get("Resources", {}).items()
            if resource.get("Type") == resource_type
        }

    def output(self, name: str) -> str:
        """An output by name; an output of a nested construct carries its path and a hash
        (``MonitoringAlarmTopicArn78A8E021``)."""
        if name in self.outputs:
            return self.outputs[name]
        nested = [
            value
            for key, value in self.outputs.items()
            if _NESTED.fullmatch(key) and key[:-8].endswith(name)
        ]
        if len(nested) != 1:
            raise StackNotFoundError(f"the stack has no output {name}; deploy the current version")
        return nested[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "template": self.template,
                    "physical_ids": self.physical_ids,
                    "outputs": self.outputs,
                }
            ),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, path: Path) -> StackView:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["template"], data["physical_ids"], data["outputs"])


def from_cloudformation(client: Any, stack_name: str) -> StackView:
    """The deployed stack's processed template, resources and outputs (read-only calls)."""
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except client.exceptions.ClientError as error:
        raise StackNotFoundError(f"stack {stack_name}: {error}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    body = client.get_template(StackName=stack_name, TemplateStage="Processed")["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    physical: dict[str, str] = {}
    paginator = client.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId"):
                physical[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return StackView(template, physical, outputs)
