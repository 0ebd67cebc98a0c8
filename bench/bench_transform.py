"""Per-record cost of the transform handler against a passthrough floor and a naive handler.

    python bench/bench_transform.py        (or: python -m bench.bench_transform)

Batches of 1 MB and 3 MB of the producer's pos.v1 sales with 5% bad records (Kinesis-source events),
then a 1 MB batch of every kind by the default source mix (pos 60, clickstream 20, iot 10,
app_log 5, cdc 5; 5% bad of each kind), where only the transform itself (core, handler) is timed.
Every contender runs once per round, round after round (interleaved), timed in this process's CPU
time, so other processes on a shared machine distort the figures less (cache and frequency effects
remain: run it a few times). Prints best-of-N CPU microseconds per record, the ratios the issue
targets (handler <= 4x floor, <= 0.4x naive) and the handler module's cold import time in a fresh
interpreter (target 300 ms), with tracing off (no-op provider) and on (real X-Ray Tracer, as in
Lambda with active tracing).
Figures, not a timed test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import BaseModel, ConfigDict, ValidationError

from events.firehose_events import (
    SALES_START,
    bad_records,
    firehose_kinesis_event,
    keyed,
    sale_bytes,
    sales,
)
from lambdas.transform import batch
from lambdas.transform.batch import transform_batch
from lambdas.transform.limits import RESPONSE_BUDGET_BYTES
from lambdas.transform.model import (
    POS_SALE_V1,
    CurrencyCode,
    EventTime,
    Identifier,
    Money,
    Name,
    Quantity,
)
from producer.kinds import BAD_LABELS, KindGenerator
from producer.kinds import encode as encode_event

REPO_ROOT = Path(__file__).resolve().parents[1]
BAD_SHARE = 0.05
REPEATS = 9
IMPORT_RUNS = 5

Records = list[dict[str, Any]]


def build_batch(target_bytes: int, seed: int) -> Records:
    rng = random.Random(seed)
    real = sales(seed)
    bad = list(bad_records(seed).values())
    payloads: list[bytes] = []
    size = 0
    while size < target_bytes:
        index = len(payloads)
        data = bad[index % len(bad)] if rng.random() < BAD_SHARE else sale_bytes(next(real))
        payloads.append(data)
        size += len(data)
    return list(firehose_kinesis_event(keyed(payloads))["records"])


MIXED_SHARES = {"pos.v1": 60, "clickstream.v1": 20, "iot.v1": 10, "app_log.v1": 5, "cdc.v1": 5}


def build_mixed_batch(target_bytes: int, seed: int) -> Records:
    """A batch of every kind by MIXED_SHARES, BAD_SHARE of each kind bad."""
    rng = random.Random(seed)
    real = sales(seed)
    bad = list(bad_records(seed).values())
    others = {
        kind: KindGenerator(kind, random.Random(seed), lambda: SALES_START)
        for kind in MIXED_SHARES
        if kind != "pos.v1"
    }
    payloads: list[bytes] = []
    size = 0
    while size < target_bytes:
        kind = rng.choices(list(MIXED_SHARES), weights=list(MIXED_SHARES.values()))[0]
        is_bad = rng.random() < BAD_SHARE
        if kind == "pos.v1":
            data = bad[len(payloads) % len(bad)] if is_bad else sale_bytes(next(real))
        elif is_bad:
            data = others[kind].bad(rng.choice(BAD_LABELS[kind]))
        else:
            data = encode_event(others[kind].good())
        payloads.append(data)
        size += len(data)
    return list(firehose_kinesis_event(keyed(payloads))["records"])


def passthrough_floor(records: Records) -> list[dict[str, str]]:
    """What the AWS blueprint does: base64 decode and encode each record, nothing else."""
    return [
        {
            "recordId": record["recordId"],
            "result": "Ok",
            "data": base64.b64encode(base64.b64decode(record["data"])).decode("ascii"),
        }
        for record in records
    ]


def passthrough_floor_binascii(records: Records) -> list[dict[str, str]]:
    """The same floor with the binascii calls the handler itself uses (the stricter baseline)."""
    return [
        {
            "recordId": record["recordId"],
            "result": "Ok",
            "data": binascii.b2a_base64(binascii.a2b_base64(record["data"]), newline=False).decode(
                "ascii"
            ),
        }
        for record in records
    ]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class NaiveItem(_Model):
    product_id: Identifier
    price: Money
    quantity: Quantity
    canceled: bool


class NaiveRefund(_Model):
    refund_amount: Money
    refund_method: Name
    timestamp: EventTime


class NaiveSale(_Model):
    """The same fields and constraints as lambdas.transform.model, as the usual BaseModel."""

    store_id: Identifier
    city: Name
    transaction_id: Identifier
    timestamp: EventTime
    items: list[NaiveItem]
    total_amount: Money
    payment_method: Name
    refund: NaiveRefund | None = None
    cancel_item: NaiveItem | None = None
    schema_version: str | None = None
    currency: CurrencyCode | None = None
    register_id: Identifier | None = None
    cashier_id: Identifier | None = None


def naive_handler(records: Records) -> list[dict[str, str]]:
    """json.loads, BaseModel.model_validate on the dict, json.dumps a rebuilt envelope."""
    return _naive(records, NaiveSale.model_validate)


def naive_same_schema(records: Records) -> list[dict[str, str]]:
    """The naive approach with the handler's own TypedDict schema (isolates parse+dumps cost)."""
    return _naive(records, POS_SALE_V1.validate_python)


