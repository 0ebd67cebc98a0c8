"""What survives a stack deletion, and what a failed first deploy leaves behind (nothing).

Data and the keys that decrypt it must outlive a ``cdk destroy``: the Kinesis stream (records not
yet delivered), the error-output bucket (sales still owed to Snowflake), its access logs, the log
groups, and their KMS keys. ``DeletionPolicy: Retain`` would keep them, but also keeps them when
CloudFormation rolls back a *failed create*, so every failed first deploy would orphan an
on-demand stream (billed per hour), keys, buckets and log groups, and the next attempt would
create new ones beside them. ``RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE`` is CloudFormation's
``RetainExceptOnCreate``: retained on delete and on replacement, deleted when the create that made
the resource rolls back (CloudFormation user guide, "DeletionPolicy attribute").
"""

from __future__ import annotations

import aws_cdk as cdk

KEEP_ON_DELETE = cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
