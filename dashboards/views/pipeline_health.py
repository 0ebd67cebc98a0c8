"""Pipeline health page: procedure runs, rejected records by rule, the dead letter and its
redrives, stream backlog, latency.

Latency starts at Kinesis arrival (stamped by AWS); how far the POS clocks are from arrival is
shown apart, as its own figure, because a POS clock can be wrong.

Reads OPS.PIPELINE_RUN_LOG and SILVER.RETAIL_POS_REJECTED; the dead letter per rule and how much
of it a redrive would accept now from SILVER.RETAIL_POS_REJECTED_REDRIVABLE, the redrives from
SILVER.RETAIL_POS_REDRIVE and its outcomes. Rows waiting in each stream come from
the OPS.STREAM_BACKLOG view (source rows now minus the rows at the consumer's last consumption,
plus PROCESS_RAW_POS's queue), which the read-only dashboard role may query without any grant on
BRONZE or the streams.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.settings import (
    HEALTH_LOOKBACK_HOURS,
    RECENT_RUNS,
    REFRESH_SECONDS,
    REJECT_SAMPLE_ROWS,
)
from dashboards.ui import choices, chosen, count, freshness_note
from dashboards.warehouse import fetch, require_warehouse

FAILED_COLOUR = "background-color: rgba(255, 75, 75, 0.18)"


def highlight_failed(row: pd.Series) -> list[str]:
    colour = FAILED_COLOUR if row["STATUS"] == "FAILED" else ""
    return [colour] * len(row)


def rejects_chart(rejects: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(rejects.assign(HOUR_UTC=pd.to_datetime(rejects["HOUR_UTC"])))
        .mark_bar()
        .encode(
            x=alt.X("HOUR_UTC:T", title="Hour (UTC)"),
            y=alt.Y("REJECTED_RECORDS:Q", title="Rejected records"),
            color=alt.Color("RULE_ID:N", title="Rule"),
            tooltip=["HOUR_UTC:T", "RULE_ID:N", "REJECTED_RECORDS:Q"],
        )
    )


def latency_chart(latency: pd.DataFrame) -> alt.Chart:
    series = latency.melt(
        id_vars=["HOUR_UTC"],
        value_vars=["P50_KINESIS_TO_GOLD_S", "P95_KINESIS_TO_GOLD_S"],
        var_name="PERCENTILE",
        value_name="SECONDS",
    )
    series["PERCENTILE"] = series["PERCENTILE"].map(
        {"P50_KINESIS_TO_GOLD_S": "p50", "P95_KINESIS_TO_GOLD_S": "p95"}
    )
    series["HOUR_UTC"] = pd.to_datetime(series["HOUR_UTC"])
    return (
        alt.Chart(series.dropna())
        .mark_line(point=True)
        .encode(
            x=alt.X("HOUR_UTC:T", title="Hour the transactions reached Silver (UTC)"),
            y=alt.Y("SECONDS:Q", title="Kinesis arrival to Gold (s)"),
            color=alt.Color("PERCENTILE:N", title="Percentile"),
            tooltip=["HOUR_UTC:T", "PERCENTILE:N", alt.Tooltip("SECONDS:Q", format=",.1f")],
        )
    )


def seconds(value: object) -> str:
    return "-" if value is None or pd.isna(value) else f"{float(value):,.1f} s"  # type: ignore[arg-type]


def runs_section() -> None:
    summary = fetch("health_run_summary", [HEALTH_LOOKBACK_HOURS])
    backlog = fetch("health_stream_backlog")
    metrics = st.columns(4)
    metrics[0].metric(f"Runs, last {HEALTH_LOOKBACK_HOURS} h", count(summary["RUNS"].sum()))
    metrics[1].metric("Failed runs", count(summary["FAILED_RUNS"].sum()))
    metrics[2].metric("Rows waiting in streams", count(backlog["ROWS_WAITING"].sum()))
    metrics[3].metric("Rejected records", count(summary["ROWS_REJECTED"].sum()))

    st.subheader("Rows waiting in each stream")
    st.dataframe(backlog, hide_index=True, width="stretch")

    st.subheader("Procedures")
    if summary.empty:
        st.info(f"No procedure runs in the last {HEALTH_LOOKBACK_HOURS} hours.")
    else:
        st.dataframe(summary, hide_index=True, width="stretch")

    st.subheader("Recent runs")
    runs = fetch("health_recent_runs", [RECENT_RUNS])
    if runs.empty:
        st.info("OPS.PIPELINE_RUN_LOG is empty: no procedure has run yet.")
    else:
        st.dataframe(runs.style.apply(highlight_failed, axis=1), hide_index=True, width="stretch")


def rejects_section(rule_id: str | None) -> None:
    st.subheader(f"Rejected records by rule, last {HEALTH_LOOKBACK_HOURS} h")
    rejects = fetch("health_rejects_by_rule", [HEALTH_LOOKBACK_HOURS])
    if rejects.empty:
        st.info(f"No records rejected in the last {HEALTH_LOOKBACK_HOURS} hours.")
    else:
        st.altair_chart(rejects_chart(rejects), width="stretch")
    sample = fetch("health_reject_sample", [rule_id, rule_id, REJECT_SAMPLE_ROWS])
    st.subheader("Latest rejected records" + (f" failing {rule_id}" if rule_id else ""))
    if sample.empty:
        st.info("No rejected records" + (f" failing {rule_id}." if rule_id else "."))
    else:
        st.dataframe(sample, hide_index=True, width="stretch")


def dead_letter_section() -> None:
    st.subheader("Dead letter now, by rule")
    dead = fetch("health_dead_letter")
    if dead.empty:
        st.info("The dead letter is empty: no rejected record waits.")
    else:
        st.caption(
            "REDRIVABLE_NOW: records a redrive would accept today (their store, product or"
            " payment method exists now). Send them back with `pos redrive rejected --rule"
            " RULE_ID`; the automatic redrive does so when a dimension row arrives."
        )
        st.dataframe(dead, hide_index=True, width="stretch")
    st.subheader("Redrives")
    history = fetch("health_redrive_history", [RECENT_RUNS])
    if history.empty:
        st.info("No record has been sent back from the dead letter yet.")
    else:
        st.dataframe(history, hide_index=True, width="stretch")


def latency_section() -> None:
    st.subheader(f"Kinesis arrival to Gold latency, last {HEALTH_LOOKBACK_HOURS} h")
    latency = fetch("health_latency", [HEALTH_LOOKBACK_HOURS])
    if latency.empty:
        st.info(f"No transactions reached Silver in the last {HEALTH_LOOKBACK_HOURS} hours.")
        return
    st.caption(
        "Measured from the time Kinesis received each sale (AWS's clock) to the end of the Gold"
        " run that included it; the POS's own sale time plays no part."
    )
    st.altair_chart(latency_chart(latency), width="stretch")
    st.dataframe(latency, hide_index=True, width="stretch")

    skew = fetch("health_pos_clock_skew", [HEALTH_LOOKBACK_HOURS]).iloc[0]
    st.subheader("POS clocks: sale time to Kinesis arrival")
    figures = st.columns(3)
    figures[0].metric("Sale time to arrival, p50", seconds(skew["P50_SKEW_S"]))
    figures[1].metric("Smallest", seconds(skew["MIN_SKEW_S"]))
    figures[2].metric("Largest", seconds(skew["MAX_SKEW_S"]))
    st.caption(
        "Kinesis arrival minus the time the POS stamped on the sale: the send delay plus the POS"
        " clock's offset. A negative figure means a POS clock runs ahead. It is not a latency"
        " and is not included in the figures above."
    )


@st.fragment(run_every=REFRESH_SECONDS)
def health_panel(rule_id: str | None) -> None:
    runs_section()
    rejects_section(rule_id)
    dead_letter_section()
    latency_section()
    freshness_note()


st.title("Pipeline health")
require_warehouse()
rules = fetch("health_rule_catalog")
with st.sidebar:
    st.header("Filters")
    rule_choice = st.selectbox(
        "Rejected records failing rule", choices(rules["RULE_ID"]), key="health_rule"
    )
    if not rules.empty:
        with st.expander("Rule catalog"):
            st.dataframe(rules, hide_index=True)
health_panel(chosen(rule_choice))
