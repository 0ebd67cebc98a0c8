"""Delivery: the Firehose stream that reads the sales stream, calls the transform and loads Bronze.

Firehose with a Snowflake destination is only available as the L1 ``CfnDeliveryStream``. It writes
each transformed record to Bronze through Snowpipe Streaming, content and Firehose's metadata in
two VARIANT columns, authenticating with the key pair in Secrets Manager and using the ingest
role. Records the transform marks ``ProcessingFailed`` and records Snowflake rejects (after the
retry window) go to the error bucket, so nothing read from the stream is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import PipelineConfig
from stacks.error_bucket import ERROR_PREFIXES, ErrorOutputBucket
from stacks.functions import cfn_element, retained_log_group
from stacks.lifecycle import KEEP_ON_DELETE
from stacks.nag import acknowledge

# Where Firehose writes: the Bronze table snowflake/V3__bronze_json_raw_data.sql creates (the
# contract in docs/contracts.md), read by the Bronze stream, the procedures, the monitor and the
# dashboards under these names. Not settings: another value would send every record to
# snowflake-failed/ (a test checks V3 declares exactly these).
BRONZE_SCHEMA = "BRONZE"
BRONZE_TABLE = "JSON_RAW_DATA"
CONTENT_COLUMN = "RECORD_CONTENT"
METADATA_COLUMN = "RECORD_METADATA"
# How many times Firehose re-invokes the transform when an invocation itself fails (timeout,
# throttling) before the batch goes to processing-failed/.
PROCESSOR_RETRIES = 3
# The S3 error output is read by people replaying records, not by a latency-sensitive consumer.
BACKUP_BUFFER_SECONDS = 300
BACKUP_BUFFER_MB = 5


def _via(service: str, stack: cdk.Stack) -> str:
    return f"{service}.{stack.region}.amazonaws.com"


@dataclass(frozen=True)
class DeliverySource:
    stream: kinesis.Stream
    transform: lambda_.Function


class SnowflakeDelivery(Construct):
    """The delivery stream, its IAM role, its CloudWatch log group and the error bucket."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: PipelineConfig, source: DeliverySource
    ) -> None:
        super().__init__(scope, construct_id)
        self.error_output = ErrorOutputBucket(
            self, "ErrorOutput", expiration_days=config.error_bucket_expiration_days
        )
        self.log_group = retained_log_group(self, "Logs", config.log_retention_days)
        # Deleting a log stream deletes its events: the streams stay with their group.
        snowflake_log, backup_log = (
            logs.LogStream(
                self.log_group, name, log_group=self.log_group, removal_policy=KEEP_ON_DELETE
            )
            for name in ("SnowflakeDelivery", "ErrorOutputDelivery")
        )
        self.role = self._role(config, source, [snowflake_log, backup_log])

        self.delivery_stream = firehose.CfnDeliveryStream(
            self,
            "DeliveryStream",
            delivery_stream_type="KinesisStreamAsSource",
            kinesis_stream_source_configuration=firehose.CfnDeliveryStream.KinesisStreamSourceConfigurationProperty(
                kinesis_stream_arn=source.stream.stream_arn, role_arn=self.role.role_arn
            ),
            snowflake_destination_configuration=self._snowflake_destination(
                config, source, snowflake_log, backup_log
            ),
        )
        # The role's policy must exist before Firehose starts reading with it.
        self.delivery_stream.node.add_dependency(self.role.node.find_child("DefaultPolicy"))
        acknowledge(
            self.delivery_stream,
            "AwsSolutions-KDF1",
            reason="Firehose server-side encryption applies to Direct PUT only; the source "
            "stream is KMS-encrypted and the error output bucket is KMS-encrypted.",
        )

    def _role(
        self, config: PipelineConfig, source: DeliverySource, log_streams: list[logs.LogStream]
    ) -> iam.Role:
        stack = cdk.Stack.of(self)
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "firehose.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
            description="Firehose: read the POS stream, invoke the transform, write to Snowflake",
        )
        source.stream.grant_read(role)
        # The function and its versions and aliases (ARN:*): Firehose's own policy example
        # grants function:NAME:VERSION, so a qualified LambdaArn keeps working.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
                resources=[source.transform.function_arn, f"{source.transform.function_arn}:*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[config.firehose_secret_arn],
            )
        )
        if config.secrets_kms_key_arn:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[config.secrets_kms_key_arn],
                    conditions={"StringEquals": {"kms:ViaService": _via("secretsmanager", stack)}},
                )
            )
        bucket = self.error_output.bucket
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
                resources=[bucket.bucket_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{prefix}*") for prefix in ERROR_PREFIXES],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.error_output.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": _via("s3", stack)}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"{self.log_group.log_group_name}:log-stream:{s.log_stream_name}",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for s in log_streams
                ],
            )
        )
        bucket_id = stack.get_logical_id(cfn_element(bucket))
        for prefix in ERROR_PREFIXES:
            acknowledge(
                role,
                "AwsSolutions-IAM5",
                f"Resource::<{bucket_id}.Arn>/{prefix}*",
                reason="Firehose names error objects by date, hour and delivery attempt under "
                f"{prefix}; the grant is limited to that prefix of the pipeline's own bucket.",
            )
        transform_id = stack.get_logical_id(cfn_element(source.transform))
        acknowledge(
            role,
            "AwsSolutions-IAM5",
            f"Resource::<{transform_id}.Arn>:*",
            reason="Versions and aliases of the transform function only (function ARN:*), so "
            "Firehose keeps working if LambdaArn is pointed at a published version or alias.",
        )
        return role

    def _snowflake_destination(
        self,
        config: PipelineConfig,
        source: DeliverySource,
        snowflake_log: logs.LogStream,
        backup_log: logs.LogStream,
    ) -> firehose.CfnDeliveryStream.SnowflakeDestinationConfigurationProperty:
        cfn = firehose.CfnDeliveryStream
        processor_parameters = {
            "LambdaArn": source.transform.function_arn,
            "BufferSizeInMBs": str(config.processor_buffer_size_mb),
            "BufferIntervalInSeconds": str(config.processor_buffer_interval_seconds),
            "NumberOfRetries": str(PROCESSOR_RETRIES),
            "RoleArn": self.role.role_arn,
        }
        return cfn.SnowflakeDestinationConfigurationProperty(
            account_url=config.snowflake_account_url,
            database=config.database,
            schema=BRONZE_SCHEMA,
            table=BRONZE_TABLE,
            role_arn=self.role.role_arn,
            data_loading_option="VARIANT_CONTENT_AND_METADATA_MAPPING",
            content_column_name=CONTENT_COLUMN,
            meta_data_column_name=METADATA_COLUMN,
            snowflake_role_configuration=cfn.SnowflakeRoleConfigurationProperty(
                enabled=True, snowflake_role=config.ingest_role
            ),
            secrets_manager_configuration=cfn.SecretsManagerConfigurationProperty(
                enabled=True, secret_arn=config.firehose_secret_arn, role_arn=self.role.role_arn
            ),
            snowflake_vpc_configuration=(
                cfn.SnowflakeVpcConfigurationProperty(
                    private_link_vpce_id=config.snowflake_private_link_vpce_id
                )
                if config.snowflake_private_link_vpce_id
                else None
            ),
            buffering_hints=cfn.SnowflakeBufferingHintsProperty(
                interval_in_seconds=config.destination_buffer_interval_seconds,
                size_in_m_bs=config.destination_buffer_size_mb,
            ),
            retry_options=cfn.SnowflakeRetryOptionsProperty(
                duration_in_seconds=config.snowflake_retry_seconds
            ),
            processing_configuration=cfn.ProcessingConfigurationProperty(
                enabled=True,
                processors=[
                    cfn.ProcessorProperty(
                        type="Lambda",
                        parameters=[
                            cfn.ProcessorParameterProperty(parameter_name=k, parameter_value=v)
                            for k, v in processor_parameters.items()
                        ],
                    )
                ],
            ),
            cloud_watch_logging_options=cfn.CloudWatchLoggingOptionsProperty(
                enabled=True,
                log_group_name=self.log_group.log_group_name,
                log_stream_name=snowflake_log.log_stream_name,
            ),
            s3_backup_mode="FailedDataOnly",
            s3_configuration=cfn.S3DestinationConfigurationProperty(
                bucket_arn=self.error_output.bucket.bucket_arn,
                role_arn=self.role.role_arn,
                compression_format="GZIP",
                encryption_configuration=cfn.EncryptionConfigurationProperty(
                    kms_encryption_config=cfn.KMSEncryptionConfigProperty(
                        awskms_key_arn=self.error_output.key.key_arn
                    )
                ),
                buffering_hints=cfn.BufferingHintsProperty(
                    interval_in_seconds=BACKUP_BUFFER_SECONDS, size_in_m_bs=BACKUP_BUFFER_MB
                ),
                cloud_watch_logging_options=cfn.CloudWatchLoggingOptionsProperty(
                    enabled=True,
                    log_group_name=self.log_group.log_group_name,
                    log_stream_name=backup_log.log_stream_name,
                ),
            ),
        )
