"""Response times: how reply times are spread, when customers write, first vs later replies."""

import math

import altair as alt
import streamlit as st

from dashboards import charts, queries, semantic, ui
from dashboards.filters import page

db, scope = page("Response times")
reply = "reply_business_minutes" if scope.clock == "business" else "reply_minutes"
STATS = {  # key: metric
    "turns": "answered_turns",
    "median": f"{reply}_median",
    "p90": f"{reply}_p90",
    "mean": f"{reply}_avg",
    "p98": f"{reply}_p98",
}
FIRST = "{{ Dimension('turn__is_first_response') }}"
KIND_FILTER = {
    "All replies": (),
    "First responses": (FIRST,),
    "Later replies": (f"not {FIRST}",),
}

kind = st.segmented_control(
    "Replies", queries.TURN_KINDS, default="All replies", required=True, key="turn_kind"
)
values = semantic.totals(db, scope, tuple(STATS.values()), KIND_FILTER[kind], by_agent=True)
stats = {key: values[metric] for key, metric in STATS.items()}
stats["turns"] = stats["turns"] or 0
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
    arrivals = semantic.weekday_hours(
        semantic.metrics(db, scope, ("inbound_messages",), ("received_iso_dow", "received_hour")),
        "received_iso_dow",
        "received_hour",
    )
    arrivals = arrivals[arrivals["inbound_messages"] > 0]
    if arrivals.empty:
        st.info("No inbound messages in this range.")
    else:
        st.altair_chart(charts.heatmap(arrivals, "inbound_messages", "Messages"), width="stretch")
        st.caption("Inbound messages by local weekday and hour (every agent).")
with right:
    st.subheader("How fast they get an answer")
    replies = semantic.weekday_hours(
        semantic.metrics(db, scope, ("answered_turns", f"{reply}_median"),
                         ("turn_started_iso_dow", "turn_started_hour"), by_agent=True),
        "turn_started_iso_dow",
        "turn_started_hour",
    )  # fmt: skip
    replies = replies[replies["answered_turns"] > 0]
    replies = replies.assign(median_hours=replies[f"{reply}_median"] / 60)
    if replies.empty:
        st.info("No answered turns in this range.")
    else:
        st.altair_chart(
            charts.heatmap(replies, "median_hours", "Median hours", ",.1f"), width="stretch"
        )
        st.caption("Median reply time by the local weekday and hour the customer wrote.")

st.subheader("First response vs later replies")
period = f"metric_time__{scope.grain}"
split = semantic.metrics(
    db, scope, ("answered_turns", f"{reply}_median", f"{reply}_p90"),
    (period, "is_first_response"), by_agent=True,
)  # fmt: skip
split = split[split["answered_turns"] > 0].rename(
    columns={period: "period_start", "answered_turns": "turns",
             f"{reply}_median": "median_minutes", f"{reply}_p90": "p90_minutes"}
)  # fmt: skip
split.insert(1, "kind", split.pop("is_first_response").map(
    {True: "First response", False: "Later replies"}))  # fmt: skip
split = split.sort_values(["period_start", "kind"])
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
