"""Ingest: the on-demand Kinesis Data Stream POS producers write to, encrypted with its own key."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.lifecycle import KEEP_ON_DELETE
from stacks.nag import acknowledge


class IngestStream(Construct):
    """The sales stream (partition key = store id) and the customer-managed key that encrypts it.

    Both are retained when the stack is deleted: unread records and the key that can decrypt them
    must outlive the stack.
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_hours: int) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the POS sales Kinesis stream",
            enable_key_rotation=True,
            removal_policy=KEEP_ON_DELETE,
        )
        self.stream = kinesis.Stream(
            self,
            "Stream",
            stream_mode=kinesis.StreamMode.ON_DEMAND,
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=self.key,
            retention_period=cdk.Duration.hours(retention_hours),
            removal_policy=KEEP_ON_DELETE,
        )
        acknowledge(
            self.stream,
            "AwsSolutions-KDS3",
            reason="A customer-managed key lets its key policy, not the account, decide who can "
            "read sales data, and outlives the stack; Kinesis caches data keys, so KMS request "
            "costs stay small.",
        )
