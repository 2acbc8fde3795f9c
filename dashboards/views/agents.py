"""Agents: who answered how much and how fast, collisions, and the Send As bucket.

Every figure is a metric of the semantic layer by its `agent` entity (dashboards/semantic.py):
the responder of a reply, a thread's first responder, the agent of a change of hands; the
open and reassigned threads by the thread's `assignee` now.
"""

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import charts, queries, semantic, ui
from dashboards.filters import page
from dashboards.scope import SHARED_MAILBOX, SHARED_MAILBOX_LABEL

db, scope = page("Agents")
ACTIVITY = {  # column: metric, by the metric's agent, in the range
    "replies_sent": "outbound_messages",
    "turns_answered": "answers",
    "threads_first_responded": "threads_first_responded",
    "median_first_response_minutes": semantic.on_clock(
        scope, "first_response_business_minutes_median", "first_response_minutes_median"
    ),
    "median_reply_minutes": semantic.on_clock(
        scope, "answer_reply_business_minutes_median", "answer_reply_minutes_median"
    ),
    "collisions": "collided_turns",
}
HANDOVERS = {"reassignments_in": "reassignments_in", "reassignments_out": "reassignments_out"}
ASSIGNED = {"open_assigned": "open_threads", "reassigned_threads": "reassigned_threads"}
COUNTS = ["replies_sent", "turns_answered", "threads_first_responded", "collisions",
          *HANDOVERS, *ASSIGNED]  # fmt: skip


def by_agent(frame: pd.DataFrame, key: str, columns: dict[str, str]) -> pd.DataFrame:
    """A metrics frame indexed by the agent's address (SHARED_MAILBOX for none)."""
    renamed = frame.rename(columns={m: c for c, m in columns.items()})
    return renamed.assign(agent_address=renamed[key].fillna(SHARED_MAILBOX)).set_index(
        "agent_address"
    )[list(columns)]


activity = by_agent(
    semantic.metrics(db, scope, tuple(ACTIVITY.values()), ("agent",), by_agent=True),
    "agent",
    ACTIVITY,
)
handovers = by_agent(
    semantic.metrics(db, scope, tuple(HANDOVERS.values()), ("agent",), by_agent=True),
    "agent",
    HANDOVERS,
)
assigned = by_agent(  # as of the build, whatever the dates
    semantic.metrics(db, scope, tuple(ASSIGNED.values()), ("assignee",), dated=False),
    "assignee",
    ASSIGNED,
)
agents = queries.agent_options(db, scope.mailboxes).set_index("agent_address")["agent_name"]
# the configured agents, and whoever else did something in the range (Send As included)
active = activity[activity[["replies_sent", "turns_answered", "threads_first_responded"]]
                  .fillna(0).sum(axis=1) > 0].index  # fmt: skip
rows = list(dict.fromkeys([*agents.index, *active]))
if scope.agent is not None:
    rows = [a for a in rows if a == scope.agent]
table = (
    pd.DataFrame(index=pd.Index(rows, name="agent_address"))
    .join(activity)
    .join(handovers)
    .join(assigned)
    .fillna({c: 0 for c in COUNTS})
    .astype({c: int for c in COUNTS})
    .reset_index()
)
table["agent"] = table["agent_address"].map(agents)
table.loc[table["agent_address"] == SHARED_MAILBOX, "agent"] = SHARED_MAILBOX_LABEL
table["agent"] = table["agent"].fillna(table["agent_address"])
table = table.sort_values(
    ["agent_address", "replies_sent", "agent"],
    key=lambda c: c == SHARED_MAILBOX if c.name == "agent_address" else c,
    ascending=[True, False, True],
)
st.caption(
    f"“{SHARED_MAILBOX_LABEL}” holds replies sent as the mailbox itself: Outlook does not "
    "record which agent sent them, so they cannot be credited to anyone."
)
COLUMNS = {  # column: (heading, what it counts)
    "agent": ("Agent", None),
    "replies_sent": ("Replies sent", "Outbound messages sent in the range."),
    "turns_answered": ("Turns answered", "Customer turns this responder answered first, "
                       "with the answer sent in the range."),
    "threads_first_responded": ("First replies", "Threads whose first reply, sent "
                                "in the range, came from this responder."),
    "median_first_response_hours": ("Median first reply", "Of the customer threads that "
                                    "started in the range and this responder answered first."),
    "median_reply_hours": ("Median reply time", "Over the turns this responder answered in "
                           "the range."),
    "collisions": ("Collisions", "Turns started in the range that this responder answered "
                   "where another responder also answered before the customer wrote again."),
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


shown = table.assign(
    median_first_response_hours=table["median_first_response_minutes"] / 60,
    median_reply_hours=table["median_reply_minutes"] / 60,
)
ui.table(shown[list(COLUMNS)], "agents", column_config=column_config(COLUMNS))

st.subheader("Assignments and handovers")
agents_only = shown[shown["agent_address"] != SHARED_MAILBOX][list(ASSIGNMENT_COLUMNS)]
if agents_only.empty:
    st.info("Replies sent as the shared mailbox are assigned to nobody.")
else:
    ui.table(agents_only, "assignments", column_config=column_config(ASSIGNMENT_COLUMNS))
    st.caption(
        "A thread is handed over when the mailbox's assignment signal (a category, a folder "
        "or the agent who replies) names a different agent than before."
    )

st.subheader("Replies sent")
period = f"metric_time__{scope.grain}"
trend = semantic.metrics(db, scope, ("outbound_messages",), (period, "agent"), by_agent=True)
trend = trend[trend["outbound_messages"] > 0]
trend = trend.assign(
    period_start=pd.to_datetime(trend[period]),
    agent=trend["agent"].map(agents).fillna(trend["agent"]).fillna(SHARED_MAILBOX_LABEL),
    replies_sent=trend["outbound_messages"],
)
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
