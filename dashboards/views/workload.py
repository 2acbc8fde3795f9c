"""Workload: how much arrives and goes out, where threads stand, and which topics drive it."""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, semantic, ui
from dashboards.filters import page

db, scope = page("Workload")
# one colour per state in both state charts
STATE_COLORS = alt.Scale(domain=list(ui.STATE_LABELS.values()), scheme="tableau10")
OPEN_STATES = [label for state, label in ui.STATE_LABELS.items() if state != "resolved"]


st.subheader("Messages and new threads")
period = f"metric_time__{scope.grain}"
# every inbound message; the outbound ones and the new threads of the chosen agent
arrived = semantic.metrics(db, scope, ("inbound_messages",), (period,))
answered = semantic.metrics(
    db, scope, ("outbound_messages", "new_customer_threads"), (period,), by_agent=True
)
volume = (
    arrived.merge(answered, on=period, how="outer")
    .rename(columns={period: "period_start", "new_customer_threads": "new_threads"})
    .fillna(0)
    .sort_values("period_start")
)
if volume.empty:
    st.info("No messages in this range.")
else:
    st.altair_chart(
        charts.trend(volume, {"inbound_messages": "Inbound messages",
                              "outbound_messages": "Outbound messages",
                              "new_threads": "New threads"}, scope.grain, "Count", kind="bar"),
        width="stretch",
    )  # fmt: skip

st.subheader("Where threads stand now")
# every thread as of the build, among those with a message since the range began
states = semantic.metrics(
    db, scope, ("threads",), ("status",), by_agent=True, dated=False,
    where=("{{ TimeDimension('thread__last_message_date', 'day') }} >= $start",),
)  # fmt: skip
states = states[states["threads"] > 0]
if states.empty:
    st.info("No threads with a message in or after this range.")
else:
    states["state"] = states["status"].map(ui.STATE_LABELS)
    chart = (
        alt.Chart(states, height=200)
        .mark_bar()
        .encode(
            y=alt.Y(
                "state:N",
                title=None,
                sort=list(ui.STATE_LABELS.values()),
                axis=alt.Axis(labelLimit=220),
            ),
            x=alt.X("threads:Q", title="Threads"),
            color=alt.Color("state:N", legend=None, scale=STATE_COLORS),
            tooltip=["state:N", "threads:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")
    st.caption(
        "State as of the data's as-of time, of threads with a message since the range began."
    )

st.subheader("Threads by state over time")
# each mailbox's threads per state at the period's end (its last day in the range)
state = "mailbox_state_day__thread_state"
trend = (
    semantic.metrics(db, scope, ("threads_in_state",), (period, state))
    .rename(columns={period: "period_start", state: "status", "threads_in_state": "threads"})
    .reindex(columns=["period_start", "status", "threads"])
)
trend["period_start"] = pd.to_datetime(trend["period_start"])
if trend.empty:
    st.info("No threads in this range.")
else:
    trend["state"] = trend["status"].map(ui.STATE_LABELS)
    trend["stack"] = trend["status"].map(list(ui.STATE_LABELS).index)
    open_trend = trend[trend["status"] != "resolved"]
    bands, x = charts.period_bands(open_trend, scope.grain)
    chart = (
        alt.Chart(bands)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("threads:Q", title="Open threads"),
            color=alt.Color(
                "state:N",
                title=None,
                scale=STATE_COLORS,
                legend=alt.Legend(orient="top", values=OPEN_STATES),
            ),
            order=alt.Order("stack:Q"),
            tooltip=["period:O", "state:N", "threads:Q"],
        )
    )
    st.altair_chart(chart, width="stretch")
    resolved = trend.loc[trend["status"] == "resolved", "threads"]
    st.caption(
        f"Open threads in each state at the end of each {scope.grain}"
        + ("" if scope.grain == "day" else f" (or of the range, for a {scope.grain} it cuts)")
        + ", in all the selected mailboxes: the agent filter does not apply here. Resolved "
        f"threads only add up and are left out: {int(resolved.iloc[-1]):,} at the end of "
        "the range."
    )

st.subheader("By topic")
NO_TOPIC = "(no topic)"
TOPIC_METRICS = {  # column: metric, of the customer-initiated threads with the topic
    "threads": "new_customer_threads",
    "open_threads": "open_threads",
    "sla_met_rate": "sla_met_rate",
    "median_first_response_minutes": semantic.on_clock(
        scope, "first_response_business_minutes_median", "first_response_minutes_median"
    ),
    "median_reply_minutes": semantic.on_clock(
        scope, "reply_business_minutes_median", "reply_minutes_median"
    ),
}
CUSTOMER = "{{ Dimension('thread__initiated_by') }} = 'customer'"
# the topics of the threads that started in the range (each distinct list of topics once)
topic_lists = semantic.metrics(db, scope, ("new_customer_threads",), ("topics",), by_agent=True)
names = sorted(
    {
        topic
        for topics in topic_lists.loc[topic_lists["new_customer_threads"] > 0, "topics"]
        for topic in (list(topics) or [NO_TOPIC])
    }
)


# one query shape for every topic, NO_TOPIC too: its SQL is compiled once, the topic bound
HAS_TOPIC = (
    "(list_contains({{ Dimension('thread__topics') }}, $topic)"
    f" or len({{{{ Dimension('thread__topics') }}}}) = 0 and $topic = '{NO_TOPIC}')"
)


def _topic(topic: str) -> dict:
    """The topic's row: the metrics over the threads that have it (a thread with two topics
    counts under both)."""
    values = semantic.totals(
        db, scope, tuple(TOPIC_METRICS.values()), where=(CUSTOMER, HAS_TOPIC), by_agent=True,
        bind=(("topic", topic),),
    )  # fmt: skip
    return {"topic": topic} | {column: values[m] for column, m in TOPIC_METRICS.items()}


topics = pd.DataFrame([_topic(t) for t in names], columns=["topic", *TOPIC_METRICS])
counts = {"threads": 0, "open_threads": 0}  # none is 0
topics = (
    topics.fillna(counts)
    .astype(dict.fromkeys(counts, int))
    .sort_values(["threads", "topic"], ascending=[False, True])
)
if topics.empty:
    st.info("No customer threads started in this range.")
else:
    shown = topics.assign(
        median_first_response_hours=topics["median_first_response_minutes"] / 60,
        median_reply_hours=topics["median_reply_minutes"] / 60,
    ).drop(columns=["median_first_response_minutes", "median_reply_minutes"])
    ui.table(
        shown,
        "topics",
        column_config={
            "topic": "Topic",
            "threads": st.column_config.NumberColumn("Threads", help="Started in the range."),
            "open_threads": st.column_config.NumberColumn("Still open"),
            "sla_met_rate": st.column_config.ProgressColumn(
                "SLA met", format="percent", min_value=0, max_value=1
            ),
            "median_first_response_hours": st.column_config.NumberColumn(
                "Median first reply", format="%.1f h"
            ),
            "median_reply_hours": st.column_config.NumberColumn(
                "Median reply time", format="%.1f h"
            ),
        },
    )
    st.caption(
        "Topics are the Outlook categories that do not name an agent. A thread with two "
        "topics counts under both."
    )
