"""The pipeline stack: ingest stream, transform Lambda, Snowflake migrations, Firehose delivery.

The constructs are exposed as attributes (``ingest``, ``transform``, ``migrations``,
``delivery``, ``monitoring``) for tests and for the operations work that adds alarms.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks.config import PipelineConfig
from stacks.delivery import DeliverySource, SnowflakeDelivery
from stacks.ingest import IngestStream
from stacks.migrations import SnowflakeMigrations
from stacks.monitoring import MonitoredResources, PipelineMonitoring
from stacks.transform import transform_function


class PosPipelineStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.ingest = IngestStream(self, "Ingest", retention_hours=config.stream_retention_hours)
        self.transform = transform_function(self, config)
        self.migrations = SnowflakeMigrations(self, "SnowflakeMigrations", config=config)
        self.delivery = SnowflakeDelivery(
            self,
            "Delivery",
            config=config,
            source=DeliverySource(stream=self.ingest.stream, transform=self.transform.function),
        )
        # Bronze must exist (and carry its grants) before Firehose starts writing to it.
        self.delivery.delivery_stream.node.add_dependency(self.migrations.resource)
        self.monitoring = PipelineMonitoring(
            self,
            "Monitoring",
            resources=MonitoredResources(
                stream=self.ingest.stream,
                delivery_stream=self.delivery.delivery_stream,
                transform_function=self.transform.function,
                migrations_function=self.migrations.function,
                error_bucket=self.delivery.error_output.bucket,
            ),
            config=config,
        )
        cdk.CfnOutput(self, "StreamName", value=self.ingest.stream.stream_name)
        cdk.CfnOutput(self, "DeliveryStreamName", value=self.delivery.delivery_stream.ref)
        cdk.CfnOutput(self, "ErrorBucketName", value=self.delivery.error_output.bucket.bucket_name)
        cdk.CfnOutput(self, "TransformFunctionName", value=self.transform.function.function_name)
