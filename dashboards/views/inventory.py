"""Inventory page: stock on hand per store and product, what needs reordering, how fast it sells.

Rows at or below their reorder point are listed first and highlighted. Sell-through is units sold
over opening stock; days of cover is stock on hand over the average daily units sold in the last
``RUN_RATE_DAYS`` business days.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.settings import REFRESH_SECONDS, RUN_RATE_DAYS
from dashboards.ui import choices, chosen, count, freshness_note
from dashboards.warehouse import Param, fetch, require_warehouse

LOW_STOCK_COLOUR = "background-color: rgba(255, 75, 75, 0.18)"
COVER_CHART_ROWS = 15


@dataclass(frozen=True)
class InventoryFilter:
    store_id: str | None
    category: str | None
    reorder_only: bool

    def params(self) -> list[Param]:
        return [
            RUN_RATE_DAYS,
            RUN_RATE_DAYS,
            RUN_RATE_DAYS,
            self.store_id,
            self.store_id,
            self.category,
            self.category,
        ]


def sidebar_filter() -> InventoryFilter:
    stores = fetch("sales_store_options")
    categories = fetch("product_categories")
    with st.sidebar:
        st.header("Filters")
        labels = {row.STORE_ID: f"{row.STORE_ID} · {row.CITY}" for row in stores.itertuples()}
        store_id = st.selectbox(
            "Store",
            choices(stores["STORE_ID"]),
            format_func=lambda value: labels.get(value, value),
            key="inventory_store",
        )
        category = st.selectbox(
            "Category", choices(categories["CATEGORY"]), key="inventory_category"
        )
        reorder_only = st.checkbox("Only at or below reorder point", key="inventory_reorder_only")
    return InventoryFilter(chosen(store_id), chosen(category), reorder_only)


def highlight_low_stock(row: pd.Series) -> list[str]:
    colour = LOW_STOCK_COLOUR if row["AT_OR_BELOW_REORDER"] else ""
    return [colour] * len(row)


def cover_chart(levels: pd.DataFrame) -> alt.Chart:
    lowest = levels.dropna(subset=["DAYS_OF_COVER"]).nsmallest(COVER_CHART_ROWS, "DAYS_OF_COVER")
    lowest = lowest.assign(ITEM=lowest["STORE_ID"] + " · " + lowest["PRODUCT_NAME"])
    return (
        alt.Chart(lowest)
        .mark_bar()
        .encode(
            x=alt.X("DAYS_OF_COVER:Q", title="Days of cover"),
            y=alt.Y("ITEM:N", sort="x", title=None),
            color=alt.Color(
                "AT_OR_BELOW_REORDER:N",
                title="At or below reorder point",
                scale=alt.Scale(domain=[True, False], range=["#e4572e", "#4c78a8"]),
            ),
            tooltip=[
                alt.Tooltip("ITEM:N", title="Item"),
                alt.Tooltip("ON_HAND:Q", title="On hand"),
                alt.Tooltip("REORDER_POINT:Q", title="Reorder point"),
                alt.Tooltip("DAILY_RUN_RATE:Q", title="Units per day", format=",.2f"),
                alt.Tooltip("DAYS_OF_COVER:Q", title="Days of cover", format=",.1f"),
            ],
        )
    )


COLUMNS = {
    "STORE_ID": st.column_config.TextColumn("Store"),
    "CITY": st.column_config.TextColumn("City"),
    "PRODUCT_ID": st.column_config.TextColumn("Product"),
    "PRODUCT_NAME": st.column_config.TextColumn("Name"),
    "CATEGORY": st.column_config.TextColumn("Category"),
    "ON_HAND": st.column_config.NumberColumn("On hand"),
    "REORDER_POINT": st.column_config.NumberColumn("Reorder point"),
    "AT_OR_BELOW_REORDER": st.column_config.CheckboxColumn("Reorder"),
    "UNITS_SOLD": st.column_config.NumberColumn("Units sold"),
    "SELL_THROUGH": st.column_config.ProgressColumn(
        "Sell-through", format="percent", min_value=0.0, max_value=1.0
    ),
    "DAILY_RUN_RATE": st.column_config.NumberColumn("Units/day", format="%.2f"),
    "DAYS_OF_COVER": st.column_config.NumberColumn("Days of cover", format="%.1f"),
    "LAST_MOVEMENT_AT": st.column_config.DatetimeColumn("Last sale"),
}


@st.fragment(run_every=REFRESH_SECONDS)
def inventory_panel(inventory_filter: InventoryFilter) -> None:
    levels = fetch("inventory_levels", inventory_filter.params())
    if levels.empty:
        st.info(
            "No inventory rows for these filters. SILVER.INVENTORY is seeded by the migrations "
            "(A__1_seed_inventory.sql) and moved by SILVER.UPDATE_INVENTORY."
        )
        freshness_note()
        return
    low = levels[levels["AT_OR_BELOW_REORDER"].astype(bool)]
    metrics = st.columns(4)
    metrics[0].metric("Items tracked", count(len(levels)))
    metrics[1].metric("At or below reorder point", count(len(low)))
    metrics[2].metric("Units on hand", count(levels["ON_HAND"].sum()))
    metrics[3].metric("Units sold", count(levels["UNITS_SOLD"].sum()))

    shown = low if inventory_filter.reorder_only else levels
    if shown.empty:
        st.success("Nothing is at or below its reorder point.")
    else:
        st.subheader("Stock by store and product")
        st.caption("Rows at or below their reorder point come first and are highlighted.")
        st.dataframe(
            shown.style.apply(highlight_low_stock, axis=1),
            column_order=list(COLUMNS),
            column_config=COLUMNS,
            hide_index=True,
            width="stretch",
        )
    if levels["DAYS_OF_COVER"].notna().any():
        st.subheader(f"Lowest days of cover (sales of the last {RUN_RATE_DAYS} days)")
        st.altair_chart(cover_chart(levels), width="stretch")
    else:
        st.info(f"No sales in the last {RUN_RATE_DAYS} days, so days of cover cannot be estimated.")
    freshness_note()


st.title("Inventory")
require_warehouse()
inventory_panel(sidebar_filter())
