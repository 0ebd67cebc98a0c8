"""Store operations page: POS terminal errors per store and register
(``GOLD.TERMINAL_ERRORS_HOURLY``) and fridge temperature excursions (``GOLD.FRIDGE_EXCURSIONS``)
over the last store-local hours; the store choice is a bound query parameter."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.settings import OPERATIONS_LOOKBACK_HOURS, REFRESH_SECONDS
from dashboards.ui import choices, chosen, count, freshness_note
from dashboards.warehouse import fetch, require_warehouse


def errors_chart(errors: pd.DataFrame) -> alt.Chart:
    per_store = errors.groupby(["STORE_ID", "CITY"], as_index=False)[["ERRORS", "WARNINGS"]].sum()
    per_store = per_store.assign(STORE=per_store["STORE_ID"] + " · " + per_store["CITY"])
    return (
        alt.Chart(per_store)
        .mark_bar()
        .encode(
            x=alt.X("ERRORS:Q", title="Terminal errors"),
            y=alt.Y("STORE:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("STORE:N", title="Store"),
                alt.Tooltip("ERRORS:Q", title="Errors"),
                alt.Tooltip("WARNINGS:Q", title="Warnings"),
            ],
        )
    )


@st.fragment(run_every=REFRESH_SECONDS)
def operations_panel(store_id: str | None) -> None:
    hours = OPERATIONS_LOOKBACK_HOURS
    errors = fetch("ops_terminal_errors", [hours, store_id, store_id])
    excursions = fetch("ops_fridge_excursions", [hours, store_id, store_id])
    row = st.columns(3)
    row[0].metric(f"Terminal errors ({hours} h)", count(errors["ERRORS"].sum()))
    row[1].metric("Registers with errors", count(int((errors["ERRORS"] > 0).sum())))
    row[2].metric(f"Fridge excursions above 8 °C ({hours} h)", count(len(excursions)))
    st.subheader("Terminal errors per register")
    if errors.empty:
        st.info("No terminal log lines in this window.")
    else:
        st.altair_chart(errors_chart(errors), width="stretch")
        st.dataframe(errors, hide_index=True, width="stretch")
    st.subheader("Fridge temperature excursions")
    if excursions.empty:
        st.info("No fridge reading above 8 °C in this window.")
    else:
        st.dataframe(excursions, hide_index=True, width="stretch")
    freshness_note()


st.title("Store operations")
require_warehouse()
stores = fetch("sales_store_options")
with st.sidebar:
    st.header("Filters")
    store = st.selectbox("Store", choices(stores["STORE_ID"]), key="ops_store")
operations_panel(chosen(store))
