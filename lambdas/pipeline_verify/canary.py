"""The canary: N synthetic sales and 2 bad records, tagged with a verification run id, put to the
deployed Kinesis stream; then Bronze, Silver, REJECTED and Gold are polled until every record has
reached its place or the deadline passes.

Design (docs/verify.md, "The canary store"):
- Every canary sale is for the store ``CANARY`` (``SILVER.DIM_STORE.IS_CANARY``, V40): Gold keeps
  its rows, so the canary can see its sales arrive there, while the dashboards' business figures
  leave the store out and SILVER.UPDATE_INVENTORY moves no stock for it.
- A record's transaction id is ``CANARY-<run id>-<nnn>of<total>`` (sales) or
  ``CANARY-<run id>-B<n>of<total>`` (bad records): a later run reads the run id and how many
  records that run meant to send from the id alone, so an interrupted run's records are
  recognised and counted (:func:`earlier_runs`).
- The bytes depend on the run id only (the sale time is the run id's time): running the canary
  again with the same run id puts the same bytes, which the pipeline treats as redeliveries.
- Hop times are when this poller first saw each record in each place (resolution: the poll
  interval), all on one clock; Gold holds one row per store and date, so a sale is in Gold once
  that row counts at least as many transactions as Silver held when the sale was seen there.
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from lambdas.pipeline_verify.budget import Budget, budget_for
from lambdas.pipeline_verify.report import Check, failed, info, passed
from lambdas.snowflake_migrations.scripts import SqlVariables, render

AREA = "canary"
CANARY_STORE = "CANARY"
CANARY_PRODUCT = "P001"  # seeded by R__seed_dim_product.sql
UNKNOWN_PRODUCT = "P999"  # never seeded: the second bad record's reason
DEFAULT_SALES = 20
BAD_RECORDS = 2
DEFAULT_DEADLINE_S = 300.0
HOPS = ("bronze", "silver", "gold")
SQL_DIR = Path(__file__).parent / "sql"
_RUN_TIME = "%Y%m%dT%H%M%SZ"


@cache
def _sql(name: str, variables: SqlVariables) -> str:
    return render((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), variables)


def _query(
    connection: Any, name: str, variables: SqlVariables, params: dict[str, Any]
) -> list[dict[str, Any]]:
    cursor = connection.cursor()
    try:
        cursor.execute(_sql(name, variables), params)
        columns = [str(column[0]).upper() for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def new_run_id(now: datetime | None = None) -> str:
    """``V<UTC time><4 hex>``: sortable, no '-' or '_' (they are id and LIKE separators)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"V{moment.strftime(_RUN_TIME)}{secrets.token_hex(2).upper()}"


def run_time(run_id: str) -> datetime:
    return datetime.strptime(run_id[1:17], _RUN_TIME).replace(tzinfo=UTC)


@dataclass(frozen=True)
class CanaryRecord:
    transaction_id: str
    data: bytes
    good: bool


def canary_records(run_id: str, sales: int = DEFAULT_SALES) -> list[CanaryRecord]:
    """The run's records, byte for byte the same for the same run id."""
    stamp = run_time(run_id).isoformat()
    records = []
    for index in range(1, sales + 1):
        transaction = f"CANARY-{run_id}-{index:03d}of{sales:03d}"
        records.append(CanaryRecord(transaction, _sale(transaction, stamp, "1.00"), True))
    # 1: a negative price (the transform flags it invalid, Silver rejects it);
    # 2: a product no dimension knows (valid to the transform, rejected by Silver's rules).
    bad_one = f"CANARY-{run_id}-B1of{BAD_RECORDS:03d}"
    bad_two = f"CANARY-{run_id}-B2of{BAD_RECORDS:03d}"
    records.append(CanaryRecord(bad_one, _sale(bad_one, stamp, "-1.00"), False))
    records.append(CanaryRecord(bad_two, _sale(bad_two, stamp, "1.00", UNKNOWN_PRODUCT), False))
    return records


def _sale(transaction: str, stamp: str, price: str, product: str = CANARY_PRODUCT) -> bytes:
    sale = {
        "store_id": CANARY_STORE,
        "city": "Verification canary",
        "transaction_id": transaction,
        "timestamp": stamp,
        "items": [{"product_id": product, "price": float(price), "quantity": 1, "canceled": False}],
        "total_amount": float(price),
        "payment_method": "cash",
        "refund": None,
        "cancel_item": None,
    }
    return json.dumps(sale, separators=(",", ":"), sort_keys=True).encode()


@dataclass(frozen=True)
class CanarySettings:
    sales: int = DEFAULT_SALES
    deadline_s: float = DEFAULT_DEADLINE_S
    poll_interval_s: float = 2.0
    run_id: str | None = None
    # Which latency budget the figures are compared with (budget.py).
    budget: str = "cloud"


