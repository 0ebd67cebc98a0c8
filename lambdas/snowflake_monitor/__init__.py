"""Snowflake pipeline health: the figures (run log, task history, stream backlog, rejects,
latency) computed once, published to CloudWatch by the scheduled monitor Lambda and printed by
the local run command."""
