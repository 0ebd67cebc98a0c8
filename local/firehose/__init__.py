"""Local Firehose delivery worker: Kinesis source -> transform Lambda (in-process) -> Bronze.

It reads every shard (durable per-shard checkpoints, at-least-once like Firehose), buffers by the
processor hints the CDK app uses, builds the transformation event in AWS's Kinesis-source shape,
calls the real handler, checks the response contract, loads ``Ok`` records to Bronze in
Firehose's content+metadata shape and writes failures to a local error folder laid out like
Firehose's S3 error output (``processing-failed/``, ``snowflake-failed/``).
"""