@dataclass
class CanaryResult:
    run_id: str
    checks: list[Check] = field(default_factory=list)
    # Seconds from the put to each hop, per transaction id.
    seen: dict[str, dict[str, float]] = field(default_factory=dict)
    put_at: float = 0.0
    complete: bool = False

    def latencies(self, hop: str, since: str | None = None) -> list[float]:
        """Seconds from the previous hop (or the put) to ``hop`` for every sale that got there."""
        values = []
        for times in self.seen.values():
            if hop in times and (since is None or since in times):
                values.append(times[hop] - (times[since] if since else 0.0))
        return sorted(values)

    @property
    def end_to_end_s(self) -> float | None:
        gold = self.latencies("gold")
        return max(gold) if gold else None


def _put(kinesis: Any, stream_name: str, records: list[CanaryRecord]) -> list[str]:
    """PutRecords with retries of the failed entries; returns what never went in."""
    pending = list(records)
    for attempt in range(5):
        answer = kinesis.put_records(
            StreamName=stream_name,
            Records=[{"Data": r.data, "PartitionKey": CANARY_STORE} for r in pending],
        )
        pending = [
            record
            for record, entry in zip(pending, answer["Records"], strict=True)
            if entry.get("ErrorCode")
        ]
        if not pending:
            return []
        time.sleep(0.2 * 2**attempt)
    return [record.transaction_id for record in pending]


