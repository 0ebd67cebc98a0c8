"""Firehose -> Snowflake alarms (plain ``cloudwatch.Alarm``: cdk-monitoring-constructs covers
only Firehose's Direct PUT limits and throttling, none of its Snowflake, transform or
Kinesis-source metrics)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from stacks import alarm_thresholds as limits
from stacks.alarms_common import AlarmTarget, plain_alarm

NAMESPACE = "AWS/Firehose"
FIVE_MINUTES = cdk.Duration.minutes(5)
Op = cloudwatch.ComparisonOperator
Missing = cloudwatch.TreatMissingData


def firehose_metric(
    delivery_stream_name: str, metric_name: str, statistic: str, period: cdk.Duration = FIVE_MINUTES
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"DeliveryStreamName": delivery_stream_name},
        statistic=statistic,
        period=period,
    )


class DeliveryAlarms(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, delivery_stream_name: str, target: AlarmTarget
    ) -> None:
        super().__init__(scope, construct_id)
        name = delivery_stream_name
        self.data_freshness = plain_alarm(
            self,
            "FirehoseDataFreshness",
            target,
            metric=firehose_metric(name, "DeliveryToSnowflake.DataFreshness", "Maximum"),
            threshold=limits.DATA_FRESHNESS_MAX_SECONDS,
            comparison=Op.GREATER_THAN_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            # No datapoints = nothing buffered; a stalled reader is caught by the lag alarms.
            missing=Missing.NOT_BREACHING,
            description="Oldest record not yet in Snowflake is older than 15 minutes "
            "(AWS best practice: freshness above the buffering limit).",
        )
        self.delivery_stalled = plain_alarm(
            self,
            "FirehoseDeliveryStalled",
            target,
            metric=cloudwatch.MathExpression(
                expression="IF(FILL(reads, 0) > 0 AND FILL(inserts, 0) <= 0, 1, 0)",
                using_metrics={
                    "reads": firehose_metric(name, "DataReadFromKinesisStream.Records", "Sum"),
                    "inserts": firehose_metric(name, "DeliveryToSnowflake.Success", "Sum"),
                },
                label="Reading from Kinesis without a successful Snowflake insert",
                period=FIVE_MINUTES,
            ),
            threshold=1,
            comparison=Op.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=limits.DELIVERY_STALLED_PERIODS,
            missing=Missing.NOT_BREACHING,
            description="Firehose has read records for 15 minutes without one successful "
            "insert into Snowflake (DeliveryToSnowflake.Success).",
        )
        self.execute_processing = plain_alarm(
            self,
            "FirehoseTransformInvocations",
            target,
            metric=firehose_metric(name, "ExecuteProcessing.Success", "Average"),
            threshold=limits.EXECUTE_PROCESSING_SUCCESS_MIN,
            comparison=Op.LESS_THAN_THRESHOLD,
            evaluation_periods=limits.EXECUTE_PROCESSING_PERIODS,
            datapoints_to_alarm=limits.EXECUTE_PROCESSING_DATAPOINTS,
            # Emitted only when Firehose invokes the transform, i.e. when there is data.
            missing=Missing.NOT_BREACHING,
            description="Under 99 % of Firehose's transform invocations succeed "
            "(ExecuteProcessing.Success); failed batches end in processing-failed/.",
        )
        self.kinesis_lag = plain_alarm(
            self,
            "FirehoseBehindKinesis",
            target,
            metric=firehose_metric(name, "KinesisMillisBehindLatest", "Maximum"),
            threshold=limits.KINESIS_MILLIS_BEHIND_MAX,
            comparison=Op.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            # Not documented as emitted while idle: a quiet night must not page. A Firehose that
            # stopped reading shows as the stream's iterator age (SalesStream-Iterator-Age).
            missing=Missing.NOT_BREACHING,
            description="Firehose is a minute or more behind the tip of the sales stream "
            "(KinesisMillisBehindLatest). If it stopped reading altogether, the sales stream's "
            "iterator-age alarm fires instead.",
        )
        self.backup_records = plain_alarm(
            self,
            "FirehoseRecordsToBackup",
            target,
            metric=firehose_metric(name, "DeliveryToS3.Records", "Sum"),
            threshold=limits.BACKUP_RECORDS_MAX,
            comparison=Op.GREATER_THAN_THRESHOLD,
            # Only emitted when something is backed up.
            missing=Missing.NOT_BREACHING,
            description="Records went to the S3 error output (processing-failed/ or "
            "snowflake-failed/): sales that must be replayed into Snowflake.",
        )
        self.backup_failures = plain_alarm(
            self,
            "FirehoseBackupFailures",
            target,
            metric=firehose_metric(name, "DeliveryToS3.Success", "Minimum"),
            threshold=limits.BACKUP_SUCCESS_MIN,
            comparison=Op.LESS_THAN_THRESHOLD,
            missing=Missing.NOT_BREACHING,
            description="Firehose failed to write records to the S3 error output; it retries, "
            "but records it cannot back up are at risk.",
        )
        self.alarms = [
            self.data_freshness,
            self.delivery_stalled,
            self.execute_processing,
            self.kinesis_lag,
            self.backup_records,
            self.backup_failures,
        ]
