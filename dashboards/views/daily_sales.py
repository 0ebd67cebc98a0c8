"""Daily sales page: headline figures, trend, stores and best sellers for a date range.

Amounts are in the stores' own currencies and are never added across currencies, so the currency
is the first filter; city and store narrow it. Every filter is a bound query parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.settings import DEFAULT_SALES_DAYS, REFRESH_SECONDS, TOP_PRODUCTS
from dashboards.ui import choices, chosen, count, freshness_note, money, percent
from dashboards.warehouse import Param, fetch, require_warehouse


@dataclass(frozen=True)
class SalesFilter:
    first_date: date
    last_date: date
    currency: str
    city: str | None
    store_id: str | None

    def params(self) -> list[Param]:
        """Bindings for the ``?`` placeholders shared by the sales queries, in their order."""
        return [
            self.first_date,
            self.last_date,
            self.currency,
            self.city,
            self.city,
            self.store_id,
            self.store_id,
        ]


@dataclass(frozen=True)
class DateChoices:
    """What the date picker offers: from the first business date with sales to a day past the
    latest (or today), defaulting to the last ``DEFAULT_SALES_DAYS`` dates with sales."""

    earliest: date
    latest: date
    default: tuple[date, date]


def date_choices() -> DateChoices:
    bounds = fetch("sales_date_bounds")
    first, last = bounds["FIRST_DATE"].iloc[0], bounds["LAST_DATE"].iloc[0]
    today = date.today()
    if pd.isna(first) or pd.isna(last):
        return DateChoices(today, today + timedelta(days=1), (today, today))
    first_date, last_date = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    default_first = max(first_date, last_date - timedelta(days=DEFAULT_SALES_DAYS - 1))
    # A store east of the server can already be on tomorrow's business date.
    latest = max(last_date, today) + timedelta(days=1)
    return DateChoices(first_date, latest, (default_first, last_date))


def sidebar_filter(stores: pd.DataFrame) -> SalesFilter:
    with st.sidebar:
        st.header("Filters")
        # The currency with the most stores first: the default view covers most of the chain.
        store_counts = stores.groupby("CURRENCY")["STORE_ID"].count()
        currencies = sorted(store_counts.index, key=lambda code: (-store_counts[code], code))
        currency = st.selectbox(
            "Currency",
            currencies,
            key="sales_currency",
            help="Amounts are in each store's currency and are only added up within one.",
        )
        in_currency = stores[stores["CURRENCY"] == currency]
        city = st.selectbox("City", choices(in_currency["CITY"]), key="sales_city")
        in_city = in_currency if chosen(city) is None else in_currency[in_currency["CITY"] == city]
        store_id = st.selectbox("Store", choices(in_city["STORE_ID"]), key="sales_store")
        offered = date_choices()
        picked = st.date_input(
            "Business dates",
            value=offered.default,
            min_value=offered.earliest,
            max_value=offered.latest,
            key="sales_dates",
            help="Store-local business dates (each store's own time zone).",
        )
    # While a range is being picked the widget holds a single date: show that day.
    dates = list(picked) if isinstance(picked, tuple | list) else [picked]
    first_date = dates[0]
    last_date = dates[-1] if len(dates) > 1 else first_date
    return SalesFilter(first_date, last_date, str(currency), chosen(city), chosen(store_id))


def headline(kpis: pd.Series, currency: str) -> None:
    row1 = st.columns(3)
    row1[0].metric("Net sales", money(kpis["NET_SALES"], currency))
    row1[1].metric("Transactions", count(kpis["TRANSACTIONS"]))
    row1[2].metric("Units sold", count(kpis["UNITS"]))
    row2 = st.columns(3)
    row2[0].metric("Average basket", money(kpis["AVG_BASKET"], currency))
    row2[1].metric("Refunds", money(kpis["REFUNDS"], currency))
    row2[2].metric("Canceled lines", count(kpis["CANCELED_LINES"]))


def traffic(params: list[Param]) -> None:
    """Visitors from the stores' door counters and the conversion rate beside the sales."""
    figures = fetch("sales_traffic", params).iloc[0]
    visitors = int(figures["VISITORS"])
    st.subheader("Store traffic and conversion")
    if visitors == 0:
        st.caption("No door counter readings for these stores and dates.")
        return
    row = st.columns(3)
    row[0].metric("Visitors", count(visitors), help="Counted by the stores' door counters.")
    row[1].metric(
        "Conversion",
        percent(figures["CONVERSION_RATE"]),
        help="Transactions ÷ visitors, over the store-local hours a door counter reported.",
    )
    row[2].metric("Transactions in counted hours", count(figures["COUNTED_TRANSACTIONS"]))


