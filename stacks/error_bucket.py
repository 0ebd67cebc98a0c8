"""Firehose's error output: the S3 bucket for records Snowflake or the transform could not take.

Records that reach it are sales the pipeline still owes to Snowflake (``processing-failed/`` and
``snowflake-failed/`` prefixes), so the bucket is KMS-encrypted, private, TLS-only, versioned,
access-logged and retained when the stack is deleted.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.lifecycle import KEEP_ON_DELETE

# How long an overwritten or deleted error object stays recoverable.
NONCURRENT_VERSION_DAYS = 90
# Where Firehose writes what it could not deliver: records the transform failed (or whose
# invocation failed after every retry) under processing-failed/ ("Data transformation failure
# handling"), records Snowflake refused under snowflake-failed/ (Firehose "Handle data delivery
# failure"). Firehose's role may write nowhere else in the bucket.
ERROR_PREFIXES = ("processing-failed/", "snowflake-failed/")


class ErrorOutputBucket(Construct):
    """The backup bucket, the key that encrypts it and the bucket its access logs go to."""

    def __init__(self, scope: Construct, construct_id: str, *, expiration_days: int) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the POS pipeline's Firehose error output",
            enable_key_rotation=True,
            removal_policy=KEEP_ON_DELETE,
        )
        # Server access logs cannot be delivered to an SSE-KMS bucket, hence S3-managed keys.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(expiration_days))],
            removal_policy=KEEP_ON_DELETE,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="error-output/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(30),
                        )
                    ],
                    expiration=cdk.Duration.days(expiration_days),
                    noncurrent_version_expiration=cdk.Duration.days(NONCURRENT_VERSION_DAYS),
                )
            ],
            removal_policy=KEEP_ON_DELETE,
        )
