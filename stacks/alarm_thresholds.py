"""Every alarm threshold of the pipeline, each with the reason for its value.

AWS's published defaults are used where they exist (the AWS Solutions "Streaming Data Solution
for Amazon Kinesis" monitoring stacks and the Firehose CloudWatch best-practice page); the other
values follow from this pipeline's own settings, named next to them. Tune to volume and SLA.
"""

from __future__ import annotations

import aws_cdk as cdk

# --- Ingest (Kinesis Data Streams) --------------------------------------------------------------
# AWS Solutions default for GetRecords.IteratorAgeMilliseconds (Maximum, 1-minute period): a
# consumer a minute behind on a near-real-time stream is falling behind, long before the
# retention period (and data loss) is in sight.
ITERATOR_AGE_MAX_MS = 60_000
# 3 of the last 5 minutes: one slow GetRecords (a large batch) is not a trend.
ITERATOR_AGE_PERIODS = 5
ITERATOR_AGE_DATAPOINTS = 3
# AWS Solutions default for Read/WriteProvisionedThroughputExceeded (Average, 1 minute): 1 % of
# requests throttled. On-demand streams throttle too when traffic doubles faster than they scale.
THROUGHPUT_EXCEEDED_AVERAGE = 0.01
# Producers and Firehose retry throttled calls; 3 minutes in a row means retries are not enough.
THROUGHPUT_EXCEEDED_PERIODS = 3
# Any record a POS producer could not put is a sale that must be retried by the producer.
PUT_RECORDS_FAILED_MAX = 0

# --- Delivery (Firehose -> Snowflake) -----------------------------------------------------------
# AWS best practice: alarm when DataFreshness exceeds the buffering limit, at most 15 minutes
# (the Solutions default for DeliveryToS3.DataFreshness, reused for the Snowflake destination).
DATA_FRESHNESS_MAX_SECONDS = 900
# Firehose reads the stream continuously; behind by more than the iterator-age limit above means
# the same thing from Firehose's side. AWS does not document that Firehose emits
# KinesisMillisBehindLatest while idle, so its silence is not a breach: "stopped reading" is the
# Kinesis iterator-age alarm's job (Firehose reads with GetRecords, which that metric measures).
KINESIS_MILLIS_BEHIND_MAX = ITERATOR_AGE_MAX_MS
# Firehose retries a failed transform invocation PROCESSOR_RETRIES times before the batch goes to
# processing-failed/ (and the S3 backup alarm fires), so a single failed invoke is absorbed; two
# 5-minute periods out of three below 99 % successful invocations is a sustained fault.
EXECUTE_PROCESSING_SUCCESS_MIN = 0.99
EXECUTE_PROCESSING_DATAPOINTS = 2
EXECUTE_PROCESSING_PERIODS = 3
# With a 0-second destination buffer Firehose inserts within seconds of reading; 15 minutes of
# reading records without one successful insert is a stalled delivery, not a slow one.
DELIVERY_STALLED_PERIODS = 3
# Every record written to the S3 backup is a sale the pipeline still owes Snowflake.
BACKUP_RECORDS_MAX = 0
# DeliveryToS3.Success is the share of successful S3 puts: anything below 1 risks losing backup.
BACKUP_SUCCESS_MIN = 1.0

# --- Transform Lambda --------------------------------------------------------------------------
# A handler error or throttle makes Firehose retry the whole batch; any is worth a look.
LAMBDA_ERRORS_MAX = 0
LAMBDA_THROTTLES_MAX = 0
# A 1 MB batch takes well under a second (bench/); running at 80 % of the timeout means the next
# slow batch times out and is retried, then sent to processing-failed/.
DURATION_PERCENT_OF_TIMEOUT = 80
# The transform never rejects, it tags: a share of invalid (or unparsable) records above 5 % over
# an hour is a systematic upstream fault (a POS release, a schema change), not one bad till.
INVALID_SHARE_MAX = 0.05
# ... but only once the hour holds enough records for a share to mean something (a quiet night
# with 2 bad records of 10 is not a trend).
INVALID_SHARE_MIN_RECORDS = 100
QUALITY_PERIOD = cdk.Duration.hours(1)
# The transform returns ProcessingFailed only when it cannot build an output: a bug, never data.
PROCESSING_FAILED_MAX = 0

# --- Snowflake (published by the monitor Lambda every `monitor_interval_minutes`, default 5) -----
# The monitor's datapoints come once per interval and can land late (a slow login, a cold
# warehouse): the backlog alarms, which treat a missing datapoint as breaching, fire on 2 of the
# last 3 intervals, so one late or missing datapoint alone never pages.
BACKLOG_PERIODS = 3
BACKLOG_DATAPOINTS = 2
# Tasks run on every stream change (at most every 10 s) and stop after 3 failures in a row
# (SUSPEND_TASK_AFTER_NUM_FAILURES); one failed run already means a systemic fault (bad input is
# rejected, never failed), so page on the first.
TASK_FAILED_RUNS_MAX = 0
# A triggered task runs within ~1 minute of new rows and times out after 15 minutes
# (USER_TASK_TIMEOUT_MS): a row still waiting after 30 minutes means the task is stuck or
# suspended.
STREAM_OLDEST_WAITING_MAX_MINUTES = 30
# Triggered tasks only run when rows arrive, so quiet hours are normal; no successful run for a
# whole day means no sale reached Snowflake in a day, which for a store chain is an outage.
MINUTES_SINCE_SUCCESS_MAX = 24 * 60
# Same reasoning as the transform's invalid share; measured after the Silver rules.
REJECTED_SHARE_MAX = INVALID_SHARE_MAX
REJECTED_SHARE_MIN_RECORDS = INVALID_SHARE_MIN_RECORDS
# Rejected records a redrive would accept now (their dimension row exists): the automatic redrive
# sends them back within a minute of the row, so some still there at every monitor run for half an
# hour means it is off, failing or suspended, or a person's fix waits for `pos redrive rejected`.
DEAD_LETTER_REDRIVABLE_MAX = 0
DEAD_LETTER_REDRIVABLE_PERIODS = 6
# The monitor itself: errors, or no invocation at all, over three schedules.
MONITOR_HEARTBEAT_SCHEDULES = 3