def _naive(records: Records, validate: Callable[[Any], Any]) -> list[dict[str, str]]:
    output = []
    for record in records:
        raw = base64.b64decode(record["data"])
        meta: dict[str, Any] = {"record_id": record["recordId"], "errors": []}
        try:
            document = json.loads(raw)
            validate(document)
            envelope: dict[str, Any] = {"payload": document, "meta": {**meta, "status": "valid"}}
        except ValidationError as exc:
            errors = [
                {"loc": ".".join(map(str, e["loc"])), "type": e["type"]} for e in exc.errors()
            ]
            meta = {**meta, "status": "invalid", "errors": errors}
            envelope = {"payload": document, "meta": meta}
        except ValueError:
            envelope = {"raw": raw.decode("utf-8", "replace"), "meta": {**meta, "status": "bad"}}
        data = base64.b64encode(json.dumps(envelope).encode()).decode("ascii")
        output.append({"recordId": record["recordId"], "result": "Ok", "data": data})
    return output


def handler_core(records: Records) -> Any:
    return transform_batch(
        records, received_at="2026-11-30T06:00:00.123Z", budget_bytes=sys.maxsize
    )


def overflow_under_real_budget(records: Records) -> int:
    result = transform_batch(
        records, received_at="2026-11-30T06:00:00.123Z", budget_bytes=RESPONSE_BUDGET_BYTES
    )
    return result.overflowed


def best_us_per_record(
    contenders: dict[str, Callable[[Records], Any]], records: Records
) -> dict[str, float]:
    """Best-of-REPEATS us per record for each contender, interleaved round by round."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(REPEATS):
        for name, function in contenders.items():
            start = time.process_time()
            function(records)
            best[name] = min(best[name], time.process_time() - start)
    return {name: seconds / len(records) * 1e6 for name, seconds in best.items()}


def full_handler() -> Callable[[Records], Any]:
    """The deployed entry point with its Powertools decorators; its stdout (logs, EMF) muted."""
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Bench")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    with contextlib.redirect_stdout(io.StringIO()):
        from lambdas.transform.handler import lambda_handler
        from lambdas.transform.invoke_local import LocalLambdaContext

    def call(records: Records) -> Any:
        event = {"invocationId": "bench", "deliveryStreamArn": "arn", "region": "eu-west-1"}
        with contextlib.redirect_stdout(io.StringIO()):
            return lambda_handler({**event, "records": records}, LocalLambdaContext())

    return call


def cold_import_ms(tracing: bool) -> float:
    code = (
        "import time; start = time.perf_counter(); import lambdas.transform.handler; "
        "print((time.perf_counter() - start) * 1000)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "LAMBDA_"))}
    if tracing:
        env["LAMBDA_TASK_ROOT"] = str(REPO_ROOT)  # look like Lambda: Tracer loads X-Ray
    else:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    runs = []
    for _ in range(IMPORT_RUNS):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(float(result.stdout.strip()))
    return statistics.median(runs)


def main() -> None:
    handler = full_handler()
    # Time the transform itself: a 3 MB batch would otherwise stop at the response budget.
    batch.transform_batch.__kwdefaults__["budget_bytes"] = sys.maxsize
    print(f"python {sys.version.split()[0]}, best of {REPEATS}, CPU us per record")
    header = f"{'batch':>6} {'recs':>5} {'avg B':>5} | {'floor':>6} {'floor*':>6} {'naive':>6} "
    print(
        header + f"{'naive*':>6} {'core':>6} {'handler':>7} | "
        f"{'h/floor':>7} {'h/floor*':>8} {'h/naive':>7} {'h/naive*':>8} | overflow"
    )
    for megabytes in (1, 3):
        records = build_batch(megabytes * 1024 * 1024, seed=megabytes)
        sizes = [len(base64.b64decode(r["data"])) for r in records]
        us = best_us_per_record(
            {
                "floor": passthrough_floor,
                "floor*": passthrough_floor_binascii,
                "naive": naive_handler,
                "naive*": naive_same_schema,
                "core": handler_core,
                "handler": handler,
            },
            records,
        )
        floor, floor_binascii, naive = us["floor"], us["floor*"], us["naive"]
        naive_same, core, full = us["naive*"], us["core"], us["handler"]
        print(
            f"{megabytes:>4}MB {len(records):>5} {statistics.mean(sizes):>5.0f} | "
            f"{floor:6.2f} {floor_binascii:6.2f} {naive:6.2f} {naive_same:6.2f} {core:6.2f} "
            f"{full:7.2f} | {full / floor:6.2f}x {full / floor_binascii:7.2f}x "
            f"{full / naive:6.2f}x {full / naive_same:7.2f}x | "
            f"{overflow_under_real_budget(records)}"
        )
    mixed = build_mixed_batch(1024 * 1024, seed=1)
    mixed_us = best_us_per_record({"core": handler_core, "handler": handler}, mixed)
    print(
        f"mixed  {len(mixed):>5} (pos 60, clickstream 20, iot 10, app_log 5, cdc 5): "
        f"core {mixed_us['core']:6.2f}, handler {mixed_us['handler']:7.2f} us per record"
    )
    print("floor = base64 module passthrough (blueprint); floor* = binascii passthrough")
    print("naive = BaseModel.model_validate on json.loads; naive* = same with the TypedDict schema")
    print("core = transform_batch alone; handler = lambda_handler with Powertools decorators")
    print(
        f"overflow = records past the {RESPONSE_BUDGET_BYTES:,}-byte response budget "
        "(timed with it lifted)"
    )
    print(f"cold import of lambdas.transform.handler (median of {IMPORT_RUNS} fresh interpreters):")
    print(f"  tracing off (no-op provider): {cold_import_ms(tracing=False):6.0f} ms")
    print(f"  tracing on  (X-Ray Tracer):   {cold_import_ms(tracing=True):6.0f} ms")


if __name__ == "__main__":
    main()
