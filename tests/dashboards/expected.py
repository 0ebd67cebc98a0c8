"""Expected dashboard figures, computed in Python from Silver line items (not from Gold, and not
with the dashboards' SQL), so a wrong query or a wrong Gold aggregate makes the tests fail."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from producer.catalog import STORES_BY_ID

SILVER_LINES = """
SELECT TRANSACTION_ID, LINE_NUMBER, STORE_ID, CURRENCY, BUSINESS_DATE, PRODUCT_ID, QUANTITY,
       CANCELED, LINE_AMOUNT, TOTAL_AMOUNT, REFUND_AMOUNT
FROM SILVER.RETAIL_POS_PROCESSED
"""


@dataclass(frozen=True)
class SalesFigures:
    net_sales: Decimal
    transactions: int
    units: int
    average_basket: Decimal
    refunds: Decimal
    canceled_lines: int

    def as_metrics(self, currency: str) -> dict[str, str]:
        """The metric texts the daily sales page must show for these figures."""
        return {
            "Net sales": f"{self.net_sales:,.2f} {currency}",
            "Transactions": f"{self.transactions:,}",
            "Units sold": f"{self.units:,}",
            "Average basket": f"{self.average_basket:,.2f} {currency}",
            "Refunds": f"{self.refunds:,.2f} {currency}",
            "Canceled lines": f"{self.canceled_lines:,}",
        }


def select_lines(
    lines: Iterable[dict[str, Any]],
    *,
    currency: str,
    first: date | None = None,
    last: date | None = None,
    city: str | None = None,
    store_id: str | None = None,
) -> list[dict[str, Any]]:
    return [
        line
        for line in lines
        if line["CURRENCY"] == currency
        and (first is None or line["BUSINESS_DATE"] >= first)
        and (last is None or line["BUSINESS_DATE"] <= last)
        and (city is None or STORES_BY_ID[line["STORE_ID"]].city == city)
        and (store_id is None or line["STORE_ID"] == store_id)
    ]


def sales_figures(lines: list[dict[str, Any]]) -> SalesFigures:
    # Transaction-level amounts are repeated on every line: take them once per transaction.
    totals = {line["TRANSACTION_ID"]: Decimal(line["TOTAL_AMOUNT"]) for line in lines}
    refunds = {line["TRANSACTION_ID"]: Decimal(line["REFUND_AMOUNT"]) for line in lines}
    gross = sum(totals.values(), Decimal(0))
    refunded = sum(refunds.values(), Decimal(0))
    transactions = len(totals)
    basket = (gross / transactions) if transactions else Decimal(0)
    return SalesFigures(
        net_sales=gross - refunded,
        transactions=transactions,
        units=sum(int(line["QUANTITY"]) for line in lines if not line["CANCELED"]),
        average_basket=basket.quantize(Decimal("0.01")),
        refunds=refunded,
        canceled_lines=sum(1 for line in lines if line["CANCELED"]),
    )


def top_products(lines: list[dict[str, Any]], limit: int) -> list[tuple[str, Decimal]]:
    sales: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if not line["CANCELED"]:
            sales[line["PRODUCT_ID"]] += Decimal(line["LINE_AMOUNT"])
    ranked = sorted(sales.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:limit]


def units_sold(lines: Iterable[dict[str, Any]]) -> dict[tuple[str, str], int]:
    sold: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if not line["CANCELED"]:
            sold[(line["STORE_ID"], line["PRODUCT_ID"])] += int(line["QUANTITY"])
    return sold
