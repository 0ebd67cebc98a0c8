"""Firehose processor buffer hints and the Lambda response budget, with the arithmetic behind them.

The CDK app (``stacks/``) and the local Firehose worker (``local/``) import ``BUFFER_SIZE_MB`` and
``BUFFER_INTERVAL_SECONDS`` from here, so production and local mode buffer alike.

Limits we live under (docs in the team's facts sheet, section 2):

- Firehose invokes the Lambda synchronously: request and response are each capped at 6 MB
  (6 MiB = 6,291,456 bytes in practice; we budget as if it were 6,000,000).
- Record ``data`` is base64 in both directions: 4/3 of the bytes.
- Processor buffer hint: 0.2-3 MB, interval 0-900 s. A record is at most 1,000 KiB.

Sizes measured with a Kinesis-stream source (recordId 68 chars, 56-digit sequence number,
pk "S001"), ``json.dumps`` default separators as the Python runtime uses:

- Request entry overhead Q0 ~= 354 bytes per record beyond its base64 data (recordId, arrival
  time, kinesisRecordMetadata). So one invocation carries at most 6,291,456 / 354 ~= 17,772 records.
- Envelope overhead M ~= 500 bytes (meta with no errors, its 84-byte ``content_sha256``
  included, plus the raw/payload key); each error adds ~40-50 bytes, capped at
  ``MAX_ERRORS_PER_RECORD``.
- Response entry overhead P0 = 114 bytes for Ok (recordId + keys + separator), 128 for
  ProcessingFailed.

So an Ok record of r bytes costs p(r) = 4/3 * (r + M) + P0 in the response, and one invocation
holds N = min(B / r, 6 MiB / (4/3 * r + Q0)) records for a buffer hint of B bytes.

1. Tiny records (the absolute worst case) are bounded by the request limit, not the hint:
   r -> 0 gives N ~= 17,772 and p ~= 780, a 13.9 MB response. No buffer hint prevents that, so
   the handler enforces ``RESPONSE_BUDGET_BYTES``: once the next Ok entry would not fit, that
   record and all after it are returned as ``ProcessingFailed`` with their original data
   (Firehose writes them to its S3 ``processing-failed/`` prefix). Such an entry is smaller than
   the record's request entry (no metadata), so the all-failed response is below the request
   size, itself under 6 MiB. In the case above ~5,000 records go Ok and the rest fail, none lost.
2. The hint is chosen so that realistic traffic never reaches the budget. The smallest sensible
   valid sale (one line, short ids) is r ~= 200 bytes, p ~= 4/3 * 700 + 114 ~= 1,047 bytes.
   With B = 1 MiB: N = 5,243 records, response ~= 5.1 MB <= 5,250,000 budget, request
   ~= 3.25 MB. Typical sales (r ~= 600 bytes): N = 1,748, response ~= 2.8 MB.
   B = 3 MB would give ~8.3 MB for typical sales: overflow on every full buffer. B = 1 MB it is.
3. The budget (5,250,000) leaves ~1.04 MB (17%) under 6 MiB, and 750 KB under 6,000,000, for
   the ``{"records": [...]}`` wrapper and runtime serializer differences (the entries
   themselves are measured as the runtime serializes them).

Interval: 30 s (Firehose's default for a Snowflake destination) keeps a quiet store's sale
reaching the dashboards within about a minute; busy periods fill 1 MiB first.
"""

from __future__ import annotations

import json
from typing import Final

BUFFER_SIZE_MB: Final = 1
BUFFER_INTERVAL_SECONDS: Final = 30

LAMBDA_RESPONSE_LIMIT_BYTES: Final = 6 * 1024 * 1024
RESPONSE_BUDGET_BYTES: Final = 5_250_000

# Firehose's own maximum record size; anything larger is delivered raw as "too_large", unparsed.
MAX_RECORD_BYTES: Final = 1_000 * 1024

# A real sale with every field wrong has a few dozen errors; the cap bounds envelope inflation
# for hostile input (a list of empty items would otherwise add ~45 bytes per 3 input bytes).
MAX_ERRORS_PER_RECORD: Final = 50


def _entry_overhead(result: str) -> int:
    # Serialized like the runtime does, plus the ", " that separates list entries.
    return len(json.dumps({"recordId": "", "result": result, "data": ""})) + 2


RESPONSE_WRAPPER_BYTES: Final = len(json.dumps({"records": []}))
OK_ENTRY_OVERHEAD_BYTES: Final = _entry_overhead("Ok")
FAILED_ENTRY_OVERHEAD_BYTES: Final = _entry_overhead("ProcessingFailed")
