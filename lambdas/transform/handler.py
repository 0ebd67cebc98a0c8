"""Firehose data-transformation Lambda: ``lambdas.transform.handler.lambda_handler``.

Per invocation: one structured summary log line (correlation id = Firehose ``invocationId``;
record ids, statuses and error types only, never record content) and one EMF blob:

- ``RecordsOk``, ``RecordsProcessingFailed``, ``RecordsOverflowed`` (past the response budget),
  ``RecordsFaulted`` (this code failed on the record),
- ``Records<Status>`` for each status (``RecordsValid``, ``RecordsInvalid``, ``RecordsNotJson``,
  ``RecordsNotUtf8``, ``RecordsNotObject``, ``RecordsEmpty``, ``RecordsTooLarge``),
- ``RecordsOfKind_<kind>`` for each ``meta.schema`` (``RecordsOfKind_pos_v1``,
  ``RecordsOfKind_clickstream_v1``, ..., ``RecordsOfKind_unknown``),
- ``ValidationErrors_<type>`` for each error type seen (``missing``, ``decimal_parsing``, ...).
"""

from __future__ import annotations

import traceback
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import KinesisFirehoseEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.transform.batch import BatchResult, transform_batch
from lambdas.transform.classify import ALL_STATUSES, STATUS_METRIC_NAMES
from lambdas.transform.kinds.registry import ALL_KINDS, KIND_METRIC_NAMES
from lambdas.transform.observability import logger, metrics, tracer

# EMF allows 100 metrics per blob; leave room for the fixed ones (4 results, 7 statuses, 6 kinds)
# and ValidationErrors_other so one blob covers a batch.
MAX_ERROR_KIND_METRICS = 80
MAX_LOGGED_FAULTS = 10


@logger.inject_lambda_context(correlation_id_path="invocationId", clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@event_source(data_class=KinesisFirehoseEvent)
def lambda_handler(event: KinesisFirehoseEvent, context: LambdaContext) -> dict[str, Any]:
    received_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    records = event.raw_event["records"]
    result = transform_batch(records, received_at=received_at)
    _publish_metrics(result)
    _log_summary(result, len(records))
    return {"records": result.records}


def _publish_metrics(result: BatchResult) -> None:
    ok = len(result.records) - result.processing_failed
    metrics.add_metric(name="RecordsOk", unit=MetricUnit.Count, value=ok)
    metrics.add_metric(
        name="RecordsProcessingFailed", unit=MetricUnit.Count, value=result.processing_failed
    )
    metrics.add_metric(name="RecordsOverflowed", unit=MetricUnit.Count, value=result.overflowed)
    metrics.add_metric(name="RecordsFaulted", unit=MetricUnit.Count, value=len(result.faults))
    for status in ALL_STATUSES:
        metrics.add_metric(
            name=STATUS_METRIC_NAMES[status], unit=MetricUnit.Count, value=result.statuses[status]
        )
    for kind in ALL_KINDS:
        metrics.add_metric(
            name=KIND_METRIC_NAMES[kind], unit=MetricUnit.Count, value=result.kinds[kind]
        )
    kinds = result.error_kinds.most_common()
    shown, folded = kinds[:MAX_ERROR_KIND_METRICS], kinds[MAX_ERROR_KIND_METRICS:]
    for kind, count in shown:
        metrics.add_metric(name=f"ValidationErrors_{kind}", unit=MetricUnit.Count, value=count)
    if folded:
        metrics.add_metric(
            name="ValidationErrors_other",
            unit=MetricUnit.Count,
            value=sum(count for _, count in folded),
        )


def _log_summary(result: BatchResult, record_count: int) -> None:
    for fault in result.faults[:MAX_LOGGED_FAULTS]:
        # The exception's message may quote record content, so log its type and frames only.
        logger.error(
            "record failed in the transform; returned as ProcessingFailed",
            extra={
                "record_id": fault.record_id,
                "error_type": type(fault.error).__name__,
                "traceback": traceback.format_tb(fault.error.__traceback__),
            },
        )
    summary = {
        "records": record_count,
        "ok": record_count - result.processing_failed,
        "processing_failed": result.processing_failed,
        "overflowed": result.overflowed,
        "faulted": len(result.faults),
        "statuses": {str(status): count for status, count in result.statuses.items()},
        "kinds": dict(result.kinds),
        "error_kinds": dict(result.error_kinds),
        "sampled_rejects": [
            {"record_id": record_id, "status": str(status), "errors": errors}
            for record_id, status, errors in result.sampled_rejects
        ],
        "response_bytes": result.response_bytes,
    }
    if result.overflowed:
        logger.warning(
            "response budget reached; the rest returned as ProcessingFailed", extra=summary
        )
    else:
        logger.info("batch transformed", extra=summary)