def run_canary(
    kinesis: Any,
    stream_name: str,
    connection: Any,
    variables: SqlVariables,
    settings: CanarySettings,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> CanaryResult:
    run_id = settings.run_id or new_run_id()
    records = canary_records(run_id, settings.sales)
    result = CanaryResult(run_id)
    prefix = f"CANARY-{run_id}-%"
    business_date = run_time(run_id).date()
    result.checks.extend(earlier_runs(connection, variables, prefix, business_date))
    result.put_at = clock()
    try:
        unsent = _put(kinesis, stream_name, records)
    except Exception as error:
        result.checks.append(
            failed(
                AREA,
                "put",
                f"{len(records)} records put to {stream_name}",
                f"PutRecords failed: {error}",
                "check the stream name and the caller's kinesis:PutRecords "
                "permission (and kms:GenerateDataKey on the stream's key)",
            )
        )
        return result
    if unsent:
        result.checks.append(
            failed(
                AREA,
                "put",
                f"{len(records)} records put",
                f"not put: {unsent}",
                "throttled: retry later, or raise the stream's capacity",
            )
        )
        return result
    result.checks.append(
        passed(AREA, "put", f"run {run_id}: {settings.sales} sales + {BAD_RECORDS} bad records")
    )
    good = {r.transaction_id for r in records if r.good}
    bad = {r.transaction_id for r in records if not r.good}
    result.seen = {transaction: {} for transaction in good}
    bad_seen: dict[str, float] = {}
    bronze_seen: set[str] = set()
    rules: dict[str, list[str]] = {}
    params = {"prefix": prefix, "store": CANARY_STORE, "business_date": business_date.isoformat()}
    deadline = result.put_at + settings.deadline_s
    while True:
        now = clock() - result.put_at
        for row in _query(connection, "canary_bronze", variables, params):
            transaction = row["TRANSACTION_ID"]
            bronze_seen.add(transaction)
            if transaction in result.seen:
                result.seen[transaction].setdefault("bronze", now)
        day = _query(connection, "canary_silver", variables, params)
        for row in day:
            times = result.seen.get(row["TRANSACTION_ID"])
            if times is not None and "silver" not in times:
                times["silver"] = now
                # Gold must count at least what Silver held for the day when this sale was seen.
                times["gold_threshold"] = float(len(day))
        for row in _query(connection, "canary_rejected", variables, params):
            if row["TRANSACTION_ID"] in bad:
                bad_seen.setdefault(row["TRANSACTION_ID"], now)
                rules[row["TRANSACTION_ID"]] = _rule_ids(row["FAILED_RULES"])
        gold = _query(connection, "canary_gold", variables, params)
        counted = int(gold[0]["TRANSACTIONS"]) if gold else 0
        for times in result.seen.values():
            if (
                "gold_threshold" in times
                and "gold" not in times
                and counted >= times["gold_threshold"]
            ):
                times["gold"] = now
        done = all("gold" in t for t in result.seen.values()) and len(bad_seen) == len(bad)
        if done or clock() >= deadline:
            result.complete = done
            break
        sleep(settings.poll_interval_s)
    for times in result.seen.values():
        times.pop("gold_threshold", None)
    result.checks.extend(_verdicts(result, good, bad, bronze_seen, bad_seen, rules, settings))
    return result


def _rule_ids(failed_rules: Any) -> list[str]:
    value = json.loads(failed_rules) if isinstance(failed_rules, str) else failed_rules or []
    return sorted({str(rule.get("rule_id")) for rule in value if isinstance(rule, dict)})


def _missing(names: set[str] | list[str]) -> str:
    names = sorted(names)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _verdicts(
    result: CanaryResult,
    good: set[str],
    bad: set[str],
    bronze_seen: set[str],
    bad_seen: dict[str, float],
    rules: dict[str, list[str]],
    settings: CanarySettings,
) -> Iterator[Check]:
    waited = f"within {settings.deadline_s:.0f} s"
    fixes = {
        "bronze": "check Firehose: DeliveryToSnowflake.Success, the error bucket's "
        "snowflake-failed/ "
        "and processing-failed/, and the delivery stream's SnowflakeDelivery log",
        "silver": "check task SILVER.PROCESS_RAW_POS_TASK (SHOW TASKS; started?) and FAILED rows "
        "in OPS.PIPELINE_RUN_LOG",
        "gold": "check task GOLD.UPDATE_DAILY_SUMMARY_TASK (SHOW TASKS; started?) and FAILED rows "
        "in OPS.PIPELINE_RUN_LOG",
    }
    for hop in HOPS:
        reached = {t for t, times in result.seen.items() if hop in times}
        if hop == "bronze":
            reached |= {t for t in good if t in bronze_seen}
        missing = good - reached
        check = f"sales in {hop.capitalize()}"
        if missing:
            yield failed(
                AREA,
                check,
                f"all {len(good)} {waited}",
                f"{len(missing)} of {len(good)} never arrived: {_missing(missing)}",
                fixes[hop],
            )
        else:
            yield passed(AREA, check, f"{len(good)}/{len(good)}")
    missing_bad = bad - set(bad_seen)
    if missing_bad:
        yield failed(
            AREA,
            "bad records in REJECTED",
            f"both {waited}, with their rules",
            f"not rejected: {_missing(missing_bad)}",
            fixes["silver"],
        )
    else:
        reasons = "; ".join(
            f"{t.rsplit('-', 1)[1]}: {', '.join(r)}" for t, r in sorted(rules.items())
        )
        yield passed(AREA, "bad records in REJECTED", f"{len(bad)}/{len(bad)} ({reasons})")
    yield from latency_rows(result, budget_for(settings.budget))


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    index = max(0, min(len(values) - 1, round(share * len(values) + 0.5) - 1))
    return values[index]


def latency_rows(result: CanaryResult, budget: Budget) -> Iterator[Check]:
    previous: str | None = None
    for hop in HOPS:
        values = result.latencies(hop, previous)
        label = f"{'put' if previous is None else previous} -> {hop}"
        if values:
            yield info(
                AREA,
                f"latency {label}",
                f"p50 {statistics.median(values):.1f} s, max {max(values):.1f} s "
                f"(budget p95 {budget.hop_p95(hop):g} s, {budget.name})",
            )
        previous = hop
    total = result.latencies("gold")
    if total:
        within = "within" if percentile(total, 0.95) <= budget.total_p95 else "OVER"
        yield info(
            AREA,
            "latency put -> gold",
            f"p50 {statistics.median(total):.1f} s, max {max(total):.1f} s: {within} the "
            f"{budget.name} budget's p95 {budget.total_p95:g} s (docs/verify.md)",
        )


def earlier_runs(
    connection: Any, variables: SqlVariables, prefix: str, today: date
) -> Iterator[Check]:
    """Canary records of other runs (an interrupted verify, the scheduled canary) from the last
    day: each run's sales in Silver and bad records in REJECTED against what it meant to send."""
    since = (today - timedelta(days=1)).isoformat()
    rows = _query(
        connection,
        "canary_earlier_runs",
        variables,
        {"store": CANARY_STORE, "since": since, "prefix": prefix},
    )
    runs: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        runs.setdefault(str(row["RUN_ID"]), {})[str(row["PLACE"])] = (
            int(row["RECORDS"]),
            int(row["TOTAL"] or 0),
        )
    if not runs:
        yield info(AREA, "earlier canary runs", f"none since {since}")
        return
    incomplete = []
    for run_id, places in sorted(runs.items()):
        sales, sales_total = places.get("silver", (0, 0))
        rejected, bad_total = places.get("rejected", (0, 0))
        if sales < (sales_total or sales) or rejected < (bad_total or BAD_RECORDS):
            incomplete.append(
                f"{run_id} ({sales}/{sales_total or '?'} sales, "
                f"{rejected}/{bad_total or BAD_RECORDS} bad)"
            )
    complete = len(runs) - len(incomplete)
    found = f"{len(runs)} since {since}: {complete} fully accounted"
    if incomplete:
        partial = ", ".join(incomplete[:5])
        found += f"; partial (interrupted before every put, or still in flight): {partial}"
    yield info(AREA, "earlier canary runs", found)
