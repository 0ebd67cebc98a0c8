"""Helpers shared by the end-to-end tests: reading a run's final warehouse state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

# Business content only: run ids, processing times and Kinesis coordinates legitimately differ
# between a run and its restarted twin.
STATE_QUERIES = {
    "silver": """SELECT TRANSACTION_ID, LINE_NUMBER, STORE_ID, PRODUCT_ID, UNIT_PRICE, QUANTITY,
                        CANCELED, TOTAL_AMOUNT, REFUND_AMOUNT, BUSINESS_DATE, CONTENT_HASH
                 FROM SILVER.RETAIL_POS_PROCESSED ORDER BY 1, 2""",
    "rejected": """SELECT RECORD_HASH, TRANSACTION_ID, FAILED_RULES::VARCHAR
                   FROM SILVER.RETAIL_POS_REJECTED ORDER BY 1""",
    "inventory": """SELECT STORE_ID, PRODUCT_ID, UNITS_SOLD, ON_HAND
                    FROM SILVER.INVENTORY ORDER BY 1, 2""",
    "gold": """SELECT BUSINESS_DATE, STORE_ID, GROSS_SALES, REFUNDS, NET_SALES, TRANSACTIONS,
                      UNITS, CANCELED_LINES
               FROM GOLD.DAILY_SALES_SUMMARY ORDER BY 1, 2""",
}


def warehouse_state(workdir: Path) -> dict[str, list[tuple[Any, ...]]]:
    from local.warehouse import LocalWarehouse

    with LocalWarehouse(workdir / "warehouse") as warehouse:
        cursor = warehouse.connect_as(warehouse.principals.admin).cursor()
        state = {}
        for name, sql in STATE_QUERIES.items():
            cursor.execute(sql)
            state[name] = [tuple(row) for row in cursor.fetchall()]
        return state
