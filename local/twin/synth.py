"""The stack's template for the local twin: the CDK app itself (``stacks.application.build_app``)
synthesized with fixed local settings, so the twin holds exactly what ``cdk deploy`` would create.
Synthesizing starts jsii (node) and takes seconds: the template is cached in the workdir under
the hash of the inputs that shape it (the settings, stacks/, the Lambda sources)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

from local.kinesis import LOCAL_REGION

LOCAL_ACCOUNT = "123456789012"  # moto's default account
_SECRETS = f"arn:aws:secretsmanager:{LOCAL_REGION}:{LOCAL_ACCOUNT}:secret"
# Valid settings, pointing nowhere: the twin never calls Snowflake or Secrets Manager through them.
LOCAL_SETTINGS: dict[str, Any] = {
    "snowflake_account_url": "https://local-twin.snowflakecomputing.com",
    "firehose_secret_arn": f"{_SECRETS}:pos/firehose-LOCAL1",
    "migrations_secret_arn": f"{_SECRETS}:pos/deploy-LOCAL2",
    "monitor_secret_arn": f"{_SECRETS}:pos/monitor-LOCAL3",
    "account": LOCAL_ACCOUNT,
    "region": LOCAL_REGION,
}
_SOURCES = ("stacks", "lambdas", "cdk.json")


def _fingerprint(root: Path, settings: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for name in _SOURCES:
        path = root / name
        files = (
            sorted(path.rglob("*.py")) + sorted(path.rglob("*.sql")) if path.is_dir() else [path]
        )
        for file in files:
            if "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def synthesize(cache_dir: Path, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stack template (CloudFormation JSON) for ``settings`` (default: the local ones)."""
    from stacks.requirements import REPO_ROOT

    settings = settings or LOCAL_SETTINGS
    cached = cache_dir / f"template-{_fingerprint(REPO_ROOT, settings)}.json"
    if cached.exists():
        return dict(json.loads(cached.read_text(encoding="utf-8")))
    import aws_cdk as cdk

    from stacks.application import build_app, project_context

    context = project_context()
    context.update(settings)
    context["aws:cdk:bundling-stacks"] = []  # the twin runs the handler in-process
    outdir = cache_dir / "cdk.out"
    app = cdk.App(context=context, outdir=str(outdir))
    # The settings alone decide the environment, not a developer's CDK_DEFAULT_* variables.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CDK_DEFAULT_")}
    with mock.patch.dict(os.environ, environ, clear=True):
        stack = build_app(app)
    assembly = app.synth()
    template = dict(assembly.get_stack_by_name(stack.stack_name).template)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(template), encoding="utf-8")
    return template
