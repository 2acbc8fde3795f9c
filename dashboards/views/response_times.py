"""Response times: how reply times are spread, when customers write, first vs later replies."""

import math

import altair as alt
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.filters import page

db, scope = page("Response times")

kind = st.segmented_control(
    "Replies", queries.TURN_KINDS, default="All replies", required=True, key="turn_kind"
)
stats = queries.reply_stats(db, scope, kind)
cols = st.columns(4)
cols[0].metric("Answered turns", ui.count(stats["turns"]), border=True)
cols[1].metric("Median", ui.duration(stats["median"]), border=True)
cols[2].metric("p90", ui.duration(stats["p90"]), border=True)
cols[3].metric("Mean", ui.duration(stats["mean"]), border=True)

st.subheader("Distribution")
if stats["turns"] == 0:
    st.info("No answered turns in this range.")
else:
    # ~40 bins up to the 98th percentile, rounded to a readable width; the rest in the last bin.
    span = max(stats["p98"], 1.0)
    step = next(w for w in (5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880) if span / w <= 40)
    bins = math.ceil(span / step) + 1
    histogram = queries.reply_histogram(db, scope, kind, float(step), bins)
    x_title = "Business hours to reply" if scope.clock == "business" else "Hours to reply"
    st.altair_chart(
        charts.histogram(histogram, stats["median"], stats["p90"], x_title), width="stretch"
    )
    st.caption(
        f"Bins of {ui.duration(step)}; the last bar also holds the slowest 2 % "
        f"(above {ui.duration(bins * step - step)})."
    )

left, right = st.columns(2)
with left:
    st.subheader("When customers write")
    arrivals = queries.arrivals_heatmap(db, scope)
    if arrivals.empty:
        st.info("No inbound messages in this range.")
    else:
        st.altair_chart(charts.heatmap(arrivals, "messages", "Messages"), width="stretch")
        st.caption("Inbound messages by local weekday and hour (every agent).")
with right:
    st.subheader("How fast they get an answer")
    replies = queries.reply_heatmap(db, scope)
    if replies.empty:
        st.info("No answered turns in this range.")
    else:
        st.altair_chart(
            charts.heatmap(replies, "median_hours", "Median hours", ",.1f"), width="stretch"
        )
        st.caption("Median reply time by the local weekday and hour the customer wrote.")

st.subheader("First response vs later replies")
split = queries.first_vs_later(db, scope)
if split.empty:
    st.info("No answered turns in this range.")
else:
    chart = (
        alt.Chart(split.assign(median_hours=split["median_minutes"] / 60))
        .mark_line(point=True)
        .encode(
            x=charts.period_axis(scope.grain),
            y=alt.Y("median_hours:Q", title="Median hours"),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(scheme="tableau10"),
                            legend=alt.Legend(orient="top")),
            tooltip=["period_start:T", "kind:N", "turns:Q",
                     alt.Tooltip("median_hours:Q", format=",.2f")],
        )
    )  # fmt: skip
    st.altair_chart(chart, width="stretch")
    st.caption(
        "A first response answers the customer's opening message; later replies answer "
        "the customer's follow-ups in the same thread."
    )
    ui.table(split, "first_vs_later_replies")
