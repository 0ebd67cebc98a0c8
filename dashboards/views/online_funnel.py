"""Online funnel page: the web and app shop's product views, adds to cart and checkouts per UTC
day (``GOLD.ONLINE_FUNNEL_DAILY``), for a date range; every choice is a bound query parameter."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.settings import DEFAULT_SALES_DAYS, FUNNEL_PRODUCTS, REFRESH_SECONDS
from dashboards.ui import count, freshness_note, percent
from dashboards.warehouse import fetch, require_warehouse


def date_range() -> tuple[date, date] | None:
    bounds = fetch("funnel_date_bounds")
    first, last = bounds["FIRST_DATE"].iloc[0], bounds["LAST_DATE"].iloc[0]
    if pd.isna(first) or pd.isna(last):
        return None
    first_date, last_date = pd.Timestamp(first).date(), pd.Timestamp(last).date()
    default_first = max(first_date, last_date - timedelta(days=DEFAULT_SALES_DAYS - 1))
    with st.sidebar:
        st.header("Filters")
        picked = st.date_input(
            "Days (UTC)",
            value=(default_first, last_date),
            min_value=first_date,
            max_value=last_date + timedelta(days=1),
            key="funnel_dates",
        )
    dates = list(picked) if isinstance(picked, tuple | list) else [picked]
    return dates[0], dates[-1] if len(dates) > 1 else dates[0]


def steps_chart(totals: pd.Series) -> alt.Chart:
    steps = pd.DataFrame(
        {
            "STEP": ["1 · Product views", "2 · Adds to cart", "3 · Checkouts"],
            "EVENTS": [
                int(totals["PRODUCT_VIEWS"]),
                int(totals["ADDS_TO_CART"]),
                int(totals["CHECKOUTS"]),
            ],
        }
    )
    return (
        alt.Chart(steps)
        .mark_bar()
        .encode(
            x=alt.X("EVENTS:Q", title="Events"),
            y=alt.Y("STEP:N", sort=None, title=None),
            tooltip=[alt.Tooltip("STEP:N", title="Step"), alt.Tooltip("EVENTS:Q", title="Events")],
        )
    )


@st.fragment(run_every=REFRESH_SECONDS)
def funnel_panel(first: date, last: date) -> None:
    totals = fetch("funnel_totals", [first, last]).iloc[0]
    if int(totals["PRODUCT_VIEWS"]) + int(totals["ADDS_TO_CART"]) + int(totals["CHECKOUTS"]) == 0:
        st.info(f"No product events from {first:%Y-%m-%d} to {last:%Y-%m-%d}.")
        freshness_note()
        return
    row = st.columns(5)
    row[0].metric("Product views", count(totals["PRODUCT_VIEWS"]))
    row[1].metric("Adds to cart", count(totals["ADDS_TO_CART"]))
    row[2].metric("Checkouts", count(totals["CHECKOUTS"]))
    row[3].metric("View → cart", percent(totals["VIEW_TO_CART_RATE"]))
    row[4].metric("Cart → checkout", percent(totals["CART_TO_CHECKOUT_RATE"]))
    st.altair_chart(steps_chart(totals), width="stretch")
    st.subheader(f"Top {FUNNEL_PRODUCTS} products by views")
    st.dataframe(
        fetch("funnel_by_product", [first, last, FUNNEL_PRODUCTS]), hide_index=True, width="stretch"
    )
    freshness_note()


st.title("Online funnel")
require_warehouse()
chosen_range = date_range()
if chosen_range is None:
    st.info("No clickstream events in Silver yet: the web and app shop send clickstream.v1.")
    st.stop()
funnel_panel(*chosen_range)
