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
}  # fmt: skip
ASSIGNMENT_COLUMNS = {
    "agent": ("Agent", None),
    "open_assigned": ("Open assigned", "Threads assigned to this agent and not resolved, as "
                      "of the data."),
    "reassignments_in": ("Taken over", "Times in the range a thread passed to this agent "
                         "from another agent."),
    "reassignments_out": ("Handed over", "Times in the range a thread passed from this agent "
                          "to another agent."),
    "reassigned_threads": ("Reassigned threads", "Threads now assigned to this agent that "
                           "changed agent at least once, at any time."),
}  # fmt: skip


def column_config(columns: dict[str, tuple[str, str | None]]) -> dict:
    return {
        column: st.column_config.NumberColumn(
            label, help=help, format="%.1f h" if column.endswith("_hours") else None
        )
        if help
        else label
        for column, (label, help) in columns.items()
    }


shown = activity.assign(
    median_first_response_hours=activity["median_first_response_minutes"] / 60,
    median_reply_hours=activity["median_reply_minutes"] / 60,
)
ui.table(shown[list(COLUMNS)], "agents", column_config=column_config(COLUMNS))

st.subheader("Assignments and handovers")
agents_only = shown[shown["agent_address"].notna()][list(ASSIGNMENT_COLUMNS)]
if agents_only.empty:
    st.info("Replies sent as the shared mailbox are assigned to nobody.")
else:
    ui.table(agents_only, "assignments", column_config=column_config(ASSIGNMENT_COLUMNS))
    st.caption(
        "A thread is handed over when the mailbox's assignment signal (a category, a folder "
        "or the agent who replies) names a different agent than before."
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
