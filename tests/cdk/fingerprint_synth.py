"""Run by ``test_fingerprints.py`` as a script inside a copy of the tree: synthesize the app, then
again after each one-byte edit (undone after), and print what the template says about code.

Argument: a JSON list of paths (relative to the copy) to edit one at a time. Output: one JSON
object: ``baseline``, ``again`` (a second synth of the unchanged tree), ``touched`` (after a
modification time change only) and ``edits`` (path -> values), where values are each Lambda
function's code S3 key (by logical id) and each property of the migrations custom resource that
ends in ``Fingerprint``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from stacks import application
from stacks.application import build_app, project_context

# cdk-nag's checks (test_compliance.py) add nothing to the hashes and most of each synth's time.
application.enable_nag_checks = lambda app: None

SECRETS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pos"
SETTINGS = {
    "snowflake_account_url": "https://myorg-pos.snowflakecomputing.com",
    "firehose_secret_arn": f"{SECRETS}/firehose-AbCdEf",
    "migrations_secret_arn": f"{SECRETS}/deploy-GhIjKl",
    "monitor_secret_arn": f"{SECRETS}/monitor-MnOpQr",
    "canary_enabled": True,
    "alarm_email": "data-oncall@example.com",
}


def synth(outdir: Path) -> dict[str, Any]:
    context = project_context()
    context.update(SETTINGS)
    context["aws:cdk:bundling-stacks"] = []  # hashes only: no pip install
    app = cdk.App(context=context, outdir=str(outdir))
    stack = build_app(app)
    template = app.synth().get_stack_by_name(stack.stack_name).template
    values: dict[str, Any] = {}
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function":
            values[logical_id] = properties["Code"]["S3Key"]
        elif resource["Type"] == "Custom::SnowflakeMigrations":
            values |= {
                key: value for key, value in properties.items() if key.endswith("Fingerprint")
            }
    return values


def edit_one_byte(path: Path) -> bytes:
    original = path.read_bytes()
    middle = len(original) // 2
    changed = b"x" if original[middle : middle + 1] != b"x" else b"y"
    path.write_bytes(original[:middle] + changed + original[middle + 1 :])
    return original


def main() -> None:
    edits = json.loads(sys.argv[1])
    with tempfile.TemporaryDirectory() as outdir:
        out = Path(outdir)
        result: dict[str, Any] = {"baseline": synth(out), "again": synth(out), "edits": {}}
        first = Path(edits[0])
        stat = first.stat()
        os.utime(first, (stat.st_atime + 3600, stat.st_mtime + 3600))
        result["touched"] = synth(out)
        for relative in edits:
            path = Path(relative)
            original = edit_one_byte(path)
            try:
                result["edits"][relative] = synth(out)
            finally:
                path.write_bytes(original)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
