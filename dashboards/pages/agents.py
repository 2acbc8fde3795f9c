"""Agents: who answered how much and how fast, collisions, and the Send As bucket."""

import altair as alt
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.filters import page
from dashboards.scope import SHARED_MAILBOX_LABEL

db, scope = page("Agents")

activity = queries.agent_activity(db, scope)
st.caption(
    f"“{SHARED_MAILBOX_LABEL}” holds replies sent as the mailbox itself: Outlook does not "
    "record which agent sent them, so they cannot be credited to anyone."
)
COLUMNS = {  # column: (heading, what it counts)
    "agent": ("Agent", None),
    "replies_sent": ("Replies sent", "Outbound messages sent in the range."),
    "turns_answered": ("Turns answered", "Customer turns started in the range that this "
                       "responder answered first."),
    "threads_first_responded": ("First replies", "Threads whose first reply, sent "
                                "in the range, came from this responder."),
    "median_first_response_hours": ("Median first reply", "Over those threads."),
    "median_reply_hours": ("Median reply time", "Over the turns this responder answered."),
    "collisions": ("Collisions", "Turns this responder answered where another responder also "
                   "answered before the customer wrote again."),
    "open_assigned": ("Open assigned", "Threads assigned to this agent and not resolved, as "
                      "of the data."),
    "reassigned_threads": ("Reassigned threads", "Threads now assigned to this agent that "
                           "changed agent at least once."),
}  # fmt: skip
shown = activity.assign(
    median_first_response_hours=activity["median_first_response_minutes"] / 60,
    median_reply_hours=activity["median_reply_minutes"] / 60,
)[list(COLUMNS)]
ui.table(
    shown,
    "agents",
    column_config={
        column: st.column_config.NumberColumn(
            label, help=help, format="%.1f h" if column.endswith("_hours") else None
        )
        if help
        else label
        for column, (label, help) in COLUMNS.items()
    },
)

st.subheader("Replies sent")
trend = queries.agent_replies_trend(db, scope)
if trend.empty:
    st.info("No replies in this range.")
else:
    bands, x = charts.period_bands(trend, scope.grain)
    chart = (
        alt.Chart(bands)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("replies_sent:Q", title="Replies"),
            color=alt.Color("agent:N", title=None, scale=alt.Scale(scheme="tableau10"),
                            legend=alt.Legend(orient="top")),
            tooltip=["period:O", "agent:N", "replies_sent:Q"],
        )
    )  # fmt: skip
    st.altair_chart(chart, width="stretch")