def trend_chart(trend: pd.DataFrame, currency: str) -> alt.Chart:
    trend = trend.assign(DAY=pd.to_datetime(trend["BUSINESS_DATE"]).dt.strftime("%Y-%m-%d"))
    return (
        alt.Chart(trend)
        .mark_bar()
        .encode(
            x=alt.X("DAY:O", title="Business date", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("NET_SALES:Q", title=f"Net sales ({currency})"),
            tooltip=[
                alt.Tooltip("DAY:O", title="Date"),
                alt.Tooltip("NET_SALES:Q", title="Net sales", format=",.2f"),
                alt.Tooltip("TRANSACTIONS:Q", title="Transactions"),
                alt.Tooltip("UNITS:Q", title="Units"),
                alt.Tooltip("REFUNDS:Q", title="Refunds", format=",.2f"),
            ],
        )
    )


def store_chart(by_store: pd.DataFrame, currency: str) -> alt.Chart:
    by_store = by_store.assign(STORE=by_store["STORE_ID"] + " · " + by_store["CITY"])
    return (
        alt.Chart(by_store)
        .mark_bar()
        .encode(
            x=alt.X("NET_SALES:Q", title=f"Net sales ({currency})"),
            y=alt.Y("STORE:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("STORE:N", title="Store"),
                alt.Tooltip("NET_SALES:Q", title="Net sales", format=",.2f"),
                alt.Tooltip("TRANSACTIONS:Q", title="Transactions"),
                alt.Tooltip("AVG_BASKET:Q", title="Average basket", format=",.2f"),
            ],
        )
    )


def products_chart(products: pd.DataFrame, currency: str) -> alt.Chart:
    return (
        alt.Chart(products)
        .mark_bar()
        .encode(
            x=alt.X("SALES:Q", title=f"Sales before refunds ({currency})"),
            y=alt.Y("PRODUCT_NAME:N", sort="-x", title=None),
            color=alt.Color("CATEGORY:N", title="Category"),
            tooltip=[
                alt.Tooltip("PRODUCT_ID:N", title="Product"),
                alt.Tooltip("PRODUCT_NAME:N", title="Name"),
                alt.Tooltip("UNITS:Q", title="Units"),
                alt.Tooltip("SALES:Q", title="Sales", format=",.2f"),
            ],
        )
    )


@st.fragment(run_every=REFRESH_SECONDS)
def sales_panel(sales_filter: SalesFilter) -> None:
    params = sales_filter.params()
    kpis = fetch("sales_kpis", params).iloc[0]
    scope = f"{sales_filter.first_date:%Y-%m-%d} to {sales_filter.last_date:%Y-%m-%d}"
    if int(kpis["SUMMARY_ROWS"]) == 0:
        st.info(
            f"No sales in {sales_filter.currency} for {scope} with these filters. "
            "Widen the dates or filters, or wait for the pipeline to deliver."
        )
        freshness_note()
        return
    currency = sales_filter.currency
    headline(kpis, currency)

    st.subheader("Trend by business date")
    st.altair_chart(trend_chart(fetch("sales_trend", params), currency), width="stretch")

    left, right = st.columns(2)
    with left:
        st.subheader("By store and city")
        by_store = fetch("sales_by_store", params)
        st.altair_chart(store_chart(by_store, currency), width="stretch")
        st.dataframe(by_store, hide_index=True, width="stretch")
    with right:
        st.subheader(f"Top {TOP_PRODUCTS} products")
        products = fetch("sales_top_products", [*params, TOP_PRODUCTS])
        if products.empty:
            st.info("No non-canceled product lines for these filters.")
        else:
            st.altair_chart(products_chart(products, currency), width="stretch")
            st.dataframe(products, hide_index=True, width="stretch")
    traffic(params)
    freshness_note()


st.title("Daily sales")
require_warehouse()
stores = fetch("sales_store_options")
if stores.empty:
    st.info("No stores in SILVER.DIM_STORE yet: apply the Snowflake migrations (they seed it).")
    st.stop()
sales_panel(sidebar_filter(stores))
