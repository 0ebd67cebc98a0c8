"""The Firehose transform Lambda (``lambdas.transform.handler.lambda_handler``).

Powertools, Pydantic and orjson are bundled from the project's pins rather than taken from the
public Powertools layer: orjson is not in the layer anyway, the layer's Pydantic is whatever the
layer release shipped (not the version the tests ran against), the ``latest`` SSM parameter would
change the deployed code without a code change, and ``sam local invoke`` then works offline.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from lambdas.transform.observability import DEFAULT_NAMESPACE, DEFAULT_SERVICE
from stacks.bundling import BundleSpec
from stacks.config import PipelineConfig
from stacks.functions import FunctionSettings, PythonFunction, python_function
from stacks.requirements import bundle_requirements

TRANSFORM_BUNDLE = BundleSpec(
    sources=("lambdas/__init__.py", "lambdas/transform"),
    requirements=tuple(
        bundle_requirements({"aws-lambda-powertools": None, "pydantic": None, "orjson": None})
    ),
)
# Firehose waits at most 5 minutes for an invocation; a 1 MB batch takes well under a second, so
# a much lower limit turns a hung invocation into a retry quickly.
TIMEOUT = cdk.Duration.minutes(1)


def transform_function(scope: Construct, config: PipelineConfig) -> PythonFunction:
    return python_function(
        scope,
        "TransformFunction",
        FunctionSettings(
            handler="lambdas.transform.handler.lambda_handler",
            bundle=TRANSFORM_BUNDLE,
            description="Tags and validates POS sales records for Firehose (never drops one)",
            timeout=TIMEOUT,
            memory_size=config.transform_memory_mb,
            log_retention_days=config.log_retention_days,
            environment={
                "POWERTOOLS_SERVICE_NAME": DEFAULT_SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": DEFAULT_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                # Responses are up to 6 MB; X-Ray segments fail above ~64 KB.
                "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            },
            reserved_concurrent_executions=config.transform_reserved_concurrency,
        ),
    )
